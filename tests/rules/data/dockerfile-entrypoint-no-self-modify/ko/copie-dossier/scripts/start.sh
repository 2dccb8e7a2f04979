#!/bin/sh
pip install --no-cache-dir -r requirements.txt
exec python app.py
