// SPDX-License-Identifier: MIT
/*
 * The process tree of "-- COMMAND": which pids are the command or its
 * descendants.  The kernel's proc connector (netlink, CN_IDX_PROC) reports
 * every fork as it happens, before the child runs, so draining it after a
 * fanotify batch was read knows every process that can appear in that
 * batch, even one that has already exited.  Needs CAP_NET_ADMIN to
 * subscribe; without it (or after the socket lost messages) the tree is
 * completed by walking /proc/PID/status PPid chains, which misses
 * processes that exited before their events were read.
 *
 * A pid stays in the set after its process exits (its events may still be
 * queued) until a fork outside the tree reuses the pid.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <poll.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fanwatch.h"

/* Linux 6.6: subscribe with an event filter (struct proc_input). */
struct fw_proc_input {
	uint32_t mcast_op;
	uint32_t event_type;
};

struct fw_proctree {
	int sock;
	pid_t root, self;
	size_t npids;
	unsigned char *in;		/* bitmap: in the tree */
	unsigned char *checked;		/* bitmap: found not in the tree this batch (fallback) */
	bool lossy;
	uint32_t seq;
};

static size_t read_pid_max(void)
{
	FILE *f = fopen("/proc/sys/kernel/pid_max", "re");
	unsigned long v = 4194304;

	if (f) {
		if (fscanf(f, "%lu", &v) != 1)
			v = 4194304;
		fclose(f);
	}
	return v > 4194304 ? 4194304 + 1 : v + 1;
}

static bool bit_get(const unsigned char *b, size_t n, pid_t pid)
{
	return pid > 0 && (size_t)pid < n && (b[pid >> 3] & (1u << (pid & 7)));
}

static void bit_set(unsigned char *b, size_t n, pid_t pid, bool on)
{
	if (pid <= 0 || (size_t)pid >= n)
		return;
	if (on)
		b[pid >> 3] |= (unsigned char)(1u << (pid & 7));
	else
		b[pid >> 3] &= (unsigned char)~(1u << (pid & 7));
}

static int cn_send(struct fw_proctree *t, const void *data, uint16_t len)
{
	struct {
		struct nlmsghdr nl;
		struct cn_msg cn;
		unsigned char data[8];
	} m = { 0 };

	m.nl.nlmsg_len = (uint32_t)NLMSG_LENGTH(sizeof(m.cn) + len);
	m.nl.nlmsg_type = NLMSG_DONE;
	m.cn.id.idx = CN_IDX_PROC;
	m.cn.id.val = CN_VAL_PROC;
	m.cn.seq = ++t->seq;
	m.cn.ack = t->self;
	m.cn.len = len;
	memcpy(m.data, data, len);
	return send(t->sock, &m, m.nl.nlmsg_len, 0) < 0 ? -errno : 0;
}

/*
 * The connector's data follows a 20-byte header: not aligned for struct
 * proc_event (it holds a u64), so it is copied out before it is read.
 */
static bool proc_event_at(const struct nlmsghdr *h, size_t n, struct cn_msg *cn,
			  struct proc_event *ev)
{
	size_t need = sizeof(*ev) - sizeof(ev->event_data) + sizeof(ev->event_data.fork);

	if (h->nlmsg_type == NLMSG_ERROR || h->nlmsg_len < NLMSG_LENGTH(sizeof(*cn)) || n < h->nlmsg_len)
		return false;
	memcpy(cn, NLMSG_DATA(h), sizeof(*cn));
	if (cn->id.idx != CN_IDX_PROC || cn->len < need ||
	    h->nlmsg_len < NLMSG_LENGTH(sizeof(*cn) + need))
		return false;
	memset(ev, 0, sizeof(*ev));
	memcpy(ev, (const char *)NLMSG_DATA(h) + sizeof(*cn),
	       cn->len < sizeof(*ev) ? cn->len : sizeof(*ev));
	return true;
}

static long ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/*
 * Our subscription's acknowledgement: 0, -errno, or -ETIMEDOUT (old kernel:
 * no ack).  The socket also gets every fork of the system while another
 * listener is subscribed, so the wait has one deadline, not one per message.
 */
static int wait_ack(struct fw_proctree *t)
{
	char buf[4096] __attribute__((aligned(8)));
	struct pollfd p = { .fd = t->sock, .events = POLLIN };
	long deadline = ms_now() + 300, left;
	struct proc_event ev;
	struct cn_msg cn;
	ssize_t n;

	while ((left = deadline - ms_now()) > 0 && poll(&p, 1, (int)left) > 0) {
		struct nlmsghdr *h = (struct nlmsghdr *)buf;

		n = recv(t->sock, buf, sizeof(buf), MSG_DONTWAIT);
		if (n <= 0)
			continue;
		for (; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
			if (proc_event_at(h, (size_t)n, &cn, &ev) && ev.what == PROC_EVENT_NONE &&
			    cn.seq == t->seq && cn.ack == (uint32_t)t->self + 1)
				return -(int)ev.event_data.ack.err;
		}
	}
	return -ETIMEDOUT;
}

static int subscribe(struct fw_proctree *t)
{
	struct fw_proc_input in = { .mcast_op = PROC_CN_MCAST_LISTEN, .event_type = PROC_EVENT_FORK };
	uint32_t op = PROC_CN_MCAST_LISTEN;
	int r = cn_send(t, &in, sizeof(in));

	if (r == 0)
		r = wait_ack(t);
	if (r == -ETIMEDOUT) {
		/* before 6.6: the plain form, every event type, and no reliable ack */
		r = cn_send(t, &op, sizeof(op));
	}
	return r;
}

static int open_connector(struct fw_proctree *t)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = CN_IDX_PROC };
	int size = 8 << 20;

	t->sock = socket(PF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_CONNECTOR);
	if (t->sock < 0)
		return -errno;
	/* a fork storm must not overflow it: FORCE needs CAP_NET_ADMIN, which we have here */
	if (setsockopt(t->sock, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		(void)setsockopt(t->sock, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (bind(t->sock, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	return subscribe(t);
}

struct fw_proctree *fw_proctree_new(void)
{
	struct fw_proctree *t = calloc(1, sizeof(*t));
	int r;

	if (!t)
		fw_fatal(FW_EXIT_RUNTIME, "out of memory");
	t->self = getpid();
	t->npids = read_pid_max();
	t->in = calloc(t->npids / 8 + 1, 1);
	t->checked = calloc(t->npids / 8 + 1, 1);
	if (!t->in || !t->checked)
		fw_fatal(FW_EXIT_RUNTIME, "out of memory");
	r = open_connector(t);
	if (r < 0) {
		if (t->sock >= 0)
			close(t->sock);
		t->sock = -1;
		t->lossy = true;
		fw_warn("cannot follow forks through the proc connector (%s%s); falling back to "
			"/proc: processes that exit before their events are read may be missed",
			strerror(-r), r == -EPERM ? ": needs CAP_NET_ADMIN" : "");
	}
	return t;
}

void fw_proctree_set_root(struct fw_proctree *t, pid_t root)
{
	t->root = root;
	bit_set(t->in, t->npids, root, true);
}

int fw_proctree_fd(const struct fw_proctree *t)
{
	return t->sock;
}

static void on_fork(struct fw_proctree *t, const struct proc_event *ev)
{
	pid_t parent = ev->event_data.fork.parent_tgid;
	pid_t child = ev->event_data.fork.child_tgid;

	if (ev->event_data.fork.child_pid != child || child == t->root)
		return;		/* a new thread, or our own command */
	/* our only children are the command (CLONE_PARENT can make more) */
	if (parent == t->self || bit_get(t->in, t->npids, parent))
		bit_set(t->in, t->npids, child, true);
	else
		bit_set(t->in, t->npids, child, false);	/* pid reused outside the tree */
}

static void read_messages(struct fw_proctree *t, const char *buf, size_t n)
{
	const struct nlmsghdr *h = (const struct nlmsghdr *)buf;
	struct proc_event ev;
	struct cn_msg cn;

	for (; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n))
		if (proc_event_at(h, n, &cn, &ev) && ev.what == PROC_EVENT_FORK)
			on_fork(t, &ev);
}

void fw_proctree_drain(struct fw_proctree *t)
{
	char buf[65536] __attribute__((aligned(8)));
	ssize_t n;

	if (t->lossy)
		memset(t->checked, 0, t->npids / 8 + 1);
	if (t->sock < 0)
		return;
	for (;;) {
		n = recv(t->sock, buf, sizeof(buf), MSG_DONTWAIT);
		if (n > 0) {
			read_messages(t, buf, (size_t)n);
		} else if (n < 0 && errno == ENOBUFS) {
			if (!t->lossy)
				fw_warn("proc connector overflowed: some forks were missed, "
					"completing the process tree from /proc");
			t->lossy = true;
		} else if (n < 0 && errno == EINTR) {
			continue;
		} else {
			break;
		}
	}
}

static pid_t parent_of(pid_t pid)
{
	char path[40], buf[1024], *l;
	ssize_t n;
	int fd, ppid = -1;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	l = strstr(buf, "\nPPid:");
	if (!l || sscanf(l + 6, "%d", &ppid) != 1)
		return -1;
	return ppid;
}

/* Fallback: climb the PPid chain while the processes still exist. */
static bool walk_up(struct fw_proctree *t, pid_t pid)
{
	pid_t p = pid;
	int depth;

	for (depth = 0; depth < 128 && p > 1; depth++) {
		if (bit_get(t->in, t->npids, p) || p == t->root)
			break;
		if (bit_get(t->checked, t->npids, p))
			return false;
		p = parent_of(p);
	}
	if (p <= 1 || depth == 128) {
		bit_set(t->checked, t->npids, pid, true);
		return false;
	}
	bit_set(t->in, t->npids, pid, true);
	return true;
}

bool fw_proctree_contains(struct fw_proctree *t, pid_t pid)
{
	if (pid <= 0)
		return false;
	if (bit_get(t->in, t->npids, pid))
		return true;
	return t->lossy && walk_up(t, pid);
}

void fw_proctree_free(struct fw_proctree *t)
{
	if (!t)
		return;
	if (t->sock >= 0)
		close(t->sock);
	free(t->in);
	free(t->checked);
	free(t);
}
