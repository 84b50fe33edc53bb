/* SPDX-License-Identifier: MIT */
/*
 * Deferred permission events (respond.c) and their deadlines (deadline.c).
 *
 * Each handle gets exactly one answer.  Whoever writes it first claims it
 * (state PENDING -> CLAIMED, one compare-and-swap), writes it, then marks
 * it DONE.  Claimants: the handle's owner (fan_perm_respond/free), the
 * deadline thread, and fan_group_free().  A handle in the deadline heap is
 * always PENDING: the owner takes it out of the heap before it claims, the
 * deadline thread claims it as it takes it out, both under the timer lock.
 * The owner closes the event's descriptors only once the answer is DONE,
 * since the kernel matches an answer to its event by descriptor number.
 */
#ifndef LIBFANOTIFY_PERM_H
#define LIBFANOTIFY_PERM_H

#include "internal.h"

enum { PERM_PENDING, PERM_CLAIMED, PERM_DONE };

struct fan_perm {
	struct fan_group *g;
	struct fan_perm *prev, *next;	/* in g->perms, under g->list_lock */
	int state;		/* PERM_*, atomic */
	bool timed;		/* ever given a deadline (set and read by the owner) */
	size_t heap_pos;	/* 1 + index in g->timer.heap, 0 if not there; timer lock */
	uint64_t due;		/* CLOCK_MONOTONIC, ns */
	uint32_t due_response;
	char *path;		/* fan_perm_path()'s string */
	size_t len;
	unsigned char ev[];	/* copy of the event; owns its fd and pidfd */
};

/* PENDING -> CLAIMED: true for the one caller that may write p's answer. */
static inline bool lf_perm_cas(struct fan_perm *p)
{
	int pending = PERM_PENDING;

	return __atomic_compare_exchange_n(&p->state, &pending, PERM_CLAIMED, false,
					   __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}
/* Someone else claimed p: wait until that answer is written. */
void lf_perm_wait_done(struct fan_perm *p);

/* deadline.c */
void lf_timer_init(struct lf_timer *t);
void lf_timer_destroy(struct lf_timer *t);
/* Answer p with response once ms have passed, unless answered before. */
int lf_timer_add(struct fan_group *g, struct fan_perm *p, unsigned int ms, uint32_t response);
/* Take p out of the deadline heap (owner, before it claims). */
void lf_timer_cancel(struct fan_perm *p);
/* fan_group_free(): stop the thread, empty the heap (the handles stay pending). */
void lf_timer_stop(struct fan_group *g);
/* A verdict a deadline may give: FAN_ALLOW or FAN_DENY (maybe | FAN_AUDIT), FAN_DENY_ERRNO(). */
bool lf_deadline_response_ok(uint32_t response);

#endif
