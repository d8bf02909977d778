#!/usr/bin/env bash
# Create the isolated Rasa Open Source venv used by `python -m bench.nlu`.
#
# Rasa 3.6 needs Python < 3.11 and pins TensorFlow 2.12, SQLAlchemy 1.4,
# pydantic 1 and friends, all of which clash with the product's own
# dependencies. So it lives in its own venv under var/ (git-ignored) and is only
# ever driven as a subprocess by bench/peers/rasa/runner.py.
#
# Idempotent: if the venv exists and `rasa --version` reports the pinned
# version, it does nothing. Usage: bash bench/peers/rasa/setup.sh
set -euo pipefail

RASA_VERSION="3.6.21"
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
VENV="$REPO/var/peers/rasa-venv"

find_python310() {
    local root=""
    if [[ -n "${PYENV_ROOT:-}" ]]; then
        root="$PYENV_ROOT"
    elif command -v pyenv >/dev/null 2>&1; then
        root="$(pyenv root)"
    fi
    if [[ -n "$root" ]]; then
        # Newest installed 3.10.x wins; `sort -V` orders patch versions numerically.
        local candidate
        candidate="$(ls -d "$root"/versions/3.10.* 2>/dev/null | sort -V | tail -n 1 || true)"
        if [[ -n "$candidate" && -x "$candidate/bin/python3.10" ]]; then
            echo "$candidate/bin/python3.10"
            return 0
        fi
    fi
    if command -v python3.10 >/dev/null 2>&1; then
        command -v python3.10
        return 0
    fi
    return 1
}

# `rasa --version` prints "Rasa Version      :         3.6.21" among other lines.
# Its output is captured first: piping straight into `grep -q` would let grep
# exit early, kill rasa with SIGPIPE and, under pipefail, fail the check.
installed_version() {
    local out
    out="$("$VENV/bin/rasa" --version 2>/dev/null)" || return 1
    sed -n 's/^Rasa Version *: *//p' <<<"$out"
}

if [[ -x "$VENV/bin/rasa" && "$(installed_version || true)" == "$RASA_VERSION" ]]; then
    echo "rasa $RASA_VERSION already installed in $VENV"
    exit 0
fi

if ! PY="$(find_python310)"; then
    echo "error: Rasa $RASA_VERSION needs Python 3.10 (it does not support 3.11+)." >&2
    echo "       Install it with 'pyenv install 3.10' or put python3.10 on PATH." >&2
    exit 1
fi
echo "using $PY"

mkdir -p "$(dirname "$VENV")"
"$PY" -m venv "$VENV"
# Rasa's own metadata pins everything it needs on Linux x86-64 (TensorFlow 2.12
# CPU wheels, setuptools 70.3 which still ships the pkg_resources Rasa imports),
# and a plain install resolves cleanly with the venv's bundled pip, so nothing
# extra is pinned. The wheel package lets the few sdists among the channel
# connectors build as wheels instead of via the deprecated `setup.py install`.
"$VENV/bin/python" -m pip install --quiet wheel
"$VENV/bin/python" -m pip install "rasa==$RASA_VERSION"

got="$(installed_version || true)"
if [[ "$got" != "$RASA_VERSION" ]]; then
    echo "error: installed, but 'rasa --version' reports '${got:-nothing}', not $RASA_VERSION" >&2
    exit 1
fi
echo "rasa $RASA_VERSION installed in $VENV"
