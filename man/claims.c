// SPDX-License-Identifier: MIT
/*
 * What the man pages say about the kernel and the library, checked on the
 * running system, so a page cannot go on saying something that stopped
 * being true.  Each check names the page that makes the statement.  All
 * checks run; the test fails if any does.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fanotify/fanotify.h>

#include "th.h"

static int failures;

#define CLAIM(page, cond, ...)                                              \
	do {                                                                \
		if (!(cond)) {                                              \
			printf("FAIL %s: ", page);                          \
			printf(__VA_ARGS__);                                \
			printf("\n");                                       \
			failures++;                                         \
		}                                                           \
	} while (0)

static char dir[256];

static void touch(const char *name)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	if (fd < 0)
		th_fail("creating %s: %s", path, strerror(errno));
	close(fd);
}

/* fan_group_read(3): FIONREAD counts 24 bytes per event, whatever the records. */
static void fionread(void)
{
	struct fan_group *g;
	struct fan_event *ev;
	size_t bytes = 0;
	int queued = -1, n;

	if (fan_group_new(FAN_CLOEXEC | FAN_NONBLOCK | FAN_REPORT_DFID_NAME, 0, &g) < 0)
		th_fail("FID group");
	T_EQ(fan_group_add_mark(g, 0, FAN_CREATE, dir), 0);
	touch("fionread-a");
	touch("fionread-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
	T_EQ(ioctl(fan_group_fd(g), FIONREAD, &queued), 0);
	n = fan_group_read(g);
	fan_for_each_event(ev, g)
		bytes += fan_event_len(ev);
	CLAIM("fan_group_read(3)", n == 2 && queued == 24 * n && bytes > (size_t)queued,
	      "FIONREAD said %d for %d events of %zu bytes", queued, n, bytes);
	fan_group_free(g);
}

/*
 * fan_group_new(3), fan_group_read(3): out of descriptors in the middle of a
 * read, the kernel drops the event silently (seen with a plain read() of
 * the whole queue); the library bounds each read by the descriptor limit,
 * so through it every event arrives.
 */
static int count_raw(struct fan_group *g)
{
	static char buf[64 * 1024];
	ssize_t len;
	int n = 0;
	size_t off;

	while ((len = read(fan_group_fd(g), buf, sizeof(buf))) > 0)
		for (off = 0; off + 24 <= (size_t)len; n++) {
			uint32_t evlen;
			int32_t fd;

			memcpy(&evlen, buf + off, 4);
			memcpy(&fd, buf + off + 16, 4);
			if (fd >= 0)
				close(fd);
			off += evlen;
		}
	return n;
}

static int count_library(struct fan_group *g, int *emfile)
{
	struct fan_event *ev;
	int n = 0;

	while (fan_group_read(g) > 0)
		fan_for_each_event(ev, g) {
			n++;
			*emfile += fan_event_fd_error(ev) == -EMFILE;
		}
	return n;
}

static int burst_under_limit(unsigned int flags, int files, bool raw, int *emfile)
{
	struct rlimit old, low = { .rlim_cur = 32 };
	struct fan_group *g;
	char name[32];
	int i, n;

	if (fan_group_new(FAN_CLOEXEC | FAN_NONBLOCK | flags, O_RDONLY | O_CLOEXEC, &g) < 0)
		th_fail("fd group with flags %#x", flags);
	T_EQ(fan_group_add_mark(g, FAN_MARK_ONLYDIR, FAN_CLOSE_WRITE | FAN_EVENT_ON_CHILD, dir), 0);
	for (i = 0; i < files; i++) {
		snprintf(name, sizeof(name), "burst-%x-%d-%d", flags, raw, i);
		touch(name);
	}
	getrlimit(RLIMIT_NOFILE, &old);
	low.rlim_max = old.rlim_max;
	setrlimit(RLIMIT_NOFILE, &low);
	*emfile = 0;
	n = raw ? count_raw(g) : count_library(g, emfile);
	setrlimit(RLIMIT_NOFILE, &old);
	fan_group_free(g);
	return n;
}

static void out_of_descriptors(void)
{
	int emfile, n;

	n = burst_under_limit(0, 100, true, &emfile);
	CLAIM("fan_group_read(3)", n < 100,
	      "a plain read() got all %d events although descriptors ran out", n);
	n = burst_under_limit(0, 100, false, &emfile);
	CLAIM("fan_group_new(3)", n == 100 && emfile == 0,
	      "through the library %d of 100 events arrived, %d with -EMFILE", n, emfile);
	if (fan_probe_init(FAN_REPORT_FD_ERROR, O_RDONLY) == 0) {
		n = burst_under_limit(FAN_REPORT_FD_ERROR, 100, false, &emfile);
		CLAIM("fan_group_read(3)", n == 100 && emfile == 0,
		      "FAN_REPORT_FD_ERROR: %d of 100 events, %d with -EMFILE", n, emfile);
	}
}

/* fan_group_mark(3): no O_PATH descriptor for add_mark_fd, one is fine for add_mount. */
static void opath_descriptors(void)
{
	struct fan_group *g;
	int fd = open(dir, O_PATH | O_CLOEXEC);

	if (fd < 0 || fan_group_new(FAN_CLOEXEC | FAN_REPORT_FID, 0, &g) < 0)
		th_fail("setup");
	CLAIM("fan_group_mark(3)", fan_group_add_mark_fd(g, 0, FAN_CREATE, fd) == -EBADF,
	      "fan_group_add_mark_fd() with an O_PATH descriptor did not give -EBADF");
	CLAIM("fan_group_mark(3)", fan_group_add_mount(g, fd, NULL) == 0,
	      "fan_group_add_mount() refused an O_PATH descriptor");
	close(fd);
	fan_group_free(g);
}

/* fan_group_new(3): an adopted group shows the flags the kernel stored. */
static void adopted_flags(void)
{
	struct fan_group *g;
	int fd = fanotify_init(FAN_CLOEXEC | FAN_NONBLOCK, O_RDONLY);

	if (fd < 0 || fan_group_adopt(fd, NULL, &g) < 0)
		th_fail("adopt");
#if defined(__x86_64__)
	/* The kernel's O_LARGEFILE; glibc's is 0 on 64-bit systems. */
	CLAIM("fan_group_new(3)", fan_group_event_f_flags(g) & 0100000,
	      "event flags %#x lack the kernel's O_LARGEFILE", fan_group_event_f_flags(g));
#endif
	CLAIM("fan_group_new(3)",
	      (fan_group_init_flags(g) & (FAN_CLOEXEC | FAN_NONBLOCK)) ==
		      (FAN_CLOEXEC | FAN_NONBLOCK),
	      "init flags %#x", fan_group_init_flags(g));
	fan_group_free(g);
}

/* fan_event_mask(3): -EPERM is FAN_NOFD; FID groups with FD_ERROR get -EBADF. */
static void fd_error_values(void)
{
	unsigned char ev[FAN_EVENT_METADATA_LEN] = { 0 };
	uint32_t len = sizeof(ev);
	uint16_t mdlen = sizeof(ev);
	int32_t fd;
	struct fan_group *g;
	struct fan_event *e;
	int seen = 0;

	memcpy(ev, &len, 4);
	ev[4] = FANOTIFY_METADATA_VERSION;
	memcpy(ev + 6, &mdlen, 2);
	fd = -EPERM;
	memcpy(ev + 16, &fd, 4);
	CLAIM("fan_event_mask(3)", fan_event_fd_error((struct fan_event *)ev) == 0,
	      "-EPERM (== FAN_NOFD) reported as an error");
	fd = -EROFS;
	memcpy(ev + 16, &fd, 4);
	CLAIM("fan_event_mask(3)", fan_event_fd_error((struct fan_event *)ev) == -EROFS,
	      "-EROFS not reported");

	if (fan_group_new(FAN_CLOEXEC | FAN_NONBLOCK | FAN_REPORT_FID | FAN_REPORT_FD_ERROR, 0,
			  &g) < 0)
		return;		/* kernel without FAN_REPORT_FD_ERROR: nothing claimed */
	T_EQ(fan_group_add_mark(g, 0, FAN_CREATE, dir), 0);
	touch("fid-fd-error");
	if (fan_group_read(g) > 0)
		fan_for_each_event(e, g) {
			seen++;
			CLAIM("fan_event_mask(3)", fan_event_fd(e) == -EBADF,
			      "FID + FD_ERROR event fd is %d, not -EBADF", fan_event_fd(e));
		}
	CLAIM("fan_event_mask(3)", seen == 1, "%d events", seen);
	fan_group_free(g);
}

/*
 * fan_probe_init(3): without a target, mount and filesystem marks are tried
 * on "/", inode marks on a private object, and the answer is the kernel's.
 * These fail in 1.0.0 (see BUGS of fan_probe_init(3)) until src/probe.c is
 * fixed.
 */
static void probe_targets(void)
{
	int direct = fan_probe_mark(0, FAN_MARK_MOUNT, FAN_OPEN, AT_FDCWD, "/");
	int r = fan_probe_mark(0, FAN_MARK_MOUNT, FAN_OPEN, -1, NULL);

	CLAIM("fan_probe_init(3)", r == direct,
	      "mount mark probe without a target: %d, on \"/\": %d", r, direct);
	direct = fan_probe_mark(0, FAN_MARK_FILESYSTEM, FAN_OPEN, AT_FDCWD, "/");
	r = fan_probe_mark(0, FAN_MARK_FILESYSTEM, FAN_OPEN, -1, NULL);
	CLAIM("fan_probe_init(3)", r == direct,
	      "filesystem mark probe without a target: %d, on \"/\": %d", r, direct);
	direct = fan_probe_mark(FAN_REPORT_DFID_NAME, 0, FAN_RENAME, AT_FDCWD, dir);
	r = fan_probe_mark(FAN_REPORT_DFID_NAME, 0, FAN_RENAME, -1, NULL);
	CLAIM("fan_probe_init(3)", r == direct,
	      "FAN_RENAME inode mark probe without a target: %d, on a directory: %d", r, direct);
}

/* fan_event_name(3): the example's comment. */
static void mask_format(void)
{
	char buf[64];
	int n = fan_mask_format(FAN_OPEN | FAN_CLOSE_WRITE | FAN_RENAME, "|", buf, sizeof(buf));

	CLAIM("fan_event_name(3)", n == 23 && !strcmp(buf, "close_write|open|rename"),
	      "fan_mask_format gave \"%s\" (%d)", buf, n);
	CLAIM("fan_event_name(3)", fan_mask_format(FAN_OPEN, NULL, NULL, 0) == 4,
	      "fan_mask_format(NULL, 0) does not return the length");
}

static void unlink_in_child(const char *path)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(unlink(path) < 0);
	T_EQ(th_wait(pid), 0);
}

/* Events of one batch, by mask; the number of events. */
static int read_masks(struct fan_group *g, uint64_t *masks, int max)
{
	struct fan_event *ev;
	int n = 0;

	while (fan_group_read(g) > 0)
		fan_for_each_event(ev, g)
			if (n < max)
				masks[n++] = fan_event_mask(ev);
	return n;
}

/*
 * libfanotify(7) "Merged events": a creation and a deletion of one name by
 * one process, still queued, are one FAN_CREATE|FAN_DELETE event; by two
 * processes, two events.
 */
static void merged_events(void)
{
	struct fan_group *g;
	uint64_t m[8];
	char path[512];
	int n;

	if (fan_group_new(FAN_CLOEXEC | FAN_NONBLOCK | FAN_REPORT_DFID_NAME, 0, &g) < 0)
		th_fail("FID group");
	T_EQ(fan_group_add_mark(g, 0, FAN_CREATE | FAN_DELETE, dir), 0);
	snprintf(path, sizeof(path), "%s/merged", dir);
	touch("merged");
	T_EQ(unlink(path), 0);
	n = read_masks(g, m, 8);
	CLAIM("libfanotify.7", n == 1 && m[0] == (FAN_CREATE | FAN_DELETE),
	      "a create and a delete of one name by one process: %d events, mask 0x%llx", n,
	      (unsigned long long)m[0]);
	touch("merged");
	unlink_in_child(path);
	n = read_masks(g, m, 8);
	CLAIM("libfanotify.7", n == 2 && m[0] == FAN_CREATE && m[1] == FAN_DELETE,
	      "a create and a delete by two processes: %d events", n);
	fan_group_free(g);
}

int main(void)
{
	th_init(25);
	th_require_init(FAN_CLASS_NOTIF, O_RDONLY);
	th_private_tmpfs(dir, sizeof(dir));
	fionread();
	out_of_descriptors();
	opath_descriptors();
	adopted_flags();
	fd_error_values();
	probe_targets();
	mask_format();
	merged_events();
	if (failures)
		printf("%d statement(s) of the man pages do not hold\n", failures);
	return failures ? 1 : 0;
}
