// SPDX-License-Identifier: MIT
/*
 * fd mode and " (deleted)": readlink() of an unlinked file's descriptor
 * says "NAME (deleted)".  The library must report NAME with the DELETED
 * flag, also when another hard link keeps the inode alive (st_nlink is not
 * 0 then); and a live file really named "x (deleted)" keeps its whole name
 * and gets no flag.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "th.h"
#include "rh.h"

int main(void)
{
	char dir[256], *gone, *real, *linked, *other;
	struct rh_evs e = { 0 };
	struct fan_resolver *r;
	struct fan_group *g;
	const struct rh_ev *v;
	int fd, fds;

	th_init(60);
	th_private_tmpfs(dir, sizeof(dir));
	fds = th_count_fds();
	g = rh_group(FAN_CLASS_NOTIF, O_RDONLY);
	r = rh_resolver(g, 0);
	T_EQ(fan_group_add_mark(g, FAN_MARK_MOUNT, FAN_CLOSE_WRITE, dir), 0);
	gone = rh_fmt("%s/gone", dir);
	real = rh_fmt("%s/x (deleted)", dir);
	linked = rh_fmt("%s/linked", dir);
	other = rh_fmt("%s/other-link", dir);

	fd = open(gone, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);	/* open, unlink, close */
	T_ASSERT(fd >= 0);
	T_EQ(unlink(gone), 0);
	T_EQ(close(fd), 0);
	th_write_file(dir, "x (deleted)", 4);
	fd = open(linked, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	T_ASSERT(fd >= 0);
	T_EQ(link(linked, other), 0);
	T_EQ(unlink(linked), 0);	/* the inode lives on as other-link */
	T_EQ(close(fd), 0);

	rh_drain(g, r, &e, false);
	v = rh_expect(&e, FAN_CLOSE_WRITE, gone);
	T_EQ(v->path.flags, LIBFANOTIFY_PATH_DELETED);
	v = rh_expect(&e, FAN_CLOSE_WRITE, real);
	T_EQ(v->path.flags, 0);
	v = rh_expect(&e, FAN_CLOSE_WRITE, linked);
	T_EQ(v->path.flags, LIBFANOTIFY_PATH_DELETED);
	free(real);
	real = rh_fmt("%s (deleted)", gone);
	rh_expect_none(&e, FAN_CLOSE_WRITE, real);
	rh_evs_free(&e);
	fan_resolver_free(r);
	fan_group_free(g);
	T_EQ(th_count_fds(), fds);
	free(gone), free(real), free(linked), free(other);
	printf("PASS\n");
	return 0;
}
