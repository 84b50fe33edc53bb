// SPDX-License-Identifier: MIT
/*
 * exec-allowlist: a permission daemon that lets programs on one mount run
 * only from an allow-list of directories.  Executing a file of MOUNT that
 * is not under one of the ALLOWED directories fails with EPERM.
 *
 *     exec-allowlist [--timeout SEC] [--count N] MOUNT ALLOWED_DIR...
 *
 * FAN_OPEN_EXEC_PERM (Linux 5.0) is asked when execve() opens a file to
 * run it: the program, a script's interpreter, an ELF program's dynamic
 * loader.  Shared libraries are opened by the loader with plain open() and
 * are not covered (FAN_OPEN_PERM would see them, as any other open).  The mark is on MOUNT's mount: the same files reached
 * through another mount (a bind mount) are not checked.
 *
 * While it runs, every execution from MOUNT waits for this daemon.  Try it
 * on a private tmpfs in a private mount namespace first (see
 * libfanotify(7)), never on the mount of / of a machine you need.  If the
 * daemon dies, the kernel allows everything again: this is a guard rail,
 * not a sandbox.  Needs CAP_SYS_ADMIN.
 *
 * Exit status: 0 done, 1 error, 2 usage, 3 the kernel or the privileges
 * lack a feature.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fanotify/fanotify.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_ALLOWED 64

static volatile sig_atomic_t stop;
static char *allowed[MAX_ALLOWED];
static int nallowed;

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
	fprintf(f, "usage: exec-allowlist [--timeout SEC] [--count N] MOUNT ALLOWED_DIR...\n"
		   "  deny executing files of MOUNT outside the ALLOWED_DIRs\n"
		   "  --timeout SEC  stop after SEC seconds\n"
		   "  --count N      stop after N decisions\n");
}

/* Under an allowed directory?  Compared on canonical paths ("/a/bc" is not under "/a/b"). */
static int is_allowed(const char *path)
{
	int i;

	for (i = 0; i < nallowed; i++) {
		size_t len = strlen(allowed[i]);

		if (!strncmp(path, allowed[i], len) && (path[len] == '/' || len == 1))
			return 1;
	}
	return 0;
}

static void decide(struct fan_group *g, struct fan_resolver *r, struct fan_event *ev)
{
	struct fan_process proc;
	struct fan_path path;
	uint32_t verdict = FAN_DENY;
	int res;

	/*
	 * The event's descriptor is the file about to run; its path comes from
	 * /proc/self/fd.  A path we cannot find is denied: fail closed.
	 */
	if (fan_resolve_path(r, ev, &path, NULL) == 0 &&
	    !(path.flags & LIBFANOTIFY_PATH_DELETED) && is_allowed(path.path))
		verdict = FAN_ALLOW;
	/* The process is blocked in execve() until answered: still there to be named. */
	if (fan_resolve_process(r, ev, &proc) < 0)
		proc.comm = NULL;
	res = fan_event_respond(g, ev, verdict, NULL);
	if (res < 0)
		fprintf(stderr, "exec-allowlist: answer refused: %s\n", strerror(-res));
	printf("%s %s pid %d (%s)\n", verdict == FAN_ALLOW ? "allow" : "deny",
	       path.path ? path.path : "?", (int)fan_event_pid(ev), proc.comm ? proc.comm : "?");
}

static int setup(const char *mount, struct fan_group **g)
{
	/*
	 * default_response FAN_DENY: an execution we fail to answer (a bug,
	 * an answer the kernel refuses) is denied when its batch ends.
	 * LIBFANOTIFY_ANSWER_SELF: our own executions (none here, but a
	 * helper program would be one) are allowed at once.
	 */
	LIBFANOTIFY_OPTS(fan_group_opts, opts,
			 .init_flags = FAN_CLASS_CONTENT | FAN_CLOEXEC | FAN_NONBLOCK,
			 .event_f_flags = O_RDONLY | O_CLOEXEC,
			 .default_response = FAN_DENY,
			 .flags = LIBFANOTIFY_ANSWER_SELF);
	int r;

	r = fan_group_new_opts(&opts, g);
	if (r < 0) {
		fprintf(stderr, "exec-allowlist: cannot create a fanotify group: %s%s\n",
			strerror(-r), r == -EPERM ? " (needs CAP_SYS_ADMIN)" : "");
		return r == -EPERM || r == -EINVAL ? 3 : 1;
	}
	r = fan_group_add_mark(*g, FAN_MARK_MOUNT, FAN_OPEN_EXEC_PERM, mount);
	if (r < 0) {
		fprintf(stderr, "exec-allowlist: cannot watch %s: %s%s\n", mount, strerror(-r),
			r == -EINVAL ? " (FAN_OPEN_EXEC_PERM needs Linux 5.0)" : "");
		return r == -EINVAL || r == -EPERM ? 3 : 1;
	}
	return 0;
}

static int run(struct fan_group *g, double timeout, long count)
{
	double deadline = timeout > 0 ? now() + timeout : 0;
	struct fan_resolver *r;
	struct fan_event *ev;
	long decided = 0;
	int n;

	n = fan_resolver_new(g, NULL, &r);
	if (n < 0) {
		fprintf(stderr, "exec-allowlist: %s\n", strerror(-n));
		return 1;
	}
	while (!stop && (count <= 0 || decided < count)) {
		struct pollfd p = { .fd = fan_group_fd(g), .events = POLLIN };
		int ms = deadline ? (int)((deadline - now()) * 1000) : -1;

		fan_group_release(g);	/* nothing left waiting while we sleep */
		if (deadline && ms <= 0)
			break;
		if (poll(&p, 1, ms) <= 0)
			continue;
		n = fan_group_read(g);
		if (n == -EAGAIN || n == -EINTR)
			continue;
		if (n < 0 && n != -EBADMSG) {
			fprintf(stderr, "exec-allowlist: read: %s\n", strerror(-n));
			break;
		}
		fan_for_each_event(ev, g) {
			if (!fan_event_needs_answer(ev))
				continue;
			decide(g, r, ev);
			decided++;
		}
	}
	fan_resolver_free(r);
	return 0;
}

int main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "timeout", required_argument, NULL, 't' },
		{ "count", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sigaction sa = { .sa_handler = on_signal };
	struct fan_group *g = NULL;
	double timeout = 0;
	long count = 0;
	int c, i, status;

	while ((c = getopt_long(argc, argv, "t:n:h", longopts, NULL)) != -1) {
		switch (c) {
		case 't': timeout = atof(optarg); break;
		case 'n': count = atol(optarg); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (argc - optind < 2 || argc - optind - 1 > MAX_ALLOWED) {
		usage(stderr);
		return 2;
	}
	/* Event paths are canonical (no symlinks, no ".."): so must the list be. */
	for (i = optind + 1; i < argc; i++) {
		allowed[nallowed] = realpath(argv[i], NULL);
		if (!allowed[nallowed]) {
			fprintf(stderr, "exec-allowlist: %s: %s\n", argv[i], strerror(errno));
			return 1;
		}
		nallowed++;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	status = setup(argv[optind], &g);
	if (status == 0) {
		fprintf(stderr, "exec-allowlist: watching %s\n", argv[optind]);
		status = run(g, timeout, count);
	}
	/* Pending executions get the default verdict (deny); then the kernel allows again. */
	fan_group_free(g);
	for (i = 0; i < nallowed; i++)
		free(allowed[i]);
	return status;
}
