#!/usr/bin/env bash
# Takes a screenshot of FirmwareDesk under a private Xvfb display, for the README and for
# checking a screen by eye:
#   scripts/screenshot.sh OUT.png [seconds to wait] [-- firmwaredesk arguments]
# Uses a temporary settings file and database unless the arguments name others.
set -euo pipefail
out=${1:?usage: screenshot.sh OUT.png [wait] [-- args]}
shift
wait_s=4
if [ $# -gt 0 ] && [ "$1" != "--" ]; then wait_s=$1; shift; fi
[ "${1:-}" = "--" ] && shift
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${FWD_BIN:-$here/build/app/firmwaredesk}
tmp=$(mktemp -d)
display=:$((90 + RANDOM % 100))
Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
trap 'kill $app $xvfb 2>/dev/null; rm -rf "$tmp"' EXIT
sleep 1
args=("$@")
printf '%s\n' "${args[@]}" | grep -q -- '--settings' || args+=(--settings "$tmp/settings.ini")
printf '%s\n' "${args[@]}" | grep -q -- '--database' || args+=(--database "$tmp/db.sqlite")
DISPLAY=$display FWD_DATA_DIR=$tmp "$bin" "${args[@]}" &
app=$!
sleep "$wait_s"
DISPLAY=$display import -window root "$out"
echo "screenshot: $out"
