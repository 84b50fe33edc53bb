// SPDX-License-Identifier: MIT
/*
 * mount-watch: report mounts and unmounts in a mount namespace, with each
 * mount's unique id and its mount point.
 *
 *     mount-watch [--timeout SEC] [--count N] [--pid PID]
 *
 * A FAN_REPORT_MNT group (Linux 6.15) with a mark on a mount namespace (the
 * caller's, or that of process PID): each event carries a mount id, the
 * 64-bit one statx(STATX_MNT_ID_UNIQUE) reports, and the resolver asks
 * statmount() for the mount point.  A detached mount no longer has one;
 * the resolver reports the mount point it saw when the mount was attached.
 * Marking a mount namespace needs CAP_SYS_ADMIN in the user namespace that
 * owns it.
 *
 * Output:
 *     attach 0x1000000000000a3 /mnt/usb
 *     detach 0x1000000000000a3 /mnt/usb
 *     move 0x1000000000000a4 /srv/new      (attach and detach in one event)
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
#include <time.h>
#include <unistd.h>

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
	fprintf(f, "usage: mount-watch [--timeout SEC] [--count N] [--pid PID]\n"
		   "  report mounts and unmounts of this (or PID's) mount namespace\n"
		   "  --timeout SEC  stop after SEC seconds\n"
		   "  --count N      stop after N events\n");
}

/* Why the kernel refused FAN_REPORT_MNT: name the version it needs, or the privilege. */
static int explain(const char *what, int err)
{
	if (err == -EINVAL && fan_probe_init(FAN_REPORT_MNT, 0) == -EINVAL)
		fprintf(stderr, "mount-watch: this kernel lacks FAN_REPORT_MNT (Linux %s)\n",
			fan_init_flag_since(FAN_REPORT_MNT));
	else
		fprintf(stderr, "mount-watch: %s: %s%s\n", what, strerror(-err),
			err == -EPERM ? " (needs CAP_SYS_ADMIN over the namespace)" : "");
	return err == -EINVAL || err == -EPERM ? 3 : 1;
}

static void report(struct fan_resolver *r, const struct fan_event *ev)
{
	const struct fan_info *rec = fan_event_find_info(ev, FAN_EVENT_INFO_TYPE_MNT);
	uint64_t mask = fan_event_mask(ev), id = 0;
	struct fan_path path;
	const char *what;

	if (fan_event_is_overflow(ev)) {
		printf("overflow: events were lost\n");
		return;
	}
	if ((mask & FAN_MNT_ATTACH) && (mask & FAN_MNT_DETACH))
		what = "move";
	else
		what = mask & FAN_MNT_ATTACH ? "attach" : "detach";
	if (rec)
		fan_info_mnt(rec, &id);
	fan_resolve_path(r, ev, &path, NULL);
	printf("%s %#llx %s\n", what, (unsigned long long)id, path.path ? path.path : "?");
}

static int setup(int nsfd, struct fan_group **g)
{
	int r;

	/* No file descriptors in these events: unprivileged groups are fine. */
	r = fan_group_new(FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_NONBLOCK | FAN_REPORT_MNT, 0, g);
	if (r < 0)
		return explain("cannot create a fanotify group", r);
	/* nsfd -1: the library opens /proc/self/ns/mnt for the call. */
	r = fan_group_add_mntns_mark(*g, FAN_MNT_ATTACH | FAN_MNT_DETACH, nsfd);
	if (r < 0)
		return explain("cannot watch the mount namespace", r);
	return 0;
}

static int run(struct fan_group *g, double timeout, long count)
{
	double deadline = timeout > 0 ? now() + timeout : 0;
	struct fan_resolver *r;
	struct fan_event *ev;
	long seen = 0;
	int n;

	n = fan_resolver_new(g, NULL, &r);
	if (n < 0) {
		fprintf(stderr, "mount-watch: %s\n", strerror(-n));
		return 1;
	}
	while (!stop && (count <= 0 || seen < count)) {
		struct pollfd p = { .fd = fan_group_fd(g), .events = POLLIN };
		int ms = deadline ? (int)((deadline - now()) * 1000) : -1;

		fan_group_release(g);
		if (deadline && ms <= 0)
			break;
		if (poll(&p, 1, ms) <= 0)
			continue;
		n = fan_group_read(g);
		if (n == -EAGAIN || n == -EINTR)
			continue;
		if (n < 0 && n != -EBADMSG) {
			fprintf(stderr, "mount-watch: read: %s\n", strerror(-n));
			break;
		}
		/* Resolve in order: an attach teaches the resolver the point its detach needs. */
		fan_for_each_event(ev, g) {
			report(r, ev);
			seen++;
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
		{ "pid", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sigaction sa = { .sa_handler = on_signal };
	struct fan_group *g = NULL;
	double timeout = 0;
	long count = 0;
	int c, status, nsfd = -1;
	char ns[64];

	while ((c = getopt_long(argc, argv, "t:n:p:h", longopts, NULL)) != -1) {
		switch (c) {
		case 't': timeout = atof(optarg); break;
		case 'n': count = atol(optarg); break;
		case 'p':
			snprintf(ns, sizeof(ns), "/proc/%d/ns/mnt", atoi(optarg));
			nsfd = open(ns, O_RDONLY | O_CLOEXEC);
			if (nsfd < 0) {
				fprintf(stderr, "mount-watch: %s: %s\n", ns, strerror(errno));
				return 1;
			}
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	status = setup(nsfd, &g);
	if (nsfd >= 0)
		close(nsfd);	/* the mark holds the namespace, not this descriptor */
	if (status == 0) {
		fprintf(stderr, "mount-watch: watching the mount namespace\n");
		status = run(g, timeout, count);
	}
	fan_group_free(g);
	return status;
}
