// SPDX-License-Identifier: MIT
/*
 * Who the parents are, and which cgroup and mount namespace a process is
 * in (fan_resolve_parents(), fan_resolve_process_info()).
 *   live: a three-level chain (this test, then "lvl-a", "lvl-b", "lvl-c"),
 *     "lvl-c" writing and still running when its event is read: its
 *     parents "lvl-b", "lvl-a", this test, ... up to pid 1, all VERIFIED;
 *     max is respected;
 *   recorded, parent alive: "lvl-c" exited and was reaped before the
 *     read: itself RECORDED, "lvl-b" and up named (RECORDED: the link
 *     from the table);
 *   recorded, all gone: "lvl-c", "lvl-b" and "lvl-a" exited one after the
 *     other before the read: each named from its own exit record, then
 *     this test;
 *   cgroup: a process moved into a fresh cgroup v2 group: its path and id;
 *     its mount namespace.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <mntent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rh.h"
#include "th.h"

#define MAXP 8

static char dir[256];
static char self_comm[16];
static int go[2];	/* lvl-c waits for a byte before writing (-1: does not) */
static int hold[2];	/* lvl-c stays until this closes (-1: does not) */

struct chain_opts {
	bool wait_go, hold;
};

/* Every process of a chain: only the test writes to the pipes. */
static void named(const char *name)
{
	prctl(PR_SET_NAME, name);
	close(go[1]);
	close(hold[1]);
}

/* lvl-c: wait if asked, write, stay if asked. */
static void lvl_c(void *arg)
{
	const struct chain_opts *o = arg;
	char c;

	named("lvl-c");
	if (o->wait_go && read(go[0], &c, 1) != 1)
		_exit(3);
	th_write_file(dir, "chain", 1);
	if (o->hold)
		while (read(hold[0], &c, 1) > 0)
			;
}

static void lvl_b(void *arg)
{
	named("lvl-b");
	_exit(th_wait(th_spawn(lvl_c, arg)));
}

static void lvl_a(void *arg)
{
	named("lvl-a");
	_exit(th_wait(th_spawn(lvl_b, arg)));
}

struct found {
	bool seen;
	pid_t pid;
	struct fan_process proc;
	char comm[16];
	int n;
	struct fan_process_parent par[MAXP];
};

/* Read until empty; the "chain" event's process and parents. */
static void read_chain(struct fan_group *g, struct fan_resolver *r, size_t max, struct found *f)
{
	struct fan_event *ev;
	struct fan_path p;
	int n;

	memset(f, 0, sizeof(*f));
	while ((n = fan_group_read(g)) >= 0) {
		fan_for_each_event(ev, g) {
			if (fan_resolve_path(r, ev, &p, NULL) < 0 || !strstr(p.path, "/chain"))
				continue;
			f->seen = true;
			f->pid = fan_event_pid(ev);
			fan_resolve_process(r, ev, &f->proc);
			if (f->proc.comm)
				snprintf(f->comm, sizeof(f->comm), "%s", f->proc.comm);
			f->n = fan_resolve_parents(r, ev, f->par, max);
		}
	}
	T_EQ(n, -EAGAIN);
	T_ASSERT(f->seen);
}

static void expect_parent(const struct found *f, int i, const char *comm, unsigned int flags)
{
	T_ASSERT(f->n > i);
	if (strcmp(f->par[i].comm, comm) || f->par[i].flags != flags)
		th_fail("parent %d is %d \"%s\" flags 0x%x, expected \"%s\" flags 0x%x", i,
			(int)f->par[i].pid, f->par[i].comm, f->par[i].flags, comm, flags);
}

static struct fan_group *group(void)
{
	struct fan_group *g = rh_group(FAN_CLASS_NOTIF | FAN_REPORT_DFID_NAME | FAN_REPORT_FID |
					FAN_REPORT_PIDFD, O_RDONLY);

	T_EQ(fan_group_add_mark(g, 0, FAN_CLOSE_WRITE | FAN_EVENT_ON_CHILD, dir), 0);
	return g;
}

static struct fan_resolver *resolver(struct fan_group *g, bool table)
{
	LIBFANOTIFY_OPTS(fan_resolver_opts, o,
			 .flags = table ? LIBFANOTIFY_RESOLVER_PROC_TABLE : 0);
	LIBFANOTIFY_OPTS(fan_resolver_proc_stats, st);
	struct fan_resolver *r;

	T_EQ(fan_resolver_new(g, &o, &r), 0);
	T_EQ(fan_resolver_get_proc_stats(r, &st), 0);
	if (table && st.table < 0)
		th_skip("no process table here: %s", strerror(-st.table));
	return r;
}

static void pipes(void)
{
	T_EQ(pipe2(go, O_CLOEXEC), 0);
	T_EQ(pipe2(hold, O_CLOEXEC), 0);
}

/* Close both ends of both pipes: lets a holding lvl-c (and those waiting on hold) go. */
static void close_pipes(void)
{
	close(go[0]), close(go[1]), close(hold[0]), close(hold[1]);
}

/* f is lvl-c's, flagged flags, with parents lvl-b, lvl-a (pid a), then this test, each flagged flags. */
static void expect_chain(const struct found *f, pid_t a, unsigned int flags)
{
	T_STREQ(f->comm, "lvl-c");
	T_EQ(f->proc.flags & flags, flags);
	expect_parent(f, 0, "lvl-b", flags);
	expect_parent(f, 1, "lvl-a", flags);
	T_EQ(f->par[1].pid, a);
	expect_parent(f, 2, self_comm, flags);
}

/* Let the chain go (close_pipes()), reap lvl-a (it exits 0), free r and g. */
static void end_chain(pid_t a, struct fan_resolver *r, struct fan_group *g)
{
	close_pipes();
	T_EQ(th_wait(a), 0);
	fan_resolver_free(r);
	fan_group_free(g);
}

static void live_chain(void)
{
	struct chain_opts o = { .hold = true };
	struct fan_group *g = group();
	struct fan_resolver *r = resolver(g, false);
	struct found f;
	pid_t a;

	pipes();
	a = th_spawn(lvl_a, &o);
	usleep(200000);
	read_chain(g, r, MAXP, &f);
	expect_chain(&f, a, LIBFANOTIFY_PROC_VERIFIED);
	T_EQ(f.par[2].pid, getpid());
	T_ASSERT(f.n == MAXP || f.par[f.n - 1].pid == 1);
	end_chain(a, r, g);
}

/* max bounds the chain. */
static void live_max(void)
{
	struct chain_opts o = { .hold = true };
	struct fan_group *g = group();
	struct fan_resolver *r = resolver(g, false);
	struct found f;
	pid_t a;

	pipes();
	a = th_spawn(lvl_a, &o);
	usleep(200000);
	read_chain(g, r, 2, &f);
	T_EQ(f.n, 2);
	expect_parent(&f, 1, "lvl-a", LIBFANOTIFY_PROC_VERIFIED);
	end_chain(a, r, g);
}

/* lvl-c exits (reaped by lvl-b) before the read; lvl-b and lvl-a wait on hold. */
static void lvl_b_stays(void *arg)
{
	char c;

	named("lvl-b");
	if (th_wait(th_spawn(lvl_c, arg)))
		_exit(3);
	while (read(hold[0], &c, 1) > 0)
		;
	_exit(0);
}

static void lvl_a_stays(void *arg)
{
	named("lvl-a");
	_exit(th_wait(th_spawn(lvl_b_stays, arg)));
}

static void recorded_parent_alive(void)
{
	struct chain_opts o = { 0 };
	struct fan_group *g = group();
	struct fan_resolver *r = resolver(g, true);
	struct found f;
	pid_t a;

	pipes();
	a = th_spawn(lvl_a_stays, &o);
	usleep(300000);		/* lvl-c has written and was reaped */
	read_chain(g, r, MAXP, &f);
	expect_chain(&f, a, LIBFANOTIFY_PROC_RECORDED);
	end_chain(a, r, g);
}

static void recorded_all_gone(void)
{
	struct chain_opts o = { .wait_go = true };
	struct fan_group *g = group();
	struct fan_resolver *r = resolver(g, true);
	struct found f;
	pid_t a;

	pipes();
	a = th_spawn(lvl_a, &o);
	usleep(200000);		/* the chain stands, lvl-c waits */
	T_EQ(fan_group_read(g), -EAGAIN);	/* seen empty after their forks */
	T_EQ(write(go[1], "x", 1), 1);
	T_EQ(th_wait(a), 0);	/* lvl-c, lvl-b, lvl-a exited, each reaped */
	read_chain(g, r, MAXP, &f);
	expect_chain(&f, a, LIBFANOTIFY_PROC_RECORDED);
	T_EQ(f.par[2].pid, getpid());
	close_pipes();
	fan_resolver_free(r);
	fan_group_free(g);
}

/* Where cgroup v2 is mounted, and this process's group in it ("0::PATH"). */
static bool cgroup2(char *mnt, size_t msize, char *path, size_t psize)
{
	FILE *f = setmntent("/proc/self/mounts", "r");
	char line[4096];
	struct mntent *m;
	bool found = false;

	while (f && (m = getmntent(f)))
		if (!strcmp(m->mnt_type, "cgroup2") && !found) {
			snprintf(mnt, msize, "%s", m->mnt_dir);
			found = true;
		}
	if (f)
		endmntent(f);
	f = fopen("/proc/self/cgroup", "r");
	while (found && f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "0::", 3)) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(path, psize, "%s", line + 3);
			fclose(f);
			return true;
		}
	if (f)
		fclose(f);
	return false;
}

static void in_cgroup(void *arg)
{
	char c;

	(void)arg;
	named("grouped");
	if (read(go[0], &c, 1) != 1)
		_exit(3);
	th_write_file(dir, "chain", 1);
	while (read(hold[0], &c, 1) > 0)
		;
}

static void cgroup_and_mntns(void)
{
	LIBFANOTIFY_OPTS(fan_process_info, info);
	char mnt[512], path[4096], *cg, *cgdir, *procs, *want;
	struct fan_group *g;
	struct fan_resolver *r;
	struct fan_event *ev;
	struct stat st, ns;
	bool seen = false;
	FILE *f;
	pid_t pid;

	if (!cgroup2(mnt, sizeof(mnt), path, sizeof(path))) {
		printf("cgroup: no cgroup v2 here, not checked\n");
		return;
	}
	cg = rh_fmt("fanotify-test-%d", (int)getpid());
	cgdir = rh_fmt("%s%s/%s", mnt, strcmp(path, "/") ? path : "", cg);
	want = rh_fmt("%s/%s", strcmp(path, "/") ? path : "", cg);
	if (mkdir(cgdir, 0755) < 0) {
		printf("cgroup: cannot create %s (%s), not checked\n", cgdir, strerror(errno));
		return;
	}
	pipes();
	pid = th_spawn(in_cgroup, NULL);
	procs = rh_fmt("%s/cgroup.procs", cgdir);
	f = fopen(procs, "w");
	T_ASSERT(f && fprintf(f, "%d\n", (int)pid) > 0 && fclose(f) == 0);
	g = group();
	r = resolver(g, false);
	T_EQ(write(go[1], "x", 1), 1);
	usleep(200000);
	while (fan_group_read(g) > 0) {
		fan_for_each_event(ev, g) {
			if (fan_event_pid(ev) != pid)
				continue;
			T_EQ(fan_resolve_process_info(r, ev, &info), 0);
			seen = true;
		}
		if (seen)
			break;
	}
	T_ASSERT(seen);
	T_STREQ(info.proc.comm, "grouped");
	T_STREQ(info.cgroup, want);
	T_EQ(stat(cgdir, &st), 0);
	T_EQ(stat("/proc/self/ns/mnt", &ns), 0);
	T_EQ(info.mntns, ns.st_ino);
	if (th_kernel_has("6.13")) {
		T_EQ(info.cgroup_id, st.st_ino);
		T_EQ(info.egid, getegid());
	} else {	/* only PIDFD_GET_INFO gives them: unknown, as documented */
		T_EQ(info.cgroup_id, 0);
		T_EQ(info.egid, (gid_t)-1);
	}
	fan_resolver_free(r);
	fan_group_free(g);
	close_pipes();
	T_EQ(th_wait(pid), 0);
	T_EQ(rmdir(cgdir), 0);
	printf("cgroup %s: ok\n", want);
	free(cg), free(cgdir), free(procs), free(want);
}

static int stay[2];	/* "answered" stays until this closes */

static void answered(void *arg)
{
	char c;

	(void)arg;
	prctl(PR_SET_NAME, "answered");
	close(stay[1]);
	th_write_file(dir, "answered", 1);
	while (read(stay[0], &c, 1) > 0)
		;
}

/*
 * fan_resolve_parents() after fan_resolve_process_info() for the same
 * event leaves the strings the latter gave alone, even when the process
 * was reaped in between (before pidfs the resolver checks a pid's
 * process is still the same one for another event of the batch, never
 * for the one it answered).
 */
static void info_then_parents_reaped(void)
{
	LIBFANOTIFY_OPTS(fan_process_info, info);
	struct fan_group *g = group();
	struct fan_resolver *r = resolver(g, false);
	struct fan_process_parent par[MAXP];
	struct fan_event *ev;
	char *cgroup = NULL;
	bool seen = false;
	pid_t pid;

	T_EQ(pipe2(stay, O_CLOEXEC), 0);
	pid = th_spawn(answered, NULL);
	close(stay[0]);
	for (int i = 0; i < 200 && !seen; i++) {
		if (fan_group_read(g) < 0) {
			usleep(10000);
			continue;
		}
		fan_for_each_event(ev, g) {
			if (seen || fan_event_pid(ev) != pid)
				continue;
			seen = true;
			T_EQ(fan_resolve_process_info(r, ev, &info), 0);
			T_STREQ(info.proc.comm, "answered");
			T_ASSERT(info.cgroup != NULL);
			cgroup = strdup(info.cgroup);
			close(stay[1]);
			T_EQ(th_wait(pid), 0);	/* reaped */
			fan_resolve_parents(r, ev, par, MAXP);
			T_STREQ(info.proc.comm, "answered");
			T_STREQ(info.cgroup, cgroup);
		}
	}
	T_ASSERT(seen);
	free(cgroup);
	fan_resolver_free(r);
	fan_group_free(g);
	printf("process info, then parents after a reap: ok\n");
}

int main(void)
{
	th_init(60);
	th_private_tmpfs(dir, sizeof(dir));
	prctl(PR_GET_NAME, self_comm);
	live_chain();
	live_max();
	recorded_parent_alive();
	recorded_all_gone();
	cgroup_and_mntns();
	info_then_parents_reaped();
	printf("PASS\n");
	return 0;
}
