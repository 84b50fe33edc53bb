// SPDX-License-Identifier: MIT
/*
 * What resolution costs.  In a private tmpfs, a workload process creates,
 * writes 512 bytes to, closes and unlinks files in a loop (N iterations
 * over a few directories, every name distinct) while this process drains a
 * FID group (FAN_REPORT_DFID_NAME | FAN_REPORT_FID | FAN_REPORT_PIDFD,
 * unlimited queue so both modes see every event) either raw (iterate the
 * events, take nothing, resolve nothing) or with full resolution
 * (fan_resolve_path() + fan_resolve_process() per event).  The reader's CPU
 * (getrusage: user + sys) per event is reported for both, median of the
 * runs, and their ratio.  --rss-names M instead runs one full-resolution
 * pass over M distinct names and prints the reader's RSS as it goes.
 *
 * The group and its marks (-k): "fs" (the default) is one FILESYSTEM mark
 * that also reports directory renames (FAN_RENAME | FAN_ONDIR), so the
 * resolver's paths are kept right by events and never checked; "tree" is
 * an inode mark with FAN_EVENT_ON_CHILD on the tmpfs root and on each
 * directory, as fanwatch watches a directory (paths checked once per
 * directory per batch); "fd" is a group receiving descriptors (fd mode,
 * FAN_MODIFY | FAN_CLOSE_WRITE on a mount mark, no pidfds).  --moves K
 * also renames a directory (mv-a <-> mv-b, with a file created in it) every
 * K iterations, so batches hold directory moves to undo.  --check-cost
 * instead times what checking a kept directory path costs: the
 * name_to_handle_at() of DIR/d0 the resolver makes (CPU time, median of
 * the runs).
 *
 * Root only (private mount namespace, tmpfs, unlimited queue).  Usage:
 *   resolve_bench [-n N] [-r RUNS] [-d DIRS] [-m raw|full|both] [-k fs|tree|fd]
 *                 [--moves K] [--rss-names M] [--check-cost]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <sched.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fanotify/fanotify.h>

#define MASK (FAN_CREATE | FAN_MODIFY | FAN_CLOSE_WRITE | FAN_DELETE | FAN_RENAME | FAN_ONDIR)
#define INIT (FAN_REPORT_DFID_NAME | FAN_REPORT_FID | FAN_REPORT_PIDFD | FAN_UNLIMITED_QUEUE | \
	      FAN_NONBLOCK | FAN_CLOEXEC)
#define FD_MASK (FAN_MODIFY | FAN_CLOSE_WRITE)
#define FD_INIT (FAN_CLASS_NOTIF | FAN_UNLIMITED_QUEUE | FAN_NONBLOCK | FAN_CLOEXEC)

enum marks { MARKS_FS, MARKS_TREE, MARKS_FD };

struct cfg {
	long n, rss_names, moves;
	int runs, dirs;
	bool raw, full, check_cost;
	enum marks marks;
};

struct result {
	double cpu_ns;		/* reader CPU per event */
	double user_ns;		/* of which user time */
	unsigned long events, partial, noproc;
	unsigned long batches;
	long iterations;
};

static char root[] = "/tmp/libfanotify-bench.XXXXXX";

static void die(const char *what, int err)
{
	fprintf(stderr, "resolve_bench: %s: %s\n", what, strerror(err));
	exit(1);
}

/* A private mount namespace with a tmpfs of our own. */
static void setup(void)
{
	if (unshare(CLONE_NEWNS) < 0)
		die("unshare(CLONE_NEWNS) (needs root)", errno);
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		die("making / private", errno);
	if (!mkdtemp(root))
		die("mkdtemp", errno);
	if (mount("tmpfs", root, "tmpfs", 0, "size=256m") < 0)
		die("mount tmpfs", errno);
}

static void teardown(void)
{
	umount2(root, MNT_DETACH);
	rmdir(root);
}

/* Every K iterations: a file in mv-a (or mv-b), then the directory renamed. */
static void move_dir(long i, long k, int tag)
{
	char from[512], to[512], f[600];
	int fd;

	if (!k || i % k)
		return;
	snprintf(from, sizeof(from), "%s/mv-%c", root, (i / k) % 2 ? 'b' : 'a');
	snprintf(to, sizeof(to), "%s/mv-%c", root, (i / k) % 2 ? 'a' : 'b');
	snprintf(f, sizeof(f), "%s/r%d-%09ld", from, tag, i);
	fd = open(f, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	if (fd < 0 || rename(from, to) < 0)
		_exit(3);
	close(fd);
}

/* The workload: create, write 512 bytes, close, unlink; every name new. */
static void workload(long n, int dirs, long moves, int tag)
{
	char path[512], buf[512];
	long i;
	int fd;

	memset(buf, 'w', sizeof(buf));
	for (i = 0; i < n; i++) {
		move_dir(i, moves, tag);
		snprintf(path, sizeof(path), "%s/d%d/r%d-file-%09ld", root, (int)(i % dirs), tag, i);
		fd = open(path, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0 || write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
			_exit(2);
		close(fd);
		unlink(path);
	}
	_exit(0);
}

/* The reader's CPU so far (user + sys), and the user part. */
static double cpu_now_ns(double *user)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	*user = ru.ru_utime.tv_sec * 1e9 + ru.ru_utime.tv_usec * 1e3;
	return *user + ru.ru_stime.tv_sec * 1e9 + ru.ru_stime.tv_usec * 1e3;
}

static long rss_kib(void)
{
	char line[256];
	long kib = -1;
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld", &kib) == 1)
			break;
	if (f)
		fclose(f);
	return kib;
}

static void resolve_one(struct fan_resolver *r, const struct fan_event *ev, struct result *res)
{
	struct fan_process p;
	struct fan_path path;

	if (fan_resolve_path(r, ev, &path, NULL) < 0 || (path.flags & LIBFANOTIFY_PATH_PARTIAL))
		res->partial++;
	if (fan_resolve_process(r, ev, &p) < 0 || !p.comm)
		res->noproc++;
}

/* One batch; false when the queue was empty. */
static bool read_batch(struct fan_group *g, struct fan_resolver *r, struct result *res,
		       long rss_every)
{
	struct fan_event *ev;
	int n = fan_group_read(g);

	if (n == -EAGAIN)
		return false;
	if (n < 0)
		die("fan_group_read", -n);
	fan_for_each_event(ev, g) {
		if (r)
			resolve_one(r, ev, res);
		if (rss_every && ++res->events % rss_every == 0)
			printf("  events %9lu  reader RSS %6ld KiB\n", res->events, rss_kib());
		else if (!rss_every)
			res->events++;
	}
	return true;
}

/* Drain until the workload has exited and the queue is empty. */
static void drain(struct fan_group *g, struct fan_resolver *r, pid_t child, struct result *res,
		  long rss_every)
{
	struct pollfd pfd = { .fd = fan_group_fd(g), .events = POLLIN };
	bool done = false;
	int st;

	for (;;) {
		if (read_batch(g, r, res, rss_every))
			continue;
		if (done)
			break;
		if (waitpid(child, &st, WNOHANG) == child) {
			if (!WIFEXITED(st) || WEXITSTATUS(st))
				die("workload failed", EIO);
			done = true;	/* one more pass for what it queued last */
			continue;
		}
		poll(&pfd, 1, 50);
	}
}

static void batches(const struct fan_group *g, struct result *res)
{
	struct fan_group_stats st = { .sz = sizeof(st) };

	if (fan_group_get_stats(g, &st) == 0)
		res->batches = st.batches;
}

static void mark(const struct cfg *c, struct fan_group *g)
{
	char path[600];
	int e = 0, i;

	if (c->marks == MARKS_FS)
		e = fan_group_add_mark(g, FAN_MARK_FILESYSTEM, MASK, root);
	else if (c->marks == MARKS_FD)
		e = fan_group_add_mark(g, FAN_MARK_MOUNT, FD_MASK, root);
	else
		e = fan_group_add_mark(g, 0, MASK | FAN_EVENT_ON_CHILD, root);
	for (i = 0; e == 0 && c->marks == MARKS_TREE && i < c->dirs + 2; i++) {
		if (i < c->dirs)
			snprintf(path, sizeof(path), "%s/d%d", root, i);
		else
			snprintf(path, sizeof(path), "%s/mv-%c", root, i == c->dirs ? 'a' : 'b');
		if (access(path, F_OK) == 0)
			e = fan_group_add_mark(g, 0, MASK | FAN_EVENT_ON_CHILD, path);
	}
	if (e < 0)
		die("fan_group_add_mark", -e);
}

static struct result run(const struct cfg *c, bool full, long n, long rss_every, int tag)
{
	struct fan_resolver *r = NULL;
	struct result res = { 0 };
	struct fan_group *g;
	double t0, u0, u1;
	pid_t child;
	int e;

	if (c->marks == MARKS_FD)
		e = fan_group_new(FD_INIT, O_RDONLY | O_CLOEXEC, &g);
	else
		e = fan_group_new(INIT, O_RDONLY, &g);
	if (e < 0)
		die("fan_group_new", -e);
	mark(c, g);
	if (full && (e = fan_resolver_new(g, NULL, &r)) < 0)
		die("fan_resolver_new", -e);
	child = fork();
	if (child == 0)
		workload(n, c->dirs, c->moves, tag);
	t0 = cpu_now_ns(&u0);
	drain(g, r, child, &res, rss_every);
	res.cpu_ns = (cpu_now_ns(&u1) - t0) / (res.events ? res.events : 1);
	res.user_ns = (u1 - u0) / (res.events ? res.events : 1);
	res.iterations = n;
	batches(g, &res);
	fan_resolver_free(r);
	fan_group_free(g);
	return res;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void report_run(const char *mode, int i, const struct result *r)
{
	printf("run %d %-4s: %8lu events in %6lu batches, %7.1f ns CPU/event (user %6.1f), "
	       "%7.1f ns/iteration", i, mode, r->events, r->batches, r->cpu_ns, r->user_ns,
	       r->cpu_ns * r->events / r->iterations);
	if (!strcmp(mode, "full"))
		printf(", %lu partial/failed paths, %lu without comm", r->partial, r->noproc);
	printf("\n");
}

static void cpu_bench(const struct cfg *c)
{
	double raw[64], full[64], mr, mf;
	int i;

	printf("workload: %ld iterations (create, write 512 B, close, unlink) over %d dirs, "
	       "%d runs, marks %s, a directory moved every %ld iterations\n", c->n, c->dirs,
	       c->runs, c->marks == MARKS_FS ? "fs" : c->marks == MARKS_TREE ? "tree" : "fd",
	       c->moves);
	for (i = 0; i < c->runs; i++) {
		struct result a, b;

		if (c->raw) {
			a = run(c, false, c->n, 0, 2 * i);
			raw[i] = a.cpu_ns;
			report_run("raw", i, &a);
		}
		if (c->full) {
			b = run(c, true, c->n, 0, 2 * i + 1);
			full[i] = b.cpu_ns;
			report_run("full", i, &b);
		}
	}
	mr = c->raw ? median(raw, c->runs) : 0;
	mf = c->full ? median(full, c->runs) : 0;
	if (c->raw)
		printf("median raw : %7.1f ns CPU/event\n", mr);
	if (c->full)
		printf("median full: %7.1f ns CPU/event\n", mf);
	if (c->raw && c->full)
		printf("ratio full/raw: %.3f (resolution adds %.1f%%)\n", mf / mr,
		       100.0 * (mf - mr) / mr);
}

/* The resolver's check of a kept path: one name_to_handle_at() of it. */
static void check_cost(const struct cfg *c)
{
	union {
		struct file_handle fh;
		unsigned char space[sizeof(struct file_handle) + 128];
	} u;
	char path[600];
	double v[64], t0, user;
	long i, n = c->n;
	int run, mnt;

	snprintf(path, sizeof(path), "%s/d0", root);
	for (run = 0; run < c->runs; run++) {
		t0 = cpu_now_ns(&user);
		for (i = 0; i < n; i++) {
			u.fh.handle_bytes = 128;
			if (name_to_handle_at(AT_FDCWD, path, &u.fh, &mnt, 0) < 0)
				die("name_to_handle_at", errno);
		}
		v[run] = (cpu_now_ns(&user) - t0) / n;
		printf("run %d: %.1f ns CPU per check of %s\n", run, v[run], path);
	}
	printf("median: %.1f ns CPU per check\n", median(v, c->runs));
}

static void parse(int argc, char **argv, struct cfg *c)
{
	static const struct option lo[] = {
		{ "rss-names", required_argument, NULL, 'R' },
		{ "moves", required_argument, NULL, 'M' },
		{ "check-cost", no_argument, NULL, 'C' }, { NULL, 0, NULL, 0 },
	};
	int o;

	while ((o = getopt_long(argc, argv, "n:r:d:m:k:", lo, NULL)) != -1) {
		switch (o) {
		case 'n': c->n = atol(optarg); break;
		case 'r': c->runs = atoi(optarg); break;
		case 'd': c->dirs = atoi(optarg); break;
		case 'R': c->rss_names = atol(optarg); break;
		case 'M': c->moves = atol(optarg); break;
		case 'C': c->check_cost = true; break;
		case 'k':
			c->marks = !strcmp(optarg, "tree") ? MARKS_TREE
				   : !strcmp(optarg, "fd") ? MARKS_FD : MARKS_FS;
			break;
		case 'm':
			c->raw = strcmp(optarg, "full") != 0;
			c->full = strcmp(optarg, "raw") != 0;
			break;
		default:
			fprintf(stderr, "usage: %s [-n N] [-r RUNS] [-d DIRS] [-m raw|full|both] "
				"[-k fs|tree|fd] [--moves K] [--rss-names M] [--check-cost]\n", argv[0]);
			exit(2);
		}
	}
	if (c->n < 1 || c->runs < 1 || c->runs > 64 || c->dirs < 1)
		die("bad arguments", EINVAL);
}

int main(int argc, char **argv)
{
	struct cfg c = { .n = 200000, .runs = 5, .dirs = 4, .raw = true, .full = true };
	char path[600];
	int i;

	parse(argc, argv, &c);
	setvbuf(stdout, NULL, _IOLBF, 0);
	setup();
	for (i = 0; i < c.dirs; i++) {
		snprintf(path, sizeof(path), "%s/d%d", root, i);
		if (mkdir(path, 0755) < 0)
			die("mkdir", errno);
	}
	snprintf(path, sizeof(path), "%s/mv-a", root);
	if (c.moves && mkdir(path, 0755) < 0)
		die("mkdir", errno);
	if (c.check_cost) {
		check_cost(&c);
	} else if (c.rss_names) {
		printf("reader RSS with full resolution over %ld distinct names:\n", c.rss_names);
		printf("  start            reader RSS %6ld KiB\n", rss_kib());
		struct result res = run(&c, true, c.rss_names, c.rss_names / 10 * 4, 99);

		printf("  end: %lu events  reader RSS %6ld KiB, %lu partial/failed paths\n",
		       res.events, rss_kib(), res.partial);
	} else {
		cpu_bench(&c);
	}
	teardown();
	return 0;
}
