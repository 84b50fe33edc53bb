// SPDX-License-Identifier: MIT
/*
 * raw_reader: the baseline listener of the benchmarks.  Plain fanotify
 * syscalls, no libfanotify, no path resolution, no output per event: the
 * least a listener can do with the events fanwatch asks for.
 *
 *   raw_reader [--fd-mode] [--no-pidfd] [--pause-us N] [--close-range] [-r] [-m MASK] [-b BUFSIZE] [-t SECONDS] PATH...
 *
 * FID mode (default), the group fanwatch uses for a directory workload:
 *   fanotify_init(FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_REPORT_DFID_NAME |
 *                 FAN_REPORT_FID | FAN_REPORT_PIDFD, O_RDONLY | O_LARGEFILE)
 *   an inode mark with FAN_EVENT_ON_CHILD on every PATH (with -r, also on
 *   every directory below it), mask create,delete,modify,close_write,open;
 *   every pidfd the kernel puts in an event is closed.
 * --no-pidfd: the FID group without FAN_REPORT_PIDFD (what pidfds cost).
 * --pause-us N: after a read, when events came within 2 ms of the previous
 *   ones, sleep N us before reading again (fanwatch batches this way).
 * --close-range: close a buffer's descriptors in runs of consecutive numbers
 *   with one close_range() each, as libfanotify does, instead of one close()
 *   per descriptor.
 * --fd-mode: FAN_CLASS_NOTIF without FID reporting, one mount mark on the
 *   first PATH (mask modify,close_write,open: create/delete need FID), and
 *   every event fd closed.
 *
 * It prints "raw_reader: ready ..." on stderr once the marks are in place,
 * and on SIGINT/SIGTERM/timeout one key=value line on stdout:
 *   raw_reader: records=R create=.. modify=.. close_write=.. delete=.. open=..
 *               overflows=O reads=N
 * Each record counts once per type bit in its mask: the kernel merges a
 * file's create, modify, close_write and delete into one record when they
 * are still queued together.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <fanotify/compat.h>	/* constants only: FAN_REPORT_PIDFD and friends on 6.1 headers */

#define DEFAULT_MASK (FAN_CREATE | FAN_DELETE | FAN_MODIFY | FAN_CLOSE_WRITE | FAN_OPEN)

struct config {
	bool fd_mode;
	bool recursive;
	bool no_pidfd;
	bool close_range;	/* runs of descriptors, one close_range() each */
	unsigned int pause_us;	/* 0: read again at once */
	uint64_t mask;
	size_t buf_size;
	unsigned int timeout;
};

struct counts {
	uint64_t records, reads, overflows;
	uint64_t bit[64];
};

static const struct {
	const char *name;
	uint64_t bit;
} names[] = {
	{ "create", FAN_CREATE }, { "modify", FAN_MODIFY }, { "close_write", FAN_CLOSE_WRITE },
	{ "delete", FAN_DELETE }, { "open", FAN_OPEN }, { "access", FAN_ACCESS },
	{ "close_nowrite", FAN_CLOSE_NOWRITE }, { "attrib", FAN_ATTRIB },
	{ "moved_from", FAN_MOVED_FROM }, { "moved_to", FAN_MOVED_TO },
	{ "delete_self", FAN_DELETE_SELF }, { "move_self", FAN_MOVE_SELF },
};
#define NNAMES (sizeof(names) / sizeof(names[0]))

static volatile sig_atomic_t stop;
/* --close-range: the run of descriptors waiting to be closed (empty: lo > hi) */
static bool use_close_range;
static int run_lo = 1, run_hi;
static int group_fd = -1;
static unsigned int marks;
static uint64_t mark_mask;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(int status)
{
	fprintf(status ? stderr : stdout,
		"usage: raw_reader [--fd-mode] [--no-pidfd] [--pause-us N] [--close-range] [-r] [-m LIST] [-b BUFSIZE] [-t SECONDS] PATH...\n"
		"LIST: comma-separated create,delete,modify,close_write,open,access,close_nowrite,...\n");
	exit(status);
}

static uint64_t parse_mask(char *list)
{
	uint64_t mask = 0;
	char *tok, *save = NULL;
	size_t i;

	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < NNAMES && strcmp(names[i].name, tok); i++)
			;
		if (i == NNAMES) {
			fprintf(stderr, "raw_reader: unknown event %s\n", tok);
			exit(2);
		}
		mask |= names[i].bit;
	}
	return mask;
}

static int parse_args(int argc, char **argv, struct config *c)
{
	static const struct option opts[] = {
		{ "fd-mode", no_argument, NULL, 'F' },
		{ "no-pidfd", no_argument, NULL, 'N' },
		{ "pause-us", required_argument, NULL, 'P' },
		{ "close-range", no_argument, NULL, 'C' },
		{ "recursive", no_argument, NULL, 'r' },
		{ "mask", required_argument, NULL, 'm' },
		{ "buffer", required_argument, NULL, 'b' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int o;

	*c = (struct config){ .mask = 0, .buf_size = 1 << 20 };
	while ((o = getopt_long(argc, argv, "rm:b:t:h", opts, NULL)) != -1) {
		switch (o) {
		case 'F': c->fd_mode = true; break;
		case 'N': c->no_pidfd = true; break;
		case 'P': c->pause_us = (unsigned int)strtoul(optarg, NULL, 10); break;
		case 'C': c->close_range = true; break;
		case 'r': c->recursive = true; break;
		case 'm': c->mask = parse_mask(optarg); break;
		case 'b': c->buf_size = strtoul(optarg, NULL, 0); break;
		case 't': c->timeout = (unsigned int)strtoul(optarg, NULL, 10); break;
		case 'h': usage(0); break;
		default: usage(2);
		}
	}
	if (optind >= argc || c->buf_size < 4096)
		usage(2);
	if (!c->mask)
		c->mask = c->fd_mode ? (FAN_MODIFY | FAN_CLOSE_WRITE | FAN_OPEN) : DEFAULT_MASK;
	return optind;
}

static void mark(unsigned int flags, uint64_t mask, const char *path)
{
	if (fanotify_mark(group_fd, FAN_MARK_ADD | flags, mask, AT_FDCWD, path) < 0) {
		fprintf(stderr, "raw_reader: fanotify_mark %s: %s\n", path, strerror(errno));
		exit(1);
	}
	marks++;
}

static int mark_dir(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type == FTW_D)
		mark(FAN_MARK_ONLYDIR, mark_mask | FAN_EVENT_ON_CHILD, path);
	return 0;
}

static void setup(const struct config *c, char **paths, int npaths)
{
	unsigned int init = c->fd_mode ? FAN_CLASS_NOTIF | FAN_CLOEXEC
				       : FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_REPORT_DFID_NAME |
						 FAN_REPORT_FID | FAN_REPORT_PIDFD;
	int i;

	if (c->no_pidfd)
		init &= ~FAN_REPORT_PIDFD;
	group_fd = fanotify_init(init, O_RDONLY | O_LARGEFILE);
	if (group_fd < 0) {
		fprintf(stderr, "raw_reader: fanotify_init(0x%x): %s\n", init, strerror(errno));
		exit(1);
	}
	mark_mask = c->mask;
	if (c->fd_mode) {
		mark(FAN_MARK_MOUNT, c->mask, paths[0]);
		return;
	}
	for (i = 0; i < npaths; i++) {
		if (c->recursive)
			nftw(paths[i], mark_dir, 16, FTW_PHYS | FTW_MOUNT);
		else
			mark(0, c->mask | FAN_EVENT_ON_CHILD, paths[i]);
	}
}

static void run_flush(void)
{
	if (run_lo <= run_hi)
		syscall(SYS_close_range, (unsigned int)run_lo, (unsigned int)run_hi, 0);
	run_lo = 1;
	run_hi = 0;
}

/* close(fd), or with --close-range add it to the run (flushed at the end of a buffer). */
static void close_fd(int fd)
{
	if (!use_close_range) {
		close(fd);
		return;
	}
	if (run_lo <= run_hi && fd == run_hi + 1) {
		run_hi = fd;
		return;
	}
	run_flush();
	run_lo = run_hi = fd;
}

/* Close the pidfd of a FID-mode event: walk its info records by length. */
static void close_pidfd(const unsigned char *ev, uint32_t len, uint16_t md_len)
{
	struct fanotify_event_info_header h;
	uint32_t off = md_len;
	int32_t pidfd;

	while (off + sizeof(h) <= len) {
		memcpy(&h, ev + off, sizeof(h));
		if (h.len < sizeof(h))
			return;
		if (h.info_type == FAN_EVENT_INFO_TYPE_PIDFD && h.len >= sizeof(h) + 4) {
			memcpy(&pidfd, ev + off + sizeof(h), sizeof(pidfd));
			if (pidfd >= 0)
				close_fd(pidfd);
		}
		off += h.len;
	}
}

static void count_event(struct counts *n, const struct fanotify_event_metadata *md,
			const unsigned char *ev)
{
	uint64_t m = md->mask;

	n->records++;
	if (m & FAN_Q_OVERFLOW)
		n->overflows++;
	while (m) {
		n->bit[__builtin_ctzll(m)]++;
		m &= m - 1;
	}
	if (md->fd >= 0)
		close_fd(md->fd);
	if (md->metadata_len < md->event_len)
		close_pidfd(ev, md->event_len, md->metadata_len);
}

/* Walk one buffer by event_len; metadata copied out since records are only 4-byte aligned. */
static void count_buffer(struct counts *n, const unsigned char *buf, size_t len)
{
	struct fanotify_event_metadata md;
	size_t off = 0;

	while (off + sizeof(md) <= len) {
		memcpy(&md, buf + off, sizeof(md));
		if (md.event_len < sizeof(md) || off + md.event_len > len) {
			fprintf(stderr, "raw_reader: malformed event at %zu\n", off);
			exit(1);
		}
		count_event(n, &md, buf + off);
		off += md.event_len;
	}
	run_flush();
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * --pause-us: fanwatch's batching, for a like-for-like baseline.  When
 * events come again within 2 ms of the previous ones, sleep pause_us after a
 * read so the next read finds a larger batch.
 */
static void maybe_pause(const struct config *c, double *last)
{
	struct timespec ts = { .tv_nsec = (long)c->pause_us * 1000 };
	double t = now();
	bool busy = t - *last < 0.002;

	*last = t;
	if (busy)
		nanosleep(&ts, NULL);
}

static void read_loop(const struct config *c, struct counts *n)
{
	unsigned char *buf = aligned_alloc(8, c->buf_size);
	double last = 0;
	ssize_t len;

	if (!buf)
		exit(1);
	while (!stop) {
		len = read(group_fd, buf, c->buf_size);
		if (len < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "raw_reader: read: %s\n", strerror(errno));
			exit(1);
		}
		n->reads++;
		count_buffer(n, buf, (size_t)len);
		if (c->pause_us)
			maybe_pause(c, &last);
	}
	free(buf);
}

static void print_counts(const struct counts *n)
{
	size_t i;

	printf("raw_reader: records=%llu", (unsigned long long)n->records);
	for (i = 0; i < NNAMES; i++)
		if (i < 5 || n->bit[__builtin_ctzll(names[i].bit)])
			printf(" %s=%llu", names[i].name,
			       (unsigned long long)n->bit[__builtin_ctzll(names[i].bit)]);
	printf(" overflows=%llu reads=%llu\n", (unsigned long long)n->overflows,
	       (unsigned long long)n->reads);
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };	/* no SA_RESTART: read() returns EINTR */
	struct config c;
	struct counts n = { 0 };
	int first = parse_args(argc, argv, &c);

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
	use_close_range = c.close_range;
	setup(&c, argv + first, argc - first);
	fprintf(stderr, "raw_reader: ready (%s mode, %u marks, mask 0x%llx)\n",
		c.fd_mode ? "fd" : "fid", marks, (unsigned long long)c.mask);
	if (c.timeout)
		alarm(c.timeout);
	read_loop(&c, &n);
	print_counts(&n);
	close(group_fd);
	return 0;
}
