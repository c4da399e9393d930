# Makes PostgreSQL's server binaries available to the tests, which start throwaway servers of
# their own (SluiceTesting's PostgresTestServer): installs them from Debian's packages when
# missing, and the unprivileged user `postgres` they run as under root (PostgreSQL refuses to
# run as root). Sourced by .ci/run; exports SLUICE_POSTGRES_BIN and SLUICE_REQUIRE_SERVERS=1, so
# that a test that finds no server fails instead of skipping.
postgres_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$postgres_bin" ]; then
    echo "== installing PostgreSQL (apt-get)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    postgres_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi
id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
# A developer's own server must not stand in for the throwaway ones.
unset SLUICE_POSTGRES_URL
export SLUICE_POSTGRES_BIN="$postgres_bin"
export SLUICE_REQUIRE_SERVERS=1
echo "PostgreSQL $("$postgres_bin/postgres" --version | awk '{print $3}') from $postgres_bin"
