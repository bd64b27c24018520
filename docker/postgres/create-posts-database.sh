#!/bin/sh
# Run once by the postgres image on an empty data volume (/docker-entrypoint-initdb.d): creates the
# posts service's own database beside the users one (POSTGRES_DB), so no service reads another's tables.
# A volume created before this script existed needs `docker compose down -v` (or a manual CREATE DATABASE).
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  --set=posts_db="$POSTS_DB" <<'SQL'
CREATE DATABASE :"posts_db";
SQL
