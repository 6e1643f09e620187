#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for kzmap's tests and benchmarks: initdb
# in a temporary directory, run as an unprivileged user (nobody, when
# started as root: PostgreSQL refuses to run as root), listening on a free
# port on 127.0.0.1 only, trust authentication for the one local role.
#
#   eval "$(bash scripts/pg-throwaway.sh start DIR)"   prints export KZMAP_TEST_PG_URL=...
#   bash scripts/pg-throwaway.sh stop DIR              stops it and removes DIR
#
# Tests run it without durability (fsync off: a crash of the machine loses
# the cluster, which is thrown away anyway); PG_DURABLE=1 keeps PostgreSQL's
# defaults, for benchmarks that compare with bbolt's fsync on every commit.
#
# Uses Debian's postgresql package (apt-get install postgresql); any
# PostgreSQL 13 or newer with initdb and pg_ctl on PATH or under
# /usr/lib/postgresql/*/bin works. Nothing outside DIR is touched.
set -euo pipefail
cmd=${1:?usage: pg-throwaway.sh start|stop DIR}
dir=${2:?usage: pg-throwaway.sh start|stop DIR}

bin=""
if command -v initdb >/dev/null 2>&1; then
  bin=$(dirname "$(command -v initdb)")
else
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$d/initdb" ]; then bin=$d; break; fi
  done
fi
if [ -z "$bin" ]; then
  echo "pg-throwaway: no initdb found (install PostgreSQL: apt-get install postgresql)" >&2
  exit 2
fi

as_pg() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u nobody -- "$@"
  else
    "$@"
  fi
}

case "$cmd" in
start)
  mkdir -p "$dir"
  if [ "$(id -u)" = 0 ]; then chown nobody "$dir"; fi
  chmod 700 "$dir"
  as_pg "$bin/initdb" -D "$dir/data" -A trust -U kzmap --no-sync -E UTF8 >"$dir/initdb.log" 2>&1 || {
    cat "$dir/initdb.log" >&2; exit 1
  }
  # A free port: ask the kernel for one, then give it to the server (a
  # race with another process taking it is retried).
  fast="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  if [ "${PG_DURABLE:-}" = 1 ]; then fast=""; fi
  for attempt in 1 2 3 4 5; do
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null ||
      echo $((20000 + RANDOM % 40000)))
    if as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
      -o "-k $dir -c listen_addresses=127.0.0.1 -p $port -c max_connections=200 $fast" \
      start >/dev/null 2>&1; then
      echo "export KZMAP_TEST_PG_URL='postgres://kzmap@127.0.0.1:$port/postgres?sslmode=disable'"
      exit 0
    fi
  done
  echo "pg-throwaway: the server did not start; its log:" >&2
  tail -20 "$dir/server.log" >&2 || true
  exit 1
  ;;
stop)
  if [ -d "$dir/data" ]; then
    as_pg "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
  ;;
*)
  echo "usage: pg-throwaway.sh start|stop DIR" >&2
  exit 2
  ;;
esac
