// SPDX-License-Identifier: MIT
/*
 * workload: the load generator of the listener benchmarks.
 *
 * In DIR, loop: create a file, write SIZE bytes (512), close it, unlink
 * it.  Names are distinct (DIR/d<i % ndirs>/f<i>) and spread over a few
 * subdirectories, so a listener that resolves paths sees several parent
 * directories.  Each iteration makes four events a listener can report:
 * create, modify, close_write, delete (and an open).
 *
 *   workload [-n N] [-r RATE] [-d NDIRS] [-s SIZE] [-c CPU] [--prepare] DIR
 *
 * -n N       iterations (default 100000)
 * -r RATE    iterations per second, paced with clock_nanosleep() against
 *            absolute deadlines (0 or "max": as fast as possible)
 * -d NDIRS   subdirectories d0..d<NDIRS-1> (default 4), created if missing
 * -c CPU     pin to this CPU (sched_setaffinity)
 * --prepare  only create the subdirectories and exit
 *
 * At the end (or on SIGINT/SIGTERM) it prints one key=value line:
 *   workload: pid=P iterations=I elapsed=S rate=R target=T dirs=D cpu=C
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct config {
	unsigned long iterations;
	double rate;		/* iterations/s, 0 = as fast as possible */
	unsigned int ndirs;
	size_t size;
	int cpu;		/* -1: not pinned */
	bool prepare_only;
	const char *dir;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void die(const char *what, const char *path)
{
	fprintf(stderr, "workload: %s %s: %s\n", what, path ? path : "", strerror(errno));
	exit(1);
}

static void usage(int status)
{
	fprintf(status ? stderr : stdout,
		"usage: workload [-n N] [-r RATE|max] [-d NDIRS] [-s SIZE] [-c CPU] [--prepare] DIR\n");
	exit(status);
}

static unsigned long parse_ulong(const char *s, const char *what)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end) {
		fprintf(stderr, "workload: bad %s: %s\n", what, s);
		exit(2);
	}
	return v;
}

static void parse_args(int argc, char **argv, struct config *c)
{
	static const struct option opts[] = {
		{ "iterations", required_argument, NULL, 'n' },
		{ "rate", required_argument, NULL, 'r' },
		{ "dirs", required_argument, NULL, 'd' },
		{ "size", required_argument, NULL, 's' },
		{ "cpu", required_argument, NULL, 'c' },
		{ "prepare", no_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int o;

	*c = (struct config){ .iterations = 100000, .ndirs = 4, .size = 512, .cpu = -1 };
	while ((o = getopt_long(argc, argv, "n:r:d:s:c:h", opts, NULL)) != -1) {
		switch (o) {
		case 'n': c->iterations = parse_ulong(optarg, "iterations"); break;
		case 'r': c->rate = strcmp(optarg, "max") ? (double)parse_ulong(optarg, "rate") : 0; break;
		case 'd': c->ndirs = (unsigned int)parse_ulong(optarg, "dirs"); break;
		case 's': c->size = parse_ulong(optarg, "size"); break;
		case 'c': c->cpu = (int)parse_ulong(optarg, "cpu"); break;
		case 'P': c->prepare_only = true; break;
		case 'h': usage(0); break;
		default: usage(2);
		}
	}
	if (optind != argc - 1 || c->ndirs == 0 || c->size > 65536)
		usage(2);
	c->dir = argv[optind];
}

static void prepare_dirs(const struct config *c)
{
	char path[4096];
	unsigned int i;

	for (i = 0; i < c->ndirs; i++) {
		snprintf(path, sizeof(path), "%s/d%u", c->dir, i);
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			die("mkdir", path);
	}
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) < 0)
		die("sched_setaffinity", NULL);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One iteration: create, write, close, unlink. */
static void one_file(const struct config *c, unsigned long i, const char *data)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/d%lu/f%lu", c->dir, i % c->ndirs, i);
	fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
	if (fd < 0)
		die("create", path);
	if (write(fd, data, c->size) != (ssize_t)c->size)
		die("write", path);
	if (close(fd) < 0)
		die("close", path);
	if (unlink(path) < 0)
		die("unlink", path);
}

static struct timespec ts_add(struct timespec t, double sec)
{
	long long ns = t.tv_nsec + (long long)(sec * 1e9);

	t.tv_sec += ns / 1000000000LL;
	t.tv_nsec = ns % 1000000000LL;
	return t;
}

/*
 * Pacing: iteration i is due at start + i/rate.  Sleeping before every
 * iteration would cost more than the iteration itself at 50k/s, so the
 * process sleeps only at chunk boundaries (about every millisecond) until
 * the chunk's absolute deadline; a late chunk does not sleep, so the rate
 * catches up instead of drifting.
 */
static unsigned long run(const struct config *c)
{
	unsigned long chunk = c->rate > 1000 ? (unsigned long)(c->rate / 1000) : 1;
	struct timespec start, due;
	char data[65536];
	unsigned long i;

	memset(data, 'x', c->size);
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (i = 0; i < c->iterations && !stop; i++) {
		if (c->rate > 0 && i % chunk == 0) {
			due = ts_add(start, (double)i / c->rate);
			while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &due, NULL) == EINTR && !stop)
				;
		}
		one_file(c, i, data);
	}
	return i;
}

int main(int argc, char **argv)
{
	struct config c;
	unsigned long done;
	double t0, elapsed;

	setvbuf(stdout, NULL, _IOLBF, 0);
	parse_args(argc, argv, &c);
	prepare_dirs(&c);
	if (c.prepare_only)
		return 0;
	if (c.cpu >= 0)
		pin(c.cpu);
	/* Default timer slack (50 us) would blur pacing at tens of thousands per second. */
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	t0 = now();
	done = run(&c);
	elapsed = now() - t0;
	printf("workload: pid=%d iterations=%lu elapsed=%.6f rate=%.0f target=%.0f dirs=%u cpu=%d\n",
	       (int)getpid(), done, elapsed, elapsed > 0 ? done / elapsed : 0.0, c.rate, c.ndirs,
	       c.cpu);
	return done == c.iterations ? 0 : 1;
}
