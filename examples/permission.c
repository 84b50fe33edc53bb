// SPDX-License-Identifier: MIT
/*
 * permission: an allow/deny listener.  Opening a file of DIR whose name
 * matches one of the PATTERNs (shell globs, such as "*.secret") is denied;
 * the opener's open() fails with EPERM.  Everything else is allowed.
 *
 *     permission [--timeout SEC] [--count N] DIR PATTERN...
 *
 * While it runs, every open in DIR waits for this program's answer.  Try it
 * on a private tmpfs first, never on a directory the system needs:
 *
 *     unshare --mount --propagation private sh -c '
 *         mkdir -p /tmp/try && mount -t tmpfs tmpfs /tmp/try &&
 *         echo x > /tmp/try/a.secret &&
 *         { ./permission --timeout 30 /tmp/try "*.secret" & sleep 1;
 *           cat /tmp/try/a.secret; wait; }'
 *
 * If this program dies, the kernel closes its group, which allows every
 * pending open: nothing stays blocked.  Needs CAP_SYS_ADMIN.
 *
 * Exit status: 0 done, 1 error, 2 usage, 3 the kernel or the privileges
 * lack a feature.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fanotify/fanotify.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
	fprintf(f, "usage: permission [--timeout SEC] [--count N] DIR PATTERN...\n"
		   "  deny opening the files of DIR whose name matches a PATTERN\n"
		   "  --timeout SEC  stop after SEC seconds\n"
		   "  --count N      stop after N decisions\n");
}

static int matches(const char *path, char **patterns, int npatterns)
{
	const char *name = strrchr(path, '/');
	int i;

	name = name ? name + 1 : path;
	for (i = 0; i < npatterns; i++)
		if (fnmatch(patterns[i], name, 0) == 0)
			return 1;
	return 0;
}

/* Decide, answer, report one permission event. */
static void decide(struct fan_group *g, struct fan_resolver *r, struct fan_event *ev,
		   char **patterns, int npatterns)
{
	struct fan_process proc;
	struct fan_path path;
	uint32_t verdict = FAN_ALLOW;
	int res;

	/*
	 * fan_resolve_path() only reads /proc/self/fd/N: it opens nothing,
	 * so it cannot trigger (and wait for) a permission event of our own.
	 */
	res = fan_resolve_path(r, ev, &path, NULL);
	if (res == 0 && matches(path.path, patterns, npatterns))
		verdict = FAN_DENY;
	/* The opener is blocked until answered: it is still there to be named. */
	if (fan_resolve_process(r, ev, &proc) < 0)
		proc.comm = NULL;
	/* Answer, then print: the opener is waiting. */
	res = fan_event_respond(g, ev, verdict, NULL);
	if (res < 0)	/* the library still answers it when the batch ends */
		fprintf(stderr, "permission: answer refused: %s\n", strerror(-res));
	printf("%s %s pid %d (%s)\n", verdict == FAN_DENY ? "deny" : "allow",
	       path.path ? path.path : "?", (int)fan_event_pid(ev), proc.comm ? proc.comm : "?");
}

static int setup(const char *dir, struct fan_group **g)
{
	/*
	 * FAN_CLASS_CONTENT: a group that may answer permission events.
	 * LIBFANOTIFY_ANSWER_SELF: if this program ever opens a file of DIR,
	 * its own event is allowed at once instead of waiting for itself.
	 * default_response: what an event we fail to answer gets (when its
	 * batch ends); allow, so a bug here cannot lock users out.
	 */
	LIBFANOTIFY_OPTS(fan_group_opts, opts,
			 .init_flags = FAN_CLASS_CONTENT | FAN_CLOEXEC | FAN_NONBLOCK,
			 .event_f_flags = O_RDONLY | O_CLOEXEC,
			 .default_response = FAN_ALLOW,
			 .flags = LIBFANOTIFY_ANSWER_SELF);
	int r;

	r = fan_group_new_opts(&opts, g);
	if (r < 0) {
		fprintf(stderr, "permission: cannot create a fanotify group: %s%s\n", strerror(-r),
			r == -EPERM ? " (needs CAP_SYS_ADMIN)" : "");
		return r == -EPERM || r == -EINVAL ? 3 : 1;
	}
	/*
	 * An inode mark on DIR with FAN_EVENT_ON_CHILD: the files directly in
	 * DIR, not deeper.  FAN_MARK_ONLYDIR refuses anything but a directory.
	 */
	r = fan_group_add_mark(*g, FAN_MARK_ONLYDIR, FAN_OPEN_PERM | FAN_EVENT_ON_CHILD, dir);
	if (r < 0) {
		fprintf(stderr, "permission: cannot watch %s: %s\n", dir, strerror(-r));
		return r == -EPERM || r == -EINVAL ? 3 : 1;
	}
	return 0;
}

static int run(struct fan_group *g, double timeout, long count, char **patterns,
	       int npatterns)
{
	double deadline = timeout > 0 ? now() + timeout : 0;
	struct fan_resolver *r;
	struct fan_event *ev;
	long decided = 0;
	int n;

	n = fan_resolver_new(g, NULL, &r);
	if (n < 0) {
		fprintf(stderr, "permission: %s\n", strerror(-n));
		return 1;
	}
	while (!stop && (count <= 0 || decided < count)) {
		struct pollfd p = { .fd = fan_group_fd(g), .events = POLLIN };
		int ms = deadline ? (int)((deadline - now()) * 1000) : -1;

		/*
		 * End the batch before sleeping: any event not answered gets the
		 * default verdict now instead of waiting for the next event.
		 */
		fan_group_release(g);
		if (deadline && ms <= 0)
			break;
		if (poll(&p, 1, ms) <= 0)
			continue;
		n = fan_group_read(g);
		if (n == -EAGAIN || n == -EINTR)
			continue;
		if (n < 0 && n != -EBADMSG) {
			fprintf(stderr, "permission: read: %s\n", strerror(-n));
			break;
		}
		fan_for_each_event(ev, g) {
			if (!fan_event_needs_answer(ev))
				continue;	/* our own (already allowed), or no descriptor */
			decide(g, r, ev, patterns, npatterns);
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
	int c, status;

	while ((c = getopt_long(argc, argv, "t:n:h", longopts, NULL)) != -1) {
		switch (c) {
		case 't': timeout = atof(optarg); break;
		case 'n': count = atol(optarg); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (argc - optind < 2) {
		usage(stderr);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	status = setup(argv[optind], &g);
	if (status == 0) {
		fprintf(stderr, "permission: watching %s\n", argv[optind]);
		status = run(g, timeout, count, argv + optind + 1, argc - optind - 1);
	}
	/* Answers whatever is pending (allow), closes the group. */
	fan_group_free(g);
	return status;
}
