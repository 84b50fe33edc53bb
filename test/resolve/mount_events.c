// SPDX-License-Identifier: MIT
/*
 * Paths of events that name a mount or a filesystem rather than a file.
 * MNT records (FAN_REPORT_MNT, Linux 6.15): an attach resolves to the mount
 * point through statmount(); a detach, read when the mount is gone, gives
 * the path seen at its attach, or -ENOENT if none was seen.  FS_ERROR
 * (Linux 5.16) on a loop-mounted ext4: an error on a corrupted inode is
 * named only from what is known already (opening its handle would raise
 * another FS_ERROR, forever: the queue must drain); an error of the whole
 * filesystem (no object: handle type 255) gives the filesystem's mount
 * point.
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

static bool mnt_case(const char *dir)
{
	char *m0 = rh_fmt("%s/m0", dir), *m1 = rh_fmt("%s/m1", dir), *m2 = rh_fmt("%s/m2", dir);
	struct fan_group *g;
	struct fan_resolver *r;
	struct rh_evs e = { 0 };
	const struct rh_ev *v;
	int res;

	if (fan_probe_init(FAN_REPORT_MNT, 0) < 0) {
		printf("no FAN_REPORT_MNT (Linux 6.15) here: MNT part not run\n");
		free(m0), free(m1), free(m2);
		return false;
	}
	T_EQ(mkdir(m0, 0755), 0);
	T_EQ(mount("tmpfs", m0, "tmpfs", 0, NULL), 0);	/* older than the resolver */
	g = rh_group(FAN_REPORT_MNT, O_RDONLY);
	r = rh_resolver(g, 0);
	res = fan_group_add_mntns_mark(g, FAN_MNT_ATTACH | FAN_MNT_DETACH, -1);
	if (res < 0)
		th_fail("mntns mark: %s", strerror(-res));
	T_EQ(umount2(m0, 0), 0);
	rh_drain(g, r, &e, false);
	rh_expect(&e, FAN_MNT_DETACH, m0);	/* known since the resolver started */
	rh_evs_free(&e);
	T_EQ(mkdir(m1, 0755), 0);
	T_EQ(mkdir(m2, 0755), 0);
	T_EQ(mount("tmpfs", m1, "tmpfs", 0, NULL), 0);
	rh_drain(g, r, &e, false);
	v = rh_expect(&e, FAN_MNT_ATTACH, m1);
	T_EQ(v->path.flags, LIBFANOTIFY_PATH_DIR);
	rh_evs_free(&e);
	T_EQ(umount2(m1, 0), 0);
	T_EQ(mount("tmpfs", m2, "tmpfs", 0, NULL), 0);
	T_EQ(umount2(m2, 0), 0);	/* attach and detach both read after it is gone */
	rh_drain(g, r, &e, false);
	rh_expect(&e, FAN_MNT_DETACH, m1);	/* remembered from its attach */
	v = rh_find(&e, FAN_MNT_DETACH, NULL);
	for (size_t i = 0; i < e.n; i++)
		if (e.v[i].mask & FAN_MNT_ATTACH)
			v = &e.v[i];	/* m2's attach: nothing to ask any more */
	T_ASSERT(v && !v->path.path && v->path.error == -ENOENT);
	rh_evs_free(&e);
	fan_resolver_free(r);
	fan_group_free(g);
	free(m0), free(m1), free(m2);
	return true;
}

static void fs_error_case(bool mnt_done)
{
	char dir[256], img[300], cmd[1024], *bad;
	struct fan_group *g;
	struct fan_resolver *r;
	struct rh_evs e = { 0 };
	const struct rh_ev *v;
	size_t i;
	int fd;

	if (fan_probe_mark(FAN_REPORT_FID, FAN_MARK_FILESYSTEM, FAN_FS_ERROR, -1, NULL) == -EINVAL) {
		if (!mnt_done)
			th_skip("FAN_REPORT_MNT needs Linux 6.15 and FAN_FS_ERROR Linux 5.16: "
				"neither here");
		printf("no FAN_FS_ERROR (Linux 5.16) here: FS_ERROR part not run\n");
		return;
	}
	if (system("command -v debugfs >/dev/null 2>&1") != 0)
		th_skip("debugfs not installed (e2fsprogs)");
	th_private_ext4(dir, sizeof(dir), 16, NULL, img, sizeof(img));
	bad = rh_fmt("%s/bad", dir);
	T_EQ(mkdir(bad, 0755), 0);
	T_EQ(umount2(dir, 0), 0);
	snprintf(cmd, sizeof(cmd), "debugfs -w -R 'sif bad mode 0xff' %s >/dev/null 2>&1", img);
	T_EQ(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "mount -o loop %s %s", img, dir);
	T_EQ(system(cmd), 0);
	g = rh_group(FAN_REPORT_DFID_NAME | FAN_REPORT_FID, O_RDONLY);
	r = rh_resolver(g, 0);
	T_EQ(fan_group_add_mark(g, FAN_MARK_FILESYSTEM, FAN_FS_ERROR, dir), 0);
	fd = open(bad, O_RDONLY);
	T_ASSERT(fd < 0 && errno == EUCLEAN);
	rh_drain(g, r, &e, false);
	v = rh_expect(&e, FAN_FS_ERROR, NULL);
	/* never opened, never seen before: unknown, and the queue is empty now */
	T_ASSERT(!v->path.path && v->path.error == -ENOENT);
	T_EQ(e.n, 1);
	rh_evs_free(&e);
	if (mount(NULL, dir, NULL, MS_REMOUNT | MS_RDONLY, "abort") < 0)
		th_fail("remount abort: %s", strerror(errno));
	rh_drain(g, r, &e, false);
	for (i = 0, v = NULL; i < e.n; i++)
		if ((e.v[i].mask & FAN_FS_ERROR) && e.v[i].path.path)
			v = &e.v[i];
	if (!v)
		rh_dump(&e);
	T_ASSERT(v);
	T_STREQ(v->path.path, dir);
	T_EQ(v->path.flags & LIBFANOTIFY_PATH_DIR, LIBFANOTIFY_PATH_DIR);
	rh_evs_free(&e);
	fan_resolver_free(r);
	fan_group_free(g);
	free(bad);
}

int main(void)
{
	char dir[256];
	bool mnt_done;
	int fds;

	th_init(90);
	th_private_tmpfs(dir, sizeof(dir));
	fds = th_count_fds();
	mnt_done = mnt_case(dir);
	T_EQ(th_count_fds(), fds);
	fs_error_case(mnt_done);
	printf("PASS\n");
	return 0;
}
