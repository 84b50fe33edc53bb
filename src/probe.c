// SPDX-License-Identifier: MIT
/*
 * Runtime probes: ask the running kernel by trying, never by parsing
 * uname.  Answers are cached for the life of the process, thread-safely.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
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

static int cache_put(int kind, unsigned int a, unsigned int b, uint64_t mask, int result)
{
	pthread_mutex_lock(&cache_lock);
	cache[cache_next++ % PROBE_CACHE] =
		(struct probe_entry){ .kind = kind, .a = a, .b = b, .mask = mask, .result = result };
	pthread_mutex_unlock(&cache_lock);
	return result;
}

static int try_init(unsigned int init_flags, unsigned int event_f_flags)
{
	int fd = sys_fanotify_init(init_flags | FAN_CLOEXEC, event_f_flags);

	if (fd < 0)
		return fd;
	sys_close(fd);
	return 0;
}

FAN_EXPORT int fan_probe_init(unsigned int init_flags, unsigned int event_f_flags)
{
	int r;

	if (cache_get(PROBE_INIT, init_flags, event_f_flags, 0, &r))
		return r;
	return cache_put(PROBE_INIT, init_flags, event_f_flags, 0,
			 try_init(init_flags, event_f_flags));
}

/*
 * A target nobody else can reach: a memfd for inode marks, our own mount
 * namespace, "/" for mount and filesystem marks when no permission event
 * can block anyone (the group is closed right after, never read).
 */
static int private_target(unsigned int mark_flags, uint64_t mask, int *fd)
{
	unsigned int type = mark_flags & FAN_MARK_MNTNS;

	if (type == FAN_MARK_MNTNS)
		*fd = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	else if (type == FAN_MARK_INODE)
		*fd = memfd_create("libfanotify-probe", MFD_CLOEXEC);
	else if (mask & FAN_PERM_MASK)
		return -EINVAL;
	else
		*fd = open("/", O_PATH | O_CLOEXEC);
	return *fd < 0 ? -errno : 0;
}

static int try_mark(unsigned int init_flags, unsigned int mark_flags, uint64_t mask,
		    int dirfd, const char *path)
{
	int gfd, tfd = -1, r = 0;

	if (!path && dirfd < 0) {
		/* path-shape checks are not a question of kernel support */
		mark_flags &= ~(FAN_MARK_ONLYDIR | FAN_MARK_DONT_FOLLOW);
		r = private_target(mark_flags, mask, &tfd);
		dirfd = tfd;
	}
	if (r < 0)
		return r;
	gfd = sys_fanotify_init(init_flags | FAN_CLOEXEC, O_RDONLY);
	if (gfd >= 0) {
		r = sys_fanotify_mark(gfd, mark_flags | FAN_MARK_ADD, mask, dirfd, path);
		sys_close(gfd);
	} else {
		r = gfd;
	}
	sys_close(tfd);
	return r;
}

FAN_EXPORT int fan_probe_mark(unsigned int init_flags, unsigned int mark_flags, uint64_t mask,
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
