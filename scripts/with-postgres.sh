#!/usr/bin/env bash
# Runs a command with a disposable PostgreSQL server on 127.0.0.1 and FWD_TEST_PG_URL pointing
# at it (superuser, trust authentication, a temporary folder), then stops the server and removes
# the folder. If no server can be started, the command still runs, without FWD_TEST_PG_URL, and
# the PostgreSQL test cases report themselves as skipped with the reason.
set -uo pipefail

pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
dir=$(mktemp -d /tmp/fwd-pg.XXXXXX)
started=""
as_pg=()

cleanup() {
  if [ -n "$started" ]; then
    "${as_pg[@]}" "$pgbin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1
  fi
  rm -rf "$dir"
}
trap cleanup EXIT

start_server() {
  [ -n "$pgbin" ] || { echo "with-postgres: PostgreSQL is not installed" >&2; return 1; }
  if [ "$(id -u)" -eq 0 ]; then
    # initdb refuses to run as root: the server runs as the postgres system user.
    id postgres >/dev/null 2>&1 || { echo "with-postgres: no postgres user" >&2; return 1; }
    chown postgres "$dir"
    as_pg=(runuser -u postgres --)
  fi
  "${as_pg[@]}" "$pgbin/initdb" -D "$dir/data" -A trust -U postgres --no-sync -E UTF8 \
    >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; return 1; }
  for attempt in 1 2 3 4 5; do
    port=$((20000 + (RANDOM % 20000)))
    if "${as_pg[@]}" "$pgbin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
         -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" \
         start >/dev/null 2>&1; then
      started=1
      export FWD_TEST_PG_URL="postgresql://postgres@127.0.0.1:$port/postgres"
      echo "with-postgres: PostgreSQL on 127.0.0.1:$port"
      return 0
    fi
  done
  tail -n 20 "$dir/server.log" >&2 2>/dev/null
  return 1
}

if ! start_server; then
  echo "with-postgres: could not start PostgreSQL; its test cases will be skipped" >&2
  unset FWD_TEST_PG_URL
fi
"$@"
rc=$?
exit $rc
