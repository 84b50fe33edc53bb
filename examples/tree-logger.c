// SPDX-License-Identifier: MIT
/*
 * tree-logger: log what changes under a directory, however deep, with full
 * paths: files and directories created, deleted, renamed (old -> new), and
 * files written.
 *
 *     tree-logger [--timeout SEC] [--count N] DIR
 *
 * A group in "FID mode": events carry file handles and names instead of
 * open descriptors, which is what reports creations, deletions and renames.
 * fanotify marks are not recursive, so DIR's whole filesystem is marked and
 * events outside DIR are dropped here, after their path is known.  A
 * filesystem mark needs CAP_SYS_ADMIN; without it, this falls back to DIR's
 * own entries (an inode mark, allowed to anyone since Linux 5.13).
 *
 * Output, one line per event:
 *     create /tmp/t/a/file
 *     create /tmp/t/a/sub/          (a trailing / marks a directory)
 *     rename /tmp/t/a/file -> /tmp/t/b/file
 *     close_write /tmp/t/b/file
 *     delete /tmp/t/b/file
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

#define EVENTS (FAN_CREATE | FAN_DELETE | FAN_RENAME | FAN_CLOSE_WRITE)

static volatile sig_atomic_t stop;
static char root[PATH_MAX];
static size_t root_len;

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
	fprintf(f, "usage: tree-logger [--timeout SEC] [--count N] DIR\n"
		   "  log creations, deletions, renames and writes under DIR\n"
		   "  --timeout SEC  stop after SEC seconds\n"
		   "  --count N      stop after N lines\n");
}

/* Is p DIR or under it?  ("/a/bc" is not under "/a/b".) */
static int under_root(const struct fan_path *p)
{
	if (!p->path || (p->flags & LIBFANOTIFY_PATH_PARTIAL))
		return 0;
	if (root_len == 1)
		return p->path[0] == '/';
	return !strncmp(p->path, root, root_len) &&
	       (p->path[root_len] == '\0' || p->path[root_len] == '/');
}

static void print_path(const struct fan_path *p)
{
	/* A partial path is a name whose directory could not be found. */
	printf("%s%s%s", p->flags & LIBFANOTIFY_PATH_PARTIAL ? "?/" : "", p->path,
	       p->flags & LIBFANOTIFY_PATH_DIR && p->len > 1 ? "/" : "");
}

/* One event; returns 1 if a line was printed. */
static int log_event(struct fan_resolver *r, const struct fan_event *ev)
{
	struct fan_path path, new_path;
	uint64_t mask = fan_event_mask(ev);
	char names[128];

	if (fan_event_is_overflow(ev)) {
		printf("overflow: events were lost\n");
		return 1;
	}
	/*
	 * Resolve every event, also those we will not print: a directory
	 * renamed elsewhere on the filesystem changes the paths the resolver
	 * caches, and it learns that from the event.
	 */
	if (fan_resolve_path(r, ev, &path, &new_path) < 0)
		return 0;
	if (!under_root(&path) && !(new_path.path && under_root(&new_path)))
		return 0;
	/* FAN_ONDIR is a flag, not an event: shown as a trailing "/" instead. */
	fan_mask_format(mask & ~FAN_ONDIR, ",", names, sizeof(names));
	printf("%s ", names);
	print_path(&path);
	if (new_path.path) {
		printf(" -> ");
		print_path(&new_path);
	}
	printf("\n");
	return 1;
}

static int setup(const char *dir, struct fan_group **g)
{
	/*
	 * FAN_REPORT_DFID_NAME: the directory's handle and the entry's name;
	 * FAN_REPORT_FID: also the object's own handle.  FAN_RENAME (5.17)
	 * reports the old and the new place in one event.
	 */
	unsigned int flags = FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_NONBLOCK |
			     FAN_REPORT_DFID_NAME | FAN_REPORT_FID;
	int r;

	r = fan_group_new(flags, O_RDONLY | O_CLOEXEC, g);
	if (r < 0) {
		fprintf(stderr, "tree-logger: cannot create a fanotify group: %s%s\n",
			strerror(-r), r == -EINVAL ? " (FAN_REPORT_DFID_NAME needs Linux 5.9)" : "");
		return r == -EINVAL || r == -EPERM ? 3 : 1;
	}
	/*
	 * Marking through the library also records DIR's filesystem (for
	 * open_by_handle_at()) and DIR's own path, so the resolver can name
	 * what the events' handles point to.
	 */
	r = fan_group_add_mark(*g, FAN_MARK_FILESYSTEM, EVENTS | FAN_ONDIR, dir);
	if (r == -EPERM) {
		fprintf(stderr, "tree-logger: no CAP_SYS_ADMIN: only %s's own entries\n", dir);
		/* FAN_EVENT_ON_CHILD: writes to DIR's files, not only to its entries */
		r = fan_group_add_mark(*g, FAN_MARK_ONLYDIR,
				       EVENTS | FAN_ONDIR | FAN_EVENT_ON_CHILD, dir);
	}
	if (r < 0) {
		fprintf(stderr, "tree-logger: cannot watch %s: %s%s\n", dir, strerror(-r),
			r == -EINVAL ? " (FAN_RENAME needs Linux 5.17)" : "");
		return r == -EINVAL || r == -EPERM ? 3 : 1;
	}
	return 0;
}

static int run(struct fan_group *g, double timeout, long count)
{
	double deadline = timeout > 0 ? now() + timeout : 0;
	struct fan_resolver *r;
	struct fan_event *ev;
	long lines = 0;
	int n;

	n = fan_resolver_new(g, NULL, &r);
	if (n < 0) {
		fprintf(stderr, "tree-logger: %s\n", strerror(-n));
		return 1;
	}
	while (!stop && (count <= 0 || lines < count)) {
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
			fprintf(stderr, "tree-logger: read: %s\n", strerror(-n));
			break;
		}
		fan_for_each_event(ev, g)
			lines += log_event(r, ev);
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
	if (optind != argc - 1) {
		usage(stderr);
		return 2;
	}
	/* Paths from the resolver are absolute and free of symlinks: compare like with like. */
	if (!realpath(argv[optind], root)) {
		fprintf(stderr, "tree-logger: %s: %s\n", argv[optind], strerror(errno));
		return 1;
	}
	root_len = strlen(root);
	setvbuf(stdout, NULL, _IOLBF, 0);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	status = setup(root, &g);
	if (status == 0) {
		fprintf(stderr, "tree-logger: watching %s\n", root);
		status = run(g, timeout, count);
	}
	fan_group_free(g);
	return status;
}
