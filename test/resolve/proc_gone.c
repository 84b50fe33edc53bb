// SPDX-License-Identifier: MIT
/*
 * A process that exits before its event is read.  With FAN_REPORT_PIDFD the
 * kernel gives no pidfd for it: GONE, -ESRCH, and no comm or exe guessed
 * from whatever holds the pid now.  Without pidfds /proc/PID is gone: GONE
 * as well.  A zombie (exited, not reaped) still holds its pid: its pidfd
 * checks out, it is reported GONE with the comm it still shows (a newline
 * and a backslash in it come back as they are), no exe.  Without pidfds
 * (before Linux 5.15) the zombie is read by pid: the same, not VERIFIED.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "th.h"
#include "rh.h"

static char dir[256];

static void writer(void *name)
{
	prctl(PR_SET_NAME, (char *)name);
	th_write_file(dir, name, 1);
}

static const struct rh_ev *event_of(struct fan_group *g, struct fan_resolver *r,
				    struct rh_evs *e, const char *name)
{
	char *p = rh_fmt("%s/%s", dir, name);
	const struct rh_ev *v;

	rh_drain(g, r, e, true);
	v = rh_expect(e, FAN_CLOSE_WRITE, p);
	free(p);
	return v;
}

static void gone_case(unsigned int init_flags, const char *name)
{
	struct fan_group *g = rh_group(init_flags, O_RDONLY);
	struct fan_resolver *r = rh_resolver(g, 0);
	struct rh_evs e = { 0 };
	const struct rh_ev *v;
	pid_t pid;

	T_EQ(fan_group_add_mark(g, FAN_MARK_FILESYSTEM, FAN_CLOSE_WRITE, dir), 0);
	pid = th_spawn(writer, (void *)name);
	T_EQ(th_wait(pid), 0);	/* exited and reaped before the read */
	v = event_of(g, r, &e, name);
	T_EQ(v->pid, pid);
	T_EQ(v->proc_ret, -ESRCH);
	T_EQ(v->proc.pid, pid);
	T_EQ(v->proc.flags & LIBFANOTIFY_PROC_GONE, LIBFANOTIFY_PROC_GONE);
	T_EQ(v->proc.flags & LIBFANOTIFY_PROC_VERIFIED, 0);
	T_EQ(v->proc.error, -ESRCH);
	T_ASSERT(!v->proc.comm);
	T_ASSERT(!v->proc.exe);
	rh_evs_free(&e);
	fan_resolver_free(r);
	fan_group_free(g);
}

static void zombie_case(unsigned int init_flags)
{
	struct fan_group *g = rh_group(init_flags, O_RDONLY);
	struct fan_resolver *r = rh_resolver(g, 0);
	struct rh_evs e = { 0 };
	const struct rh_ev *v;
	siginfo_t si;
	pid_t pid;

	T_EQ(fan_group_add_mark(g, FAN_MARK_FILESYSTEM, FAN_CLOSE_WRITE, dir), 0);
	pid = th_spawn(writer, "zo\\mb\nkid");	/* comm bytes come back as they are */
	T_EQ(waitid(P_PID, pid, &si, WEXITED | WNOWAIT), 0);	/* a zombie now */
	v = event_of(g, r, &e, "zo\\mb\nkid");
	T_EQ(v->proc_ret, 0);
	T_EQ(v->proc.flags & (LIBFANOTIFY_PROC_GONE | LIBFANOTIFY_PROC_VERIFIED),
	     LIBFANOTIFY_PROC_GONE |
	     (init_flags & FAN_REPORT_PIDFD ? LIBFANOTIFY_PROC_VERIFIED : 0));
	T_STREQ(v->proc.comm, "zo\\mb\nkid");
	T_ASSERT(!v->proc.exe);
	T_EQ(v->proc.ppid, getpid());
	T_EQ(th_wait(pid), 0);
	rh_evs_free(&e);
	fan_resolver_free(r);
	fan_group_free(g);
}

int main(void)
{
	const unsigned int pidfd = FAN_REPORT_DFID_NAME | FAN_REPORT_FID | FAN_REPORT_PIDFD;
	int fds;

	th_init(60);
	th_private_tmpfs(dir, sizeof(dir));
	fds = th_count_fds();
	if (fan_probe_init(pidfd, O_RDONLY) == 0) {
		gone_case(pidfd, "pidfd-kid");
		zombie_case(pidfd);
	} else {
		printf("no FAN_REPORT_PIDFD (Linux 5.15): its cases not run\n");
	}
	gone_case(FAN_REPORT_DFID_NAME | FAN_REPORT_FID, "plain-kid");
	gone_case(FAN_CLASS_NOTIF, "fd-mode-kid");
	zombie_case(FAN_REPORT_DFID_NAME | FAN_REPORT_FID);
	T_EQ(th_count_fds(), fds);
	printf("PASS\n");
	return 0;
}
