# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (C) 2026 zt-inventory contributors
#
# Shared set-up for scripts/demo and scripts/test.  Source it, do not run it:
#   . "$(dirname "$0")/lib/setup.sh"; setup_all
#
# Every step is idempotent and guarded by a stamp file, so a second run costs
# a few milliseconds.  The stamps hold a sha256 of the inputs, so changing
# constraints.txt, requirements.txt or an addon's pyproject.toml re-runs pip.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VENV="$ROOT/.venv"
SAO_VERSION=8.0.11
PLAYWRIGHT_DIR="$ROOT/tests/browser"

say() { echo "setup: $*"; }

# sha256 of the files that decide what pip installs.
python_inputs_hash() {
    (cd "$ROOT" && cat constraints.txt requirements.txt addons/*/pyproject.toml 2>/dev/null) \
        | sha256sum | cut -d' ' -f1
}

setup_python() {
    local stamp="$VENV/.zt-setup-stamp" hash
    hash=$(python_inputs_hash)
    if [[ -f "$stamp" && "$(cat "$stamp")" == "$hash" && -x "$VENV/bin/trytond" ]]; then
        return 0
    fi
    if [[ ! -x "$VENV/bin/python" ]]; then
        say "creating $VENV"
        python3 -m venv "$VENV"
    fi
    say "installing Python packages (pinned by constraints.txt)"
    "$VENV/bin/pip" install -q --disable-pip-version-check \
        -r "$ROOT/requirements.txt" -c "$ROOT/constraints.txt"
    local pyproject
    for pyproject in "$ROOT"/addons/*/pyproject.toml; do
        [[ -f "$pyproject" ]] || continue
        say "installing addon $(basename "$(dirname "$pyproject")") (editable)"
        # --no-deps: the requirements above already hold every dependency,
        # and we do not want pip to pick versions outside constraints.txt.
        "$VENV/bin/pip" install -q --disable-pip-version-check --no-deps \
            -e "$(dirname "$pyproject")"
    done
    echo "$hash" > "$stamp"
}

# sao is unpacked into its own folder: its index.html loads node_modules/...
# relative to itself, so a hoisted node_modules/tryton-sao would 404.
setup_sao() {
    local dest="$ROOT/web/sao" stamp="$ROOT/web/sao/.zt-setup-stamp"
    if [[ -f "$stamp" && "$(cat "$stamp")" == "$SAO_VERSION" ]]; then
        return 0
    fi
    say "installing web client tryton-sao@$SAO_VERSION into web/sao"
    local tmp
    tmp=$(mktemp -d)
    (cd "$tmp" && npm pack --silent "tryton-sao@$SAO_VERSION" >/dev/null)
    rm -rf "$dest"
    mkdir -p "$dest"
    tar -xzf "$tmp"/tryton-sao-*.tgz -C "$dest" --strip-components=1
    rm -rf "$tmp"
    (cd "$dest" && npm install --silent --omit=dev --legacy-peer-deps --no-audit --no-fund >/dev/null)
    # index.html requests custom.js and custom.css; without them the server
    # answers 404 and the browser logs errors.
    touch "$dest/custom.js" "$dest/custom.css"
    echo "$SAO_VERSION" > "$stamp"
}

setup_all() {
    command -v npm >/dev/null || { echo "setup: npm is required (apt-get install npm)" >&2; return 1; }
    setup_python
    setup_sao
}

# Run as root directly, otherwise through sudo.
as_root() {
    if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi
}

# Browser tests only: Debian's chromium driven by playwright-core.  We never
# let Playwright download a browser.
setup_browser() {
    local packages=()
    [[ -x /usr/bin/chromium ]] || packages+=(chromium)
    # Demo users work in zh_CN: without a CJK font the screenshots show boxes.
    [[ -n "$(fc-list :lang=zh 2>/dev/null)" ]] || packages+=(fonts-wqy-zenhei)
    if ((${#packages[@]})); then
        say "installing ${packages[*]} (apt)"
        if ! apt-cache show "${packages[@]}" >/dev/null 2>&1; then
            as_root apt-get update -qq
        fi
        as_root env DEBIAN_FRONTEND=noninteractive \
            apt-get install -y -qq "${packages[@]}" >/dev/null
    fi
    local stamp="$PLAYWRIGHT_DIR/node_modules/.zt-setup-stamp" hash
    hash=$(sha256sum "$PLAYWRIGHT_DIR/package.json" | cut -d' ' -f1)
    if [[ -f "$stamp" && "$(cat "$stamp")" == "$hash" ]]; then
        return 0
    fi
    say "installing playwright-core (npm) into tests/browser"
    (cd "$PLAYWRIGHT_DIR" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 \
        npm install --silent --no-audit --no-fund >/dev/null)
    echo "$hash" > "$stamp"
}
