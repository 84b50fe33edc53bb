// SPDX-License-Identifier: MIT
/*
 * Directory entry events in every file-handle report mode: CREATE,
 * MOVED_FROM, MOVED_TO and DELETE with FAN_REPORT_FID (the directory's
 * FID), FAN_REPORT_DFID_NAME (directory and name) and
 * FAN_REPORT_DFID_NAME_TARGET (directory and name, then the child's FID);
 * FAN_RENAME as one event with OLD_DFID_NAME then NEW_DFID_NAME.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fidcheck.h"

#define DIRENT (FAN_CREATE | FAN_DELETE | FAN_MOVED_FROM | FAN_MOVED_TO)

static char base[256];

struct mode {
	const char *name;
	unsigned int flags;
};

struct setup {
	char d1[300], d2[300];
	struct lv_handle h1, h2;
	struct fan_group *g;
};

static void make_dirs(struct setup *s, const char *mode, unsigned int init, uint64_t mask)
{
	char sub[300];

	lv_join(sub, sizeof(sub), base, mode);
	T_EQ(mkdir(sub, 0755), 0);
	lv_join(s->d1, sizeof(s->d1), sub, "d1");
	lv_join(s->d2, sizeof(s->d2), sub, "d2");
	T_EQ(mkdir(s->d1, 0755), 0);
	T_EQ(mkdir(s->d2, 0755), 0);
	lv_handle_of(s->d1, &s->h1);
	lv_handle_of(s->d2, &s->h2);
	s->g = lv_group(FAN_CLASS_NOTIF | FAN_NONBLOCK | init, 0);
	lv_mark(s->g, 0, mask, s->d1);
	lv_mark(s->g, 0, mask, s->d2);
}

static struct fan_event *one_event(struct fan_group *g, uint64_t mask, const char *what)
{
	struct fan_event *ev;
	int n = lv_read(g, 2000);

	if (n != 1)
		th_fail("%s: %d events, expected 1", what, n);
	ev = fan_group_first_event(g);
	if (fan_event_mask(ev) != mask)
		th_fail("%s: mask %s, expected %s", what, lv_mask(fan_event_mask(ev)),
			lv_mask(mask));
	T_EQ(fan_event_fd(ev), FAN_NOFD);
	return ev;
}

/* The records one mode must give for an entry name of directory dir. */
static void expect_records(const struct fan_event *ev, unsigned int init,
			   const struct lv_handle *dir, const char *name,
			   const struct lv_handle *child)
{
	const struct fan_info *rec = fan_event_first_info(ev);

	if ((init & FAN_REPORT_DFID_NAME) != FAN_REPORT_DFID_NAME) {
		T_STREQ(lv_record_types(ev), "fid");
		lv_expect_fid(rec, FAN_EVENT_INFO_TYPE_FID, dir, NULL);
		return;
	}
	lv_expect_fid(rec, FAN_EVENT_INFO_TYPE_DFID_NAME, dir, name);
	if (!(init & FAN_REPORT_TARGET_FID)) {
		T_STREQ(lv_record_types(ev), "dfid_name");
		return;
	}
	T_STREQ(lv_record_types(ev), "dfid_name,fid");
	lv_expect_fid(fan_event_next_info(ev, rec), FAN_EVENT_INFO_TYPE_FID, child, NULL);
}

static void dirent_mode(const struct mode *m)
{
	char a[400], b[400];
	struct lv_handle hfile;
	struct setup s;
	struct fan_event *ev;

	th_require_init(FAN_CLASS_NOTIF | m->flags, 0);
	make_dirs(&s, m->name, m->flags, DIRENT);
	lv_join(a, sizeof(a), s.d1, "a");
	lv_join(b, sizeof(b), s.d2, "b");

	T_EQ(mknod(a, S_IFREG | 0644, 0), 0);
	lv_handle_of(a, &hfile);
	ev = one_event(s.g, FAN_CREATE, m->name);
	expect_records(ev, m->flags, &s.h1, "a", &hfile);

	T_EQ(rename(a, b), 0);
	T_EQ(lv_read(s.g, 2000), 2);
	ev = lv_find(s.g, FAN_MOVED_FROM, 0);
	T_ASSERT(ev);
	T_EQ(fan_event_mask(ev), FAN_MOVED_FROM);
	expect_records(ev, m->flags, &s.h1, "a", &hfile);
	ev = lv_find(s.g, FAN_MOVED_TO, 0);
	T_ASSERT(ev);
	T_EQ(fan_event_mask(ev), FAN_MOVED_TO);
	expect_records(ev, m->flags, &s.h2, "b", &hfile);

	T_EQ(unlink(b), 0);
	ev = one_event(s.g, FAN_DELETE, m->name);
	expect_records(ev, m->flags, &s.h2, "b", &hfile);

	/* A directory: the same events, with FAN_ONDIR when asked for. */
	lv_mark(s.g, 0, DIRENT | FAN_ONDIR, s.d1);
	T_EQ(mkdir(a, 0755), 0);
	lv_handle_of(a, &hfile);
	ev = one_event(s.g, FAN_CREATE | FAN_ONDIR, m->name);
	expect_records(ev, m->flags, &s.h1, "a", &hfile);
	fan_group_free(s.g);
	printf("%s: create, moved_from, moved_to, delete ok\n", m->name);
}

static void rename_mode(const struct mode *m)
{
	char a[400], b[400];
	struct lv_handle hfile;
	const struct fan_info *rec;
	struct fan_event *ev;
	struct setup s;

	lv_require_mark(FAN_CLASS_NOTIF | m->flags, 0, FAN_RENAME, AT_FDCWD, base);
	make_dirs(&s, m->name, m->flags, FAN_RENAME);
	lv_join(a, sizeof(a), s.d1, "old");
	lv_join(b, sizeof(b), s.d2, "new");
	th_write_file(s.d1, "old", 1);
	lv_handle_of(a, &hfile);
	lv_expect_quiet(s.g, 0, "creating a file under a FAN_RENAME-only mark");
	T_EQ(rename(a, b), 0);
	ev = one_event(s.g, FAN_RENAME, m->name);
	rec = fan_event_first_info(ev);
	lv_expect_fid(rec, FAN_EVENT_INFO_TYPE_OLD_DFID_NAME, &s.h1, "old");
	rec = fan_event_next_info(ev, rec);
	lv_expect_fid(rec, FAN_EVENT_INFO_TYPE_NEW_DFID_NAME, &s.h2, "new");
	if (m->flags & FAN_REPORT_TARGET_FID) {
		T_STREQ(lv_record_types(ev), "old_dfid_name,new_dfid_name,fid");
		lv_expect_fid(fan_event_next_info(ev, rec), FAN_EVENT_INFO_TYPE_FID, &hfile, NULL);
	} else {
		T_STREQ(lv_record_types(ev), "old_dfid_name,new_dfid_name");
	}
	fan_group_free(s.g);
	printf("%s: rename ok\n", m->name);
}

int main(void)
{
	static const struct mode dirent_modes[] = {
		{ "fid", FAN_REPORT_FID },
		{ "dfid_name", FAN_REPORT_DFID_NAME },
		{ "dfid_name_target", FAN_REPORT_DFID_NAME_TARGET },
	};
	static const struct mode rename_modes[] = {
		{ "rename_dfid_name", FAN_REPORT_DFID_NAME },
		{ "rename_target", FAN_REPORT_DFID_NAME_TARGET },
	};
	size_t i;

	th_init(20);
	th_private_tmpfs(base, sizeof(base));
	lv_require_mark(FAN_CLASS_NOTIF | FAN_REPORT_FID, FAN_MARK_FILESYSTEM, FAN_CREATE,
			AT_FDCWD, base);
	for (i = 0; i < sizeof(dirent_modes) / sizeof(dirent_modes[0]); i++)
		dirent_mode(&dirent_modes[i]);
	for (i = 0; i < sizeof(rename_modes) / sizeof(rename_modes[0]); i++)
		rename_mode(&rename_modes[i]);
	printf("PASS\n");
	return 0;
}
