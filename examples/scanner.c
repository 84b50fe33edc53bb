// SPDX-License-Identifier: MIT
/*
 * scanner: an on-access scanner.  Opening a file of DIR waits while a pool
 * of worker threads reads it; a file that contains SIGNATURE is denied
 * (the opener gets EPERM).  A file that takes longer than the deadline is
 * allowed when the deadline passes, and logged; its worker goes on
 * reading it, so the log can still say what it found.
 *
 *     scanner [--workers N] [--deadline MS] [--timeout SEC] DIR SIGNATURE
 *
 * It prints "allow PATH", "deny PATH" or "timeout PATH" for each open,
 * and "late PATH: signature found" when a file allowed at its deadline
 * turns out to hold the signature.  Paths are quoted for the terminal
 * (fan_path_quote()).  Try it on a private tmpfs first:
 *
 *     unshare --mount --propagation private sh -c '
 *         mkdir -p /tmp/try && mount -t tmpfs tmpfs /tmp/try &&
 *         echo "EVIL-SIGNATURE" > /tmp/try/bad && echo fine > /tmp/try/good &&
 *         { ./scanner --timeout 30 /tmp/try EVIL-SIGNATURE & sleep 1;
 *           cat /tmp/try/good /tmp/try/bad; wait; }'
 *
 * The reader thread only reads and defers (fan_event_defer()); the workers
 * get each file's path (fan_perm_path(), safe in any thread, unlike the
 * resolver) and answer (fan_perm_respond()).  The library answers for a
 * worker that misses the deadline (perm_deadline_ms), exactly once: the
 * worker's own answer then returns -EALREADY.  If this program dies, the
 * kernel allows every pending open.  Needs CAP_SYS_ADMIN.
 *
 * Exit status: 0 done, 1 error, 2 usage, 3 the kernel or the privileges
 * lack a feature.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fanotify/fanotify.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define QUEUE_LEN 1024
#define MAX_WORKERS 64

/* The work queue: a ring of deferred events, the reader in, the workers out. */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t ready;
	struct fan_perm *ring[QUEUE_LEN];
	unsigned int head, len;
	int closed;
} q = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, { 0 }, 0, 0, 0 };

static const char *signature;
static size_t siglen;
static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int push(struct fan_perm *p)
{
	int ok;

	pthread_mutex_lock(&q.lock);
	ok = q.len < QUEUE_LEN;
	if (ok) {
		q.ring[(q.head + q.len++) % QUEUE_LEN] = p;
		pthread_cond_signal(&q.ready);
	}
	pthread_mutex_unlock(&q.lock);
	return ok;
}

/* The next event, or NULL once the queue is closed and empty. */
static struct fan_perm *pop(void)
{
	struct fan_perm *p = NULL;

	pthread_mutex_lock(&q.lock);
	while (!q.len && !q.closed)
		pthread_cond_wait(&q.ready, &q.lock);
	if (q.len) {
		p = q.ring[q.head];
		q.head = (q.head + 1) % QUEUE_LEN;
		q.len--;
	}
	pthread_mutex_unlock(&q.lock);
	return p;
}

static void close_queue(void)
{
	pthread_mutex_lock(&q.lock);
	q.closed = 1;
	pthread_cond_broadcast(&q.ready);
	pthread_mutex_unlock(&q.lock);
}

/*
 * Does p's file hold the signature?  1, 0, or -errno.  Says "timeout" as
 * soon as the deadline has answered for us, and reads on: the descriptor
 * stays ours until we let go of p.
 */
static int scan(struct fan_perm *p, const char *path, int *late)
{
	static __thread char buf[65536 + 256];
	int fd = fan_event_fd(fan_perm_event(p));
	size_t keep = 0;
	off_t off = 0;
	ssize_t n;

	/* each chunk after the last siglen - 1 bytes of the one before */
	while ((n = pread(fd, buf + keep, sizeof(buf) - 256, off)) > 0) {
		size_t have = keep + (size_t)n;

		if (memmem(buf, have, signature, siglen))
			return 1;
		if (!*late && fan_perm_answered(p)) {
			printf("timeout %s\n", path);
			*late = 1;
		}
		off += n;
		keep = siglen - 1 < have ? siglen - 1 : have;
		memmove(buf, buf + have - keep, keep);
	}
	return n < 0 ? -errno : 0;
}

/* The path, quoted for the terminal (fan_path_quote()), or "?". */
static void quote_path(struct fan_perm *p, char *buf, size_t size)
{
	struct fan_path path;

	if (fan_perm_path(p, &path) < 0) {
		snprintf(buf, size, "?");
		return;
	}
	fan_path_quote(path.path, path.len, 0, buf, size);
	if (path.flags & LIBFANOTIFY_PATH_DELETED)
		strncat(buf, " (deleted)", size - strlen(buf) - 1);
}

static void *worker(void *arg)
{
	char path[4 * 4096 + 16];
	struct fan_perm *p;
	int found, late, r;

	(void)arg;
	while ((p = pop())) {
		/* the path's string is p's: quote it now, log once answered */
		quote_path(p, path, sizeof(path));
		late = 0;
		found = scan(p, path, &late);
		r = fan_perm_respond(p, found == 1 ? FAN_DENY : FAN_ALLOW, NULL);
		if (r == -EALREADY) {
			/* the deadline allowed it while we read */
			if (!late)
				printf("timeout %s\n", path);
			if (found == 1)
				printf("late %s: signature found\n", path);
			continue;
		}
		printf("%s %s%s\n", found == 1 ? "deny" : "allow", path,
		       r < 0 ? " (answer refused)" : "");
	}
	return NULL;
}

static int setup(const char *dir, unsigned int deadline_ms, struct fan_group **g)
{
	/*
	 * perm_deadline_ms: an event deferred this long ago and still not
	 * answered is allowed by the library (perm_deadline_response).
	 * LIBFANOTIFY_ANSWER_SELF: our own opens in DIR are allowed at once.
	 */
	LIBFANOTIFY_OPTS(fan_group_opts, opts,
			 .init_flags = FAN_CLASS_CONTENT | FAN_CLOEXEC | FAN_NONBLOCK,
			 .event_f_flags = O_RDONLY | O_CLOEXEC | O_LARGEFILE,
			 .default_response = FAN_ALLOW,
			 .flags = LIBFANOTIFY_ANSWER_SELF,
			 .perm_deadline_ms = deadline_ms,
			 .perm_deadline_response = FAN_ALLOW);
	int r = fan_group_new_opts(&opts, g);

	if (r < 0) {
		fprintf(stderr, "scanner: cannot create a fanotify group: %s%s\n", strerror(-r),
			r == -EPERM ? " (needs CAP_SYS_ADMIN)" : "");
		return r == -EPERM || r == -EINVAL ? 3 : 1;
	}
	r = fan_group_add_mark(*g, FAN_MARK_ONLYDIR, FAN_OPEN_PERM | FAN_EVENT_ON_CHILD, dir);
	if (r < 0) {
		fprintf(stderr, "scanner: cannot watch %s: %s\n", dir, strerror(-r));
		return r == -EPERM ? 3 : 1;
	}
	return 0;
}

/* The reader: read, defer, queue; never blocks on a worker. */
static int run(struct fan_group *g, double timeout)
{
	struct timespec ts;
	struct fan_event *ev;
	struct fan_perm *p;
	double end = 0;
	int n;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	if (timeout > 0)
		end = ts.tv_sec + ts.tv_nsec / 1e9 + timeout;
	while (!stop) {
		int ms = -1;

		if (end) {
			clock_gettime(CLOCK_MONOTONIC, &ts);
			ms = (int)((end - ts.tv_sec - ts.tv_nsec / 1e9) * 1000);
			if (ms <= 0)
				break;
		}
		n = fan_group_wait_read(g, ms);	/* 0 after a signal: look at stop */
		if (n == -ETIMEDOUT)
			break;
		if (n < 0) {
			fprintf(stderr, "scanner: read: %s\n", strerror(-n));
			return 1;
		}
		fan_for_each_event(ev, g) {
			if (!fan_event_needs_answer(ev) || fan_event_defer(g, ev, &p) < 0)
				continue;	/* the end of the batch answers it (allow) */
			if (!push(p)) {
				fprintf(stderr, "scanner: queue full, allowed unscanned\n");
				fan_perm_respond(p, FAN_ALLOW, NULL);
			}
		}
	}
	return 0;
}

int main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "workers", required_argument, NULL, 'w' },
		{ "deadline", required_argument, NULL, 'd' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char usage[] =
		"usage: scanner [--workers N] [--deadline MS] [--timeout SEC] DIR SIGNATURE\n";
	struct sigaction sa = { .sa_handler = on_signal };
	pthread_t workers[MAX_WORKERS];
	sigset_t stops;
	unsigned int deadline = 1000;
	struct fan_group *g = NULL;
	int c, i, nworkers = 4, status;
	double timeout = 0;

	while ((c = getopt_long(argc, argv, "w:d:t:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'w': nworkers = atoi(optarg); break;
		case 'd': deadline = (unsigned int)strtoul(optarg, NULL, 10); break;
		case 't': timeout = atof(optarg); break;
		case 'h': fputs(usage, stdout); return 0;
		default: fputs(usage, stderr); return 2;
		}
	}
	if (argc - optind != 2 || !argv[optind + 1][0] || nworkers < 1 ||
	    nworkers > MAX_WORKERS || deadline == 0) {
		fputs(usage, stderr);
		return 2;
	}
	signature = argv[optind + 1];
	siglen = strlen(signature);
	if (siglen > 256) {
		fprintf(stderr, "scanner: a signature of at most 256 bytes\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	sigaction(SIGINT, &sa, NULL);	/* no SA_RESTART: the wait returns */
	sigaction(SIGTERM, &sa, NULL);

	status = setup(argv[optind], deadline, &g);
	/* the workers block SIGINT and SIGTERM: they go to the reader, waiting */
	sigemptyset(&stops);
	sigaddset(&stops, SIGINT);
	sigaddset(&stops, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stops, NULL);
	for (i = 0; status == 0 && i < nworkers; i++)
		if (pthread_create(&workers[i], NULL, worker, NULL) != 0) {
			fprintf(stderr, "scanner: cannot start a worker\n");
			nworkers = i;
			status = 1;
		}
	pthread_sigmask(SIG_UNBLOCK, &stops, NULL);
	if (status == 0) {
		fprintf(stderr, "scanner: watching %s with %d workers, deadline %u ms\n",
			argv[optind], nworkers, deadline);
		status = run(g, timeout);
	}
	fan_group_release(g);	/* answers what the reader did not defer */
	close_queue();
	for (i = 0; g && i < nworkers; i++)
		pthread_join(workers[i], NULL);
	fan_group_free(g);
	return status;
}
