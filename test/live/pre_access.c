// SPDX-License-Identifier: MIT
/*
 * Pre-content events (FAN_PRE_ACCESS, Linux 6.14) on ext4: a read of a
 * marked file waits for a FAN_PRE_ACCESS event that carries a RANGE record
 * (offset and length of the access); FAN_DENY_ERRNO(EIO) makes the reader
 * see EIO, FAN_ALLOW lets it read.  tmpfs refuses the mark (EOPNOTSUPP).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fidcheck.h"

static char ext4[256], tmp[256], file[300];

/* A child that opens file and preads len bytes at off; exits 0 or errno. */
static pid_t spawn_reader(off_t off, size_t len)
{
	char buf[16384];
	pid_t pid = fork();
	int fd;

	T_ASSERT(pid >= 0);
	if (pid > 0)
		return pid;
	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		_exit(errno);
	if (pread(fd, buf, len, off) != (ssize_t)len)
		_exit(errno ? errno : 100);
	_exit(0);
}

/* The next PRE_ACCESS event of child, with its range. */
static struct fan_event *next_pre_access(struct fan_group *g, pid_t child, struct fan_range *r)
{
	struct fan_event *ev;

	T_EQ(lv_read(g, 5000), 1);
	ev = fan_group_first_event(g);
	T_EQ(fan_event_mask(ev), FAN_PRE_ACCESS);
	T_EQ(fan_event_pid(ev), child);
	T_ASSERT(fan_event_is_permission(ev));
	T_ASSERT(fan_event_fd(ev) >= 0);
	printf("pre_access records: %s\n", lv_record_types(ev));
	T_STREQ(lv_record_types(ev), "range");
	T_EQ(fan_info_range(fan_event_find_info(ev, FAN_EVENT_INFO_TYPE_RANGE), r), 0);
	printf("range offset %llu count %llu\n", (unsigned long long)r->offset,
	       (unsigned long long)r->count);
	return ev;
}

/* The read is held until answered; the RANGE record covers it. */
static void read_answered(struct fan_group *g, off_t off, size_t len, uint32_t response,
			  int expected)
{
	pid_t child = spawn_reader(off, len);
	struct fan_range r;
	struct fan_event *ev = next_pre_access(g, child, &r);

	T_EQ(r.offset, (uint64_t)off);
	T_ASSERT(r.count >= len);
	T_ASSERT(lv_blocked(child, 100));
	T_EQ(fan_event_respond(g, ev, response, NULL), 0);
	lv_expect_exit(child, expected, "reader");
}

int main(void)
{
	char tfile[300];
	struct fan_group *g;
	int r;

	th_init(50);
	th_private_tmpfs(tmp, sizeof(tmp));
	th_write_file(tmp, "file", 4096);
	lv_join(tfile, sizeof(tfile), tmp, "file");
	th_private_ext4(ext4, sizeof(ext4), 16, NULL, NULL, 0);
	th_write_file(ext4, "file", 65536);
	lv_join(file, sizeof(file), ext4, "file");
	lv_require_mark(FAN_CLASS_PRE_CONTENT, FAN_MARK_INODE, FAN_PRE_ACCESS, AT_FDCWD, file);

	/* tmpfs does not opt in to pre-content events. */
	r = fan_probe_mark(FAN_CLASS_PRE_CONTENT, FAN_MARK_INODE, FAN_PRE_ACCESS, AT_FDCWD, tfile);
	T_EQ(r, -EOPNOTSUPP);

	g = lv_group(FAN_CLASS_PRE_CONTENT | FAN_NONBLOCK | FAN_CLOEXEC, O_RDONLY);
	T_EQ(fan_group_add_mark(g, 0, FAN_PRE_ACCESS, tfile), -EOPNOTSUPP);
	lv_mark(g, 0, FAN_PRE_ACCESS, file);
	read_answered(g, 0, 100, FAN_DENY_ERRNO(EIO), EIO);
	read_answered(g, 8192, 4096, FAN_ALLOW, 0);
	read_answered(g, 0, 10, FAN_DENY_ERRNO(EBUSY), EBUSY);
	read_answered(g, 0, 10, FAN_DENY, EPERM);
	fan_group_free(g);
	printf("PASS\n");
	return 0;
}
