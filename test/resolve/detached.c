// SPDX-License-Identifier: MIT
/*
 * A filesystem reachable only through a detached mount (open_tree(2)
 * OPEN_TREE_CLONE, the original mount gone): its root has no path the
 * library could reopen ("/" leads to our own root), so the library must
 * keep a descriptor on it, or handles of directories no mark recorded
 * could not be opened and their events would resolve to a bare name.
 * Checked: a CREATE in a directory made after the mark resolves to its
 * full path within the detached tree, not PARTIAL.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "th.h"
#include "rh.h"

int main(void)
{
	char dir[256];
	struct rh_evs e = { 0 };
	struct fan_resolver *r;
	struct fan_group *g;
	const struct rh_ev *v;
	int t, root, sub, fd;

	th_init(30);
	th_private_tmpfs(dir, sizeof(dir));
	t = open_tree(AT_FDCWD, dir, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (t < 0)
		th_skip("open_tree(OPEN_TREE_CLONE): %s", strerror(errno));
	T_EQ(umount2(dir, MNT_DETACH), 0);	/* the clone is the only way in now */

	g = rh_group(FAN_CLASS_NOTIF | FAN_REPORT_DFID_NAME | FAN_REPORT_FID, O_RDONLY);
	r = rh_resolver(g, 0);
	root = openat(t, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);	/* not O_PATH: fanotify_mark() refuses those */
	T_ASSERT(root >= 0);
	T_EQ(fan_group_add_mark_fd(g, FAN_MARK_FILESYSTEM, FAN_CREATE, root), 0);
	close(root);
	T_EQ(mkdirat(t, "later", 0755), 0);
	sub = openat(t, "later", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	T_ASSERT(sub >= 0);
	fd = openat(sub, "f", O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	T_ASSERT(fd >= 0);
	close(fd);
	close(sub);
	usleep(20 * 1000);
	rh_drain(g, r, &e, false);
	v = rh_expect(&e, FAN_CREATE, "/later/f");
	T_ASSERT(!(v->path.flags & LIBFANOTIFY_PATH_PARTIAL));
	printf("detached mount: /later/f resolved in full\n");
	rh_evs_free(&e);
	fan_resolver_free(r);
	fan_group_free(g);
	close(t);
	return 0;
}
