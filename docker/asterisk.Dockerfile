# syntax=docker/dockerfile:1
# An Asterisk for trying fairline: Debian sid's Asterisk 22 with the
# docker/asterisk samples. Build from the repository root:
#   docker build -f docker/asterisk.Dockerfile -t fairline-asterisk .
# At start the samples' placeholders are filled from the environment:
#   FAIRLINE_URL      e.g. http://fairline:8080
#   FAIRLINE_PBX_KEY  a key with the pbx role
#   FAIRLINE_AGI      fairline's FastAGI address, e.g. fairline:4573: when
#                     set, the FastAGI dialplan (extensions-agi.conf) is used
#                     instead of the HTTP one
#   SIP_BIND          address:port for the trunk (default 0.0.0.0:5060)
#   TRUNK_MATCH       the carrier's signalling address
#   MEDIA_ADDRESS     the address callers' audio reaches (default: the
#                     container's own, which suits a carrier on the same host)
FROM debian:sid-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends asterisk asterisk-modules \
 && rm -rf /var/lib/apt/lists/*
COPY docker/asterisk/ /etc/asterisk/
RUN cat > /usr/local/bin/fairline-asterisk <<'SH' && chmod +x /usr/local/bin/fairline-asterisk
#!/bin/sh
set -eu
conf=/etc/asterisk
if [ -n "${FAIRLINE_AGI:-}" ]; then
  cp "$conf/extensions-agi.conf" "$conf/extensions.conf"
  sed -i "s|^FAIRLINE_AGI = .*|FAIRLINE_AGI = $FAIRLINE_AGI|" "$conf/extensions.conf"
fi
sed -i "s|^FAIRLINE_URL = .*|FAIRLINE_URL = ${FAIRLINE_URL:?set FAIRLINE_URL}|; s|^FAIRLINE_PBX_KEY = .*|FAIRLINE_PBX_KEY = ${FAIRLINE_PBX_KEY:?set FAIRLINE_PBX_KEY}|" "$conf/extensions.conf"
sed -i "s|^bind = 127.0.0.1:5060|bind = ${SIP_BIND:-0.0.0.0:5060}|; s|^match = 127.0.0.1|match = ${TRUNK_MATCH:-127.0.0.1}|" "$conf/pjsip.conf"
if [ -n "${MEDIA_ADDRESS:-}" ]; then
  sed -i "s|^media_address = 127.0.0.1|media_address = $MEDIA_ADDRESS|" "$conf/pjsip.conf"
else
  sed -i "/^media_address = /d; /^bind_rtp_to_media_address = /d" "$conf/pjsip.conf"
fi
exec asterisk -f -C "$conf/asterisk.conf"
SH
EXPOSE 5060/udp
ENTRYPOINT ["fairline-asterisk"]
