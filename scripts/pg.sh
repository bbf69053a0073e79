#!/usr/bin/env bash
# A throwaway PostgreSQL for the server tests (scripts/test.sh):
#   scripts/pg.sh start DIR   installs PostgreSQL if needed (Debian's `postgresql`), runs
#                             initdb into DIR/data as a non-root user, starts the server on
#                             127.0.0.1 at a free port and a Unix socket in DIR, and prints
#                             the lines to export:
#                             SAFEHOUSE_TEST_DATABASE=postgres://USER@127.0.0.1:PORT/postgres
#                             SAFEHOUSE_TEST_PGDATA=DIR/data
#   scripts/pg.sh stop DIR    stops every server under DIR by the PID in its postmaster.pid
#                             and removes DIR
# A primary with a synchronous streaming standby (the failover tests, Docs/SERVER.md
# "High availability"):
#   scripts/pg.sh pair DIR    primary in DIR/primary, standby in DIR/standby (pg_basebackup -R,
#                             application_name=standby1, the primary's synchronous_standby_names);
#                             prints PRIMARY_PORT=, PRIMARY_DATA=, STANDBY_PORT=, STANDBY_DATA=
#   scripts/pg.sh standby DIR NAME PRIMARY_PORT
#                             a new synchronous standby (again `standby1`) of the primary at
#                             PRIMARY_PORT in DIR/NAME — e.g. of a promoted standby; prints
#                             STANDBY_PORT=, STANDBY_DATA=
#   scripts/pg.sh promote DATADIR   pg_ctl promote, waiting until it takes writes
#   scripts/pg.sh crash DATADIR     kill -9 of that server's postmaster and all its children,
#                                   by PID (a crash: no shutdown checkpoint, no goodbye)
# Nothing listens beyond loopback; authentication is `trust` for the local user only.
set -euo pipefail
# A caller may leave descriptors open to us (Foundation's Process keeps one it waits
# on): the servers started below would hold them all their life, and the caller would
# wait for them. Only stdin, stdout and stderr go on.
for fd in /proc/$$/fd/*; do
  fd=${fd##*/}
  if [ "$fd" -gt 2 ]; then eval "exec $fd>&-" 2>/dev/null || true; fi
done
cmd=${1:?usage: pg.sh start|stop|pair|standby|promote|crash DIR …}
dir=${2:?usage: pg.sh start|stop|pair|standby|promote|crash DIR …}

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

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

own_dir() {
  mkdir -p "$1"
  if [ "$(id -u)" -eq 0 ]; then chown postgres "$1"; fi
  chmod 0700 "$1"
}

# A new cluster in data directory $1 (owned by `postgres` when we are root).
init_cluster() {
  as_owner "$bin/initdb" -D "$1" -U postgres --auth=trust --no-sync -E UTF8 >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
}

# Starts the server of data directory $1 on port $2 (socket in $dir), waiting until it is up.
pg_start() {
  as_owner "$bin/pg_ctl" -D "$1" -l "$1.log" -w -t 60 -o "-p $2 -k $dir" start >&2 \
    || { cat "$1.log" >&2; exit 1; }
}

# A standby of the primary at port $2 in data directory $1, named standby1 to the primary.
make_standby() {
  local data=$1 pport=$2 port
  port=$(free_port)
  as_owner "$bin/pg_basebackup" -D "$data" -h 127.0.0.1 -p "$pport" -U postgres -X stream -R --checkpoint=fast --no-sync \
    >"$data.basebackup.log" 2>&1 || { cat "$data.basebackup.log" >&2; exit 1; }
  # The name the primary's synchronous_standby_names waits for (later lines win).
  echo "primary_conninfo = 'host=127.0.0.1 port=$pport user=postgres application_name=standby1'" >> "$data/postgresql.auto.conf"
  pg_start "$data" "$port"
  echo "STANDBY_PORT=$port"
  echo "STANDBY_DATA=$data"
}

case "$cmd" in
  pair)
    bin=$(pgbin)
    own_dir "$dir"
    port=$(free_port)
    init_cluster "$dir/primary"
    # In postgresql.conf, so pg_basebackup copies it and a promoted standby keeps it:
    # COMMIT returns only once standby1 has flushed the transaction.
    # fsync=off is fine here: the tests kill processes, never the machine, so the page
    # cache keeps whatever was written; durability against power loss is not what they test.
    cat >> "$dir/primary/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
wal_level = replica
max_wal_senders = 10
synchronous_standby_names = 'standby1'
synchronous_commit = on
fsync = off
max_connections = 200
CONF
    pg_start "$dir/primary" "$port"
    echo "PRIMARY_PORT=$port"
    echo "PRIMARY_DATA=$dir/primary"
    make_standby "$dir/standby" "$port"
    ;;
  standby)
    bin=$(pgbin)
    name=${3:?usage: pg.sh standby DIR NAME PRIMARY_PORT}
    pport=${4:?usage: pg.sh standby DIR NAME PRIMARY_PORT}
    make_standby "$dir/$name" "$pport"
    ;;
  promote)
    bin=$(pgbin)
    as_owner "$bin/pg_ctl" -D "$dir" -w -t 60 promote >&2
    ;;
  crash)
    pid=$(head -1 "$dir/postmaster.pid")
    kids=$(cat /proc/"$pid"/task/*/children 2>/dev/null || true)
    # shellcheck disable=SC2086
    kill -KILL "$pid" $kids
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    ;;
  start)
    bin=$(pgbin)
    own_dir "$dir"
    port=$(free_port)
    init_cluster "$dir/data"
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c max_connections=200" start >&2 \
      || { cat "$dir/postgres.log" >&2; exit 1; }
    echo "SAFEHOUSE_TEST_DATABASE=postgres://postgres@127.0.0.1:$port/postgres"
    echo "SAFEHOUSE_TEST_PGDATA=$dir/data"
    ;;
  stop)
    for pidfile in "$dir"/data/postmaster.pid "$dir"/*/postmaster.pid; do
      [ -f "$pidfile" ] || continue
      pid=$(head -1 "$pidfile")
      # A crashed server leaves its pidfile: signal the PID only while it is still a postgres.
      grep -q postgres "/proc/$pid/cmdline" 2>/dev/null || continue
      kill -INT "$pid" 2>/dev/null || true
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    done
    rm -rf "$dir"
    ;;
  *) echo "usage: pg.sh start|stop|pair|standby|promote|crash DIR …" >&2; exit 64 ;;
esac
