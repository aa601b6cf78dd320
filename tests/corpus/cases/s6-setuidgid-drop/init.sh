#!/bin/sh
chown -R abc:abc /config
exec s6-setuidgid abc /usr/bin/app --config /config
