#!/usr/bin/env bash
# Restore an ISG backup made by backup.sh into a NEW database, then check it.
#
#   PGHOST=db.internal PGUSER=postgres ops/backup/restore.sh backups/isg-isg-20261130T120000Z.dump isg_restored
#
# Connection: the standard libpq variables (PGHOST, PGPORT, PGUSER; password from ~/.pgpass or
# PGPASSWORD), for a role that may create databases. The target database must not exist yet: a
# restore never writes over a database (drop it yourself if you mean to). The dump's .sha256, if
# beside it, is checked first. pg_restore runs in one transaction and stops at the first error,
# so a failed restore leaves an empty database, which this script then drops.
#
# After a restore, check it with the app (see README, "Backups and retention"):
#   DATABASE_URL=postgres://USER@HOST:PORT/TARGET .venv/bin/python manage.py migrate --check
#   DATABASE_URL=postgres://USER@HOST:PORT/TARGET .venv/bin/python manage.py audit verify
set -euo pipefail

if [ "$#" -ne 2 ]; then
    echo "usage: $0 DUMP_FILE TARGET_DATABASE" >&2
    exit 2
fi
file="$1"
target="$2"
[ -r "$file" ] || { echo "restore.sh: cannot read $file" >&2; exit 1; }

if [ -r "$file.sha256" ]; then
    (cd "$(dirname "$file")" && sha256sum --check --quiet "$(basename "$file").sha256") \
        || { echo "restore.sh: $file does not match its .sha256: not restored" >&2; exit 1; }
fi

if ! createdb --no-password "$target"; then
    echo "restore.sh: could not create database '$target' (it must not exist yet)" >&2
    exit 1
fi
if ! pg_restore --no-password --exit-on-error --single-transaction --dbname="$target" "$file"; then
    echo "restore.sh: pg_restore into '$target' failed; dropping the half-made database" >&2
    dropdb --no-password "$target" || true
    exit 1
fi
echo "restore.sh: $file restored into database '$target'" >&2
