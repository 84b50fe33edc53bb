// SPDX-License-Identifier: MIT
/*
 * perm_latency: what a permission listener adds to open().
 *
 * Times open(O_RDONLY)+close() of one file on a private tmpfs, in a private
 * mount namespace, with:
 *   none      no listener
 *   raw       plain syscalls: FAN_CLASS_CONTENT fd-mode group, FAN_OPEN_PERM
 *             inode mark (with FAN_EVENT_ON_CHILD) on the directory, every
 *             event answered FAN_ALLOW then its fd closed
 *   lib       the same through libfanotify: fan_group_read(),
 *             fan_event_respond(FAN_ALLOW) (the library closes the fds)
 *   fanwatch  fanwatch --deny 'nomatch*' DIR (nothing matches: all allowed;
 *             it also reports each open, as a user running it would see)
 *   fanwatch-q the same with -e create: nothing reported, the permission
 *             path alone
 *   fanwatch-nc fanwatch-q with the glob '/nomatch/' followed by '*': a glob
 *             with '/' turns fanwatch's verdict cache off, so every open
 *             costs a path lookup (what a file opened for the first time,
 *             or with two links, costs)
 * each with the listener on the workload's CPU (same) and on the other CPU
 * (cross).  Configurations are interleaved run by run, so drift on a noisy
 * machine spreads over all of them.  Per run: the median of N timed
 * open+close pairs (after a warm-up); per configuration: the median of the
 * runs' medians, and the latency added over "none" at the same placement.
 *
 *   perm_latency [-n OPENS] [-R RUNS] [-l none,raw,lib,fanwatch,fanwatch-q,fanwatch-nc]
 *                [-p same,cross]
 *                [--fanwatch PATH] [-o OUTDIR] [-t TIMEOUT] [--cpus A,B]
 *
 * The raw and lib listeners are this program again ("--serve KIND ...",
 * internal), exec'd in the forked child: a fresh process a profiler can
 * count on its own (bench/instructions.sh runs this under callgrind).
 *
 * Safety: the permission mark is only ever on the private tmpfs; every run
 * is bounded by an alarm that kills the listener (by pid) and unmounts; the
 * listener also dies with us (PR_SET_PDEATHSIG), and a closed group lets
 * every pending open through.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <fanotify/fanotify.h>

enum listener { L_NONE, L_RAW, L_LIB, L_FANWATCH, L_FANWATCH_QUIET, L_FANWATCH_NOCACHE, L_COUNT };
enum placement { P_SAME, P_CROSS, P_COUNT };

static const char *const listener_names[L_COUNT] = { "none", "raw", "lib", "fanwatch",
						      "fanwatch-q", "fanwatch-nc" };

static bool is_fanwatch(int l)
{
	return l == L_FANWATCH || l == L_FANWATCH_QUIET || l == L_FANWATCH_NOCACHE;
}
static const char *const placement_names[P_COUNT] = { "same", "cross" };

#define MAX_RUNS 50

struct config {
	unsigned long opens, warmup;
	unsigned int runs, timeout;
	bool use[L_COUNT], place[P_COUNT];
	int cpu_work, cpu_other;
	const char *fanwatch, *outdir;
};

struct result {
	uint64_t median[MAX_RUNS], mean[MAX_RUNS], p99[MAX_RUNS];
	uint64_t by_run[MAX_RUNS];	/* median of run i, 0 if it failed: for paired ratios */
	unsigned int n;
	bool failed;
};

static char mnt[256], watched[300], target[320];
static volatile pid_t listener_pid = -1;
/* Events answered by the raw and lib listeners (a shared memfd page), a sanity check. */
static volatile uint64_t *answered;
static int answered_fd = -1;
/* Our own binary: the raw and lib listeners are exec'd from it ("--serve"), so
 * that each is a fresh process (profilers then count only the listener). */
static char self_exe[4096];

/* ---- safety: cleanup on every exit path, alarm-bounded runs ---- */

static void cleanup(void)
{
	if (listener_pid > 0) {
		kill(listener_pid, SIGKILL);
		waitpid(listener_pid, NULL, 0);
		listener_pid = -1;
	}
	if (mnt[0] && umount2(mnt, MNT_DETACH) == 0)
		rmdir(mnt);
}

static void on_alarm(int sig)
{
	static const char msg[] = "perm_latency: run timed out; listener killed\n";

	(void)sig;
	(void)!write(2, msg, sizeof(msg) - 1);
	if (listener_pid > 0)
		kill(listener_pid, SIGKILL);
	if (mnt[0])
		umount2(mnt, MNT_DETACH);
	_exit(1);
}

static void die(const char *what)
{
	fprintf(stderr, "perm_latency: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* Private mount namespace first (before any thread or child), then the tmpfs. */
static void private_tmpfs(void)
{
	char tmpl[] = "/tmp/perm_latency.XXXXXX";
	int fd;

	if (unshare(CLONE_NEWNS) < 0)
		die("unshare(CLONE_NEWNS) (needs CAP_SYS_ADMIN)");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		die("making / private");
	if (!mkdtemp(tmpl))
		die("mkdtemp");
	if (mount("tmpfs", tmpl, "tmpfs", 0, "mode=0755,size=16m") < 0) {
		rmdir(tmpl);
		die("mount tmpfs");
	}
	snprintf(mnt, sizeof(mnt), "%s", tmpl);
	atexit(cleanup);
	snprintf(watched, sizeof(watched), "%s/w", mnt);
	snprintf(target, sizeof(target), "%s/file", watched);
	if (mkdir(watched, 0755) < 0)
		die("mkdir");
	fd = open(target, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, "data\n", 5) != 5)
		die("creating the file");
	close(fd);
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) < 0)
		die("sched_setaffinity");
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- the listeners (children) ---- */

static void ready(int pipefd)
{
	(void)!write(pipefd, "r", 1);
	close(pipefd);
}

static void answer_raw(int gfd, const unsigned char *buf, ssize_t len)
{
	struct fanotify_event_metadata md;
	struct fanotify_response resp;
	ssize_t off = 0;

	while (off + (ssize_t)sizeof(md) <= len) {
		memcpy(&md, buf + off, sizeof(md));
		if (md.event_len < sizeof(md))
			_exit(3);
		if (md.mask & FAN_OPEN_PERM) {
			/* Counted first: the opener may run and kill us as soon as we answer. */
			__atomic_add_fetch(answered, 1, __ATOMIC_RELAXED);
			resp = (struct fanotify_response){ .fd = md.fd, .response = FAN_ALLOW };
			if (write(gfd, &resp, sizeof(resp)) != sizeof(resp))
				_exit(4);
		}
		if (md.fd >= 0)
			close(md.fd);
		off += md.event_len;
	}
}

static void raw_listener(int pipefd)
{
	unsigned char buf[64 * 1024] __attribute__((aligned(8)));
	int gfd = fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC, O_RDONLY | O_LARGEFILE);
	ssize_t len;

	if (gfd < 0 || fanotify_mark(gfd, FAN_MARK_ADD, FAN_OPEN_PERM | FAN_EVENT_ON_CHILD,
				     AT_FDCWD, watched) < 0)
		_exit(2);
	ready(pipefd);
	for (;;) {
		len = read(gfd, buf, sizeof(buf));
		if (len < 0 && errno == EINTR)
			continue;
		if (len < 0)
			_exit(5);
		answer_raw(gfd, buf, len);
	}
}

static void lib_listener(int pipefd)
{
	struct fan_group *g;
	struct fan_event *ev;
	int n;

	if (fan_group_new(FAN_CLASS_CONTENT | FAN_CLOEXEC, O_RDONLY | O_LARGEFILE, &g) < 0 ||
	    fan_group_add_mark(g, 0, FAN_OPEN_PERM | FAN_EVENT_ON_CHILD, watched) < 0)
		_exit(2);
	ready(pipefd);
	for (;;) {
		n = fan_group_read(g);
		if (n == -EINTR)
			continue;
		if (n < 0)
			_exit(5);
		fan_for_each_event(ev, g) {
			if (!fan_event_needs_answer(ev))
				continue;
			__atomic_add_fetch(answered, 1, __ATOMIC_RELAXED);
			if (fan_event_respond(g, ev, FAN_ALLOW, NULL) < 0)
				_exit(4);
		}
	}
}

/*
 * fanwatch: its stderr goes to a log whose first line says the marks are in
 * place.  "quiet" adds -e create: nothing to report for opens, so only the
 * permission path is left.
 */
static void fanwatch_listener(const struct config *c, int logfd, const char *out,
			      enum listener l)
{
	char nomatch[PATH_MAX + 16];

	if (dup2(logfd, 2) < 0)
		_exit(2);
	/* a rule with '/' under the watched directory (fanwatch refuses one that can never match) */
	snprintf(nomatch, sizeof(nomatch), "%s/nomatch/*", watched);
	if (l == L_FANWATCH_QUIET)
		execl(c->fanwatch, c->fanwatch, "--deny", "nomatch*", "-e", "create", "-o", out,
		      watched, (char *)NULL);
	else if (l == L_FANWATCH_NOCACHE)
		execl(c->fanwatch, c->fanwatch, "--deny", nomatch, "-e", "create", "-o", out,
		      watched, (char *)NULL);
	else
		execl(c->fanwatch, c->fanwatch, "--deny", "nomatch*", "-o", out, watched,
		      (char *)NULL);
	_exit(127);
}

/* Child: become "perm_latency --serve KIND DIR READY_FD COUNTER_FD". */
static void serve_exec(enum listener l, int pipefd)
{
	char rfd[16], cfd[16];

	snprintf(rfd, sizeof(rfd), "%d", pipefd);
	snprintf(cfd, sizeof(cfd), "%d", answered_fd);
	if (fcntl(pipefd, F_SETFD, 0) < 0 || fcntl(answered_fd, F_SETFD, 0) < 0)
		_exit(2);
	execl(self_exe, "perm_latency", "--serve", listener_names[l], watched, rfd, cfd,
	      (char *)NULL);
	_exit(127);
}

/* The exec'd listener: map the shared counter, run the loop (never returns). */
static int serve(char **argv)
{
	int cfd = atoi(argv[5]);

	snprintf(watched, sizeof(watched), "%s", argv[3]);
	answered = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, cfd, 0);
	if (answered == MAP_FAILED)
		return 2;
	close(cfd);
	if (!strcmp(argv[2], "raw"))
		raw_listener(atoi(argv[4]));
	if (!strcmp(argv[2], "lib"))
		lib_listener(atoi(argv[4]));
	return 2;
}

static bool wait_pipe(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char ch;

	return poll(&p, 1, ms) == 1 && read(fd, &ch, 1) == 1;
}

/* A whole line from fanwatch itself (not a profiler's banner) in the log? */
static bool has_fanwatch_line(const char *buf)
{
	const char *p = buf;

	while ((p = strstr(p, "fanwatch:")))
		if ((p == buf || p[-1] == '\n') && strchr(p, '\n'))
			return true;
		else
			p++;
	return false;
}

/* Ready when fanwatch said so on stderr; false if it died or took > 30 s. */
static bool wait_log_line(const char *log, pid_t pid)
{
	char buf[16384];
	int i, fd;
	ssize_t n;

	for (i = 0; i < 3000; i++) {
		fd = open(log, O_RDONLY | O_CLOEXEC);
		n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
		if (fd >= 0)
			close(fd);
		buf[n > 0 ? n : 0] = '\0';
		if (has_fanwatch_line(buf))
			return true;
		if (waitpid(pid, NULL, WNOHANG) == pid) {
			listener_pid = -1;
			return false;
		}
		usleep(10000);
	}
	return false;
}

static void log_paths(const struct config *c, enum listener l, unsigned int run,
		      enum placement p, char *log, char *out, size_t size)
{
	snprintf(log, size, "%s/%s-%s-%u.stderr", c->outdir, listener_names[l], placement_names[p],
		 run);
	snprintf(out, size, "%s/%s-%s-%u.out", c->outdir, listener_names[l], placement_names[p], run);
}

static bool start_listener(const struct config *c, enum listener l, int cpu, unsigned int run,
			   enum placement p)
{
	char log[512], out[512];
	int pfd[2], logfd;
	pid_t pid;
	bool ok;

	if (l == L_NONE)
		return true;
	log_paths(c, l, run, p, log, out, sizeof(log));
	/* Emptied before the fork: a previous run's log must never look like "ready". */
	logfd = open(log, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644);
	if (logfd < 0)
		die(log);
	if (pipe2(pfd, O_CLOEXEC) < 0)
		die("pipe");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(pfd[0]);
		pin(cpu);
		if (is_fanwatch(l))
			fanwatch_listener(c, logfd, out, l);
		serve_exec(l, pfd[1]);
	}
	listener_pid = pid;
	close(logfd);
	close(pfd[1]);
	ok = is_fanwatch(l) ? wait_log_line(log, pid) : wait_pipe(pfd[0], 10000);
	close(pfd[0]);
	return ok;
}

/*
 * SIGINT to fanwatch (it prints its summary), SIGTERM to ours (so that a
 * listener run under valgrind still writes its profile), SIGKILL if either
 * lingers for 5 s.
 */
static void stop_listener(enum listener l)
{
	int i;

	if (listener_pid <= 0)
		return;
	kill(listener_pid, is_fanwatch(l) ? SIGINT : SIGTERM);
	for (i = 0; i < 5000; i++) {
		if (waitpid(listener_pid, NULL, WNOHANG) == listener_pid) {
			listener_pid = -1;
			return;
		}
		usleep(1000);
	}
	kill(listener_pid, SIGKILL);
	waitpid(listener_pid, NULL, 0);
	listener_pid = -1;
}

/* ---- the measurement ---- */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void open_close(void)
{
	int fd = open(target, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		die("open");
	close(fd);
}

/* Time n open+close pairs; returns median, mean and p99 in ns. */
static void measure(unsigned long n, unsigned long warmup, uint64_t *lat, uint64_t *median,
		    uint64_t *mean, uint64_t *p99)
{
	uint64_t t0, sum = 0;
	unsigned long i;

	for (i = 0; i < warmup; i++)
		open_close();
	for (i = 0; i < n; i++) {
		t0 = now_ns();
		open_close();
		lat[i] = now_ns() - t0;
		sum += lat[i];
	}
	qsort(lat, n, sizeof(*lat), cmp_u64);
	*median = lat[n / 2];
	*mean = sum / n;
	*p99 = lat[n * 99 / 100];
}

static void one_run(const struct config *c, enum listener l, enum placement p, unsigned int run,
		    uint64_t *lat, struct result *r)
{
	int cpu = p == P_SAME ? c->cpu_work : c->cpu_other;
	uint64_t before = *answered;
	unsigned int k = r->n;
	pid_t lpid;

	alarm(c->timeout);
	if (!start_listener(c, l, cpu, run, p)) {
		fprintf(stderr, "perm_latency: %s listener did not become ready\n", listener_names[l]);
		stop_listener(l);
		r->failed = true;
		alarm(0);
		return;
	}
	lpid = listener_pid;
	measure(c->opens, c->warmup, lat, &r->median[k], &r->mean[k], &r->p99[k]);
	stop_listener(l);
	alarm(0);
	r->n++;
	r->by_run[run - 1] = r->median[k];
	printf("run listener=%s placement=%s run=%u opens=%lu median_ns=%llu mean_ns=%llu "
	       "p99_ns=%llu answered=%llu listener_pid=%d\n",
	       listener_names[l], placement_names[p], run, c->opens,
	       (unsigned long long)r->median[k], (unsigned long long)r->mean[k],
	       (unsigned long long)r->p99[k], (unsigned long long)(*answered - before), (int)lpid);
	if ((l == L_RAW || l == L_LIB) && *answered - before < c->opens + c->warmup) {
		fprintf(stderr, "perm_latency: %s answered fewer events than opens\n",
			listener_names[l]);
		r->failed = true;
	}
}

static uint64_t median_of(const uint64_t *v, unsigned int n)
{
	uint64_t tmp[MAX_RUNS];

	memcpy(tmp, v, n * sizeof(*v));
	qsort(tmp, n, sizeof(*tmp), cmp_u64);
	return n % 2 ? tmp[n / 2] : (tmp[n / 2 - 1] + tmp[n / 2]) / 2;
}

static uint64_t min_of(const uint64_t *v, unsigned int n)
{
	uint64_t m = v[0];

	while (n--)
		m = v[n] < m ? v[n] : m;
	return m;
}

static uint64_t max_of(const uint64_t *v, unsigned int n)
{
	uint64_t m = v[0];

	while (n--)
		m = v[n] > m ? v[n] : m;
	return m;
}

/*
 * Paired comparison: per run, (added by l) / (added by raw) - 1, with the
 * three measured back to back; the median over runs.  Slow drift of a
 * shared machine cancels out of it better than out of the plain medians.
 */
static bool paired(const struct result res[L_COUNT], int l, unsigned int runs, double *out)
{
	double v[MAX_RUNS], t;
	unsigned int i, j, n = 0;

	for (i = 0; i < runs; i++) {
		double base = (double)res[L_NONE].by_run[i];
		double raw = (double)res[L_RAW].by_run[i] - base;

		if (!res[L_NONE].by_run[i] || !res[L_RAW].by_run[i] || !res[l].by_run[i] || raw <= 0)
			continue;
		v[n++] = ((double)res[l].by_run[i] - base) / raw - 1;
	}
	if (!n)
		return false;
	for (i = 1; i < n; i++)		/* insertion sort: a handful of values */
		for (j = i; j > 0 && v[j - 1] > v[j]; j--)
			t = v[j], v[j] = v[j - 1], v[j - 1] = t;
	*out = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	return true;
}

static void report(const struct config *c, struct result res[L_COUNT][P_COUNT])
{
	struct result col[L_COUNT];
	double pr;
	int l, p;

	printf("\n%-10s %-6s %10s %17s %9s %10s %13s %8s\n", "listener", "cpus", "median_ns",
	       "runs min..max", "p99_ns", "added_ns", "added_vs_raw", "paired");
	for (p = 0; p < P_COUNT; p++) {
		double base, raw_added = -1;

		if (!c->place[p] || !res[L_NONE][p].n)
			continue;
		base = (double)median_of(res[L_NONE][p].median, res[L_NONE][p].n);
		if (res[L_RAW][p].n)
			raw_added = median_of(res[L_RAW][p].median, res[L_RAW][p].n) - base;
		for (l = 0; l < L_COUNT; l++) {
			const struct result *r = &res[l][p];
			double med, added;

			if (!c->use[l] || !r->n) {
				if (c->use[l])
					printf("%-10s %-6s %10s\n", listener_names[l], placement_names[p],
					       is_fanwatch(l) && !c->fanwatch ? "skipped" : "failed");
				continue;
			}
			med = (double)median_of(r->median, r->n);
			added = med - base;
			printf("%-10s %-6s %10.0f %8llu..%-8llu %9llu %10.0f", listener_names[l],
			       placement_names[p], med, (unsigned long long)min_of(r->median, r->n),
			       (unsigned long long)max_of(r->median, r->n),
			       (unsigned long long)median_of(r->p99, r->n), added);
			if (l > L_RAW && raw_added > 0)
				printf(" %+12.1f%%", 100.0 * (added - raw_added) / raw_added);
			for (int k = 0; k < L_COUNT; k++)
				col[k] = res[k][p];
			if (l > L_RAW && paired(col, l, c->runs, &pr))
				printf(" %+7.1f%%", 100.0 * pr);
			printf("%s\n", r->failed ? "  (some runs failed)" : "");
		}
	}
	printf("(median of %u runs x %lu open+close; added = minus \"none\" at the same placement;\n"
	       " added_vs_raw = how much more than the raw listener adds; target <= +10%%;\n"
	       " paired = the same, run by run against the raw run next to it, median)\n",
	       c->runs, c->opens);
}

/* ---- options ---- */

static void usage(int status)
{
	fprintf(status ? stderr : stdout,
		"usage: perm_latency [-n OPENS] [-R RUNS]\n"
		"                    [-l none,raw,lib,fanwatch,fanwatch-q,fanwatch-nc]\n"
		"                    [-p same,cross]\n"
		"                    [--fanwatch PATH] [-o OUTDIR] [-t TIMEOUT] [--cpus A,B]\n");
	exit(status);
}

static void parse_list(char *s, const char *const *names, int count, bool *use)
{
	char *tok, *save = NULL;
	int i;

	memset(use, 0, count * sizeof(*use));
	for (tok = strtok_r(s, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < count && strcmp(names[i], tok); i++)
			;
		if (i == count) {
			fprintf(stderr, "perm_latency: unknown %s\n", tok);
			exit(2);
		}
		use[i] = true;
	}
}

static void parse_args(int argc, char **argv, struct config *c)
{
	static const struct option opts[] = {
		{ "fanwatch", required_argument, NULL, 'F' },
		{ "cpus", required_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int o;

	*c = (struct config){ .opens = 20000, .warmup = 2000, .runs = 5, .timeout = 60,
			      .use = { true, true, true, true, true, true }, .place = { true, true },
			      .cpu_work = 0, .cpu_other = 1, .outdir = "/tmp" };
	while ((o = getopt_long(argc, argv, "n:R:l:p:o:t:h", opts, NULL)) != -1) {
		switch (o) {
		case 'n': c->opens = strtoul(optarg, NULL, 10); break;
		case 'R': c->runs = (unsigned int)strtoul(optarg, NULL, 10); break;
		case 'l': parse_list(optarg, listener_names, L_COUNT, c->use); break;
		case 'p': parse_list(optarg, placement_names, P_COUNT, c->place); break;
		case 'o': c->outdir = optarg; break;
		case 't': c->timeout = (unsigned int)strtoul(optarg, NULL, 10); break;
		case 'F': c->fanwatch = optarg; break;
		case 'C':
			if (sscanf(optarg, "%d,%d", &c->cpu_work, &c->cpu_other) != 2)
				usage(2);
			break;
		case 'h': usage(0); break;
		default: usage(2);
		}
	}
	if (optind != argc || !c->opens || !c->runs || c->runs > MAX_RUNS || !c->timeout)
		usage(2);
	c->use[L_NONE] = true;	/* the baseline every other figure needs */
}

static void check_fanwatch(struct config *c)
{
	if (!c->use[L_FANWATCH] && !c->use[L_FANWATCH_QUIET] && !c->use[L_FANWATCH_NOCACHE])
		return;
	if (!c->fanwatch || access(c->fanwatch, X_OK) < 0) {
		printf("fanwatch not built: skipped\n");
		c->fanwatch = NULL;
		c->use[L_FANWATCH] = c->use[L_FANWATCH_QUIET] = c->use[L_FANWATCH_NOCACHE] = false;
	}
}

int main(int argc, char **argv)
{
	static struct result res[L_COUNT][P_COUNT];
	struct config c;
	uint64_t *lat;
	unsigned int run;
	int i, l, p;

	if (argc == 6 && !strcmp(argv[1], "--serve"))
		return serve(argv);
	setvbuf(stdout, NULL, _IOLBF, 0);
	parse_args(argc, argv, &c);
	check_fanwatch(&c);
	signal(SIGALRM, on_alarm);
	if (readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1) < 0)
		die("readlink /proc/self/exe");
	answered_fd = memfd_create("perm_latency-answered", MFD_CLOEXEC);
	if (answered_fd < 0 || ftruncate(answered_fd, 4096) < 0)
		die("memfd");
	answered = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, answered_fd, 0);
	lat = calloc(c.opens, sizeof(*lat));
	if (answered == MAP_FAILED || !lat)
		die("memory");
	private_tmpfs();
	pin(c.cpu_work);
	printf("perm_latency: file %s, %lu opens x %u runs, workload cpu %d, other cpu %d\n",
	       target, c.opens, c.runs, c.cpu_work, c.cpu_other);
	/* Listeners in forward order on odd runs, backward on even ones: no fixed neighbour. */
	for (run = 1; run <= c.runs; run++)
		for (p = 0; p < P_COUNT; p++)
			for (i = 0; i < L_COUNT; i++) {
				l = run % 2 ? i : L_COUNT - 1 - i;
				if (c.place[p] && c.use[l])
					one_run(&c, l, p, run, lat, &res[l][p]);
			}
	report(&c, res);
	free(lat);
	return 0;
}
