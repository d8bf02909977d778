#!/usr/bin/env bash
# Make Debian's chromium available for the browser tests (tests/test_widget.py, tests/test_staff_browser.py),
# which drive it with Playwright (never `playwright install`: no browser is downloaded). Installs it from
# apt when missing (needs root); prints the executable's path. Idempotent.
set -euo pipefail
log() { echo "chromium.sh: $*" >&2; }

if ! command -v chromium >/dev/null 2>&1; then
  log "installing chromium from apt"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq chromium >&2
fi
command -v chromium
