// SPDX-License-Identifier: MIT
/* Helpers shared by the live tests; see live.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "live.h"
#include "fidcheck.h"

/* "6.18.44-..." or, under a kernel personality (test/kernel), "6.1 (simulated)". */
static const char *kernel_release(void)
{
	static struct utsname u;
	static char sim[64];

	if (th_kernel()) {
		snprintf(sim, sizeof(sim), "%s (simulated)", th_kernel());
		return sim;
	}
	if (uname(&u) < 0)
		return "?";
	return u.release;
}

/*
 * Append "NAME(since)" (or the hex value) to buf, '|'-separated.  Under a
 * kernel personality only what it is too old for: the reason for a skip.
 */
static size_t add_name(char *buf, size_t size, size_t off, const char *n, const char *since,
		       uint64_t value)
{
	if (off >= size || (th_kernel() && since && th_kernel_has(since)))
		return off;
	if (n)
		return off + (size_t)snprintf(buf + off, size - off, "%s%s(%s)", off ? "|" : "", n,
					      since ? since : "?");
	return off + (size_t)snprintf(buf + off, size - off, "%s0x%llx", off ? "|" : "",
				      (unsigned long long)value);
}

/* "FAN_MARK_MNTNS(6.15)", "FAN_MARK_EVICTABLE(5.19)", ... */
static void mark_names(unsigned int flags, char *buf, size_t size)
{
	unsigned int bit;
	size_t off = 0;

	buf[0] = '\0';
	if ((flags & FAN_MARK_MNTNS) == FAN_MARK_MNTNS) {
		off = add_name(buf, size, off, fan_mark_flag_name(FAN_MARK_MNTNS),
			       fan_mark_flag_since(FAN_MARK_MNTNS), FAN_MARK_MNTNS);
		flags &= ~FAN_MARK_MNTNS;
	}
	for (bit = 1; bit; bit <<= 1)
		if (flags & bit)
			off = add_name(buf, size, off, fan_mark_flag_name(bit),
				       fan_mark_flag_since(bit), bit);
	if (!buf[0] && !th_kernel())
		snprintf(buf, size, "FAN_MARK_INODE");
}

/* "rename(5.17)|create(5.1)" */
static void mask_names(uint64_t mask, char *buf, size_t size)
{
	uint64_t bit;
	size_t off = 0;

	buf[0] = '\0';
	for (bit = 1; bit; bit <<= 1)
		if (mask & bit)
			off = add_name(buf, size, off, fan_event_name(bit), fan_event_since(bit), bit);
}

void lv_require_mark(unsigned int init_flags, unsigned int mark_flags, uint64_t mask,
		     int dirfd, const char *path)
{
	char marks[256], events[512];
	int r;

	th_require_init(init_flags, 0);
	r = fan_probe_mark(init_flags, mark_flags, mask, dirfd, path);
	if (r == 0)
		return;
	if (!th_support_error(r))
		th_fail("fan_probe_mark(0x%x, 0x%x, %s): %s", init_flags, mark_flags, lv_mask(mask),
			strerror(-r));
	mark_names(mark_flags, marks, sizeof(marks));
	mask_names(mask, events, sizeof(events));
	th_skip("kernel %s refuses fanotify_mark(%s%s%s)%s%s: %s", kernel_release(), marks,
		marks[0] && events[0] ? ", " : "", events, path ? " on " : "", path ? path : "",
		strerror(-r));
}

struct fan_group *lv_group_opts(const struct fan_group_opts *o)
{
	struct fan_group *g = NULL;
	int r = fan_group_new_opts(o, &g);

	if (r == 0)
		return g;
	if (th_support_error(r))
		th_require_init(o->init_flags, o->event_f_flags);	/* skips if the kernel lacks a flag */
	th_fail("fan_group_new_opts(init 0x%x, event_f_flags 0x%x): %s", o->init_flags,
		o->event_f_flags, strerror(-r));
}

struct fan_group *lv_group(unsigned int init_flags, unsigned int event_f_flags)
{
	LIBFANOTIFY_OPTS(fan_group_opts, o, .init_flags = init_flags,
			 .event_f_flags = event_f_flags);

	return lv_group_opts(&o);
}

void lv_mark(struct fan_group *g, unsigned int flags, uint64_t mask, const char *path)
{
	int r = fan_group_add_mark(g, flags, mask, path);

	if (r < 0)
		th_fail("fan_group_add_mark(0x%x, %s, %s): %s", flags, lv_mask(mask), path,
			strerror(-r));
}

bool lv_readable(struct fan_group *g, int ms)
{
	struct pollfd p = { .fd = fan_group_fd(g), .events = POLLIN };
	int r;

	do
		r = poll(&p, 1, ms);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		th_fail("poll: %s", strerror(errno));
	return r > 0;
}

int lv_read(struct fan_group *g, int ms)
{
	int n;

	if (!lv_readable(g, ms))
		th_fail("no event within %d ms", ms);
	n = fan_group_read(g);
	if (n < 0)
		th_fail("fan_group_read: %s", strerror(-n));
	return n;
}

void lv_expect_quiet(struct fan_group *g, int ms, const char *why)
{
	struct fan_event *ev;

	if (!lv_readable(g, ms))
		return;
	if (fan_group_read(g) > 0) {
		ev = fan_group_first_event(g);
		th_fail("%s: unexpected event %s pid %d", why, lv_mask(fan_event_mask(ev)),
			(int)fan_event_pid(ev));
	}
}

struct fan_event *lv_find(struct fan_group *g, uint64_t mask, pid_t pid)
{
	struct fan_event *ev;

	fan_for_each_event(ev, g)
		if ((fan_event_mask(ev) & mask) == mask && (pid <= 0 || fan_event_pid(ev) == pid))
			return ev;
	return NULL;
}

int lv_count(struct fan_group *g)
{
	struct fan_event *ev;
	int n = 0;

	fan_for_each_event(ev, g)
		n++;
	return n;
}

const char *lv_mask(uint64_t mask)
{
	static char buf[8][256];
	static unsigned int next;
	char *b = buf[next++ % 8];

	fan_mask_format(mask, "|", b, sizeof(buf[0]));
	return b;
}

const char *lv_fd_path(int fd, char *buf, size_t size)
{
	char link[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, buf, size - 1);
	if (n < 0)
		th_fail("readlink %s: %s", link, strerror(errno));
	buf[n] = '\0';
	return buf;
}

const char *lv_join(char *buf, size_t size, const char *dir, const char *name)
{
	snprintf(buf, size, "%s/%s", dir, name);
	return buf;
}

void lv_tmpfs_file(char *dir, size_t dir_size, char *file, size_t file_size)
{
	th_private_tmpfs(dir, dir_size);
	th_write_file(dir, "file", 1);
	lv_join(file, file_size, dir, "file");
}

pid_t lv_spawn_open(const char *path, int flags)
{
	pid_t pid = fork();
	char c;
	int fd;

	if (pid < 0)
		th_fail("fork: %s", strerror(errno));
	if (pid > 0)
		return pid;
	fd = open(path, flags | O_CLOEXEC);
	if (fd < 0)
		_exit(errno);
	if ((flags & O_ACCMODE) != O_WRONLY && read(fd, &c, 1) < 0)
		_exit(errno);
	close(fd);
	_exit(0);
}

struct fan_event *lv_blocked_open(struct fan_group *g, const char *path, pid_t *child)
{
	struct fan_event *ev;

	*child = lv_spawn_open(path, O_RDONLY);
	T_EQ(lv_read(g, 5000), 1);
	ev = fan_group_first_event(g);
	T_EQ(fan_event_mask(ev), FAN_OPEN_PERM);
	T_EQ(fan_event_pid(ev), *child);
	return ev;
}

bool lv_blocked(pid_t pid, int ms)
{
	double end = th_now() + ms / 1000.0;
	siginfo_t si;

	do {
		memset(&si, 0, sizeof(si));
		if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0)
			th_fail("waitid %d: %s", (int)pid, strerror(errno));
		if (si.si_pid == pid)
			return false;
		usleep(2000);
	} while (th_now() < end);
	return true;
}

void lv_expect_exit(pid_t pid, int expected, const char *what)
{
	int st = th_wait(pid);

	if (st != expected)
		th_fail("%s: child exited with %d (%s), expected %d (%s)", what, st,
			st ? strerror(st) : "success", expected,
			expected ? strerror(expected) : "success");
}

void lv_raise_nofile(unsigned long n)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		th_fail("getrlimit: %s", strerror(errno));
	if (rl.rlim_cur >= n)
		return;
	/* The soft limit only: raising the hard one needs CAP_SYS_RESOURCE. */
	if (rl.rlim_max < n)
		th_skip("RLIMIT_NOFILE hard limit %lu is below the %lu descriptors needed",
			(unsigned long)rl.rlim_max, n);
	rl.rlim_cur = n;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		th_fail("setrlimit RLIMIT_NOFILE %lu: %s", n, strerror(errno));
}

long lv_read_long(const char *path)
{
	FILE *f = fopen(path, "re");
	long v;

	if (!f)
		th_fail("open %s: %s", path, strerror(errno));
	if (fscanf(f, "%ld", &v) != 1)
		th_fail("parse %s", path);
	fclose(f);
	return v;
}

/* Walk the group's fdinfo "fanotify ino:" lines. */
static int scan_marks(struct fan_group *g, unsigned long *first_ino)
{
	char path[64], line[512];
	unsigned long ino;
	int n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fan_group_fd(g));
	f = fopen(path, "re");
	if (!f)
		th_fail("open %s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "fanotify ino:%lx", &ino) == 1) {
			if (n++ == 0 && first_ino)
				*first_ino = ino;
		}
	fclose(f);
	return n;
}

int lv_inode_marks(struct fan_group *g)
{
	return scan_marks(g, NULL);
}

unsigned long lv_first_mark_ino(struct fan_group *g)
{
	unsigned long ino = 0;

	scan_marks(g, &ino);
	return ino;
}

struct fan_group_stats lv_stats(struct fan_group *g)
{
	struct fan_group_stats st = { .sz = sizeof(st) };
	int r = fan_group_get_stats(g, &st);

	if (r < 0)
		th_fail("fan_group_get_stats: %s", strerror(-r));
	return st;
}

/* ---- file handles (fidcheck.h) ---- */

void lv_handle_of(const char *path, struct lv_handle *h)
{
	union {
		struct file_handle fh;
		unsigned char space[sizeof(struct file_handle) + 128];
	} u = { .fh.handle_bytes = 128 };
	struct statfs sf;
	int mnt;

	if (name_to_handle_at(AT_FDCWD, path, &u.fh, &mnt, 0) < 0)
		th_fail("name_to_handle_at %s: %s", path, strerror(errno));
	if (statfs(path, &sf) < 0)
		th_fail("statfs %s: %s", path, strerror(errno));
	memset(h, 0, sizeof(*h));
	memcpy(h->fsid.val, &sf.f_fsid, sizeof(h->fsid.val));
	h->type = u.fh.handle_type;
	h->bytes = u.fh.handle_bytes;
	memcpy(h->data, u.fh.f_handle, u.fh.handle_bytes);
}

void lv_expect_fid(const struct fan_info *rec, unsigned int type, const struct lv_handle *h,
		   const char *name)
{
	struct fan_fid f;
	uint32_t hdr_bytes;

	if (!rec)
		th_fail("no %s record", fan_info_type_name(type));
	if (fan_info_type(rec) != type)
		th_fail("record type %s, expected %s", fan_info_type_name(fan_info_type(rec)),
			fan_info_type_name(type));
	T_EQ(fan_info_fid(rec, &f), 0);
	T_EQ(f.fsid.val[0], h->fsid.val[0]);
	T_EQ(f.fsid.val[1], h->fsid.val[1]);
	T_EQ(f.handle_type, h->type);
	T_EQ(f.handle_bytes, h->bytes);
	T_ASSERT(memcmp(f.handle_data, h->data, h->bytes) == 0);
	/* handle points at a struct file_handle usable with open_by_handle_at() */
	memcpy(&hdr_bytes, f.handle, sizeof(hdr_bytes));
	T_EQ(hdr_bytes, h->bytes);
	if (name) {
		T_STREQ(f.name, name);
		T_EQ(f.name_len, strlen(name));
	} else {
		T_EQ(f.name, NULL);
	}
}

const char *lv_record_types(const struct fan_event *ev)
{
	static char buf[256];
	const struct fan_info *rec;
	size_t off = 0;

	buf[0] = '\0';
	fan_for_each_info(rec, ev) {
		const char *n = fan_info_type_name(fan_info_type(rec));

		if (off < sizeof(buf))
			off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%s",
						off ? "," : "", n ? n : "?");
	}
	return buf;
}
