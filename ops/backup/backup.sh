#!/usr/bin/env bash
# Back up the ISG PostgreSQL database with pg_dump, in its custom format (compressed; restore.sh
# restores it with pg_restore).
#
#   PGHOST=db.internal PGUSER=isg_backup PGDATABASE=isg ops/backup/backup.sh [DIRECTORY]
#
# Connection: the standard libpq variables only (PGHOST, PGPORT, PGUSER, PGDATABASE, PGSSLMODE...).
# The password comes from ~/.pgpass or PGPASSFILE (or PGPASSWORD): never put one in this file or
# on the command line. DIRECTORY defaults to $ISG_BACKUP_DIR, else ./backups; it is created 0700.
#
# Writes DIRECTORY/isg-<database>-<UTC timestamp>.dump and a .sha256 beside it, and prints the
# dump's path as the last line. The dump is written under a .partial name and renamed only once
# pg_dump has succeeded and pg_restore can read its table of contents: a failed or cut-short run
# never leaves a file that looks like a backup. Exit status: 0 done, non-zero failed (say why).
# The dump holds special-category data: keep it on encrypted storage (reliability.md DP-5).
set -euo pipefail

: "${PGDATABASE:?set PGDATABASE (and PGHOST, PGPORT, PGUSER as needed) to the database to back up}"
directory="${1:-${ISG_BACKUP_DIR:-./backups}}"
umask 077
mkdir -p "$directory"

stamp="$(date -u +%Y%m%dT%H%M%SZ)"
file="$directory/isg-${PGDATABASE}-${stamp}.dump"
partial="$file.partial"
trap 'rm -f "$partial"' EXIT

if ! pg_dump --format=custom --compress=6 --no-password --file="$partial"; then
    echo "backup.sh: pg_dump of database '$PGDATABASE' failed; no backup written" >&2
    exit 1
fi
if ! pg_restore --list "$partial" >/dev/null; then
    echo "backup.sh: the dump of '$PGDATABASE' cannot be read back; no backup written" >&2
    exit 1
fi
mv "$partial" "$file"
(cd "$directory" && sha256sum "$(basename "$file")" >"$(basename "$file").sha256")
echo "backup.sh: database '$PGDATABASE' backed up ($(du -h "$file" | cut -f1))" >&2
echo "$file"
