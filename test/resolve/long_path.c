// SPDX-License-Identifier: MIT
/*
 * Paths longer than PATH_MAX: a chain of directories built with mkdirat()
 * and openat() (no path ever passed whole), an event in the deepest one.
 * FID mode: the directory's handle opens, readlink() fails with
 * ENAMETOOLONG, the library climbs to an ancestor that fits and gives the
 * full path (checked byte for byte, > 4096).  fd mode: the deepest
 * directory itself (FAN_OPEN|FAN_ONDIR) resolves the same way, but a file
 * there cannot (the kernel prints at most a page and a file has no ".."):
 * -ENAMETOOLONG, no path, as documented.  The library reads directories
 * to climb, which are events too: the workload runs in a child and the
 * group skips its own events.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "th.h"
#include "rh.h"

#define LEVELS 25
#define NAMELEN 200

static char dir[256];
static char *deep;	/* the deepest directory's full path */

/* Build the chain; returns a descriptor on the deepest directory. */
static int build_chain(const char *top)
{
	char name[NAMELEN + 1];
	size_t len = strlen(dir) + 1 + strlen(top);
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), next, i;

	T_ASSERT(fd >= 0);
	T_EQ(mkdirat(fd, top, 0755), 0);
	next = openat(fd, top, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	close(fd);
	fd = next;
	deep = malloc(len + LEVELS * (NAMELEN + 1) + 1);
	T_ASSERT(deep);
	sprintf(deep, "%s/%s", dir, top);
	for (i = 0; i < LEVELS; i++) {
		memset(name, 'a' + i % 26, NAMELEN);
		name[NAMELEN] = '\0';
		T_EQ(mkdirat(fd, name, 0755), 0);
		next = openat(fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		T_ASSERT(next >= 0);
		close(fd);
		fd = next;
		strcat(deep, "/");
		strcat(deep, name);
	}
	T_ASSERT(strlen(deep) > 4096);
	return fd;
}

static void leaf_in(void *arg)
{
	int dfd = *(int *)arg;
	int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);	/* the directory's own event */

	T_ASSERT(fd >= 0);
	close(fd);
	fd = openat(dfd, "leaf", O_CREAT | O_WRONLY | O_CLOEXEC, 0644);

	T_ASSERT(fd >= 0);
	T_EQ(write(fd, "x", 1), 1);
	close(fd);
}

static void leaf(int dfd)
{
	T_EQ(th_wait(th_spawn(leaf_in, &dfd)), 0);
}

static void fid_mode(void)
{
	struct fan_group *g = rh_group(FAN_REPORT_DFID_NAME | FAN_REPORT_FID, O_RDONLY);
	struct fan_resolver *r = rh_resolver(g, 0);
	struct rh_evs e = { 0 };
	const struct rh_ev *v;
	char *want;
	int dfd;

	T_EQ(fan_group_add_mark(g, FAN_MARK_FILESYSTEM, FAN_CREATE | FAN_CLOSE_WRITE, dir), 0);
	dfd = build_chain("fid");
	leaf(dfd);
	leaf(dfd);	/* a second time: now from the cache */
	close(dfd);
	rh_drain(g, r, &e, false);
	want = rh_fmt("%s/leaf", deep);
	v = rh_expect(&e, FAN_CREATE, want);
	T_EQ(v->path.error, 0);
	T_EQ(v->path.len, strlen(want));
	T_ASSERT(v->path.len > 4096);
	T_EQ(rh_expect(&e, FAN_CLOSE_WRITE, want)->path.flags, 0);
	rh_evs_free(&e);
	fan_resolver_free(r);
	fan_group_free(g);
	free(want), free(deep);
}

static void fd_mode(void)
{
	struct fan_group *g = rh_group_opts(FAN_CLASS_NOTIF, O_RDONLY, LIBFANOTIFY_SKIP_SELF);
	struct fan_resolver *r = rh_resolver(g, 0);
	struct rh_evs e = { 0 };
	const struct rh_ev *v;
	int dfd;
	size_t i;

	T_EQ(fan_group_add_mark(g, FAN_MARK_MOUNT, FAN_CLOSE_WRITE | FAN_OPEN | FAN_ONDIR, dir), 0);
	dfd = build_chain("fd");
	leaf(dfd);
	close(dfd);
	dfd = open(deep, O_RDONLY);	/* too long for open(): expected to fail */
	T_ASSERT(dfd < 0);
	rh_drain(g, r, &e, false);
	v = rh_expect(&e, FAN_OPEN, deep);	/* fd mode reports no FAN_ONDIR */
	T_EQ(v->path.flags, 0);
	T_ASSERT(v->path.len > 4096);
	for (i = 0, v = NULL; i < e.n; i++)
		if (e.v[i].mask & FAN_CLOSE_WRITE)
			v = &e.v[i];
	T_ASSERT(v);
	T_EQ(v->ret, -ENAMETOOLONG);
	T_EQ(v->path.error, -ENAMETOOLONG);
	T_ASSERT(!v->path.path);
	rh_evs_free(&e);
	fan_resolver_free(r);
	fan_group_free(g);
	free(deep);
}

int main(void)
{
	int fds;

	th_init(60);
	th_private_tmpfs(dir, sizeof(dir));
	fds = th_count_fds();
	fid_mode();
	fd_mode();
	T_EQ(th_count_fds(), fds);
	printf("PASS\n");
	return 0;
}
