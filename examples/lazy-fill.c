// SPDX-License-Identifier: MIT
/*
 * lazy-fill: a lazy file filler (a tiny hierarchical storage manager).
 * DIR gets an empty stub of each regular file of BACKING, of the same
 * size; the first access to a range of a stub (read, write, mmap,
 * truncate) waits while this program copies that range from BACKING into
 * the stub.  Once every byte of a stub is there, the stub gets an ignore
 * mark and costs nothing more.
 *
 *     lazy-fill [--timeout SEC] BACKING DIR
 *
 * It prints "stub NAME SIZE" for each stub it makes, "fill NAME OFFSET
 * LENGTH" for each range it copies and "complete NAME" when a stub is
 * whole.  DIR must be on a filesystem with pre-content events (ext4 has
 * them, tmpfs not) and Linux 6.14 or later; see libfanotify-hsm(7).
 * Try it on a loop-mounted image in a private mount namespace:
 *
 *     unshare --mount --propagation private sh -c '
 *         truncate -s 64M /tmp/img && mkfs.ext4 -q /tmp/img &&
 *         mkdir -p /tmp/mnt && mount -o loop /tmp/img /tmp/mnt &&
 *         mkdir -p /tmp/backing && seq 100000 > /tmp/backing/numbers &&
 *         { ./lazy-fill --timeout 30 /tmp/backing /tmp/mnt & sleep 1;
 *           tail -n 1 /tmp/mnt/numbers; wait; }'
 *
 * Which stub is which backing file is kept in the stub itself (the
 * extended attribute user.lazyfill.name), not taken from a path, which a
 * user could have changed by the time of the event.  If this program
 * dies, the kernel allows what was pending: a reader then sees holes.
 * Needs CAP_SYS_ADMIN.
 *
 * Exit status: 0 done, 1 error, 2 usage, 3 the kernel, the filesystem or
 * the privileges lack a feature.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fanotify/fanotify.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#define XATTR "user.lazyfill.name"
#define CHUNK (64 * 1024)	/* what one fill copies at least */

/* A stub being filled: which chunks are there already. */
struct stub {
	dev_t dev;
	ino_t ino;
	off_t size;
	size_t nchunks;
	unsigned char *have;	/* a byte per chunk; NULL once complete */
	struct stub *next;
};

static volatile sig_atomic_t stop;
static struct stub *stubs;
static int backing_fd = -1;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* An empty DIR/NAME of the size of BACKING/NAME, naming its source. */
static int make_stub(int dir_fd, const char *name)
{
	struct stat st;
	int fd, r = 0;

	if (fstatat(backing_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
		return 0;
	fd = openat(dir_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return errno == EEXIST ? 0 : -errno;
	if (ftruncate(fd, st.st_size) < 0 ||
	    fsetxattr(fd, XATTR, name, strlen(name), 0) < 0)
		r = -errno;
	close(fd);
	if (r == 0)
		printf("stub %s %lld\n", name, (long long)st.st_size);
	return r;
}

/* Stubs are made before the mark: writing them then raises no event. */
static int make_stubs(const char *dir)
{
	int dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), r = 0;
	DIR *d = fdopendir(dup(backing_fd));
	struct dirent *e;

	if (dir_fd < 0 || !d) {
		fprintf(stderr, "lazy-fill: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	while (r == 0 && (e = readdir(d)))
		if (e->d_name[0] != '.')
			r = make_stub(dir_fd, e->d_name);
	if (r < 0)
		fprintf(stderr, "lazy-fill: making stubs in %s: %s\n", dir, strerror(-r));
	closedir(d);
	close(dir_fd);
	return r;
}

/* The state of the stub fd is open on, made at its first event. */
static struct stub *stub_of(int fd)
{
	struct stub *s;
	struct stat st;

	if (fstat(fd, &st) < 0)
		return NULL;
	for (s = stubs; s; s = s->next)
		if (s->dev == st.st_dev && s->ino == st.st_ino)
			return s;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	s->size = st.st_size;
	s->nchunks = (size_t)((st.st_size + CHUNK - 1) / CHUNK);
	s->have = calloc(s->nchunks ? s->nchunks : 1, 1);
	if (!s->have) {
		free(s);
		return NULL;
	}
	s->next = stubs;
	stubs = s;
	return s;
}

static void stub_forget(struct stub *gone)
{
	struct stub **p;

	for (p = &stubs; *p; p = &(*p)->next)
		if (*p == gone) {
			*p = gone->next;
			free(gone->have);
			free(gone);
			return;
		}
}

/* Copy chunk i from src into the stub through the event's descriptor. */
static int copy_chunk(int src, int stub_fd, struct stub *s, size_t i)
{
	static char buf[CHUNK];
	off_t off = (off_t)i * CHUNK;
	size_t len = (size_t)(s->size - off < CHUNK ? s->size - off : CHUNK);
	ssize_t n = pread(src, buf, len, off);

	if (n != (ssize_t)len)
		return n < 0 ? -errno : -EIO;
	/* Written through the event's descriptor: no event of our own. */
	if (pwrite(stub_fd, buf, len, off) != (ssize_t)len)
		return -errno;
	s->have[i] = 1;
	return 0;
}

/* Whole up to limit bytes (a stub truncated since ends there)? */
static int whole(const struct stub *s, off_t limit)
{
	size_t i, n = (size_t)((limit + CHUNK - 1) / CHUNK);

	for (i = 0; i < n && i < s->nchunks; i++)
		if (!s->have[i])
			return 0;
	return 1;
}

/*
 * Fill what the range asks for.  The range is the access's, page
 * granular, and may reach far beyond the end of the file (a read of an
 * 18-byte file with a 128 KiB buffer asks for 131,072 bytes): clip it to
 * the stub, as it is now (a stub truncated since is not extended again).
 */
static int fill(int fd, struct stub *s, const char *name, const struct fan_range *r,
		off_t limit)
{
	uint64_t end = r->offset + r->count;
	size_t i, first, last;
	int src, res = 0;

	if (end > (uint64_t)limit)
		end = (uint64_t)limit;
	if (r->offset >= end)
		return 0;	/* nothing of the file: past its end, or a truncation to 0 */
	first = (size_t)(r->offset / CHUNK);
	last = (size_t)((end - 1) / CHUNK);
	src = openat(backing_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (src < 0)
		return -errno;
	for (i = first; i <= last && res == 0; i++) {
		if (s->have[i])
			continue;
		res = copy_chunk(src, fd, s, i);
		if (res == 0)
			printf("fill %s %lld %lld\n", name, (long long)i * CHUNK,
			       (long long)(s->size - (off_t)i * CHUNK < CHUNK ?
					   s->size - (off_t)i * CHUNK : CHUNK));
	}
	close(src);
	return res;
}

/* No more events for this file: an ignore mark, which survives writes. */
static int ignore(struct fan_group *g, int fd)
{
	return fan_group_add_mark_fd(g, FAN_MARK_IGNORE_SURV, FAN_PRE_ACCESS, fd);
}

/* One FAN_PRE_ACCESS event: fill, then allow; EIO for the accessor if we cannot. */
static void handle(struct fan_group *g, struct fan_event *ev)
{
	const struct fan_info *rec = fan_event_find_info(ev, FAN_EVENT_INFO_TYPE_RANGE);
	int fd = fan_event_fd(ev), res = -EIO;
	char name[NAME_MAX + 1];
	struct fan_range range = { 0, 0 };
	struct stub *s = NULL;
	struct stat st;
	ssize_t n;

	n = fgetxattr(fd, XATTR, name, sizeof(name) - 1);
	if (n < 0 && errno == ENODATA) {
		/* not a stub of ours (a file made in DIR since): leave it alone */
		fan_event_respond(g, ev, FAN_ALLOW, NULL);
		ignore(g, fd);
		return;
	}
	if (n > 0 && !memchr(name, '/', (size_t)n) && fstat(fd, &st) == 0) {
		name[n] = '\0';
		s = stub_of(fd);
	}
	/* every FAN_PRE_ACCESS carries a range; without one, fill it all */
	if (!rec || fan_info_range(rec, &range) < 0)
		range = (struct fan_range){ 0, UINT64_MAX / 2 };
	if (s && !s->have) {
		/* complete, its ignore mark came after this event was queued */
		fan_event_respond(g, ev, FAN_ALLOW, NULL);
		return;
	}
	if (s)
		res = fill(fd, s, name, &range, st.st_size < s->size ? st.st_size : s->size);
	if (res < 0) {
		fprintf(stderr, "lazy-fill: cannot fill %s: %s\n", s ? name : "a stub",
			strerror(-res));
		fan_event_respond(g, ev, FAN_DENY_ERRNO(EIO), NULL);
		return;
	}
	if (whole(s, st.st_size < s->size ? st.st_size : s->size)) {
		/* before the answer, so the accessor's next read raises nothing */
		res = ignore(g, fd);
		free(s->have);
		s->have = NULL;
	}
	fan_event_respond(g, ev, FAN_ALLOW, NULL);
	if (!s->have && res == 0)
		printf("complete %s\n", name);
}

static int run(struct fan_group *g, double timeout)
{
	double end = timeout > 0 ? now() + timeout : 0;
	struct fan_event *ev;
	int n;

	while (!stop) {
		int ms = end ? (int)((end - now()) * 1000) : -1;

		if (end && ms <= 0)
			break;
		/* finishes the last batch (closes its descriptors), waits, reads */
		n = fan_group_wait_read(g, ms);
		if (n == -ETIMEDOUT)
			break;
		if (n < 0) {
			fprintf(stderr, "lazy-fill: read: %s\n", strerror(-n));
			return 1;
		}
		fan_for_each_event(ev, g)
			if (fan_event_mask(ev) & FAN_PRE_ACCESS)
				handle(g, ev);
	}
	return 0;
}

static int setup(const char *dir, struct fan_group **g)
{
	/*
	 * FAN_CLASS_PRE_CONTENT: pre-content events and FAN_DENY_ERRNO().
	 * O_RDWR: the event's descriptor must be writable to fill the file.
	 */
	int r = fan_group_new(FAN_CLASS_PRE_CONTENT | FAN_CLOEXEC | FAN_NONBLOCK,
			      O_RDWR | O_CLOEXEC, g);

	if (r < 0) {
		fprintf(stderr, "lazy-fill: cannot create a pre-content group: %s%s\n",
			strerror(-r), r == -EPERM ? " (needs CAP_SYS_ADMIN)" : "");
		return r == -EPERM || r == -EINVAL ? 3 : 1;
	}
	/* The stubs directly in DIR; EOPNOTSUPP on a filesystem without pre-content events. */
	r = fan_group_add_mark(*g, FAN_MARK_ONLYDIR, FAN_PRE_ACCESS | FAN_EVENT_ON_CHILD, dir);
	if (r < 0) {
		fprintf(stderr, "lazy-fill: cannot watch %s: %s%s\n", dir, strerror(-r),
			r == -EINVAL ? " (FAN_PRE_ACCESS needs Linux 6.14)" :
			r == -EOPNOTSUPP ? " (no pre-content events on this filesystem)" : "");
		return r == -EINVAL || r == -EOPNOTSUPP || r == -EPERM ? 3 : 1;
	}
	return 0;
}

int main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sigaction sa = { .sa_handler = on_signal };
	struct fan_group *g = NULL;
	double timeout = 0;
	int c, status;

	while ((c = getopt_long(argc, argv, "t:h", longopts, NULL)) != -1) {
		switch (c) {
		case 't': timeout = atof(optarg); break;
		case 'h': printf("usage: lazy-fill [--timeout SEC] BACKING DIR\n"); return 0;
		default: fprintf(stderr, "usage: lazy-fill [--timeout SEC] BACKING DIR\n"); return 2;
		}
	}
	if (argc - optind != 2) {
		fprintf(stderr, "usage: lazy-fill [--timeout SEC] BACKING DIR\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	backing_fd = open(argv[optind], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (backing_fd < 0) {
		fprintf(stderr, "lazy-fill: %s: %s\n", argv[optind], strerror(errno));
		return 1;
	}
	if (make_stubs(argv[optind + 1]) < 0)
		return 1;
	status = setup(argv[optind + 1], &g);
	if (status == 0) {
		fprintf(stderr, "lazy-fill: watching %s\n", argv[optind + 1]);
		status = run(g, timeout);
	}
	fan_group_free(g);
	while (stubs)
		stub_forget(stubs);
	close(backing_fd);
	return status;
}
