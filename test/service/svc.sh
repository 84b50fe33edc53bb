# SPDX-License-Identifier: MIT
# Sourced by the service tests, after test/fanwatch/lib.sh (which runs the
# test in a private mount namespace with a tmpfs on $TMP).  Helpers for a
# real systemd-journald started by the test: its runtime and storage live
# on a tmpfs mounted over /run in this namespace only; it is killed by pid
# at exit like everything in STARTED.
JEXPORT="python3 ${SVC_DIR:?SVC_DIR is not set}/jexport.py"
JD=/lib/systemd/systemd-journald

# journald_start [ROOT]: journald with /run (or ROOT/run, in a namespace of
# its own) on a tmpfs; JDPID is its pid, JDIR its journal directory.
journald_start() {
	local i
	[[ -x $JD ]] || skip "systemd-journald is not installed (scripts/deps.sh installs systemd)"
	command -v journalctl >/dev/null || skip "journalctl is not installed"
	mount -t tmpfs -o mode=0755 tmpfs /run || fail "cannot mount a tmpfs on /run"
	EXTRA_MOUNTS+=(/run)
	journald_conf /run
	"$JD" >"$LOG/journald.out" 2>&1 &
	JDPID=$!
	STARTED+=("$JDPID")
	JDIR=/run/log/journal
	journald_wait /run "$JDPID"
}

# journald_conf RUN: a configuration that keeps everything in RUN and
# passes every entry (no rate limit), reads no kernel messages, forwards none.
journald_conf() {
	mkdir -p "$1/systemd/journald.conf.d" "$1/log/journal"
	cat >"$1/systemd/journald.conf.d/fanwatch-test.conf" <<-'CONF'
	[Journal]
	Storage=volatile
	RateLimitIntervalSec=0
	ReadKMsg=no
	ForwardToSyslog=no
	ForwardToKMsg=no
	ForwardToConsole=no
	ForwardToWall=no
	CONF
}

# journald_wait RUN PID: until journald made its socket.
journald_wait() {
	local i
	for ((i = 0; i < 400; i++)); do
		[[ -S $1/systemd/journal/socket ]] && return 0
		kill -0 "$2" 2>/dev/null || { cat "$LOG/journald.out" >&2; fail "journald exited"; }
		sleep 0.025
	done
	fail "journald made no socket in 10 s"
}

# journal_export FILE [DIR]: every entry, export format (binary-safe).
journal_export() {
	journalctl -D "${2:-$JDIR}" -o export --no-pager >"$1" || fail "journalctl -o export failed"
}

# journal_wait N FILE [FIELD=VALUE...]: until N fanwatch entries matching
# (journalctl's own exact matches, cheap however large the journal) are
# stored (journald reads its socket on its own time), 60 s at most; then
# FILE holds an export of the whole journal.
journal_wait() {
	local n=$1 f=$2 c=0 end=$((SECONDS + 60))
	shift 2
	while ((SECONDS < end)); do
		c=$(journalctl -D "$JDIR" -o cat --no-pager SYSLOG_IDENTIFIER=fanwatch "$@" | wc -l)
		((c >= n)) && break
		sleep 0.1
	done
	((c >= n)) || fail "journal: $c entries matching $*, expected $n (journald: $(grep State \
		"/proc/${JDPID:-0}/status" 2>&1), $(journalctl -D "$JDIR" -o cat --no-pager SYSLOG_IDENTIFIER=fanwatch | wc -l) fanwatch entries; fanwatch: $(cat "/proc/${FWPID:-0}/wchan" 2>&1))"
	journal_export "$f"
}

# expect_entry FILE MATCH...: an entry with all of them.
expect_entry() {
	local f=$1
	shift
	$JEXPORT "$f" find "$@" || fail "no journal entry with $(printf '%q ' "$@")"
}

# SVC_KEEP=DIR (by hand, when a test fails): the logs are copied there at exit.
svc_keep() {
	[[ -n ${SVC_KEEP:-} ]] || return 0
	mkdir -p "$SVC_KEEP" && cp -a "$LOG" "$SVC_KEEP/" 2>/dev/null || true
	for d in "$TMP"/*/; do
		[[ $d == "$LOG/" ]] || find "$d" -maxdepth 1 -name '*.log' -o -maxdepth 1 -name '*.err' |
			while read -r f; do cp "$f" "$SVC_KEEP/$(basename "$d")-$(basename "$f")"; done
	done
}
trap 'svc_keep; cleanup' EXIT

# Skip when this fanwatch was built without libsystemd (no --journal).
need_journal_build() {
	"$FW" --version | grep -qx 'journald output (--journal): yes (libsystemd)' ||
		skip "fanwatch was built without libsystemd: no --journal (scripts/deps.sh installs libsystemd-dev)"
}
