#!/bin/sh
# Writes the image's /etc/siplb/siplb.properties from config/siplb.properties: the container
# serves SIP on every address of its network (UDP and TCP 5060) and reads the destination list
# from /etc/siplb; the admin API stays on the container's loopback (HEALTHCHECK reaches it there;
# Kubernetes manifests set their own). Used by the Dockerfile and by build-image.sh alike.
#   image-config.sh SOURCE TARGET
set -eu
sed -e 's|^siplb.listen=.*|siplb.listen=udp:0.0.0.0:5060,tcp:0.0.0.0:5060|' \
    -e 's|^siplb.destinations.file=.*|siplb.destinations.file=/etc/siplb/dispatcher.list|' \
    "$1" >"$2"
grep -q '^siplb.listen=udp:0.0.0.0:5060,tcp:0.0.0.0:5060$' "$2"
grep -q '^siplb.destinations.file=/etc/siplb/dispatcher.list$' "$2"
