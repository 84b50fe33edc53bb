// SPDX-License-Identifier: MIT
/*
 * Two filesystems with one fsid: an ext4 image and a copy of it, both
 * mounted.  Events name a filesystem by fsid alone, so they could not be
 * told apart: a group reporting file handles refuses a mark on the second
 * (-EXDEV, filesystem and inode marks alike), places no mark on it (its
 * events never arrive), and keeps resolving the first.  A second mark on
 * the first (another mount of it, same device) is fine, and once the first
 * is unmounted the copy can be marked.  Groups receiving descriptors are
 * not concerned.
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

#define MASK (FAN_CREATE | FAN_DELETE | FAN_ONDIR)

int main(void)
{
	char a[256], img[300], b[300], bind[300], cmd[2048], *pa, *pb;
	struct fan_group *g, *fdg;
	struct fan_resolver *r;
	struct rh_evs e = { 0 };
	struct fan_fsid fa, fb;
	size_t i;
	int fds;

	th_init(90);
	th_private_ext4(a, sizeof(a), 32, NULL, img, sizeof(img));
	snprintf(b, sizeof(b), "%s-copy", a);
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s.copy' && mkdir '%s' && mount -o loop '%s.copy' '%s'",
		 img, img, b, img, b);
	if (system(cmd) != 0)
		th_skip("cannot mount a copy of the ext4 image");
	fa = rh_fsid_of(a), fb = rh_fsid_of(b);
	if (memcmp(&fa, &fb, sizeof(fa)))
		th_skip("the copy has another fsid here");
	snprintf(bind, sizeof(bind), "%s-bind", a);
	T_EQ(mkdir(bind, 0755), 0);
	T_EQ(mount(a, bind, NULL, MS_BIND, NULL), 0);
	fds = th_count_fds();

	g = rh_group(FAN_REPORT_DFID_NAME | FAN_REPORT_FID, O_RDONLY);
	r = rh_resolver(g, 0);
	T_EQ(fan_group_add_mark(g, FAN_MARK_FILESYSTEM, MASK, a), 0);
	T_EQ(fan_group_add_mark(g, FAN_MARK_FILESYSTEM, MASK, b), -EXDEV);
	T_EQ(fan_group_add_mark(g, 0, MASK, b), -EXDEV);
	T_EQ(fan_group_mark(g, FAN_MARK_ADD | FAN_MARK_MOUNT, FAN_OPEN, AT_FDCWD, b), -EXDEV);
	T_EQ(fan_group_add_mark(g, FAN_MARK_FILESYSTEM, MASK, bind), 0);	/* same device */
	th_write_file(a, "on-a", 0);
	th_write_file(b, "only-on-b", 0);
	rh_drain(g, r, &e, false);
	pa = rh_fmt("%s/on-a", a);
	T_EQ(rh_expect(&e, FAN_CREATE, pa)->path.error, 0);
	for (i = 0; i < e.n; i++)
		if (e.v[i].path.path && strstr(e.v[i].path.path, "only-on-b")) {
			rh_dump(&e);
			th_fail("an event of the copy arrived");
		}
	rh_evs_free(&e);

	/* descriptors tell filesystems apart: nothing refused */
	fdg = rh_group(FAN_CLASS_NOTIF, O_RDONLY);
	T_EQ(fan_group_add_mark(fdg, FAN_MARK_FILESYSTEM, FAN_CLOSE_WRITE, a), 0);
	T_EQ(fan_group_add_mark(fdg, FAN_MARK_FILESYSTEM, FAN_CLOSE_WRITE, b), 0);
	fan_group_free(fdg);

	/* the first gone: the copy may be marked now */
	fan_resolver_free(r);
	fan_group_free(g);
	g = rh_group(FAN_REPORT_DFID_NAME | FAN_REPORT_FID, O_RDONLY);
	r = rh_resolver(g, 0);
	T_EQ(fan_group_add_mark(g, FAN_MARK_FILESYSTEM, MASK, a), 0);
	T_EQ(umount2(bind, 0), 0);
	T_EQ(umount2(a, 0), 0);
	T_EQ(fan_group_add_mark(g, FAN_MARK_FILESYSTEM, MASK, b), 0);
	th_write_file(b, "b-now", 0);
	rh_drain(g, r, &e, false);
	pb = rh_fmt("%s/b-now", b);
	T_EQ(rh_expect(&e, FAN_CREATE, pb)->path.error, 0);
	rh_evs_free(&e);
	fan_resolver_free(r);
	fan_group_free(g);
	T_EQ(umount2(b, 0), 0);
	T_EQ(th_count_fds(), fds);
	free(pa), free(pb);
	printf("PASS\n");
	return 0;
}
