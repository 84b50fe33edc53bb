// SPDX-License-Identifier: MIT
/*
 * The personality harness checks itself against the facts table: under
 * the personality in TH_KERNEL (or none: the running kernel), every fact
 * newer than it must be gone, answered as that kernel answered, and every
 * fact the library or fanwatch uses that is not newer must still work.
 * The calls go through libfanotify linked statically, as in every other
 * test, and through syscall(), so a shim that does not reach a statically
 * linked program fails here.  Without a personality, it also checks the
 * table against the running kernel: an init flag or mask bit the kernel
 * accepts that src/names.c does not date fails.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fanotify/fanotify.h>

#include "kfacts.h"
#include "th.h"

#define ANON_INODE_FS_MAGIC_ 0x09041934
#define PIDFS_MAGIC_ 0x50494446

static const char *personality;
static unsigned int checked, absent;

/* Present in the personality, and used by the library or fanwatch: must work. */
static bool must_work(const struct kfact *f)
{
	return f->users & (KF_LIB | KF_CLI);
}

static void expect(const struct kfact *f, bool gone, int err, const char *what)
{
	checked++;
	if (gone) {
		absent++;
		if (err != f->err)
			th_fail("%s %s (%s) under %s: %s, expected %s", kf_kind_name(f->kind), f->name,
				f->since, personality ? personality : "this kernel", what,
				strerror(f->err));
	} else if (err == f->err && must_work(f)) {
		th_fail("%s %s (%s) is refused under %s: %s", kf_kind_name(f->kind), f->name,
			f->since, personality ? personality : "this kernel", what);
	}
}

/* ---- system calls and their arguments ---- */

static void check_syscall(const struct kfact *f, bool gone)
{
	long r;

	/* only the filter's answer is of interest: every argument invalid */
	if (!gone && !must_work(f))
		return;
	errno = 0;
	r = syscall(f->nr, -1L, -1L, -1L, -1L, -1L, -1L);
	expect(f, gone, r < 0 ? errno : 0, strerror(errno));
}

static int self_pidfd(void)
{
	int fd = (int)syscall(SYS_pidfd_open, getpid(), 0);

	if (fd < 0)
		th_fail("pidfd_open: %s", strerror(errno));
	return fd;
}

static void check_arg(const struct kfact *f, bool gone)
{
	union {
		struct file_handle fh;
		char space[sizeof(struct file_handle) + 128];
	} h = { .fh.handle_bytes = 128 };
	uint64_t mnt = 0;
	struct statx sx;
	struct stat st;
	int fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC), pfd = -1;
	long r = 0;

	errno = 0;
	if (f->nr == __NR_name_to_handle_at) {
		r = syscall(f->nr, AT_FDCWD, "/", &h, &mnt, (long)f->value);
	} else if (f->nr == SYS_pidfd_open) {
		r = syscall(f->nr, getpid(), (long)f->value);
		pfd = (int)r;
	} else if (f->nr == SYS_pidfd_send_signal) {
		pfd = self_pidfd();
		r = syscall(f->nr, pfd, 0, NULL, (long)(f->value & -f->value));
	} else if (f->nr == __NR_statx) {
		r = syscall(f->nr, fd, NULL, AT_EMPTY_PATH, STATX_BASIC_STATS, &sx);
	} else if (f->nr == __NR_newfstatat) {
		r = syscall(f->nr, fd, NULL, &st, AT_EMPTY_PATH);
	} else {
		th_fail("no check for %s: add one", f->name);
	}
	expect(f, gone, r < 0 ? errno : 0, strerror(errno));
	if (pfd >= 0)
		close(pfd);
	close(fd);
}

static void check_ioctl(const struct kfact *f, bool gone)
{
	uint64_t info[16] = { 0x3 };	/* struct pidfd_info: mask PID | CREDS */
	int pfd = self_pidfd();
	int r = ioctl(pfd, (unsigned long)f->value | (sizeof(info) << 16), info);

	expect(f, gone, r < 0 ? errno : 0, strerror(errno));
	close(pfd);
}

/* ---- fanotify ---- */

static void check_init(const struct kfact *f, bool gone)
{
	static const unsigned int with[] = { 0, FAN_REPORT_DIR_FID,
					     FAN_REPORT_DFID_NAME | FAN_REPORT_FID };
	unsigned int i;
	int r = -EINVAL;

	for (i = 0; i < 3 && r == -EINVAL; i++)
		r = fan_probe_init((unsigned int)f->value | with[i], O_RDONLY);
	expect(f, gone, -r, strerror(-r));
}

/* A group and mark of the kind the bit needs, so only its age can refuse it. */
static int probe_event(uint64_t bit)
{
	const uint64_t dirent = FAN_ATTRIB | FAN_MOVED_FROM | FAN_MOVED_TO | FAN_CREATE |
				FAN_DELETE | FAN_DELETE_SELF | FAN_MOVE_SELF | FAN_RENAME;
	unsigned int init = 0, type = FAN_MARK_INODE;
	uint64_t mask = bit;

	if (bit & dirent)
		init = FAN_REPORT_DFID_NAME | FAN_REPORT_FID;
	if (bit & (FAN_ONDIR | FAN_EVENT_ON_CHILD))
		mask |= FAN_OPEN;
	if (bit & (FAN_OPEN_PERM | FAN_ACCESS_PERM | FAN_OPEN_EXEC_PERM))
		init = FAN_CLASS_CONTENT;
	if (bit & FAN_PRE_ACCESS)
		init = FAN_CLASS_PRE_CONTENT;
	if (bit & FAN_FS_ERROR) {
		init = FAN_REPORT_FID;
		type = FAN_MARK_FILESYSTEM;
	}
	if (bit & (FAN_MNT_ATTACH | FAN_MNT_DETACH)) {
		init = FAN_REPORT_MNT;
		type = FAN_MARK_MNTNS;
	}
	return fan_probe_mark(init, type, mask, -1, NULL);
}

static void check_mark(const struct kfact *f, bool gone)
{
	int r;

	if (f->kind == KF_FAN_EVENT) {
		if (f->value == FAN_Q_OVERFLOW)
			return;		/* reported only, never asked for */
		r = probe_event(f->value);
	} else if (f->kind == KF_FAN_MARK_TYPE) {
		r = f->value == FAN_MARK_MNTNS ? fan_probe_mark(FAN_REPORT_MNT, FAN_MARK_MNTNS,
								FAN_MNT_ATTACH, -1, NULL)
					       : fan_probe_mark(0, (unsigned int)f->value, FAN_OPEN,
								-1, NULL);
	} else {
		if (f->value & (FAN_MARK_ADD | FAN_MARK_REMOVE | FAN_MARK_FLUSH |
				FAN_MARK_DONT_FOLLOW | FAN_MARK_ONLYDIR))
			return;		/* commands and path flags: no question of age */
		r = fan_probe_mark(0, (unsigned int)f->value, FAN_OPEN, -1, NULL);
	}
	expect(f, gone, -r, strerror(-r));
}

/* A response for an event the group never had: ENOENT, unless its bits are refused first. */
static void check_response(const struct kfact *f, bool gone)
{
	struct fan_audit_rule rule = { .rule_number = 1 };
	unsigned int init = FAN_CLASS_CONTENT | FAN_CLOEXEC;
	uint32_t response = FAN_ALLOW;
	struct fan_group *g;
	int r;

	if (f->value == FAN_AUDIT || f->value == FAN_INFO) {
		init |= FAN_ENABLE_AUDIT;
		response |= FAN_AUDIT;
	} else {
		init = FAN_CLASS_PRE_CONTENT | FAN_CLOEXEC;
		response = FAN_DENY_ERRNO(EIO);
	}
	r = fan_group_new(init, O_RDONLY, &g);
	if (r < 0)
		th_skip("no fanotify group 0x%x for the response checks: %s", init, strerror(-r));
	r = fan_group_respond_fd(g, 999, response, f->value == FAN_INFO ? &rule : NULL);
	expect(f, gone, -r, strerror(-r));
	fan_group_free(g);
}

/* ---- what the shim rewrites ---- */

static void check_statx(const struct kfact *f, bool gone)
{
	struct statx a, b;

	T_EQ(statx(AT_FDCWD, "/", 0, (unsigned int)f->value, &a), 0);
	T_EQ(syscall(SYS_statx, AT_FDCWD, "/", 0, (unsigned int)f->value, &b), 0);
	checked++;
	absent += gone;
	if (gone && ((a.stx_mask | b.stx_mask) & f->value))
		th_fail("statx() fills %s (%s) under %s", f->name, f->since, personality);
	if (!gone && must_work(f) && !(a.stx_mask & b.stx_mask & f->value))
		th_fail("statx() does not fill %s (%s) under %s", f->name, f->since,
			personality ? personality : "this kernel");
	if (gone && f->value == 0x4000) {	/* STATX_MNT_ID_UNIQUE: the old id instead */
		struct statx old;

		T_EQ(statx(AT_FDCWD, "/", 0, 0x1000, &old), 0);
		T_ASSERT(a.stx_mask & 0x1000);
		T_EQ(a.stx_mnt_id, old.stx_mnt_id);
	}
}

static void child_pause(void *arg)
{
	(void)arg;
	pause();
}

static void check_pidfs(const struct kfact *f, bool gone)
{
	int efd = eventfd(0, EFD_CLOEXEC), mine = self_pidfd(), other;
	pid_t pid = th_spawn(child_pause, NULL);
	struct stat sm, so, se, sys;
	struct statx xm;
	struct statfs fs;

	other = (int)syscall(SYS_pidfd_open, pid, 0);
	T_ASSERT(efd >= 0 && other >= 0);
	T_EQ(fstat(mine, &sm), 0);
	T_EQ(fstat(other, &so), 0);
	T_EQ(fstat(efd, &se), 0);
	T_EQ(syscall(SYS_fstat, other, &sys), 0);
	T_EQ(statx(mine, "", AT_EMPTY_PATH, STATX_INO, &xm), 0);
	T_EQ(fstatfs(mine, &fs), 0);
	checked++;
	absent += gone;
	if (gone) {
		/* one anonymous inode for every pidfd, eventfds included */
		T_EQ(sm.st_ino, se.st_ino);
		T_EQ(so.st_ino, se.st_ino);
		T_EQ(sys.st_ino, se.st_ino);
		T_EQ(xm.stx_ino, se.st_ino);
		T_EQ(fs.f_type, ANON_INODE_FS_MAGIC_);
	} else if (fs.f_type == PIDFS_MAGIC_) {
		T_ASSERT(sm.st_ino != so.st_ino);
		T_ASSERT(sm.st_ino != se.st_ino);
		T_EQ(xm.stx_ino, sm.st_ino);
		T_EQ(sys.st_ino, so.st_ino);
	} else if (!personality) {
		th_fail("%s (%s): pidfds are not on pidfs on this kernel", f->name, f->since);
	}
	kill(pid, SIGKILL);
	th_wait(pid);
	close(other), close(mine), close(efd);
}

/* ---- the table against the running kernel ---- */

/* Every init flag and mask bit this kernel accepts is dated by names.c. */
static void check_undated(void)
{
	unsigned int bit;
	int r;

	for (bit = 1; bit; bit <<= 1) {
		if (fan_init_flag_since(bit) || bit == FAN_CLASS_CONTENT || bit == FAN_CLASS_PRE_CONTENT)
			continue;
		r = fan_probe_init(bit, O_RDONLY);
		if (r != -EINVAL)
			th_fail("this kernel accepts fanotify_init flag 0x%x (%s), which src/names.c "
				"does not date", bit, strerror(-r));
	}
	for (bit = 1; bit; bit <<= 1) {
		if (fan_event_since(bit))
			continue;
		r = probe_event(bit);
		if (r != -EINVAL)
			th_fail("this kernel accepts mask bit 0x%x (%s), which src/names.c does not "
				"date", bit, strerror(-r));
	}
}

/* A child inherits the personality (the filter survives fork and exec). */
static void check_inherited(void)
{
	pid_t pid = fork();
	int st;

	if (pid == 0)
		execl("/bin/sh", "sh", "-c",
		      "exec python3 -c 'import ctypes,os,sys; l=ctypes.CDLL(None,use_errno=True); "
		      "r=l.syscall(457,0,0,0,0); sys.exit(ctypes.get_errno() if r<0 else 0)'",
		      (char *)NULL);
	T_ASSERT(pid > 0);
	T_EQ(waitpid(pid, &st, 0), pid);
	if (!WIFEXITED(st) || WEXITSTATUS(st) == 127)
		return;		/* no python3 here */
	if (personality && kf_version(personality) < kf_version("6.8"))
		T_EQ(WEXITSTATUS(st), ENOSYS);
	else
		T_ASSERT(WEXITSTATUS(st) != ENOSYS);
}

int main(void)
{
	const struct kfact *all;
	size_t i, n;

	th_init(60);
	if (geteuid() != 0)
		th_skip("needs root (fanotify groups of every class)");
	personality = getenv(KF_ENV);
	all = kf_all(&n);
	for (i = 0; i < n; i++) {
		const struct kfact *f = &all[i];
		bool gone = kf_absent(f, personality);

		switch (f->kind) {
		case KF_SYSCALL: check_syscall(f, gone); break;
		case KF_ARG_BITS:
		case KF_ARG_NULL: check_arg(f, gone); break;
		case KF_IOCTL: check_ioctl(f, gone); break;
		case KF_FAN_INIT: check_init(f, gone); break;
		case KF_FAN_MARK:
		case KF_FAN_MARK_TYPE:
		case KF_FAN_EVENT: check_mark(f, gone); break;
		case KF_FAN_RESPONSE: check_response(f, gone); break;
		case KF_STATX_MASK: check_statx(f, gone); break;
		case KF_PIDFS: check_pidfs(f, gone); break;
		case KF_BEHAVIOUR: break;
		}
	}
	if (!personality)
		check_undated();
	check_inherited();
	printf("personality %s: %u facts checked, %u absent as that kernel answers\n",
	       personality ? personality : "(none: this kernel)", checked, absent);
	return 0;
}
