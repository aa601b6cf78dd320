#!/bin/sh
# Create the cluster on first start, owned by whatever UID runs the container, then serve.
set -e
bin=/usr/lib/postgresql/15/bin
if [ ! -s "$PGDATA/PG_VERSION" ]; then
    "$bin/initdb" --username=postgres --auth-local=peer --auth-host=scram-sha-256 -D "$PGDATA"
    echo "listen_addresses = '*'" >> "$PGDATA/postgresql.conf"
    echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
fi
exec "$bin/postgres" -D "$PGDATA"
