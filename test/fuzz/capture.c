// SPDX-License-Identifier: MIT
/*
 * Writes the fuzzers' seed corpus: real read() batches from the running
 * kernel in several reporting modes, plus handcrafted seeds for what this
 * machine cannot easily produce.  Not a test; run by hand, as root:
 *
 *   ninja -C BUILD test/fuzz/fuzz-capture
 *   BUILD/test/fuzz/fuzz-capture test/fuzz/corpus
 *
 * Every workload runs on a private tmpfs (or loop ext4) inside a private
 * mount namespace (th_private_tmpfs), and permission marks only ever go
 * there.  Writes OUT/batch/<mode>.bin (one read() each), OUT/info/<mode>-N.bin
 * (the records of one event, for each new sequence of record types) and
 * OUT/{batch,info,pathmap}/hand-*.bin.  Modes the kernel refuses are
 * reported and skipped.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fanotify/fanotify.h>

#include "builder.h"
#include "th.h"

#define BUF_SIZE 4096
#define MAX_INFO 14

static const char *out;
static char dir[256];
static char sigs[MAX_INFO][32];
static int nsigs;

static void save(const char *sub, const char *name, const void *p, size_t n)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s/%s.bin", out, sub, name);
	f = fopen(path, "we");
	if (!f || fwrite(p, 1, n, f) != n || fclose(f) != 0)
		th_fail("writing %s: %s", path, strerror(errno));
	printf("  %s/%s.bin: %zu bytes\n", sub, name, n);
}

/* The records of each event whose sequence of types is new, for the info harness. */
static void save_records(const char *mode, unsigned char *buf, size_t n)
{
	struct fan_event *ev;

	for (ev = fan_buffer_first(buf, n); ev; ev = fan_buffer_next(buf, n, ev)) {
		const struct fan_info *rec;
		char sig[32] = "", name[64];
		size_t len = 0;
		int i;

		fan_for_each_info(rec, ev)
			if (len + 4 < sizeof(sig))
				len += (size_t)snprintf(sig + len, sizeof(sig) - len, "%u,",
							fan_info_type(rec));
		if (!len || nsigs == MAX_INFO)
			continue;
		for (i = 0; i < nsigs && strcmp(sigs[i], sig); i++)
			;
		if (i < nsigs)
			continue;
		snprintf(sigs[nsigs++], sizeof(sigs[0]), "%s", sig);
		snprintf(name, sizeof(name), "%s-%d", mode, nsigs);
		save("info", name, (unsigned char *)ev + fan_event_metadata_len(ev),
		     fan_event_len(ev) - fan_event_metadata_len(ev));
	}
}

static int group(const char *mode, unsigned int flags, unsigned int event_f_flags)
{
	int fd = fanotify_init(flags | FAN_CLOEXEC | FAN_NONBLOCK, event_f_flags);

	if (fd < 0)
		printf("%s: skipped, fanotify_init(0x%x): %s\n", mode, flags, strerror(errno));
	return fd;
}

static int mark(const char *mode, int fd, unsigned int flags, uint64_t mask, int dirfd,
		const char *path)
{
	if (fanotify_mark(fd, FAN_MARK_ADD | flags, mask, dirfd, path) == 0)
		return 0;
	printf("%s: skipped, fanotify_mark(0x%x, 0x%llx, %s): %s\n", mode, flags,
	       (unsigned long long)mask, path ? path : "(fd)", strerror(errno));
	close(fd);
	return -1;
}

/* One batch, waiting up to a second for it. */
static size_t read_batch(int fd, unsigned char *buf)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t n;

	if (poll(&p, 1, 1000) <= 0)
		return 0;
	n = read(fd, buf, BUF_SIZE);
	if (n < 0)
		th_fail("read: %s", strerror(errno));
	if (fan_buffer_validate(buf, (size_t)n, NULL) < 0)
		th_fail("the kernel's batch does not validate");
	return (size_t)n;
}

/* Answer every permission event (allow) and close every descriptor of a batch. */
static void finish(int gfd, unsigned char *buf, size_t n)
{
	struct fan_event *ev;

	for (ev = fan_buffer_first(buf, n); ev; ev = fan_buffer_next(buf, n, ev)) {
		int fd = fan_event_fd(ev), pidfd = fan_event_pidfd(ev);

		if (fd >= 0 && fan_event_is_permission(ev)) {
			struct fanotify_response r = { .fd = fd, .response = FAN_ALLOW };

			if (write(gfd, &r, sizeof(r)) != sizeof(r))
				th_fail("answering: %s", strerror(errno));
		}
		if (fd >= 0)
			close(fd);
		if (pidfd >= 0)
			close(pidfd);
	}
}

static void keep(const char *mode, int gfd, unsigned char *buf, size_t n)
{
	if (!n) {
		printf("%s: no events\n", mode);
		return;
	}
	save("batch", mode, buf, n);
	save_records(mode, buf, n);
	finish(gfd, buf, n);
}

/* Read one batch, keep it, close the group. */
static void capture(const char *mode, int gfd)
{
	unsigned char buf[BUF_SIZE];

	keep(mode, gfd, buf, read_batch(gfd, buf));
	close(gfd);
}

static void path_in(char *p, size_t size, const char *name)
{
	snprintf(p, size, "%s/%s", dir, name);
}

static void touch_read(const char *name)
{
	char p[512], b[64];
	int fd;

	path_in(p, sizeof(p), name);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		th_fail("open %s: %s", p, strerror(errno));
	(void)!read(fd, b, sizeof(b));
	close(fd);
}

/* ---- notification modes ---- */

static void mode_fd(void)
{
	int g = group("fd", FAN_CLASS_NOTIF, O_RDONLY | O_LARGEFILE);

	if (g < 0 || mark("fd", g, 0, FAN_OPEN | FAN_CLOSE | FAN_MODIFY | FAN_ACCESS |
				  FAN_ONDIR | FAN_EVENT_ON_CHILD, AT_FDCWD, dir) < 0)
		return;
	th_write_file(dir, "fd-file", 100);
	touch_read("fd-file");
	touch_read(".");
	capture("fd", g);
}

static void mode_fid(void)
{
	char p[512];
	int g = group("fid", FAN_REPORT_FID, 0);

	if (g < 0 || mark("fid", g, 0, FAN_MODIFY | FAN_ATTRIB | FAN_CLOSE_WRITE |
				   FAN_EVENT_ON_CHILD | FAN_ONDIR, AT_FDCWD, dir) < 0)
		return;
	th_write_file(dir, "fid-file", 10);
	path_in(p, sizeof(p), "fid-file");
	chmod(p, 0600);
	chmod(dir, 0755);
	capture("fid", g);
}

static void mode_dfid(void)
{
	char p[512];
	int g = group("dfid", FAN_REPORT_DIR_FID, 0);

	if (g < 0 || mark("dfid", g, 0, FAN_CREATE | FAN_DELETE | FAN_ONDIR, AT_FDCWD, dir) < 0)
		return;
	th_write_file(dir, "dfid-file", 1);
	path_in(p, sizeof(p), "dfid-dir");
	mkdir(p, 0755);
	rmdir(p);
	path_in(p, sizeof(p), "dfid-file");
	unlink(p);
	capture("dfid", g);
}

static void mode_dfid_name_target(void)
{
	char p[512], q[512];
	int g = group("dfid-name-target", FAN_REPORT_DFID_NAME_TARGET, 0);

	if (g < 0 || mark("dfid-name-target", g, 0,
			  FAN_CREATE | FAN_DELETE | FAN_MOVED_FROM | FAN_MOVED_TO | FAN_ATTRIB |
				  FAN_MODIFY | FAN_CLOSE_WRITE | FAN_ONDIR | FAN_EVENT_ON_CHILD,
			  AT_FDCWD, dir) < 0)
		return;
	th_write_file(dir, "t-file", 5);
	chmod(dir, 0755);			/* the directory itself: name "." */
	path_in(p, sizeof(p), "t-sub");
	mkdir(p, 0755);
	path_in(p, sizeof(p), "t-file");
	path_in(q, sizeof(q), "t-moved");
	rename(p, q);
	unlink(q);
	path_in(p, sizeof(p), "t-sub");
	rmdir(p);
	capture("dfid-name-target", g);
}

static void mode_rename(void)
{
	char a[300], b[300], p[400], q[400];
	int g = group("rename", FAN_REPORT_DFID_NAME_TARGET, 0);

	if (g < 0)
		return;
	path_in(a, sizeof(a), "ren-a");
	path_in(b, sizeof(b), "ren-b");
	mkdir(a, 0755);
	mkdir(b, 0755);
	if (mark("rename", g, 0, FAN_RENAME | FAN_ONDIR, AT_FDCWD, a) < 0)
		return;
	th_write_file(a, "x", 1);
	snprintf(p, sizeof(p), "%s/x", a);
	snprintf(q, sizeof(q), "%s/y-with-a-longer-name", b);
	rename(p, q);
	snprintf(p, sizeof(p), "%s/d", a);
	snprintf(q, sizeof(q), "%s/e", a);
	mkdir(p, 0755);
	rename(p, q);
	capture("rename", g);
}

static void child_open(void *arg)
{
	touch_read(arg);
}

static void mode_pidfd(void)
{
	int g = group("pidfd", FAN_CLASS_NOTIF | FAN_REPORT_PIDFD, O_RDONLY);

	if (g < 0 || mark("pidfd", g, 0, FAN_OPEN | FAN_EVENT_ON_CHILD, AT_FDCWD, dir) < 0)
		return;
	th_write_file(dir, "pidfd-file", 1);
	touch_read("pidfd-file");
	/* A process gone before the read: FAN_NOPIDFD. */
	th_wait(th_spawn(child_open, "pidfd-file"));
	capture("pidfd", g);

	g = group("pidfd-dfid-name", FAN_REPORT_DFID_NAME | FAN_REPORT_PIDFD, 0);
	if (g < 0 || mark("pidfd-dfid-name", g, 0, FAN_CREATE, AT_FDCWD, dir) < 0)
		return;
	th_write_file(dir, "pidfd-created", 1);
	capture("pidfd-dfid-name", g);
}

/* O_RDWR event fds on a read-only mount: -EROFS in place of the fd. */
static void mode_fd_error(void)
{
	char ro[512];
	int g;

	path_in(ro, sizeof(ro), "ro");
	mkdir(ro, 0755);
	if (mount("tmpfs", ro, "tmpfs", 0, "size=1m") < 0)
		th_fail("mount %s: %s", ro, strerror(errno));
	th_write_file(ro, "file", 1);
	if (mount(NULL, ro, NULL, MS_REMOUNT | MS_RDONLY, NULL) < 0)
		th_fail("remount ro: %s", strerror(errno));
	g = group("fd-error", FAN_CLASS_NOTIF | FAN_REPORT_FD_ERROR, O_RDWR);
	if (g >= 0 && mark("fd-error", g, FAN_MARK_MOUNT, FAN_OPEN | FAN_CLOSE_NOWRITE,
			   AT_FDCWD, ro) == 0) {
		touch_read("ro/file");
		capture("fd-error", g);
	}
	umount2(ro, MNT_DETACH);
}

/* More events than the queue holds: the batch with FAN_Q_OVERFLOW. */
static void mode_overflow(void)
{
	unsigned char buf[BUF_SIZE];
	char sub[512], p[600];
	long max = 16384, i;
	FILE *f = fopen("/proc/sys/fs/fanotify/max_queued_events", "re");
	int g;

	if (f) {
		if (fscanf(f, "%ld", &max) != 1)
			max = 16384;
		fclose(f);
	}
	if (max > 200000) {
		printf("overflow: skipped, max_queued_events is %ld\n", max);
		return;
	}
	path_in(sub, sizeof(sub), "many");
	mkdir(sub, 0755);
	g = group("overflow", FAN_REPORT_DFID_NAME, 0);
	if (g < 0 || mark("overflow", g, 0, FAN_CREATE, AT_FDCWD, sub) < 0)
		return;
	for (i = 0; i < max + 10; i++) {
		snprintf(p, sizeof(p), "%s/%ld", sub, i);
		close(open(p, O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
	}
	for (;;) {
		size_t n = read_batch(g, buf);
		struct fan_event *ev;

		if (!n) {
			printf("overflow: no overflow event seen\n");
			break;
		}
		for (ev = fan_buffer_first(buf, n); ev; ev = fan_buffer_next(buf, n, ev))
			if (fan_event_is_overflow(ev))
				break;
		if (ev) {
			keep("overflow", g, buf, n);
			break;
		}
	}
	close(g);
}

/* ---- permission modes: the workload runs in a child, the parent answers ---- */

static void child_exec(void *arg)
{
	char p[512];

	touch_read("perm-file");
	path_in(p, sizeof(p), arg);
	execl(p, p, (char *)NULL);
	_exit(127);
}

/* Answer until the child is done; every batch read goes into one saved file. */
static void answer_loop(const char *mode, int g, pid_t child)
{
	unsigned char buf[BUF_SIZE], all[BUF_SIZE];
	size_t len = 0;
	int status, tries;

	for (tries = 0; tries < 50; tries++) {
		size_t n = read_batch(g, buf);

		if (n && len + n <= sizeof(all)) {
			memcpy(all + len, buf, n);
			len += n;
			save_records(mode, buf, n);
		}
		finish(g, buf, n);
		if (waitpid(child, &status, WNOHANG) == child)
			break;
	}
	if (tries == 50) {
		kill(child, SIGKILL);
		waitpid(child, &status, 0);
	}
	close(g);		/* allows anything still pending */
	if (len)
		save("batch", mode, all, len);
	else
		printf("%s: no events\n", mode);
}

static void copy_true(const char *name)
{
	char cmd[700];

	snprintf(cmd, sizeof(cmd), "cp /bin/true '%s/%s'", dir, name);
	if (system(cmd) != 0)
		th_fail("%s failed", cmd);
}

static void mode_perm(void)
{
	int g = group("perm", FAN_CLASS_CONTENT, O_RDONLY);

	if (g < 0)
		return;
	th_write_file(dir, "perm-file", 100);
	copy_true("perm-true");
	if (mark("perm", g, 0, FAN_OPEN_PERM | FAN_ACCESS_PERM | FAN_OPEN_EXEC_PERM |
				   FAN_EVENT_ON_CHILD, AT_FDCWD, dir) < 0)
		return;
	answer_loop("perm", g, th_spawn(child_exec, "perm-true"));
}

static void child_cat(void *arg)
{
	char b[8192];
	int fd = open(arg, O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		(void)!read(fd, b, sizeof(b));
		close(fd);
	}
}

/* Pre-content events on ext4 carry a RANGE record. */
static void mode_pre_access(void)
{
	char ext4[256], file[512];
	int g;

	th_private_ext4(ext4, sizeof(ext4), 16, NULL, NULL, 0);
	th_write_file(ext4, "pre-file", 10000);
	snprintf(file, sizeof(file), "%s/pre-file", ext4);
	g = group("pre-access", FAN_CLASS_PRE_CONTENT | FAN_REPORT_PIDFD, O_RDONLY);
	if (g < 0 || mark("pre-access", g, 0, FAN_PRE_ACCESS | FAN_OPEN_PERM, AT_FDCWD, file) < 0)
		return;
	answer_loop("pre-access", g, th_spawn(child_cat, file));
}

/* Mount namespace events: attach, move (attach|detach), detach. */
static void mode_mnt(void)
{
	char m1[512], m2[512];
	int g = group("mnt", FAN_REPORT_MNT | FAN_REPORT_PIDFD, 0), ns;

	if (g < 0 && (g = group("mnt", FAN_REPORT_MNT, 0)) < 0)
		return;
	ns = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	if (ns < 0 || mark("mnt", g, FAN_MARK_MNTNS, FAN_MNT_ATTACH | FAN_MNT_DETACH, ns, NULL) < 0)
		return;
	close(ns);
	path_in(m1, sizeof(m1), "m1");
	path_in(m2, sizeof(m2), "m2");
	mkdir(m1, 0755);
	mkdir(m2, 0755);
	if (mount("tmpfs", m1, "tmpfs", 0, "size=1m") < 0 ||
	    mount(m1, m2, NULL, MS_MOVE, NULL) < 0 || umount2(m2, 0) < 0)
		th_fail("mount workload: %s", strerror(errno));
	capture("mnt", g);
}

/* ---- handcrafted seeds ---- */

static void save_bb(const char *sub, const char *name, struct bb *b, size_t from)
{
	save(sub, name, b->p + from, b->len - from);
	bb_free(b);
}

static void handcrafted(void)
{
	static const unsigned char h8[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct bb_fid sb = { .fsid = { 0x1234, 0x5678 }, .handle_type = 255 };
	struct bb_fid f8 = { .fsid = { 0x1234, 0x5678 }, .handle_type = 1, .handle_bytes = 8,
			     .handle = h8 };
	uint64_t id = 0x80000000aeull;
	struct bb b;

	bb_init(&b);
	bb_event(&b, FAN_FS_ERROR, FAN_NOFD, 0);
	bb_fid_rec(&b, FAN_EVENT_INFO_TYPE_FID, &sb);
	bb_error_rec(&b, EIO, 3);
	bb_event(&b, FAN_FS_ERROR, FAN_NOFD, 0);
	bb_fid_rec(&b, FAN_EVENT_INFO_TYPE_FID, &f8);
	bb_error_rec(&b, 117 /* EUCLEAN */, 1);
	save_bb("batch", "hand-error", &b, 0);

	bb_init(&b);
	bb_event(&b, FAN_PRE_ACCESS, 5, 100);
	bb_range_rec(&b, 0, 4096);
	bb_event(&b, FAN_PRE_ACCESS, 6, 101);
	bb_pidfd_rec(&b, 7);
	bb_range_rec(&b, 1ull << 40, 1ull << 21);
	save_bb("batch", "hand-range", &b, 0);

	bb_init(&b);
	bb_event(&b, FAN_MNT_ATTACH, FAN_NOFD, 1);
	bb_mnt_rec(&b, id);
	bb_event(&b, FAN_MNT_DETACH, FAN_NOFD, 1);
	bb_raw_rec(&b, FAN_EVENT_INFO_TYPE_MNT, &id, sizeof(id));	/* i386: 12 bytes */
	bb_event(&b, FAN_MNT_ATTACH | FAN_MNT_DETACH, FAN_NOFD, 1);
	bb_pidfd_rec(&b, FAN_NOPIDFD);
	bb_mnt_rec(&b, id + 1);
	save_bb("batch", "hand-mnt", &b, 0);

	/* An unknown record type, and metadata longer than today's. */
	bb_init(&b);
	bb_event(&b, FAN_OPEN, 3, 1);
	bb_bytes(&b, h8, sizeof(h8));
	bb_put16(&b, BB_MD_METADATA_LEN, 32);
	bb_raw_rec(&b, 99, h8, sizeof(h8));
	bb_pidfd_rec(&b, FAN_EPIDFD);
	save_bb("batch", "hand-unknown", &b, 0);

	bb_init(&b);
	bb_event(&b, 0, 0, 0);
	bb_error_rec(&b, EIO, 2);
	save_bb("info", "hand-error", &b, 24);
	bb_init(&b);
	bb_event(&b, 0, 0, 0);
	bb_range_rec(&b, 8192, 4096);
	save_bb("info", "hand-range", &b, 24);
	bb_init(&b);
	bb_event(&b, 0, 0, 0);
	bb_pidfd_rec(&b, -ESRCH);
	bb_mnt_rec(&b, id);
	bb_raw_rec(&b, FAN_EVENT_INFO_TYPE_MNT, &id, sizeof(id));
	save_bb("info", "hand-mnt", &b, 24);
}

/* Operation streams for the cache harness: limit byte, then random operations. */
static void pathmap_seeds(void)
{
	static const unsigned char limits[] = { 0, 1, 40, 255 };
	unsigned char ops[192];
	unsigned int seed = 12345;
	char name[32];
	size_t i, j;

	for (i = 0; i < sizeof(limits); i++) {
		ops[0] = limits[i];
		for (j = 1; j < sizeof(ops); j++) {
			seed = seed * 1103515245u + 12345u;
			ops[j] = (unsigned char)(seed >> 16);
		}
		snprintf(name, sizeof(name), "hand-ops-%u", limits[i]);
		save("pathmap", name, ops, sizeof(ops));
	}
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s CORPUS_DIR (with batch/ info/ pathmap/ in it)\n", argv[0]);
		return 2;
	}
	out = argv[1];
	th_init(120);
	if (geteuid() != 0)
		th_skip("needs root: permission groups, mounts");
	handcrafted();
	pathmap_seeds();
	th_private_tmpfs(dir, sizeof(dir));
	mode_fd();
	mode_fid();
	mode_dfid();
	mode_dfid_name_target();
	mode_rename();
	mode_pidfd();
	mode_fd_error();
	mode_overflow();
	mode_perm();
	mode_mnt();
	mode_pre_access();
	return 0;
}
