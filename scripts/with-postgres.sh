#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL server on loopback, for the job store tests:
#
#   scripts/with-postgres.sh swift test
#
# Starts Debian's PostgreSQL (apt-get install -y postgresql) from a fresh initdb in a temp folder,
# on a free port, exports SLIPWAY_TEST_POSTGRES_URL=postgres://slipway@127.0.0.1:PORT/slipway_test,
# runs the command, then stops the server and deletes the folder, whatever the command did.
# Run as root, the server runs as the `postgres` user (initdb refuses root).
set -euo pipefail

if [ "$#" -eq 0 ]; then
    echo "usage: $0 COMMAND [ARG...]   (for example: $0 swift test)" >&2
    exit 2
fi

bindir=""
for candidate in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$candidate/initdb" ] && [ -x "$candidate/pg_ctl" ] && [ -x "$candidate/postgres" ]; then
        bindir="$candidate"
        break
    fi
done
if [ -z "$bindir" ]; then
    echo "with-postgres.sh: no PostgreSQL server found under /usr/lib/postgresql/*/bin." >&2
    echo "Install it first:  apt-get update && apt-get install -y postgresql" >&2
    exit 1
fi

# As root, run the server as an unprivileged user.
as_server_user=()
server_user="$(id -un)"
if [ "$(id -u)" -eq 0 ]; then
    server_user=postgres
    if ! id -u "$server_user" >/dev/null 2>&1; then
        useradd --system --no-create-home --shell /usr/sbin/nologin "$server_user"
    fi
    as_server_user=(runuser -u "$server_user" --)
fi

workdir="$(mktemp -d "${TMPDIR:-/tmp}/slipway-pg.XXXXXX")"
chmod 755 "$workdir"
datadir="$workdir/data"
mkdir -p "$datadir" "$workdir/socket"
if [ "$(id -u)" -eq 0 ]; then
    chown -R "$server_user" "$workdir"
fi

cleanup() {
    status=$?
    if [ -f "$datadir/postmaster.pid" ]; then
        "${as_server_user[@]}" "$bindir/pg_ctl" -D "$datadir" -m fast -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$workdir"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A free loopback port: ask the kernel for one, then hand it to the server.
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()' 2>/dev/null || true)"
if [ -z "$port" ]; then
    port=$(( 20000 + RANDOM % 20000 ))
fi

"${as_server_user[@]}" "$bindir/initdb" -D "$datadir" -U slipway --auth=trust --encoding=UTF8 --no-locale \
    >"$workdir/initdb.log" 2>&1 || { cat "$workdir/initdb.log" >&2; exit 1; }

"${as_server_user[@]}" "$bindir/pg_ctl" -D "$datadir" -l "$workdir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $workdir/socket -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >/dev/null || { cat "$workdir/server.log" >&2; exit 1; }

"${as_server_user[@]}" "$bindir/psql" -h 127.0.0.1 -p "$port" -U slipway -d postgres -v ON_ERROR_STOP=1 -q \
    -c "CREATE DATABASE slipway_test" >/dev/null

export SLIPWAY_TEST_POSTGRES_URL="postgres://slipway@127.0.0.1:$port/slipway_test"
echo "with-postgres.sh: PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port; SLIPWAY_TEST_POSTGRES_URL=$SLIPWAY_TEST_POSTGRES_URL" >&2

set +e
"$@"
status=$?
set -e
exit "$status"
