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
 *
 * Fail closed, never a silent denial:
 *   - Its own descriptor table.  The kernel denies a permission event whose
 *     descriptor it cannot install (EMFILE), and fanwatch never learns of
 *     it unless the group has FAN_REPORT_FD_ERROR.  So the thread unshares
 *     its descriptor table at start (unshare(CLONE_FILES)) and closes its
 *     copies of everything but standard input, output and error, the group
 *     and the report eventfd: nothing the rest of fanwatch opens (the
 *     reporting group's pidfds, the walk of a deep tree, the resolver's
 *     /proc descriptors) can take a number the kernel needs here.  The
 *     table then holds at most PERM_FDS_OWN descriptors besides the
 *     events', and the library reads at most half the descriptor limit's
 *     worth of events at a time: fanwatch raises the soft limit to the hard
 *     one and refuses --deny below PERM_FDS_MIN.  Paths are read from
 *     /proc/thread-self/fd (/proc/self/fd is the main thread's table).
 *   - FAN_REPORT_FD_ERROR (Linux 6.13) where the kernel has it: an event
 *     whose descriptor could not be made comes with the error instead of
 *     being dropped (the kernel has denied it already); each is counted
 *     and reported as a denied open.  Without it, a read that fails with
 *     EMFILE is counted the same way (one event at least).
 *   - A file whose path is longer than the kernel prints through
 *     /proc/thread-self/fd (a page): the path is read from the line of
 *     /proc/thread-self/maps for a one-byte mapping of the descriptor,
 *     which the kernel prints at any length.  Where even that fails, the
 *     rules are decided with what is known (rules.c); what cannot be
 *     decided gets the --undecidable verdict, counted and reported.
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
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "state.h"

#define PERM_MASK (FAN_OPEN_PERM | FAN_OPEN_EXEC_PERM)
#define QUEUE_MAX 100000
#define STOP_SIGNAL SIGRTMIN
#define STOP_RETRY_NS 20000000	/* a stop signal can land just before read(): send again */
/*
 * Descriptors of the thread's own table besides the events': 0, 1, 2, the
 * group, the eventfd, /proc/thread-self/fd, and at most three at a time
 * while a path or a process is looked up (maps, /proc/PID, a pidfd).
 */
#define PERM_FDS_OWN 9
/* The library reads at most half the limit's worth of events: the rest must hold PERM_FDS_OWN. */
#define PERM_FDS_MIN 32
#define LINK_MAX_LEN 4096	/* the kernel prints a descriptor's link in a page */
#define MAPS_MAX (64u << 20)

struct deny_item {
	struct deny_item *next;
	struct timespec when;
	struct fw_record rec;
	struct fan_process proc;
	char data[];		/* path, comm, exe */
};

/* Why an open was denied (or let through undecided); 0: allowed by the rules. */
enum { DENY_RULE = 1, DENY_REFUSED, DENY_FAILED, DENY_UNDECIDED, ALLOW_UNDECIDED };

struct denied {
	struct fan_event *ev;
	int why;
	int err;		/* DENY_FAILED: why the answer could not be written (errno) */
};

/* A permission event's path, as far as it is known (reader thread only). */
struct ppath {
	char *s;		/* NUL-terminated; whole path if whole */
	size_t len, cap;
	const char *name;	/* last component, NULL if unknown */
	bool whole, deleted;
};

struct fw_perm {
	struct fan_group *g;
	struct fan_resolver *r;	/* created, used and freed by the reader thread */
	const struct fw_rules *rules;
	uint32_t deny;		/* FAN_DENY or FAN_DENY_ERRNO(e) */
	bool undecidable_allow;	/* --undecidable allow */
	bool fd_error;		/* the group has FAN_REPORT_FD_ERROR */
	bool own_table;		/* the thread has its own descriptor table */
	int fd_dir;		/* /proc/thread-self/fd, reader thread */
	struct ppath path;	/* reader thread */
	char *maps;		/* reader thread: /proc/thread-self/maps */
	size_t maps_cap;
	uint64_t undecided, refused;	/* reader thread; read after the join */
	uint64_t failed;		/* answers the kernel did not take (denied) */
	uint64_t keep_caps;	/* what the thread keeps */
	struct fw_ids ids;	/* and who it becomes */
	pthread_t thread;
	bool started, stopping;	/* stopping: atomic */
	int notify_fd;
	struct fw_vcache *cache;	/* NULL: a glob has '/' (the whole path decides) */
	uint64_t checked, cached;	/* permission events decided; from the cache */
	pthread_mutex_t lock;
	struct deny_item *head, *tail;
	size_t queued;
	uint64_t denied, dropped, read_errors;
	struct denied *batch_denied;	/* reader thread only */
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
			 .flags = LIBFANOTIFY_SKIP_SELF,
			 /* fail closed: what fanwatch could not answer, the library denies */
			 .default_response = FAN_DENY);
	int r;

	/* an event the kernel could not give a descriptor: reported, not dropped (6.13) */
	if (fan_probe_init(cls | FAN_REPORT_FD_ERROR, O_RDONLY) == 0) {
		o.init_flags |= FAN_REPORT_FD_ERROR;
		p->fd_error = true;
	}
	r = fan_group_new_opts(&o, &p->g);

	if (r == -EPERM)
		fw_fatal(FW_EXIT_RUNTIME, "--deny needs CAP_SYS_ADMIN (permission events)");
	if (r < 0)
		fw_fatal(FW_EXIT_RUNTIME, "cannot create the permission group: %s", strerror(-r));
}

/* The soft limit, raised by main.c to the hard one, must leave room for the reads. */
static void check_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur < PERM_FDS_MIN)
		fw_fatal(FW_EXIT_RUNTIME, "--deny needs a descriptor limit of at least %d (it is %llu: "
			 "see ulimit -n); below it the kernel would deny opens for want of a descriptor",
			 PERM_FDS_MIN, (unsigned long long)rl.rlim_cur);
}

struct fw_perm *fw_perm_new(struct fw_state *st)
{
	struct fw_perm *p = calloc(1, sizeof(*p));

	if (!p)
		fw_fatal(FW_EXIT_RUNTIME, "out of memory");
	if (st->o->deny_errno)
		check_deny_errno();
	check_nofile();
	perm_group_new(st, p);
	p->rules = st->o->deny_rules;
	p->undecidable_allow = st->o->undecidable_allow;
	p->fd_dir = -1;
	p->deny = st->o->deny_errno ? FAN_DENY_ERRNO(st->o->deny_errno) : FAN_DENY;
	if (!fw_rules_any_path(p->rules))
		p->cache = fw_vcache_new();
	p->notify_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (p->notify_fd < 0)
		fw_fatal(FW_EXIT_RUNTIME, "eventfd: %s", strerror(errno));
	pthread_mutex_init(&p->lock, NULL);
	return p;
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

/* After fw_perm_stop(): opens undecided (and their verdict), refused by the kernel, not answered. */
void fw_perm_counts(const struct fw_perm *p, uint64_t *undecided, bool *undecided_allowed,
		    uint64_t *refused, uint64_t *failed)
{
	*undecided = p->undecided;
	*undecided_allowed = p->undecidable_allow;
	*refused = p->refused;
	*failed = p->failed;
}

/* ---- the reader thread ---- */

/* ---- the path of an event's descriptor, in the thread's own table ---- */

static bool ppath_reserve(struct ppath *pp, size_t n)
{
	char *b;

	if (n <= pp->cap)
		return true;
	b = realloc(pp->s, n);
	if (!b)
		return false;
	pp->s = b;
	pp->cap = n;
	return true;
}

static void ppath_set_name(struct ppath *pp)
{
	char *slash = memrchr(pp->s, '/', pp->len);

	pp->name = slash && slash[1] ? slash + 1 : NULL;
}

/*
 * The kernel says " (deleted)" after the name of an unlinked file, and a
 * name may really end so: no links left, or the name leads elsewhere now.
 * Only a path whose name can be checked (short enough) is judged so.
 */
static void strip_deleted(struct ppath *pp, int fd, bool can_lstat)
{
	static const char sfx[] = " (deleted)";
	size_t sl = sizeof(sfx) - 1;
	struct stat st, lst;
	bool gone;

	if (pp->len <= sl || memcmp(pp->s + pp->len - sl, sfx, sl))
		return;
	if (fstat(fd, &st) < 0) {
		pp->whole = false;	/* cannot tell which it is */
		return;
	}
	pp->s[pp->len - sl] = '\0';
	if (st.st_nlink == 0)
		gone = true;
	else if (!can_lstat)
		gone = false, pp->whole = false;	/* an unlinked name of a linked file, or a real name */
	else
		gone = lstat(pp->s, &lst) < 0 ? errno == ENOENT || errno == ENOTDIR
					      : lst.st_dev != st.st_dev || lst.st_ino != st.st_ino;
	if (gone) {
		pp->len -= sl;
		pp->deleted = true;
	} else {
		pp->s[pp->len - sl] = ' ';
	}
}

/* All of /proc/thread-self/maps into p->maps; its length, or -errno. */
static ssize_t read_maps(struct fw_perm *p)
{
	int fd = open("/proc/thread-self/maps", O_RDONLY | O_CLOEXEC);
	size_t len = 0;
	ssize_t n;

	if (fd < 0)
		return -errno;
	for (;;) {
		if (len + 4096 >= p->maps_cap) {
			size_t cap = p->maps_cap ? p->maps_cap * 2 : 65536;
			char *b = cap <= MAPS_MAX ? realloc(p->maps, cap) : NULL;

			if (!b) {
				close(fd);
				return -ENOMEM;
			}
			p->maps = b;
			p->maps_cap = cap;
		}
		n = read(fd, p->maps + len, p->maps_cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (n < 0)
		return -errno;
	p->maps[len] = '\0';
	return (ssize_t)len;
}

/*
 * A path longer than a page: the kernel prints /proc/PID/maps lines at any
 * length (the buffer grows), so map one byte of the file and read its line.
 * Only '\n' is escaped there (as "\012", a backslash is left as it is): a
 * line with "\012" in it cannot be read back for sure, and is not used.
 */
static int long_path(struct fw_perm *p, int fd, struct ppath *pp)
{
	char key[32], *line, *end, *path;
	void *m = mmap(NULL, 1, PROT_READ, MAP_PRIVATE, fd, 0);
	ssize_t n;
	int i;

	if (m == MAP_FAILED)
		return -errno;
	n = read_maps(p);
	munmap(m, 1);
	if (n < 0)
		return (int)n;
	snprintf(key, sizeof(key), "\n%08lx-", (unsigned long)(uintptr_t)m);
	line = p->maps[0] && !strncmp(p->maps, key + 1, strlen(key + 1)) ? p->maps : strstr(p->maps, key);
	if (!line)
		return -ENOENT;
	line += line != p->maps;
	end = strchr(line, '\n');
	if (end)
		*end = '\0';
	/* start-end perms offset dev inode, then the path */
	for (path = line, i = 0; i < 5 && path; i++)
		path = strchr(path, ' ') ? strchr(path, ' ') + 1 : NULL;
	path = path ? strchr(path, '/') : NULL;
	if (!path || strstr(path, "\\012"))
		return -EILSEQ;
	n = (ssize_t)strlen(path);
	if (!ppath_reserve(pp, (size_t)n + 1))
		return -ENOMEM;
	memcpy(pp->s, path, (size_t)n + 1);
	pp->len = (size_t)n;
	pp->whole = true;
	return 0;
}

/* fd in decimal (snprintf() costs more than the rest of a cached answer). */
static void fd_name(char *buf, int fd)
{
	char tmp[12], *t = tmp + sizeof(tmp);
	unsigned int v = (unsigned int)fd;

	*--t = '\0';
	do
		*--t = (char)('0' + v % 10);
	while ((v /= 10));
	memcpy(buf, t, (size_t)(tmp + sizeof(tmp) - t));
}

/* What is known of the path of event descriptor fd. */
static void event_path(struct fw_perm *p, int fd, struct ppath *pp)
{
	char name[16];
	ssize_t n;

	pp->whole = pp->deleted = false;
	pp->name = NULL;
	pp->len = 0;
	if (!ppath_reserve(pp, LINK_MAX_LEN + 1))
		return;
	fd_name(name, fd);
	n = readlinkat(p->fd_dir, name, pp->s, LINK_MAX_LEN + 1);
	if (n < 0 && errno == ENAMETOOLONG) {
		if (long_path(p, fd, pp) < 0)
			return;
		strip_deleted(pp, fd, false);
	} else if (n > 0 && n <= LINK_MAX_LEN && pp->s[0] == '/') {
		pp->s[n] = '\0';
		pp->len = (size_t)n;
		pp->whole = true;
		strip_deleted(pp, fd, true);
	} else {
		return;		/* not a path (or a failure): nothing is known */
	}
	ppath_set_name(pp);
	if (!pp->whole)
		pp->name = NULL;	/* " (deleted)" or a real name: not even that is sure */
}

/* ---- verdicts ---- */



/* 0 allow; DENY_RULE; DENY_UNDECIDED / ALLOW_UNDECIDED by --undecidable. */
static int decide(struct fw_perm *p, struct fan_event *ev)
{
	struct fw_vkey k;
	bool keyed;
	int v, fd = fan_event_fd(ev);

	p->checked++;
	keyed = p->cache && fw_vcache_key(p->cache, fd, &k);
	if (keyed && (v = fw_vcache_get(p->cache, &k)) >= 0) {
		p->cached++;
		return v ? DENY_RULE : 0;
	}
	event_path(p, fd, &p->path);
	v = fw_rules_decide(p->rules, p->path.s, p->path.len, p->path.whole, p->path.name);
	if (v == FW_VERDICT_UNDECIDABLE) {
		p->undecided++;
		return p->undecidable_allow ? ALLOW_UNDECIDED : DENY_UNDECIDED;
	}
	if (keyed && p->path.whole && !p->path.deleted)
		fw_vcache_put(p->cache, &k, v == FW_VERDICT_DENY);
	return v == FW_VERDICT_DENY ? DENY_RULE : 0;
}

/* An open denied (or undecided) in this batch, to describe once every answer is given. */
static void remember(struct fw_perm *p, struct fan_event *ev, int why, int err)
{
	if (p->ndenied == p->cap_denied) {
		size_t cap = p->cap_denied ? p->cap_denied * 2 : 64;
		struct denied *v = realloc(p->batch_denied, cap * sizeof(*v));

		if (!v)
			return;		/* the answer is given; only its report is lost */
		p->batch_denied = v;
		p->cap_denied = cap;
	}
	p->batch_denied[p->ndenied++] = (struct denied){ .ev = ev, .why = why, .err = err };
}

/* The first undecided open is told on stderr at once; the summary counts them all. */
static void first_undecided(struct fw_perm *p, struct fan_event *ev, bool denied)
{
	if (p->undecided != 1)
		return;
	fw_warn("pid %d opened a file whose path could not be read whole: the --deny rules "
		"cannot be decided, so it was %s (--undecidable %s); the summary counts such "
		"opens", (int)fan_event_pid(ev), denied ? "denied" : "allowed",
		denied ? "deny" : "allow");
}

/* An event the kernel has already denied: it could not give us its descriptor. */
static void refused(struct fw_perm *p, struct fan_event *ev)
{
	int err = -fan_event_fd_error(ev);

	if (!p->refused++)
		fw_warn("the kernel denied an open by pid %d: it could not give fanwatch a "
			"descriptor for it (%s); the summary counts such opens",
			(int)fan_event_pid(ev), strerror(err));
	p->denied++;
	remember(p, ev, DENY_REFUSED, -fan_event_fd_error(ev));
}

/*
 * An answer the kernel did not take: the library answers the event with
 * the group's default when the batch is released, and that is a denial.
 */
static void answer_failed(struct fw_perm *p, struct fan_event *ev, int err)
{
	if (!p->failed++)
		fw_warn("could not answer an open by pid %d (%s): it was denied (fanwatch fails "
			"closed); the summary counts such opens", (int)fan_event_pid(ev),
			strerror(-err));
	p->denied++;
	remember(p, ev, DENY_FAILED, -err);
}

/* Answer every event of the batch, first thing. */
static void answer_batch(struct fw_perm *p)
{
	struct fan_event *ev;
	uint32_t verdict;
	int why, r;

	p->ndenied = 0;
	fan_for_each_event(ev, p->g) {
		if (__builtin_expect(fan_event_fd(ev) < 0, 0)) {
			if (fan_event_is_permission(ev) && fan_event_fd_error(ev) < 0)
				refused(p, ev);
			continue;
		}
		if (!fan_event_needs_answer(ev))
			continue;
		why = decide(p, ev);
		verdict = why == DENY_RULE || why == DENY_UNDECIDED ? p->deny : FAN_ALLOW;
		r = fan_event_respond(p->g, ev, verdict, NULL);
		if (r < 0) {
			answer_failed(p, ev, r);
			continue;
		}
		if (why >= DENY_UNDECIDED)
			first_undecided(p, ev, why == DENY_UNDECIDED);
		if (verdict != FAN_ALLOW) {
			p->denied++;
			remember(p, ev, why, 0);
		}
	}
}

static struct deny_item *describe(struct fw_perm *p, const struct denied *d,
				  const struct timespec *now)
{
	struct fan_event *ev = d->ev;
	struct fan_process proc = { 0 };
	struct ppath *pp = &p->path;
	struct deny_item *it;
	size_t pl, cl, el;

	if (d->why == DENY_REFUSED)
		pp->len = 0, pp->whole = false, pp->name = NULL;
	else
		event_path(p, fan_event_fd(ev), pp);
	fan_resolve_process(p->r, ev, &proc);
	/* what is known: the whole path, or the name alone (marked partial) */
	pl = pp->whole ? pp->len : pp->name ? strlen(pp->name) : 0;
	cl = proc.comm ? strlen(proc.comm) : 0;
	el = proc.exe ? strlen(proc.exe) : 0;
	it = calloc(1, sizeof(*it) + pl + cl + el + 3);
	if (!it)
		return NULL;
	it->when = *now;
	it->proc = proc;
	memcpy(it->data, pp->whole ? pp->s : pp->name ? pp->name : "", pl);
	memcpy(it->data + pl + 1, proc.comm ? proc.comm : "", cl);
	memcpy(it->data + pl + cl + 2, proc.exe ? proc.exe : "", el);
	it->proc.comm = proc.comm ? it->data + pl + 1 : NULL;
	it->proc.exe = proc.exe ? it->data + pl + cl + 2 : NULL;
	it->rec = (struct fw_record){
		.events = (fan_event_mask(ev) & FAN_OPEN_EXEC_PERM) ? FAN_OPEN_EXEC : FAN_OPEN,
		.flags = FW_REC_DENIED | (pp->deleted ? FW_REC_DELETED : 0) |
			 (!pp->whole ? FW_REC_PARTIAL : 0) |
			 (d->why == DENY_UNDECIDED ? FW_REC_UNDECIDED : 0) |
			 (d->why == DENY_REFUSED ? FW_REC_ERROR | FW_REC_NO_FD : 0) |
			 (d->why == DENY_FAILED ? FW_REC_ERROR : 0),
		.pid = fan_event_pid(ev),
		.path = { pp->whole || pp->name ? it->data : NULL, pl },
		.error = d->err,
		.error_count = d->err != 0,
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
		it = describe(p, &p->batch_denied[i], &now);
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

	/* without FAN_REPORT_FD_ERROR: the kernel denied (at least) the first event */
	if (err == -EMFILE || err == -ENFILE) {
		p->refused++;
		p->denied++;
	}
	if (!p->read_errors++)
		fw_warn("permission thread: reading events: %s; trying again", strerror(-err));
	nanosleep(&ts, NULL);
}

/* Close every descriptor of the thread's own table from lo on but the two kept. */
static void close_others(int lo, int keep1, int keep2)
{
	int a = keep1 < keep2 ? keep1 : keep2, b = keep1 < keep2 ? keep2 : keep1;

	if (a > lo)
		close_range((unsigned int)lo, (unsigned int)a - 1, 0);
	if (b > a + 1)
		close_range((unsigned int)a + 1, (unsigned int)b - 1, 0);
	close_range((unsigned int)b + 1, ~0u, 0);
}

/*
 * A descriptor table of the thread's own (see the top of this file), and
 * the descriptors the thread reads paths through.  Without it (a kernel
 * that refuses unshare), the shared table is used as before: said once.
 */
static void own_table(struct fw_perm *p)
{
	if (unshare(CLONE_FILES) == 0) {
		close_others(3, fan_group_fd(p->g), p->notify_fd);
		p->own_table = true;
	} else {
		fw_warn("permission thread: no descriptor table of its own (%s): descriptors "
			"the rest of fanwatch holds count against the permission events'",
			strerror(errno));
	}
	p->fd_dir = open(p->own_table ? "/proc/thread-self/fd" : "/proc/self/fd",
			 O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (p->fd_dir < 0)
		fw_warn("permission thread: cannot open /proc/thread-self/fd (%s): paths are "
			"unknown, every open gets the --undecidable verdict", strerror(errno));
	/* only process lookups: created here so that its descriptors are in this table */
	if (fan_resolver_new(p->g, NULL, &p->r) < 0)
		p->r = NULL;
}

static void *perm_main(void *arg)
{
	struct fw_perm *p = arg;
	sigset_t set;
	int n;

	/* capabilities are per thread: this one drops its own at once */
	n = fw_caps_limit(p->keep_caps, &p->ids);
	if (n < 0 && n != -EPERM)
		fw_warn("permission thread: could not drop capabilities: %s", strerror(-n));
	own_table(p);
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
	/* what this table holds goes with the thread; the resolver is freed in it */
	fan_resolver_free(p->r);
	p->r = NULL;
	if (p->fd_dir >= 0)
		close(p->fd_dir);
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

void fw_perm_start(struct fw_perm *p, uint64_t keep, const struct fw_ids *ids)
{
	int r;

	p->keep_caps = keep;
	p->ids = *ids;
	stop_signal_setup();
	r = pthread_create(&p->thread, NULL, perm_main, p);
	if (r)
		fw_fatal(FW_EXIT_RUNTIME, "cannot start the permission thread: %s", strerror(r));
	p->started = true;
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
	free(p->path.s);
	free(p->maps);
	fw_vcache_free(p->cache);
	close(p->notify_fd);
	pthread_mutex_destroy(&p->lock);
	free(p);
}
