// SPDX-License-Identifier: MIT
/*
 * The process behind an event.  With a pidfd the answer is checked: /proc/PID
 * is opened, then the pidfd is asked whether its process still lives; if it
 * does, that /proc directory is the event's process (a pid cannot be reused
 * while its process lives, a zombie included) and every later read through
 * it either describes that process or fails.  A zombie is reported GONE
 * with what it still shows (comm, ids; no exe).  No pidfd (FAN_NOPIDFD: the
 * process had exited when the event was read) is GONE with nothing else.
 * Liveness and ids come from the pidfd itself (PIDFD_GET_INFO, Linux 6.13),
 * comm and exe from /proc; older kernels read /proc/PID/status instead
 * (slower: generating status costs as much as the rest together).
 * Identities are keyed by pid and by the pidfd's pidfs inode, unique per
 * process (Linux 6.9), and kept for PROC_TTL_MS across batches; without a
 * unique inode (older kernels, no pidfd) the key is the pid alone and an
 * identity lasts one batch, which a batch read at once cannot see reused
 * in practice.
 *
 * Opening files in /proc costs far more than reading them, so on pidfs the
 * /proc/PID directory and comm file of the last few processes stay open
 * (HELD_MAX, two descriptors each, closed by fan_resolver_free()).  They
 * were opened while the pidfd showed the process alive, so they stay bound
 * to it: each batch reads its current comm and exe through them, fresh, or
 * fails once it is gone.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "resolve.h"

struct pentry {
	uint64_t seq;		/* group batch it was read in; 0 = empty */
	uint64_t stamp;		/* when it was read, ms (coarse monotonic) */
	pid_t key_pid;
	uint64_t key_ino;	/* pidfs inode, 0 without pidfd */
	struct fan_process p;
	char comm[17];
	char *exe;
};

#define HELD_MAX 16
#define PIDFS_MAGIC_ 0x50494446

/* Descriptors on a process's /proc entries, kept across batches. */
struct held {
	pid_t pid;
	uint64_t ino;		/* pidfs inode: the process; 0 = free */
	int dirfd, commfd;
	uint64_t used;
};

struct pcache {
	size_t n;
	int pidfs;		/* pidfds have one inode per process: 1 yes, 0 no, -1 unknown */
	uint64_t clock;
	uint64_t now_seq;	/* batch now_ms was read for */
	uint64_t now_ms;
	struct held held[HELD_MAX];
	struct pentry e[];
};

struct pcache *lf_pcache_new(size_t entries)
{
	struct pcache *c = calloc(1, sizeof(*c) + entries * sizeof(struct pentry));

	size_t i;

	if (!c)
		return NULL;
	c->n = entries;
	c->pidfs = -1;
	for (i = 0; i < HELD_MAX; i++)
		c->held[i] = (struct held){ .dirfd = -1, .commfd = -1 };
	return c;
}

static void held_drop(struct held *h)
{
	lf_sys_close(h->dirfd);
	lf_sys_close(h->commfd);
	*h = (struct held){ .dirfd = -1, .commfd = -1 };
}

void lf_pcache_free(struct pcache *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->n; i++)
		free(c->e[i].exe);
	for (i = 0; i < HELD_MAX; i++)
		held_drop(&c->held[i]);
	free(c);
}

static ssize_t read_at(int dirfd, const char *name, char *buf, size_t size)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	n = n < 0 ? -errno : n;
	lf_sys_close(fd);
	if (n >= 0)
		buf[n] = '\0';
	return n;
}

static void parse_status(const char *s, struct fan_process *p)
{
	const char *l;
	unsigned int ruid, euid, gid;
	char state;
	int v;

	if ((l = strstr(s, "\nTgid:")) && sscanf(l + 6, "%d", &v) == 1)
		p->pid = v;
	if ((l = strstr(s, "\nPPid:")) && sscanf(l + 6, "%d", &v) == 1)
		p->ppid = v;
	if ((l = strstr(s, "\nUid:")) && sscanf(l + 5, "%u %u", &ruid, &euid) == 2) {
		p->uid = ruid;
		p->euid = euid;
	}
	if ((l = strstr(s, "\nGid:")) && sscanf(l + 5, "%u", &gid) == 1)
		p->gid = gid;
	/* a zombie (or dead) task: it has exited, only its parent has not reaped it */
	if ((l = strstr(s, "\nState:")) && sscanf(l + 7, " %c", &state) == 1 &&
	    (state == 'Z' || state == 'X'))
		p->flags |= LIBFANOTIFY_PROC_GONE;
}

static void note_error(struct fan_process *p, int err)
{
	p->flags |= LIBFANOTIFY_PROC_PARTIAL;
	if (!p->error)
		p->error = err;
}

/*
 * status's first line is "Name:\t" and the comm, with '\n' and '\\'
 * escaped (fs/proc/array.c): one read gives comm and ids.
 */
static void parse_name(const char *s, struct pentry *e)
{
	size_t n = 0;

	if (strncmp(s, "Name:\t", 6))
		return;
	for (s += 6; *s && *s != '\n' && n < sizeof(e->comm) - 1; s++) {
		if (s[0] == '\\' && (s[1] == 'n' || s[1] == '\\'))
			e->comm[n++] = *++s == 'n' ? '\n' : '\\';
		else
			e->comm[n++] = *s;
	}
	e->comm[n] = '\0';
	e->p.comm = e->comm;
}

/* The executable's path into e; -errno (noted in e) when there is none. */
static int read_exe(int dirfd, struct pentry *e)
{
	char exe[4097];
	ssize_t n = readlinkat(dirfd, "exe", exe, sizeof(exe) - 1);
	int err = n < 0 ? -errno : -ENODATA;

	free(e->exe);
	e->exe = NULL;
	if (n > 0 && (e->exe = strndup(exe, (size_t)n))) {
		e->p.exe = e->exe;
		return 0;
	}
	note_error(&e->p, err);
	return err;
}

/* Read /proc/PID through dirfd into e. */
static void read_proc(int dirfd, struct pentry *e)
{
	char status[4096];
	ssize_t n;

	n = read_at(dirfd, "status", status, sizeof(status));
	if (n > 0) {
		parse_name(status, e);
		parse_status(status, &e->p);
	}
	if (!e->p.comm)
		note_error(&e->p, n < 0 ? (int)n : -ENODATA);
	read_exe(dirfd, e);
}

static struct pentry *slot(struct pcache *c, pid_t pid, uint64_t ino)
{
	return &c->e[((uint64_t)pid * 0x9e3779b97f4a7c15ull ^ ino) % c->n];
}

static void fill_new(struct pentry *e, pid_t pid)
{
	e->p = (struct fan_process){
		.pid = pid, .tid = pid, .ppid = -1,
		.uid = (uid_t)-1, .euid = (uid_t)-1, .gid = (gid_t)-1,
	};
	e->comm[0] = '\0';
}

/* struct pidfd_info as of Linux 6.13 (PIDFD_INFO_SIZE_VER0): what we read. */
struct pidfd_info_v0 {
	uint64_t mask, cgroupid;
	uint32_t pid, tgid, ppid, ruid, rgid, euid, egid, suid, sgid, fsuid, fsgid;
	uint32_t spare0;
};
#define PIDFD_GET_INFO_ _IOWR(0xFF, 11, struct pidfd_info_v0)
#define PIDFD_INFO_PID_ 0x1u
#define PIDFD_INFO_CREDS_ 0x2u

/*
 * Ids of the pidfd's process: 0, -ESRCH once it has been reaped (a zombie
 * still answers), or another -errno for a kernel without the ioctl.
 */
static int pidfd_ids(int pidfd, struct fan_process *p)
{
	struct pidfd_info_v0 info = { .mask = PIDFD_INFO_PID_ | PIDFD_INFO_CREDS_ };

	if (ioctl(pidfd, PIDFD_GET_INFO_, &info) < 0)
		return -errno;
	if ((info.mask & (PIDFD_INFO_PID_ | PIDFD_INFO_CREDS_)) !=
	    (PIDFD_INFO_PID_ | PIDFD_INFO_CREDS_))
		return -EOPNOTSUPP;
	p->pid = (pid_t)info.tgid;
	p->ppid = (pid_t)info.ppid;
	p->uid = info.ruid;
	p->euid = info.euid;
	p->gid = info.rgid;
	return 0;
}

/* /proc/PID/stat's state, after the comm's closing parenthesis. */
static bool is_zombie(int dirfd)
{
	char buf[512], *rp;

	if (read_at(dirfd, "stat", buf, sizeof(buf)) <= 0 || !(rp = strrchr(buf, ')')))
		return false;
	return rp[1] == ' ' && (rp[2] == 'Z' || rp[2] == 'X');
}

/* comm (from commfd if open, else through dirfd); true if read. */
static bool read_comm(int dirfd, int commfd, struct pentry *e)
{
	ssize_t n;

	if (commfd >= 0) {
		n = pread(commfd, e->comm, sizeof(e->comm) - 1, 0);
		n = n < 0 ? -errno : n;
		if (n >= 0)
			e->comm[n] = '\0';
	} else {
		n = read_at(dirfd, "comm", e->comm, sizeof(e->comm));
	}
	if (n > 0 && e->comm[n - 1] == '\n')
		e->comm[--n] = '\0';
	if (n < 0) {
		note_error(&e->p, (int)n);
		return false;
	}
	e->p.comm = e->comm;
	return true;
}

/* comm and exe; ids are known already. */
static void read_comm_exe(int dirfd, int commfd, struct pentry *e)
{
	if (!read_comm(dirfd, commfd, e) && e->p.error == -ESRCH)
		return;
	/* no exe: a kernel thread, or a zombie (its memory is gone) */
	if (read_exe(dirfd, e) == -ENOENT && is_zombie(dirfd))
		e->p.flags |= LIBFANOTIFY_PROC_GONE;
}

static void mark_gone(struct pentry *e)
{
	e->p.flags |= LIBFANOTIFY_PROC_GONE;
	e->p.error = -ESRCH;
}

/*
 * Is the process of pidfd alive now (a zombie counts)?  With the ids in
 * passing where the kernel can give them (*fast).
 */
static int check_alive(int pidfd, struct fan_process *p, bool *fast)
{
	int res = pidfd_ids(pidfd, p);

	*fast = res == 0;
	if (res == 0 || res == -ESRCH)
		return res;
	return lf_sys_pidfd_send_signal(pidfd, 0);
}

/*
 * Look the process up now; sets GONE when it exited first.  Without the
 * event's pidfd, one is opened on whoever has the pid now: best effort.
 */
static void lookup(struct pentry *e, pid_t pid, int pidfd)
{
	int own = pidfd < 0 ? (int)syscall(SYS_pidfd_open, pid, 0) : -1;
	int use = pidfd >= 0 ? pidfd : own, dirfd;
	char path[32];
	bool fast = false;

	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	dirfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0) {
		mark_gone(e);
	} else if (use >= 0 && check_alive(use, &e->p, &fast) == -ESRCH) {
		mark_gone(e);	/* exited between the event and now */
	} else {
		if (pidfd >= 0)
			e->p.flags |= LIBFANOTIFY_PROC_VERIFIED;
		if (fast)
			read_comm_exe(dirfd, -1, e);
		else
			read_proc(dirfd, e);
		if (e->p.error == -ESRCH)
			e->p.flags |= LIBFANOTIFY_PROC_GONE;	/* died while we read */
	}
	lf_sys_close(dirfd);
	lf_sys_close(own);
}

static struct held *held_find(struct pcache *c, pid_t pid, uint64_t ino)
{
	size_t i;

	for (i = 0; i < HELD_MAX; i++)
		if (c->held[i].ino == ino && c->held[i].pid == pid)
			return &c->held[i];
	return NULL;
}

/* A free place, or the least recently used one, emptied. */
static struct held *held_victim(struct pcache *c)
{
	struct held *v = &c->held[0];
	size_t i;

	for (i = 0; i < HELD_MAX && v->ino; i++)
		if (!c->held[i].ino || c->held[i].used < v->used)
			v = &c->held[i];
	held_drop(v);
	return v;
}

/*
 * Keep the /proc descriptors of pidfd's process.  They are opened first,
 * then the pidfd must still show its process alive: only then were they
 * opened on it and not on a later owner of the pid.
 */
static void held_keep(struct pcache *c, pid_t pid, uint64_t ino, int pidfd)
{
	struct fan_process ids;
	char path[48];
	struct held *h = held_victim(c);

	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	h->dirfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	h->commfd = h->dirfd < 0 ? -1 : openat(h->dirfd, "comm", O_RDONLY | O_CLOEXEC);
	if (h->commfd < 0 || pidfd_ids(pidfd, &ids) < 0) {
		held_drop(h);
		return;
	}
	h->pid = pid;
	h->ino = ino;
	h->used = ++c->clock;
}

/* Read through kept descriptors; false if there are none (or no ioctl). */
static bool lookup_held(struct pcache *c, struct pentry *e, pid_t pid, uint64_t ino,
			int pidfd)
{
	struct held *h = held_find(c, pid, ino);
	int res;

	if (!h)
		return false;
	res = pidfd_ids(pidfd, &e->p);
	if (res < 0 && res != -ESRCH)
		return false;
	if (res == -ESRCH) {
		mark_gone(e);
		held_drop(h);
		return true;
	}
	h->used = ++c->clock;
	e->p.flags |= LIBFANOTIFY_PROC_VERIFIED;
	read_comm_exe(h->dirfd, h->commfd, e);
	if (e->p.error == -ESRCH) {
		e->p.flags |= LIBFANOTIFY_PROC_GONE;
		held_drop(h);
	}
	return true;
}

/* Do pidfds have an inode per process (pidfs, Linux 6.9)?  Asked once. */
static bool pidfs(struct pcache *c, int pidfd)
{
	struct statfs sfs;

	if (c->pidfs < 0)
		c->pidfs = fstatfs(pidfd, &sfs) == 0 && sfs.f_type == PIDFS_MAGIC_;
	return c->pidfs;
}

/* A process not read yet in this batch. */
static void lookup_any(struct pcache *c, struct pentry *e, pid_t pid, uint64_t ino, int pidfd)
{
	bool keep = pidfd >= 0 && ino && pidfs(c, pidfd);

	if (keep && lookup_held(c, e, pid, ino, pidfd))
		return;
	lookup(e, pid, pidfd);
	if (keep && (e->p.flags & LIBFANOTIFY_PROC_VERIFIED) && !(e->p.flags & LIBFANOTIFY_PROC_GONE))
		held_keep(c, pid, ino, pidfd);
}

/*
 * The kernel gave no pidfd.  FAN_NOPIDFD (or -ESRCH with FAN_REPORT_FD_ERROR):
 * the process had exited.  Otherwise the kernel failed to make one: nothing
 * read from /proc could be checked, so nothing is read.
 */
static int no_pidfd(const struct fan_resolver *r, pid_t pid, int pidfd, struct fan_process *out)
{
	bool gone = pidfd == FAN_NOPIDFD || pidfd == -ESRCH;
	int err = -ESRCH;

	if (!gone)
		err = (r->g->init_flags & FAN_REPORT_FD_ERROR) ? pidfd : -EIO;
	*out = (struct fan_process){ .pid = pid, .tid = pid, .ppid = -1,
				     .uid = (uid_t)-1, .euid = (uid_t)-1, .gid = (gid_t)-1,
				     .flags = gone ? LIBFANOTIFY_PROC_GONE : LIBFANOTIFY_PROC_PARTIAL,
				     .error = err };
	return err;
}

/*
 * How long a verified identity (keyed by the pidfs inode, so never another
 * process) is reused across batches before comm and exe are read again: a
 * process that calls execve() shows its new name within this time.
 */
#define PROC_TTL_MS 100

static uint64_t batch_now_ms(struct pcache *c, uint64_t seq)
{
	struct timespec ts;

	if (c->now_seq != seq) {
		clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
		c->now_ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
		c->now_seq = seq;
	}
	return c->now_ms;
}

static bool entry_fresh(struct pcache *c, const struct pentry *e, pid_t pid, uint64_t ino,
			uint64_t seq)
{
	if (e->key_pid != pid || e->key_ino != ino || !e->seq)
		return false;
	if (e->seq == seq)
		return true;
	/* across batches only for identities the pidfs inode pins down */
	return ino && !(e->p.flags & LIBFANOTIFY_PROC_GONE) &&
	       batch_now_ms(c, seq) - e->stamp < PROC_TTL_MS;
}

int lf_proc_resolve(struct fan_resolver *r, const struct fan_event *ev, struct fan_process *out)
{
	bool has_pidfd = r->g->init_flags & FAN_REPORT_PIDFD;
	pid_t pid = fan_event_pid(ev);
	int pidfd = fan_event_pidfd(ev);
	uint64_t ino = 0, seq = r->g->batch_seq;
	struct pentry *e;
	struct stat st;

	if (pid <= 0) {
		*out = (struct fan_process){ .ppid = -1, .uid = (uid_t)-1, .euid = (uid_t)-1,
					     .gid = (gid_t)-1, .error = -ESRCH };
		return -ESRCH;	/* not reported (unprivileged group, other user) */
	}
	if (has_pidfd && pidfd < 0)
		return no_pidfd(r, pid, pidfd, out);
	/* before pidfs (6.9) every pidfd has the same inode: it names no process */
	if (pidfd >= 0 && pidfs(r->procs, pidfd) && fstat(pidfd, &st) == 0)
		ino = st.st_ino;
	e = slot(r->procs, pid, ino);
	if (!entry_fresh(r->procs, e, pid, ino, seq)) {
		fill_new(e, pid);
		e->seq = seq;
		e->stamp = batch_now_ms(r->procs, seq);
		e->key_pid = pid;
		e->key_ino = ino;
		lookup_any(r->procs, e, pid, ino, pidfd);
	}
	*out = e->p;
	out->tid = pid;
	return (out->flags & LIBFANOTIFY_PROC_GONE) && !out->comm ? -ESRCH : 0;
}

FAN_EXPORT int fan_resolve_process(struct fan_resolver *r, const struct fan_event *ev,
				   struct fan_process *out)
{
	if (!r || !ev || !out)
		return -EINVAL;
	return lf_proc_resolve(r, ev, out);
}
