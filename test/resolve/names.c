// SPDX-License-Identifier: MIT
/*
 * Names are bytes: anything but NUL and '/'.  Newline, quotes, backslash,
 * invalid UTF-8 and a 255-byte name come back exactly, in FID mode (from
 * the kernel's name records, also through a directory with such a name and
 * in a rename's new path, or its MOVED_TO before Linux 5.17) and in fd
 * mode (from readlink()).
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

static char dir[256];
static char long_name[256];
static const char *names[] = {
	"new\nline", "quo\"te'", "back\\slash", "bad\xff\xfeutf8\xc3", "tab\tand space ",
	"\xe2\x82", long_name,
};
#define NNAMES (sizeof(names) / sizeof(names[0]))

static void fid_mode(void)
{
	struct fan_group *g = rh_group(FAN_REPORT_DFID_NAME | FAN_REPORT_FID, O_RDONLY);
	struct fan_resolver *r = rh_resolver(g, 0);
	char *wd = rh_fmt("%s/d\n\xff", dir), *p, *q;
	struct rh_evs e = { 0 };
	const struct rh_ev *v;
	size_t i;

	T_EQ(mkdir(wd, 0755), 0);
	T_EQ(fan_group_add_mark(g, FAN_MARK_FILESYSTEM,
				FAN_CREATE | FAN_CLOSE_WRITE | rh_rename_mask() | FAN_ONDIR, dir), 0);
	for (i = 0; i < NNAMES; i++)
		th_write_file(wd, names[i], 3);
	p = rh_fmt("%s/%s", wd, names[0]);
	q = rh_fmt("%s/%s", dir, names[3]);
	T_EQ(rename(p, q), 0);
	rh_drain(g, r, &e, false);
	for (i = 0; i < NNAMES; i++) {
		char *want = rh_fmt("%s/%s", wd, names[i]);

		v = rh_expect(&e, FAN_CREATE, want);
		T_EQ(v->path.error, 0);
		T_EQ(v->path.len, strlen(want));
		rh_expect(&e, FAN_CLOSE_WRITE, want);
		free(want);
	}
	rh_expect_rename(&e, p, q);
	rh_evs_free(&e);
	fan_resolver_free(r);
	fan_group_free(g);
	free(wd), free(p), free(q);
}

static void fd_mode(void)
{
	struct fan_group *g = rh_group(FAN_CLASS_NOTIF, O_RDONLY);
	struct fan_resolver *r = rh_resolver(g, 0);
	char *wd = rh_fmt("%s/fd\\\"\xfe", dir);
	struct rh_evs e = { 0 };
	const struct rh_ev *v;
	size_t i;

	T_EQ(mkdir(wd, 0755), 0);
	T_EQ(fan_group_add_mark(g, FAN_MARK_MOUNT, FAN_CLOSE_WRITE, dir), 0);
	for (i = 0; i < NNAMES; i++)
		th_write_file(wd, names[i], 3);
	rh_drain(g, r, &e, false);
	for (i = 0; i < NNAMES; i++) {
		char *want = rh_fmt("%s/%s", wd, names[i]);

		v = rh_expect(&e, FAN_CLOSE_WRITE, want);
		T_EQ(v->path.flags, 0);
		free(want);
	}
	rh_evs_free(&e);
	fan_resolver_free(r);
	fan_group_free(g);
	free(wd);
}

int main(void)
{
	th_init(60);
	memset(long_name, 'n', 255);
	long_name[0] = '\x80';	/* a lone continuation byte, for good measure */
	th_private_tmpfs(dir, sizeof(dir));
	fid_mode();
	fd_mode();
	printf("PASS\n");
	return 0;
}
