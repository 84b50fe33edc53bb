// SPDX-License-Identifier: MIT
/*
 * The LD_PRELOAD half of a kernel personality (kpersona --shim): what a
 * seccomp filter cannot see, because it lives behind a pointer or in what
 * the kernel returns.  The personality is TH_KERNEL (set by kpersona);
 * without it every call passes through unchanged.
 *
 * - Responses written to a fanotify group: bits newer than the personality
 *   (FAN_INFO 6.3, FAN_DENY_ERRNO 6.14) get EINVAL, as those kernels
 *   answered, before the real write.
 * - statx(): mask bits newer than the personality are neither asked for
 *   nor reported; STATX_MNT_ID_UNIQUE (6.8) asked of an older kernel gives
 *   the reusable STATX_MNT_ID, as it did.
 * - pidfds before pidfs (6.9) were anonymous inodes: one inode shared by
 *   every pidfd (and every eventfd...), ANON_INODE_FS_MAGIC.  fstat(),
 *   fstatat(AT_EMPTY_PATH), statx() and fstatfs() of a pidfd answer what
 *   an eventfd answers.
 * - syscall(): the library makes some calls directly; statx, fstat,
 *   newfstatat, fstatfs and write through syscall() get the same
 *   treatment.
 *
 * Programs linked statically against libfanotify still call libc
 * dynamically, so the shim reaches them (test/kernel/selftest.c checks).
 */
#define _GNU_SOURCE
/* both fstat and fstat64 are defined below: no redirection of one to the other */
#undef _FILE_OFFSET_BITS
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "../lib/fdkind.h"
#include "kfacts.h"

#define EXPORT __attribute__((visibility("default")))
#define STATX_MNT_ID_ 0x1000u
#define STATX_MNT_ID_UNIQUE_ 0x4000u
#define PIDFS_MAGIC_ 0x50494446

static struct {
	const char *release;
	uint32_t response_refused;	/* fanotify response bits newer than the personality */
	unsigned int statx_strip;	/* statx mask bits newer than the personality */
	bool anon_pidfds;		/* pidfds are anonymous inodes (before pidfs) */
	dev_t pidfs_dev;		/* the real pidfs, to recognise a pidfd */
	ssize_t (*write)(int, const void *, size_t);
	int (*statx)(int, const char *, int, unsigned int, struct statx *);
	int (*fstat)(int, struct stat *);
	int (*fstatat)(int, const char *, struct stat *, int);
	int (*fstatfs)(int, struct statfs *);
	long (*syscall)(long, ...);
} s;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void init_pidfs(void)
{
	struct stat st;
	int fd;

	if (!s.anon_pidfds)
		return;
	fd = (int)s.syscall(SYS_pidfd_open, (long)getpid(), 0L);
	if (fd >= 0 && s.fstat(fd, &st) == 0)
		s.pidfs_dev = st.st_dev;
	else
		s.anon_pidfds = false;	/* no pidfs to hide here */
	if (fd >= 0)
		close(fd);
}

static void init(void)
{
	size_t i;

	s.write = (ssize_t (*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
	s.statx = (int (*)(int, const char *, int, unsigned int, struct statx *))
		dlsym(RTLD_NEXT, "statx");
	s.fstat = (int (*)(int, struct stat *))dlsym(RTLD_NEXT, "fstat");
	s.fstatat = (int (*)(int, const char *, struct stat *, int))dlsym(RTLD_NEXT, "fstatat");
	s.fstatfs = (int (*)(int, struct statfs *))dlsym(RTLD_NEXT, "fstatfs");
	s.syscall = (long (*)(long, ...))dlsym(RTLD_NEXT, "syscall");
	s.release = getenv(KF_ENV);
	if (!s.release || kf_version(s.release) < 0)
		s.release = NULL;
	for (i = 0; s.release && i < kf_table_len; i++) {
		const struct kfact *f = &kf_table[i];

		if (!kf_absent(f, s.release))
			continue;
		if (f->kind == KF_FAN_RESPONSE)
			s.response_refused |= (uint32_t)f->value;
		else if (f->kind == KF_STATX_MASK)
			s.statx_strip |= (unsigned int)f->value;
		else if (f->kind == KF_PIDFS)
			s.anon_pidfds = true;
	}
	init_pidfs();
}

static void setup(void)
{
	pthread_once(&once, init);
}

/* "" or NULL (6.11) with AT_EMPTY_PATH; out of line: libc declares path nonnull. */
__attribute__((noinline)) static bool empty_path(const void *path)
{
	return !path || !*(const char *)path;
}

/* ---- responses ---- */

#define is_fanotify fd_is_fanotify	/* ../lib/fdkind.h */

/* struct fanotify_response {s32 fd; u32 response}, perhaps an info record after it. */
static bool response_refused(int fd, const void *buf, size_t n)
{
	uint32_t response;

	if (!s.response_refused || n < 8 || n > 64 || !buf)
		return false;
	memcpy(&response, (const char *)buf + 4, sizeof(response));
	return (response & s.response_refused) && is_fanotify(fd);
}

EXPORT ssize_t write(int fd, const void *buf, size_t n)
{
	setup();
	if (response_refused(fd, buf, n)) {
		errno = EINVAL;
		return -1;
	}
	return s.write(fd, buf, n);
}

/* ---- what a pidfd looks like ---- */

static bool is_pidfd(const struct stat *st)
{
	return s.anon_pidfds && st->st_dev == s.pidfs_dev;
}

/* An anonymous inode, as every pidfd was before pidfs: an eventfd's. */
static int anon_stat(struct stat *st)
{
	int fd = eventfd(0, EFD_CLOEXEC), r;

	if (fd < 0)
		return -1;
	r = s.fstat(fd, st);
	close(fd);
	return r;
}

EXPORT int fstat(int fd, struct stat *st)
{
	int r;

	setup();
	r = s.fstat(fd, st);
	if (r == 0 && is_pidfd(st))
		r = anon_stat(st);
	return r;
}

EXPORT int fstat64(int fd, struct stat64 *st)
{
	return fstat(fd, (struct stat *)st);
}

EXPORT int fstatat(int dirfd, const char *path, struct stat *st, int flags)
{
	int r;

	setup();
	r = s.fstatat(dirfd, path, st, flags);
	if (r == 0 && (flags & AT_EMPTY_PATH) && empty_path(path) && is_pidfd(st))
		r = anon_stat(st);
	return r;
}

EXPORT int fstatat64(int dirfd, const char *path, struct stat64 *st, int flags)
{
	return fstatat(dirfd, path, (struct stat *)st, flags);
}

EXPORT int fstatfs(int fd, struct statfs *sfs)
{
	int r, efd;

	setup();
	r = s.fstatfs(fd, sfs);
	if (r != 0 || !s.anon_pidfds || sfs->f_type != PIDFS_MAGIC_)
		return r;
	efd = eventfd(0, EFD_CLOEXEC);
	if (efd < 0)
		return -1;
	r = s.fstatfs(efd, sfs);
	close(efd);
	return r;
}

EXPORT int fstatfs64(int fd, struct statfs64 *sfs)
{
	return fstatfs(fd, (struct statfs *)sfs);
}

/* ---- statx ---- */

static unsigned int statx_request(unsigned int mask)
{
	if ((s.statx_strip & STATX_MNT_ID_UNIQUE_) && (mask & STATX_MNT_ID_UNIQUE_))
		mask |= STATX_MNT_ID_;
	return mask & ~s.statx_strip;
}

static bool statx_is_pidfd(const struct statx *sx)
{
	return s.anon_pidfds && makedev(sx->stx_dev_major, sx->stx_dev_minor) == s.pidfs_dev;
}

EXPORT int statx(int dirfd, const char *path, int flags, unsigned int mask, struct statx *sx)
{
	unsigned int req;
	int r, efd;

	setup();
	if (!s.release)
		return s.statx(dirfd, path, flags, mask, sx);
	req = statx_request(mask);
	r = s.statx(dirfd, path, flags, req, sx);
	if (r == 0 && (flags & AT_EMPTY_PATH) && empty_path(path) && statx_is_pidfd(sx)) {
		efd = eventfd(0, EFD_CLOEXEC);
		if (efd < 0)
			return -1;
		r = s.statx(efd, "", AT_EMPTY_PATH, req, sx);
		close(efd);
	}
	if (r == 0)
		sx->stx_mask &= ~s.statx_strip;
	return r;
}

/* ---- system calls made directly ---- */

EXPORT long syscall(long nr, ...)
{
	va_list ap;
	long a[6];
	int i;

	va_start(ap, nr);
	for (i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	setup();
	switch (nr) {
	case SYS_statx:
		return statx((int)a[0], (const char *)a[1], (int)a[2], (unsigned int)a[3],
			     (struct statx *)a[4]);
	case SYS_fstat:
		return fstat((int)a[0], (struct stat *)a[1]);
	case SYS_newfstatat:
		return fstatat((int)a[0], (const char *)a[1], (struct stat *)a[2], (int)a[3]);
	case SYS_fstatfs:
		return fstatfs((int)a[0], (struct statfs *)a[1]);
	case SYS_write:
		return write((int)a[0], (const void *)a[1], (size_t)a[2]);
	}
	return s.syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}
