#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# trees.sh: watching whole trees (fanwatch's default scope) under real
# tree operations, against inotifywait -r, fsnotifywait -r and fatrace, and
# what fanwatch's tree tracking costs.  Scenarios (all by default):
#
#   real      a tree (a copy of /usr/include, about 8,800 entries, and a
#             generated one of 100,000) extracted with tar x into the
#             watched directory, the result moved deeper and the tree
#             extracted again into it, then everything removed with rm -rf;
#             per listener: the share of creations and of deletions
#             reported with their right path (per phase), CPU, overflows
#   memory    fanwatch's resident memory at start, after 150,000 mkdir +
#             rmdir, after each of 3 rounds of 50,000 mkdir then rmdir
#   moves     fanwatch's CPU for 200 directories (4 subdirectories each)
#             moved in, with 2,000 and with 20,000 directories watched;
#             and for rm -rf of 5,000, 10,000 and 20,000 directories
#   strategy  inode marks against one filesystem mark (--tree-marks): CPU
#             for events elsewhere on the filesystem (bench/workload,
#             100,000 iterations outside the tree), and start-up (time to
#             the "watching" line, CPU) with 20,000 directories
#
# Usage (root): bench/trees.sh [SCENARIO...]
# Environment: BUILD (build dir, default build-bench), REPEAT (3), TREES
# ("include big"), LISTENERS ("fanwatch fanwatch_fs inotifywait fsnotifywait
# fatrace", plus fanwatch_old when FANWATCH_OLD names another fanwatch
# binary, e.g. one built from an earlier commit), RESULTS (output dir),
# WORK_CPU (0), LISTEN_CPU (1).  Every run has a time limit; every mark
# lives on a private tmpfs in a private mount namespace.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$HERE/lib.sh"
find_build
REPEAT=${REPEAT:-3}
TREES=${TREES:-"include big"}
LISTENERS=${LISTENERS:-"fanwatch fanwatch_fs inotifywait fsnotifywait fatrace${FANWATCH_OLD:+ fanwatch_old}"}
cpu_defaults
SCENARIOS=${*:-real memory moves strategy}
QUIET_S=1		# a listener is done when its CPU and output stand still this long
LIMIT_S=300		# ... or after this long (then the run says so)

need_root "fanotify groups, a private mount namespace"

if [[ -z ${TREES_IN_NS:-} ]]; then
	"$SRC/scripts/deps.sh" fatrace inotify-tools
	[[ -x $B/rusage_run && -x $B/workload && -x $FANWATCH ]] || die "build first: ninja -C $BUILD"
	reexec_private TREES_IN_NS trees "$@"
fi

private_tmpfs trees 3g
W=$T
log() { echo "trees.sh: $*" >&2; }
on_cpu() { taskset -c "$WORK_CPU" "$@"; }

# CPU time (ns) of every thread of PID so far.
cpu_ns() {
	local t s=0 v
	for t in /proc/"$1"/task/*/schedstat; do
		read -r v _ <"$t" 2>/dev/null || continue
		s=$((s + v))
	done
	echo "$s"
}

# quiet PID FILE: until PID's CPU and FILE's size stand still QUIET_S seconds.
quiet() {
	local last="" now i
	for ((i = 0; i < LIMIT_S * 10; i++)); do
		now="$(cpu_ns "$1") $(stat -c %s "$2" 2>/dev/null || echo 0)"
		if [[ $now == "$last" ]]; then
			sleep "$QUIET_S"
			now2="$(cpu_ns "$1") $(stat -c %s "$2" 2>/dev/null || echo 0)"
			[[ $now2 == "$now" ]] && return 0
			now=$now2
		fi
		last=$now
		sleep 0.1
	done
	log "still busy after $LIMIT_S s: $1"
}

is_ready() {
	case $1 in
	fanwatch*) grep -q '^fanwatch: watching' "$2/stderr" ;;
	inotifywait | fsnotifywait) grep -q 'Watches established' "$2/stderr" ;;
	fatrace) has_fanotify_mark "$3" ;;
	esac
}

# start LISTENER DIR [fanwatch args...]: LPID once its marks are in place.
start() {
	local l=$1 d=$2 i
	shift 2
	local run=(rusage_exec "$d")
	rm -f "$d/pid"
	case $l in
	fanwatch) "${run[@]}" "$FANWATCH" --json -o "$d/out" "$@" "$W" 2>"$d/stderr" & ;;
	fanwatch_fs) "${run[@]}" "$FANWATCH" --json --tree-marks filesystem -o "$d/out" "$@" "$W" \
		2>"$d/stderr" & ;;
	fanwatch_old) "${run[@]}" "$FANWATCH_OLD" --json -o "$d/out" "$@" "$W" 2>"$d/stderr" & ;;
	inotifywait | fsnotifywait) "${run[@]}" "$l" -r -m -e create -e delete \
		--format '%e|%w%f' -o "$d/out" "$W" 2>"$d/stderr" & ;;
	fatrace) (cd "$W" && "${run[@]}" fatrace -c -f '+D' -o "$d/out") 2>"$d/stderr" & ;;
	esac
	LBG=$!
	for ((i = 0; i < 6000; i++)); do
		[[ -s $d/pid ]] && LPID=$(cat "$d/pid") && is_ready "$l" "$d" "$LPID" && return 0
		alive "$LBG" || die "$l exited before it was ready: $(cat "$d/stderr")"
		sleep 0.01
	done
	die "$l not ready after 60 s"
}

stop() {
	kill -INT "$LPID" 2>/dev/null || true
	wait "$LBG" 2>/dev/null || true
	LPID='' LBG=''
}

# ---- the trees ----

# tree NAME: $ROOT/NAME.tar, and $ROOT/NAME.lst (its entries, relative, NUL-separated).
make_tree() {
	local name=$1 ref=$ROOT/ref-$1
	mkdir -p "$ref"
	if [[ $name == include ]]; then
		cp -a /usr/include/. "$ref/"
	else
		python3 - "$ref" <<'PY'
import os, sys
top = sys.argv[1]
n = 0
for i in range(100):
    for j in range(10):
        d = f"{top}/a{i}/b{j}"
        os.makedirs(d)
        for k in range(99):
            open(f"{d}/f{k}", "w").close()
PY
	fi
	tar cf "$ROOT/$name.tar" -C "$ref" .
	(cd "$ref" && find . -mindepth 1 -printf '%P\0') >"$ROOT/$name.lst"
	rm -rf "$ref"
}

# expect NAME: what the real scenario must see, as JSON for trees_parse.py.
expect_json() {
	python3 - "$ROOT/$1.lst" "$W" >"$ROOT/$1.expect.json" <<'PY'
import json, os, sys
rel = [p.decode("utf-8", "surrogateescape") for p in open(sys.argv[1], "rb").read().split(b"\0") if p]
w = sys.argv[2]
t1 = [f"{w}/t/{p}" for p in rel]
t2 = [f"{w}/deep/t/again/{p}" for p in rel]
dels = [f"{w}/deep/t/{p}" for p in rel] + t2 + [f"{w}/deep/t/again", f"{w}/deep/t", f"{w}/deep"]
json.dump({"phases": {"tarx": {"create": t1}, "again": {"create": t2},
                      "rmrf": {"delete": dels}}}, sys.stdout)
PY
}

run_real() {
	local tree l rep d
	for tree in $TREES; do
		make_tree "$tree"
		expect_json "$tree"
		log "real: $tree ($(tr -cd '\0' <"$ROOT/$tree.lst" | wc -c) entries)"
		for rep in $(seq "$REPEAT"); do
			for l in $LISTENERS; do
				d=$RESULTS/real-$tree-$l-$rep
				mkdir -p "$d"
				fresh_tree
				start "$l" "$d"
				mkdir "$W/t"
				on_cpu tar xf "$ROOT/$tree.tar" -C "$W/t"
				quiet "$LPID" "$d/out"
				mkdir "$W/deep"
				on_cpu mv "$W/t" "$W/deep/t"
				mkdir "$W/deep/t/again"
				on_cpu tar xf "$ROOT/$tree.tar" -C "$W/deep/t/again"
				quiet "$LPID" "$d/out"
				on_cpu rm -rf "$W/deep"
				quiet "$LPID" "$d/out"
				stop
				python3 "$HERE/trees_parse.py" run "$l" "$d/out" "$ROOT/$tree.expect.json" |
					python3 -c "import json,sys; r=json.load(sys.stdin); r['tree']='$tree'; r['rep']=$rep;
r.update({k: int(v) for k, v in (kv.split('=') for kv in open('$d/rusage').read().split()) if k in ('cpu_us','maxrss_kb')}); print(json.dumps(r))" \
					>>"$RESULTS/real.jsonl"
				log "  $l #$rep: $(tail -1 "$RESULTS/real.jsonl" | cut -c1-240)"
				rm -f "$d/out"
			done
		done
	done
	python3 "$HERE/trees_parse.py" table "$RESULTS/real.jsonl" | tee "$RESULTS/real.md"
}

rss_kb() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$1/status"; }

run_memory() {
	local l d line
	for l in fanwatch ${FANWATCH_OLD:+fanwatch_old}; do
		d=$RESULTS/memory-$l
		mkdir -p "$d"
		fresh_tree
		start "$l" "$d" -e create,delete
		sleep 1
		line="$l start $(rss_kb "$LPID")"
		on_cpu python3 -c "
import os
for i in range(150000):
    p = '$W/p%d' % i
    os.mkdir(p); os.rmdir(p)"
		quiet "$LPID" "$d/out"
		line+=" pairs150k $(rss_kb "$LPID")"
		for r in 1 2 3; do
			(cd "$W" && on_cpu python3 -c "
import os
names = ['r${r}d%d' % i for i in range(50000)]
for n in names: os.mkdir(n)
for n in names: os.rmdir(n)")
			quiet "$LPID" "$d/out"
			line+=" round$r $(rss_kb "$LPID")"
		done
		stop
		echo "$line overflows $(grep -c '"overflow"' "$d/out" || true)" | tee -a "$RESULTS/memory.txt"
		rm -f "$d/out"
	done
}

# A tree of N directories under $W/base (in 100s).
fill() {
	python3 - "$W/base" "$1" <<'PY'
import os, sys
top, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    os.makedirs(f"{top}/g{i // 100}/d{i}")
PY
}

run_moves() {
	local l n d c0 c1 rep
	for rep in $(seq "$REPEAT"); do
		for l in fanwatch ${FANWATCH_OLD:+fanwatch_old}; do
			for n in 2000 20000; do
				d=$RESULTS/moves-$l-$n-$rep
				mkdir -p "$d"
				fresh_tree
				fill "$n"
				rm -rf "$ROOT/out"
				python3 -c "
import os
for j in range(200):
    for k in range(4): os.makedirs('$ROOT/out/m%d/s%d' % (j, k))"
				start "$l" "$d" -e create,delete,rename
				c0=$(cpu_ns "$LPID")
				on_cpu python3 -c "
import os
for j in range(200): os.rename('$ROOT/out/m%d' % j, '$W/m%d' % j)"
				quiet "$LPID" "$d/out"
				c1=$(cpu_ns "$LPID")
				stop
				echo "$l moves200 watched $n cpu_ms $(((c1 - c0) / 1000000)) rep $rep" |
					tee -a "$RESULTS/moves.txt"
				rm -f "$d/out"
			done
			for n in 5000 10000 20000; do
				d=$RESULTS/rmdirs-$l-$n-$rep
				mkdir -p "$d"
				fresh_tree
				fill "$n"
				start "$l" "$d" -e create,delete
				c0=$(cpu_ns "$LPID")
				on_cpu rm -rf "$W/base"
				quiet "$LPID" "$d/out"
				c1=$(cpu_ns "$LPID")
				stop
				echo "$l rmrf dirs $n cpu_ms $(((c1 - c0) / 1000000)) rep $rep" |
					tee -a "$RESULTS/moves.txt"
				rm -f "$d/out"
			done
		done
	done
}

run_strategy() {
	local l d c0 c1 t0 t1 rep seen
	for rep in $(seq "$REPEAT"); do
		for l in fanwatch fanwatch_fs; do
			d=$RESULTS/strategy-$l-$rep
			mkdir -p "$d"
			fresh_tree
			fill 1000
			rm -rf "$ROOT/busy"
			mkdir -p "$ROOT/busy"
			start "$l" "$d"
			c0=$(cpu_ns "$LPID")
			on_cpu "$B/workload" -n 100000 "$ROOT/busy" >"$d/workload"
			quiet "$LPID" "$d/out"
			c1=$(cpu_ns "$LPID")
			stop
			seen=$(sed -n 's/^fanwatch: \([0-9]*\) events seen.*/\1/p' "$d/stderr")
			echo "$l outside-events cpu_ms $(((c1 - c0) / 1000000)) events_seen ${seen:-?} rep $rep" |
				tee -a "$RESULTS/strategy.txt"
			fresh_tree
			fill 20000
			t0=$(date +%s%N)
			start "$l" "$d"
			t1=$(date +%s%N)
			c1=$(cpu_ns "$LPID")
			stop
			echo "$l startup-20000-dirs ms $(((t1 - t0) / 1000000)) cpu_ms $((c1 / 1000000)) rep $rep" |
				tee -a "$RESULTS/strategy.txt"
			rm -f "$d/out"
		done
	done
}

for s in $SCENARIOS; do
	case $s in
	real) run_real ;;
	memory) run_memory ;;
	moves) run_moves ;;
	strategy) run_strategy ;;
	*) die "unknown scenario $s" ;;
	esac
done
log "results in $RESULTS"
