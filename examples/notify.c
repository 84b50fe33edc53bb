// SPDX-License-Identifier: MIT
/*
 * notify: print who opens, writes and closes files in a directory (or on a
 * whole mount), with the file's path and the process's name.
 *
 *     notify [--mount] [--timeout SEC] [--count N] PATH
 *
 * A notification group in "fd mode": the kernel opens each file for us and
 * puts the descriptor in the event; its path is read back from
 * /proc/self/fd.  This needs CAP_SYS_ADMIN.  Build with
 *
 *     cc -o notify notify.c $(pkg-config --cflags --libs libfanotify)
 *
 * Exit status: 0 done, 1 error, 2 usage, 3 the kernel or the privileges
 * lack a feature.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fanotify/fanotify.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: notify [--mount] [--timeout SEC] [--count N] PATH\n"
		   "  PATH           a directory (its files) or a file\n"
		   "  --mount        the whole mount PATH is on\n"
		   "  --timeout SEC  stop after SEC seconds\n"
		   "  --count N      stop after N events\n");
}

/*
 * In fd mode every event of a batch holds one open descriptor until the
 * batch ends; a 256 KiB batch can hold ten thousand.  Out of descriptors,
 * the kernel silently drops events, so raise the soft limit to the hard one.
 */
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* One event as "open,close_nowrite /path pid 42 (cat)". */
static void print_event(struct fan_resolver *r, const struct fan_event *ev)
{
	struct fan_process proc;
	struct fan_path path;
	char names[256];

	if (fan_event_is_overflow(ev)) {
		printf("overflow: the kernel's queue was full, events were lost\n");
		return;
	}
	fan_mask_format(fan_event_mask(ev), ",", names, sizeof(names));
	/* The path is read now, after the event: a file renamed since shows its new name. */
	if (fan_resolve_path(r, ev, &path, NULL) < 0)
		printf("%s ? (%s)", names, strerror(-path.error));
	else
		printf("%s %s%s", names, path.path,
		       path.flags & LIBFANOTIFY_PATH_DELETED ? " (deleted)" : "");
	/* Also read now: a short-lived process may be gone already ("?"). */
	if (fan_resolve_process(r, ev, &proc) < 0)
		proc.comm = NULL;
	printf(" pid %d (%s)\n", (int)fan_event_pid(ev), proc.comm ? proc.comm : "?");
}

/* The group, with its mark in place. 0, or an exit status. */
static int setup(const char *target, int mount, struct fan_group **g)
{
	/*
	 * FAN_NONBLOCK: we wait with poll() and never block in read().
	 * LIBFANOTIFY_SKIP_SELF: our own reads of /proc are not events, but
	 * writing our output to a file in the watched place would be.
	 */
	LIBFANOTIFY_OPTS(fan_group_opts, opts,
			 .init_flags = FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_NONBLOCK,
			 .event_f_flags = O_RDONLY | O_CLOEXEC,
			 .flags = LIBFANOTIFY_SKIP_SELF);
	uint64_t mask = FAN_OPEN | FAN_MODIFY | FAN_CLOSE;
	int r;

	r = fan_group_new_opts(&opts, g);
	if (r < 0) {
		fprintf(stderr, "notify: cannot create a fanotify group: %s%s\n", strerror(-r),
			r == -EPERM ? " (fd mode needs CAP_SYS_ADMIN)" : "");
		return r == -EPERM || r == -EINVAL ? 3 : 1;
	}
	/*
	 * An inode mark on a directory with FAN_EVENT_ON_CHILD reports its
	 * direct children (and the directory itself); a mount mark reports
	 * every file of the mount, however deep.
	 */
	if (mount)
		r = fan_group_add_mark(*g, FAN_MARK_MOUNT, mask, target);
	else
		r = fan_group_add_mark(*g, FAN_MARK_INODE, mask | FAN_EVENT_ON_CHILD, target);
	if (r < 0) {
		fprintf(stderr, "notify: cannot watch %s: %s\n", target, strerror(-r));
		return r == -EPERM ? 3 : 1;
	}
	return 0;
}

static int run(struct fan_group *g, double timeout, long count)
{
	struct fan_resolver *r;
	struct fan_event *ev;
	double deadline = timeout > 0 ? now() + timeout : 0;
	long seen = 0;
	int n;

	n = fan_resolver_new(g, NULL, &r);
	if (n < 0) {
		fprintf(stderr, "notify: %s\n", strerror(-n));
		return 1;
	}
	while (!stop && (count <= 0 || seen < count)) {
		struct pollfd p = { .fd = fan_group_fd(g), .events = POLLIN };
		int ms = deadline ? (int)((deadline - now()) * 1000) : -1;

		/* End the batch before sleeping: its descriptors are closed now. */
		fan_group_release(g);
		if (deadline && ms <= 0)
			break;
		n = poll(&p, 1, ms);
		if (n <= 0)
			continue;	/* timeout (checked above), or a signal */
		n = fan_group_read(g);
		if (n == -EAGAIN || n == -EINTR)
			continue;
		if (n < 0 && n != -EBADMSG) {	/* -EBADMSG: the valid part is still there */
			fprintf(stderr, "notify: read: %s\n", strerror(-n));
			break;
		}
		fan_for_each_event(ev, g) {
			print_event(r, ev);
			if (count > 0 && ++seen >= count)
				break;
		}
	}
	fan_resolver_free(r);
	return 0;
}

int main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "mount", no_argument, NULL, 'm' },
		{ "timeout", required_argument, NULL, 't' },
		{ "count", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sigaction sa = { .sa_handler = on_signal };	/* no SA_RESTART: poll() returns */
	struct fan_group *g = NULL;
	double timeout = 0;
	long count = 0;
	int mount = 0, c, status;

	while ((c = getopt_long(argc, argv, "mt:n:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'm': mount = 1; break;
		case 't': timeout = atof(optarg); break;
		case 'n': count = atol(optarg); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	raise_fd_limit();

	status = setup(argv[optind], mount, &g);
	if (status == 0) {
		/* Scripts wait for this line: from now on nothing is missed. */
		fprintf(stderr, "notify: watching %s\n", argv[optind]);
		status = run(g, timeout, count);
	}
	fan_group_free(g);
	return status;
}
