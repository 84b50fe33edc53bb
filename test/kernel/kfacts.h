/* SPDX-License-Identifier: MIT */
/*
 * Kernel personalities: which kernel release brought each interface that
 * libfanotify, fanwatch and their tests use, and what an older kernel
 * answers instead.  One table (kfacts.c) plus the fanotify flags and bits
 * that src/names.c already dates (kf_fan.c); the seccomp program of the
 * runner, the LD_PRELOAD shim, the kernel self-test and the README check
 * are all derived from it.
 */
#ifndef KFACTS_H
#define KFACTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum kf_kind {
	KF_SYSCALL,		/* nr: absent -> ENOSYS (seccomp) */
	KF_ARG_BITS,		/* nr, arg, value: any of these bits -> err (seccomp) */
	KF_ARG_NULL,		/* nr, arg: a NULL pointer there -> err (seccomp) */
	KF_IOCTL,		/* value: request, size bits ignored -> ENOTTY (seccomp) */
	KF_FAN_INIT,		/* value: fanotify_init() flag -> EINVAL (seccomp) */
	KF_FAN_MARK,		/* value: fanotify_mark() flag -> EINVAL (seccomp) */
	KF_FAN_MARK_TYPE,	/* value: a mark type (flags & 0x110) -> EINVAL (seccomp) */
	KF_FAN_EVENT,		/* value: fanotify_mark() mask bit -> EINVAL (seccomp) */
	KF_FAN_RESPONSE,	/* value: response bits written to a group -> EINVAL (shim) */
	KF_STATX_MASK,		/* value: statx() mask bit never filled (shim) */
	KF_PIDFS,		/* pidfds on pidfs: PIDFS_MAGIC, an inode per process (shim) */
	KF_BEHAVIOUR,		/* no mechanism: tests ask th_kernel_has() */
};

/* Who depends on a fact: the README's kernel table lists every LIB or CLI fact. */
enum kf_user { KF_LIB = 1, KF_CLI = 2, KF_TESTS = 4, KF_HARNESS = 8 };

struct kfact {
	enum kf_kind kind;
	const char *name;	/* as the README names it ("statmount", "FAN_RENAME") */
	const char *since;	/* first release with it: "6.8" */
	long nr;		/* system call (KF_SYSCALL, KF_ARG_*) */
	int arg;		/* argument index (KF_ARG_*) */
	uint64_t value;		/* bits, request, mask */
	int err;		/* what an older kernel answers (positive errno; 0: n/a) */
	unsigned int users;	/* KF_LIB | KF_CLI | ... */
};

/* Release "6.8" or "2.6.37" as one comparable number; -1 if malformed. */
long kf_version(const char *release);
/* Is the fact absent from the personality?  (since newer than it) */
bool kf_absent(const struct kfact *f, const char *personality);

/* The table of kfacts.c (no fanotify flags or bits: see kf_fan_facts()). */
extern const struct kfact kf_table[];
extern const size_t kf_table_len;

/*
 * Every fact: kf_table, then one per fanotify flag, mark type and mask bit
 * that src/names.c dates (kf_fan.c; needs libfanotify).  *n is the count;
 * the array is static, built on the first call.
 */
const struct kfact *kf_all(size_t *n);

/* "seccomp", "shim" or "test helper": how a personality takes the fact away. */
const char *kf_mechanism(enum kf_kind kind);
const char *kf_kind_name(enum kf_kind kind);

/* The environment variable the runner sets to the personality ("6.1"). */
#define KF_ENV "TH_KERNEL"

#endif
