// SPDX-License-Identifier: MIT
/*
 * Names and kernel versions of event bits, init and mark flags, record
 * types; fan_mask_format with snprintf semantics.  The expected tables are
 * written from kernel-fanotify.md, not copied from the library, so a wrong
 * version or a missing bit fails here.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fanotify/fanotify.h>

#include "th.h"

struct want {
	uint64_t bit;
	const char *name;
	const char *since;
};

static const struct want events[] = {
	{ FAN_ACCESS, "access", "2.6.37" },
	{ FAN_MODIFY, "modify", "2.6.37" },
	{ FAN_ATTRIB, "attrib", "5.1" },
	{ FAN_CLOSE_WRITE, "close_write", "2.6.37" },
	{ FAN_CLOSE_NOWRITE, "close_nowrite", "2.6.37" },
	{ FAN_OPEN, "open", "2.6.37" },
	{ FAN_MOVED_FROM, "moved_from", "5.1" },
	{ FAN_MOVED_TO, "moved_to", "5.1" },
	{ FAN_CREATE, "create", "5.1" },
	{ FAN_DELETE, "delete", "5.1" },
	{ FAN_DELETE_SELF, "delete_self", "5.1" },
	{ FAN_MOVE_SELF, "move_self", "5.1" },
	{ FAN_OPEN_EXEC, "open_exec", "5.0" },
	{ FAN_Q_OVERFLOW, "q_overflow", "2.6.37" },
	{ FAN_FS_ERROR, "fs_error", "5.16" },
	{ FAN_OPEN_PERM, "open_perm", "2.6.37" },
	{ FAN_ACCESS_PERM, "access_perm", "2.6.37" },
	{ FAN_OPEN_EXEC_PERM, "open_exec_perm", "5.0" },
	{ FAN_PRE_ACCESS, "pre_access", "6.14" },
	{ FAN_MNT_ATTACH, "mnt_attach", "6.15" },
	{ FAN_MNT_DETACH, "mnt_detach", "6.15" },
	{ FAN_EVENT_ON_CHILD, "event_on_child", "2.6.37" },
	{ FAN_RENAME, "rename", "5.17" },
	{ FAN_ONDIR, "ondir", "2.6.37" },
};
#define NEVENTS (sizeof(events) / sizeof(events[0]))

static const struct want init_flags[] = {
	{ FAN_CLOEXEC, "FAN_CLOEXEC", "2.6.37" },
	{ FAN_NONBLOCK, "FAN_NONBLOCK", "2.6.37" },
	{ FAN_CLASS_CONTENT, "FAN_CLASS_CONTENT", "2.6.37" },
	{ FAN_CLASS_PRE_CONTENT, "FAN_CLASS_PRE_CONTENT", "2.6.37" },
	{ FAN_UNLIMITED_QUEUE, "FAN_UNLIMITED_QUEUE", "2.6.37" },
	{ FAN_UNLIMITED_MARKS, "FAN_UNLIMITED_MARKS", "2.6.37" },
	{ FAN_ENABLE_AUDIT, "FAN_ENABLE_AUDIT", "4.15" },
	{ FAN_REPORT_PIDFD, "FAN_REPORT_PIDFD", "5.15" },
	{ FAN_REPORT_TID, "FAN_REPORT_TID", "4.20" },
	{ FAN_REPORT_FID, "FAN_REPORT_FID", "5.1" },
	{ FAN_REPORT_DIR_FID, "FAN_REPORT_DIR_FID", "5.9" },
	{ FAN_REPORT_NAME, "FAN_REPORT_NAME", "5.9" },
	{ FAN_REPORT_TARGET_FID, "FAN_REPORT_TARGET_FID", "5.17" },
	{ FAN_REPORT_FD_ERROR, "FAN_REPORT_FD_ERROR", "6.13" },
	{ FAN_REPORT_MNT, "FAN_REPORT_MNT", "6.15" },
};

static const struct want mark_flags[] = {
	{ FAN_MARK_ADD, "FAN_MARK_ADD", "2.6.37" },
	{ FAN_MARK_REMOVE, "FAN_MARK_REMOVE", "2.6.37" },
	{ FAN_MARK_DONT_FOLLOW, "FAN_MARK_DONT_FOLLOW", "2.6.37" },
	{ FAN_MARK_ONLYDIR, "FAN_MARK_ONLYDIR", "2.6.37" },
	{ FAN_MARK_MOUNT, "FAN_MARK_MOUNT", "2.6.37" },
	{ FAN_MARK_IGNORED_MASK, "FAN_MARK_IGNORED_MASK", "2.6.37" },
	{ FAN_MARK_IGNORED_SURV_MODIFY, "FAN_MARK_IGNORED_SURV_MODIFY", "2.6.37" },
	{ FAN_MARK_FLUSH, "FAN_MARK_FLUSH", "2.6.37" },
	{ FAN_MARK_FILESYSTEM, "FAN_MARK_FILESYSTEM", "4.20" },
	{ FAN_MARK_EVICTABLE, "FAN_MARK_EVICTABLE", "5.19" },
	{ FAN_MARK_IGNORE, "FAN_MARK_IGNORE", "6.0" },
	{ FAN_MARK_MNTNS, "FAN_MARK_MNTNS", "6.15" },	/* 0x110: not MOUNT, not FILESYSTEM */
};

static const struct want info_types[] = {
	{ 1, "fid", "" }, { 2, "dfid_name", "" }, { 3, "dfid", "" },
	{ 4, "pidfd", "" }, { 5, "error", "" }, { 6, "range", "" },
	{ 7, "mnt", "" }, { 10, "old_dfid_name", "" }, { 12, "new_dfid_name", "" },
};

static void test_events(void)
{
	size_t i;
	int bit, named = 0;

	for (i = 0; i < NEVENTS; i++) {
		T_STREQ(fan_event_name(events[i].bit), events[i].name);
		T_STREQ(fan_event_since(events[i].bit), events[i].since);
		T_EQ(fan_event_from_name(events[i].name), events[i].bit);
	}
	/* Exactly these bits have names; everything named round-trips. */
	for (bit = 0; bit < 64; bit++) {
		uint64_t b = 1ull << bit;
		const char *n = fan_event_name(b);

		if (!n) {
			T_ASSERT(fan_event_since(b) == NULL);
			continue;
		}
		named++;
		T_EQ(fan_event_from_name(n), b);
		T_ASSERT(fan_event_since(b) != NULL);
	}
	T_EQ(named, NEVENTS);
	T_ASSERT(fan_event_name(0) == NULL);
	T_ASSERT(fan_event_name(FAN_OPEN | FAN_CLOSE_WRITE) == NULL);
	T_ASSERT(fan_event_since(0) == NULL);
	T_EQ(fan_event_from_name("no_such_event"), 0);
	T_EQ(fan_event_from_name(""), 0);
	T_EQ(fan_event_from_name(NULL), 0);
	T_EQ(fan_event_from_name("open "), 0);
}

static void test_flags(void)
{
	size_t i;

	for (i = 0; i < sizeof(init_flags) / sizeof(init_flags[0]); i++) {
		T_STREQ(fan_init_flag_name((unsigned int)init_flags[i].bit), init_flags[i].name);
		T_STREQ(fan_init_flag_since((unsigned int)init_flags[i].bit), init_flags[i].since);
	}
	for (i = 0; i < sizeof(mark_flags) / sizeof(mark_flags[0]); i++) {
		T_STREQ(fan_mark_flag_name((unsigned int)mark_flags[i].bit), mark_flags[i].name);
		T_STREQ(fan_mark_flag_since((unsigned int)mark_flags[i].bit), mark_flags[i].since);
	}
	T_ASSERT(fan_init_flag_name(0x80000000u) == NULL);
	T_ASSERT(fan_init_flag_since(0x80000000u) == NULL);
	T_ASSERT(fan_init_flag_name(FAN_CLOEXEC | FAN_NONBLOCK) == NULL);
	T_ASSERT(fan_mark_flag_name(0x80000000u) == NULL);
	T_ASSERT(fan_mark_flag_since(0x80000000u) == NULL);
	T_ASSERT(fan_mark_flag_name(FAN_MARK_ADD | FAN_MARK_ONLYDIR) == NULL);
}

static void test_info_types(void)
{
	size_t i;
	unsigned int t;

	for (i = 0; i < sizeof(info_types) / sizeof(info_types[0]); i++)
		T_STREQ(fan_info_type_name((unsigned int)info_types[i].bit), info_types[i].name);
	for (t = 0; t < 300; t++) {
		bool known = (t >= 1 && t <= 7) || t == 10 || t == 12;

		T_EQ(fan_info_type_name(t) != NULL, known);
	}
}

/* fan_mask_format into an exactly sized allocation, compared to want. */
static void fmt(uint64_t mask, const char *sep, const char *want)
{
	size_t n = strlen(want), size;
	char *buf;

	T_EQ(fan_mask_format(mask, sep, NULL, 0), n);
	for (size = 1; size <= n + 1; size++) {
		buf = malloc(size);
		memset(buf, '#', size);
		T_EQ(fan_mask_format(mask, sep, buf, size), n);
		/* snprintf semantics: the longest prefix that fits, always terminated. */
		if (strlen(buf) != size - 1)
			th_fail("mask 0x%llx size %zu: \"%s\"", (unsigned long long)mask, size, buf);
		if (strncmp(buf, want, size - 1))
			th_fail("mask 0x%llx size %zu: \"%s\" is not a prefix of \"%s\"",
				(unsigned long long)mask, size, buf, want);
		free(buf);
	}
}

static void test_mask_format(void)
{
	char buf[8];

	fmt(FAN_OPEN, ",", "open");
	fmt(FAN_OPEN | FAN_CLOSE_WRITE, ",", "close_write,open");
	fmt(FAN_OPEN | FAN_CLOSE_WRITE, NULL, "close_write,open");	/* NULL sep: "," */
	fmt(FAN_CREATE | FAN_ONDIR, " | ", "create | ondir");
	fmt(FAN_MNT_ATTACH | FAN_MNT_DETACH, "|", "mnt_attach|mnt_detach");
	fmt(FAN_PRE_ACCESS | FAN_OPEN_PERM, ",", "open_perm,pre_access");
	fmt(1ull << 40, ",", "0x10000000000");
	fmt(FAN_OPEN | (1ull << 40) | (1ull << 50), ",", "open,0x4010000000000");
	fmt(0x2000 | FAN_ACCESS, "", "access0x2000");
	fmt(0, ",", "");
	/* Size 0 writes nothing. */
	memset(buf, 'Z', sizeof(buf));
	T_EQ(fan_mask_format(FAN_OPEN, ",", buf, 0), 4);
	T_EQ(buf[0], 'Z');
	/* A NULL buffer with a size is misuse, not a crash. */
	T_EQ(fan_mask_format(FAN_OPEN, ",", NULL, 8), -EINVAL);
}

/* Every named bit together: the format is the names in bit order. */
static void test_mask_format_all(void)
{
	char want[1024] = "", got[1024];
	uint64_t all = 0;
	int bit;

	for (bit = 0; bit < 64; bit++) {
		const char *n = fan_event_name(1ull << bit);

		if (!n)
			continue;
		all |= 1ull << bit;
		if (want[0])
			strcat(want, ",");
		strcat(want, n);
	}
	T_EQ(fan_mask_format(all, ",", got, sizeof(got)), strlen(want));
	T_STREQ(got, want);
	snprintf(want + strlen(want), sizeof(want) - strlen(want), ",0x%llx",
		 (unsigned long long)~all);
	T_EQ(fan_mask_format(~0ull, ",", got, sizeof(got)), strlen(want));
	T_STREQ(got, want);
}

int main(void)
{
	th_init(30);
	test_events();
	test_flags();
	test_info_types();
	test_mask_format();
	test_mask_format_all();
	return 0;
}
