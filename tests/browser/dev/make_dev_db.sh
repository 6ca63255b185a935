#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (C) 2026 zt-inventory contributors
#
# DEVELOPMENT ONLY -- not used by scripts/test.
# Builds a stand-in for the demo database so that the browser harness can be
# developed before `ztinv demo` exists:
#   ZT_BROWSER_PREPARE=tests/browser/dev/make_dev_db.sh \
#   ZT_BROWSER_STEPS=keeper_product,admin_product tests/browser/run.sh
# Usage: make_dev_db.sh CONF DB
set -euo pipefail
conf=$1 db=$2
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
# trytond-admin does not create a SQLite database: create the empty file.
dbpath=$(sed -n 's/^path *= *//p' "$conf" | head -1)
mkdir -p "$dbpath"
touch "$dbpath/$db.sqlite"
passfile=$(mktemp)
trap 'rm -f "$passfile"' EXIT
echo 'Admin-Demo-2026!' > "$passfile"
TRYTONPASSFILE=$passfile "$root/.venv/bin/trytond-admin" -c "$conf" -d "$db" \
    --all --activate-dependencies -u company product stock --email admin@example.com
"$root/.venv/bin/python" "$here/dev_data.py" "$conf" "$db"
