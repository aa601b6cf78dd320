#!/bin/sh
set -e
. /usr/local/lib/lib.sh
run_as_es "$@"
