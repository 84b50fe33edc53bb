// SPDX-License-Identifier: MIT
/*
 * Runtime probes: ask the running kernel by trying, never by parsing
 * uname.  Answers are cached for the life of the process, thread-safely.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"

enum probe_kind { PROBE_INIT = 1, PROBE_MARK };

struct probe_entry {
	int kind;
	unsigned int a, b;
	uint64_t mask;
	int result;
};

#define PROBE_CACHE 64
static struct probe_entry cache[PROBE_CACHE];
static unsigned int cache_next;
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;

static bool cache_get(int kind, unsigned int a, unsigned int b, uint64_t mask, int *result)
{
	bool hit = false;
	unsigned int i;

	pthread_mutex_lock(&cache_lock);
	for (i = 0; i < PROBE_CACHE && !hit; i++) {
		const struct probe_entry *e = &cache[i];

		if (e->kind == kind && e->a == a && e->b == b && e->mask == mask) {
			*result = e->result;
			hit = true;
		}
	}
	pthread_mutex_unlock(&cache_lock);
	return hit;
}

/* Out of descriptors or memory says nothing about the kernel: not kept. */
static bool transient(int result)
{
	return result == -EMFILE || result == -ENFILE || result == -ENOMEM;
}

static int cache_put(int kind, unsigned int a, unsigned int b, uint64_t mask, int result)
{
	if (transient(result))
		return result;
	pthread_mutex_lock(&cache_lock);
	cache[cache_next++ % PROBE_CACHE] =
		(struct probe_entry){ .kind = kind, .a = a, .b = b, .mask = mask, .result = result };
	pthread_mutex_unlock(&cache_lock);
	return result;
}

static int try_init(unsigned int init_flags, unsigned int event_f_flags)
{
	int fd = lf_sys_fanotify_init(init_flags | FAN_CLOEXEC, event_f_flags);

	if (fd < 0)
		return fd;
	lf_sys_close(fd);
	return 0;
}

LF_EXPORT int fan_probe_init(unsigned int init_flags, unsigned int event_f_flags)
{
	int r;

	if (cache_get(PROBE_INIT, init_flags, event_f_flags, 0, &r))
		return r;
	return cache_put(PROBE_INIT, init_flags, event_f_flags, 0,
			 try_init(init_flags, event_f_flags));
}

/* Mask bits the kernel may refuse on a non-directory inode (ENOTDIR). */
#define DIRONLY_BITS \
	(FAN_CREATE | FAN_DELETE | FAN_MOVE | FAN_RENAME | FAN_ONDIR | FAN_EVENT_ON_CHILD)

/*
 * The root of a tmpfs mounted nowhere: a directory no other process can
 * reach.  -1 if the new mount API is missing or refused.
 */
static int detached_dir(void)
{
	int fs = -1, mnt = -1, fd = -1;

#ifdef SYS_fsopen
	fs = (int)syscall(SYS_fsopen, "tmpfs", FSOPEN_CLOEXEC);
	if (fs >= 0 && syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == 0)
		mnt = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, 0);
	if (mnt >= 0)	/* fsmount() gives an O_PATH-like fd: open the root for real */
		fd = openat(mnt, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
#endif
	lf_sys_close(mnt);
	lf_sys_close(fs);
	return fd;
}

/*
 * A target nobody else can reach, of the right shape, so the answer is
 * about the kernel and not about the object: our own mount namespace; a
 * memfd for inode marks; a directory for inode marks with directory-only
 * bits (a memfd would get ENOTDIR from kernels that know those bits
 * perfectly well): "/" when no permission event can block anyone (the
 * group is closed right after, never read), else a detached tmpfs; "/"
 * for mount and filesystem marks without permission bits.  Descriptors
 * are never O_PATH: fanotify_mark() with a NULL path refuses those (EBADF).
 */
static int private_target(unsigned int mark_flags, uint64_t mask)
{
	unsigned int type = mark_flags & FAN_MARK_MNTNS;
	bool perm = (mask & LF_PERM_EVENTS) != 0;
	int fd;

	if (type == FAN_MARK_MNTNS)
		fd = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	else if (type == FAN_MARK_INODE && !(mask & DIRONLY_BITS))
		fd = memfd_create("libfanotify-probe", MFD_CLOEXEC);
	else if (type == FAN_MARK_INODE && perm)
		return (fd = detached_dir()) < 0 ? -EINVAL : fd;	/* or: needs a real target */
	else if (perm)
		return -EINVAL;		/* a real target is needed */
	else
		fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static int try_mark(unsigned int init_flags, unsigned int mark_flags, uint64_t mask,
		    int dirfd, const char *path)
{
	int gfd, tfd = -1, r = 0;

	gfd = lf_sys_fanotify_init(init_flags | FAN_CLOEXEC, O_RDONLY);
	if (gfd < 0)
		return gfd;
	if (!path && dirfd < 0) {
		/* path-shape checks are not a question of kernel support */
		mark_flags &= ~(FAN_MARK_ONLYDIR | FAN_MARK_DONT_FOLLOW);
		r = private_target(mark_flags, mask);
		dirfd = tfd = r;
	}
	if (r >= 0)
		r = lf_sys_fanotify_mark(gfd, mark_flags | FAN_MARK_ADD, mask, dirfd, path);
	lf_sys_close(gfd);
	lf_sys_close(tfd);
	return r;
}

LF_EXPORT int fan_probe_mark(unsigned int init_flags, unsigned int mark_flags, uint64_t mask,
			      int dirfd, const char *path)
{
	int r;

	mark_flags &= ~(FAN_MARK_ADD | FAN_MARK_REMOVE | FAN_MARK_FLUSH);
	if (path || dirfd >= 0)
		return try_mark(init_flags, mark_flags, mask, dirfd, path);
	if (cache_get(PROBE_MARK, init_flags, mark_flags, mask, &r))
		return r;
	return cache_put(PROBE_MARK, init_flags, mark_flags, mask,
			 try_mark(init_flags, mark_flags, mask, -1, NULL));
}
