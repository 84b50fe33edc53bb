// SPDX-License-Identifier: MIT
/*
 * The process table never lends a name across a reused pid.
 *
 * In the initial pid namespace (where the table works) the pid of a
 * reaped "victim" is given to an "impostor" on purpose (clone3() with
 * set_tid), and /proc/PID/comm then says "impostor" (what a listener that
 * reads /proc at event time, as fatrace does, would report):
 *   alive: the impostor still runs when the victim's event is read: the
 *     victim's exit record is the only one, the event is the victim's;
 *   same window: both exited between two reads: two records, both events
 *     unknown, neither takes the other's name;
 *   later: the impostor was forked before the queue was seen empty, then
 *     wrote and exited: its event is the impostor's, the victim's older
 *     record does not count.
 *
 * In a pid namespace of its own with a tiny pid range (pid_max 301 there:
 * once past 300 every new process gets pid 300), the listener runs inside:
 * the kernel refuses it the table (-EOPNOTSUPP), a victim's event read
 * after its pid went to another process is GONE without a name, and the
 * impostor's own event is verified.
 *
 * The same under kernel personalities from 5.15 to 6.8, where every pidfd
 * has one inode (before pidfs, 6.9): the resolver then keys a pid's
 * entry by whether the event had a pidfd too, so the victim's record (no
 * pidfd) is never lent to the impostor (a pidfd), nor the other way.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rh.h"
#include "th.h"

static char dir[256];

struct job {
	const char *name;	/* comm and file name */
	int go;			/* read end: wait for a byte before writing; -1 none */
	int hold;		/* read end: stay alive until it closes; -1 none */
	int hold_w;		/* its write end, closed in the child */
};

#define JOB(n) { .name = (n), .go = -1, .hold = -1, .hold_w = -1 }

static void job_run(const struct job *j)
{
	char c;

	prctl(PR_SET_NAME, j->name);
	if (j->hold >= 0)
		close(j->hold_w);
	if (j->go >= 0 && read(j->go, &c, 1) != 1)
		_exit(3);
	th_write_file(dir, j->name, 1);
	if (j->hold >= 0)
		while (read(j->hold, &c, 1) > 0)
			;
	_exit(0);
}

static void job_fn(void *arg)
{
	job_run(arg);
}

/* A child with exactly pid `want` (clone3 set_tid); -errno if refused. */
static pid_t spawn_at(pid_t want, const struct job *j)
{
	struct clone_args a = { .exit_signal = SIGCHLD, .set_tid = (uint64_t)(uintptr_t)&want,
				.set_tid_size = 1 };
	long r = syscall(SYS_clone3, &a, sizeof(a));

	if (r < 0)
		return -errno;
	if (r == 0)
		job_run(j);
	return (pid_t)r;
}

static struct fan_group *group(void)
{
	struct fan_group *g = rh_group(FAN_CLASS_NOTIF | FAN_REPORT_DFID_NAME | FAN_REPORT_FID |
					FAN_REPORT_PIDFD, O_RDONLY);

	T_EQ(fan_group_add_mark(g, 0, FAN_CLOSE_WRITE | FAN_EVENT_ON_CHILD, dir), 0);
	return g;
}

static struct fan_resolver *resolver(struct fan_group *g, int *table)
{
	LIBFANOTIFY_OPTS(fan_resolver_opts, o, .flags = LIBFANOTIFY_RESOLVER_PROC_TABLE);
	LIBFANOTIFY_OPTS(fan_resolver_proc_stats, st);
	struct fan_resolver *r;

	T_EQ(fan_resolver_new(g, &o, &r), 0);
	T_EQ(fan_resolver_get_proc_stats(r, &st), 0);
	*table = st.table;
	return r;
}

static const struct rh_ev *event_of(const struct rh_evs *e, const char *name)
{
	char *p = rh_fmt("%s/%s", dir, name);
	const struct rh_ev *v = rh_expect(e, FAN_CLOSE_WRITE, p);

	free(p);
	return v;
}

static void expect_named(const struct rh_ev *v, pid_t pid, const char *name, unsigned int how)
{
	T_EQ(v->pid, pid);
	T_EQ(v->proc_ret, 0);
	T_STREQ(v->proc.comm, name);
	T_EQ(v->proc.flags & how, how);
}

static void expect_unknown(const struct rh_ev *v, pid_t pid)
{
	T_EQ(v->pid, pid);
	T_EQ(v->proc_ret, -ESRCH);
	T_ASSERT(!v->proc.comm);
	T_EQ(v->proc.flags & LIBFANOTIFY_PROC_GONE, LIBFANOTIFY_PROC_GONE);
}

/* A victim that wrote its file and was reaped; then an impostor on its pid. */
static pid_t victim(struct job *v)
{
	pid_t pid = th_spawn(job_fn, v);

	T_EQ(th_wait(pid), 0);
	return pid;
}

static pid_t impostor(pid_t pid, struct job *j)
{
	pid_t q = spawn_at(pid, j);

	if (q == -EPERM || q == -EINVAL || q == -ENOSYS)
		th_skip("clone3() with set_tid refused: %s", strerror(-q));
	if (q < 0)
		th_fail("clone3() on pid %d: %s", (int)pid, strerror(-q));
	T_EQ(q, pid);
	return q;
}

static void global_reuse(void)
{
	struct fan_group *g = group();
	int table, hold[2], go[2];
	struct fan_resolver *r = resolver(g, &table);
	struct rh_evs e1 = { 0 }, e2 = { 0 }, e3 = { 0 }, e4 = { 0 };
	struct job v1 = JOB("victim1"), i1 = JOB("impostor1"), v2 = JOB("victim2"),
		   i2 = JOB("impostor2"), v3 = JOB("victim3"), i3 = JOB("impostor3");
	pid_t p1, p2, p3;

	if (table < 0)
		th_skip("no process table here: %s", strerror(-table));
	T_EQ(pipe2(hold, O_CLOEXEC), 0);
	T_EQ(pipe2(go, O_CLOEXEC), 0);
	i1.go = go[0];
	i3.hold = hold[0];
	i3.hold_w = hold[1];

	/* alive: the impostor has the pid (and /proc says so) when the event is read */
	p3 = victim(&v3);
	T_EQ(impostor(p3, &i3), p3);
	usleep(100000);
	rh_expect_comm(p3, "impostor3");
	rh_drain(g, r, &e1, true);
	expect_named(event_of(&e1, "victim3"), p3,  "victim3",
		     LIBFANOTIFY_PROC_GONE | LIBFANOTIFY_PROC_RECORDED);
	close(hold[1]);

	/* same window: victim and impostor both exited before the read */
	p2 = victim(&v2);
	T_EQ(th_wait(impostor(p2, &i2)), 0);
	T_EQ(th_wait(p3), 0);
	rh_drain(g, r, &e2, true);
	expect_unknown(event_of(&e2, "victim2"), p2);
	expect_unknown(event_of(&e2, "impostor2"), p2);

	/* later: the impostor was forked before the queue was seen empty */
	p1 = victim(&v1);
	rh_drain(g, r, &e3, true);	/* the victim's event and record come in here */
	expect_named(event_of(&e3, "victim1"), p1, "victim1", LIBFANOTIFY_PROC_RECORDED);
	T_EQ(impostor(p1, &i1), p1);
	T_EQ(fan_group_read(g), -EAGAIN);	/* seen empty: the impostor was forked before */
	T_EQ(write(go[1], "x", 1), 1);
	T_EQ(th_wait(p1), 0);
	rh_drain(g, r, &e4, true);
	expect_named(event_of(&e4, "impostor1"), p1, "impostor1", LIBFANOTIFY_PROC_RECORDED);
	rh_evs_free(&e1), rh_evs_free(&e2), rh_evs_free(&e3), rh_evs_free(&e4);
	fan_resolver_free(r);
	fan_group_free(g);
}

/* pid 1 of a namespace with pid_max 301: once past 300, every pid is 300. */
static void tiny_ns_init(void *arg)
{
	struct job v = JOB("victim"), i = JOB("impostor");
	struct rh_evs e = { 0 };
	struct fan_resolver *r;
	struct fan_group *g;
	int table, fd, hold[2];
	pid_t p, q;

	(void)arg;
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		th_fail("private /proc: %s", strerror(errno));
	fd = open("/proc/sys/kernel/pid_max", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "301", 3) != 3)
		th_skip("no pid_max of its own in a pid namespace (Linux 6.14): %s", strerror(errno));
	close(fd);
	fd = open("/proc/sys/kernel/ns_last_pid", O_WRONLY | O_CLOEXEC);
	T_ASSERT(fd >= 0 && write(fd, "299", 3) == 3);
	close(fd);
	g = group();
	r = resolver(g, &table);
	T_EQ(table, -EOPNOTSUPP);	/* the kernel's tables speak of the initial namespace */
	p = victim(&v);
	T_EQ(p, 300);
	T_EQ(pipe2(hold, O_CLOEXEC), 0);
	i.hold = hold[0];
	i.hold_w = hold[1];
	q = th_spawn(job_fn, &i);
	T_EQ(q, 300);		/* the range wrapped: the victim's pid again */
	usleep(100000);
	rh_expect_comm(300, "impostor");
	rh_drain(g, r, &e, true);
	expect_unknown(event_of(&e, "victim"), 300);
	expect_named(event_of(&e, "impostor"), 300, "impostor", LIBFANOTIFY_PROC_VERIFIED);
	close(hold[1]);
	T_EQ(th_wait(q), 0);
	rh_evs_free(&e);
	fan_resolver_free(r);
	fan_group_free(g);
	fflush(stdout);
	_exit(0);	/* LeakSanitizer cannot run as pid 1 of a namespace */
}

int main(void)
{
	int status;

	th_init(60);
	th_private_tmpfs(dir, sizeof(dir));
	global_reuse();
	printf("global pid reuse: ok\n");
	if (unshare(CLONE_NEWPID) < 0)
		th_skip("cannot create a PID namespace: %s", strerror(errno));
	status = th_wait(th_spawn(tiny_ns_init, NULL));
	if (status == TH_SKIP) {
		fflush(stdout);
		th_cleanup();
		_exit(TH_SKIP);
	}
	T_EQ(status, 0);
	printf("tiny pid namespace: ok\nPASS\n");
	fflush(stdout);
	th_cleanup();
	_exit(0);
}
