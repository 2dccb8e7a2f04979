#!/bin/sh
# BROKEN on purpose: production settings written in the image; whatever the platform injects is lost.
export APP_MESSAGE="Bonjour depuis la production"
export APP_ENV="prod"
export DB_HOST="10.12.0.34"
exec python3 /app/app.py
