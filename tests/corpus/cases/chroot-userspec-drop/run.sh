#!/bin/sh
set -e
exec chroot --userspec=svc:svc / /usr/local/bin/svcd --foreground
