// SPDX-License-Identifier: MIT
/*
 * Deadlines of deferred permission events: a scanner that takes too long
 * on a file answers "allow (and log)".  One thread per group, started on
 * first use, sleeps until the earliest deadline and answers what is due
 * with its verdict.  It writes the answer but closes nothing: the event's
 * descriptor stays the handle owner's until fan_perm_respond() or
 * fan_perm_free(), so a worker may go on reading the file.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "perm.h"

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

bool lf_deadline_response_ok(uint32_t response)
{
	uint32_t verdict = response & (FAN_ALLOW | FAN_DENY);

	if (verdict != FAN_ALLOW && verdict != FAN_DENY)
		return false;
	/* an errno for the opener only comes with a denial */
	return verdict == FAN_DENY || !(response & 0xff000000u);
}

void lf_timer_init(struct lf_timer *t)
{
	pthread_condattr_t ca;

	pthread_mutex_init(&t->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&t->wake, &ca);
	pthread_condattr_destroy(&ca);
	pthread_cond_init(&t->done, NULL);
}

void lf_timer_destroy(struct lf_timer *t)
{
	free(t->heap);
	/*
	 * In a child of fork() the copies may still count the parent's
	 * thread as a waiter: destroying them would wait for it forever.
	 */
	if (t->started && t->owner != getpid())
		return;
	pthread_cond_destroy(&t->done);
	pthread_cond_destroy(&t->wake);
	pthread_mutex_destroy(&t->lock);
}

/* ---- the heap, earliest due first; positions kept in each handle ---- */

static void heap_set(struct lf_timer *t, size_t i, struct fan_perm *p)
{
	t->heap[i] = p;
	p->heap_pos = i + 1;
}

static void sift_up(struct lf_timer *t, size_t i)
{
	struct fan_perm *p = t->heap[i];

	while (i > 0 && t->heap[(i - 1) / 2]->due > p->due) {
		heap_set(t, i, t->heap[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	heap_set(t, i, p);
}

static void sift_down(struct lf_timer *t, size_t i)
{
	struct fan_perm *p = t->heap[i];
	size_t c;

	while ((c = 2 * i + 1) < t->n) {
		if (c + 1 < t->n && t->heap[c + 1]->due < t->heap[c]->due)
			c++;
		if (t->heap[c]->due >= p->due)
			break;
		heap_set(t, i, t->heap[c]);
		i = c;
	}
	heap_set(t, i, p);
}

static void heap_remove(struct lf_timer *t, struct fan_perm *p)
{
	size_t i = p->heap_pos - 1;

	struct fan_perm *last;

	p->heap_pos = 0;
	if (i == --t->n)
		return;
	last = t->heap[t->n];
	heap_set(t, i, last);
	if (i > 0 && t->heap[(i - 1) / 2]->due > last->due)
		sift_up(t, i);
	else
		sift_down(t, i);
}

static int heap_push(struct lf_timer *t, struct fan_perm *p)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		struct fan_perm **h = realloc(t->heap, cap * sizeof(*h));

		if (!h)
			return -ENOMEM;
		t->heap = h;
		t->cap = cap;
	}
	heap_set(t, t->n++, p);
	sift_up(t, t->n - 1);
	return 0;
}

/* ---- the thread ---- */

static void stat_add(uint64_t *counter)
{
	__atomic_add_fetch(counter, 1, __ATOMIC_RELAXED);
}

/* Write the deadline's verdict; the default if the kernel refuses it. */
static void answer_due(struct fan_group *g, struct fan_perm *p)
{
	int fd = fan_event_fd((const struct fan_event *)p->ev);

	if (lf_sys_respond(g->fd, fd, p->due_response, NULL) == 0) {
		stat_add(&g->stats.deadline_answers);
		return;
	}
	stat_add(&g->stats.answer_errors);
	if (lf_sys_respond(g->fd, fd, g->default_response, NULL) == 0)
		stat_add(&g->stats.default_answers);
	else
		stat_add(&g->stats.answer_errors);
}

static void wait_until(struct lf_timer *t, uint64_t due)
{
	struct timespec ts = { .tv_sec = (time_t)(due / 1000000000u),
			       .tv_nsec = (long)(due % 1000000000u) };

	pthread_cond_timedwait(&t->wake, &t->lock, &ts);
}

/*
 * The group outlives this thread: fan_group_free() joins it before it
 * answers what is pending and closes the group's descriptor.
 */
static void *timer_main(void *arg)
{
	struct fan_group *g = arg;
	struct lf_timer *t = &g->timer;
	struct fan_perm *p;

	pthread_mutex_lock(&t->lock);
	while (!t->stop) {
		if (!t->n) {
			pthread_cond_wait(&t->wake, &t->lock);
			continue;
		}
		p = t->heap[0];
		if (p->due > mono_ns()) {
			wait_until(t, p->due);
			continue;
		}
		heap_remove(t, p);
		if (!lf_perm_cas(p))
			continue;	/* cannot happen: what is in the heap is pending */
		pthread_mutex_unlock(&t->lock);
		answer_due(g, p);
		pthread_mutex_lock(&t->lock);
		__atomic_store_n(&p->state, PERM_DONE, __ATOMIC_RELEASE);
		pthread_cond_broadcast(&t->done);
	}
	pthread_mutex_unlock(&t->lock);
	return NULL;
}

/* Start the thread with every signal blocked: they are the program's. */
static int timer_start(struct fan_group *g)
{
	sigset_t all, old;
	int r;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(&g->timer.thread, NULL, timer_main, g);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r)
		return -r;
	g->timer.started = true;
	g->timer.owner = getpid();
	return 0;
}

int lf_timer_add(struct fan_group *g, struct fan_perm *p, unsigned int ms, uint32_t response)
{
	struct lf_timer *t = &g->timer;
	int r = 0;

	pthread_mutex_lock(&t->lock);
	if (t->stop)
		r = -ECANCELED;
	else if (__atomic_load_n(&p->state, __ATOMIC_ACQUIRE) != PERM_PENDING)
		r = -EALREADY;
	else if (!t->started)
		r = timer_start(g);
	if (r == 0) {
		p->due = mono_ns() + (uint64_t)ms * 1000000u;
		p->due_response = response;
		p->timed = true;
		if (p->heap_pos)
			heap_remove(t, p);
		r = heap_push(t, p);
		if (r == 0 && t->heap[0] == p)
			pthread_cond_signal(&t->wake);
	}
	pthread_mutex_unlock(&t->lock);
	return r;
}

void lf_timer_cancel(struct fan_perm *p)
{
	struct lf_timer *t = &p->g->timer;

	pthread_mutex_lock(&t->lock);
	if (p->heap_pos)
		heap_remove(t, p);
	pthread_mutex_unlock(&t->lock);
}

void lf_perm_wait_done(struct fan_perm *p)
{
	struct lf_timer *t = &p->g->timer;

	if (__atomic_load_n(&p->state, __ATOMIC_ACQUIRE) == PERM_DONE)
		return;
	pthread_mutex_lock(&t->lock);
	while (__atomic_load_n(&p->state, __ATOMIC_ACQUIRE) != PERM_DONE)
		pthread_cond_wait(&t->done, &t->lock);
	pthread_mutex_unlock(&t->lock);
}

void lf_timer_stop(struct fan_group *g)
{
	struct lf_timer *t = &g->timer;
	bool started;

	pthread_mutex_lock(&t->lock);
	t->stop = true;
	/* in a child of fork() the thread is not there to join */
	started = t->started && t->owner == getpid();
	pthread_cond_signal(&t->wake);
	pthread_mutex_unlock(&t->lock);
	if (started)
		pthread_join(t->thread, NULL);
	pthread_mutex_lock(&t->lock);
	while (t->n)
		t->heap[--t->n]->heap_pos = 0;
	pthread_mutex_unlock(&t->lock);
}

LF_EXPORT int fan_perm_set_deadline(struct fan_perm *p, unsigned int ms, uint32_t response)
{
	struct fan_group *g;
	int r = -ECANCELED;

	if (!p || !lf_deadline_response_ok(response))
		return -EINVAL;
	g = p->g;
	pthread_rwlock_rdlock(&g->life);
	if (!g->closed)
		r = lf_timer_add(g, p, ms, response);
	pthread_rwlock_unlock(&g->life);
	return r;
}
