# Sourced by benchmarks: tops a table of the dev stack (tools/dev up) up to COUNT rows
# with tools/datagen, through the owning service's store code. Sets TOPPED=1 when it
# wrote anything (the in-memory indexes then need ~15 s to settle: they re-read the last
# 10 s of changes, ADR 0007). Needs ROOT; reads .run/dev/env.
#   top_up SERVICE TABLE KIND COUNT     e.g. top_up directory organizations organizations 100000
#   db_url SERVICE                      the service's database URL
source "$ROOT/.run/dev/env"
TOPPED=0
db_url() { local var="${1^^}_DB_PASSWORD"; echo "postgresql://$1:${!var}@127.0.0.1:$PG_PORT/$1"; }
top_up() {
  local url have
  url=$(db_url "$1")
  have=$(psql "$url" -tAc "SELECT count(*) FROM $2")
  [ "$have" -lt "$4" ] || return 0
  echo "generating $(($4 - have)) $3 ..." >&2
  env DATABASE_URL="$url" CIVIC_ENCRYPTION_KEYS="$CIVIC_ENCRYPTION_KEYS" \
    "$ROOT/.build/release/tools/datagen/civic_datagen" "$3" --add --count $(($4 - have)) --seed "$have" >&2
  psql "$url" -qc "VACUUM ANALYZE $2"
  TOPPED=1
}
