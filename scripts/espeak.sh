#!/usr/bin/env bash
# Make Debian's espeak-ng available: the callbot's default Vietnamese voice (voice/tts.py) and the voice the
# tests' stand-in callers speak with (tests/test_callbot_calls.py). Installs it from apt when missing (needs
# root); prints the executable's path. Idempotent.
set -euo pipefail
log() { echo "espeak.sh: $*" >&2; }

if ! command -v espeak-ng >/dev/null 2>&1; then
  log "installing espeak-ng from apt"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq espeak-ng >&2
fi
espeak-ng --voices=vi | grep -q 'vi ' || { log "espeak-ng has no Vietnamese voice"; exit 1; }
command -v espeak-ng
