# Starts a PostgreSQL server for the tests, as an unprivileged user (PostgreSQL refuses to run
# as root), with SCRAM-SHA-256 passwords, and stops it when the calling script exits. Installs
# it from Debian's packages when it is missing. Sourced by .ci/run; exports
# SLUICE_POSTGRES_URL and SLUICE_REQUIRE_SERVERS=1, so that a test that finds no server fails.
postgres_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$postgres_bin" ]; then
    echo "== installing PostgreSQL (apt-get)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    postgres_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi
id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
postgres_dir=$(mktemp -d)
postgres_port=54329
# A port nothing listens on (a developer's own server may have the first).
while (exec 3<>"/dev/tcp/127.0.0.1/$postgres_port") 2>/dev/null; do postgres_port=$((postgres_port + 1)); done
head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$postgres_dir/password"
chown -R postgres "$postgres_dir"
su postgres -s /bin/sh -c "$postgres_bin/initdb -D $postgres_dir/data -U sluice --auth=scram-sha-256 --pwfile=$postgres_dir/password" >/dev/null
su postgres -s /bin/sh -c "$postgres_bin/pg_ctl -D $postgres_dir/data -w -l $postgres_dir/log \
    -o '-p $postgres_port -k $postgres_dir -c listen_addresses=127.0.0.1' start" >/dev/null
stop_postgres() {
    su postgres -s /bin/sh -c "$postgres_bin/pg_ctl -D $postgres_dir/data -m fast stop" >/dev/null 2>&1 || true
    rm -rf "$postgres_dir"
}
trap stop_postgres EXIT
export SLUICE_POSTGRES_URL="postgres://sluice:$(cat "$postgres_dir/password")@127.0.0.1:$postgres_port/postgres"
export SLUICE_REQUIRE_SERVERS=1
echo "PostgreSQL $("$postgres_bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$postgres_port"
