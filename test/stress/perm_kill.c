// SPDX-License-Identifier: MIT
/*
 * Permission listeners killed with SIGKILL at random moments.
 *
 *   stress-perm-kill lib
 *   stress-perm-kill fanwatch FANWATCH
 *
 * 8 opener threads (another process) open and read files under the mark
 * for the whole run.  STRESS_KILLS times (default 50) a listener is
 * started (a libfanotify listener answering from 2 worker threads with a
 * small random delay, or fanwatch --deny 'deny-*'), left running for a
 * random 0-100 ms, then, once at least one opener is seen waiting for a
 * permission answer (wchan in fanotify), killed with SIGKILL.  One kill in
 * five comes instead at a random moment of the listener's start, before
 * its marks are all in place.  STRESS_SEED makes the moments repeatable.
 *
 * Checked: after each kill no opener stays blocked: within RECOVER_MS no
 * thread waits in fanotify and every thread has completed an open after
 * the kill; no open of an allow-* file ever failed (the listener allows
 * them, the kernel allows what a dead listener left pending); the slowest
 * open returned within RECOVER_MS too.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <fanotify/fanotify.h>

#include "stress.h"

/*
 * A bound for a freeze, not a speed: an opener a dead listener left
 * blocked never returns; on a loaded machine (sanitizers, 2 cores shared)
 * a healthy recovery has taken over 3 s.  The figures are printed.
 */
#define RECOVER_MS 20000
#define OPENER_THREADS 8

static char top[256], dir[300], logdir[300];
static const char *fanwatch;
static unsigned int seed;

/* ---- the libfanotify listener (a child process) ---- */

static struct fan_group *lg;
static int lpipe[2];	/* deferred events, reader -> workers */

static void *lworker(void *arg)
{
	unsigned int s = (unsigned int)(uintptr_t)arg;
	struct fan_perm *p;

	while (read(lpipe[0], &p, sizeof(p)) == sizeof(p)) {
		/* keep answers pending a little, so that kills find some */
		st_sleep_ms((double)(rand_r(&s) % 2000) / 1000.0);
		fan_perm_respond(p, FAN_ALLOW, NULL);
	}
	return NULL;
}

static void lreader(void)
{
	struct pollfd pfd = { .fd = fan_group_fd(lg), .events = POLLIN };
	struct fan_event *ev;
	struct fan_perm *p;

	for (;;) {
		if (poll(&pfd, 1, -1) <= 0 || fan_group_read(lg) < 0)
			continue;
		fan_for_each_event(ev, lg)
			if (fan_event_defer(lg, ev, &p) == 0 && write(lpipe[1], &p, sizeof(p)) < 0)
				_exit(3);
	}
}

static void lib_listener(void *arg)
{
	int ready = (int)(intptr_t)arg;
	pthread_t w[2];
	int i;

	if (fan_group_new(FAN_CLASS_CONTENT | FAN_CLOEXEC, O_RDONLY | O_CLOEXEC, &lg) < 0 ||
	    fan_group_add_mark(lg, 0, FAN_OPEN_PERM | FAN_ACCESS_PERM | FAN_EVENT_ON_CHILD,
			       dir) < 0 || pipe2(lpipe, O_CLOEXEC) < 0)
		_exit(2);
	for (i = 0; i < 2; i++)
		if (pthread_create(&w[i], NULL, lworker, (void *)(uintptr_t)(seed + i)) != 0)
			_exit(2);
	if (write(ready, "r", 1) != 1)
		_exit(2);
	close(ready);
	lreader();
}

/* Start the libfanotify listener; *ready_fd becomes readable once it is marked. */
static pid_t start_lib(int *ready_fd)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		th_fail("pipe: %s", strerror(errno));
	pid = th_spawn(lib_listener, (void *)(intptr_t)p[1]);
	close(p[1]);
	*ready_fd = p[0];
	return pid;
}

/* ---- fanwatch --deny ---- */

static pid_t start_fanwatch(int *ready_fd)
{
	char err[400];
	pid_t pid;
	int fd;

	/* the file exists (empty) before fanwatch may write its startup line */
	snprintf(err, sizeof(err), "%s/fanwatch.err", logdir);
	fd = open(err, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	*ready_fd = open(err, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || *ready_fd < 0)
		th_fail("%s: %s", err, strerror(errno));
	pid = fork();
	if (pid < 0)
		th_fail("fork: %s", strerror(errno));
	if (pid == 0) {
		if (dup2(fd, 2) < 0 || !freopen("/dev/null", "w", stdout))
			_exit(126);
		execl(fanwatch, "fanwatch", "--deny", "deny-*", "-e", "create", dir, (char *)NULL);
		_exit(127);
	}
	close(fd);
	return pid;
}

/* ---- one round ---- */

struct totals {
	int kills, early_kills, pending_at_kill;
	double worst_recovery_ms;
};

/* Wait (up to 10 s) until the listener is watching: lib writes a byte, fanwatch a line. */
static bool wait_ready(int fd, pid_t pid, bool lib)
{
	double end = th_now() + 10;
	char buf[512];
	ssize_t n;

	while (th_now() < end) {
		if (lib) {
			struct pollfd p = { .fd = fd, .events = POLLIN };

			if (poll(&p, 1, 100) > 0)
				return read(fd, buf, 1) == 1;
		} else {
			n = pread(fd, buf, sizeof(buf) - 1, 0);
			buf[n > 0 ? n : 0] = '\0';
			if (strstr(buf, "fanwatch: watching"))
				return true;
			st_sleep_ms(2);
		}
		if (waitpid(pid, NULL, WNOHANG) == pid)
			th_fail("the listener exited before watching");
	}
	th_fail("the listener did not start within 10 s");
}

/* Every opener thread completed an open after t, and none waits in fanotify. */
static bool recovered(const struct st_openers *o, pid_t openers, uint64_t t)
{
	int i;

	for (i = 0; i < o->threads; i++)
		if (__atomic_load_n(&o->t[i].last_done_ns, __ATOMIC_ACQUIRE) <= t)
			return false;
	return st_blocked_in_fanotify(openers) == 0;
}

static void one_kill(struct st_openers *o, pid_t openers, bool lib, struct totals *tt)
{
	bool early = rand_r(&seed) % 5 == 0;
	int ready_fd, pending = 0, i;
	uint64_t t_kill;
	double ms;
	pid_t pid = lib ? start_lib(&ready_fd) : start_fanwatch(&ready_fd);

	if (early) {
		st_sleep_ms((double)(rand_r(&seed) % 20000) / 1000.0);
		tt->early_kills++;
	} else {
		wait_ready(ready_fd, pid, lib);
		st_sleep_ms((double)(rand_r(&seed) % 100000) / 1000.0);
		/* a moment when an answer is awaited */
		for (i = 0; i < 2000 && !(pending = st_blocked_in_fanotify(openers)); i++)
			st_sleep_ms(1);
		if (pending)
			tt->pending_at_kill++;
	}
	close(ready_fd);
	t_kill = st_now_ns();
	if (kill(pid, SIGKILL) < 0)
		th_fail("kill %d: %s", (int)pid, strerror(errno));
	th_wait(pid);
	while (!recovered(o, openers, t_kill)) {
		if ((st_now_ns() - t_kill) / 1000000 > RECOVER_MS)
			th_fail("kill %d: openers still blocked %d ms after SIGKILL (%d in fanotify)",
				tt->kills, RECOVER_MS, st_blocked_in_fanotify(openers));
		st_sleep_ms(1);
	}
	ms = (double)(st_now_ns() - t_kill) / 1e6;
	if (ms > tt->worst_recovery_ms)
		tt->worst_recovery_ms = ms;
	tt->kills++;
}

int main(int argc, char **argv)
{
	int kills = (int)st_env_long("STRESS_KILLS", 50), i;
	struct totals tt = { 0 };
	struct st_thread_stats s;
	struct st_openers *o;
	bool lib;
	pid_t openers;

	th_init(60 + (unsigned int)kills * 4);	/* well under 0.5 s per kill here */
	if (argc < 2 || (strcmp(argv[1], "lib") && (strcmp(argv[1], "fanwatch") || argc != 3)))
		th_fail("usage: %s lib | fanwatch FANWATCH", argv[0]);
	lib = !strcmp(argv[1], "lib");
	fanwatch = lib ? NULL : argv[2];
	seed = (unsigned int)st_env_long("STRESS_SEED", (long)time(NULL) % 100000 + 1);
	printf("STRESS_SEED=%u\n", seed);
	th_private_tmpfs(top, sizeof(top));
	snprintf(dir, sizeof(dir), "%s/w", top);
	snprintf(logdir, sizeof(logdir), "%s/log", top);
	if (mkdir(dir, 0755) < 0 || mkdir(logdir, 0755) < 0)
		th_fail("mkdir: %s", strerror(errno));
	st_make_files(dir, 16);
	o = st_openers_new(dir);
	o->threads = OPENER_THREADS;
	o->expect = ST_EXPECT_ALLOWED;
	openers = st_openers_spawn(o);
	o->go = 1;
	while (!o->running)
		st_sleep_ms(1);

	for (i = 0; i < kills; i++)
		one_kill(o, openers, lib, &tt);
	o->stop = 1;
	if (th_wait(openers) != 0)
		th_fail("the openers failed");
	st_openers_print(argv[1], o);
	s = st_openers_total(o);
	printf("%s: %d kills (%d while starting, %d with an opener waiting for the answer); "
	       "slowest recovery %.1f ms\n", argv[1], tt.kills, tt.early_kills, tt.pending_at_kill,
	       tt.worst_recovery_ms);
	T_EQ(s.unexpected, 0);
	T_ASSERT(s.max_ns / 1000000 < RECOVER_MS);
	/* the waits were seen: the kills did hit pending answers */
	T_ASSERT(tt.pending_at_kill >= (kills - tt.early_kills) / 2);
	printf("PASS\n");
	return 0;
}
