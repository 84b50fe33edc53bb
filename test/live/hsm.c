// SPDX-License-Identifier: MIT
/*
 * What a lazy filler (hierarchical storage manager) can rely on, on ext4
 * (Linux 6.14+), as libfanotify-hsm(7) states it:
 *   1. filling needs an O_RDWR event fd: writing through an O_RDONLY one is
 *      EBADF;
 *   2. writing through the event fd raises no event, and the reader that
 *      waited sees the filled bytes;
 *   3. the listener's own write through a descriptor of its own raises an
 *      event for itself (LIBFANOTIFY_ANSWER_SELF allows it);
 *   4. the range is page granular and is the access, not the file: an
 *      18-byte file read with a 128 KiB buffer asks for 131,072 bytes; a
 *      read past the end still raises an event; a truncation names the new
 *      size's page (count 0 for a truncation to 0);
 *   5. every FAN_PRE_ACCESS event has a range record; FAN_OPEN_PERM and
 *      FAN_ACCESS_PERM events of the same group have none; open(), also
 *      with O_TRUNC, raises no FAN_PRE_ACCESS;
 *   6. FAN_DENY_ERRNO(e): the reader gets e for EPERM, EIO, EBUSY,
 *      ETXTBSY, EAGAIN, ENOSPC, EDQUOT; the kernel refuses other errors
 *      (EINVAL) and the event waits for another answer;
 *   7. events stop for a complete file with an ignore mark
 *      (FAN_MARK_IGNORE_SURV: also after the file is written), under a
 *      directory's or a filesystem's mark, or by removing its inode mark;
 *   8. a file opened before the mark raises none through that descriptor.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fidcheck.h"

static char ext4[256], file[300], small[300];

enum op { OP_READ, OP_WRITE, OP_OPEN, OP_OPEN_TRUNC, OP_TRUNCATE };

struct io {
	enum op op;
	const char *path;
	off_t off;
	size_t len;
	char expect[8];	/* first bytes a read must see, if any */
};

/* A child doing io; exits 0, the errno it got, or 100 for wrong bytes. */
static pid_t spawn_io(const struct io *io)
{
	static char buf[131072];
	pid_t pid = fork();
	ssize_t n;
	int fd;

	T_ASSERT(pid >= 0);
	if (pid > 0)
		return pid;
	switch (io->op) {
	case OP_TRUNCATE:
		_exit(truncate(io->path, io->off) < 0 ? errno : 0);
	case OP_WRITE:
		fd = open(io->path, O_WRONLY);
		if (fd < 0)
			_exit(errno);
		_exit(pwrite(fd, "more", 4, io->off) == 4 ? 0 : errno);
	case OP_OPEN:
	case OP_OPEN_TRUNC:
		fd = open(io->path, io->op == OP_OPEN ? O_RDONLY : O_WRONLY | O_TRUNC);
		_exit(fd < 0 ? errno : 0);
	case OP_READ:
		fd = open(io->path, O_RDONLY);
		if (fd < 0)
			_exit(errno);
		n = pread(fd, buf, io->len, io->off);
		if (n < 0)
			_exit(errno);
		if (io->expect[0] && memcmp(buf, io->expect, strlen(io->expect)))
			_exit(100);
		_exit(0);
	}
	_exit(101);
}

static struct fan_group *hsm_group(int event_f_flags, unsigned int flags)
{
	LIBFANOTIFY_OPTS(fan_group_opts, o,
			 .init_flags = FAN_CLASS_PRE_CONTENT | FAN_NONBLOCK | FAN_CLOEXEC,
			 .event_f_flags = event_f_flags | O_CLOEXEC, .flags = flags);

	return lv_group_opts(&o);
}

/* The next event: a FAN_PRE_ACCESS of pid (unless 0) with its range. */
static struct fan_event *pre_access(struct fan_group *g, pid_t pid, struct fan_range *r)
{
	struct fan_event *ev;

	T_EQ(lv_read(g, 5000), 1);
	ev = fan_group_first_event(g);
	T_EQ(fan_event_mask(ev), FAN_PRE_ACCESS);
	if (pid)
		T_EQ(fan_event_pid(ev), pid);
	T_STREQ(lv_record_types(ev), "range");
	T_EQ(fan_info_range(fan_event_find_info(ev, FAN_EVENT_INFO_TYPE_RANGE), r), 0);
	return ev;
}

/* 1, 2: fill through the event fd. */
static void fill(void)
{
	struct io rd = { OP_READ, file, 0, 6, "FILLED" };
	struct fan_group *g;
	struct fan_event *ev;
	struct fan_range r;
	pid_t child;
	int mode;

	for (mode = 0; mode < 2; mode++) {
		th_write_file(ext4, "file", 65536);
		g = hsm_group(mode ? O_RDWR : O_RDONLY, 0);
		lv_mark(g, 0, FAN_PRE_ACCESS, file);
		child = spawn_io(&rd);
		ev = pre_access(g, child, &r);
		if (mode == 0) {
			T_EQ(pwrite(fan_event_fd(ev), "FILLED", 6, 0), -1);
			T_EQ(errno, EBADF);
			T_EQ(fan_event_respond(g, ev, FAN_ALLOW, NULL), 0);
			lv_expect_exit(child, 100, "reader of an unfilled file");
		} else {
			T_EQ(pwrite(fan_event_fd(ev), "FILLED", 6, 0), 6);
			lv_expect_quiet(g, 100, "a write through the event fd");
			T_EQ(fan_event_respond(g, ev, FAN_ALLOW, NULL), 0);
			lv_expect_exit(child, 0, "reader of a filled range");
		}
		fan_group_free(g);
	}
	printf("fill: O_RDONLY event fd EBADF, O_RDWR fills without an event\n");
}

struct own_write {
	int fd;
	ssize_t result;
};

static void *own_write_thread(void *arg)
{
	struct own_write *w = arg;

	w->result = pwrite(w->fd, "own", 3, 0);
	return NULL;
}

/* 3: our own descriptor is not the event's: its write raises an event. */
static void own_write(void)
{
	struct fan_group *g = hsm_group(O_RDWR, LIBFANOTIFY_ANSWER_SELF);
	struct own_write w;
	struct fan_range r;
	pthread_t t;

	th_write_file(ext4, "file", 65536);
	lv_mark(g, 0, FAN_PRE_ACCESS, file);
	w.fd = open(file, O_WRONLY | O_CLOEXEC);
	T_ASSERT(w.fd >= 0);
	T_EQ(pthread_create(&t, NULL, own_write_thread, &w), 0);
	pre_access(g, getpid(), &r);	/* answered (allowed) as it was read */
	T_EQ(pthread_join(t, NULL), 0);
	T_EQ(w.result, 3);
	T_EQ(lv_stats(g).self_answers, 1);
	close(w.fd);
	fan_group_free(g);
	printf("own write through another descriptor: an event of our own\n");
}

/* The range of the event io raises (allowed), and that io succeeded. */
static struct fan_range range_of(struct fan_group *g, struct io io)
{
	pid_t child = spawn_io(&io);
	struct fan_range r;
	struct fan_event *ev = pre_access(g, child, &r);

	T_EQ(fan_event_respond(g, ev, FAN_ALLOW, NULL), 0);
	lv_expect_exit(child, 0, "accessor");
	printf("  range offset %llu count %llu\n", (unsigned long long)r.offset,
	       (unsigned long long)r.count);
	return r;
}

#define T_RANGE(r, o, c)                                                    \
	do {                                                                \
		struct fan_range r_ = (r);                                  \
		T_EQ(r_.offset, o);                                         \
		T_EQ(r_.count, c);                                          \
	} while (0)

/* 4, 5: ranges, and which events carry one. */
static void ranges(void)
{
	struct fan_group *g = hsm_group(O_RDWR, 0);
	struct fan_event *ev;
	pid_t child;
	int i;

	th_write_file(ext4, "small", 18);
	th_write_file(ext4, "file", 65536);
	lv_mark(g, 0, FAN_PRE_ACCESS, small);
	lv_mark(g, 0, FAN_PRE_ACCESS, file);
	T_RANGE(range_of(g, (struct io){ OP_READ, small, 0, 131072, "" }), 0, 131072);
	T_RANGE(range_of(g, (struct io){ OP_READ, small, 100000, 10, "" }), 98304, 4096);
	T_RANGE(range_of(g, (struct io){ OP_READ, file, 5, 10, "" }), 0, 4096);
	T_RANGE(range_of(g, (struct io){ OP_READ, file, 5000, 10, "" }), 4096, 4096);
	T_RANGE(range_of(g, (struct io){ OP_READ, file, 8190, 10, "" }), 4096, 8192);
	T_RANGE(range_of(g, (struct io){ OP_WRITE, file, 5000, 4, "" }), 4096, 4096);
	T_RANGE(range_of(g, (struct io){ OP_TRUNCATE, file, 10000, 0, "" }), 8192, 4096);
	T_RANGE(range_of(g, (struct io){ OP_TRUNCATE, file, 0, 0, "" }), 0, 0);

	fan_group_free(g);

	/* opening raises none, truncating open included */
	th_write_file(ext4, "file", 65536);
	g = hsm_group(O_RDWR, 0);
	lv_mark(g, 0, FAN_PRE_ACCESS, file);
	lv_expect_exit(spawn_io(&(struct io){ OP_OPEN, file, 0, 0, "" }), 0, "opener");
	lv_expect_exit(spawn_io(&(struct io){ OP_OPEN_TRUNC, file, 0, 0, "" }), 0, "truncating opener");
	lv_expect_quiet(g, 100, "open() under a FAN_PRE_ACCESS mark");
	fan_group_free(g);

	/* permission events of the older kinds, same group class: no range */
	th_write_file(ext4, "file", 65536);
	g = hsm_group(O_RDWR, 0);
	lv_mark(g, 0, FAN_OPEN_PERM | FAN_ACCESS_PERM | FAN_PRE_ACCESS, file);
	child = spawn_io(&(struct io){ OP_READ, file, 0, 10, "" });
	for (i = 0; i < 3; i++) {
		T_EQ(lv_read(g, 5000), 1);
		ev = fan_group_first_event(g);
		printf("  %s: records \"%s\"\n", lv_mask(fan_event_mask(ev)), lv_record_types(ev));
		T_STREQ(lv_record_types(ev), fan_event_mask(ev) == FAN_PRE_ACCESS ? "range" : "");
		T_EQ(fan_event_respond(g, ev, FAN_ALLOW, NULL), 0);
	}
	lv_expect_exit(child, 0, "reader");
	fan_group_free(g);
	printf("ranges: page granular, the access's, beyond the end of file\n");
}

/* 6: FAN_DENY_ERRNO(). */
static void deny_errno(void)
{
	static const int ok[] = { EPERM, EIO, EBUSY, ETXTBSY, EAGAIN, ENOSPC, EDQUOT };
	static const int refused[] = { ENOENT, EFAULT, EACCES, EROFS };
	struct fan_group *g = hsm_group(O_RDWR, 0);
	struct io rd = { OP_READ, file, 0, 10, "" };
	struct fan_event *ev;
	struct fan_range r;
	pid_t child;
	size_t i;

	th_write_file(ext4, "file", 65536);
	lv_mark(g, 0, FAN_PRE_ACCESS, file);
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		child = spawn_io(&rd);
		ev = pre_access(g, child, &r);
		T_EQ(fan_event_respond(g, ev, FAN_DENY_ERRNO(ok[i]), NULL), 0);
		lv_expect_exit(child, ok[i], "reader denied with an errno");
	}
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		child = spawn_io(&rd);
		ev = pre_access(g, child, &r);
		T_EQ(fan_event_respond(g, ev, FAN_DENY_ERRNO(refused[i]), NULL), -EINVAL);
		T_ASSERT(fan_event_needs_answer(ev));
		T_EQ(fan_event_respond(g, ev, FAN_DENY_ERRNO(EIO), NULL), 0);
		lv_expect_exit(child, EIO, "reader after a refused errno");
	}
	fan_group_free(g);
	printf("FAN_DENY_ERRNO: 7 errors passed on, others refused\n");
}

/* 7, 8: stopping events. */
static void stop_events(void)
{
	struct fan_group *g = hsm_group(O_RDWR, 0);
	struct io rd = { OP_READ, file, 0, 10, "" };
	struct fan_range r;
	pid_t child;
	int fd;

	th_write_file(ext4, "file", 65536);
	lv_mark(g, 0, FAN_PRE_ACCESS | FAN_EVENT_ON_CHILD, ext4);
	range_of(g, rd);
	T_EQ(fan_group_add_mark(g, FAN_MARK_IGNORE_SURV, FAN_PRE_ACCESS, file), 0);
	lv_expect_exit(spawn_io(&rd), 0, "reader of an ignored file");
	lv_expect_exit(spawn_io(&(struct io){ OP_WRITE, file, 0, 4, "" }), 0, "writer");
	lv_expect_exit(spawn_io(&rd), 0, "reader after a modification");
	lv_expect_quiet(g, 100, "an ignored complete file");
	fan_group_free(g);

	/* the same under a filesystem mark */
	g = hsm_group(O_RDWR, 0);
	lv_mark(g, FAN_MARK_FILESYSTEM, FAN_PRE_ACCESS, ext4);
	range_of(g, rd);
	T_EQ(fan_group_add_mark(g, FAN_MARK_IGNORE_SURV, FAN_PRE_ACCESS, file), 0);
	lv_expect_exit(spawn_io(&rd), 0, "reader of an ignored file");
	lv_expect_quiet(g, 100, "an ignored file under a filesystem mark");
	fan_group_free(g);

	/* an inode mark removed */
	g = hsm_group(O_RDWR, 0);
	lv_mark(g, 0, FAN_PRE_ACCESS, file);
	range_of(g, rd);
	T_EQ(fan_group_remove_mark(g, 0, FAN_PRE_ACCESS, file), 0);
	lv_expect_exit(spawn_io(&rd), 0, "reader after the mark was removed");
	lv_expect_quiet(g, 100, "a file whose mark was removed");
	fan_group_free(g);

	/* a descriptor opened before the mark */
	fd = open(file, O_RDONLY | O_CLOEXEC);
	g = hsm_group(O_RDWR, 0);
	lv_mark(g, 0, FAN_PRE_ACCESS, file);
	child = fork();
	T_ASSERT(child >= 0);
	if (child == 0) {
		char c;

		_exit(pread(fd, &c, 1, 0) == 1 ? 0 : 1);
	}
	lv_expect_exit(child, 0, "reader through a descriptor older than the mark");
	lv_expect_quiet(g, 100, "a descriptor opened before the mark");
	close(fd);
	child = spawn_io(&rd);
	fan_event_respond(g, pre_access(g, child, &r), FAN_ALLOW, NULL);
	lv_expect_exit(child, 0, "reader through a new descriptor");
	fan_group_free(g);
	printf("stopping events: ignore mark, mark removed; older descriptors raise none\n");
}

int main(void)
{
	th_init(100);
	th_private_ext4(ext4, sizeof(ext4), 16, NULL, NULL, 0);
	lv_join(file, sizeof(file), ext4, "file");
	lv_join(small, sizeof(small), ext4, "small");
	th_write_file(ext4, "file", 65536);
	lv_require_mark(FAN_CLASS_PRE_CONTENT, FAN_MARK_INODE, FAN_PRE_ACCESS, AT_FDCWD, file);

	fill();
	own_write();
	ranges();
	deny_errno();
	stop_events();
	printf("PASS\n");
	return 0;
}
