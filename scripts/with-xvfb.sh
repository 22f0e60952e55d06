#!/usr/bin/env bash
# Runs a command with a virtual X display when none is set (screenshot tests use it; the other
# GUI tests run on the offscreen platform and do not need it).
set -uo pipefail
if [ -z "${DISPLAY:-}" ] && command -v xvfb-run >/dev/null 2>&1; then
  exec xvfb-run -a -s "-screen 0 1600x1000x24 -nolisten tcp" "$@"
fi
exec "$@"
