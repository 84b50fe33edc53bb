// SPDX-License-Identifier: MIT
/*
 * A verified identity is reused across batches only for a short while: a
 * process that calls execve() must show its new name once that time has
 * passed, while within one batch the same process is read once.  Without
 * pidfds (before Linux 5.15) the same, never VERIFIED.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "rh.h"
#include "th.h"

static char dir[256];
static int go[2];

/*
 * Write "before" as "before-exec"; when told, exec a shell that writes
 * "after" and then waits on its stdin (so it is alive when we read).
 */
static void child(void *arg)
{
	char c, cmd[512];

	(void)arg;
	prctl(PR_SET_NAME, "before-exec");
	th_write_file(dir, "before", 1);
	if (read(go[0], &c, 1) != 1)
		_exit(1);
	snprintf(cmd, sizeof(cmd), "exec 3>%s/after; exec 3>&-; read x", dir);
	dup2(go[0], 0);
	execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
	_exit(1);
}

static void wait_event(struct fan_group *g)
{
	struct pollfd p = { .fd = fan_group_fd(g), .events = POLLIN };

	if (poll(&p, 1, 20000) != 1)
		th_fail("no event from the child in 20 s");
}

int main(void)
{
	struct rh_evs first = { 0 }, second = { 0 };
	const struct rh_ev *a, *b;
	char *before, *after;
	struct fan_resolver *r;
	struct fan_group *g;
	unsigned int init = FAN_REPORT_DFID_NAME | FAN_REPORT_FID | FAN_REPORT_PIDFD;
	pid_t pid;

	th_init(30);
	th_private_tmpfs(dir, sizeof(dir));
	if (fan_probe_init(init, O_RDONLY) == -EINVAL) {
		printf("no FAN_REPORT_PIDFD (Linux 5.15): identities unverified\n");
		init &= ~FAN_REPORT_PIDFD;
	}
	g = rh_group(init, O_RDONLY);
	r = rh_resolver(g, 0);
	T_EQ(fan_group_add_mark(g, 0, FAN_CLOSE_WRITE | FAN_EVENT_ON_CHILD, dir), 0);
	/* close-on-exec: a failing test must not leave the shell waiting on it */
	if (pipe2(go, O_CLOEXEC) < 0)
		th_fail("pipe");
	pid = th_spawn(child, NULL);
	wait_event(g);
	rh_drain(g, r, &first, true);
	before = rh_fmt("%s/before", dir);
	after = rh_fmt("%s/after", dir);
	a = rh_expect(&first, FAN_CLOSE_WRITE, before);
	T_STREQ(a->comm, "before-exec");
	/* let the identity age past the reuse window, then exec and read again */
	usleep(300 * 1000);
	T_EQ(write(go[1], "x", 1), 1);
	wait_event(g);		/* the shell's write, however busy the machine */
	rh_drain(g, r, &second, true);
	b = rh_expect(&second, FAN_CLOSE_WRITE, after);
	T_EQ(b->pid, pid);
	T_EQ(b->proc.flags & LIBFANOTIFY_PROC_VERIFIED,
	     init & FAN_REPORT_PIDFD ? LIBFANOTIFY_PROC_VERIFIED : 0);
	T_STREQ(b->comm, "sh");
	T_EQ(write(go[1], "\n", 1), 1);
	T_EQ(th_wait(pid), 0);
	rh_evs_free(&first);
	rh_evs_free(&second);
	free(before);
	free(after);
	fan_resolver_free(r);
	fan_group_free(g);
	return 0;
}
