// SPDX-License-Identifier: MIT
/*
 * The one table of kernel facts (besides the fanotify flags and bits that
 * src/names.c dates): each interface the library, fanwatch or the tests
 * use, or that a personality must take away to look like an older kernel,
 * with the release that brought it and what an older kernel answers.
 *
 * Sources: the kernel's syscall tables, uapi headers and their git
 * history; checked on this project's 6.18 machine where a test can.
 * System calls numbered 424 and above have the same number on every
 * architecture (the asm-generic numbering was unified at pidfd_send_signal).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

#include "kfacts.h"

#define SYSCALL(n, nr_, v, u) { .kind = KF_SYSCALL, .name = n, .since = v, .nr = nr_, \
				.err = ENOSYS, .users = u }

const struct kfact kf_table[] = {
	/* ---- system calls (absent: ENOSYS) ---- */
	SYSCALL("pidfd_send_signal", 424, "5.1", KF_LIB),
	SYSCALL("fsopen", 430, "5.2", KF_LIB),
	SYSCALL("fsconfig", 431, "5.2", KF_LIB),
	SYSCALL("fsmount", 432, "5.2", KF_LIB),
	SYSCALL("pidfd_open", 434, "5.3", KF_LIB),
	SYSCALL("clone3", 435, "5.3", KF_HARNESS),
	SYSCALL("close_range", 436, "5.9", KF_LIB),
	SYSCALL("openat2", 437, "5.6", KF_CLI),
	SYSCALL("pidfd_getfd", 438, "5.6", KF_HARNESS),
	SYSCALL("faccessat2", 439, "5.8", KF_HARNESS),
	SYSCALL("process_madvise", 440, "5.10", KF_HARNESS),
	SYSCALL("epoll_pwait2", 441, "5.11", KF_HARNESS),
	SYSCALL("mount_setattr", 442, "5.12", KF_HARNESS),
	SYSCALL("quotactl_fd", 443, "5.14", KF_HARNESS),
	SYSCALL("landlock_create_ruleset", 444, "5.13", KF_HARNESS),
	SYSCALL("landlock_add_rule", 445, "5.13", KF_HARNESS),
	SYSCALL("landlock_restrict_self", 446, "5.13", KF_HARNESS),
	SYSCALL("memfd_secret", 447, "5.14", KF_HARNESS),
	SYSCALL("process_mrelease", 448, "5.15", KF_HARNESS),
	SYSCALL("futex_waitv", 449, "5.16", KF_HARNESS),
	SYSCALL("set_mempolicy_home_node", 450, "5.17", KF_HARNESS),
	SYSCALL("cachestat", 451, "6.5", KF_HARNESS),
	SYSCALL("fchmodat2", 452, "6.6", KF_HARNESS),
	SYSCALL("map_shadow_stack", 453, "6.6", KF_HARNESS),
	SYSCALL("futex_wake", 454, "6.7", KF_HARNESS),
	SYSCALL("futex_wait", 455, "6.7", KF_HARNESS),
	SYSCALL("futex_requeue", 456, "6.7", KF_HARNESS),
	SYSCALL("statmount", 457, "6.8", KF_LIB),
	SYSCALL("listmount", 458, "6.8", KF_LIB),
	SYSCALL("lsm_get_self_attr", 459, "6.8", KF_HARNESS),
	SYSCALL("lsm_set_self_attr", 460, "6.8", KF_HARNESS),
	SYSCALL("lsm_list_modules", 461, "6.8", KF_HARNESS),
	SYSCALL("mseal", 462, "6.10", KF_HARNESS),
	SYSCALL("setxattrat", 463, "6.13", KF_HARNESS),
	SYSCALL("getxattrat", 464, "6.13", KF_HARNESS),
	SYSCALL("listxattrat", 465, "6.13", KF_HARNESS),
	SYSCALL("removexattrat", 466, "6.13", KF_HARNESS),
	SYSCALL("open_tree_attr", 467, "6.15", KF_HARNESS),
	SYSCALL("file_getattr", 468, "6.17", KF_HARNESS),
	SYSCALL("file_setattr", 469, "6.17", KF_HARNESS),

	/* ---- flags and arguments of older system calls ---- */
	{ KF_ARG_NULL, "statx(fd, NULL, AT_EMPTY_PATH)", "6.11", __NR_statx, 1, 0, EFAULT,
	  KF_CLI },
	{ KF_ARG_NULL, "fstatat(fd, NULL, AT_EMPTY_PATH)", "6.11", __NR_newfstatat, 1, 0, EFAULT,
	  KF_HARNESS },
	{ KF_ARG_BITS, "AT_HANDLE_FID", "6.5", __NR_name_to_handle_at, 4, 0x200, EINVAL, KF_LIB },
	{ KF_ARG_BITS, "AT_HANDLE_MNT_ID_UNIQUE", "6.12", __NR_name_to_handle_at, 4, 0x001, EINVAL,
	  KF_HARNESS },
	{ KF_ARG_BITS, "AT_HANDLE_CONNECTABLE", "6.13", __NR_name_to_handle_at, 4, 0x002, EINVAL,
	  KF_HARNESS },
	{ KF_ARG_BITS, "PIDFD_NONBLOCK", "5.10", 434, 1, 04000, EINVAL, KF_HARNESS },
	{ KF_ARG_BITS, "PIDFD_THREAD", "6.9", 434, 1, 0200, EINVAL, KF_HARNESS },
	{ KF_ARG_BITS, "PIDFD_SIGNAL_THREAD", "6.9", 424, 3, 0x7, EINVAL, KF_HARNESS },

	/* ---- ioctls (ENOTTY) ---- */
	{ KF_IOCTL, "PIDFD_GET_INFO", "6.13", 0, 0, 0xC000FF0Bu /* _IOWR(0xFF, 11, size) */,
	  ENOTTY, KF_LIB },

	/* ---- what a fanotify group accepts in a response ---- */
	{ KF_FAN_RESPONSE, "FAN_AUDIT", "4.15", 0, 0, 0x10, EINVAL, KF_LIB },
	{ KF_FAN_RESPONSE, "FAN_INFO", "6.3", 0, 0, 0x20, EINVAL, KF_LIB },
	{ KF_FAN_RESPONSE, "FAN_DENY_ERRNO", "6.14", 0, 0, 0xffu << 24, EINVAL, KF_LIB | KF_CLI },

	/* ---- statx() masks an older kernel leaves unset ---- */
	{ KF_STATX_MASK, "STATX_MNT_ID", "5.8", 0, 0, 0x1000, 0, KF_LIB | KF_CLI },
	{ KF_STATX_MASK, "STATX_DIOALIGN", "6.1", 0, 0, 0x2000, 0, KF_HARNESS },
	{ KF_STATX_MASK, "STATX_MNT_ID_UNIQUE", "6.8", 0, 0, 0x4000, 0, KF_LIB },
	{ KF_STATX_MASK, "STATX_SUBVOL", "6.10", 0, 0, 0x8000, 0, KF_HARNESS },
	{ KF_STATX_MASK, "STATX_WRITE_ATOMIC", "6.11", 0, 0, 0x10000, 0, KF_HARNESS },
	{ KF_STATX_MASK, "STATX_DIO_READ_ALIGN", "6.14", 0, 0, 0x20000, 0, KF_HARNESS },

	/* ---- behaviour ---- */
	{ KF_PIDFS, "pidfs", "6.9", 0, 0, 0, 0, KF_LIB },
	{ KF_BEHAVIOUR, "unprivileged fanotify groups", "5.13", 0, 0, 0, EPERM, KF_LIB | KF_CLI },
	{ KF_BEHAVIOUR, "pid_max per PID namespace", "6.14", 0, 0, 0, 0, KF_TESTS },
};
const size_t kf_table_len = sizeof(kf_table) / sizeof(kf_table[0]);

long kf_version(const char *s)
{
	long part[3] = { 0, 0, 0 };
	char *end;
	int i;

	if (!s || !*s)
		return -1;
	for (i = 0; i < 3; i++) {
		part[i] = strtol(s, &end, 10);
		if (end == s || part[i] < 0 || part[i] > 999)
			return -1;
		if (!*end)
			break;
		if (*end != '.' || i == 2)
			return -1;
		s = end + 1;
	}
	if (i == 0)
		return -1;	/* "6" alone is no release */
	return part[0] * 1000000 + part[1] * 1000 + part[2];
}

bool kf_absent(const struct kfact *f, const char *personality)
{
	return personality && kf_version(f->since) > kf_version(personality);
}

const char *kf_mechanism(enum kf_kind kind)
{
	switch (kind) {
	case KF_SYSCALL:
	case KF_ARG_BITS:
	case KF_ARG_NULL:
	case KF_IOCTL:
	case KF_FAN_INIT:
	case KF_FAN_MARK:
	case KF_FAN_MARK_TYPE:
	case KF_FAN_EVENT:
		return "seccomp";
	case KF_FAN_RESPONSE:
	case KF_STATX_MASK:
	case KF_PIDFS:
		return "shim";
	case KF_BEHAVIOUR:
		break;
	}
	return "test helper";
}

const char *kf_kind_name(enum kf_kind kind)
{
	static const char *const names[] = {
		[KF_SYSCALL] = "syscall", [KF_ARG_BITS] = "arg-bits", [KF_ARG_NULL] = "arg-null",
		[KF_IOCTL] = "ioctl", [KF_FAN_INIT] = "fan-init", [KF_FAN_MARK] = "fan-mark",
		[KF_FAN_MARK_TYPE] = "fan-mark-type", [KF_FAN_EVENT] = "fan-event",
		[KF_FAN_RESPONSE] = "fan-response", [KF_STATX_MASK] = "statx-mask",
		[KF_PIDFS] = "pidfs", [KF_BEHAVIOUR] = "behaviour",
	};

	return names[kind];
}
