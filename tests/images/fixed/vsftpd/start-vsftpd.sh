#!/bin/sh
set -e
cp /etc/vsftpd-nonroot.conf /tmp/vsftpd.conf
exec vsftpd /tmp/vsftpd.conf
