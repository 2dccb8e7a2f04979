#!/bin/sh
# BROKEN on purpose: writes the configuration into the image at start-up.
set -e
sed -i "s|@APP_MESSAGE@|${APP_MESSAGE:-Bonjour}|; s|@LOG_LEVEL@|${LOG_LEVEL:-INFO}|" /app/app.env
set -a
. /app/app.env
set +a
exec python3 /app/app.py
