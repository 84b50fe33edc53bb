// SPDX-License-Identifier: MIT
/*
 * fd mode after fork(): the resolver reads event descriptors' links
 * through a descriptor on /proc/self/fd it keeps, and that directory is
 * the table of the process that opened it.  A child of fork() that goes
 * on with the parent's group and resolver must read its own table: the
 * event descriptors it reads exist in the child only, so read through the
 * parent's table they would not resolve (or resolve to what the parent
 * has open under the same number).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "th.h"
#include "rh.h"

int main(void)
{
	char dir[256], *before, *after, *decoy;
	struct rh_evs e = { 0 };
	struct fan_resolver *r;
	struct fan_group *g;
	int status, i, fds[8];
	pid_t child;

	th_init(30);
	th_private_tmpfs(dir, sizeof(dir));
	g = rh_group(FAN_CLASS_NOTIF, O_RDONLY);
	r = rh_resolver(g, 0);
	T_EQ(fan_group_add_mark(g, FAN_MARK_MOUNT, FAN_CLOSE_WRITE, dir), 0);
	before = rh_fmt("%s/before", dir);
	after = rh_fmt("%s/after", dir);
	decoy = rh_fmt("%s/decoy", dir);
	th_write_file(dir, "decoy", 1);

	/* the parent resolves one event: the resolver now keeps /proc/self/fd */
	th_write_file(dir, "before", 1);
	usleep(20 * 1000);
	rh_drain(g, r, &e, false);
	rh_expect(&e, FAN_CLOSE_WRITE, before);
	rh_evs_free(&e);

	child = fork();
	T_ASSERT(child >= 0);
	if (child == 0) {
		th_write_file(dir, "after", 1);
		usleep(20 * 1000);
		rh_drain(g, r, &e, false);
		rh_expect(&e, FAN_CLOSE_WRITE, after);
		rh_evs_free(&e);
		_exit(0);
	}
	/* meanwhile the parent holds something else under the numbers the child will use */
	for (i = 0; i < 8; i++)
		fds[i] = open(decoy, O_RDONLY | O_CLOEXEC);
	T_EQ(waitpid(child, &status, 0), child);
	T_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	for (i = 0; i < 8; i++)
		close(fds[i]);
	fan_resolver_free(r);
	fan_group_free(g);
	free(before);
	free(after);
	free(decoy);
	return 0;
}
