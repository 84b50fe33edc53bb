// SPDX-License-Identifier: MIT
/*
 * The process table: what the kernel said about processes as they
 * exited, so that an event whose process had exited and been reaped
 * before the event was read (FAN_NOPIDFD: nothing left to ask) can still
 * be named, and never by another process that reused its pid.
 *
 * Two netlink sources, each subscribed to once with CAP_NET_ADMIN, each
 * only from the initial pid and user namespaces (where event pids are the
 * kernel's global pids, as theirs are):
 *
 *  - taskstats exit records (genetlink "TASKSTATS", registered for every
 *    possible CPU): every task that exits sends one, from do_exit(), before
 *    it can be reaped and its pid reused: pid, thread group, parent, real
 *    uid and gid, comm as it was at the end, exit code, age.
 *  - the proc connector (CN_IDX_PROC): fork and exit of every task, each
 *    with a CLOCK_MONOTONIC timestamp.  A fork's message is sent before
 *    the child runs.
 *
 * The rule (lf_proctab_find).  An event of pid P happened after E, when
 * the group's queue was last seen empty, and its process (the actor) had
 * been reaped when the event was read, or when the event's pidfd was
 * asked.  Let B be the time of the latest fork of P at or before E known
 * from the connector (0 if none).  The actor's record was sent after B:
 * the actor either is the process forked at B, or came after it (if it
 * had come before, it would have released P before B, and could not act
 * after E).  And it was sent before the actor was reaped, so the drain
 * that follows the read holds it.  So if exactly one record of P arrived
 * after B (and after the last lost or overwritten record), it is the
 * actor's; if none or several, the answer is "unknown".  Two more checks:
 * no more connector exits of P after B than records (a record the kernel
 * could not allocate is dropped without ENOBUFS; its exit message shows
 * it), and the table is trusted for E (see quarantine below).  Connector
 * messages may be lost (ENOBUFS) without harm: B only comes out earlier,
 * which can make the answer "unknown", never wrong.
 *
 * Quarantine.  A task keeps causing events after its record was sent (the
 * files it still had open are closed, its mappings dropped) until it
 * becomes a zombie.  So after the registration, and after records were
 * lost (ENOBUFS), the tasks already exiting then (PF_EXITING in
 * /proc/PID/task/TID/stat, not yet a zombie) are followed: a window of one
 * of their pids is trusted only from when that task had finished (its
 * record may be missing), other windows from the end of the scan (a task
 * not yet exiting then sends its record after it; a zombie causes no more
 * events).
 *
 * Memory is fixed: a ring of connector events and a ring of records, and
 * a hash from pid to the newest entry of each (entries of one pid are
 * chained newest to oldest).  An overwritten record makes the windows it
 * could belong to unanswerable ("unknown"), never wrong.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/taskstats.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "missing.h"
#include "proctab.h"

#define CN_RING 16384u			/* connector forks and exits kept */
#define TS_RING 8192u			/* exit records kept */
#define HASH_SLOTS 65536u		/* >= 2 * (CN_RING + TS_RING), a power of two */
#define RCVBUF (8 << 20)		/* per socket; SO_RCVBUFFORCE with CAP_NET_ADMIN */
#define BATCH 32			/* messages per recvmmsg() */
#define MSG_MAX 2048			/* a taskstats record is about 600 bytes */
#define ACK_WAIT_MS 1000
#define QUARANTINE_MAX 4096

/* Linux 6.6: subscribe with an event filter. */
struct cn_input {
	uint32_t mcast_op;
	uint32_t event_type;
};

struct cnent {
	uint64_t seq;		/* 0: empty; valid iff it matches the slot */
	uint64_t ts;		/* kernel CLOCK_MONOTONIC ns */
	uint64_t prev;		/* seq of the previous entry of this pid, 0 none */
	pid_t pid, tgid, ptgid;	/* ptgid: parent's thread group (fork only) */
	bool exit;
};

struct recent {
	uint64_t seq;
	uint64_t t_hi;		/* after the recvmmsg() that returned it: sent before */
	uint64_t prev;
	struct lf_precord r;
};

struct slot {
	pid_t pid;		/* 0: free */
	uint64_t cn_head, ts_head;
};

struct quarantined {
	pid_t tid;
	unsigned long long start;	/* starttime field of stat: another task if it differs */
	uint64_t clear;			/* when it was seen finished; UINT64_MAX: not yet */
};

struct proctab {
	int cn, ts;			/* sockets, -1 if not open */
	int ep;				/* epoll of both, for the caller's poll loop */
	uint16_t ts_family;
	uint32_t cn_ack;
	uint64_t cn_start;		/* subscribed to the connector */
	uint64_t trust;			/* windows after this are trusted (but see q) */
	uint64_t ts_lost;		/* last time records were found lost (ENOBUFS) */
	uint64_t ring_lost;		/* t_hi of the last overwritten record */
	uint64_t cn_seq, ts_seq;	/* last entries written */
	size_t slots_used;
	struct quarantined *q;		/* tasks that were exiting at the last scan */
	size_t nq, nq_exiting;
	struct lf_proctab_stats st;
	struct cnent *cn_ring;
	struct recent *ts_ring;
	struct slot *slots;
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	unsigned char (*bufs)[MSG_MAX];
};

/* ---- the hash ---- */

static size_t hash_pid(pid_t pid)
{
	return ((uint32_t)pid * 2654435761u) & (HASH_SLOTS - 1);
}

static struct slot *slot_find(struct proctab *t, pid_t pid)
{
	size_t i = hash_pid(pid);

	while (t->slots[i].pid && t->slots[i].pid != pid)
		i = (i + 1) & (HASH_SLOTS - 1);
	return t->slots[i].pid ? &t->slots[i] : NULL;
}

static struct cnent *cn_at(struct proctab *t, uint64_t seq)
{
	struct cnent *e = &t->cn_ring[seq % CN_RING];

	return seq && e->seq == seq ? e : NULL;
}

static struct recent *ts_at(struct proctab *t, uint64_t seq)
{
	struct recent *e = &t->ts_ring[seq % TS_RING];

	return seq && e->seq == seq ? e : NULL;
}

static void slot_put(struct proctab *t, pid_t pid, uint64_t cn, uint64_t ts)
{
	size_t i = hash_pid(pid);

	while (t->slots[i].pid && t->slots[i].pid != pid)
		i = (i + 1) & (HASH_SLOTS - 1);
	if (!t->slots[i].pid) {
		t->slots[i].pid = pid;
		t->slots_used++;
	}
	if (cn > t->slots[i].cn_head)
		t->slots[i].cn_head = cn;
	if (ts > t->slots[i].ts_head)
		t->slots[i].ts_head = ts;
}

/* Keep only the pids that still have entries in a ring. */
static void hash_rebuild(struct proctab *t)
{
	size_t i;

	memset(t->slots, 0, HASH_SLOTS * sizeof(*t->slots));
	t->slots_used = 0;
	for (i = 0; i < CN_RING; i++)
		if (t->cn_ring[i].seq)
			slot_put(t, t->cn_ring[i].pid, t->cn_ring[i].seq, 0);
	for (i = 0; i < TS_RING; i++)
		if (t->ts_ring[i].seq)
			slot_put(t, t->ts_ring[i].r.pid, 0, t->ts_ring[i].seq);
}

static struct slot *slot_get(struct proctab *t, pid_t pid)
{
	struct slot *s = slot_find(t, pid);

	if (s)
		return s;
	if (t->slots_used >= HASH_SLOTS / 2 + HASH_SLOTS / 8)
		hash_rebuild(t);
	slot_put(t, pid, 0, 0);
	return slot_find(t, pid);
}

static void cn_add(struct proctab *t, uint64_t ts, pid_t pid, pid_t tgid, pid_t ptgid, bool exit)
{
	struct slot *s = slot_get(t, pid);
	uint64_t seq = ++t->cn_seq;

	t->cn_ring[seq % CN_RING] = (struct cnent){ .seq = seq, .ts = ts, .prev = s->cn_head,
						    .pid = pid, .tgid = tgid, .ptgid = ptgid,
						    .exit = exit };
	s->cn_head = seq;
}

static void ts_add(struct proctab *t, uint64_t t_hi, const struct lf_precord *r)
{
	struct slot *s = slot_get(t, r->pid);
	uint64_t seq = ++t->ts_seq;
	struct recent *e = &t->ts_ring[seq % TS_RING];

	if (e->seq && e->t_hi > t->ring_lost)
		t->ring_lost = e->t_hi;
	*e = (struct recent){ .seq = seq, .t_hi = t_hi, .prev = s->ts_head, .r = *r };
	s->ts_head = seq;
}

/* ---- quarantine ---- */

/* The n-th space-separated field after p (0: the first), or NULL. */
static const char *field(const char *p, unsigned int n)
{
	while (p && n--)
		if ((p = strchr(p, ' ')))
			p++;
	return p;
}

/* state, flags, threads and starttime of a task; false if it is gone. */
static bool task_stat_n(const char *path, char *state, unsigned long *flags,
			unsigned long *threads, unsigned long long *start)
{
	char buf[1024];
	const char *p, *f, *nt, *st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	/*
	 * After the comm: state ppid pgrp session tty_nr tpgid flags minflt
	 * cminflt majflt cmajflt utime stime cutime cstime priority nice
	 * num_threads itrealvalue starttime.
	 */
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ' || !p[2])
		return false;
	p += 2;
	f = field(p, 6);
	nt = field(f, 11);
	st = field(nt, 2);
	if (!st)
		return false;
	*state = *p;
	*flags = strtoul(f, NULL, 10);
	*threads = strtoul(nt, NULL, 10);
	*start = strtoull(st, NULL, 10);
	return true;
}

static bool task_stat(const char *path, char *state, unsigned long *flags,
		      unsigned long long *start)
{
	unsigned long threads;

	return task_stat_n(path, state, flags, &threads, start);
}

static bool still_exiting(const struct quarantined *q)
{
	char path[64], state;
	unsigned long flags;
	unsigned long long start;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)q->tid);
	return task_stat(path, &state, &flags, &start) && start == q->start &&
	       state != 'Z' && state != 'X';
}

static void quarantine_add(struct proctab *t, pid_t tid, unsigned long long start)
{
	if (t->nq < QUARANTINE_MAX) {
		t->q[t->nq++] = (struct quarantined){ tid, start, UINT64_MAX };
		t->nq_exiting++;
	} else {
		t->trust = UINT64_MAX;	/* cannot follow them all: never trusted */
	}
}

static bool exiting(char state, unsigned long flags)
{
	return (flags & PF_EXITING) && state != 'Z' && state != 'X';
}

/* The tasks of process pid that are exiting (its stat first: most have one thread). */
static void scan_task_dir(struct proctab *t, int pid)
{
	char path[64], state;
	unsigned long flags, threads;
	unsigned long long start;
	struct dirent *d;
	DIR *dir;
	int tid;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (!task_stat_n(path, &state, &flags, &threads, &start))
		return;
	if (threads == 1) {
		if (exiting(state, flags))
			quarantine_add(t, (pid_t)pid, start);
		return;
	}
	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	dir = opendir(path);
	if (!dir)
		return;
	while ((d = readdir(dir))) {
		if (d->d_name[0] < '0' || d->d_name[0] > '9')
			continue;
		tid = atoi(d->d_name);
		snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", pid, tid);
		if (task_stat(path, &state, &flags, &start) && exiting(state, flags))
			quarantine_add(t, (pid_t)tid, start);
	}
	closedir(dir);
}

/*
 * Records may be missing for tasks that had begun exiting by now: note
 * them (their windows are trusted once they are zombies or gone), and
 * trust the others' windows from now on.
 */
static void quarantine_start(struct proctab *t)
{
	struct dirent *d;
	DIR *proc = opendir("/proc");

	t->nq = t->nq_exiting = 0;
	t->trust = 0;
	t->st.quarantines++;
	if (!proc) {
		t->trust = UINT64_MAX;
		return;
	}
	while ((d = readdir(proc)))
		if (d->d_name[0] >= '0' && d->d_name[0] <= '9')
			scan_task_dir(t, atoi(d->d_name));
	closedir(proc);
	if (t->trust != UINT64_MAX)
		t->trust = lf_now_ns();
}

static void quarantine_check(struct proctab *t)
{
	uint64_t now = lf_now_ns();
	size_t i;

	for (i = 0; i < t->nq; i++) {
		if (t->q[i].clear == UINT64_MAX && !still_exiting(&t->q[i])) {
			t->q[i].clear = now;
			t->nq_exiting--;
		}
	}
}

/* A window of pid that begins at after: not answerable while a task of it was exiting. */
static bool quarantined(const struct proctab *t, pid_t pid, uint64_t after)
{
	size_t i;

	for (i = 0; i < t->nq; i++)
		if (t->q[i].tid == pid && after < t->q[i].clear)
			return true;
	return false;
}

/* ---- messages ---- */

/* One connector message (its data copied out: it is not 8-byte aligned). */
static void cn_message(struct proctab *t, const struct nlmsghdr *h)
{
	struct proc_event ev;
	struct cn_msg cn;
	size_t len = h->nlmsg_len - NLMSG_HDRLEN;

	if (h->nlmsg_type == NLMSG_ERROR || len < sizeof(cn))
		return;
	memcpy(&cn, NLMSG_DATA(h), sizeof(cn));
	if (cn.id.idx != CN_IDX_PROC || cn.len > len - sizeof(cn) ||
	    cn.len < offsetof(struct proc_event, event_data) + sizeof(ev.event_data.exit))
		return;
	memset(&ev, 0, sizeof(ev));
	memcpy(&ev, (const unsigned char *)NLMSG_DATA(h) + sizeof(cn),
	       cn.len < sizeof(ev) ? cn.len : sizeof(ev));
	t->st.connector_messages++;
	if (ev.what == PROC_EVENT_FORK)
		cn_add(t, ev.timestamp_ns, ev.event_data.fork.child_pid, ev.event_data.fork.child_tgid,
		       ev.event_data.fork.parent_tgid, false);
	else if (ev.what == PROC_EVENT_EXIT)
		cn_add(t, ev.timestamp_ns, ev.event_data.exit.process_pid,
		       ev.event_data.exit.process_tgid, 0, true);
}

/* The struct taskstats fields we read, by the layout of version 12 and later. */
static bool parse_stats(const unsigned char *p, size_t len, struct lf_precord *r)
{
	struct taskstats ts;

	memset(&ts, 0, sizeof(ts));
	memcpy(&ts, p, len < sizeof(ts) ? len : sizeof(ts));
	if (ts.version < 12 || len < offsetof(struct taskstats, ac_exe_inode) + 8)
		return false;
	memset(r, 0, sizeof(*r));
	memcpy(r->comm, ts.ac_comm, sizeof(r->comm) - 1);
	r->pid = (pid_t)ts.ac_pid;
	r->tgid = (pid_t)ts.ac_tgid;
	r->ppid = (pid_t)ts.ac_ppid;
	r->uid = ts.ac_uid;
	r->gid = ts.ac_gid;
	r->exit_code = (int)ts.ac_exitcode;
	r->etime_us = ts.ac_etime;
	r->exe_dev = ts.ac_exe_dev;
	r->exe_ino = ts.ac_exe_inode;
	return true;
}

/* The next netlink attribute at *p: its type, payload and length. */
static bool attr_next(const unsigned char **p, size_t *left, uint16_t *type,
		      const unsigned char **data, size_t *dlen)
{
	struct nlattr a;

	if (*left < NLA_HDRLEN)
		return false;
	memcpy(&a, *p, sizeof(a));
	if (a.nla_len < NLA_HDRLEN || a.nla_len > *left)
		return false;
	*type = a.nla_type & NLA_TYPE_MASK;
	*data = *p + NLA_HDRLEN;
	*dlen = a.nla_len - NLA_HDRLEN;
	if ((size_t)NLA_ALIGN(a.nla_len) >= *left) {
		*left = 0;
	} else {
		*p += NLA_ALIGN(a.nla_len);
		*left -= NLA_ALIGN(a.nla_len);
	}
	return true;
}

/* One taskstats message: the per-task record (TASKSTATS_TYPE_AGGR_PID). */
static void ts_message(struct proctab *t, const struct nlmsghdr *h, uint64_t t_hi)
{
	const unsigned char *p, *d, *inner, *sd;
	size_t left, dl, il, sl;
	uint16_t type, itype;
	struct lf_precord r;
	pid_t pid = 0;

	if (h->nlmsg_type != t->ts_family || h->nlmsg_len < NLMSG_LENGTH(GENL_HDRLEN))
		return;
	p = (const unsigned char *)NLMSG_DATA(h) + GENL_HDRLEN;
	left = h->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
	while (attr_next(&p, &left, &type, &d, &dl)) {
		if (type != TASKSTATS_TYPE_AGGR_PID)
			continue;
		inner = d;
		il = dl;
		sd = NULL;
		sl = 0;
		while (attr_next(&inner, &il, &itype, &d, &dl)) {
			if (itype == TASKSTATS_TYPE_PID && dl >= 4) {
				uint32_t v;

				memcpy(&v, d, sizeof(v));
				pid = (pid_t)v;
			} else if (itype == TASKSTATS_TYPE_STATS) {
				sd = d;
				sl = dl;
			}
		}
		if (sd && parse_stats(sd, sl, &r)) {
			if (pid > 0)
				r.pid = pid;
			t->st.records++;
			ts_add(t, t_hi, &r);
		}
	}
}

static void lost(struct proctab *t, bool records)
{
	if (records) {
		t->ts_lost = lf_now_ns();
		t->st.records_lost++;
		quarantine_start(t);
	} else {
		t->st.connector_lost++;
		t->st.connector_since = lf_now_ns();
	}
}

/* Read everything queued on one socket; false on a hard error. */
static void drain(struct proctab *t, int fd, bool records)
{
	uint64_t now;
	int n, i;

	if (fd < 0)
		return;
	for (;;) {
		n = recvmmsg(fd, t->msgs, BATCH, MSG_DONTWAIT, NULL);
		if (n < 0 && errno == ENOBUFS) {
			lost(t, records);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		now = lf_now_ns();
		for (i = 0; i < n; i++) {
			const struct nlmsghdr *h = (const struct nlmsghdr *)t->bufs[i];
			size_t len = t->msgs[i].msg_len;

			for (; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
				if (records)
					ts_message(t, h, now);
				else
					cn_message(t, h);
			}
		}
		if (n < BATCH)
			return;
	}
}

void lf_proctab_update(struct proctab *t)
{
	struct pollfd p[2] = { { .fd = t->cn, .events = POLLIN }, { .fd = t->ts, .events = POLLIN } };

	/* one system call when nothing came, the common case between two batches */
	if (poll(p, 2, 0) > 0) {
		/* exits first: each exit's record was sent before it, so it is in by then */
		if (p[0].revents)
			drain(t, t->cn, false);
		drain(t, t->ts, true);
	}
	if (t->nq_exiting)
		quarantine_check(t);
}

int lf_proctab_fd(const struct proctab *t)
{
	return t->ep;
}

/* ---- the rule ---- */

int lf_proctab_find(struct proctab *t, pid_t pid, uint64_t after, struct lf_precord *out,
		    uint64_t *bound)
{
	struct slot *s = slot_find(t, pid);
	uint64_t b = 0, lb, seq;
	unsigned int exits = 0, n = 0;
	struct cnent *c;
	struct recent *e, *found = NULL;

	if (after < t->trust || t->ts < 0 || quarantined(t, pid, after))
		return -ESTALE;
	if (!s)
		return -ESRCH;
	/* B: the latest fork of pid at or before E; exits after it counted */
	for (seq = s->cn_head; (c = cn_at(t, seq)); seq = c->prev) {
		if (c->pid != pid)
			break;
		if (c->ts <= after && !c->exit) {
			b = c->ts;
			break;
		}
		exits += c->exit;
	}
	lb = b > t->ts_lost ? b : t->ts_lost;
	if (t->ring_lost > lb)
		return -ESTALE;
	for (seq = s->ts_head; (e = ts_at(t, seq)) && e->r.pid == pid && e->t_hi > lb; seq = e->prev) {
		found = e;
		n++;
	}
	if (n == 0)
		return -ESRCH;
	if (n > 1 || exits > n)
		return -ENOTUNIQ;
	*out = found->r;
	*bound = b;
	return 0;
}

/*
 * The fork of the process whose exit is the latest of pid after `after`:
 * the fork that precedes that exit (a later holder's fork comes after the
 * exit, an older holder's before its own exit).  -ESRCH when no exit came
 * after `after`, or no fork before it is known.
 */
int lf_proctab_exited_fork(struct proctab *t, pid_t pid, uint64_t after, uint64_t *fork_ts)
{
	struct slot *s = slot_find(t, pid);
	bool exited = false;
	struct cnent *c;
	uint64_t seq;

	if (!s)
		return -ESRCH;
	for (seq = s->cn_head; (c = cn_at(t, seq)) && c->pid == pid; seq = c->prev) {
		if (c->exit && c->ts > after)
			exited = true;
		else if (!c->exit && exited) {
			*fork_ts = c->ts;
			return 0;
		}
	}
	return -ESRCH;
}

/*
 * The latest fork of pid at or before at, and whether a fork of pid came
 * after it.  For the ancestry: who held a pid at a given time.
 */
int lf_proctab_fork_before(struct proctab *t, pid_t pid, uint64_t at, uint64_t *fork_ts,
			   bool *later_fork)
{
	struct slot *s = slot_find(t, pid);
	struct cnent *c;
	uint64_t seq;

	*fork_ts = 0;
	*later_fork = false;
	if (!s)
		return -ESRCH;
	for (seq = s->cn_head; (c = cn_at(t, seq)) && c->pid == pid; seq = c->prev) {
		if (c->exit)
			continue;
		if (c->ts <= at) {
			*fork_ts = c->ts;
			return 0;
		}
		*later_fork = true;
	}
	return -ESRCH;
}

uint64_t lf_proctab_cn_since(const struct proctab *t)
{
	return t->cn >= 0 ? t->st.connector_since : UINT64_MAX;
}

uint64_t lf_proctab_cn_start(const struct proctab *t)
{
	return t->cn >= 0 ? t->cn_start : UINT64_MAX;
}

uint64_t lf_proctab_trust(const struct proctab *t)
{
	return t->trust;
}

void lf_proctab_stats(const struct proctab *t, struct lf_proctab_stats *st)
{
	*st = t->st;
	st->trusted_from = t->trust;
}

/* ---- setup ---- */

static int nl_socket(int proto, uint32_t groups)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = groups };
	int size = RCVBUF;
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, proto);

	if (fd < 0)
		return -errno;
	/* a fork storm must not overflow it: FORCE needs CAP_NET_ADMIN, which binding needs too */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

static int cn_send(struct proctab *t, const void *data, uint16_t len)
{
	struct {
		struct nlmsghdr nl;
		struct cn_msg cn;
		unsigned char data[8];
	} __attribute__((packed)) m;

	memset(&m, 0, sizeof(m));
	m.nl.nlmsg_len = (uint32_t)NLMSG_LENGTH(sizeof(m.cn) + len);
	m.nl.nlmsg_type = NLMSG_DONE;
	m.cn.id.idx = CN_IDX_PROC;
	m.cn.id.val = CN_VAL_PROC;
	m.cn.seq = t->cn_ack;
	m.cn.ack = t->cn_ack;
	m.cn.len = len;
	memcpy(m.data, data, len);
	return send(t->cn, &m, m.nl.nlmsg_len, 0) < 0 ? -errno : 0;
}

/* Wait for the subscription's acknowledgement; other messages are kept. */
static int cn_wait_ack(struct proctab *t)
{
	uint64_t deadline = lf_now_ns() + ACK_WAIT_MS * 1000000ull, now;
	struct pollfd p = { .fd = t->cn, .events = POLLIN };
	unsigned char buf[4096] __attribute__((aligned(8)));
	struct proc_event ev;
	struct cn_msg cn;
	ssize_t n;

	while ((now = lf_now_ns()) < deadline &&
	       poll(&p, 1, (int)((deadline - now) / 1000000 + 1)) > 0) {
		const struct nlmsghdr *h = (const struct nlmsghdr *)buf;

		n = recv(t->cn, buf, sizeof(buf), MSG_DONTWAIT);
		if (n <= 0)
			continue;
		for (size_t len = (size_t)n; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
			if (h->nlmsg_len < NLMSG_LENGTH(sizeof(cn) + sizeof(ev)))
				continue;
			memcpy(&cn, NLMSG_DATA(h), sizeof(cn));
			memcpy(&ev, (const unsigned char *)NLMSG_DATA(h) + sizeof(cn), sizeof(ev));
			if (ev.what == PROC_EVENT_NONE && cn.ack == t->cn_ack + 1)
				return -(int)ev.event_data.ack.err;
			cn_message(t, h);
		}
	}
	/* no answer: another pid or user namespace (the kernel ignores us there) */
	return -EOPNOTSUPP;
}

/*
 * Subscribe to every event type (the form whose acknowledgement comes
 * back to us), then narrow it to fork and exit (Linux 6.6; older kernels
 * ignore the second message and send everything).
 */
static int cn_open(struct proctab *t)
{
	uint32_t op = PROC_CN_MCAST_LISTEN;
	struct cn_input in = { PROC_CN_MCAST_LISTEN, PROC_EVENT_FORK | PROC_EVENT_EXIT };
	int r;

	t->cn = nl_socket(NETLINK_CONNECTOR, CN_IDX_PROC);
	if (t->cn < 0)
		return t->cn;
	t->cn_ack = (uint32_t)getpid() << 8;
	t->st.connector_since = t->cn_start = lf_now_ns();
	r = cn_send(t, &op, sizeof(op));
	if (r == 0)
		r = cn_wait_ack(t);
	if (r == 0) {
		t->cn_ack++;
		r = cn_send(t, &in, sizeof(in));
	}
	return r;
}

static void cn_close(struct proctab *t)
{
	uint32_t op = PROC_CN_MCAST_IGNORE;

	if (t->cn < 0)
		return;
	(void)cn_send(t, &op, sizeof(op));
	close(t->cn);
	t->cn = -1;
}

/* One generic netlink request and its answer (an error or the reply). */
static int genl_request(struct proctab *t, uint16_t type, uint8_t cmd, uint16_t attr,
			const char *str, unsigned char *reply, size_t size)
{
	struct {
		struct nlmsghdr n;
		struct genlmsghdr g;
		unsigned char attrs[256];
	} m;
	struct nlattr a = { .nla_len = (uint16_t)(NLA_HDRLEN + strlen(str) + 1), .nla_type = attr };
	struct pollfd p = { .fd = t->ts, .events = POLLIN };
	uint64_t deadline = lf_now_ns() + ACK_WAIT_MS * 1000000ull, now;
	ssize_t n;

	if (a.nla_len > sizeof(m.attrs))
		return -EINVAL;
	memset(&m, 0, sizeof(m));
	m.n.nlmsg_type = type;
	m.n.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	m.n.nlmsg_seq = ++t->cn_ack;
	m.g.cmd = cmd;
	m.g.version = 1;
	memcpy(m.attrs, &a, sizeof(a));
	memcpy(m.attrs + NLA_HDRLEN, str, strlen(str) + 1);
	m.n.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN) + NLA_ALIGN(a.nla_len);
	if (send(t->ts, &m, m.n.nlmsg_len, 0) < 0)
		return -errno;
	while ((now = lf_now_ns()) < deadline &&
	       poll(&p, 1, (int)((deadline - now) / 1000000 + 1)) > 0) {
		n = recv(t->ts, reply, size, MSG_DONTWAIT);
		if (n <= 0)
			continue;
		for (struct nlmsghdr *h = (struct nlmsghdr *)reply; NLMSG_OK(h, (size_t)n);
		     h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != m.n.nlmsg_seq)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr e;

				memcpy(&e, NLMSG_DATA(h), sizeof(e));
				return e.error;	/* 0 for the acknowledgement */
			}
			if (reply != (unsigned char *)h)
				memmove(reply, h, h->nlmsg_len);
			return (int)h->nlmsg_len;
		}
	}
	return -ETIMEDOUT;
}

static int ts_family(struct proctab *t)
{
	unsigned char reply[4096] __attribute__((aligned(8)));
	const unsigned char *p, *d;
	size_t left, dl;
	uint16_t type;
	int n = genl_request(t, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, CTRL_ATTR_FAMILY_NAME,
			     TASKSTATS_GENL_NAME, reply, sizeof(reply));
	const struct nlmsghdr *h = (const struct nlmsghdr *)reply;

	if (n < 0)
		return n == -ENOENT ? -EOPNOTSUPP : n;	/* no CONFIG_TASKSTATS */
	if (n == 0 || h->nlmsg_len < NLMSG_LENGTH(GENL_HDRLEN))
		return -EPROTO;
	p = (const unsigned char *)NLMSG_DATA(h) + GENL_HDRLEN;
	left = h->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
	while (attr_next(&p, &left, &type, &d, &dl))
		if (type == CTRL_ATTR_FAMILY_ID && dl >= 2) {
			memcpy(&t->ts_family, d, 2);
			return 0;
		}
	return -EPROTO;
}

static void possible_cpus(char *buf, size_t size)
{
	int fd = open("/sys/devices/system/cpu/possible", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, size - 1);

	if (fd >= 0)
		close(fd);
	if (n <= 0) {
		long cpus = sysconf(_SC_NPROCESSORS_CONF);

		snprintf(buf, size, "0-%ld", cpus > 0 ? cpus - 1 : 0);
		return;
	}
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
}

static int ts_open(struct proctab *t)
{
	unsigned char reply[512] __attribute__((aligned(8)));
	char cpus[256];
	int r;

	t->ts = nl_socket(NETLINK_GENERIC, 0);
	if (t->ts < 0)
		return t->ts;
	r = ts_family(t);
	if (r < 0)
		return r;
	possible_cpus(cpus, sizeof(cpus));
	r = genl_request(t, t->ts_family, TASKSTATS_CMD_GET, TASKSTATS_CMD_ATTR_REGISTER_CPUMASK,
			 cpus, reply, sizeof(reply));
	/* outside the initial pid or user namespace taskstats says EINVAL */
	return r == -EINVAL ? -EOPNOTSUPP : r < 0 ? r : 0;
}

/* One descriptor for the caller to poll: readable when either socket is. */
static int ep_open(struct proctab *t)
{
	struct epoll_event ev = { .events = EPOLLIN };

	t->ep = epoll_create1(EPOLL_CLOEXEC);
	if (t->ep < 0)
		return -errno;
	if (epoll_ctl(t->ep, EPOLL_CTL_ADD, t->ts, &ev) < 0 ||
	    (t->cn >= 0 && epoll_ctl(t->ep, EPOLL_CTL_ADD, t->cn, &ev) < 0))
		return -errno;
	return 0;
}

int lf_proctab_new(struct proctab **ret)
{
	struct proctab *t = calloc(1, sizeof(*t));
	int r, i;

	if (!t)
		return -ENOMEM;
	t->cn = t->ts = t->ep = -1;
	t->cn_ring = calloc(CN_RING, sizeof(*t->cn_ring));
	t->ts_ring = calloc(TS_RING, sizeof(*t->ts_ring));
	t->slots = calloc(HASH_SLOTS, sizeof(*t->slots));
	t->bufs = calloc(BATCH, MSG_MAX);
	t->q = calloc(QUARANTINE_MAX, sizeof(*t->q));
	if (!t->cn_ring || !t->ts_ring || !t->slots || !t->bufs || !t->q) {
		lf_proctab_free(t);
		return -ENOMEM;
	}
	/* recvmmsg() writes only msg_len (no names, no control data) */
	for (i = 0; i < BATCH; i++) {
		t->iov[i] = (struct iovec){ t->bufs[i], MSG_MAX };
		t->msgs[i] = (struct mmsghdr){ .msg_hdr = { .msg_iov = &t->iov[i], .msg_iovlen = 1 } };
	}
	r = ts_open(t);
	if (r < 0) {
		lf_proctab_free(t);
		return r;
	}
	/* records are the answer; the connector only narrows the windows */
	if (cn_open(t) < 0)
		cn_close(t);
	r = ep_open(t);
	if (r < 0) {
		lf_proctab_free(t);
		return r;
	}
	quarantine_start(t);
	*ret = t;
	return 0;
}

void lf_proctab_free(struct proctab *t)
{
	if (!t)
		return;
	cn_close(t);
	if (t->ts >= 0)
		close(t->ts);	/* the kernel drops the listener at its next record */
	if (t->ep >= 0)
		close(t->ep);
	free(t->cn_ring);
	free(t->ts_ring);
	free(t->slots);
	free(t->bufs);
	free(t->q);
	free(t);
}
