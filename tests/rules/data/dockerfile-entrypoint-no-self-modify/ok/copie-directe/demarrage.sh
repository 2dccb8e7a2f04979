#!/bin/sh
# the configuration comes from the environment; temporary files go to /tmp
envsubst < /etc/nginx/templates/default.conf.template > /tmp/default.conf
exec nginx -c /tmp/default.conf -g 'daemon off;'
