#!/usr/bin/env bash
# FirmwareDesk set-up on Debian 12: installs the missing apt packages, builds, then runs the
# application (`run`, the default) or the whole test suite (`test`).
#
#   bash scripts/bootstrap.sh run  [-- application arguments]
#   bash scripts/bootstrap.sh test [-- extra ctest arguments]
#
# Runs as root or as a user with sudo (only apt-get is run through sudo). Builds with Ninja and
# ccache into build/ (FWD_BUILD_DIR overrides). Tests get a disposable PostgreSQL server on
# 127.0.0.1 (scripts/with-postgres.sh) and a virtual X display.
set -euo pipefail

mode=${1:-run}
shift || true
[ "${1:-}" = "--" ] && shift
case "$mode" in
  run|test|build) ;;
  -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
  *) echo "usage: $0 run|test|build [-- args]" >&2; exit 2 ;;
esac

here=$(cd "$(dirname "$0")/.." && pwd)
build=${FWD_BUILD_DIR:-$here/build}

# What the build, the application and the tests need, from Debian 12's own packages.
packages=(
  build-essential cmake ninja-build ccache pkg-config git
  qt6-base-dev qt6-base-dev-tools libqt6sql6-sqlite libqt6sql6-psql libqt6svg6
  qt6-declarative-dev qt6-tools-dev qt6-tools-dev-tools qt6-l10n-tools
  qtkeychain-qt6-dev libssl-dev libgl-dev openssl
  qt6-qpa-plugins fonts-dejavu-core
)
if [ "$mode" = test ]; then
  packages+=(postgresql xvfb xauth nginx-light wrk curl imagemagick)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "== installing: ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  # Do not let the postgresql package start a cluster of its own: tests start their own.
  blocked=""
  if [ "$mode" = test ] && [ ! -e /usr/sbin/policy-rc.d ] && [ "$(id -u)" -eq 0 ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    blocked=1
  fi
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
  [ -n "$blocked" ] && rm -f /usr/sbin/policy-rc.d
fi

echo "== configuring and building in $build"
cmake -S "$here" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=${FWD_BUILD_TYPE:-RelWithDebInfo} \
  -DFWD_BUILD_TESTS=$([ "$mode" = test ] && echo ON || echo OFF) >/dev/null
cmake --build "$build" -j "$(nproc)"

case "$mode" in
  build) ;;
  run)
    exec "$build/app/firmwaredesk" "$@" ;;
  test)
    cd "$build"
    exec "$here/scripts/with-postgres.sh" "$here/scripts/with-xvfb.sh" \
      ctest --output-on-failure --timeout 900 -j 2 "$@" ;;
esac
