// SPDX-License-Identifier: MIT
/*
 * The process behind an event.  With a pidfd the answer is checked: /proc/PID
 * is opened, then the pidfd is asked whether its process still lives; if it
 * does, that /proc directory is the event's process (a pid cannot be reused
 * while its process lives, a zombie included) and every later read through
 * it either describes that process or fails.  A zombie is reported GONE
 * with what it still shows (comm, ids; no exe).  No pidfd (FAN_NOPIDFD: the
 * process had exited when the event was read) is GONE with nothing else,
 * unless the resolver keeps a process table (proctab.c): then the exit
 * record of the only process that can have caused the event names it
 * (RECORDED), and otherwise nothing is said.
 * Liveness and ids come from the pidfd itself (PIDFD_GET_INFO, Linux 6.13),
 * comm and exe from /proc; older kernels read /proc/PID/status instead
 * (slower: generating status costs as much as the rest together).
 * Identities are keyed by pid and by the pidfd's pidfs inode, unique per
 * process (Linux 6.9), and kept for PROC_TTL_MS across batches; without a
 * unique inode (older kernels, no pidfd) the key is the pid and whether
 * the event came with a pidfd, and an identity lasts one batch.  Before
 * pidfs one batch can hold a pid's events from two processes: one reaped
 * before the read (no pidfd: its exit record names it) and the next owner
 * of the pid (a pidfd), so the two never share an entry; and an entry of
 * a pidfd is reused only when the event's own pidfd shows its process
 * alive (see entry_fresh()).
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

#include "missing.h"
#include "proctab.h"
#include "resolve.h"

struct pentry {
	uint64_t seq;		/* group batch it was read in; 0 = empty */
	uint64_t stamp;		/* when it was read, ms (coarse monotonic) */
	pid_t key_pid;
	uint64_t key_ino;	/* pidfs inode, 0 without pidfd or before pidfs */
	bool key_pidfd;		/* the event had a pidfd (before pidfs: ino 0) */
	const struct fan_event *last_ev;	/* the event it last answered, in batch seq */
	struct fan_process p;
	char comm[17];
	char *exe;
	/* fan_resolve_process_info()'s fields, read when asked for (extras) */
	bool extras;
	gid_t egid;
	uint64_t cgroup_id, mntns;
	char *cgroup;
	uint64_t bound;		/* RECORDED: the fork it is from or after (parents) */
};

#define HELD_MAX 16

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
	struct proctab *tab;	/* LIBFANOTIFY_RESOLVER_PROC_TABLE, if it could be set up */
	uint64_t tab_seq;	/* the batch the table was last read for */
	uint64_t tab_ms;	/* and when (coarse ms) */
	struct fan_resolver_proc_stats st;
	struct held held[HELD_MAX];
	struct pentry e[];
};

struct pcache *lf_pcache_new(struct fan_group *g, size_t entries, unsigned int flags)
{
	struct pcache *c = calloc(1, sizeof(*c) + entries * sizeof(struct pentry));

	size_t i;

	if (!c)
		return NULL;
	c->n = entries;
	c->pidfs = -1;
	for (i = 0; i < HELD_MAX; i++)
		c->held[i] = (struct held){ .dirfd = -1, .commfd = -1 };
	c->st.table = -ENODATA;
	if (flags & LIBFANOTIFY_RESOLVER_PROC_TABLE)
		c->st.table = lf_proctab_new(&c->tab);
	if (c->st.table == -ENOMEM) {
		free(c);
		return NULL;
	}
	/* a queue empty now bounds when the events of the first batch happened */
	if (c->tab)
		lf_group_note_empty(g);
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
	for (i = 0; i < c->n; i++) {
		free(c->e[i].exe);
		free(c->e[i].cgroup);
	}
	for (i = 0; i < HELD_MAX; i++)
		held_drop(&c->held[i]);
	lf_proctab_free(c->tab);
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

static struct pentry *slot(struct pcache *c, pid_t pid, uint64_t ino, bool has_fd)
{
	return &c->e[((uint64_t)pid * 0x9e3779b97f4a7c15ull ^ (ino + has_fd)) % c->n];
}

static void fill_new(struct pentry *e, pid_t pid)
{
	e->p = (struct fan_process){
		.pid = pid, .tid = pid, .ppid = -1,
		.uid = (uid_t)-1, .euid = (uid_t)-1, .gid = (gid_t)-1,
	};
	e->comm[0] = '\0';
	e->extras = false;
	e->egid = (gid_t)-1;
	e->cgroup_id = e->mntns = e->bound = 0;
	free(e->cgroup);
	e->cgroup = NULL;
}

/*
 * Ids of the pidfd's process: 0, -ESRCH once it has been reaped (a zombie
 * still answers), or another -errno for a kernel without the ioctl.  With
 * e, its egid and cgroup id too.
 */
static int pidfd_ids_ext(int pidfd, struct fan_process *p, struct pentry *e)
{
	struct lf_pidfd_info_v0 info = {
		.mask = PIDFD_INFO_PID | PIDFD_INFO_CREDS | (e ? PIDFD_INFO_CGROUPID : 0)
	};

	if (ioctl(pidfd, LF_PIDFD_GET_INFO_V0, &info) < 0)
		return -errno;
	if ((info.mask & (PIDFD_INFO_PID | PIDFD_INFO_CREDS)) !=
	    (PIDFD_INFO_PID | PIDFD_INFO_CREDS))
		return -EOPNOTSUPP;
	p->pid = (pid_t)info.tgid;
	p->ppid = (pid_t)info.ppid;
	p->uid = info.ruid;
	p->euid = info.euid;
	p->gid = info.rgid;
	if (e) {
		e->egid = info.egid;
		if (info.mask & PIDFD_INFO_CGROUPID)
			e->cgroup_id = info.cgroupid;
	}
	return 0;
}

static int pidfd_ids(int pidfd, struct fan_process *p)
{
	return pidfd_ids_ext(pidfd, p, NULL);
}

/*
 * Does pidfd's process live (a zombie counts), by signal 0?  -EPERM (a
 * caller without CAP_KILL, as fanwatch) says it does: a reaped process
 * gives -ESRCH before any permission check.
 */
static bool signal_alive(int pidfd)
{
	int res = lf_sys_pidfd_send_signal(pidfd, 0);

	return res == 0 || res == -EPERM;
}

/* Is pidfd's process alive?  Also before PIDFD_GET_INFO (Linux 6.13). */
static bool pidfd_alive(int pidfd)
{
	struct fan_process ids;
	int res = pidfd_ids(pidfd, &ids);

	if (res == 0 || res == -ESRCH)
		return res == 0;
	return signal_alive(pidfd);
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
 * The reads failed, or the comm did: did the process die while we read?
 * A pidfd says so (-ESRCH once reaped); through a /proc directory of a
 * reaped process, files are missing (-ENOENT) rather than -ESRCH.
 */
static bool died_reading(const struct pentry *e, int pidfd)
{
	struct fan_process ids;

	if (e->p.error == -ESRCH)
		return true;
	return !e->p.comm && pidfd >= 0 && pidfd_ids(pidfd, &ids) == -ESRCH;
}

/*
 * Is the process of pidfd alive now (a zombie counts)?  With the ids in
 * passing where the kernel can give them (*fast).
 */
static int check_alive(int pidfd, struct pentry *e, bool *fast)
{
	int res = pidfd_ids_ext(pidfd, &e->p, e);

	*fast = res == 0;
	if (res == 0 || res == -ESRCH)
		return res;
	return lf_sys_pidfd_send_signal(pidfd, 0);
}

/*
 * What fan_resolve_process_info() adds, read through dirfd (opened while
 * the process was known alive): its cgroup v2 path ("0::PATH" in
 * /proc/PID/cgroup) and its mount namespace.
 */
static void read_extras(int dirfd, struct pentry *e)
{
	char buf[4096];
	const char *l;
	struct stat st;
	ssize_t n = read_at(dirfd, "cgroup", buf, sizeof(buf));

	e->extras = true;
	for (l = n > 0 ? buf : NULL; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		if (!strncmp(l, "0::", 3)) {
			e->cgroup = strndup(l + 3, strcspn(l + 3, "\n"));
			break;
		}
	}
	if (fstatat(dirfd, "ns/mnt", &st, 0) == 0)
		e->mntns = st.st_ino;
}

/*
 * Look the process up now; sets GONE when it exited first.  Without the
 * event's pidfd, one is opened on whoever has the pid now: best effort.
 */
static void lookup(struct pentry *e, pid_t pid, int pidfd, bool want)
{
	int own = pidfd < 0 ? (int)syscall(SYS_pidfd_open, pid, 0) : -1;
	int use = pidfd >= 0 ? pidfd : own, dirfd;
	char path[32];
	bool fast = false;

	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	dirfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0) {
		mark_gone(e);
	} else if (use >= 0 && check_alive(use, e, &fast) == -ESRCH) {
		mark_gone(e);	/* exited between the event and now */
	} else {
		if (pidfd >= 0)
			e->p.flags |= LIBFANOTIFY_PROC_VERIFIED;
		if (fast)
			read_comm_exe(dirfd, -1, e);
		else
			read_proc(dirfd, e);
		if (want && !(e->p.flags & LIBFANOTIFY_PROC_GONE))
			read_extras(dirfd, e);
		if (died_reading(e, use))
			e->p.flags |= LIBFANOTIFY_PROC_GONE;
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
			int pidfd, bool want)
{
	struct held *h = held_find(c, pid, ino);
	int res;

	if (!h)
		return false;
	res = pidfd_ids_ext(pidfd, &e->p, e);
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
	if (want && !(e->p.flags & LIBFANOTIFY_PROC_GONE))
		read_extras(h->dirfd, e);
	if (died_reading(e, pidfd)) {
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
		c->pidfs = fstatfs(pidfd, &sfs) == 0 && sfs.f_type == PIDFS_MAGIC;
	return c->pidfs;
}

/* A process not read yet in this batch. */
static void lookup_any(struct pcache *c, struct pentry *e, pid_t pid, uint64_t ino, int pidfd,
		       bool want)
{
	bool keep = pidfd >= 0 && ino && pidfs(c, pidfd);

	if (keep && lookup_held(c, e, pid, ino, pidfd, want))
		return;
	lookup(e, pid, pidfd, want);
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

/*
 * Can e, read for pid (and ino) earlier, serve this event?  Before pidfs
 * (ino 0) the event's pidfd cannot be compared with the one e was read
 * through, and one read() of the group can hold events of two processes
 * with the same pid (one reaped, then its pid given to another, while the
 * kernel copied the events out).  e, when found alive, was read after the
 * read(); if the event's own pidfd shows its process alive now, that
 * process held the pid from the read until now, so it is e's (a pid is
 * not reused while its process lives, a zombie included).  Otherwise the
 * event's process is looked up again, as another.  The event e last
 * answered keeps it (fan_resolve_parents() after fan_resolve_process_info()
 * must not free the strings the latter gave).
 */
static bool entry_fresh(struct pcache *c, const struct pentry *e, const struct fan_event *ev,
			pid_t pid, uint64_t ino, int pidfd, uint64_t seq, bool want)
{
	if (e->key_pid != pid || e->key_ino != ino || e->key_pidfd != (pidfd >= 0) || !e->seq ||
	    (want && !e->extras))
		return false;
	if (e->seq == seq && pidfd >= 0 && !ino && e->last_ev != ev)
		return !(e->p.flags & LIBFANOTIFY_PROC_GONE) && signal_alive(pidfd);
	if (e->seq == seq)
		return true;
	/* across batches only for identities the pidfs inode pins down */
	return ino && !(e->p.flags & LIBFANOTIFY_PROC_GONE) &&
	       batch_now_ms(c, seq) - e->stamp < PROC_TTL_MS;
}

/*
 * Has the process behind the event been reaped?  Its pidfd says so, or
 * without one, no process has its pid now.
 */
static bool reaped(pid_t pid, int pidfd)
{
	struct fan_process ids;
	int fd;

	if (pidfd >= 0)
		return pidfd_ids(pidfd, &ids) == -ESRCH;
	fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (fd >= 0) {
		lf_sys_close(fd);
		return false;
	}
	return errno == ESRCH;
}

/*
 * The event's process exited and was reaped before it could be read: ask
 * the table for the only process that can have caused the event.
 */
static void from_table(struct fan_resolver *r, const struct fan_event *ev, struct pentry *e,
		       pid_t pid)
{
	struct pcache *c = r->procs;
	struct lf_precord rec;
	uint64_t after, read, bound;
	int res = -ESTALE;

	if (lf_batch_window(r->g, ev, &after, &read)) {
		lf_proctab_update(c->tab);
		res = lf_proctab_find(c->tab, pid, after, &rec, &bound);
	}
	if (res == -ENOTUNIQ)
		c->st.ambiguous++;
	else if (res == -ESTALE)
		c->st.untrusted++;
	if (res < 0)
		return;
	e->p = (struct fan_process){
		.pid = rec.tgid > 0 ? rec.tgid : pid, .tid = pid, .ppid = rec.ppid > 0 ? rec.ppid : -1,
		.uid = rec.uid, .euid = (uid_t)-1, .gid = rec.gid, .comm = e->comm,
		.flags = LIBFANOTIFY_PROC_GONE | LIBFANOTIFY_PROC_RECORDED,
	};
	memcpy(e->comm, rec.comm, sizeof(rec.comm));
	e->comm[sizeof(rec.comm)] = '\0';
	e->bound = bound;
	e->extras = true;	/* nothing more is known of it */
}

static void count(struct pcache *c, const struct pentry *e)
{
	c->st.lookups++;
	if (e->p.flags & LIBFANOTIFY_PROC_VERIFIED)
		c->st.verified++;
	else if (e->p.flags & LIBFANOTIFY_PROC_RECORDED)
		c->st.recorded++;
	else if ((e->p.flags & LIBFANOTIFY_PROC_GONE) && !e->p.comm)
		c->st.unknown++;
}

/*
 * The entry for the event's process, looked up if needed (with the info
 * fields if want); NULL when there is nothing to look up (*ret, *out set).
 */
static struct pentry *resolve_entry(struct fan_resolver *r, const struct fan_event *ev, bool want,
				    struct fan_process *out, int *ret)
{
	bool has_pidfd = r->g->init_flags & FAN_REPORT_PIDFD;
	pid_t pid = fan_event_pid(ev);
	int pidfd = fan_event_pidfd(ev);
	uint64_t ino = 0, seq = r->g->batch_seq;
	struct pcache *c = r->procs;
	struct pentry *e;
	struct stat st;

	if (pid <= 0) {
		*out = (struct fan_process){ .ppid = -1, .uid = (uid_t)-1, .euid = (uid_t)-1,
					     .gid = (gid_t)-1, .error = -ESRCH };
		*ret = -ESRCH;
		return NULL;	/* not reported (unprivileged group, other user) */
	}
	if (has_pidfd && pidfd < 0 && pidfd != FAN_NOPIDFD && pidfd != -ESRCH) {
		*ret = no_pidfd(r, pid, pidfd, out);
		return NULL;
	}
	/*
	 * Read the table with the batches too (once a clock tick at most):
	 * records count from the time they are read, so a caller that does
	 * not poll fan_resolver_fd() still gets them in time.
	 */
	if (c->tab && c->tab_seq != seq && batch_now_ms(c, seq) != c->tab_ms) {
		lf_proctab_update(c->tab);
		c->tab_seq = seq;
		c->tab_ms = c->now_ms;
	}
	/* before pidfs (6.9) every pidfd has the same inode: it names no process */
	if (pidfd >= 0 && pidfs(c, pidfd) && fstat(pidfd, &st) == 0)
		ino = st.st_ino;
	e = slot(c, pid, ino, pidfd >= 0);
	if (!entry_fresh(c, e, ev, pid, ino, pidfd, seq, want)) {
		fill_new(e, pid);
		e->seq = seq;
		e->stamp = batch_now_ms(c, seq);
		e->key_pid = pid;
		e->key_ino = ino;
		e->key_pidfd = pidfd >= 0;
		if (pidfd >= 0 || !has_pidfd)
			lookup_any(c, e, pid, ino, pidfd, want);
		else
			mark_gone(e);	/* FAN_NOPIDFD: reaped before the read */
		if (pidfd >= 0 && (e->p.flags & LIBFANOTIFY_PROC_GONE) && !e->p.comm)
			c->st.reaped++;
		if (c->tab && (e->p.flags & LIBFANOTIFY_PROC_GONE) && !e->p.comm &&
		    (pidfd < 0 ? has_pidfd || reaped(pid, -1) : reaped(pid, pidfd)))
			from_table(r, ev, e, pid);
		count(c, e);
	}
	e->last_ev = ev;
	*out = e->p;
	out->tid = pid;
	*ret = (out->flags & LIBFANOTIFY_PROC_GONE) && !out->comm ? -ESRCH : 0;
	return e;
}

int lf_proc_resolve(struct fan_resolver *r, const struct fan_event *ev, struct fan_process *out)
{
	int ret;

	resolve_entry(r, ev, false, out, &ret);
	return ret;
}

LF_EXPORT int fan_resolve_process(struct fan_resolver *r, const struct fan_event *ev,
				   struct fan_process *out)
{
	if (!r || !ev || !out)
		return -EINVAL;
	return lf_proc_resolve(r, ev, out);
}

LF_EXPORT int fan_resolve_process_info(struct fan_resolver *r, const struct fan_event *ev,
					struct fan_process_info *info)
{
	struct fan_process_info o = { .sz = sizeof(o), .egid = (gid_t)-1 };
	struct pentry *e;
	int ret;

	if (!r || !ev || !info || info->sz < offsetof(struct fan_process_info, egid))
		return -EINVAL;
	e = resolve_entry(r, ev, true, &o.proc, &ret);
	if (e) {
		o.egid = e->egid;
		o.cgroup_id = e->cgroup_id;
		o.cgroup = e->cgroup;
		o.mntns = e->mntns;
	}
	LF_OPTS_OUT(info, o);
	return ret;
}

/* ---- parents ---- */

static void parent_set(struct fan_process_parent *p, pid_t pid, unsigned int flags,
		       const char *comm)
{
	*p = (struct fan_process_parent){ .pid = pid, .flags = comm ? flags : 0 };
	if (comm)
		memcpy(p->comm, comm, strnlen(comm, sizeof(p->comm) - 1));
}

/*
 * The parent pid of pidfd's process, which has pid: from the pidfd
 * (PIDFD_GET_INFO, Linux 6.13), else from /proc/PID/stat read through a
 * directory opened before the pidfd showed its process alive (so it was
 * that process's directory).  0, or -errno.
 */
static int ppid_of(pid_t pid, int pidfd, pid_t *ppid)
{
	struct fan_process ids;
	char path[32], buf[512], *rp;
	int res = pidfd_ids(pidfd, &ids), dirfd, v;
	ssize_t n;

	if (res == 0)
		*ppid = ids.ppid;
	if (res == 0 || res == -ESRCH)
		return res;
	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	dirfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return -ESRCH;
	res = pidfd_alive(pidfd) ? 0 : -ESRCH;
	n = res == 0 ? read_at(dirfd, "stat", buf, sizeof(buf)) : res;
	lf_sys_close(dirfd);
	/* "PID (COMM) S PPID ...": the comm may hold anything, ')' included */
	if (n <= 0 || !(rp = strrchr(buf, ')')) || sscanf(rp + 1, " %*c %d", &v) != 1)
		return n < 0 ? (int)n : -ESRCH;
	*ppid = v;
	return 0;
}

/*
 * comm of the process pidfd refers to, which has pid: /proc/PID is opened
 * first, then the pidfd must show its process alive, so the directory was
 * that process's.  NULL if not.
 */
static const char *comm_of(pid_t pid, int pidfd, char *comm, size_t size)
{
	char path[32];
	ssize_t n;
	int dirfd;

	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	dirfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return NULL;
	n = pidfd_alive(pidfd) ? read_at(dirfd, "comm", comm, size) : -ESRCH;
	lf_sys_close(dirfd);
	if (n <= 0)
		return NULL;
	if (comm[n - 1] == '\n')
		comm[n - 1] = '\0';
	return comm;
}

/*
 * The parents of the live process child refers to (pid cpid).  Its parent
 * pid comes from its pidfd (or, before PIDFD_GET_INFO, its /proc entry,
 * checked by the pidfd); a pidfd is opened on that pid, and then the child
 * must still name it as its parent: the parent was alive all along, so the
 * pidfd is the parent's (a pid is not reused while its process lives).
 */
static size_t walk_live(int child, pid_t cpid, unsigned int flags,
			struct fan_process_parent *out, size_t n, size_t max)
{
	char comm[32];
	int cfd = child, qfd;
	pid_t q, again;

	while (n < max && ppid_of(cpid, cfd, &q) == 0 && q > 0) {
		qfd = (int)syscall(SYS_pidfd_open, q, 0);
		if (qfd < 0 || ppid_of(cpid, cfd, &again) < 0 || again != q) {
			parent_set(&out[n++], q, 0, NULL);	/* it was the parent; now gone */
			lf_sys_close(qfd);
			break;
		}
		parent_set(&out[n++], q, flags, comm_of(q, qfd, comm, sizeof(comm)));
		if (cfd != child)
			lf_sys_close(cfd);
		cfd = qfd;
		cpid = q;
	}
	if (cfd != child)
		lf_sys_close(cfd);
	return n;
}

/*
 * Was pid forked again after `since`?  False (*known false) when the
 * connector may have missed a fork since then.
 */
static bool forked_since(struct proctab *t, pid_t pid, uint64_t since, bool *known)
{
	uint64_t fts;
	bool later;

	*known = lf_proctab_cn_since(t) <= since;
	if (!*known)
		return false;
	lf_proctab_fork_before(t, pid, UINT64_MAX, &fts, &later);
	return fts > since;
}

/*
 * The parents of a recorded process (pid), from ppid, its parent when it
 * exited.  Some time before that exit is known: `since`, the latest of
 * the fork its record is from or after (lf_proctab_find's bound), its own
 * fork if the connector shows it (the fork before its exit), and the
 * connector's start (a recorded process exited after the table began).
 * If no fork of ppid came after it, the live process holding ppid now
 * held it then.  If none holds it now, the parent was reaped, and its own
 * exit record names it, by the same rule as the process itself, if the
 * bound is after the table's trust point: the process then began after
 * it, and its parent was not a zombie when the process exited, so its
 * record was sent after the table's quarantine and is not lost.
 */
static size_t walk_recorded(struct fan_resolver *r, pid_t pid, pid_t ppid, uint64_t bound,
			    struct fan_process_parent *out, size_t n, size_t max)
{
	struct proctab *t = r->procs->tab;
	uint64_t since, start = lf_proctab_cn_start(t), fork_ts;
	struct lf_precord rec;
	char comm[32];
	bool known;
	int qfd, err;

	while (n < max && ppid > 0) {
		since = bound > start ? bound : start;
		if (lf_proctab_exited_fork(t, pid, bound, &fork_ts) == 0 && fork_ts > since)
			since = fork_ts;
		qfd = (int)syscall(SYS_pidfd_open, ppid, 0);
		err = errno;
		if (qfd >= 0) {
			lf_proctab_update(t);	/* every fork before the pidfd is in */
			if (start == UINT64_MAX || forked_since(t, ppid, since, &known) || !known) {
				parent_set(&out[n++], ppid, 0, NULL);
				lf_sys_close(qfd);
				return n;
			}
			parent_set(&out[n++], ppid, LIBFANOTIFY_PROC_RECORDED,
				   comm_of(ppid, qfd, comm, sizeof(comm)));
			n = walk_live(qfd, ppid, LIBFANOTIFY_PROC_RECORDED, out, n, max);
			lf_sys_close(qfd);
			return n;
		}
		lf_proctab_update(t);
		if (err != ESRCH || bound < lf_proctab_trust(t) ||
		    lf_proctab_find(t, ppid, bound, &rec, &bound) < 0) {
			parent_set(&out[n++], ppid, 0, NULL);
			return n;
		}
		parent_set(&out[n++], ppid, LIBFANOTIFY_PROC_RECORDED, rec.comm);
		pid = ppid;
		ppid = rec.ppid;
	}
	return n;
}

LF_EXPORT int fan_resolve_parents(struct fan_resolver *r, const struct fan_event *ev,
				   struct fan_process_parent *out, size_t max)
{
	struct fan_process p;
	struct pentry *e;
	size_t n = 0;
	int ret, fd;

	if (!r || !ev || (!out && max))
		return -EINVAL;
	e = resolve_entry(r, ev, false, &p, &ret);
	if (!e || ret < 0)
		return ret < 0 ? ret : -ESRCH;
	if (p.flags & LIBFANOTIFY_PROC_RECORDED)
		return (int)walk_recorded(r, p.tid, p.ppid, e->bound, out, 0, max);
	if (p.flags & LIBFANOTIFY_PROC_VERIFIED)
		return (int)walk_live(fan_event_pidfd(ev), p.pid, LIBFANOTIFY_PROC_VERIFIED, out, 0,
				      max);
	/* best effort, as the process itself: whoever has its pid now */
	fd = (int)syscall(SYS_pidfd_open, p.pid, 0);
	if (fd >= 0) {
		n = walk_live(fd, p.pid, 0, out, 0, max);
		lf_sys_close(fd);
	}
	return (int)n;
}

LF_EXPORT int fan_resolver_fd(const struct fan_resolver *r)
{
	if (!r)
		return -EINVAL;
	return r->procs->tab ? lf_proctab_fd(r->procs->tab) : -ENODATA;
}

LF_EXPORT int fan_resolver_read(struct fan_resolver *r)
{
	if (!r)
		return -EINVAL;
	if (!r->procs->tab)
		return -ENODATA;
	lf_proctab_update(r->procs->tab);
	return 0;
}

LF_EXPORT int fan_resolver_get_proc_stats(const struct fan_resolver *r,
					   struct fan_resolver_proc_stats *st)
{
	struct fan_resolver_proc_stats o;
	struct lf_proctab_stats t;

	if (!r || !st || st->sz < sizeof(size_t))
		return -EINVAL;
	o = r->procs->st;
	if (r->procs->tab) {
		lf_proctab_stats(r->procs->tab, &t);
		o.records = t.records;
		o.records_lost = t.records_lost;
		o.connector_lost = t.connector_lost;
	}
	LF_OPTS_OUT(st, o);
	return 0;
}
