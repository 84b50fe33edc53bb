// SPDX-License-Identifier: MIT
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>

#include "th.h"
#include "sh.h"

static struct sh_rec *push(struct sh *s)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 256;
		s->v = realloc(s->v, s->cap * sizeof(*s->v));
		T_ASSERT(s->v);
	}
	memset(&s->v[s->n], 0, sizeof(s->v[0]));
	return &s->v[s->n++];
}

static char *dup_or_null(const char *p)
{
	char *d = p ? strdup(p) : NULL;

	T_ASSERT(!p || d);
	return d;
}

void sh_found(void *arg, const struct fan_subtree_entry *e)
{
	struct sh *s = arg;
	struct sh_rec *r = push(s);

	T_EQ(strlen(e->path), e->len);
	r->mask = FAN_CREATE;
	r->path = dup_or_null(e->path);
	r->sflags = e->flags;
	r->error = e->error;
	r->root = e->root;
}

fan_subtree_skip_fn *sh_skip;

void sh_init(struct sh *s, const char *fs, unsigned int init_flags, unsigned int gflags,
	     uint64_t mask, unsigned int tflags)
{
	LIBFANOTIFY_OPTS(fan_group_opts, go, .init_flags = init_flags | FAN_NONBLOCK | FAN_CLOEXEC,
			 .event_f_flags = O_RDONLY | O_CLOEXEC, .flags = gflags,
			 .buf_size = 1 << 20);
	LIBFANOTIFY_OPTS(fan_subtree_opts, to, .mask = mask, .flags = tflags, .found = sh_found,
			 .arg = s, .skip = sh_skip);
	int r;

	memset(s, 0, sizeof(*s));
	s->look_first = getenv("SH_LOOK_FIRST") != NULL;
	if (!strcmp(fs, "ext4"))
		th_private_ext4(s->base, sizeof(s->base), 64, NULL, NULL, 0);
	else
		th_private_tmpfs(s->base, sizeof(s->base));
	th_require_init(init_flags, O_RDONLY);
	r = fan_group_new_opts(&go, &s->g);
	if (r < 0)
		th_fail("fan_group_new_opts: %s", strerror(-r));
	r = fan_resolver_new(s->g, NULL, &s->r);
	T_EQ(r, 0);
	r = fan_subtree_new(s->g, &to, &s->t);
	if (r < 0)
		th_fail("fan_subtree_new: %s", strerror(-r));
}

unsigned int sh_default_init(uint64_t *mask)
{
	if (th_kernel_has("5.17"))
		return FAN_CLASS_NOTIF | FAN_REPORT_DFID_NAME_TARGET;
	/* before 5.17: the group and the events libfanotify(7) says to use there */
	if (*mask & FAN_RENAME)
		*mask = (*mask & ~(uint64_t)FAN_RENAME) | FAN_MOVED_FROM | FAN_MOVED_TO;
	return FAN_CLASS_NOTIF | FAN_REPORT_DFID_NAME | FAN_REPORT_FID;
}

void sh_init_default(struct sh *s, const char *fs, uint64_t mask, unsigned int tflags)
{
	unsigned int init = sh_default_init(&mask);

	sh_init(s, fs, init, LIBFANOTIFY_SKIP_SELF, mask, tflags);
}

void sh_clear(struct sh *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		free(s->v[i].path);
		free(s->v[i].new_path);
	}
	s->n = 0;
	s->events = s->outside = s->partial = 0;
}

void sh_free(struct sh *s)
{
	sh_clear(s);
	free(s->v);
	fan_subtree_free(s->t);
	fan_resolver_free(s->r);
	fan_group_free(s->g);
	memset(s, 0, sizeof(*s));
}

const char *sh_p(const struct sh *s, const char *rel)
{
	static char buf[4][4096];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s%s%s", s->base, rel[0] ? "/" : "", rel);
	return buf[i];
}

int sh_root(struct sh *s, const char *rel)
{
	int r;

	sh_run("mkdir -p '%s'", sh_p(s, rel));
	r = fan_subtree_add_root(s->t, AT_FDCWD, sh_p(s, rel));
	if (r < 0)
		th_fail("fan_subtree_add_root(%s): %s", rel, strerror(-r));
	return r;
}

static void take(struct sh *s, const struct fan_event *ev)
{
	struct fan_path p, np;
	struct sh_rec *r;
	int root;

	s->events++;
	if (fan_event_is_overflow(ev)) {
		/* reported first, then what the tracker finds reading the trees again */
		push(s)->mask = FAN_Q_OVERFLOW;
		T_EQ(fan_subtree_handle(s->t, ev), 0);
		return;
	}
	/* the two orders the API allows: handed over first, or looked at first */
	if (!s->look_first)
		T_EQ(fan_subtree_handle(s->t, ev), 0);
	root = fan_subtree_in_scope(s->t, ev);
	if (root < 0) {
		s->outside++;
		fan_resolver_observe(s->r, ev);
		if (s->look_first)
			T_EQ(fan_subtree_handle(s->t, ev), 0);
		return;
	}
	fan_resolve_path(s->r, ev, &p, &np);
	r = push(s);
	r->mask = fan_event_mask(ev);
	r->pid = fan_event_pid(ev);
	r->root = root;
	r->path = dup_or_null(p.path);
	r->new_path = dup_or_null(np.path);
	r->pflags = p.flags;
	r->error = p.error;
	if (!p.path || (p.flags & LIBFANOTIFY_PATH_PARTIAL))
		s->partial++;
	if (s->look_first)
		T_EQ(fan_subtree_handle(s->t, ev), 0);
}

void sh_drain(struct sh *s)
{
	struct fan_event *ev;
	int n;

	while ((n = fan_group_read(s->g)) >= 0 || n == -EINTR)
		fan_for_each_event(ev, s->g)
			take(s, ev);
	if (n != -EAGAIN)
		th_fail("fan_group_read: %s", strerror(-n));
	fan_group_release(s->g);
}

void sh_dump(const struct sh *s)
{
	char names[256];
	size_t i;

	for (i = 0; i < s->n; i++) {
		fan_mask_format(s->v[i].mask, ",", names, sizeof(names));
		fprintf(stderr, "  %-28s %s%s%s%s%s\n", names, s->v[i].path ? s->v[i].path : "(null)",
			s->v[i].new_path ? " -> " : "", s->v[i].new_path ? s->v[i].new_path : "",
			s->v[i].sflags & LIBFANOTIFY_SUBTREE_FOUND ? " [found]" : "",
			s->v[i].sflags & LIBFANOTIFY_SUBTREE_UNWATCHED ? " [unwatched]" : "");
	}
	fprintf(stderr, "  (%llu events read, %llu outside the tree, %llu without a whole path)\n",
		(unsigned long long)s->events, (unsigned long long)s->outside,
		(unsigned long long)s->partial);
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool matches(const struct sh_rec *r, uint64_t mask, unsigned int fm, unsigned int fl)
{
	return (!mask || (r->mask & mask)) && (r->sflags & fm) == fl;
}

void sh_expect_set(const struct sh *s, uint64_t mask, unsigned int fm, unsigned int fl,
		   const char *const *rels)
{
	size_t i, n = 0, m = 0;
	const char **got = calloc(s->n + 1, sizeof(*got));
	char **want;
	bool ok;

	T_ASSERT(got);
	for (i = 0; i < s->n; i++)
		if (matches(&s->v[i], mask, fm, fl))
			got[n++] = s->v[i].path ? s->v[i].path : "(null)";
	while (rels[m])
		m++;
	want = calloc(m + 1, sizeof(*want));
	T_ASSERT(want);
	for (i = 0; i < m; i++)
		want[i] = strdup(sh_p(s, rels[i]));
	qsort(got, n, sizeof(*got), cmp);
	qsort(want, m, sizeof(*want), cmp);
	/* a set: an entry found by a read and also seen as an event counts once */
	for (i = 1; i < n; i++)
		if (!strcmp(got[i], got[i - 1])) {
			memmove(&got[i], &got[i + 1], (n - i - 1) * sizeof(*got));
			n--;
			i--;
		}
	ok = n == m;
	for (i = 0; ok && i < n; i++)
		ok = !strcmp(got[i], want[i]);
	if (!ok) {
		fprintf(stderr, "records (mask 0x%llx, flags 0x%x/0x%x): got %zu, expected %zu\n",
			(unsigned long long)mask, fl, fm, n, m);
		for (i = 0; i < n || i < m; i++)
			fprintf(stderr, "  got %-50s want %s\n", i < n ? got[i] : "",
				i < m ? want[i] : "");
		sh_dump(s);
		th_fail("not the expected set of paths");
	}
	for (i = 0; i < m; i++)
		free(want[i]);
	free(want);
	free(got);
}

bool sh_has(const struct sh *s, uint64_t mask, const char *rel)
{
	const char *p = sh_p(s, rel);
	size_t i;

	for (i = 0; i < s->n; i++)
		if ((s->v[i].mask & mask) == mask && s->v[i].path && !strcmp(s->v[i].path, p))
			return true;
	return false;
}

size_t sh_count_under(const struct sh *s, uint64_t mask, const char *rel)
{
	const char *p = sh_p(s, rel);
	size_t i, n = 0, len = strlen(p);

	for (i = 0; i < s->n; i++) {
		const char *q = s->v[i].path;

		if ((!mask || (s->v[i].mask & mask)) && q && !strncmp(q, p, len) &&
		    (q[len] == '\0' || q[len] == '/'))
			n++;
	}
	return n;
}

/* "fanotify ino:HEX sdev:HEX ..." lines of the group's fdinfo. */
static size_t each_mark(const struct fan_group *g, unsigned long ino, unsigned int dev)
{
	char path[64], line[512];
	unsigned long i;
	unsigned int d;
	size_t n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fan_group_fd(g));
	f = fopen(path, "re");
	T_ASSERT(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "fanotify ino:%lx sdev:%x", &i, &d) == 2 &&
		    (!ino || (i == ino && d == dev)))
			n++;
	fclose(f);
	return n;
}

size_t sh_marks(const struct fan_group *g)
{
	return each_mark(g, 0, 0);
}

bool sh_marked(const struct fan_group *g, const char *path)
{
	struct stat sb;

	if (lstat(path, &sb) < 0)
		th_fail("lstat %s: %s", path, strerror(errno));
	/* fdinfo shows the kernel's dev_t: major << 20 | minor */
	return each_mark(g, (unsigned long)sb.st_ino,
			 (major(sb.st_dev) << 20) | minor(sb.st_dev)) > 0;
}

/* sh -c cmd, as uid (and gid) when uid != 0: no capability left then. */
static void run_v(unsigned int uid, const char *fmt, va_list ap)
{
	char *cmd;
	pid_t pid;
	int st;

	T_ASSERT(vasprintf(&cmd, fmt, ap) >= 0);
	pid = fork();
	T_ASSERT(pid >= 0);
	if (pid == 0) {
		if (uid && (setgroups(0, NULL) < 0 || setresgid(uid, uid, uid) < 0 ||
			    setresuid(uid, uid, uid) < 0))
			_exit(126);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	st = th_wait(pid);
	if (st != 0)
		th_fail("command failed (%d) as uid %u: %s", st, uid, cmd);
	free(cmd);
}

void sh_run(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	run_v(0, fmt, ap);
	va_end(ap);
}

void sh_run_as(unsigned int uid, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	run_v(uid, fmt, ap);
	va_end(ap);
}

void sh_drop_cap(int cap)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d) < 0)
		th_fail("capget: %s", strerror(errno));
	d[cap / 32].effective &= ~(1u << (cap % 32));
	d[cap / 32].permitted &= ~(1u << (cap % 32));
	d[cap / 32].inheritable &= ~(1u << (cap % 32));
	if (syscall(SYS_capset, &h, d) < 0)
		th_fail("capset: %s", strerror(errno));
}
