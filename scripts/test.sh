#!/usr/bin/env bash
# Build everything and run every test: the normal build, the same suite
# under AddressSanitizer + UndefinedBehaviorSanitizer, and each fuzzer for a
# bounded time.  Run as root on Debian 12 (live tests need CAP_SYS_ADMIN;
# without it they skip).  Installs missing packages first.
#
#   scripts/test.sh            everything (what CI runs)
#   FUZZ_SECONDS=0 scripts/test.sh     skip the fuzzing step
#
# Kernel personalities (test/kernel): the live, resolve, fanwatch, subtree
# and kernel suites run again as if on the kernels users run, each with a
# seccomp filter and a preloaded shim that answer as that release did:
# 5.14 (RHEL 9), 5.15 (Ubuntu 22.04), 6.1 (Debian 12), 6.8 (Ubuntu 24.04);
# 6.18 is this machine, the plain run.  These suites are the ones whose
# behaviour depends on the kernel; unit, docs and fuzzing do not touch it,
# and stress would only repeat the same paths a million times.  Under
# ASan+UBSan only 5.15: it lacks all that 6.1 and 6.8 lack and has pidfds,
# so it reaches their fallbacks too (5.14 only adds groups without pidfds,
# which the plain run has as well).  One suite under one personality:
#   meson test -C build-ci --setup linux_5_15 --suite fanwatch
#
# The suites include 'python' (python/tests: the binding's pytest files,
# through Debian's python3; in the sanitized build with the ASan runtime
# preloaded into the interpreter, leak checking on) and 'stress' (test/stress: a million events through the
# library and fanwatch, permission load, killed listeners, output faults,
# bad input): about 3 minutes in each build.  Longer runs of it:
#   STRESS_EVENTS=10000000 STRESS_SECONDS=60 STRESS_KILLS=500 STRESS_CYCLES=20 \
#     meson test -C build-ci --suite stress --timeout-multiplier 20
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD

scripts/deps.sh

# Each step says how long the run has taken so far (CI's limit is 90 minutes).
step() { printf '\n==> [%dm%02ds] %s\n' $((SECONDS / 60)) $((SECONDS % 60)) "$*"; }

setup() {	# setup DIR [meson options...]
	local dir=$1; shift
	if [[ -f $dir/build.ninja ]]; then
		meson setup --reconfigure "$dir" "$@" >/dev/null
	else
		meson setup "$dir" "$@" >/dev/null
	fi
}

step "build (gcc) and run every suite"
# -Dpython=enabled: a missing python3-dev or pytest is an error here, not a skip.
setup build-ci -Dpython=enabled
ninja -C build-ci
meson test -C build-ci --print-errorlogs

KERNELS=(5_14 5_15 6_1 6_8)
KERNEL_SUITES=(--suite live --suite resolve --suite fanwatch --suite subtree --suite kernel)
for k in "${KERNELS[@]}"; do
	step "live, resolve, fanwatch, subtree and kernel suites as Linux ${k/_/.} (kernel personality)"
	meson test -C build-ci --no-rebuild --setup "linux_$k" "${KERNEL_SUITES[@]}" --print-errorlogs
done

step "the same suites under ASan + UBSan"
setup build-asan -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug \
	-Dpython=enabled
ninja -C build-asan
# verify_asan_link_order=0: kernel personalities and two fanwatch tests preload shims (LD_PRELOAD)
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1:verify_asan_link_order=0 \
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	meson test -C build-asan --print-errorlogs --timeout-multiplier 3
step "live, resolve, fanwatch, subtree and kernel suites as Linux 5.15 under ASan + UBSan"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1:verify_asan_link_order=0 \
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	meson test -C build-asan --no-rebuild --setup linux_5_15 "${KERNEL_SUITES[@]}" \
	--print-errorlogs --timeout-multiplier 3

if [[ ${FUZZ_SECONDS:-30} != 0 ]]; then
	step "fuzz each harness for ${FUZZ_SECONDS:-30} s"
	scripts/fuzz.sh "${FUZZ_SECONDS:-30}"
fi
step "all tests passed"
