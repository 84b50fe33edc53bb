// SPDX-License-Identifier: MIT
/*
 * Batches: read, validate, hand out, finish.  Finishing is what makes the
 * library safe by construction: every permission event not answered gets
 * the default verdict, then every descriptor not taken is closed, exactly
 * once, answer first.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

static void stat_add(uint64_t *counter, uint64_t n)
{
	__atomic_add_fetch(counter, n, __ATOMIC_RELAXED);
}

/*
 * Descriptors to close, gathered into runs of consecutive numbers: the
 * kernel gives a batch the lowest free numbers, so its event fds and pidfds
 * are usually one run, closed with one close_range() instead of a close()
 * per descriptor.  Only descriptors the batch owns ever join a run.
 */
struct fd_run {
	int lo, hi;		/* empty when lo > hi */
};

static void run_flush(struct fd_run *run)
{
	if (run->lo <= run->hi)
		lf_sys_close_range(run->lo, run->hi);
	run->lo = 1;
	run->hi = 0;
}

/* Close fd now (run NULL) or as part of a run. */
static void run_add(struct fd_run *run, int fd)
{
	if (fd < 0)
		return;
	if (!run) {
		lf_sys_close(fd);
		return;
	}
	if (run->lo <= run->hi && fd == run->hi + 1) {
		run->hi = fd;
		return;
	}
	run_flush(run);
	run->lo = run->hi = fd;
}

/*
 * Which offsets of the batch are events: a bit per byte offset, set when
 * the batch is scanned, cleared when it is finished.  A call given an event
 * checks it against this (and the batch's bounds), so an event of another
 * group, one kept from an earlier batch in another buffer, or a pointer
 * into the middle of an event is refused, not taken for what lies there.
 */
static size_t batch_off(const struct fan_group *g, const struct fan_event *ev)
{
	return (size_t)((uintptr_t)ev - (uintptr_t)g->batch);
}

static void start_set(struct fan_group *g, size_t off, bool on)
{
	unsigned char bit = (unsigned char)(1u << (off & 7));

	if (on)
		g->starts[off >> 3] |= bit;
	else
		g->starts[off >> 3] &= (unsigned char)~bit;
}

/* Room in the bitmap for a batch of up to len bytes. */
static int starts_reserve(struct fan_group *g, size_t len)
{
	size_t need = len / 8 + 1;
	unsigned char *s;

	if (need <= g->starts_size)
		return 0;
	s = realloc(g->starts, need);
	if (!s)
		return -ENOMEM;
	memset(s + g->starts_size, 0, need - g->starts_size);
	g->starts = s;
	g->starts_size = need;
	return 0;
}

static void finish(struct fan_group *g, struct fan_event *ev, struct fd_run *run)
{
	uint8_t st = rd8(ev, MD_RESERVED);
	const unsigned char *rec;
	int fd = fan_event_fd(ev);

	if (st & ST_DEFERRED)
		return;		/* its descriptors belong to a fan_perm now */
	if (fan_event_needs_answer(ev)) {
		if (lf_sys_respond(g->fd, fd, g->default_response, NULL) < 0)
			stat_add(&g->stats.answer_errors, 1);
		else
			stat_add(&g->stats.default_answers, 1);
		wr8(ev, MD_RESERVED, st |= ST_ANSWERED);
	}
	if (fd >= 0 && !(st & ST_FD_TAKEN)) {
		run_add(run, fd);
		wr8(ev, MD_RESERVED, st | ST_FD_TAKEN);
	}
	rec = lf_event_find_pidfd_rec(ev);
	if (rec && !(rd8(rec, INFO_PAD) & ST_PIDFD_TAKEN)) {
		run_add(run, (int32_t)rd32(rec, PIDFD_FD));
		wr8((void *)rec, INFO_PAD, rd8(rec, INFO_PAD) | ST_PIDFD_TAKEN);
	}
}

void lf_event_finish(struct fan_group *g, struct fan_event *ev)
{
	finish(g, ev, NULL);
}

/* Every answer is written before any descriptor of the batch is closed. */
void lf_batch_release(struct fan_group *g)
{
	struct fd_run run = { 1, 0 };
	struct fan_event *ev;

	for (ev = fan_buffer_first(g->batch, g->batch_len); ev;
	     ev = fan_buffer_next(g->batch, g->batch_len, ev)) {
		finish(g, ev, &run);
		start_set(g, batch_off(g, ev), false);
	}
	run_flush(&run);
	lf_mounts_release(g);
	g->batch = NULL;
	g->batch_len = 0;
}

LF_EXPORT void fan_group_release(struct fan_group *g)
{
	if (g)
		lf_batch_release(g);
}

/* Is this pid (a tid with FAN_REPORT_TID) one of our own threads? */
static bool is_self(const struct fan_group *g, pid_t pid)
{
	char path[48];

	if (pid == g->self)
		return true;
	if (pid <= 0 || !(g->init_flags & FAN_REPORT_TID))
		return false;
	snprintf(path, sizeof(path), "/proc/self/task/%d", (int)pid);
	return access(path, F_OK) == 0;
}

/*
 * Events SKIP_SELF never hides: a watched object's end and a filesystem's
 * error are news about what is watched, not echoes of our own actions.  A
 * deleted directory is freed, and its DELETE_SELF sent, in the context of
 * whoever drops the last reference: our closing of an event's descriptor
 * for a file that was in it is enough.
 */
#define NEVER_HIDDEN (FAN_DELETE_SELF | FAN_FS_ERROR)

/* Our own event: answer it at once (allow), and maybe hide it.  Visible? */
static bool handle_self(struct fan_group *g, struct fan_event *ev)
{
	uint8_t st = rd8(ev, MD_RESERVED);

	if (fan_event_needs_answer(ev) &&
	    lf_sys_respond(g->fd, fan_event_fd(ev), FAN_ALLOW, NULL) == 0) {
		st |= ST_ANSWERED;
		g->stats.self_answers++;
	}
	if ((g->flags & LIBFANOTIFY_SKIP_SELF) && !(fan_event_mask(ev) & NEVER_HIDDEN))
		st |= ST_HIDDEN;
	wr8(ev, MD_RESERVED, st);
	return !(st & ST_HIDDEN);
}

/* Note a fresh, valid event: count it, and take care of our own. */
static bool classify(struct fan_group *g, struct fan_event *ev)
{
	g->stats.events++;
	if (fan_event_is_overflow(ev))
		g->stats.overflows++;
	if ((g->flags & LIBFANOTIFY_ANSWER_SELF) && is_self(g, fan_event_pid(ev)))
		return handle_self(g, ev);
	return true;
}

/*
 * One pass over what read() returned: validate each event and classify it.
 * The batch is the valid prefix; returns the number of visible events.
 */
static int scan(struct fan_group *g, unsigned char *buf, size_t len)
{
	size_t off = 0;
	int visible = 0;

	while (off < len && lf_parse_event_ok(buf + off, len - off)) {
		start_set(g, off, true);
		visible += classify(g, (struct fan_event *)(buf + off));
		off += rd32(buf + off, MD_EVENT_LEN);
	}
	g->batch = buf;
	g->batch_len = off;
	return visible;
}

/* Descriptors the kernel creates per event read from this group. */
static unsigned int fds_per_event(const struct fan_group *g)
{
	unsigned int n = (g->init_flags & FAN_REPORT_PIDFD) ? 1 : 0;

	return n + ((g->init_flags & LF_FID_FLAGS) ? 0 : 1);
}

/*
 * The kernel drops an event it cannot give a descriptor (EMFILE), silently.
 * So never ask for more events than half the descriptor limit allows: the
 * other half is left to the application.  Events are at least
 * FAN_EVENT_METADATA_LEN bytes, which bounds the events a length can hold;
 * the length must still fit the largest single event (fd mode: metadata
 * and a pidfd record; FID records can take a few KiB).
 */
#define FD_LIMIT_EVERY 64

/* The soft descriptor limit, read again every FD_LIMIT_EVERY batches. */
static size_t fd_limit(struct fan_group *g)
{
	struct rlimit rl;

	if (!g->fd_limit || g->batch_seq % FD_LIMIT_EVERY == 0) {
		if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY ||
		    rl.rlim_cur > SIZE_MAX)
			g->fd_limit = SIZE_MAX;
		else
			g->fd_limit = (size_t)rl.rlim_cur;
	}
	return g->fd_limit;
}

static size_t read_len_for_fds(struct fan_group *g, size_t len)
{
	unsigned int per = fds_per_event(g);
	size_t events, floor = (g->init_flags & LF_FID_FLAGS) ? LIBFANOTIFY_MIN_BUF_SIZE
							       : FAN_EVENT_METADATA_LEN + PIDFD_MIN;

	if (!per)
		return len;
	events = fd_limit(g) / 2 / per;
	if (events > len / FAN_EVENT_METADATA_LEN)
		return len;
	events *= FAN_EVENT_METADATA_LEN;
	return events < floor ? floor : events;
}

uint64_t lf_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * Room for any event of Linux 6.18 (metadata, three file handle records
 * with names, pidfd, error, range and mount records are about 1.3 KiB).
 */
#define MAX_EVENT_LEN 4096

/*
 * Did a read that returned n of len bytes find the queue empty?  The
 * kernel stops copying when the queue is empty or the next event does not
 * fit; with room for any event left, it was empty.  Except in fd mode
 * without FAN_REPORT_FD_ERROR, where an event whose descriptor cannot be
 * made also ends the read (and is dropped): there only -EAGAIN says so.
 */
static bool read_saw_empty(const struct fan_group *g, ssize_t n, size_t len)
{
	if (n == -EAGAIN)
		return true;
	if (n < 0 || (!(g->init_flags & LF_FID_FLAGS) && !(g->init_flags & FAN_REPORT_FD_ERROR)))
		return false;
	return len - (size_t)n >= MAX_EVENT_LEN;
}

/*
 * The queue's last empty moment bounds when the events of the next batch
 * happened (the resolver's process table relies on it): the events of
 * this read all came after g->empty_ns as it was before the read.
 */
static void note_read(struct fan_group *g, ssize_t n, size_t len, uint64_t before)
{
	if (n >= 0) {
		g->win_after_ns = g->empty_ns;
		g->win_read_ns = lf_now_ns();
	}
	if (read_saw_empty(g, n, len))
		g->empty_ns = before;
}

bool lf_batch_window(const struct fan_group *g, const struct fan_event *ev, uint64_t *after,
		     uint64_t *read)
{
	const unsigned char *p = (const unsigned char *)ev;

	if (!g->batch || p < g->batch || p >= g->batch + g->batch_len || !g->win_after_ns)
		return false;
	*after = g->win_after_ns;
	*read = g->win_read_ns;
	return true;
}

void lf_group_note_empty(struct fan_group *g)
{
	uint64_t before = lf_now_ns();
	int queued = 0;

	if (g->fd >= 0 && ioctl(g->fd, FIONREAD, &queued) == 0 && queued == 0)
		g->empty_ns = before;
}

/*
 * The two halves of the group's buffer take turns, one batch each (see
 * fan_group_read()).
 */
static unsigned char *own_half(const struct fan_group *g)
{
	return g->own_buf + (g->own_half ? g->own_stride : 0);
}

LF_EXPORT int fan_group_read_buf(struct fan_group *g, void *buf, size_t len)
{
	uint64_t before;
	ssize_t n;
	size_t want;
	int count;

	if (!g || !buf || len < LIBFANOTIFY_MIN_BUF_SIZE || g->fd < 0)
		return -EINVAL;
	lf_batch_release(g);
	if (starts_reserve(g, len) < 0)
		return -ENOMEM;
	want = read_len_for_fds(g, len);
	before = lf_now_ns();
	n = lf_sys_read(g->fd, buf, want);
	note_read(g, n, want, before);
	if (n < 0)
		return (int)n;
	g->batch_seq++;
	g->stats.batches++;
	count = scan(g, buf, (size_t)n);
	if (g->batch_len && g->batch == own_half(g))
		g->own_half ^= 1u;
	if (g->batch_len != (size_t)n) {
		g->stats.malformed++;
		return -EBADMSG;
	}
	return count;
}

/*
 * The two halves of the group's buffer take turns, one batch each: an
 * event kept from the previous batch then lies outside the current one.
 * A read that brought no event leaves the turn where it was.
 */
LF_EXPORT int fan_group_read(struct fan_group *g)
{
	if (!g || !g->own_buf)
		return -EINVAL;
	return fan_group_read_buf(g, own_half(g), g->own_size);
}

static struct fan_event *skip_hidden(struct fan_group *g, struct fan_event *ev)
{
	while (ev && (rd8(ev, MD_RESERVED) & ST_HIDDEN))
		ev = fan_buffer_next(g->batch, g->batch_len, ev);
	return ev;
}

LF_EXPORT struct fan_event *fan_group_first_event(struct fan_group *g)
{
	if (!g)
		return NULL;
	return skip_hidden(g, fan_buffer_first(g->batch, g->batch_len));
}

LF_EXPORT struct fan_event *fan_group_next_event(struct fan_group *g, struct fan_event *ev)
{
	if (!g || !ev || !lf_batch_owns(g, ev))
		return NULL;
	return skip_hidden(g, fan_buffer_next(g->batch, g->batch_len, ev));
}
