#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (C) 2026 zt-inventory contributors
#
# Browser tests: build a demo database in a temporary folder, serve it exactly
# as the demo does (`trytond -c CONF -d DB`) and drive sao with chromium.
# Screenshots land in tests/browser/artifacts/.
#
# Developer knobs (environment):
#   ZT_BROWSER_PREPARE  command run as `CMD CONF DB` to build the database
#                       instead of `ztinv demo` (see dev/make_dev_db.sh)
#   ZT_BROWSER_STEPS    comma list of steps to run (each spec runs those it
#                       has: see the head of keeper.spec.mjs, rules.spec.mjs)
#   ZT_BROWSER_KEEP=1   keep the temporary folder (config, database, server log)
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../../scripts/lib/setup.sh"
setup_all
setup_browser

DB=zt_browser
ARTIFACTS="$HERE/artifacts"
TMP=$(mktemp -d -t zt-browser.XXXXXX)
SERVER_PID=

cleanup() {
    if [[ -n "$SERVER_PID" ]]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    if [[ "${ZT_BROWSER_KEEP:-0}" == 1 ]]; then
        echo "browser: kept $TMP"
    else
        rm -rf "$TMP"
    fi
}
trap cleanup EXIT

free_port() {
    "$VENV/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Wait until the server accepts connections (or died).
wait_for_port() {
    local port=$1 i
    for i in $(seq 1 120); do
        if (echo > "/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.5
    done
    echo "browser: FAILED: server did not listen on port $port; log:" >&2
    cat "$TMP/server.log" >&2
    return 1
}

PORT=$(free_port)
CONF="$TMP/trytond.conf"
mkdir -p "$TMP/db"
# The demo template with a free port and a temporary SQLite folder.
sed -e "s|@ROOT@|$ROOT|g" \
    -e "s|^listen = .*|listen = 127.0.0.1:$PORT|" \
    -e "s|^path = .*|path = $TMP/db|" \
    -e "s|^ledger_key = .*|ledger_key = $TMP/zt-ledger.pem|" \
    -e "s|^anchor_file = .*|anchor_file = $TMP/zt-ledger-anchors.jsonl|" \
    "$ROOT/config/demo.conf.in" > "$CONF"

echo "browser: building database $DB"
if [[ -n "${ZT_BROWSER_PREPARE:-}" ]]; then
    $ZT_BROWSER_PREPARE "$CONF" "$DB"
else
    "$VENV/bin/ztinv" demo -c "$CONF" -d "$DB" --no-serve
fi

echo "browser: starting trytond on 127.0.0.1:$PORT"
"$VENV/bin/trytond" -c "$CONF" -d "$DB" > "$TMP/server.log" 2>&1 &
SERVER_PID=$!
wait_for_port "$PORT"

mkdir -p "$ARTIFACTS"
# Each spec in its own node process, one after the other against the same
# server (rules.spec.mjs changes the demo: it acknowledges an alert); every
# spec runs even when one fails, and any failure fails the run.
FAILED=()
for spec in keeper.spec.mjs rules.spec.mjs pda.spec.mjs cockpit.spec.mjs; do
    echo "browser: running $spec"
    if ! BASE_URL="http://127.0.0.1:$PORT" ZT_DB="$DB" ARTIFACT_DIR="$ARTIFACTS" \
            node "$HERE/$spec"; then
        FAILED+=("$spec")
    fi
done
if (( ${#FAILED[@]} )); then
    echo "browser: FAILED: ${FAILED[*]} (screenshots in $ARTIFACTS; server log follows)" >&2
    tail -n 50 "$TMP/server.log" >&2
    exit 1
fi
echo "browser: all specs passed"
