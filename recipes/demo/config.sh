#!/bin/sh
# Runs inside the image after packages, users and overlays.
set -e
mkdir -p /var/lib/demo
echo "configured by config.sh" > /var/lib/demo/configured
chown demo:demo /var/lib/demo/configured
chmod 600 /etc/demo/token
