#!/usr/bin/env bash
# Build everything and run every test: the normal build, the same suite
# under AddressSanitizer + UndefinedBehaviorSanitizer, and each fuzzer for a
# bounded time.  Run as root on Debian 12 (live tests need CAP_SYS_ADMIN;
# without it they skip).  Installs missing packages first.
#
#   scripts/test.sh            everything (what CI runs)
#   FUZZ_SECONDS=0 scripts/test.sh     skip the fuzzing step
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD

scripts/deps.sh

step() { printf '\n==> %s\n' "$*"; }

setup() {	# setup DIR [meson options...]
	local dir=$1; shift
	if [[ -f $dir/build.ninja ]]; then
		meson setup --reconfigure "$dir" "$@" >/dev/null
	else
		meson setup "$dir" "$@" >/dev/null
	fi
}

step "build (gcc) and run every suite"
setup build-ci
ninja -C build-ci
meson test -C build-ci --print-errorlogs

step "the same suites under ASan + UBSan"
setup build-asan -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug
ninja -C build-asan
# verify_asan_link_order=0: a fanwatch test preloads a shim (LD_PRELOAD)
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1:verify_asan_link_order=0 \
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	meson test -C build-asan --print-errorlogs --timeout-multiplier 3

if [[ ${FUZZ_SECONDS:-30} != 0 ]]; then
	step "fuzz each harness for ${FUZZ_SECONDS:-30} s"
	scripts/fuzz.sh "${FUZZ_SECONDS:-30}"
fi
step "all tests passed"
