#!/bin/sh
echo '{"message": "démarrage"}' >&2
exec python app.py
