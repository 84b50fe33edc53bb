// SPDX-License-Identifier: MIT
/*
 * Watched objects that go away: a marked directory removed, a marked
 * tmpfs unmounted, while three groups watch them and a third directory.
 *
 * Groups: FID (DFID_NAME | FID, resolved to paths), fd mode, and a
 * permission group answered by a thread.  Marks on A/keep, A/gone (its
 * subtree deleted) and B/x (B a second tmpfs, then unmounted).
 *
 * Checked: the removal is reported (DELETE_SELF of A/gone in the FID
 * group); B is unmounted (a plain umount, which must succeed: the
 * library holds no descriptor on a watched filesystem between batches),
 * then B is mounted again, B/x marked again, and B lazily unmounted while
 * the test holds a descriptor inside it;
 * afterwards every group keeps working for the marks left: events in
 * A/keep arrive with their exact paths, opens there are
 * answered (the opener returns), events on the detached B (through a
 * descriptor opened before) are delivered and resolving them neither
 * crashes nor hangs; descriptors back to their starting count after the
 * groups are freed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fanotify/fanotify.h>

#include "stress.h"

static char a[256], b[256], keep[300], gone[300], bx[300];
static struct fan_group *gfid, *gfd, *gperm;
static struct fan_resolver *rfid, *rfd;
static bool perm_stop;
static unsigned long perm_answers;

/* ---- the permission group's thread: allow everything ---- */

static void *perm_thread(void *arg)
{
	struct pollfd p = { .fd = fan_group_fd(gperm), .events = POLLIN };
	struct fan_event *ev;

	(void)arg;
	while (!__atomic_load_n(&perm_stop, __ATOMIC_ACQUIRE)) {
		if (poll(&p, 1, 50) <= 0 || fan_group_read(gperm) < 0)
			continue;
		fan_for_each_event(ev, gperm)
			if (fan_event_needs_answer(ev) &&
			    fan_event_respond(gperm, ev, FAN_ALLOW, NULL) == 0)
				perm_answers++;
		fan_group_release(gperm);
	}
	return NULL;
}

/* ---- helpers ---- */

static struct fan_group *group(unsigned int init)
{
	LIBFANOTIFY_OPTS(fan_group_opts, o, .init_flags = init | FAN_NONBLOCK | FAN_CLOEXEC,
			 .event_f_flags = O_RDONLY | O_CLOEXEC, .flags = LIBFANOTIFY_ANSWER_SELF);
	struct fan_group *g;
	int r = fan_group_new_opts(&o, &g);

	if (r == -EPERM || r == -EINVAL)
		th_skip("fanotify_init(0x%x): %s", init, strerror(-r));
	if (r < 0)
		th_fail("fan_group_new_opts(0x%x): %s", init, strerror(-r));
	return g;
}

static void mark_all(struct fan_group *g, uint64_t mask)
{
	const char *dirs[] = { keep, gone, bx };
	int i, r;

	for (i = 0; i < 3; i++) {
		r = fan_group_add_mark(g, 0, mask, dirs[i]);
		if (r < 0)
			th_fail("mark %s: %s", dirs[i], strerror(-r));
	}
}

static const char *join(char *buf, size_t size, const char *dir, const char *name)
{
	snprintf(buf, size, "%s/%s", dir, name);
	return buf;
}

/* A child creates dir/name (through dirfd if >= 0): open, write, close. */
struct mk { int dirfd; char path[400]; };

static void mk_child(void *arg)
{
	struct mk *m = arg;
	int fd = openat(m->dirfd, m->path, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0 || write(fd, "x", 1) != 1)
		_exit(1);
	_exit(close(fd) ? 1 : 0);
}

static void make(int dirfd, const char *path)
{
	struct mk m = { .dirfd = dirfd };

	snprintf(m.path, sizeof(m.path), "%s", path);
	if (th_wait(th_spawn(mk_child, &m)) != 0)
		th_fail("creating %s failed", path);
}

/* Read everything g has now (up to 300 ms of quiet) and look for want (a path). */
static int drain(struct fan_group *g, struct fan_resolver *r, const char *want, uint64_t *masks)
{
	struct pollfd p = { .fd = fan_group_fd(g), .events = POLLIN };
	struct fan_event *ev;
	struct fan_path path;
	int found = 0;

	while (poll(&p, 1, 300) > 0 && fan_group_read(g) >= 0) {
		fan_for_each_event(ev, g) {
			*masks |= fan_event_mask(ev);
			if (fan_resolve_path(r, ev, &path, NULL) == 0 && path.path && want &&
			    !strcmp(path.path, want))
				found++;
		}
		fan_group_release(g);
	}
	return found;
}

static void expect_seen(const char *what, const char *path)
{
	uint64_t m1 = 0, m2 = 0;

	if (!drain(gfid, rfid, path, &m1))
		th_fail("%s: the FID group did not report %s (events seen: %s)", what, path,
			m1 ? "some" : "none");
	if (!drain(gfd, rfd, path, &m2))
		th_fail("%s: the fd-mode group did not report %s", what, path);
	printf("%s: %s reported with its path by both groups\n", what, path);
}

int main(void)
{
	uint64_t fid_mask = FAN_CREATE | FAN_DELETE | FAN_OPEN | FAN_CLOSE_WRITE | FAN_DELETE_SELF |
			    FAN_ONDIR | FAN_EVENT_ON_CHILD;
	char p[400], sub[400];
	unsigned long answers_before;
	uint64_t masks = 0;
	pthread_t th;
	int fds0, bdir;

	th_init(60);
	th_private_tmpfs(a, sizeof(a));
	th_private_tmpfs(b, sizeof(b));
	snprintf(keep, sizeof(keep), "%s/keep", a);
	snprintf(gone, sizeof(gone), "%s/gone", a);
	snprintf(bx, sizeof(bx), "%s/x", b);
	snprintf(sub, sizeof(sub), "%s/sub", gone);
	if (mkdir(keep, 0755) || mkdir(gone, 0755) || mkdir(sub, 0755) || mkdir(bx, 0755))
		th_fail("mkdir: %s", strerror(errno));
	fds0 = th_count_fds();

	gfid = group(FAN_CLASS_NOTIF | FAN_REPORT_DFID_NAME | FAN_REPORT_FID);
	gfd = group(FAN_CLASS_NOTIF);
	gperm = group(FAN_CLASS_CONTENT);
	mark_all(gfid, fid_mask);
	mark_all(gfd, FAN_OPEN | FAN_CLOSE_WRITE | FAN_EVENT_ON_CHILD);
	mark_all(gperm, FAN_OPEN_PERM | FAN_EVENT_ON_CHILD);
	if (fan_resolver_new(gfid, NULL, &rfid) < 0 || fan_resolver_new(gfd, NULL, &rfd) < 0)
		th_fail("fan_resolver_new");
	T_EQ(pthread_create(&th, NULL, perm_thread, NULL), 0);

	/* before: all three directories report */
	make(AT_FDCWD, join(p, sizeof(p), keep, "one"));
	expect_seen("before", p);
	make(AT_FDCWD, join(p, sizeof(p), gone, "one"));
	expect_seen("before", p);
	make(AT_FDCWD, join(p, sizeof(p), bx, "one"));
	expect_seen("before", p);

	/* the marked directory goes away, subtree and all (mkdtemp names: no quoting needed) */
	snprintf(p, sizeof(p), "rm -rf '%s'", gone);
	if (system(p) != 0 || access(gone, F_OK) == 0)
		th_fail("%s failed", p);
	drain(gfid, rfid, NULL, &masks);
	T_ASSERT(masks & FAN_DELETE_SELF);
	printf("removed %s: DELETE_SELF reported\n", gone);

	/* the marked filesystem goes away */
	if (umount2(b, 0) < 0)
		th_fail("plain umount %s while watched: %s", b, strerror(errno));
	printf("umount %s: done\n", b);
	/* again, detached while something still holds it */
	if (mount("vanish", b, "tmpfs", 0, "size=4m") < 0 || mkdir(bx, 0755) < 0)
		th_fail("mounting %s again: %s", b, strerror(errno));
	T_EQ(fan_group_add_mark(gfid, 0, fid_mask, bx), 0);
	T_EQ(fan_group_add_mark(gfd, 0, FAN_OPEN | FAN_CLOSE_WRITE | FAN_EVENT_ON_CHILD, bx), 0);
	T_EQ(fan_group_add_mark(gperm, 0, FAN_OPEN_PERM | FAN_EVENT_ON_CHILD, bx), 0);
	bdir = open(bx, O_PATH | O_DIRECTORY | O_CLOEXEC);
	T_ASSERT(bdir >= 0);
	if (umount2(b, MNT_DETACH) < 0)
		th_fail("umount -l %s: %s", b, strerror(errno));
	rmdir(b);	/* th's cleanup cannot unmount it again */
	printf("umount -l %s: done\n", b);

	/* after: the remaining mark works in every group, with exact paths */
	answers_before = __atomic_load_n(&perm_answers, __ATOMIC_RELAXED);
	make(AT_FDCWD, join(p, sizeof(p), keep, "two"));
	expect_seen("after", p);
	T_ASSERT(__atomic_load_n(&perm_answers, __ATOMIC_RELAXED) > answers_before);
	/* the detached filesystem still has its marks: events, answers, no crash */
	if (bdir >= 0) {
		make(bdir, "late");
		masks = 0;
		drain(gfid, rfid, NULL, &masks);
		T_ASSERT(masks & FAN_CREATE);
		masks = 0;
		drain(gfd, rfd, NULL, &masks);
		T_ASSERT(masks & FAN_OPEN);
		printf("detached %s: events still delivered and answered\n", b);
		close(bdir);
	}

	__atomic_store_n(&perm_stop, true, __ATOMIC_RELEASE);
	T_EQ(pthread_join(th, NULL), 0);
	fan_resolver_free(rfid);
	fan_resolver_free(rfd);
	fan_group_free(gfid);
	fan_group_free(gfd);
	fan_group_free(gperm);
	T_EQ(th_count_fds(), fds0);
	printf("PASS\n");
	return 0;
}
