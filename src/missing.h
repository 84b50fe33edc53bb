/* SPDX-License-Identifier: MIT */
/*
 * Private: kernel ABI newer than the oldest system headers libfanotify
 * builds against (glibc 2.36, Linux 6.1 uapi), other than fanotify's own
 * constants (those are public: include/fanotify/compat.h, and no FAN_* name
 * is defined anywhere else).
 *
 * One convention.  A constant keeps the kernel's name, defined only where
 * the system headers lack it, with the release that added it: a newer
 * header always wins and means the same.  A structure, and a constant
 * whose meaning depends on the size of a structure declared here (an
 * ioctl number), takes an lf_/LF_ name instead: a newer header's
 * structure of the kernel's name may be larger.  Byte offsets into a
 * structure read as bytes are named like internal.h's (SM_*).
 */
#ifndef LIBFANOTIFY_MISSING_H
#define LIBFANOTIFY_MISSING_H

#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>

/* ---- syscall numbers (one table for every architecture but alpha since 6.8) ---- */
#ifndef SYS_statmount
#define SYS_statmount 457		/* Linux 6.8 */
#endif
#ifndef SYS_listmount
#define SYS_listmount 458		/* Linux 6.8 */
#endif

/* ---- statx() ---- */
#ifndef STATX_MNT_ID
#define STATX_MNT_ID 0x1000		/* Linux 5.8 */
#endif
#ifndef STATX_MNT_ID_UNIQUE
#define STATX_MNT_ID_UNIQUE 0x4000	/* Linux 6.8: never reused */
#endif

/* ---- name_to_handle_at() and file handles ---- */
#ifndef AT_HANDLE_FID
#define AT_HANDLE_FID 0x200		/* Linux 6.5 */
#endif
#ifndef MAX_HANDLE_SZ
#define MAX_HANDLE_SZ 128		/* the kernel's limit: more is EINVAL */
#endif
#ifndef FILEID_INVALID
#define FILEID_INVALID 0xff		/* no object (a superblock-wide FS_ERROR) */
#endif

/* ---- statmount() and listmount() (Linux 6.8) ---- */
/* struct mnt_id_req, as of 6.8 (MNT_ID_REQ_SIZE_VER0): the request of both calls. */
struct lf_mnt_id_req {
	uint32_t size, spare;
	uint64_t mnt_id, param;
};
#define LF_MNT_ID_REQ_SIZE_VER0 24
#ifndef LSMT_ROOT
#define LSMT_ROOT 0xffffffffffffffffull	/* listmount(): every mount of the namespace */
#endif
#ifndef STATMOUNT_MNT_ROOT
#define STATMOUNT_MNT_ROOT 0x8u		/* the mount's root within its filesystem */
#endif
#ifndef STATMOUNT_MNT_POINT
#define STATMOUNT_MNT_POINT 0x10u	/* where it is mounted */
#endif
/* Byte layout of struct statmount (read as bytes: its strings follow it). */
enum {
	SM_SIZE_OFF = 0,		/* u32: bytes written, strings included */
	SM_MASK_OFF = 8,		/* u64: what was filled in */
	SM_MNT_ROOT_OFF = 104,		/* u32: offset of mnt_root into str[] */
	SM_MNT_POINT_OFF = 108,		/* u32: offset of mnt_point into str[] */
	SM_STR_OFF = 512,		/* str[] */
};

/* ---- pidfs (Linux 6.9) and PIDFD_GET_INFO (Linux 6.13) ---- */
#ifndef PIDFS_MAGIC
#define PIDFS_MAGIC 0x50494446
#endif
/* struct pidfd_info as of 6.13 (PIDFD_INFO_SIZE_VER0): what we read. */
struct lf_pidfd_info_v0 {
	uint64_t mask, cgroupid;
	uint32_t pid, tgid, ppid, ruid, rgid, euid, egid, suid, sgid, fsuid, fsgid;
	uint32_t spare0;
};
/* PIDFD_GET_INFO sized for the structure above (the kernel copies what fits). */
#define LF_PIDFD_GET_INFO_V0 _IOWR(0xFF, 11, struct lf_pidfd_info_v0)
#ifndef PIDFD_INFO_PID
#define PIDFD_INFO_PID 0x1u
#endif
#ifndef PIDFD_INFO_CREDS
#define PIDFD_INFO_CREDS 0x2u
#endif
#ifndef PIDFD_INFO_CGROUPID
#define PIDFD_INFO_CGROUPID 0x4u
#endif

/* ---- /proc/PID/stat ---- */
#ifndef PF_EXITING
#define PF_EXITING 0x4u			/* the task is exiting (include/linux/sched.h) */
#endif

#endif
