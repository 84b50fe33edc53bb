// SPDX-License-Identifier: MIT
/*
 * The process table (LIBFANOTIFY_RESOLVER_PROC_TABLE): processes that
 * exited and were reaped before their events were read are named, from
 * their exit records, and only with the name they had.
 *   short-lived: 300 processes, each with its own name, each writing its
 *     own file once and reaped before anything is read: at least 99% named
 *     (RECORDED, GONE, uid, gid, ppid), none wrongly;
 *   exec: a process that calls execve() and exits: its new name;
 *   uid: a process that changed its uid and gid: those;
 *   no table: the same resolver without the flag, and one made by a
 *     process without CAP_NET_ADMIN: nothing named (today's behaviour),
 *     and the stats say why.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rh.h"
#include "th.h"

#define NPROC 300

static char dir[256];

static struct fan_group *group(void)
{
	struct fan_group *g = rh_group(FAN_CLASS_NOTIF | FAN_REPORT_DFID_NAME | FAN_REPORT_FID |
					FAN_REPORT_PIDFD, O_RDONLY);

	return g;
}

/* A resolver with the table; skips if this kernel or these privileges give none. */
static struct fan_resolver *table_resolver(struct fan_group *g)
{
	LIBFANOTIFY_OPTS(fan_resolver_opts, o, .flags = LIBFANOTIFY_RESOLVER_PROC_TABLE);
	LIBFANOTIFY_OPTS(fan_resolver_proc_stats, st);
	struct fan_resolver *r;

	T_EQ(fan_resolver_new(g, &o, &r), 0);
	T_EQ(fan_resolver_get_proc_stats(r, &st), 0);
	if (st.table < 0)
		th_skip("no process table here: %s", strerror(-st.table));
	return r;
}

static void named(void *arg)
{
	const char *name = arg;

	prctl(PR_SET_NAME, name);
	th_write_file(dir, name, 1);
}

static const struct rh_ev *event_of(const struct rh_evs *e, const char *name)
{
	char *p = rh_fmt("%s/%s", dir, name);
	const struct rh_ev *v = rh_expect(e, FAN_CLOSE_WRITE, p);

	free(p);
	return v;
}

static void short_lived(void)
{
	struct fan_group *g = group();
	struct fan_resolver *r = table_resolver(g);
	LIBFANOTIFY_OPTS(fan_resolver_proc_stats, st);
	static char names[NPROC][16];
	pid_t pids[NPROC];
	struct rh_evs e = { 0 };
	unsigned int right = 0, i;

	T_EQ(fan_group_add_mark(g, 0, FAN_CLOSE_WRITE | FAN_EVENT_ON_CHILD, dir), 0);
	for (i = 0; i < NPROC; i++) {
		snprintf(names[i], sizeof(names[i]), "short-%u", i);
		pids[i] = th_spawn(named, names[i]);
		T_EQ(th_wait(pids[i]), 0);	/* exited and reaped before the read */
	}
	rh_drain(g, r, &e, true);
	for (i = 0; i < NPROC; i++) {
		const struct rh_ev *v = event_of(&e, names[i]);

		T_EQ(v->pid, pids[i]);
		T_EQ(v->proc.flags & LIBFANOTIFY_PROC_VERIFIED, 0);
		if (!v->proc.comm) {
			T_EQ(v->proc_ret, -ESRCH);
			continue;
		}
		T_STREQ(v->proc.comm, names[i]);	/* never another's */
		T_EQ(v->proc_ret, 0);
		T_EQ(v->proc.flags & (LIBFANOTIFY_PROC_GONE | LIBFANOTIFY_PROC_RECORDED),
		     LIBFANOTIFY_PROC_GONE | LIBFANOTIFY_PROC_RECORDED);
		T_EQ(v->proc.pid, pids[i]);
		T_EQ(v->proc.ppid, getpid());
		T_EQ(v->proc.uid, getuid());
		T_EQ(v->proc.gid, getgid());
		T_ASSERT(!v->proc.exe);
		right++;
	}
	T_EQ(fan_resolver_get_proc_stats(r, &st), 0);
	printf("short-lived: %u of %u named; lookups %llu recorded %llu ambiguous %llu "
	       "untrusted %llu records %llu\n", right, NPROC, (unsigned long long)st.lookups,
	       (unsigned long long)st.recorded, (unsigned long long)st.ambiguous,
	       (unsigned long long)st.untrusted, (unsigned long long)st.records);
	T_ASSERT(right * 100 >= NPROC * 99);
	T_ASSERT(st.recorded >= right);
	rh_evs_free(&e);
	fan_resolver_free(r);
	fan_group_free(g);
}

static void exec_sh(void *arg)
{
	char *cmd = rh_fmt("echo x > %s/%s", dir, (const char *)arg);

	prctl(PR_SET_NAME, "before-exec");
	execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
	_exit(127);
}

static void setid_writer(void *arg)
{
	if (setresgid(1000, 1000, 1000) < 0 || setresuid(1000, 1000, 1000) < 0)
		_exit(2);
	prctl(PR_SET_NAME, "as-1000");
	th_write_file(dir, arg, 1);
}

static void exec_and_uid(void)
{
	struct fan_group *g = group();
	struct fan_resolver *r = table_resolver(g);
	struct rh_evs e = { 0 };
	const struct rh_ev *v;
	pid_t a, b;

	T_EQ(fan_group_add_mark(g, 0, FAN_CLOSE_WRITE | FAN_EVENT_ON_CHILD, dir), 0);
	T_EQ(chmod(dir, 0777), 0);
	a = th_spawn(exec_sh, "by-sh");
	T_EQ(th_wait(a), 0);
	b = th_spawn(setid_writer, "by-1000");
	T_EQ(th_wait(b), 0);
	rh_drain(g, r, &e, true);
	v = event_of(&e, "by-sh");
	T_EQ(v->pid, a);
	T_STREQ(v->proc.comm, "sh");	/* the name it had after execve(), at its end */
	T_EQ(v->proc.flags & LIBFANOTIFY_PROC_RECORDED, LIBFANOTIFY_PROC_RECORDED);
	v = event_of(&e, "by-1000");
	T_EQ(v->pid, b);
	T_STREQ(v->proc.comm, "as-1000");
	T_EQ(v->proc.uid, 1000);
	T_EQ(v->proc.gid, 1000);
	rh_evs_free(&e);
	fan_resolver_free(r);
	fan_group_free(g);
}

/* Without the table: today's answer, GONE and nothing else; the stats say why. */
static void expect_no_table(unsigned int flags, int why)
{
	LIBFANOTIFY_OPTS(fan_resolver_opts, o, .flags = flags);
	LIBFANOTIFY_OPTS(fan_resolver_proc_stats, st);
	struct fan_group *g = group();
	struct fan_resolver *r;
	struct rh_evs e = { 0 };
	const struct rh_ev *v;
	pid_t pid;

	T_EQ(fan_resolver_new(g, &o, &r), 0);
	T_EQ(fan_resolver_get_proc_stats(r, &st), 0);
	T_EQ(st.table, why);
	T_EQ(fan_group_add_mark(g, 0, FAN_CLOSE_WRITE | FAN_EVENT_ON_CHILD, dir), 0);
	pid = th_spawn(named, flags ? "no-cap" : "no-flag");
	T_EQ(th_wait(pid), 0);
	rh_drain(g, r, &e, true);
	v = event_of(&e, flags ? "no-cap" : "no-flag");
	T_EQ(v->proc_ret, -ESRCH);
	T_ASSERT(!v->proc.comm);
	T_EQ(v->proc.flags & LIBFANOTIFY_PROC_RECORDED, 0);
	rh_evs_free(&e);
	fan_resolver_free(r);
	fan_group_free(g);
}

static void without_net_admin(void *arg)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];

	(void)arg;
	T_EQ(syscall(SYS_capget, &h, d), 0);
	d[0].effective &= ~(1u << CAP_NET_ADMIN);
	d[0].permitted &= ~(1u << CAP_NET_ADMIN);
	T_EQ(syscall(SYS_capset, &h, d), 0);
	expect_no_table(LIBFANOTIFY_RESOLVER_PROC_TABLE, -EPERM);
}

int main(void)
{
	th_init(120);
	th_private_tmpfs(dir, sizeof(dir));
	short_lived();
	exec_and_uid();
	expect_no_table(0, -ENODATA);
	T_EQ(th_wait(th_spawn(without_net_admin, NULL)), 0);
	printf("PASS\n");
	return 0;
}
