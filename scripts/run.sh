#!/usr/bin/env bash
# Build everything and run fanwatch.  Arguments go to fanwatch; without
# any, it watches /tmp for 30 seconds.  Run as root on Debian 12.
#
#   scripts/run.sh                       # fanwatch -t 30 /tmp
#   scripts/run.sh --json -e create,delete ~/src
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
if [[ -f build/build.ninja ]]; then
	meson setup --reconfigure build >/dev/null
else
	meson setup build --buildtype=release >/dev/null
fi
ninja -C build >/dev/null
(($#)) || set -- -t 30 /tmp
exec build/tools/fanwatch/fanwatch "$@"
