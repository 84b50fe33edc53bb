// SPDX-License-Identifier: MIT
/* Names of the kernel's bits and the release that brought each one. */
#include <errno.h>
#include <stdio.h>

#include "internal.h"

struct name {
	uint64_t bit;
	const char *name;
	const char *since;
};

static const struct name events[] = {
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

static const struct name init_flags[] = {
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

/* FAN_MARK_MNTNS (0x110) first: it shares its bits with MOUNT and FILESYSTEM. */
static const struct name mark_flags[] = {
	{ FAN_MARK_MNTNS, "FAN_MARK_MNTNS", "6.15" },
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
};

static const struct name info_types[] = {
	{ FAN_EVENT_INFO_TYPE_FID, "fid", "5.1" },
	{ FAN_EVENT_INFO_TYPE_DFID_NAME, "dfid_name", "5.9" },
	{ FAN_EVENT_INFO_TYPE_DFID, "dfid", "5.9" },
	{ FAN_EVENT_INFO_TYPE_PIDFD, "pidfd", "5.15" },
	{ FAN_EVENT_INFO_TYPE_ERROR, "error", "5.16" },
	{ FAN_EVENT_INFO_TYPE_RANGE, "range", "6.14" },
	{ FAN_EVENT_INFO_TYPE_MNT, "mnt", "6.15" },
	{ FAN_EVENT_INFO_TYPE_OLD_DFID_NAME, "old_dfid_name", "5.17" },
	{ FAN_EVENT_INFO_TYPE_NEW_DFID_NAME, "new_dfid_name", "5.17" },
};

#define LOOKUP(table, key) lookup(table, sizeof(table) / sizeof(table[0]), key)

static const struct name *lookup(const struct name *t, size_t n, uint64_t key)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (t[i].bit == key)
			return &t[i];
	return NULL;
}

LF_EXPORT const char *fan_event_name(uint64_t bit)
{
	const struct name *n = LOOKUP(events, bit);

	return n ? n->name : NULL;
}

LF_EXPORT const char *fan_event_since(uint64_t bit)
{
	const struct name *n = LOOKUP(events, bit);

	return n ? n->since : NULL;
}

LF_EXPORT uint64_t fan_event_from_name(const char *name)
{
	size_t i;

	if (!name)
		return 0;
	for (i = 0; i < sizeof(events) / sizeof(events[0]); i++)
		if (!strcmp(events[i].name, name))
			return events[i].bit;
	return 0;
}

LF_EXPORT const char *fan_init_flag_name(unsigned int flag)
{
	const struct name *n = LOOKUP(init_flags, flag);

	return n ? n->name : NULL;
}

LF_EXPORT const char *fan_init_flag_since(unsigned int flag)
{
	const struct name *n = LOOKUP(init_flags, flag);

	return n ? n->since : NULL;
}

LF_EXPORT const char *fan_mark_flag_name(unsigned int flag)
{
	const struct name *n = LOOKUP(mark_flags, flag);

	return n ? n->name : NULL;
}

LF_EXPORT const char *fan_mark_flag_since(unsigned int flag)
{
	const struct name *n = LOOKUP(mark_flags, flag);

	return n ? n->since : NULL;
}

LF_EXPORT const char *fan_info_type_name(unsigned int type)
{
	const struct name *n = LOOKUP(info_types, type);

	return n ? n->name : NULL;
}

LF_EXPORT int fan_mask_format(uint64_t mask, const char *sep, char *buf, size_t size)
{
	size_t i, len = 0;
	uint64_t known = 0;
	int n;

	if (!buf && size)
		return -EINVAL;
	if (!sep)
		sep = ",";
	if (size)
		buf[0] = '\0';
	for (i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
		if (!(mask & events[i].bit))
			continue;
		known |= events[i].bit;
		n = snprintf(size > len ? buf + len : NULL, size > len ? size - len : 0, "%s%s",
			     len ? sep : "", events[i].name);
		len += (size_t)n;
	}
	if (mask & ~known) {
		n = snprintf(size > len ? buf + len : NULL, size > len ? size - len : 0,
			     "%s0x%llx", len ? sep : "", (unsigned long long)(mask & ~known));
		len += (size_t)n;
	}
	return (int)len;
}
