// SPDX-License-Identifier: MIT
/*
 * Permission mode (--deny GLOB): a FAN_CLASS_CONTENT group in fd mode
 * (FAN_CLASS_PRE_CONTENT with --deny-errno) asking for FAN_OPEN_PERM and
 * FAN_OPEN_EXEC_PERM on the same scope as the reporting group.
 *
 * It runs in its own thread so that nothing the main loop does (resolving,
 * formatting, an output pipe nobody reads, a full disk) can delay an
 * answer: every event is answered as soon as it is read, before any output
 * work, FAN_ALLOW unless its path matches a --deny glob.  Denied events
 * are then described (process looked up after the answer) and queued for
 * the main thread, which filters and prints them.  The queue is bounded:
 * past it, reports are dropped and counted, answers never are.
 *
 * The thread blocks in read() on the group (no poll, no read that ends in
 * EAGAIN: each costs the waiting opener a system call); it is stopped by
 * a flag and a signal that interrupts the read.  Verdicts of files whose
 * name cannot have changed since are taken from the verdict cache
 * (verdict.c) instead of reading the descriptor's path again.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "state.h"

#define PERM_MASK (FAN_OPEN_PERM | FAN_OPEN_EXEC_PERM)
#define QUEUE_MAX 100000
#define STOP_SIGNAL SIGRTMIN
#define STOP_RETRY_NS 20000000	/* a stop signal can land just before read(): send again */

struct deny_item {
	struct deny_item *next;
	struct timespec when;
	struct fw_record rec;
	struct fan_process proc;
	char data[];		/* path, comm, exe */
};

struct fw_perm {
	struct fan_group *g;
	struct fan_resolver *r;
	const struct fw_strv *globs;
	uint32_t deny;		/* FAN_DENY or FAN_DENY_ERRNO(e) */
	uint64_t keep_caps;	/* what the thread keeps */
	pthread_t thread;
	bool started, stopping;	/* stopping: atomic */
	int notify_fd;
	struct fw_vcache *cache;	/* NULL: a glob has '/' (the whole path decides) */
	uint64_t checked, cached;	/* permission events decided; from the cache */
	pthread_mutex_t lock;
	struct deny_item *head, *tail;
	size_t queued;
	uint64_t denied, dropped, errors, read_errors;
	struct fan_event **batch_denied;	/* reader thread only */
	size_t ndenied, cap_denied;
};

static void check_deny_errno(void)
{
	/* FAN_DENY_ERRNO came with FAN_PRE_ACCESS (6.14): ENOTSUP on a memfd means known */
	int r = fan_probe_mark(FAN_CLASS_PRE_CONTENT, FAN_MARK_INODE, FAN_PRE_ACCESS, -1, NULL);

	if (r == -EINVAL)
		fw_fatal(FW_EXIT_RUNTIME, "--deny-errno needs Linux %s", fan_event_since(FAN_PRE_ACCESS));
}

static void perm_group_new(struct fw_state *st, struct fw_perm *p)
{
	unsigned int cls = st->o->deny_errno ? FAN_CLASS_PRE_CONTENT : FAN_CLASS_CONTENT;
	/* blocking: the thread sleeps in read() */
	LIBFANOTIFY_OPTS(fan_group_opts, o, .init_flags = cls | FAN_CLOEXEC,
			 .event_f_flags = O_RDONLY | O_CLOEXEC | O_LARGEFILE,
			 .flags = LIBFANOTIFY_SKIP_SELF, .default_response = FAN_ALLOW);
	int r = fan_group_new_opts(&o, &p->g);

	if (r == -EPERM)
		fw_fatal(FW_EXIT_RUNTIME, "--deny needs CAP_SYS_ADMIN (permission events)");
	if (r < 0)
		fw_fatal(FW_EXIT_RUNTIME, "cannot create the permission group: %s", strerror(-r));
	r = fan_resolver_new(p->g, NULL, &p->r);
	if (r < 0)
		fw_fatal(FW_EXIT_RUNTIME, "cannot create a resolver: %s", strerror(-r));
}

/* Only the last component of a path matters to every glob? */
static bool basename_globs(const struct fw_strv *globs)
{
	size_t i;

	for (i = 0; i < globs->n; i++)
		if (strchr(globs->v[i], '/'))
			return false;
	return true;
}

int fw_perm_new(struct fw_state *st, struct fw_perm **ret)
{
	struct fw_perm *p = calloc(1, sizeof(*p));

	if (!p)
		fw_fatal(FW_EXIT_RUNTIME, "out of memory");
	if (st->o->deny_errno)
		check_deny_errno();
	perm_group_new(st, p);
	p->globs = &st->o->denies;
	p->deny = st->o->deny_errno ? FAN_DENY_ERRNO(st->o->deny_errno) : FAN_DENY;
	if (basename_globs(p->globs))
		p->cache = fw_vcache_new();
	p->notify_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (p->notify_fd < 0)
		fw_fatal(FW_EXIT_RUNTIME, "eventfd: %s", strerror(errno));
	pthread_mutex_init(&p->lock, NULL);
	*ret = p;
	return 0;
}

static int perm_mark(struct fw_perm *p, unsigned int flags, uint64_t mask, int fd,
		     const char *path)
{
	int r = fan_group_mark(p->g, flags, mask, fd, path);

	if (r == -EOPNOTSUPP || r == -EINVAL)
		fw_warn("%s: this filesystem refuses permission events%s (%s)", path ? fw_qpath(path) : "PATH",
			p->deny != FAN_DENY ? " from a pre-content group" : "", strerror(-r));
	return r;
}

int fw_perm_mark_fd(struct fw_perm *p, int fd, bool dir)
{
	return perm_mark(p, FAN_MARK_ADD, PERM_MASK | (dir ? FAN_EVENT_ON_CHILD : 0), fd, NULL);
}

/* Directories of a tree are marked by the subtree tracker (watch.c), with this mask. */
struct fan_group *fw_perm_group(const struct fw_perm *p)
{
	return p->g;
}

uint64_t fw_perm_dir_mask(const struct fw_perm *p)
{
	(void)p;
	return PERM_MASK | FAN_EVENT_ON_CHILD;
}

int fw_perm_mark_scope(struct fw_perm *p, unsigned int type, const char *path)
{
	return perm_mark(p, FAN_MARK_ADD | type, PERM_MASK, AT_FDCWD, path);
}

int fw_perm_notify_fd(const struct fw_perm *p)
{
	return p->notify_fd;
}

uint64_t fw_perm_denied(const struct fw_perm *p)
{
	return p->denied;
}

uint64_t fw_perm_checked(const struct fw_perm *p, uint64_t *cached)
{
	*cached = p->cached;
	return p->checked;
}

/* ---- the reader thread ---- */

/* By the descriptor's path; *known: the path was found whole. */
static bool path_denied(struct fw_perm *p, struct fan_event *ev, bool *known)
{
	struct fan_path path;

	*known = false;
	if (fan_resolve_path(p->r, ev, &path, NULL) < 0 || !path.path ||
	    (path.flags & LIBFANOTIFY_PATH_PARTIAL))
		return false;
	*known = !(path.flags & LIBFANOTIFY_PATH_DELETED);
	return fw_globs_match(p->globs, path.path, path.len);
}

static bool should_deny(struct fw_perm *p, struct fan_event *ev)
{
	struct fw_vkey k;
	bool keyed, deny, known;
	int v;

	p->checked++;
	keyed = p->cache && fw_vcache_key(p->cache, fan_event_fd(ev), &k);
	if (keyed && (v = fw_vcache_get(p->cache, &k)) >= 0) {
		p->cached++;
		return v;
	}
	deny = path_denied(p, ev, &known);
	if (keyed && known)
		fw_vcache_put(p->cache, &k, deny);
	return deny;
}

static void remember_denied(struct fw_perm *p, struct fan_event *ev)
{
	if (p->ndenied == p->cap_denied) {
		size_t cap = p->cap_denied ? p->cap_denied * 2 : 64;
		struct fan_event **v = realloc(p->batch_denied, cap * sizeof(*v));

		if (!v)
			return;		/* the answer is given; only its report is lost */
		p->batch_denied = v;
		p->cap_denied = cap;
	}
	p->batch_denied[p->ndenied++] = ev;
}

/* Answer every event of the batch, first thing. */
static void answer_batch(struct fw_perm *p)
{
	struct fan_event *ev;
	uint32_t verdict;

	p->ndenied = 0;
	fan_for_each_event(ev, p->g) {
		if (!fan_event_needs_answer(ev))
			continue;
		verdict = should_deny(p, ev) ? p->deny : FAN_ALLOW;
		if (fan_event_respond(p->g, ev, verdict, NULL) < 0) {
			p->errors++;
			continue;	/* the library's default (allow) answers it */
		}
		if (verdict != FAN_ALLOW) {
			p->denied++;
			remember_denied(p, ev);
		}
	}
}

static struct deny_item *describe(struct fw_perm *p, struct fan_event *ev,
				  const struct timespec *now)
{
	struct fan_path path = { 0 };
	struct fan_process proc = { 0 };
	struct deny_item *it;
	size_t pl, cl, el;

	fan_resolve_path(p->r, ev, &path, NULL);
	fan_resolve_process(p->r, ev, &proc);
	pl = path.path ? path.len : 0;
	cl = proc.comm ? strlen(proc.comm) : 0;
	el = proc.exe ? strlen(proc.exe) : 0;
	it = calloc(1, sizeof(*it) + pl + cl + el + 3);
	if (!it)
		return NULL;
	it->when = *now;
	it->proc = proc;
	memcpy(it->data, path.path ? path.path : "", pl);
	memcpy(it->data + pl + 1, proc.comm ? proc.comm : "", cl);
	memcpy(it->data + pl + cl + 2, proc.exe ? proc.exe : "", el);
	it->proc.comm = proc.comm ? it->data + pl + 1 : NULL;
	it->proc.exe = proc.exe ? it->data + pl + cl + 2 : NULL;
	it->rec = (struct fw_record){
		.events = (fan_event_mask(ev) & FAN_OPEN_EXEC_PERM) ? FAN_OPEN_EXEC : FAN_OPEN,
		.flags = FW_REC_DENIED, .pid = fan_event_pid(ev),
		.path = { path.path ? it->data : NULL, pl },
	};
	return it;
}

static void enqueue(struct fw_perm *p, struct deny_item *it)
{
	pthread_mutex_lock(&p->lock);
	if (p->queued >= QUEUE_MAX) {
		p->dropped++;
		free(it);
	} else {
		if (p->tail)
			p->tail->next = it;
		else
			p->head = it;
		p->tail = it;
		p->queued++;
	}
	pthread_mutex_unlock(&p->lock);
}

/* After the answers: describe what was denied, for the main thread. */
static void report_batch(struct fw_perm *p)
{
	uint64_t one = 1;
	struct timespec now;
	struct deny_item *it;
	size_t i;

	if (!p->ndenied)
		return;
	clock_gettime(CLOCK_REALTIME, &now);
	for (i = 0; i < p->ndenied; i++) {
		it = describe(p, p->batch_denied[i], &now);
		if (it)
			enqueue(p, it);
	}
	(void)!write(p->notify_fd, &one, sizeof(one));
}

static void on_stop_signal(int sig)
{
	(void)sig;	/* only there to interrupt read() */
}

/* A read error other than an interruption: say it once, do not spin on it. */
static void read_failed(struct fw_perm *p, int err)
{
	struct timespec ts = { .tv_nsec = 1000000 };

	if (!p->read_errors++)
		fw_warn("permission thread: reading events: %s; trying again", strerror(-err));
	nanosleep(&ts, NULL);
}

static void *perm_main(void *arg)
{
	struct fw_perm *p = arg;
	sigset_t set;
	int n;

	/* capabilities are per thread: this one drops its own at once */
	n = fw_caps_limit(p->keep_caps);
	if (n < 0 && n != -EPERM)
		fw_warn("permission thread: could not drop capabilities: %s", strerror(-n));
	sigemptyset(&set);
	sigaddset(&set, STOP_SIGNAL);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	while (!__atomic_load_n(&p->stopping, __ATOMIC_ACQUIRE)) {
		/* finishes the last batch (closes its descriptors), then sleeps in read() */
		n = fan_group_read(p->g);
		if (n >= 0 || n == -EBADMSG) {
			answer_batch(p);
			report_batch(p);
		} else if (n != -EINTR) {
			read_failed(p, n);
		}
	}
	fan_group_release(p->g);
	return NULL;
}

/* The stop signal: caught (not fatal), without SA_RESTART, only the thread takes it. */
static void stop_signal_setup(void)
{
	struct sigaction sa = { .sa_handler = on_stop_signal };
	sigset_t set;

	sigemptyset(&sa.sa_mask);
	if (sigaction(STOP_SIGNAL, &sa, NULL) < 0)
		fw_fatal(FW_EXIT_RUNTIME, "sigaction: %s", strerror(errno));
	sigemptyset(&set);
	sigaddset(&set, STOP_SIGNAL);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
}

int fw_perm_start(struct fw_perm *p, uint64_t keep)
{
	int r;

	p->keep_caps = keep;
	stop_signal_setup();
	r = pthread_create(&p->thread, NULL, perm_main, p);
	if (r)
		fw_fatal(FW_EXIT_RUNTIME, "cannot start the permission thread: %s", strerror(r));
	p->started = true;
	return 0;
}

void fw_perm_drain(struct fw_perm *p, struct fw_state *st)
{
	struct deny_item *it, *next;
	uint64_t v;

	(void)!read(p->notify_fd, &v, sizeof(v));
	pthread_mutex_lock(&p->lock);
	it = p->head;
	p->head = p->tail = NULL;
	p->queued = 0;
	pthread_mutex_unlock(&p->lock);
	for (; it; it = next) {
		next = it->next;
		it->rec.proc = &it->proc;
		fw_out_stamp_at(&st->out, &it->when);
		if (fw_filter_record(st, &it->rec))
			fw_emit(st, &it->rec);
		free(it);
	}
}

void fw_perm_stop(struct fw_perm *p)
{
	struct timespec ts;

	if (!p || !p->started)
		return;
	__atomic_store_n(&p->stopping, true, __ATOMIC_RELEASE);
	do {
		pthread_kill(p->thread, STOP_SIGNAL);
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += STOP_RETRY_NS;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
	} while (pthread_timedjoin_np(p->thread, NULL, &ts) == ETIMEDOUT);
	p->started = false;
}

void fw_perm_free(struct fw_perm *p)
{
	if (!p)
		return;
	fw_perm_stop(p);
	fan_resolver_free(p->r);
	fan_group_free(p->g);	/* answers anything still pending: allow */
	if (p->dropped)
		fw_warn("%llu deny reports were dropped (queue full); the opens were denied",
			(unsigned long long)p->dropped);
	while (p->head) {
		struct deny_item *next = p->head->next;

		free(p->head);
		p->head = next;
	}
	free(p->batch_denied);
	fw_vcache_free(p->cache);
	close(p->notify_fd);
	pthread_mutex_destroy(&p->lock);
	free(p);
}
