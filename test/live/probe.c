// SPDX-License-Identifier: MIT
/*
 * Runtime probes against the running kernel: fan_probe_init() agrees with
 * a raw fanotify_init() for known-good and refused flag sets (an unknown
 * flag, PIDFD|TID, FID with a content class...), fan_probe_mark() accepts
 * what this kernel supports whatever the shape of the probe's own target
 * (directory-only bits, ONLYDIR), refuses a permission mask on a mount or
 * filesystem mark without a target (-EINVAL), and 8 threads probing at
 * once get the same answers as one thread.  Under a kernel personality
 * (test/kernel) a case using a flag or bit newer than it expects -EINVAL,
 * as that kernel answers.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/fanotify.h>
#include <unistd.h>

#include "live.h"

#define THREADS 8

struct init_case {
	unsigned int flags, evf;
	int expect;	/* on 6.18 */
};

static const struct init_case inits[] = {
	{ FAN_CLASS_NOTIF, O_RDONLY, 0 },
	{ FAN_CLASS_CONTENT, O_RDONLY, 0 },
	{ FAN_CLASS_PRE_CONTENT, O_RDWR, 0 },
	{ FAN_CLASS_NOTIF | FAN_REPORT_FID, 0, 0 },
	{ FAN_CLASS_NOTIF | FAN_REPORT_DFID_NAME_TARGET, 0, 0 },
	{ FAN_CLASS_NOTIF | FAN_REPORT_PIDFD, O_RDONLY, 0 },
	{ FAN_CLASS_NOTIF | FAN_REPORT_TID, O_RDONLY, 0 },
	{ FAN_CLASS_NOTIF | FAN_REPORT_FD_ERROR, O_RDONLY, 0 },
	{ FAN_CLASS_NOTIF | FAN_REPORT_MNT, 0, 0 },
	{ FAN_CLASS_NOTIF | FAN_ENABLE_AUDIT | FAN_UNLIMITED_QUEUE, O_RDONLY, 0 },
	{ 0x8000, 0, -EINVAL },					/* unknown flag */
	{ FAN_REPORT_PIDFD | FAN_REPORT_TID, 0, -EINVAL },
	{ 0xc, 0, -EINVAL },					/* no such class */
	{ FAN_CLASS_CONTENT | FAN_REPORT_FID, 0, -EINVAL },
	{ FAN_REPORT_NAME, 0, -EINVAL },			/* needs DIR_FID */
	{ FAN_REPORT_MNT | FAN_REPORT_FID, 0, -EINVAL },
	{ FAN_CLASS_NOTIF, O_PATH, -EINVAL },
};
#define NINITS (sizeof(inits) / sizeof(inits[0]))

struct mark_case {
	unsigned int init, flags;
	uint64_t mask;
	int expect;
};

static const struct mark_case marks[] = {
	{ FAN_CLASS_NOTIF, 0, FAN_OPEN | FAN_CLOSE, 0 },
	{ FAN_CLASS_NOTIF, FAN_MARK_ONLYDIR, FAN_OPEN, 0 },	/* shape of the target: ignored */
	{ FAN_CLASS_NOTIF, FAN_MARK_EVICTABLE, FAN_OPEN, 0 },
	{ FAN_CLASS_NOTIF, FAN_MARK_IGNORE_SURV, FAN_OPEN, 0 },
	{ FAN_CLASS_CONTENT, 0, FAN_OPEN_PERM | FAN_ACCESS_PERM, 0 },
	{ FAN_CLASS_CONTENT, FAN_MARK_MOUNT, FAN_OPEN_PERM, -EINVAL },	/* needs a target */
	{ FAN_CLASS_CONTENT, FAN_MARK_FILESYSTEM, FAN_OPEN_PERM, -EINVAL },
	{ FAN_CLASS_NOTIF, FAN_MARK_MOUNT, FAN_OPEN, 0 },
	{ FAN_CLASS_NOTIF | FAN_REPORT_FID, FAN_MARK_FILESYSTEM, FAN_FS_ERROR, 0 },
	{ FAN_CLASS_NOTIF | FAN_REPORT_FID, FAN_MARK_FILESYSTEM, FAN_CREATE | FAN_DELETE, 0 },
	{ FAN_CLASS_NOTIF, FAN_MARK_MOUNT, FAN_CREATE, -EINVAL },	/* kernel: no FID group */
	{ FAN_CLASS_NOTIF | FAN_REPORT_FID, 0, FAN_CREATE | FAN_ONDIR, 0 },
	/* directory-only bits the kernel refuses on a file with ENOTDIR */
	{ FAN_CLASS_NOTIF | FAN_REPORT_DFID_NAME, 0, FAN_RENAME, 0 },
	{ FAN_CLASS_NOTIF | FAN_REPORT_DFID_NAME_TARGET, 0, FAN_CREATE | FAN_MOVE, 0 },
	{ FAN_CLASS_NOTIF, FAN_MARK_IGNORE_SURV, FAN_OPEN | FAN_ONDIR, 0 },
	{ FAN_CLASS_CONTENT, FAN_MARK_IGNORE_SURV, FAN_OPEN_PERM | FAN_ONDIR, 0 },
	{ FAN_CLASS_NOTIF | FAN_REPORT_MNT, FAN_MARK_MNTNS, FAN_MNT_ATTACH | FAN_MNT_DETACH, 0 },
	{ FAN_CLASS_NOTIF, FAN_MARK_MNTNS, FAN_MNT_ATTACH, -EINVAL },	/* needs REPORT_MNT */
	{ FAN_CLASS_NOTIF, 0, 1ULL << 40, -EINVAL },			/* upper 32 bits */
};
#define NMARKS (sizeof(marks) / sizeof(marks[0]))

/* What this kernel answers: -EINVAL for what it is too old to know. */
static int init_expect(size_t i)
{
	return th_kernel_knows(inits[i].flags, 0, 0) ? inits[i].expect : -EINVAL;
}

static int mark_expect(size_t i)
{
	return th_kernel_knows(marks[i].init, marks[i].flags, marks[i].mask) ? marks[i].expect
									    : -EINVAL;
}

static int raw_init(unsigned int flags, unsigned int evf)
{
	int fd = fanotify_init(flags | FAN_CLOEXEC, evf);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

static void check_inits(void)
{
	size_t i;
	int r;

	for (i = 0; i < NINITS; i++) {
		r = fan_probe_init(inits[i].flags, inits[i].evf);
		if (r != raw_init(inits[i].flags, inits[i].evf))
			th_fail("fan_probe_init(0x%x, 0x%x) = %d, fanotify_init says %d",
				inits[i].flags, inits[i].evf, r,
				raw_init(inits[i].flags, inits[i].evf));
		if (r != init_expect(i))
			th_fail("fan_probe_init(0x%x, 0x%x) = %d (%s), expected %d",
				inits[i].flags, inits[i].evf, r, strerror(-r), init_expect(i));
	}
}

static void check_marks(void)
{
	size_t i;
	int r;

	for (i = 0; i < NMARKS; i++) {
		r = fan_probe_mark(marks[i].init, marks[i].flags, marks[i].mask, -1, NULL);
		if (r != mark_expect(i))
			th_fail("fan_probe_mark(0x%x, 0x%x, %s) = %d (%s), expected %d",
				marks[i].init, marks[i].flags, lv_mask(marks[i].mask), r,
				strerror(-r), mark_expect(i));
	}
}

/* With a real target, the answer is about that target (and not cached). */
static void check_targets(const char *dir)
{
	char file[300];

	th_write_file(dir, "file", 1);
	lv_join(file, sizeof(file), dir, "file");
	T_EQ(fan_probe_mark(FAN_CLASS_CONTENT, FAN_MARK_MOUNT, FAN_OPEN_PERM, AT_FDCWD, dir), 0);
	T_EQ(fan_probe_mark(FAN_CLASS_NOTIF, FAN_MARK_ONLYDIR, FAN_OPEN, AT_FDCWD, file), -ENOTDIR);
	T_EQ(fan_probe_mark(FAN_CLASS_NOTIF, FAN_MARK_ONLYDIR, FAN_OPEN, AT_FDCWD, dir), 0);
	T_EQ(fan_probe_mark(FAN_CLASS_NOTIF | FAN_REPORT_DFID_NAME, 0, FAN_RENAME, AT_FDCWD, file),
	     th_kernel_knows(0, 0, FAN_RENAME) ? -ENOTDIR : -EINVAL);
	T_EQ(fan_probe_mark(FAN_CLASS_NOTIF, 0, FAN_OPEN, AT_FDCWD, "/nonexistent/x"), -ENOENT);
}

struct result {
	int init[NINITS];
	int mark[NMARKS];
};

static pthread_barrier_t barrier;
static struct result results[THREADS];

/* Each thread walks the cases from its own starting point, all at once. */
static void *prober(void *arg)
{
	struct result *res = arg;
	size_t k = (size_t)(res - results), i, j;

	pthread_barrier_wait(&barrier);
	for (j = 0; j < NINITS; j++) {
		i = (j + k) % NINITS;
		res->init[i] = fan_probe_init(inits[i].flags, inits[i].evf);
	}
	for (j = 0; j < NMARKS; j++) {
		i = (j + k) % NMARKS;
		res->mark[i] = fan_probe_mark(marks[i].init, marks[i].flags, marks[i].mask, -1,
					      NULL);
	}
	return NULL;
}

static void concurrent(void)
{
	pthread_t t[THREADS];
	size_t k, i;

	T_EQ(pthread_barrier_init(&barrier, NULL, THREADS), 0);
	for (k = 0; k < THREADS; k++)
		T_EQ(pthread_create(&t[k], NULL, prober, &results[k]), 0);
	for (k = 0; k < THREADS; k++)
		T_EQ(pthread_join(t[k], NULL), 0);
	for (k = 0; k < THREADS; k++) {
		for (i = 0; i < NINITS; i++)
			if (results[k].init[i] != init_expect(i))
				th_fail("thread %zu: init case %zu gave %d, expected %d", k, i,
					results[k].init[i], init_expect(i));
		for (i = 0; i < NMARKS; i++)
			if (results[k].mark[i] != mark_expect(i))
				th_fail("thread %zu: mark case %zu gave %d, expected %d", k, i,
					results[k].mark[i], mark_expect(i));
	}
	pthread_barrier_destroy(&barrier);
}

int main(void)
{
	char dir[256];

	th_init(50);
	th_private_tmpfs(dir, sizeof(dir));	/* before any thread */
	/* First, uncached, from 8 threads at once; then again, cached. */
	concurrent();
	check_inits();
	check_marks();
	check_targets(dir);
	printf("PASS\n");
	return 0;
}
