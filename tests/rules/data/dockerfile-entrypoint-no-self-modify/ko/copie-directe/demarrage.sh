#!/bin/sh
# writes the port into the bundled config at every start
sed -i "s/listen 80/listen ${PORT}/" /etc/nginx/conf.d/default.conf
exec nginx -g 'daemon off;'
