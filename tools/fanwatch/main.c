// SPDX-License-Identifier: MIT
/*
 * fanwatch: set up (groups, marks, command), drop privileges, then one
 * poll loop over the reporting group, the mount-event group, the
 * permission thread's reports, the proc connector and a signalfd.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/capability.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "state.h"

#define BATCHES_PER_WAKEUP 16
#define BATCHES_TO_DRAIN 64
#define BATCH_PAUSE_US 1000
#define BUSY_GAP_US 2000
#define CAP(c) (1ull << (c))

static struct rlimit orig_nofile;

/* Deep trees keep one descriptor per level open while walking. */
static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &orig_nofile) < 0)
		return;
	rl = orig_nofile;
	rl.rlim_cur = rl.rlim_max;
	(void)setrlimit(RLIMIT_NOFILE, &rl);
}

/* Refuse, with the capability named, what this process may not do. */
static void check_privileges(struct fw_state *st)
{
	const struct fw_opts *o = st->o;

	if (st->privileged)
		return;
	if (o->scope == FW_SCOPE_MOUNT || o->scope == FW_SCOPE_FILESYSTEM || o->scope == FW_SCOPE_ALL)
		fw_fatal(FW_EXIT_RUNTIME, "%s needs CAP_SYS_ADMIN (mount and filesystem marks); "
			 "without it, watch directories (no --mount/--filesystem/--all)",
			 o->scope == FW_SCOPE_MOUNT ? "--mount" :
			 o->scope == FW_SCOPE_ALL ? "--all" : "--filesystem");
	if (o->denies.n)
		fw_fatal(FW_EXIT_RUNTIME, "--deny needs CAP_SYS_ADMIN (permission events)");
	if (o->tree_fs)
		fw_fatal(FW_EXIT_RUNTIME, "--tree-marks filesystem needs CAP_SYS_ADMIN (a "
			 "filesystem mark)");
	if (o->events & FAN_FS_ERROR)
		fw_fatal(FW_EXIT_RUNTIME, "fs_error events need CAP_SYS_ADMIN (filesystem mark)");
	if (o->events & FW_MOUNT_EVENTS)
		fw_fatal(FW_EXIT_RUNTIME, "mount and umount events need CAP_SYS_ADMIN");
	if (o->command || o->npids || o->comms.n)
		fw_fatal(FW_EXIT_RUNTIME, "%s needs CAP_SYS_ADMIN: without it the kernel hides "
			 "which process caused an event", o->command ? "-- COMMAND" :
			 o->npids ? "--pid" : "--comm");
	/* process filters (i15) */
	if (o->nxpids || o->xcomms.n || o->nuids)
		fw_fatal(FW_EXIT_RUNTIME, "%s needs CAP_SYS_ADMIN: without it the kernel hides "
			 "which process caused an event", o->nxpids ? "--exclude-pid" :
			 o->xcomms.n ? "--exclude-comm" : "--uid");
}

/* ---- permission mode: job control must not stop fanwatch ---- */

/*
 * A stopped permission listener blocks every open in its scope until it is
 * continued: in permission mode SIGTSTP, SIGTTIN and SIGTTOU are taken
 * through the signalfd like SIGINT (blocked, so a write to a terminal with
 * "stty tostop" goes through instead of stopping us) and answered with a
 * line on stderr.  SIGSTOP cannot be caught: fanwatch(1) says so.
 */
static void add_job_control(sigset_t *set, const struct fw_opts *o)
{
	if (!o->denies.n)
		return;
	sigaddset(set, SIGTSTP);
	sigaddset(set, SIGTTIN);
	sigaddset(set, SIGTTOU);
}

static bool job_control_signal(int sig)
{
	return sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

static void job_control_refused(int sig)
{
	fw_warn("ignoring SIG%s: in permission mode a stopped fanwatch would block every open "
		"it watches; stop it with SIGINT or SIGTERM", sigabbrev_np(sig) ? sigabbrev_np(sig) : "?");
}

/* ---- end of job control ---- */

static int signals_setup(const struct fw_opts *o)
{
	sigset_t set;
	int fd;

	signal(SIGPIPE, SIG_IGN);	/* a closed output pipe is a write error, not death */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGHUP);	/* -o reopened (log rotation): read_signals() */
	add_job_control(&set, o);
	sigprocmask(SIG_BLOCK, &set, NULL);
	fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (fd < 0)
		fw_fatal(FW_EXIT_RUNTIME, "signalfd: %s", strerror(errno));
	return fd;
}

/* ---- least privilege ---- */

/*
 * What each thread needs once the marks are in place (fanwatch(1),
 * PRIVILEGES, says the same):
 *   - CAP_DAC_READ_SEARCH, both: the main thread opens directories by file
 *     handle (open_by_handle_at) and reads new directories to mark them;
 *     the kernel opens each permission event's file with the permission
 *     thread's credentials, read-only, which this covers whoever owns it;
 *   - CAP_SYS_PTRACE, both: /proc/PID/exe of other users' processes (the
 *     exe of reported events and of denied opens);
 *   - CAP_KILL, main thread, with -- COMMAND run as another user: SIGINT and
 *     SIGTERM are passed on to it.
 * Both leave uid 0 for "nobody" (caps.c).
 */
static uint64_t caps_main(const struct fw_state *st)
{
	uint64_t keep = CAP(CAP_DAC_READ_SEARCH) | CAP(CAP_SYS_PTRACE);

	if (st->o->command)
		keep |= CAP(CAP_KILL);
	return keep;
}

static uint64_t caps_perm(void)
{
	return CAP(CAP_DAC_READ_SEARCH) | CAP(CAP_SYS_PTRACE);
}

static void drop_privileges(struct fw_state *st)
{
	int r = fw_caps_limit(caps_main(st), &st->ids);

	if (r < 0 && r != -EPERM)
		fw_warn("could not drop capabilities: %s", strerror(-r));
}

/* ---- startup and summary lines ---- */

static void describe_scope(const struct fw_state *st, char *buf, size_t size)
{
	const struct fw_opts *o = st->o;
	const char *paths = st->nroots == 1 ? "path" : "paths";
	size_t ndirs = fw_watch_dirs(st);
	if (o->scope == FW_SCOPE_ALL)
		snprintf(buf, size, "%zu filesystems", st->nfs);
	else if (!st->notif)
		snprintf(buf, size, "the mount namespace");
	else if (o->scope == FW_SCOPE_MOUNT)
		snprintf(buf, size, "the mounts of %zu %s", st->nroots, paths);
	else if (o->scope == FW_SCOPE_FILESYSTEM || !(o->events & FW_FILE_EVENTS))
		snprintf(buf, size, "the filesystems of %zu %s", st->nroots, paths);
	else if (!ndirs)
		snprintf(buf, size, "%zu %s", st->nroots, paths);
	else
		snprintf(buf, size, "%zu %s (%zu director%s)", st->nroots, paths, ndirs,
			 ndirs == 1 ? "y" : "ies");
}

/* The one line scripts wait for: the marks are in place. */
static void print_startup(const struct fw_state *st)
{
	char ev[512], scope[128];

	fw_events_format(st->o->events, ev, sizeof(ev));
	describe_scope(st, scope, sizeof(scope));
	fprintf(stderr, "fanwatch: watching %s for %s%s%s; pid %d%s\n", scope, ev,
		st->perm ? "; denying open of matching files" : "",
		st->child ? "; running the command" : "", (int)getpid(),
		st->privileged ? "" : " (unprivileged: other processes' pids are hidden)");
	fflush(stderr);
}

static void print_summary(const struct fw_state *st)
{
	fprintf(stderr, "fanwatch: %llu events seen, %llu reported, %llu filtered, %llu overflows",
		(unsigned long long)st->seen, (unsigned long long)st->reported,
		(unsigned long long)st->filtered, (unsigned long long)st->overflows);
	if (st->perm) {
		uint64_t cached, checked = fw_perm_checked(st->perm, &cached), undecided, refused, failed;
		bool allowed;

		fw_perm_counts(st->perm, &undecided, &allowed, &refused, &failed);
		fprintf(stderr, ", %llu opens checked (%llu from the verdict cache)",
			(unsigned long long)checked, (unsigned long long)cached);
		if (undecided)
			fprintf(stderr, ", %llu undecidable (%s)", (unsigned long long)undecided,
				allowed ? "allowed" : "denied");
		if (refused)
			fprintf(stderr, ", %llu denied by the kernel (no descriptor)",
				(unsigned long long)refused);
		if (failed)
			fprintf(stderr, ", %llu denied for want of an answer",
				(unsigned long long)failed);
		fprintf(stderr, ", %llu denied", (unsigned long long)fw_perm_denied(st->perm));
	}
	fputc('\n', stderr);
}

/* ---- the loop ---- */

enum { PFD_SIG, PFD_NOTIF, PFD_MNT, PFD_PERM, PFD_TREE, PFD_OUT, PFD_TABLE, PFD_N };

struct loop {
	struct fw_state *st;
	struct pollfd fds[PFD_N];
	struct timespec deadline;
	bool has_deadline, forwarded, bad_batch_warned;
	double last_events;	/* when a wakeup last found events */
	bool table;		/* the resolver keeps a process table */
	double table_read;	/* when it was last read */
};

static double now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void output_check(struct fw_state *st)
{
	if (fw_out_flush(&st->out) < 0)
		st->stop = true;
}

/* Stop, or with a running command, pass the request on to it first. */
static void request_stop(struct loop *l, int sig)
{
	struct fw_state *st = l->st;

	if (st->child && !st->child_done && !l->forwarded) {
		kill(st->child, sig);
		l->forwarded = true;
		return;
	}
	st->stop = true;
}

static void read_signals(struct loop *l)
{
	struct signalfd_siginfo si;

	while (read(l->fds[PFD_SIG].fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGCHLD)
			fw_command_reap(l->st);
		else if (si.ssi_signo == SIGHUP && (l->st->o->output || l->st->out.sink))
			fw_out_reopen(&l->st->out, l->st->o);	/* nothing is lost: see output.c */
		else if (job_control_signal((int)si.ssi_signo))
			job_control_refused((int)si.ssi_signo);
		else
			request_stop(l, (int)si.ssi_signo);
	}
}

typedef void (*batch_fn)(struct fw_state *st);

/* Up to n batches of one group, fewer if it has nothing more; events read. */
static unsigned int read_group(struct loop *l, struct fan_group *g, batch_fn fn, unsigned int n)
{
	struct fw_state *st = l->st;
	unsigned int i, events = 0;
	int r;

	for (i = 0; i < n && !st->out.error; i++) {
		r = fan_group_read(g);
		if (r == -EAGAIN)
			break;
		if (r == -EINTR)
			continue;
		if (r < 0 && r != -EBADMSG)
			fw_fatal(FW_EXIT_RUNTIME, "reading events: %s", strerror(-r));
		if (r == -EBADMSG && !l->bad_batch_warned) {
			fw_warn("the kernel returned a malformed event batch; skipping its tail");
			l->bad_batch_warned = true;
		}
		events += r > 0 ? (unsigned int)r : 0;
		fn(st);
		output_check(st);
		if (st->limit_hit)
			break;
	}
	fan_group_release(g);	/* its descriptors go now, not at the next wakeup */
	return events;
}

/* What is queued now happened before the stop: report it. */
static void drain_all(struct loop *l)
{
	struct fw_state *st = l->st;

	if (st->out.error || st->limit_hit)
		return;
	if (st->notif)
		read_group(l, st->notif, fw_handle_batch, BATCHES_TO_DRAIN);
	if (st->mnt)
		read_group(l, st->mnt, fw_handle_mount_batch, BATCHES_TO_DRAIN);
}

/* Milliseconds to the --timeout deadline, -1 without one. */
static int until_deadline(const struct loop *l)
{
	double left;

	if (!l->has_deadline || l->forwarded)
		return -1;
	left = (double)l->deadline.tv_sec + (double)l->deadline.tv_nsec / 1e9 - now_mono();
	return left <= 0 ? 0 : left > 1e6 ? 1000000000 : (int)(left * 1000) + 1;
}

/*
 * The resolver's process table hears of every process that exits on the
 * machine: read it at most every TABLE_READ_MS (its sockets hold
 * thousands of messages), not at each of them, so a busy machine does not
 * wake us at every exit; and only when it has something (table_wait()).
 */
#define TABLE_READ_MS 50

static void table_tick(struct loop *l)
{
	double now;

	if (!l->table)
		return;
	now = now_mono();
	if (now - l->table_read >= TABLE_READ_MS / 1e3) {
		fan_resolver_read(l->st->res);
		l->table_read = now;
	}
}

/*
 * Milliseconds until the table may be read again (-1: it may now).  Once
 * it may, its descriptor is polled: an idle machine, whose table has
 * nothing to say, then wakes nobody.
 */
static int table_wait(struct loop *l)
{
	double left;

	if (!l->table)
		return -1;
	left = l->table_read + TABLE_READ_MS / 1e3 - now_mono();
	l->fds[PFD_TABLE].fd = left > 0 ? -1 : fan_resolver_fd(l->st->res);
	return left > 0 ? (int)(left * 1000) + 1 : -1;
}

static int poll_timeout(struct loop *l)
{
	int t = until_deadline(l), n = fw_notify_timeout(), w = fw_watch_timeout(l->st);
	int iv = fw_interval_timeout(l->st->interval);	/* --interval (i15) */
	int tw = table_wait(l);

	if (n >= 0 && (t < 0 || n < t))
		t = n;	/* the service manager's watchdog and status */
	if (tw >= 0 && (t < 0 || tw < t))
		t = tw;

	/* a rescan of the tree put off after overflows: when it is due */
	if (w >= 0 && (t < 0 || w < t))
		t = w;
	if (iv >= 0 && (t < 0 || iv < t))
		t = iv;
	return t;
}

static void loop_init(struct loop *l, struct fw_state *st, int sigfd)
{
	double end;

	*l = (struct loop){ .st = st };
	l->fds[PFD_SIG] = (struct pollfd){ .fd = sigfd, .events = POLLIN };
	l->fds[PFD_NOTIF] = (struct pollfd){ .fd = st->notif ? fan_group_fd(st->notif) : -1,
					     .events = POLLIN };
	l->fds[PFD_MNT] = (struct pollfd){ .fd = st->mnt ? fan_group_fd(st->mnt) : -1,
					   .events = POLLIN };
	l->fds[PFD_PERM] = (struct pollfd){ .fd = st->perm ? fw_perm_notify_fd(st->perm) : -1,
					    .events = POLLIN };
	l->fds[PFD_TREE] = (struct pollfd){ .fd = st->tree ? fw_proctree_fd(st->tree) : -1,
					    .events = POLLIN };
	l->table = st->res && fan_resolver_fd(st->res) >= 0;
	l->fds[PFD_TABLE] = (struct pollfd){ .fd = -1, .events = POLLIN };
	/* the output thread failed to write: stop now, not at the next event */
	l->fds[PFD_OUT] = (struct pollfd){ .fd = fw_out_notify_fd(&st->out), .events = POLLIN };
	if (st->o->timeout > 0) {
		end = now_mono() + st->o->timeout;
		l->deadline.tv_sec = (time_t)end;
		l->deadline.tv_nsec = (long)((end - (double)(time_t)end) * 1e9);
		l->has_deadline = true;
	}
}

/*
 * Under load (events again within BUSY_GAP_US of the last ones), let the next
 * events gather for a moment after the queue was emptied: at most one read
 * per BATCH_PAUSE_US, so what costs per read (the read itself, process
 * lookups, the output write) is shared by many events, for at most that
 * much added latency.  The kernel queue (16384 events by default) holds far
 * more than arrives meanwhile.  A quiet system is read at once, while the
 * processes behind its events are still there to be named.
 */
static void pause_for_batch(void)
{
	struct timespec ts = { .tv_nsec = BATCH_PAUSE_US * 1000 };

	nanosleep(&ts, NULL);
}

/* Events came within BUSY_GAP_US of the previous ones: a stream, not a few. */
static bool busy(struct loop *l)
{
	double now = now_mono();
	bool b = now - l->last_events < BUSY_GAP_US / 1e6;

	l->last_events = now;
	return b;
}

static void loop_once(struct loop *l)
{
	struct fw_state *st = l->st;
	int n = poll(l->fds, PFD_N, poll_timeout(l));
	unsigned int got = 0;

	if (n < 0 && errno != EINTR)
		fw_fatal(FW_EXIT_RUNTIME, "poll: %s", strerror(errno));
	if (l->fds[PFD_SIG].revents)
		read_signals(l);
	if (l->fds[PFD_TREE].revents)
		fw_proctree_drain(st->tree);
	table_tick(l);
	if (l->fds[PFD_NOTIF].revents)
		got = read_group(l, st->notif, fw_handle_batch, BATCHES_PER_WAKEUP);
	if (l->fds[PFD_MNT].revents)
		read_group(l, st->mnt, fw_handle_mount_batch, BATCHES_PER_WAKEUP);
	if (l->fds[PFD_PERM].revents) {
		fw_perm_drain(st->perm, st);
		output_check(st);
	}
	if (l->fds[PFD_OUT].revents)
		output_check(st);
	if (until_deadline(l) == 0)
		request_stop(l, SIGTERM);
	if (st->limit_hit && st->child && !st->child_done) {
		st->stop = false;	/* --max-events: the command is told, then awaited */
		request_stop(l, SIGTERM);
	}
	if (st->child && st->child_done)
		st->stop = true;	/* everything it did is queued by now */
	fw_watch_tick(st);	/* a rescan put off after overflows, when due */
	output_check(st);
	fw_interval_tick(st);	/* --interval: a table when due (i15) */
	fw_notify_tick(st);
	if (got && busy(l) && !st->stop)
		pause_for_batch();
}

/* ---- main ---- */

static void setup(struct fw_state *st)
{
	st->privileged = fw_have_cap(CAP_SYS_ADMIN);
	fw_ids_nobody(&st->ids);
	check_privileges(st);
	fw_out_open(&st->out, st->o);
	/* a reader that stops reading never stops the loop (the thread drops every capability) */
	fw_out_start(&st->out, &st->ids);
	if (st->o->command)
		st->tree = fw_proctree_new();
	if (st->o->count)
		st->count = fw_count_new();
	if (st->o->want_inode)		/* dev and ino (i15) */
		st->inodes = fw_inodes_new();
	if (st->o->interval)		/* --interval (i15) */
		st->interval = fw_interval_new(st);
	if (st->o->denies.n) {
		st->perm = fw_perm_new(st);
		/* answering from the first mark on; it drops its own capabilities */
		fw_perm_start(st->perm, caps_perm(), &st->ids);
	}
	fw_watch_setup(st);
	fw_mounts_setup(st);
}

static int finish(struct fw_state *st)
{
	int status = FW_EXIT_OK;

	if (st->perm) {
		fw_perm_stop(st->perm);		/* its last reports are queued after this */
		if (!st->out.error)
			fw_perm_drain(st->perm, st);
	}
	if (st->interval)	/* --interval: the interval under way (i15) */
		fw_interval_final(st);
	else if (st->count && !st->out.error)
		fw_count_report(st->count, &st->out, st->o->top);
	fw_out_close(&st->out);
	if (st->out.error) {
		fw_warn("cannot write output: %s", strerror(-st->out.error));
		status = FW_EXIT_RUNTIME;
	} else if (st->child && st->child_done) {
		status = st->child_status;
	}
	fw_emit_summary_notes(st);
	print_summary(st);
	fw_watch_free(st);	/* the tracker goes before the groups it keeps in step */
	fw_perm_free(st->perm);
	fw_procs_free(st->procs);
	fan_resolver_free(st->res);
	fan_group_free(st->notif);
	fan_resolver_free(st->mres);
	fan_group_free(st->mnt);
	fw_count_free(st->count);
	fw_inodes_free(st->inodes);	/* i15 */
	fw_interval_free(st->interval);
	fw_proctree_free(st->tree);
	return status;
}

int main(int argc, char **argv)
{
	struct fw_opts o;
	struct fw_state st = { .o = &o };
	struct loop l;
	int sigfd, status;

	fw_opts_parse(&o, argc, argv);
	fw_notify_init();
	raise_nofile();
	sigfd = signals_setup(&o);
	setup(&st);
	if (o.command)
		fw_command_start(&st, &orig_nofile);
	drop_privileges(&st);
	print_startup(&st);
	fw_notify_ready(&st);
	loop_init(&l, &st, sigfd);
	while (!st.stop)
		loop_once(&l);
	fw_notify_stopping();
	drain_all(&l);
	status = finish(&st);
	close(sigfd);
	fw_opts_free(&o);
	return status;
}
