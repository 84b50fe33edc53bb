// SPDX-License-Identifier: MIT
/*
 * Marking a file must not keep it open: the library's descriptor for
 * open_by_handle_at() is the root of the file's mount, so a marked file
 * that is deleted is freed, its DELETE_SELF arrives, and that event still
 * resolves to the file's path (recorded at mark time) with DELETED set.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "th.h"
#include "rh.h"

int main(void)
{
	char dir[256], sub[300], link[64], root[4096], *file;
	struct fan_fsid fsid;
	struct rh_evs e = { 0 };
	struct fan_resolver *r;
	struct fan_group *g;
	const struct rh_ev *v;
	struct statfs st;
	ssize_t n;
	int mfd;

	th_init(30);
	th_private_tmpfs(dir, sizeof(dir));
	snprintf(sub, sizeof(sub), "%s/a", dir);
	T_EQ(mkdir(sub, 0755), 0);
	snprintf(sub, sizeof(sub), "%s/a/b", dir);
	T_EQ(mkdir(sub, 0755), 0);
	th_write_file(sub, "victim", 100);
	file = rh_fmt("%s/victim", sub);
	g = rh_group(FAN_CLASS_NOTIF | FAN_REPORT_FID, O_RDONLY);
	r = rh_resolver(g, 0);
	T_EQ(fan_group_add_mark(g, 0, FAN_DELETE_SELF | FAN_ATTRIB, file), 0);

	/* the descriptor kept for the filesystem is its mount's root, not the file */
	T_EQ(statfs(dir, &st), 0);
	memcpy(fsid.val, &st.f_fsid, sizeof(fsid.val));
	mfd = fan_group_mount_fd(g, &fsid);
	T_ASSERT(mfd >= 0);
	snprintf(link, sizeof(link), "/proc/self/fd/%d", mfd);
	n = readlink(link, root, sizeof(root) - 1);
	T_ASSERT(n > 0);
	root[n] = '\0';
	T_STREQ(root, dir);
	T_ASSERT(!rh_holds(file));

	T_EQ(unlink(file), 0);
	usleep(50 * 1000);
	rh_drain(g, r, &e, false);
	v = rh_expect(&e, FAN_DELETE_SELF, file);
	T_ASSERT(v->path.flags & LIBFANOTIFY_PATH_DELETED);
	rh_evs_free(&e);
	fan_resolver_free(r);
	fan_group_free(g);
	free(file);
	return 0;
}
