// SPDX-License-Identifier: MIT
/*
 * The output sink: records are formatted into one buffer and handed, once
 * per batch (or every FLUSH_AT bytes), to a writer thread through a
 * bounded queue of chunks, so output costs no syscall per event and a
 * reader that stops reading (a full pipe) never blocks the loop that
 * marks new directories: when the queue is full, records are dropped,
 * counted, said on stderr and in the summary.  One clock read per batch:
 * both time strings are prepared here and copied into every record.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fanwatch.h"

#define OUT_BUF_SIZE (1u << 20)
#define FLUSH_AT (256u << 10)		/* hand records over once this much is formatted */
#define CHUNK_SIZE (256u << 10)
#define QUEUE_CHUNKS 64			/* at most 16 MiB waiting for a slow reader */
#define SPARE_CHUNKS 2			/* kept mapped for reuse */
#define STUCK_S 2			/* at exit: a reader taking nothing this long is given up */

#ifndef RESOLVE_NO_SYMLINKS
#define RESOLVE_NO_SYMLINKS 0x04	/* Linux 5.6 */
#endif

/* struct open_how of openat2(2), for headers older than Linux 5.6 */
struct fw_open_how {
	uint64_t flags;
	uint64_t mode;
	uint64_t resolve;
};

/* ---- opening -o FILE: never a hang, never someone else's file ---- */

/*
 * fanwatch usually runs as root and -o may name a place other users can
 * write to, so the file is opened with care:
 *   - without --follow-output-symlink no symbolic link is followed anywhere
 *     on the way (openat2(2) RESOLVE_NO_SYMLINKS; before Linux 5.6,
 *     O_NOFOLLOW on the last component only);
 *   - an existing FILE is first opened with O_PATH, which opens nothing
 *     (a FIFO would block the open until a reader comes, with SIGINT and
 *     SIGTERM already blocked; a device could act on being opened): it must
 *     be a regular file owned by the user fanwatch runs as, else it is
 *     refused.  Only then is it opened for writing, through the O_PATH
 *     descriptor (the same inode, whatever was renamed meanwhile), without
 *     blocking, truncated and set to mode 0600;
 *   - a new FILE is created with O_EXCL, and its mode set to 0600 whatever
 *     the umask.
 * A pipe or terminal as standard output is not opened here and stays fine.
 */
static int open_dir_of(const struct fw_opts *o, const char *dir)
{
	struct fw_open_how how = { .flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
				   .resolve = RESOLVE_NO_SYMLINKS };
	long fd;

	if (o->follow_output_symlink)
		return open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	fd = syscall(SYS_openat2, AT_FDCWD, dir, &how, sizeof(how));
	if (fd < 0 && errno == ENOSYS)
		fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	return (int)fd;
}

__attribute__((noreturn)) static void output_failed(const char *path, const char *why)
{
	fw_fatal(FW_EXIT_RUNTIME, "cannot open output file %s: %s", fw_qpath(path), why);
}

/*
 * Why an open failed, for the caller to report: at start it is fatal, on
 * SIGHUP (fw_out_reopen) a warning and the old file is kept (i16).
 */
struct open_err {
	char why[200];
};

static int fail_why(struct open_err *e, const char *why)
{
	snprintf(e->why, sizeof(e->why), "%s", why);
	return -1;
}

static int fail_errno(const struct fw_opts *o, struct open_err *e, int err)
{
	if (err == ELOOP && !o->follow_output_symlink)
		return fail_why(e, "it, or a directory on its path, is a symbolic link (use "
				"--follow-output-symlink to allow that)");
	return fail_why(e, strerror(err));
}

static const char *type_name(mode_t m)
{
	return S_ISFIFO(m) ? "a FIFO" : S_ISCHR(m) ? "a character device" :
	       S_ISBLK(m) ? "a block device" : S_ISDIR(m) ? "a directory" :
	       S_ISSOCK(m) ? "a socket" : "not a regular file";
}

/*
 * The existing file behind the O_PATH descriptor pfd, opened for writing:
 * truncated, or with append (--append, and every reopening on SIGHUP)
 * opened for appending.  fd, or -1 with e set.
 */
static int open_existing(const struct fw_opts *o, int pfd, bool append, struct open_err *e)
{
	char link[64], why[160];
	struct stat a, b;
	int fd;

	if (fstat(pfd, &a) < 0)
		return fail_errno(o, e, errno);
	if (S_ISLNK(a.st_mode) || S_ISDIR(a.st_mode))
		return fail_errno(o, e, S_ISLNK(a.st_mode) ? ELOOP : EISDIR);
	if (!S_ISREG(a.st_mode)) {
		snprintf(why, sizeof(why), "it is %s, not a regular file (write to standard output "
			 "and redirect that instead)", type_name(a.st_mode));
		return fail_why(e, why);
	}
	if (a.st_uid != geteuid()) {
		snprintf(why, sizeof(why), "it belongs to uid %u, not to uid %u that fanwatch runs "
			 "as (remove it or choose another name)", (unsigned)a.st_uid,
			 (unsigned)geteuid());
		return fail_why(e, why);
	}
	snprintf(link, sizeof(link), "/proc/thread-self/fd/%d", pfd);
	fd = open(link, O_WRONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | (append ? O_APPEND : 0));
	if (fd < 0)
		return fail_errno(o, e, errno);
	if (fstat(fd, &b) < 0 || b.st_dev != a.st_dev || b.st_ino != a.st_ino) {
		close(fd);
		return fail_why(e, "it changed while being opened");
	}
	if ((!append && ftruncate(fd, 0) < 0) || fchmod(fd, 0600) < 0) {
		int err = errno;

		close(fd);
		return fail_errno(o, e, err);
	}
	return fd;
}

/* -o FILE by the rules above; fd, or -1 with e set. */
static int open_output_at(const struct fw_opts *o, bool append, struct open_err *e)
{
	char *copy = strdup(o->output), *slash, *base;
	int dfd, pfd, fd = -1, tries, cflags = append ? O_APPEND : 0;

	if (!copy)
		fw_fatal(FW_EXIT_RUNTIME, "out of memory");
	slash = strrchr(copy, '/');
	base = slash ? slash + 1 : copy;
	if (!*base || !strcmp(base, ".") || !strcmp(base, "..")) {
		free(copy);
		return fail_why(e, "it names a directory, not a file");
	}
	if (slash)
		*slash = '\0';
	dfd = open_dir_of(o, !slash ? "." : slash == copy ? "/" : copy);
	if (dfd < 0) {
		free(copy);
		return fail_errno(o, e, errno);
	}
	for (tries = 0; fd < 0 && tries < 8; tries++) {
		pfd = openat(dfd, base, O_PATH | O_CLOEXEC | (o->follow_output_symlink ? 0 : O_NOFOLLOW));
		if (pfd >= 0) {
			fd = open_existing(o, pfd, append, e);
			close(pfd);
			goto out;
		}
		if (errno != ENOENT) {
			fail_errno(o, e, errno);
			goto out;
		}
		fd = openat(dfd, base, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW |
			    cflags, 0600);
		if (fd < 0 && errno != EEXIST) {
			fail_errno(o, e, errno);
			goto out;
		}
		if (fd >= 0 && fchmod(fd, 0600) < 0) {
			fail_errno(o, e, errno);
			close(fd);
			fd = -1;
			goto out;
		}
	}
	if (fd < 0)
		fail_why(e, "it keeps appearing and disappearing");
out:
	close(dfd);
	free(copy);
	return fd;
}

static int open_output(const struct fw_opts *o)
{
	struct open_err e;
	int fd = open_output_at(o, o->append, &e);

	if (fd < 0)
		output_failed(o->output, e.why);
	return fd;
}

/* ---- end of opening -o FILE ---- */

static bool want_color(const struct fw_opts *o)
{
	const char *nc = getenv("NO_COLOR");
	const char *term = getenv("TERM");

	if (o->json || o->output || o->journal || o->syslog || (nc && *nc))
		return false;
	if (term && !strcmp(term, "dumb"))
		return false;
	return isatty(STDOUT_FILENO) == 1;
}

void fw_out_open(struct fw_out *out, const struct fw_opts *o)
{
	*out = (struct fw_out){ .fd = STDOUT_FILENO, .json = o->json, .csv = o->csv,
				.show = o->show };
	if (o->journal)
		out->sink = fw_journal_open(o);
	else if (o->syslog)
		out->sink = fw_syslog_open(o);
	else if (o->output)
		out->fd = open_output(o);
	out->color = want_color(o);
	/* --format, --csv, -0, --timefmt, --utc (i15) */
	out->fmt = o->format;
	out->tfmt = o->timefmt;
	out->utc = o->utc;
	out->tty = !o->output && !out->sink && isatty(STDOUT_FILENO) == 1;
	out->cap = OUT_BUF_SIZE;
	out->buf = malloc(out->cap);
	if (!out->buf)
		fw_fatal(FW_EXIT_RUNTIME, "out of memory");
	fw_out_stamp(out);
	if (out->csv)
		fw_csv_begin(out);	/* the header (i15) */
}

/* ---- the writer thread ---- */

/* A piece of output waiting for the writer. */
struct chunk {
	struct chunk *next;
	size_t len;
	uint64_t records;
	char data[CHUNK_SIZE];
};

struct fw_writer {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;		/* for the writer: work, or stop */
	pthread_cond_t progress;	/* for fw_out_close(): a chunk written */
	struct chunk *head, *tail;	/* queued, oldest first */
	struct chunk *spare;		/* written, kept for reuse */
	struct chunk *inflight;		/* being written */
	int notify_fd;			/* eventfd: a write failed (the main loop polls it) */
	struct fw_ids ids;		/* who the thread becomes (caps.c) */
	size_t queued, nchunks, nspare;	/* bytes queued; chunks mapped; of which spare */
	uint64_t written_chunks;
	int error;
	bool stop, dropping;
};

/* ---- SIGHUP: log rotation ---- */

/*
 * The new file takes over once the writer has written everything queued
 * to the old one (a file: it does not keep a writer waiting); it reads
 * out->fd only with a chunk taken, so the swap happens with none queued
 * or in flight, under its lock.
 */
static void swap_fd(struct fw_out *out, int fd)
{
	struct fw_writer *w = out->w;
	int old = out->fd;

	if (w) {
		pthread_mutex_lock(&w->lock);
		while (w->head || w->inflight)
			pthread_cond_wait(&w->progress, &w->lock);
		out->fd = fd;
		pthread_mutex_unlock(&w->lock);
	} else {
		out->fd = fd;
	}
	if (close(old) < 0 && errno != EINTR)
		fw_warn("SIGHUP: closing the old output file: %s", strerror(errno));
}

int fw_out_reopen(struct fw_out *out, const struct fw_opts *o)
{
	struct open_err e;
	int fd;

	if (out->sink && out->sink->reopen) {
		fw_out_flush(out);
		out->sink->reopen(out->sink);
		return 0;
	}
	if (!o->output || out->sink || out->error)
		return 0;
	/* what is buffered belongs to the old file, every byte of it */
	if (fw_out_flush(out) < 0)
		return out->error;
	/* by the same rules as the first time, appending, as the user fanwatch now runs as */
	fd = open_output_at(o, true, &e);
	if (fd < 0) {
		fw_warn("SIGHUP: cannot open output file %s again: %s; still writing to the old one",
			fw_qpath(o->output), e.why);
		return -EIO;
	}
	swap_fd(out, fd);
	if (out->csv)
		fw_csv_begin(out);	/* a new file gets its header (i15) */
	return 0;
}

/* Wait until fd takes more (someone made it non-blocking). */
static void wait_writable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };

	(void)poll(&p, 1, 1000);
}

/* Write all of buf, blocking; 0 or -errno. */
static int write_all(int fd, const char *buf, size_t len)
{
	size_t off = 0;
	ssize_t n;

	while (off < len) {
		n = write(fd, buf + off, len - off);
		if (n > 0)
			off += (size_t)n;
		else if (n < 0 && errno == EAGAIN)
			wait_writable(fd);
		else if (n < 0 && errno != EINTR)
			return -errno;
		else if (n == 0)
			return -EIO;
	}
	return 0;
}

/*
 * Chunks are mapped and unmapped whole: after a burst (a slow reader, a
 * flood of records) the memory goes back to the system, beyond a few
 * kept for reuse.
 */
static struct chunk *chunk_new(void)
{
	struct chunk *c = mmap(NULL, sizeof(*c), PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return c == MAP_FAILED ? NULL : c;	/* zero-filled: len 0, records 0 */
}

static void chunk_free(struct chunk *c)
{
	munmap(c, sizeof(*c));
}

/* A chunk written: kept for reuse, or given back. */
static void chunk_done(struct fw_writer *w, struct chunk *c)
{
	c->len = 0;
	c->records = 0;
	if (w->nspare >= SPARE_CHUNKS) {
		chunk_free(c);
		w->nchunks--;
		return;
	}
	c->next = w->spare;
	w->spare = c;
	w->nspare++;
}

static void *writer_main(void *arg)
{
	struct fw_out *out = arg;
	struct fw_writer *w = out->w;
	struct chunk *c;
	int err = 0;

	/* it only writes to a descriptor open already: no capability at all, not root */
	(void)fw_caps_limit(0, &w->ids);
	/* cancelled (at exit, a reader stuck for good) only while blocked in write() */
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (!w->head && !w->stop)
			pthread_cond_wait(&w->wake, &w->lock);
		if (!w->head)
			break;
		c = w->head;
		w->head = c->next;
		if (!w->head)
			w->tail = NULL;
		w->inflight = c;
		pthread_mutex_unlock(&w->lock);
		/* the only place that may block on the reader */
		if (!err) {
			pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, NULL);
			err = write_all(out->fd, c->data, c->len);
			pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
			if (err)
				(void)!write(w->notify_fd, &(uint64_t){ 1 }, sizeof(uint64_t));
		}
		pthread_mutex_lock(&w->lock);
		w->inflight = NULL;
		if (err && !w->error)
			w->error = err;
		w->queued -= c->len;
		chunk_done(w, c);
		w->written_chunks++;
		pthread_cond_broadcast(&w->progress);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

void fw_out_start(struct fw_out *out, const struct fw_ids *ids)
{
	struct fw_writer *w;
	sigset_t all, old;
	int r;

	if (out->sink)
		return;		/* journald, syslog: datagrams, delivered as they come */
	w = calloc(1, sizeof(*w));
	if (!w)
		fw_fatal(FW_EXIT_RUNTIME, "out of memory");
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, NULL);
	pthread_cond_init(&w->progress, NULL);
	w->ids = *ids;
	w->notify_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (w->notify_fd < 0)
		fw_fatal(FW_EXIT_RUNTIME, "eventfd: %s", strerror(errno));
	out->w = w;
	/* signals stay with the main thread (its signalfd) */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	r = pthread_create(&w->thread, NULL, writer_main, out);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r)
		fw_fatal(FW_EXIT_RUNTIME, "cannot start the output thread: %s", strerror(r));
	(void)pthread_setname_np(w->thread, "fw-output");
}

/* A chunk with room at the tail of the queue, or a new one; NULL if the queue is full. */
static struct chunk *room(struct fw_writer *w)
{
	struct chunk *c;

	if (w->tail && w->tail->len < CHUNK_SIZE)
		return w->tail;
	if (w->spare) {
		c = w->spare;
		w->spare = c->next;
		w->nspare--;
	} else if (w->nchunks < QUEUE_CHUNKS && (c = chunk_new())) {
		w->nchunks++;
	} else {
		return NULL;
	}
	c->next = NULL;
	if (w->tail)
		w->tail->next = c;
	else
		w->head = c;
	w->tail = c;
	return c;
}

/* Bytes the queue can still take. */
static size_t queue_space(const struct fw_writer *w)
{
	size_t free_chunks = QUEUE_CHUNKS - w->nchunks + w->nspare;

	return free_chunks * CHUNK_SIZE + (w->tail ? CHUNK_SIZE - w->tail->len : 0);
}

/* Copy the buffer (whole records) into the queue. */
static void enqueue(struct fw_writer *w, const char *buf, size_t len, uint64_t records)
{
	struct chunk *c;
	size_t n;

	while (len) {
		c = room(w);
		n = CHUNK_SIZE - c->len < len ? CHUNK_SIZE - c->len : len;
		memcpy(c->data + c->len, buf, n);
		c->len += n;
		w->queued += n;
		buf += n;
		len -= n;
	}
	w->tail->records += records;
}

static void hand_over(struct fw_out *out)
{
	struct fw_writer *w = out->w;
	bool warn = false;

	pthread_mutex_lock(&w->lock);
	if (w->error && !out->error)
		out->error = w->error;
	if (out->error) {
		/* nothing more is written: what is left is lost with the error */
	} else if (queue_space(w) < out->len) {
		out->dropped += out->staged;
		warn = !w->dropping;
		w->dropping = true;
	} else {
		enqueue(w, out->buf, out->len, out->staged);
		w->dropping = false;
		pthread_cond_signal(&w->wake);
	}
	pthread_mutex_unlock(&w->lock);
	if (warn)
		fw_warn("output cannot keep up (its reader is slow or stopped): dropping records; "
			"the summary counts them");
}

/* The writer's first error, once it is known (also with nothing to hand over). */
static void writer_error(struct fw_out *out)
{
	struct fw_writer *w = out->w;
	uint64_t v;

	(void)!read(w->notify_fd, &v, sizeof(v));
	pthread_mutex_lock(&w->lock);
	if (w->error && !out->error)
		out->error = w->error;
	pthread_mutex_unlock(&w->lock);
}

int fw_out_flush(struct fw_out *out)
{
	if (out->len)
		out->flushes++;
	if (out->sink || out->grow) {
		/* a record sink counts and reports its own failures: they never stop fanwatch */
		if (out->sink && out->len)
			out->sink->deliver(out->sink, out->buf, out->len);
		out->len = 0;
		out->staged = 0;
		return out->error;
	}
	if (out->w && out->len)
		hand_over(out);
	else if (out->w)
		writer_error(out);
	else if (out->len && !out->error)
		out->error = write_all(out->fd, out->buf, out->len);
	out->len = 0;
	out->staged = 0;
	return out->error;
}

void fw_out_record(struct fw_out *out, const struct fw_record *rec)
{
	if (out->sink)
		out->sink->record(out, rec);
	else if (out->csv)	/* --csv, --format, -0 (i15) */
		fw_csv_record(out, rec);
	else if (out->fmt)
		fw_format_record(out, rec);
	else if (out->json)
		fw_json_record(out, rec);
	else
		fw_text_record(out, rec);
	out->staged++;
	/* a scratch buffer (grow) keeps its records for its owner */
	if (out->len >= FLUSH_AT && !out->grow)
		fw_out_flush(out);
}

/* Wait for the queue to empty while the writer makes progress; count what is left. */
static void drain(struct fw_out *out)
{
	struct fw_writer *w = out->w;
	struct timespec until;
	uint64_t seen;
	struct chunk *c;

	pthread_mutex_lock(&w->lock);
	w->stop = true;
	pthread_cond_signal(&w->wake);
	while (w->head || w->inflight) {
		seen = w->written_chunks;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += STUCK_S;
		while (seen == w->written_chunks &&
		       pthread_cond_timedwait(&w->progress, &w->lock, &until) == 0)
			;
		if (seen == w->written_chunks)
			break;	/* stuck: the reader took nothing for STUCK_S seconds */
	}
	for (c = w->head; c; c = c->next)
		out->dropped += c->records;
	if (w->inflight)
		out->dropped += w->inflight->records;
	if (w->error && !out->error)
		out->error = w->error;
	pthread_mutex_unlock(&w->lock);
}

static void writer_free(struct fw_out *out)
{
	struct fw_writer *w = out->w;
	struct chunk *c, *next;

	if (w->head || w->inflight)
		pthread_cancel(w->thread);	/* blocked in write(): a cancellation point */
	pthread_join(w->thread, NULL);
	if (w->inflight)
		chunk_free(w->inflight);
	for (c = w->head; c; c = next) {
		next = c->next;
		chunk_free(c);
	}
	for (c = w->spare; c; c = next) {
		next = c->next;
		chunk_free(c);
	}
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->wake);
	pthread_cond_destroy(&w->progress);
	close(w->notify_fd);
	free(w);
	out->w = NULL;
}

int fw_out_notify_fd(const struct fw_out *out)
{
	return out->w ? out->w->notify_fd : -1;
}

void fw_out_close(struct fw_out *out)
{
	fw_out_flush(out);
	if (out->w) {
		drain(out);
		writer_free(out);
	}
	if (out->sink)
		out->sink->close(out->sink);
	out->sink = NULL;
	if (out->fd != STDOUT_FILENO && out->fd >= 0 && close(out->fd) < 0 && !out->error)
		out->error = -errno;
	free(out->buf);
	out->buf = NULL;
	fw_json_free(out);
}

/* ---- time ---- */

static void two(char *d, int v)
{
	d[0] = (char)('0' + v / 10);
	d[1] = (char)('0' + v % 10);
}

static void six(char *d, long v)
{
	int i;

	for (i = 5; i >= 0; i--, v /= 10)
		d[i] = (char)('0' + v % 10);
}

void fw_out_stamp(struct fw_out *out)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	fw_out_stamp_at(out, &ts);
}

/* Date, time to the second and offset: the same for a whole second. */
static void stamp_second(struct fw_out *out, time_t sec)
{
	struct tm tm;
	long off;
	char *j = out->json_time;
	size_t n;

	if (out->utc)		/* --utc (i15) */
		gmtime_r(&sec, &tm);
	else
		localtime_r(&sec, &tm);
	two(out->text_time, tm.tm_hour);
	out->text_time[2] = ':';
	two(out->text_time + 3, tm.tm_min);
	out->text_time[5] = ':';
	two(out->text_time + 6, tm.tm_sec);
	out->text_time[8] = '.';
	out->text_time_len = 15;
	/* YYYY-MM-DDTHH:MM:SS.uuuuuu+HH:MM */
	n = (size_t)snprintf(j, sizeof(out->json_time), "%04d-%02d-%02dT",
			     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	memcpy(j + n, out->text_time, 15);
	n += 15;
	off = tm.tm_gmtoff / 60;
	j[n++] = off < 0 ? '-' : '+';
	off = off < 0 ? -off : off;
	two(j + n, (int)(off / 60));
	j[n + 2] = ':';
	two(j + n + 3, (int)(off % 60));
	out->json_time_len = n + 5;
}

void fw_out_stamp_at(struct fw_out *out, const struct timespec *ts)
{
	if (ts->tv_sec != out->now.tv_sec || !out->stamp)
		stamp_second(out, ts->tv_sec);
	out->now = *ts;
	out->stamp++;
	/* the microseconds, in both strings ("...T" HH:MM:SS.uuuuuu "+HH:MM") */
	six(out->text_time + 9, ts->tv_nsec / 1000);
	memcpy(out->json_time + out->json_time_len - 6 - 6, out->text_time + 9, 6);
	if (out->tfmt)		/* --timefmt (i15) */
		out->user_time_len = fw_timefmt_put(out->tfmt, ts, out->user_time);
}
