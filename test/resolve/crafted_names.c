// SPDX-License-Identifier: MIT
/*
 * Names from a crafted buffer: an entry name with '/', "..", or nothing at
 * all cannot come from the kernel, and joining it to a directory's path
 * would name something else ("d/../../etc/passwd").  Synthetic events
 * (fan_buffer_validate() / fan_buffer_first() / fan_buffer_next()) that
 * carry the real handle of a marked directory with such names are refused:
 * -EBADMSG, no path, not even a partial name; "." (the directory itself)
 * and ordinary names resolve.  Also as the new name of a FAN_RENAME, and
 * in a group that cannot open handles (the name alone would be given).
 */
#define _GNU_SOURCE
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
#include "builder.h"

static char dir[256];

static const char *const bad[] = { "../../etc/passwd", "..", "a/b", "/", "", "x/..", "../" };
#define NBAD (sizeof(bad) / sizeof(bad[0]))

struct dir_fid {
	struct bb_fid f;
	union {
		struct file_handle fh;
		unsigned char space[sizeof(struct file_handle) + 128];
	} u;
};

static void dir_fid(const char *path, struct dir_fid *d)
{
	struct statfs st;
	int mnt;

	d->u.fh.handle_bytes = 128;
	T_EQ(name_to_handle_at(AT_FDCWD, path, &d->u.fh, &mnt, 0), 0);
	T_EQ(statfs(path, &st), 0);
	memcpy(d->f.fsid, &st.f_fsid, sizeof(d->f.fsid));
	d->f.handle_type = d->u.fh.handle_type;
	d->f.handle_bytes = d->u.fh.handle_bytes;
	d->f.handle = d->u.fh.f_handle;
}

static void check(struct fan_resolver *r, const struct fan_event *ev, const char *want)
{
	struct fan_path p, np;
	int res = fan_resolve_path(r, ev, &p, &np);

	if (!(fan_event_mask(ev) & FAN_RENAME)) {
		if (!want) {
			if (res != -EBADMSG || p.path || p.error != -EBADMSG)
				th_fail("a bad name resolved: %d %s", res, p.path ? p.path : "(null)");
			return;
		}
		T_EQ(res, 0);
		T_STREQ(p.path, want);
		T_EQ(p.flags & LIBFANOTIFY_PATH_PARTIAL, 0);
		return;
	}
	T_EQ(res, 0);			/* the old name is fine */
	T_ASSERT(p.path != NULL);
	T_ASSERT(np.path == NULL);
	T_EQ(np.error, -EBADMSG);
}

static void run(bool unpriv)
{
	char *d = rh_fmt("%s/%s", dir, unpriv ? "u" : "p"), *ok = rh_fmt("%s/ok", d);
	struct fan_group *g = rh_group(FAN_REPORT_DFID_NAME | FAN_REPORT_FID, O_RDONLY);
	struct fan_resolver *r = rh_resolver(g, 0);
	struct fan_event *ev;
	struct dir_fid df;
	struct bb b;
	unsigned char *buf;
	size_t i, valid;
	int n;

	T_EQ(fan_group_add_mark(g, 0, FAN_CREATE | FAN_ONDIR, d), 0);
	dir_fid(d, &df);
	bb_init(&b);
	for (i = 0; i < NBAD; i++) {
		df.f.name = bad[i];
		bb_event(&b, FAN_CREATE, FAN_NOFD, 1);
		bb_fid_rec(&b, FAN_EVENT_INFO_TYPE_DFID_NAME, &df.f);
	}
	df.f.name = ".";
	bb_event(&b, FAN_ATTRIB | FAN_ONDIR, FAN_NOFD, 1);
	bb_fid_rec(&b, FAN_EVENT_INFO_TYPE_DFID_NAME, &df.f);
	df.f.name = "ok";
	bb_event(&b, FAN_CREATE, FAN_NOFD, 1);
	bb_fid_rec(&b, FAN_EVENT_INFO_TYPE_DFID_NAME, &df.f);
	bb_event(&b, FAN_RENAME | FAN_ONDIR, FAN_NOFD, 1);
	bb_fid_rec(&b, FAN_EVENT_INFO_TYPE_OLD_DFID_NAME, &df.f);
	df.f.name = "../escaped";
	bb_fid_rec(&b, FAN_EVENT_INFO_TYPE_NEW_DFID_NAME, &df.f);
	buf = bb_exact(&b, b.len);
	n = fan_buffer_validate(buf, b.len, &valid);
	T_EQ(n, (int)NBAD + 3);
	T_EQ(valid, b.len);
	i = 0;
	for (ev = fan_buffer_first(buf, b.len); ev; ev = fan_buffer_next(buf, b.len, ev), i++)
		check(r, ev, i < NBAD ? NULL : i == NBAD ? d : ok);
	T_EQ(i, NBAD + 3);
	free(buf);
	bb_free(&b);
	fan_resolver_free(r);
	fan_group_free(g);
	free(d), free(ok);
}

/* The unprivileged case: runs under rh_unprivileged(). */
static void unpriv_child(void *arg)
{
	(void)arg;
	run(true);
}

int main(void)
{
	char *p, *u;

	th_init(30);
	rh_shared_tmpfs(dir, sizeof(dir));
	p = rh_fmt("%s/p", dir);
	u = rh_fmt("%s/u", dir);
	T_EQ(mkdir(p, 0777), 0);
	T_EQ(mkdir(u, 0777), 0);
	free(p), free(u);
	run(false);
	rh_unprivileged(unpriv_child, NULL);
	printf("PASS\n");
	return 0;
}
