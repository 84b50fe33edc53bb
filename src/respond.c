// SPDX-License-Identifier: MIT
/*
 * Permission answers: written whole or reported, exactly once per event,
 * from any thread for deferred events (see perm.h for who answers when a
 * deadline races the owner).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>

#include "perm.h"

static void stat_add(uint64_t *counter)
{
	__atomic_add_fetch(counter, 1, __ATOMIC_RELAXED);
}

LF_EXPORT int fan_group_respond_fd(struct fan_group *g, int fd, uint32_t response,
				    const struct fan_audit_rule *rule)
{
	if (!g)
		return -EINVAL;
	return lf_sys_respond(g->fd, fd, response, rule);
}

static int check_answerable(const struct fan_event *ev)
{
	if (!fan_event_is_permission(ev) || fan_event_fd(ev) < 0)
		return -EINVAL;
	return fan_event_needs_answer(ev) ? 0 : -EALREADY;
}

LF_EXPORT int fan_event_respond(struct fan_group *g, struct fan_event *ev,
				 uint32_t response, const struct fan_audit_rule *rule)
{
	int r;

	if (!g || !ev || !lf_batch_owns(g, ev))
		return -EINVAL;
	r = check_answerable(ev);
	if (r < 0)
		return r;
	r = lf_sys_respond(g->fd, fan_event_fd(ev), response, rule);
	if (r == 0) {
		wr8(ev, MD_RESERVED, rd8(ev, MD_RESERVED) | ST_ANSWERED);
		g->reader_answers++;
	} else {
		stat_add(&g->stats.answer_errors);
	}
	return r;
}

static void list_add(struct fan_group *g, struct fan_perm *p)
{
	pthread_mutex_lock(&g->list_lock);
	p->next = g->perms;
	if (g->perms)
		g->perms->prev = p;
	g->perms = p;
	pthread_mutex_unlock(&g->list_lock);
}

static void list_del(struct fan_group *g, struct fan_perm *p)
{
	pthread_mutex_lock(&g->list_lock);
	if (p->prev)
		p->prev->next = p->next;
	else if (g->perms == p)
		g->perms = p->next;
	if (p->next)
		p->next->prev = p->prev;
	p->prev = p->next = NULL;
	pthread_mutex_unlock(&g->list_lock);
}

LF_EXPORT int fan_event_defer(struct fan_group *g, struct fan_event *ev, struct fan_perm **ret)
{
	unsigned char *rec;
	struct fan_perm *p;
	size_t len;
	int r;

	if (!g || !ev || !ret || !lf_batch_owns(g, ev))
		return -EINVAL;
	r = check_answerable(ev);
	if (r < 0)
		return r;
	len = fan_event_len(ev);
	p = calloc(1, sizeof(*p) + len);
	if (!p)
		return -ENOMEM;
	/* The copy keeps the caller's taken bits; the original gives up the rest. */
	memcpy(p->ev, ev, len);
	p->len = len;
	p->g = g;
	p->state = PERM_PENDING;
	if (g->deadline_ms) {
		r = lf_timer_add(g, p, g->deadline_ms, g->deadline_response);
		if (r < 0) {
			free(p);
			return r;	/* still the batch's: the default answers it */
		}
	}
	wr8(ev, MD_RESERVED, rd8(ev, MD_RESERVED) | ST_DEFERRED | ST_ANSWERED | ST_FD_TAKEN);
	rec = (unsigned char *)lf_event_find_pidfd_rec(ev);
	if (rec)
		wr8(rec, INFO_PAD, rd8(rec, INFO_PAD) | ST_PIDFD_TAKEN);
	__atomic_add_fetch(&g->refs, 1, __ATOMIC_ACQ_REL);
	list_add(g, p);
	*ret = p;
	return 0;
}

LF_EXPORT const struct fan_event *fan_perm_event(const struct fan_perm *p)
{
	return p ? (const struct fan_event *)p->ev : NULL;
}

static void perm_destroy(struct fan_perm *p)
{
	struct fan_group *g = p->g;

	free(p->path);
	free(p);
	lf_group_unref(g);
}

/* The owner claims p's answer: out of the deadline heap first, then the swap. */
static bool perm_claim(struct fan_perm *p)
{
	if (p->timed)
		lf_timer_cancel(p);
	return lf_perm_cas(p);
}

/*
 * The answer is someone else's (a deadline): wait until it is written,
 * then let the copy know, so finishing it only closes.
 */
static void answered_elsewhere(struct fan_perm *p)
{
	struct fan_event *ev = (struct fan_event *)p->ev;

	lf_perm_wait_done(p);
	wr8(ev, MD_RESERVED, rd8(ev, MD_RESERVED) | ST_ANSWERED);
}

LF_EXPORT int fan_perm_respond(struct fan_perm *p, uint32_t response,
				const struct fan_audit_rule *rule)
{
	struct fan_group *g;
	struct fan_event *ev;
	int r = -ECANCELED;

	if (!p)
		return -EINVAL;
	g = p->g;
	ev = (struct fan_event *)p->ev;
	pthread_rwlock_rdlock(&g->life);
	if (!g->closed) {
		if (perm_claim(p)) {
			r = lf_sys_respond(g->fd, fan_event_fd(ev), response, rule);
			if (r == 0) {
				wr8(ev, MD_RESERVED, rd8(ev, MD_RESERVED) | ST_ANSWERED);
				stat_add(&g->stats.caller_answers);
			} else {
				stat_add(&g->stats.answer_errors);
			}
			lf_event_finish(g, ev);	/* default verdict if refused, then close */
			__atomic_store_n(&p->state, PERM_DONE, __ATOMIC_RELEASE);
		} else {
			answered_elsewhere(p);
			lf_event_finish(g, ev);
			r = -EALREADY;
		}
		list_del(g, p);
	}
	pthread_rwlock_unlock(&g->life);
	perm_destroy(p);
	return r;
}

LF_EXPORT void fan_perm_free(struct fan_perm *p)
{
	struct fan_group *g;

	if (!p)
		return;
	g = p->g;
	pthread_rwlock_rdlock(&g->life);
	if (!g->closed) {
		if (!perm_claim(p))
			answered_elsewhere(p);
		lf_event_finish(g, (struct fan_event *)p->ev);
		__atomic_store_n(&p->state, PERM_DONE, __ATOMIC_RELEASE);
		list_del(g, p);
	}
	pthread_rwlock_unlock(&g->life);
	perm_destroy(p);
}

LF_EXPORT int fan_perm_answered(const struct fan_perm *p)
{
	if (!p)
		return -EINVAL;
	return __atomic_load_n(&p->state, __ATOMIC_ACQUIRE) != PERM_PENDING;
}

/*
 * fan_group_free(), the deadline thread stopped: answer and close what
 * deferred events still hold.  Under the write lock no owner is between
 * its claim and its answer, so a claimed handle is a written one.
 */
void lf_perms_shutdown(struct fan_group *g)
{
	struct fan_perm *p, *next;
	struct fan_event *ev;

	pthread_rwlock_wrlock(&g->life);
	g->closed = true;
	for (p = g->perms; p; p = next) {
		next = p->next;
		ev = (struct fan_event *)p->ev;
		if (!lf_perm_cas(p))
			wr8(ev, MD_RESERVED, rd8(ev, MD_RESERVED) | ST_ANSWERED);
		lf_event_finish(g, ev);
		__atomic_store_n(&p->state, PERM_DONE, __ATOMIC_RELEASE);
		p->prev = p->next = NULL;
	}
	g->perms = NULL;
	pthread_rwlock_unlock(&g->life);
}
