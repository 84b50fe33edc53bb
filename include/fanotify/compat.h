/* SPDX-License-Identifier: MIT */
/*
 * Kernel fanotify constants newer than the oldest system header libfanotify
 * supports (Linux 6.1 uapi, as shipped by Debian 12).  Each one is defined
 * only where <linux/fanotify.h> lacks it, with the kernel release that added
 * it, so a newer system header always wins.  Values are the kernel's ABI.
 *
 * Structures newer than 6.1 (range, mount and audit-rule records) are not
 * declared here under the kernel's names, so this header never clashes with
 * a newer <linux/fanotify.h>; libfanotify reads them through its own
 * accessors (fan_info_range(), fan_info_mnt(), struct fan_audit_rule).
 */
#ifndef LIBFANOTIFY_COMPAT_H
#define LIBFANOTIFY_COMPAT_H

#include <linux/fanotify.h>

/* ---- fanotify_init() flags ---- */
#ifndef FAN_REPORT_PIDFD
#define FAN_REPORT_PIDFD	0x00000080	/* 5.15 */
#endif
#ifndef FAN_REPORT_TID
#define FAN_REPORT_TID		0x00000100	/* 4.20 */
#endif
#ifndef FAN_REPORT_FID
#define FAN_REPORT_FID		0x00000200	/* 5.1 */
#endif
#ifndef FAN_REPORT_DIR_FID
#define FAN_REPORT_DIR_FID	0x00000400	/* 5.9 */
#endif
#ifndef FAN_REPORT_NAME
#define FAN_REPORT_NAME		0x00000800	/* 5.9 */
#endif
#ifndef FAN_REPORT_TARGET_FID
#define FAN_REPORT_TARGET_FID	0x00001000	/* 5.17 */
#endif
#ifndef FAN_REPORT_FD_ERROR
#define FAN_REPORT_FD_ERROR	0x00002000	/* 6.13 */
#endif
#ifndef FAN_REPORT_MNT
#define FAN_REPORT_MNT		0x00004000	/* 6.15 */
#endif
#ifndef FAN_REPORT_DFID_NAME
#define FAN_REPORT_DFID_NAME	(FAN_REPORT_DIR_FID | FAN_REPORT_NAME)
#endif
#ifndef FAN_REPORT_DFID_NAME_TARGET
#define FAN_REPORT_DFID_NAME_TARGET \
	(FAN_REPORT_DFID_NAME | FAN_REPORT_FID | FAN_REPORT_TARGET_FID)
#endif

/* ---- event mask bits ---- */
#ifndef FAN_OPEN_EXEC
#define FAN_OPEN_EXEC		0x00001000	/* 5.0 */
#endif
#ifndef FAN_ATTRIB
#define FAN_ATTRIB		0x00000004	/* 5.1 */
#endif
#ifndef FAN_MOVED_FROM
#define FAN_MOVED_FROM		0x00000040	/* 5.1 */
#endif
#ifndef FAN_MOVED_TO
#define FAN_MOVED_TO		0x00000080	/* 5.1 */
#endif
#ifndef FAN_CREATE
#define FAN_CREATE		0x00000100	/* 5.1 */
#endif
#ifndef FAN_DELETE
#define FAN_DELETE		0x00000200	/* 5.1 */
#endif
#ifndef FAN_DELETE_SELF
#define FAN_DELETE_SELF		0x00000400	/* 5.1 */
#endif
#ifndef FAN_MOVE_SELF
#define FAN_MOVE_SELF		0x00000800	/* 5.1 */
#endif
#ifndef FAN_FS_ERROR
#define FAN_FS_ERROR		0x00008000	/* 5.16 */
#endif
#ifndef FAN_OPEN_EXEC_PERM
#define FAN_OPEN_EXEC_PERM	0x00040000	/* 5.0 */
#endif
#ifndef FAN_PRE_ACCESS
#define FAN_PRE_ACCESS		0x00100000	/* 6.14 */
#endif
#ifndef FAN_MNT_ATTACH
#define FAN_MNT_ATTACH		0x01000000	/* 6.15 */
#endif
#ifndef FAN_MNT_DETACH
#define FAN_MNT_DETACH		0x02000000	/* 6.15 */
#endif
#ifndef FAN_RENAME
#define FAN_RENAME		0x10000000	/* 5.17 */
#endif
#ifndef FAN_MOVE
#define FAN_MOVE		(FAN_MOVED_FROM | FAN_MOVED_TO)
#endif

/* ---- fanotify_mark() flags ---- */
#ifndef FAN_MARK_INODE
#define FAN_MARK_INODE		0x00000000	/* 4.20 (name; value is old) */
#endif
#ifndef FAN_MARK_FILESYSTEM
#define FAN_MARK_FILESYSTEM	0x00000100	/* 4.20 */
#endif
#ifndef FAN_MARK_EVICTABLE
#define FAN_MARK_EVICTABLE	0x00000200	/* 5.19 */
#endif
#ifndef FAN_MARK_IGNORE
#define FAN_MARK_IGNORE		0x00000400	/* 6.0 */
#endif
#ifndef FAN_MARK_IGNORE_SURV
#define FAN_MARK_IGNORE_SURV	(FAN_MARK_IGNORE | FAN_MARK_IGNORED_SURV_MODIFY)
#endif
#ifndef FAN_MARK_MNTNS
#define FAN_MARK_MNTNS		0x00000110	/* 6.15 */
#endif

/* ---- info record types ---- */
#ifndef FAN_EVENT_INFO_TYPE_FID
#define FAN_EVENT_INFO_TYPE_FID		1	/* 5.1 */
#endif
#ifndef FAN_EVENT_INFO_TYPE_DFID_NAME
#define FAN_EVENT_INFO_TYPE_DFID_NAME	2	/* 5.9 */
#endif
#ifndef FAN_EVENT_INFO_TYPE_DFID
#define FAN_EVENT_INFO_TYPE_DFID	3	/* 5.9 */
#endif
#ifndef FAN_EVENT_INFO_TYPE_PIDFD
#define FAN_EVENT_INFO_TYPE_PIDFD	4	/* 5.15 */
#endif
#ifndef FAN_EVENT_INFO_TYPE_ERROR
#define FAN_EVENT_INFO_TYPE_ERROR	5	/* 5.16 */
#endif
#ifndef FAN_EVENT_INFO_TYPE_RANGE
#define FAN_EVENT_INFO_TYPE_RANGE	6	/* 6.14 */
#endif
#ifndef FAN_EVENT_INFO_TYPE_MNT
#define FAN_EVENT_INFO_TYPE_MNT		7	/* 6.15 */
#endif
#ifndef FAN_EVENT_INFO_TYPE_OLD_DFID_NAME
#define FAN_EVENT_INFO_TYPE_OLD_DFID_NAME 10	/* 5.17 */
#endif
#ifndef FAN_EVENT_INFO_TYPE_NEW_DFID_NAME
#define FAN_EVENT_INFO_TYPE_NEW_DFID_NAME 12	/* 5.17 */
#endif

/* ---- special fd values ---- */
#ifndef FAN_NOFD
#define FAN_NOFD		-1
#endif
#ifndef FAN_NOPIDFD
#define FAN_NOPIDFD		FAN_NOFD	/* 5.15 */
#endif
#ifndef FAN_EPIDFD
#define FAN_EPIDFD		-2		/* 5.15 */
#endif

/* ---- responses ---- */
#ifndef FAN_AUDIT
#define FAN_AUDIT		0x10		/* 4.15 */
#endif
#ifndef FAN_INFO
#define FAN_INFO		0x20		/* 6.3 */
#endif
#ifndef FAN_RESPONSE_INFO_NONE
#define FAN_RESPONSE_INFO_NONE		0	/* 6.3 */
#endif
#ifndef FAN_RESPONSE_INFO_AUDIT_RULE
#define FAN_RESPONSE_INFO_AUDIT_RULE	1	/* 6.3 */
#endif
#ifndef FAN_ERRNO_BITS
#define FAN_ERRNO_BITS		8		/* 6.14 */
#define FAN_ERRNO_SHIFT		(32 - FAN_ERRNO_BITS)
#define FAN_ERRNO_MASK		((1 << FAN_ERRNO_BITS) - 1)
#endif
#ifndef FAN_DENY_ERRNO
#define FAN_DENY_ERRNO(err) \
	(FAN_DENY | ((((unsigned int)(err)) & FAN_ERRNO_MASK) << FAN_ERRNO_SHIFT))
#endif

/* ---- fanotify_init() classes and misc ---- */
#ifndef FAN_ENABLE_AUDIT
#define FAN_ENABLE_AUDIT	0x00000040	/* 4.15 */
#endif
#ifndef FANOTIFY_METADATA_VERSION
#define FANOTIFY_METADATA_VERSION 3
#endif
#ifndef FAN_EVENT_METADATA_LEN
#define FAN_EVENT_METADATA_LEN	24
#endif

#endif /* LIBFANOTIFY_COMPAT_H */
