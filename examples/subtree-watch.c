// SPDX-License-Identifier: MIT
/*
 * subtree-watch: what changes in a directory and everything below it, with
 * full paths, following every directory created or moved in while it runs
 * (a subtree tracker, fan_subtree_new(3)): one inode mark per directory,
 * so the rest of the filesystem costs nothing, and no privilege needed.
 *
 *     subtree-watch [--timeout SEC] DIR
 *
 * Output, one line per event or per entry found in a new directory:
 *     create /tmp/t/a/          (a trailing / marks a directory)
 *     found /tmp/t/a/b/x        (held by a directory when it was first read)
 *     close_write /tmp/t/a/b/y
 *     rename /tmp/t/a/ -> ?     (moved out: the kernel names only the tree's side)
 *     delete /tmp/t/a/b/y
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

#define EVENTS (FAN_CREATE | FAN_DELETE | FAN_RENAME | FAN_CLOSE_WRITE)

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

/* What the tracker found in a new directory, or could not watch. */
static void found(void *arg, const struct fan_subtree_entry *e)
{
	(void)arg;
	if (e->flags & LIBFANOTIFY_SUBTREE_UNWATCHED)
		fprintf(stderr, "subtree-watch: cannot watch %s: %s\n", e->path, strerror(-e->error));
	if (e->flags & LIBFANOTIFY_SUBTREE_FOUND)
		printf("found %s%s\n", e->path, e->flags & LIBFANOTIFY_SUBTREE_DIR ? "/" : "");
}

static void print_path(const struct fan_path *p, uint64_t mask)
{
	if (!p->path) {
		printf("?");
		return;
	}
	/* a partial path is a name whose directory could not be found */
	printf("%s%s%s", p->flags & LIBFANOTIFY_PATH_PARTIAL ? "?/" : "", p->path,
	       mask & FAN_ONDIR ? "/" : "");
}

/* One event: looked at first, then handed to the tracker (found entries follow it). */
static void one(struct fan_subtree *t, struct fan_resolver *r, const struct fan_event *ev)
{
	uint64_t mask = fan_event_mask(ev);
	struct fan_path path, new_path;
	char names[128];

	if (fan_event_is_overflow(ev)) {
		printf("overflow: events were lost; reading the tree again\n");
	} else if ((mask & EVENTS) && fan_subtree_in_scope(t, ev) >= 0) {
		/* a rename into the tree has a new path only: print what is known */
		fan_resolve_path(r, ev, &path, &new_path);
		fan_mask_format(mask & EVENTS, ",", names, sizeof(names));
		printf("%s ", names);
		/* a rename names only the watched side(s): the other is unknown */
		if ((mask & FAN_RENAME) && !fan_event_find_info(ev, FAN_EVENT_INFO_TYPE_OLD_DFID_NAME))
			path.path = NULL;
		print_path(&path, mask);
		if (mask & FAN_RENAME) {
			printf(" -> ");
			print_path(&new_path, mask);
		}
		printf("\n");
	}
	fan_subtree_handle(t, ev);
}

static int run(struct fan_group *g, struct fan_subtree *t, double timeout)
{
	double deadline = timeout > 0 ? now() + timeout : 0;
	struct fan_resolver *r;
	struct fan_event *ev;
	int n, ms, wait;

	n = fan_resolver_new(g, NULL, &r);
	if (n < 0) {
		fprintf(stderr, "subtree-watch: %s\n", strerror(-n));
		return 1;
	}
	while (!stop) {
		struct pollfd p = { .fd = fan_group_fd(g), .events = POLLIN };

		fan_group_release(g);
		ms = deadline ? (int)((deadline - now()) * 1000) : -1;
		if (deadline && ms <= 0)
			break;
		/* a rescan put off after overflows is due in wait ms */
		wait = fan_subtree_timeout(t);
		if (wait >= 0 && (ms < 0 || wait < ms))
			ms = wait;
		if (poll(&p, 1, ms) <= 0) {
			if (fan_subtree_timeout(t) == 0)
				fan_subtree_rescan(t);
			continue;
		}
		n = fan_group_read(g);
		if (n == -EAGAIN || n == -EINTR)
			continue;
		if (n < 0 && n != -EBADMSG) {
			fprintf(stderr, "subtree-watch: read: %s\n", strerror(-n));
			break;
		}
		fan_for_each_event(ev, g)
			one(t, r, ev);
	}
	fan_resolver_free(r);
	return 0;
}

static int setup(const char *dir, struct fan_group **g, struct fan_subtree **t)
{
	LIBFANOTIFY_OPTS(fan_subtree_opts, o, .mask = EVENTS, .found = found);
	/* the directory's own handle in its events (5.17): found wherever it went */
	unsigned int flags = FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_NONBLOCK |
			     FAN_REPORT_DFID_NAME | FAN_REPORT_FID | FAN_REPORT_TARGET_FID;
	int r = fan_group_new(flags, O_RDONLY | O_CLOEXEC, g);

	if (r == -EINVAL)	/* before 5.17: children by name */
		r = fan_group_new(flags & ~FAN_REPORT_TARGET_FID, O_RDONLY | O_CLOEXEC, g);
	if (r < 0) {
		fprintf(stderr, "subtree-watch: cannot create a fanotify group: %s%s\n",
			strerror(-r), r == -EINVAL ? " (FAN_REPORT_DFID_NAME needs Linux 5.9)" : "");
		return r == -EINVAL || r == -EPERM ? 3 : 1;
	}
	r = fan_subtree_new(*g, &o, t);
	if (r == 0)
		r = fan_subtree_add_root(*t, AT_FDCWD, dir);
	if (r < 0) {
		fprintf(stderr, "subtree-watch: cannot watch %s: %s\n", dir, strerror(-r));
		return r == -EPERM ? 3 : 1;
	}
	return 0;
}

int main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sigaction sa = { .sa_handler = on_signal };
	struct fan_subtree *t = NULL;
	struct fan_group *g = NULL;
	double timeout = 0;
	int c, status;

	while ((c = getopt_long(argc, argv, "t:h", longopts, NULL)) != -1) {
		switch (c) {
		case 't': timeout = atof(optarg); break;
		case 'h': printf("usage: subtree-watch [--timeout SEC] DIR\n"); return 0;
		default: fprintf(stderr, "usage: subtree-watch [--timeout SEC] DIR\n"); return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: subtree-watch [--timeout SEC] DIR\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	status = setup(argv[optind], &g, &t);
	if (status == 0) {
		fprintf(stderr, "subtree-watch: watching %s\n", argv[optind]);
		status = run(g, t, timeout);
	}
	fan_subtree_free(t);
	fan_group_free(g);
	return status;
}
