#!/bin/bash
set -e
modprobe nfs
mount -t nfs "$NFS_SERVER:/export" /mnt
exec sleep infinity
