#!/usr/bin/env bash
# Make Debian's sip-tester (SIPp) available, to place real SIP calls with RTP audio into an Asterisk that
# runs the sample configuration of deploy/asterisk (see the README's "Hotline callbot"). Installs it from apt
# when missing (needs root); prints the executable's path. Idempotent. Not needed by the test suite.
set -euo pipefail
log() { echo "sipp.sh: $*" >&2; }

if ! command -v sipp >/dev/null 2>&1; then
  log "installing sip-tester from apt"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq sip-tester >&2
fi
command -v sipp
