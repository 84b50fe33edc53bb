// SPDX-License-Identifier: MIT
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <linux/capability.h>

#include "th.h"
#include "rh.h"

struct fan_group *rh_group_opts(unsigned int init_flags, unsigned int event_f_flags,
				unsigned int flags)
{
	LIBFANOTIFY_OPTS(fan_group_opts, o, .init_flags = init_flags | FAN_NONBLOCK | FAN_CLOEXEC,
			 .event_f_flags = event_f_flags, .flags = flags);
	struct fan_group *g;
	int r;

	th_require_init(init_flags, event_f_flags);
	r = fan_group_new_opts(&o, &g);
	if (r < 0)
		th_fail("fan_group_new(0x%x): %s", init_flags, strerror(-r));
	return g;
}

struct fan_group *rh_group(unsigned int init_flags, unsigned int event_f_flags)
{
	return rh_group_opts(init_flags, event_f_flags, 0);
}

struct fan_resolver *rh_resolver(struct fan_group *g, size_t cache_bytes)
{
	LIBFANOTIFY_OPTS(fan_resolver_opts, o, .cache_bytes = cache_bytes);
	struct fan_resolver *r;
	int res = fan_resolver_new(g, &o, &r);

	if (res < 0)
		th_fail("fan_resolver_new: %s", strerror(-res));
	return r;
}

static void copy_path(struct rh_path *d, const struct fan_path *s)
{
	d->path = NULL;
	d->len = s->len;
	d->flags = s->flags;
	d->error = s->error;
	if (s->path) {
		T_EQ(strlen(s->path), s->len);	/* NUL-terminated, no NUL inside */
		d->path = malloc(s->len + 1);
		T_ASSERT(d->path);
		memcpy(d->path, s->path, s->len + 1);
	}
}

static void copy_proc(struct rh_ev *d, const struct fan_process *p)
{
	d->proc = *p;
	if (p->comm)
		snprintf(d->comm, sizeof(d->comm), "%s", p->comm);
	if (p->exe)
		snprintf(d->exe, sizeof(d->exe), "%s", p->exe);
	d->proc.comm = p->comm ? d->comm : NULL;
	d->proc.exe = p->exe ? d->exe : NULL;
}

static struct rh_ev *push(struct rh_evs *e)
{
	size_t i;

	if (e->n == e->cap) {
		e->cap = e->cap ? 2 * e->cap : 64;
		e->v = realloc(e->v, e->cap * sizeof(*e->v));
		T_ASSERT(e->v);
		/* the copies' strings live in the entries, which have moved */
		for (i = 0; i < e->n; i++) {
			e->v[i].proc.comm = e->v[i].proc.comm ? e->v[i].comm : NULL;
			e->v[i].proc.exe = e->v[i].proc.exe ? e->v[i].exe : NULL;
		}
	}
	memset(&e->v[e->n], 0, sizeof(e->v[0]));
	return &e->v[e->n++];
}

static void take(struct fan_resolver *r, const struct fan_event *ev, struct rh_evs *out,
		 bool procs)
{
	struct fan_path p, np;
	struct fan_process proc;
	struct rh_ev *d = push(out);

	d->mask = fan_event_mask(ev);
	d->pid = fan_event_pid(ev);
	d->ret = fan_resolve_path(r, ev, &p, &np);
	copy_path(&d->path, &p);
	copy_path(&d->new_path, &np);
	if (procs) {
		d->proc_ret = fan_resolve_process(r, ev, &proc);
		copy_proc(d, &proc);
	}
}

void rh_drain(struct fan_group *g, struct fan_resolver *r, struct rh_evs *out, bool procs)
{
	struct fan_event *ev;
	int n;

	while ((n = fan_group_read(g)) >= 0)
		fan_for_each_event(ev, g)
			take(r, ev, out, procs);
	if (n != -EAGAIN)
		th_fail("fan_group_read: %s", strerror(-n));
}

void rh_evs_free(struct rh_evs *e)
{
	size_t i;

	for (i = 0; i < e->n; i++) {
		free(e->v[i].path.path);
		free(e->v[i].new_path.path);
	}
	free(e->v);
	*e = (struct rh_evs){ 0 };
}

const struct rh_ev *rh_find(const struct rh_evs *e, uint64_t mask, const char *path)
{
	size_t i;

	for (i = 0; i < e->n; i++) {
		const struct rh_ev *v = &e->v[i];

		if ((v->mask & mask) != mask)
			continue;
		if (!path || (v->path.path && !strcmp(v->path.path, path)))
			return v;
	}
	return NULL;
}

/* Printable: non-printing bytes as \xNN, long paths shortened. */
static void show(const char *label, const struct rh_path *p)
{
	size_t i;

	fprintf(stderr, " %s=", label);
	if (!p->path) {
		fprintf(stderr, "(null)");
	} else {
		for (i = 0; i < p->len; i++) {
			unsigned char c = (unsigned char)p->path[i];

			if (p->len > 160 && i == 60) {
				fprintf(stderr, "...(%zu bytes)...", p->len);
				i = p->len - 60;
			}
			if (c < 0x20 || c >= 0x7f || c == '\\')
				fprintf(stderr, "\\x%02x", c);
			else
				fputc(c, stderr);
		}
	}
	fprintf(stderr, " flags=0x%x err=%d", p->flags, p->error);
}

void rh_dump(const struct rh_evs *e)
{
	char m[256];
	size_t i;

	for (i = 0; i < e->n && i < 64; i++) {
		const struct rh_ev *v = &e->v[i];

		fan_mask_format(v->mask, "|", m, sizeof(m));
		fprintf(stderr, "  [%zu] %s pid=%d ret=%d", i, m, v->pid, v->ret);
		show("path", &v->path);
		if (v->new_path.path || v->new_path.error != -ENOENT)
			show("new", &v->new_path);
		if (v->proc.pid || v->proc.flags)
			fprintf(stderr, " proc{pid=%d comm=%s flags=0x%x err=%d}", v->proc.pid,
				v->proc.comm ? v->proc.comm : "(null)", v->proc.flags,
				v->proc.error);
		fprintf(stderr, "\n");
	}
}

const struct rh_ev *rh_expect(const struct rh_evs *e, uint64_t mask, const char *path)
{
	const struct rh_ev *v = rh_find(e, mask, path);
	char m[256];

	if (v)
		return v;
	fan_mask_format(mask, "|", m, sizeof(m));
	fprintf(stderr, "no %s event with path \"%s\" among %zu:\n", m, path ? path : "*", e->n);
	rh_dump(e);
	th_fail("expected event missing");
}

void rh_expect_none(const struct rh_evs *e, uint64_t mask, const char *path)
{
	char m[256];

	if (!rh_find(e, mask, path))
		return;
	fan_mask_format(mask, "|", m, sizeof(m));
	fprintf(stderr, "unexpected %s event with path \"%s\":\n", m, path);
	rh_dump(e);
	th_fail("unexpected event");
}

char *rh_fmt(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		th_fail("vasprintf");
	va_end(ap);
	return s;
}

void rh_drop_privileges(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2] = { { 0 } };

	if (setgroups(0, NULL) < 0 || setresgid(65534, 65534, 65534) < 0 ||
	    setresuid(65534, 65534, 65534) < 0)
		th_fail("dropping to uid 65534: %s", strerror(errno));
	/* setresuid away from 0 clears the sets already; make sure of it */
	if (syscall(SYS_capset, &h, d) < 0)
		th_fail("capset: %s", strerror(errno));
	if (syscall(SYS_capget, &h, d) < 0)
		th_fail("capget: %s", strerror(errno));
	T_EQ(d[0].effective | d[1].effective | d[0].permitted | d[1].permitted, 0);
}

void rh_shared_tmpfs(char *dir, size_t size)
{
	th_private_tmpfs(dir, size);
	T_EQ(chmod(dir, 0777), 0);
}

void rh_unprivileged(void (*fn)(void *arg), void *arg)
{
	pid_t pid = fork();

	if (pid < 0)
		th_fail("fork: %s", strerror(errno));
	if (pid == 0) {
		rh_drop_privileges();
		fn(arg);
		exit(0);
	}
	T_EQ(th_wait(pid), 0);
}

void rh_expect_comm(pid_t pid, const char *want)
{
	char *p = rh_fmt("/proc/%d/comm", (int)pid), buf[32] = "";
	FILE *f = fopen(p, "r");

	T_ASSERT(f && fgets(buf, sizeof(buf), f));
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	T_STREQ(buf, want);
	free(p);
}

struct fan_fsid rh_fsid_of(const char *path)
{
	struct fan_fsid f;
	struct statfs st;

	T_EQ(statfs(path, &st), 0);
	memcpy(f.val, &st.f_fsid, sizeof(f.val));
	return f;
}

bool rh_holds(const char *path)
{
	char link[300], target[4096];
	size_t len = strlen(path);
	struct dirent *d;
	bool found = false;
	DIR *dir = opendir("/proc/self/fd");
	ssize_t n;

	T_ASSERT(dir);
	while ((d = readdir(dir)) && !found) {
		snprintf(link, sizeof(link), "/proc/self/fd/%s", d->d_name);
		n = readlink(link, target, sizeof(target) - 1);
		if (n >= (ssize_t)len && !memcmp(target, path, len) &&
		    (n == (ssize_t)len || target[len] == '/' || target[len] == ' '))
			found = true;
	}
	closedir(dir);
	return found;
}

uint64_t rh_rename_mask(void)
{
	return fan_probe_mark(FAN_REPORT_DFID_NAME | FAN_REPORT_FID, FAN_MARK_FILESYSTEM,
			      FAN_RENAME, -1, NULL) == 0 ? FAN_RENAME
							 : FAN_MOVED_FROM | FAN_MOVED_TO;
}

const struct rh_ev *rh_expect_rename(const struct rh_evs *e, const char *old, const char *nw)
{
	const struct rh_ev *v;

	if (rh_rename_mask() == FAN_RENAME) {
		v = rh_expect(e, FAN_RENAME, old);
		T_STREQ(v->new_path.path, nw);
		return v;
	}
	rh_expect(e, FAN_MOVED_FROM, old);
	return rh_expect(e, FAN_MOVED_TO, nw);
}
