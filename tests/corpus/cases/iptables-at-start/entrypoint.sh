#!/bin/sh
set -e
ip link set dev eth0 mtu 1420
iptables -t nat -A POSTROUTING -o eth0 -j MASQUERADE
exec "$@"
