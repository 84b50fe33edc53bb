// SPDX-License-Identifier: MIT
/*
 * Process identities for one batch: fan_resolve_process_info() once per
 * process per batch, not once per event (it reads /proc and, with pidfds,
 * checks the pidfd).  Keyed by pid and by whether the event came with a
 * live pidfd: pidfds are made when the batch is read, so two events of one
 * batch with live pidfds for one pid are the same process, and an event
 * without one (the process had exited) is never mixed up with a new
 * holder of the pid.  The strings are copied, so they stay valid whatever
 * else is asked of the resolver.
 *
 * Privileged, the resolver keeps a process table (the kernel's exit
 * records and forks, LIBFANOTIFY_RESOLVER_PROC_TABLE): a process that
 * exited before its events were read is still named, when no other can
 * have had its pid.  User names come from the password database, each uid
 * looked up once.
 */
#define _GNU_SOURCE
#include <pwd.h>
#include <stdlib.h>
#include <string.h>

#include "state.h"

#define NSLOTS 64
#define NUSERS 64

struct pslot {
	struct fan_process p;	/* first: fw_procs_id() finds the slot from it */
	struct fw_ident ident;
	uint64_t batch;		/* 0: empty */
	uint64_t id;		/* changes whenever the identity held does */
	pid_t pid;
	bool live;
	char comm[17];
	char *exe;
	size_t exe_cap;
	char *cgroup;
	size_t cgroup_cap;
	struct fan_process_parent parents[FW_PARENTS_MAX];
};

struct uname {
	uid_t uid;
	bool used;
	char *name;		/* NULL: no such user */
};

struct fw_procs {
	const struct fw_state *st;
	uint64_t batch;
	uint64_t next_id;
	struct uname users[NUSERS];
	struct pslot s[NSLOTS];
};

const struct fan_resolver_opts *fw_procs_resolver_opts(const struct fw_state *st)
{
	static struct fan_resolver_opts o = { .sz = sizeof(o) };

	/* exit records and forks: needs CAP_NET_ADMIN, which root has with CAP_SYS_ADMIN */
	o.flags = st->privileged ? LIBFANOTIFY_RESOLVER_PROC_TABLE : 0;
	return &o;
}

struct fw_procs *fw_procs_new(const struct fw_state *st)
{
	struct fw_procs *c = calloc(1, sizeof(*c));

	if (!c)
		fw_fatal(FW_EXIT_RUNTIME, "out of memory");
	c->st = st;
	c->batch = 1;
	return c;
}

void fw_procs_free(struct fw_procs *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < NSLOTS; i++) {
		free(c->s[i].exe);
		free(c->s[i].cgroup);
	}
	for (i = 0; i < NUSERS; i++)
		free(c->users[i].name);
	free(c);
}

void fw_procs_next_batch(struct fw_procs *c)
{
	c->batch++;
}

/* *dst (capacity *cap) = src, or NULL if src is or memory runs out. */
static const char *copy_str(char **dst, size_t *cap, const char *src)
{
	size_t n;

	if (!src)
		return NULL;
	n = strlen(src) + 1;
	if (n > *cap) {
		char *e = realloc(*dst, n);

		if (!e)
			return NULL;
		*dst = e;
		*cap = n;
	}
	memcpy(*dst, src, n);
	return *dst;
}

/* The name of uid, looked up once (the password database may be slow). */
static const char *user_name(struct fw_procs *c, uid_t uid)
{
	struct uname *u = &c->users[uid % NUSERS];
	struct passwd pw, *res = NULL;
	char buf[1024];

	if (uid == (uid_t)-1)
		return NULL;
	if (u->used && u->uid == uid)
		return u->name;
	free(u->name);
	*u = (struct uname){ .uid = uid, .used = true };
	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) == 0 && res)
		u->name = strdup(res->pw_name);
	return u->name;
}

static bool same_str(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

static bool same_parents(const struct pslot *s, size_t n, const struct fan_process_parent *p)
{
	return s->ident.nparents == n && !memcmp(s->parents, p, n * sizeof(*p));
}

/* The identity just resolved (n, ...) says what the slot said before: same id. */
static bool same_identity(const struct pslot *s, const struct fan_process_info *n,
			  size_t np, const struct fan_process_parent *par)
{
	const struct fan_process *o = &s->p, *q = &n->proc;

	return s->id && o->pid == q->pid && o->tid == q->tid && o->ppid == q->ppid &&
	       o->uid == q->uid && o->euid == q->euid && o->gid == q->gid &&
	       o->flags == q->flags && o->error == q->error &&
	       same_str(o->comm ? s->comm : NULL, q->comm) &&
	       same_str(o->exe ? s->exe : NULL, q->exe) &&
	       s->ident.egid == n->egid && s->ident.cgroup_id == n->cgroup_id &&
	       s->ident.mntns == n->mntns && same_str(s->ident.cgroup, n->cgroup) &&
	       same_parents(s, np, par);
}

/* --parents: nearest first; with a COMMAND, up to the command itself. */
static size_t parents_of(struct fw_procs *c, struct fan_resolver *r, const struct fan_event *ev,
			 struct fan_process_parent *out)
{
	const struct fw_state *st = c->st;
	unsigned int max = st->o->parents;
	int n = fan_resolve_parents(r, ev, out, max < FW_PARENTS_MAX ? max : FW_PARENTS_MAX);
	size_t i;

	if (n <= 0)
		return 0;
	for (i = 0; st->child && i < (size_t)n; i++)
		if (out[i].pid == st->child)
			return i + 1;
	return (size_t)n;
}

static void fill(struct fw_procs *c, struct pslot *s, struct fan_resolver *r,
		 const struct fan_event *ev)
{
	LIBFANOTIFY_OPTS(fan_process_info, n);
	struct fan_process_parent par[FW_PARENTS_MAX];
	size_t np = 0;

	fan_resolve_process_info(r, ev, &n);
	if (c->st->o->parents && (n.proc.comm || (n.proc.flags & LIBFANOTIFY_PROC_VERIFIED)))
		np = parents_of(c, r, ev, par);
	if (!same_identity(s, &n, np, par))
		s->id = ++c->next_id;
	s->p = n.proc;
	if (n.proc.comm) {
		strncpy(s->comm, n.proc.comm, sizeof(s->comm) - 1);
		s->comm[sizeof(s->comm) - 1] = '\0';
		s->p.comm = s->comm;
	}
	s->p.exe = copy_str(&s->exe, &s->exe_cap, n.proc.exe);
	s->ident = (struct fw_ident){
		.user = user_name(c, n.proc.uid),
		.egid = n.egid,
		.cgroup_id = n.cgroup_id,
		.mntns = n.mntns,
		.cgroup = copy_str(&s->cgroup, &s->cgroup_cap, n.cgroup),
		.parents_asked = c->st->o->parents > 0,
		.nparents = np,
		.parents = s->parents,
	};
	memcpy(s->parents, par, np * sizeof(*par));
}

uint64_t fw_procs_id(const struct fan_process *p)
{
	return p ? ((const struct pslot *)p)->id : 0;
}

const struct fw_ident *fw_procs_ident(const struct fan_process *p)
{
	return p ? &((const struct pslot *)p)->ident : NULL;
}

const struct fan_process *fw_procs_get(struct fw_procs *c, struct fan_resolver *r,
				       const struct fan_event *ev)
{
	pid_t pid = fan_event_pid(ev);
	bool live = fan_event_pidfd(ev) >= 0;
	struct pslot *s = &c->s[((unsigned int)pid * 2654435761u + live) % NSLOTS];

	if (s->batch != c->batch || s->pid != pid || s->live != live) {
		s->batch = c->batch;
		s->pid = pid;
		s->live = live;
		fill(c, s, r, ev);
	}
	return &s->p;
}
