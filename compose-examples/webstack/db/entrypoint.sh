#!/bin/sh
# Starts PostgreSQL as the postgres user; on the first start (an empty $PGDATA) creates the
# cluster: superuser $POSTGRES_USER with password $POSTGRES_PASSWORD (scram-sha-256 for every
# network client), database $POSTGRES_DB, listening on all addresses.
set -eu

: "${POSTGRES_USER:=postgres}"
: "${POSTGRES_DB:=$POSTGRES_USER}"
if [ -z "${POSTGRES_PASSWORD:-}" ]; then
  echo "db: POSTGRES_PASSWORD is not set; refusing to create a cluster anyone on the network could use" >&2
  exit 1
fi

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  echo "db: creating the cluster in $PGDATA"
  pwfile=$(mktemp)
  printf '%s\n' "$POSTGRES_PASSWORD" > "$pwfile"
  initdb --username="$POSTGRES_USER" --pwfile="$pwfile" --auth-local=trust --auth-host=scram-sha-256 --encoding=UTF8 -D "$PGDATA" >/dev/null
  rm -f "$pwfile"
  printf "listen_addresses = '*'\n" >> "$PGDATA/postgresql.conf"
  printf 'host all all all scram-sha-256\n' >> "$PGDATA/pg_hba.conf"
  if [ "$POSTGRES_DB" != postgres ]; then
    # a server on the socket only, to create the database, then stopped again
    pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start >/dev/null
    createdb --username="$POSTGRES_USER" "$POSTGRES_DB"
    pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
  fi
  echo "db: cluster ready (user $POSTGRES_USER, database $POSTGRES_DB)"
fi

exec "$@"
