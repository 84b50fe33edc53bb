// SPDX-License-Identifier: MIT
/*
 * proc_attribution: who the library names, method by method, and what it
 * costs, on the short-lived workload of issue 12 (cat and head N times
 * each on one file of a private tmpfs), with no output in the way.
 *
 *   proc_attribution [-n N] [-c CPU] [-w CPU] [-t] [-p] [-r RUNS]
 *
 * The listener (this process, on CPU -c, default 1) reads a FID group with
 * FAN_REPORT_PIDFD and calls fan_resolve_process() once per process per
 * batch (as fanwatch does); the workload runs on CPU -w (default 0).
 * -t: the resolver keeps the process table (LIBFANOTIFY_RESOLVER_PROC_TABLE,
 * read every 50 ms as fanwatch does, and with the batches); -p: after a read, while events
 * keep coming (within 2 ms), sleep 1 ms before the next one, as fanwatch
 * does.  Each run prints one line:
 *   table=0|1 pause=0|1 events=E procs=P verified=V recorded=R unknown=U
 *   wrong=W reaped=D table_ambiguous=A table_untrusted=T cpu_us=C us_per_event=X
 * counted per workload process and batch (the unit fan_resolve_process()
 * is called for); "wrong" compares the name with the command the workload
 * ran under that pid; reaped = given a pidfd but reaped before the lookup
 * (what PIDFD_INFO_EXIT could still describe: exit code, cgroup; no name).
 * CPU is this process's user+sys over the run (the table's start included).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <fanotify/fanotify.h>

#define MAXPROCS 65536

static const char *names[] = { "cat", "head" };
static char *who[MAXPROCS];	/* pid -> command, from the workload's pipe */

static void pin(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	(void)sched_setaffinity(0, sizeof(set), &set);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The workload: cat and head n times each, one after the other; "pid k" lines to fd. */
static void workload(int n, const char *file, int out, int cpu)
{
	int i, k, null = open("/dev/null", O_WRONLY | O_CLOEXEC);

	pin(cpu);
	for (i = 0; i < n; i++) {
		for (k = 0; k < 2; k++) {
			pid_t pid = fork();
			int st;

			if (pid == 0) {
				dup2(null, 1);
				execlp(names[k], names[k], file, (char *)NULL);
				_exit(127);
			}
			waitpid(pid, &st, 0);
			dprintf(out, "%d %d\n", (int)pid, k);
		}
	}
	_exit(0);
}

static void read_map(FILE *f)
{
	int pid, k;

	while (fscanf(f, "%d %d", &pid, &k) == 2)
		if (pid > 0 && pid < MAXPROCS)
			who[pid] = (char *)names[k];
}

struct answer {
	pid_t pid;
	unsigned int flags;
	char comm[16];		/* "" : none */
};

struct tally {
	unsigned long events, n, cap;
	struct answer *a;	/* one per process and batch */
};

/* Once per process and batch, as fanwatch does; the answers kept to check later. */
static void batch(struct fan_group *g, struct fan_resolver *r, struct tally *t, uint64_t seq)
{
	static uint64_t seqs[MAXPROCS];
	struct fan_event *ev;
	struct fan_process p;

	fan_for_each_event(ev, g) {
		pid_t pid = fan_event_pid(ev);
		struct answer *a;

		t->events++;
		if (pid <= 0 || pid >= MAXPROCS || seqs[pid] == seq)
			continue;
		seqs[pid] = seq;
		fan_resolve_process(r, ev, &p);
		if (t->n == t->cap) {
			t->cap = t->cap ? 2 * t->cap : 1024;
			t->a = realloc(t->a, t->cap * sizeof(*t->a));
			if (!t->a)
				exit(1);
		}
		a = &t->a[t->n++];
		*a = (struct answer){ .pid = pid, .flags = p.flags };
		if (p.comm)
			snprintf(a->comm, sizeof(a->comm), "%s", p.comm);
	}
}

/* Counted against the workload's own pid -> command map. */
static void count(const struct tally *t, unsigned long *c)
{
	unsigned long i;

	for (i = 0; i < t->n; i++) {
		const struct answer *a = &t->a[i];

		if (!who[a->pid])
			continue;	/* not the workload's */
		c[0]++;
		if (!a->comm[0])
			c[3]++;
		else if (strcmp(a->comm, who[a->pid]))
			c[4]++;
		else if (a->flags & LIBFANOTIFY_PROC_VERIFIED)
			c[1]++;
		else if (a->flags & LIBFANOTIFY_PROC_RECORDED)
			c[2]++;
	}
}

int main(int argc, char **argv)
{
	int n = 300, lcpu = 1, wcpu = 0, runs = 1, c, run;
	bool table = false, pause = false;
	char dir[] = "/tmp/proc_attribution.XXXXXX", file[64];

	while ((c = getopt(argc, argv, "n:c:w:tpr:")) != -1) {
		switch (c) {
		case 'n': n = atoi(optarg); break;
		case 'c': lcpu = atoi(optarg); break;
		case 'w': wcpu = atoi(optarg); break;
		case 't': table = true; break;
		case 'p': pause = true; break;
		case 'r': runs = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: proc_attribution [-n N] [-c CPU] [-w CPU] [-t] [-p] [-r RUNS]\n");
			return 2;
		}
	}
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    !mkdtemp(dir) || mount("tmpfs", dir, "tmpfs", 0, "size=16m") < 0) {
		perror("proc_attribution: private tmpfs (needs root)");
		return 1;
	}
	snprintf(file, sizeof(file), "%s/a.c", dir);
	close(open(file, O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
	pin(lcpu);
	for (run = 0; run < runs; run++) {
		LIBFANOTIFY_OPTS(fan_resolver_opts, ro, .flags = table ? LIBFANOTIFY_RESOLVER_PROC_TABLE : 0);
		LIBFANOTIFY_OPTS(fan_resolver_proc_stats, st);
		struct tally t = { 0 };
		unsigned long cnt[5] = { 0 };	/* procs, verified, recorded, unknown, wrong */
		struct rusage r0, r1;
		struct fan_group *g;
		struct fan_resolver *r;
		struct pollfd fds[1];
		int pipefd[2], status;
		double last = 0, table_read = 0;
		uint64_t seq = 0;
		pid_t wl;
		FILE *map;

		getrusage(RUSAGE_SELF, &r0);
		if (fan_group_new(FAN_CLOEXEC | FAN_NONBLOCK | FAN_REPORT_FID | FAN_REPORT_DFID_NAME |
				  FAN_REPORT_PIDFD, O_RDONLY | O_CLOEXEC, &g) < 0 ||
		    fan_resolver_new(g, &ro, &r) < 0 ||
		    fan_group_add_mark(g, 0, FAN_OPEN | FAN_CLOSE_NOWRITE | FAN_EVENT_ON_CHILD, dir) < 0) {
			perror("proc_attribution: group");
			return 1;
		}
		if (pipe2(pipefd, O_CLOEXEC) < 0)
			return 1;
		wl = fork();
		if (wl == 0)
			workload(n, file, pipefd[1], wcpu);
		close(pipefd[1]);
		fds[0] = (struct pollfd){ .fd = fan_group_fd(g), .events = POLLIN };
		for (;;) {
			int got = 0, k;

			if (poll(fds, 1, 50) == 0 && waitpid(wl, &status, WNOHANG) == wl)
				break;
			if (now_s() - table_read >= 0.05) {
				fan_resolver_read(r);	/* -ENODATA without the table */
				table_read = now_s();
			}
			while ((k = fan_group_read(g)) > 0) {
				got += k;
				batch(g, r, &t, ++seq);
			}
			if (got && pause && now_s() - last < 0.002) {
				struct timespec ms = { .tv_nsec = 1000000 };

				nanosleep(&ms, NULL);
			}
			if (got)
				last = now_s();
		}
		/* the rest of the queue */
		while (fan_group_read(g) > 0)
			batch(g, r, &t, ++seq);
		getrusage(RUSAGE_SELF, &r1);
		map = fdopen(pipefd[0], "r");
		read_map(map);
		fclose(map);
		count(&t, cnt);
		free(t.a);
		fan_resolver_get_proc_stats(r, &st);
		printf("table=%d pause=%d events=%lu procs=%lu verified=%lu recorded=%lu unknown=%lu "
		       "wrong=%lu reaped=%llu table_ambiguous=%llu table_untrusted=%llu cpu_us=%ld "
		       "us_per_event=%.2f\n",
		       table && st.table == 0, pause, t.events, cnt[0], cnt[1], cnt[2], cnt[3], cnt[4],
		       (unsigned long long)st.reaped, (unsigned long long)st.ambiguous,
		       (unsigned long long)st.untrusted,
		       (long)((r1.ru_utime.tv_sec - r0.ru_utime.tv_sec + r1.ru_stime.tv_sec -
			       r0.ru_stime.tv_sec) * 1000000 + r1.ru_utime.tv_usec - r0.ru_utime.tv_usec +
			      r1.ru_stime.tv_usec - r0.ru_stime.tv_usec),
		       t.events ? ((double)(r1.ru_utime.tv_sec - r0.ru_utime.tv_sec + r1.ru_stime.tv_sec -
					    r0.ru_stime.tv_sec) * 1e6 +
				   (double)(r1.ru_utime.tv_usec - r0.ru_utime.tv_usec +
					    r1.ru_stime.tv_usec - r0.ru_stime.tv_usec)) / (double)t.events
				: 0.0);
		fflush(stdout);
		fan_resolver_free(r);
		fan_group_free(g);
	}
	umount2(dir, MNT_DETACH);
	rmdir(dir);
	return 0;
}
