// SPDX-License-Identifier: MIT
/*
 * The process behind an event.  With a pidfd the answer is checked: /proc/PID
 * is opened, then the pidfd is asked whether its process still lives; if it
 * does, that /proc directory is the event's process (a pid cannot be reused
 * while its process lives) and every later read through it either describes
 * that process or fails.  Identities are kept for the current batch only,
 * keyed by pid and by the pidfd's pidfs inode, unique per process.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "resolve.h"

struct pentry {
	uint64_t seq;		/* group batch it was read in; 0 = empty */
	pid_t key_pid;
	uint64_t key_ino;	/* pidfs inode, 0 without pidfd */
	struct fan_process p;
	char comm[17];
	char *exe;
};

struct pcache {
	size_t n;
	struct pentry e[];
};

struct pcache *pcache_new(size_t entries)
{
	struct pcache *c = calloc(1, sizeof(*c) + entries * sizeof(struct pentry));

	if (c)
		c->n = entries;
	return c;
}

void pcache_free(struct pcache *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->n; i++)
		free(c->e[i].exe);
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
	sys_close(fd);
	if (n >= 0)
		buf[n] = '\0';
	return n;
}

static void parse_status(const char *s, struct fan_process *p)
{
	const char *l;
	unsigned int ruid, euid, gid;
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
}

static void note_error(struct fan_process *p, int err)
{
	p->flags |= LIBFANOTIFY_PROC_PARTIAL;
	if (!p->error)
		p->error = err;
}

/* Read /proc/PID through dirfd into e. */
static void read_proc(int dirfd, struct pentry *e)
{
	char status[4096], exe[4097];
	ssize_t n;

	n = read_at(dirfd, "comm", e->comm, sizeof(e->comm));
	if (n > 0 && e->comm[n - 1] == '\n')
		e->comm[n - 1] = '\0';
	if (n > 0)
		e->p.comm = e->comm;
	else
		note_error(&e->p, n < 0 ? (int)n : -ENODATA);
	n = read_at(dirfd, "status", status, sizeof(status));
	if (n > 0)
		parse_status(status, &e->p);
	else
		note_error(&e->p, n < 0 ? (int)n : -ENODATA);
	n = readlinkat(dirfd, "exe", exe, sizeof(exe) - 1);
	free(e->exe);
	e->exe = NULL;
	if (n > 0) {
		e->exe = strndup(exe, (size_t)n);
		e->p.exe = e->exe;
	} else {
		note_error(&e->p, n < 0 ? -errno : -ENODATA);
	}
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

/* Look the process up now; sets GONE when it exited first. */
static void lookup(struct pentry *e, pid_t pid, int pidfd)
{
	char path[32];
	int dirfd;

	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	dirfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0) {
		e->p.flags |= LIBFANOTIFY_PROC_GONE;
		e->p.error = -ESRCH;
		return;
	}
	if (pidfd >= 0) {
		int alive = sys_pidfd_send_signal(pidfd, 0);

		if (alive == -ESRCH) {
			e->p.flags |= LIBFANOTIFY_PROC_GONE;
			e->p.error = -ESRCH;
			sys_close(dirfd);
			return;
		}
		e->p.flags |= LIBFANOTIFY_PROC_VERIFIED;
	}
	read_proc(dirfd, e);
	if (e->p.error == -ESRCH) {
		/* it died while we read: keep what we got, say so */
		e->p.flags |= LIBFANOTIFY_PROC_GONE;
	}
	sys_close(dirfd);
}

int proc_resolve(struct fan_resolver *r, const struct fan_event *ev, struct fan_process *out)
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
	if (has_pidfd && pidfd < 0) {
		*out = (struct fan_process){ .pid = pid, .tid = pid, .ppid = -1,
					     .uid = (uid_t)-1, .euid = (uid_t)-1,
					     .gid = (gid_t)-1,
					     .flags = LIBFANOTIFY_PROC_GONE, .error = -ESRCH };
		return -ESRCH;	/* FAN_NOPIDFD: exited before the event was read */
	}
	if (pidfd >= 0 && fstat(pidfd, &st) == 0)
		ino = st.st_ino;
	e = slot(r->procs, pid, ino);
	if (e->seq != seq || e->key_pid != pid || e->key_ino != ino) {
		fill_new(e, pid);
		e->seq = seq;
		e->key_pid = pid;
		e->key_ino = ino;
		lookup(e, pid, pidfd);
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
	return proc_resolve(r, ev, out);
}
