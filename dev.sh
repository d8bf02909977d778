#!/usr/bin/env bash
# The two entry points of a fresh checkout (see README):
#   ./dev.sh serve   set up, import the knowledge base, train and index, then serve on 127.0.0.1:8000
#   ./dev.sh test    set up, start PostgreSQL, install chromium and espeak-ng, run the whole test suite
# Both are idempotent: a second run reuses the virtual environment and the data.
set -euo pipefail
cd "$(dirname "$0")"

bootstrap() {
  if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
  fi
  # Install only when the dependencies changed since the last install (the stamp holds their hash),
  # so a second `./dev.sh serve` starts in seconds.
  local stamp=.venv/.hueai-installed wanted
  wanted=$(cat pyproject.toml dev.sh | sha256sum | cut -d' ' -f1)
  if [ "$(cat "$stamp" 2>/dev/null)" = "$wanted" ]; then
    return
  fi
  .venv/bin/pip install -q --disable-pip-version-check --upgrade pip
  # torch first and pinned: the CPU build comes from this machine's local wheel store,
  # an unpinned torch would pull gigabytes of CUDA.
  .venv/bin/pip install -q --disable-pip-version-check torch==2.13.0
  .venv/bin/pip install -q --disable-pip-version-check -e ".[test]"
  echo "$wanted" > "$stamp"
}

case "${1:-}" in
  serve)
    shift
    bootstrap
    .venv/bin/hueai setup
    exec .venv/bin/hueai serve "$@"
    ;;
  test)
    shift
    bootstrap
    if [ -z "${HUEAI_TEST_DATABASE_URL:-}" ]; then
      HUEAI_TEST_DATABASE_URL=$(bash scripts/postgres.sh)
      export HUEAI_TEST_DATABASE_URL
    fi
    # Debian's chromium (the browser tests) and espeak-ng (the callbot's voice and whole calls), from apt
    # when missing: without them those tests would only skip.
    bash scripts/chromium.sh >/dev/null
    bash scripts/espeak.sh >/dev/null
    exec .venv/bin/python -m pytest "$@"
    ;;
  *)
    echo "usage: ./dev.sh serve [--host H --port P] | ./dev.sh test [pytest args]" >&2
    exit 2
    ;;
esac
