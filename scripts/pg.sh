#!/usr/bin/env bash
# A throwaway PostgreSQL for the server tests (scripts/test.sh):
#   scripts/pg.sh start DIR   installs PostgreSQL if needed (Debian's `postgresql`), runs
#                             initdb into DIR/data as a non-root user, starts the server on
#                             127.0.0.1 at a free port and a Unix socket in DIR, and prints
#                             the lines to export:
#                             SAFEHOUSE_TEST_DATABASE=postgres://USER@127.0.0.1:PORT/postgres
#                             SAFEHOUSE_TEST_PGDATA=DIR/data
#   scripts/pg.sh stop DIR    stops that server by the PID in DIR/data/postmaster.pid
# Nothing listens beyond loopback; authentication is `trust` for the local user only.
set -euo pipefail
cmd=${1:?usage: pg.sh start|stop DIR}
dir=${2:?usage: pg.sh start|stop DIR}

pgbin() {
  local b
  b=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
  if [ -z "$b" ] || [ ! -x "$b/initdb" ]; then
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
    b=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  fi
  echo "$b"
}

# initdb and postgres refuse to run as root: run them as `postgres` (the package's
# user) when we are root, else as ourselves.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin postgres
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

case "$cmd" in
  start)
    bin=$(pgbin)
    mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres "$dir"
    chmod 0700 "$dir"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
    as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust --no-sync -E UTF8 >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c max_connections=200" start >&2 \
      || { cat "$dir/postgres.log" >&2; exit 1; }
    echo "SAFEHOUSE_TEST_DATABASE=postgres://postgres@127.0.0.1:$port/postgres"
    echo "SAFEHOUSE_TEST_PGDATA=$dir/data"
    ;;
  stop)
    pidfile="$dir/data/postmaster.pid"
    if [ -f "$pidfile" ]; then
      pid=$(head -1 "$pidfile")
      kill -INT "$pid" 2>/dev/null || true
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    rm -rf "$dir"
    ;;
  *) echo "usage: pg.sh start|stop DIR" >&2; exit 64 ;;
esac
