#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Fuzz the pure layer: build the libFuzzer harnesses with clang into
# build-fuzz and run each one for SECONDS (default 60) on a copy of its
# seed corpus (test/fuzz/corpus/NAME is never modified).  Prints the
# executions per harness; exits 1 if any harness crashed, leaving the
# crashing inputs in build-fuzz/crashes/NAME/ (add them to the corpus or a
# unit test once fixed).
#
#   scripts/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD
secs=${1:-60}
build=$top/build-fuzz
harnesses=(batch info pathmap)

if ! [[ $secs =~ ^[0-9]+$ ]] || ((secs == 0)); then
	echo "usage: scripts/fuzz.sh [SECONDS]  (a positive number of seconds per harness)" >&2
	exit 2
fi

if [[ ! -f $build/build.ninja ]]; then
	CC=clang meson setup -Dbuildtype=debug "$build" >/dev/null
fi
# The harness targets exist only in a clang build that links -fsanitize=fuzzer.
if ! meson introspect --targets "$build" | grep -q '"name": "fuzz-batch"'; then
	echo "fuzz: no libFuzzer targets in $build: it needs clang and libclang-rt-14-dev" \
		"(scripts/deps.sh); if it was set up with another compiler, remove it" >&2
	exit 1
fi
targets=()
for h in "${harnesses[@]}"; do targets+=("test/fuzz/fuzz-$h"); done
if ! ninja -C "$build" "${targets[@]}" >"$build/fuzz-build.log" 2>&1; then
	tail -20 "$build/fuzz-build.log" >&2
	echo "fuzz: build failed (clang with libclang-rt-14-dev needed: scripts/deps.sh)" >&2
	exit 1
fi

work=$(mktemp -d /tmp/libfanotify-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
failed=0 total=0
for h in "${harnesses[@]}"; do
	mkdir -p "$work/$h/corpus" "$work/$h/artifacts"
	cp test/fuzz/corpus/"$h"/* "$work/$h/corpus/"
	log=$work/$h/log
	rc=0
	# -timeout: one input taking 10 s is a hang; -rss_limit_mb keeps the machine safe.
	"$build/test/fuzz/fuzz-$h" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$work/$h/artifacts/" \
		"$work/$h/corpus" >"$log" 2>&1 || rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 || true)
	corpus=$(find "$work/$h/corpus" -type f | wc -l)
	printf 'fuzz-%-7s %s s: %s executions, %s, corpus %s inputs, exit %d\n' \
		"$h" "$secs" "${execs:-?}" "${cov:-cov: ?}" "$corpus" "$rc"
	total=$((total + ${execs:-0}))
	if ((rc != 0)) || compgen -G "$work/$h/artifacts/*" >/dev/null; then
		failed=1
		mkdir -p "$build/crashes/$h"
		cp "$work/$h/artifacts/"* "$build/crashes/$h/" 2>/dev/null || true
		cp "$log" "$build/crashes/$h/fuzzer.log"
		grep -E 'ERROR|check failed|runtime error|SUMMARY' "$log" | head -5 >&2 || true
		echo "fuzz-$h: crashed; inputs and log in $build/crashes/$h/" >&2
	fi
done
printf 'fuzz: %d executions in total, %s\n' "$total" "$( ((failed)) && echo "crashes found" || echo "no crash")"
exit $failed
