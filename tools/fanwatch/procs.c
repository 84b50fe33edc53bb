// SPDX-License-Identifier: MIT
/*
 * Process identities for one batch: fan_resolve_process() once per process
 * per batch, not once per event (it reads /proc and, with pidfds, checks
 * the pidfd).  Keyed by pid and by whether the event came with a live
 * pidfd: pidfds are made when the batch is read, so two events of one
 * batch with live pidfds for one pid are the same process, and an event
 * without one (the process had exited) is never mixed up with a new
 * holder of the pid.  The strings are copied, so they stay valid whatever
 * else is asked of the resolver.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "state.h"

#define NSLOTS 64

struct pslot {
	struct fan_process p;	/* first: fw_procs_id() finds the slot from it */
	uint64_t batch;		/* 0: empty */
	uint64_t id;		/* changes whenever the identity held does */
	pid_t pid;
	bool live;
	char comm[17];
	char *exe;
	size_t exe_cap;
};

struct fw_procs {
	uint64_t batch;
	uint64_t next_id;
	struct pslot s[NSLOTS];
};

struct fw_procs *fw_procs_new(void)
{
	struct fw_procs *c = calloc(1, sizeof(*c));

	if (!c)
		fw_fatal(FW_EXIT_RUNTIME, "out of memory");
	c->batch = 1;
	return c;
}

void fw_procs_free(struct fw_procs *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < NSLOTS; i++)
		free(c->s[i].exe);
	free(c);
}

void fw_procs_next_batch(struct fw_procs *c)
{
	c->batch++;
}

static void copy_exe(struct pslot *s, const char *exe)
{
	size_t n = strlen(exe) + 1;

	if (n > s->exe_cap) {
		char *e = realloc(s->exe, n);

		if (!e) {
			s->p.exe = NULL;
			return;
		}
		s->exe = e;
		s->exe_cap = n;
	}
	memcpy(s->exe, exe, n);
	s->p.exe = s->exe;
}

static bool same_str(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/* The identity just resolved (n) says what the slot said before: same id. */
static bool same_identity(const struct pslot *s, const struct fan_process *n)
{
	const struct fan_process *o = &s->p;

	return s->id && o->pid == n->pid && o->tid == n->tid && o->ppid == n->ppid &&
	       o->uid == n->uid && o->euid == n->euid && o->gid == n->gid &&
	       o->flags == n->flags && o->error == n->error &&
	       same_str(o->comm ? s->comm : NULL, n->comm) &&
	       same_str(o->exe ? s->exe : NULL, n->exe);
}

static void fill(struct fw_procs *c, struct pslot *s, struct fan_resolver *r,
		 const struct fan_event *ev)
{
	struct fan_process n;

	fan_resolve_process(r, ev, &n);
	if (!same_identity(s, &n))
		s->id = ++c->next_id;
	s->p = n;
	if (n.comm) {
		strncpy(s->comm, n.comm, sizeof(s->comm) - 1);
		s->comm[sizeof(s->comm) - 1] = '\0';
		s->p.comm = s->comm;
	}
	if (n.exe)
		copy_exe(s, n.exe);
}

uint64_t fw_procs_id(const struct fan_process *p)
{
	return p ? ((const struct pslot *)p)->id : 0;
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
