/* SPDX-License-Identifier: MIT */
/*
 * A work queue of deferred permission events for the tests that answer
 * from a pool of worker threads: the reader pushes, workers pop until the
 * queue is closed and empty.  One queue per process.
 */
#ifndef TH_PERMQ_H
#define TH_PERMQ_H

#include <pthread.h>
#include <stdbool.h>

#include <fanotify/fanotify.h>

/* Queue p; fails the test if more than 4096 are pending. */
void th_permq_push(struct fan_perm *p);
/* The next event, waiting for one; NULL once closed and empty. */
struct fan_perm *th_permq_pop(void);
/* No more pushes: wake every waiting worker. */
void th_permq_close(void);
/* th_permq_close(), then join the n worker threads; fails the test if a join fails. */
void th_permq_join(const pthread_t *workers, int n);
/*
 * Stop the reader thread (store true into *reader_stop, which it polls,
 * and join it), then th_permq_join() the workers.
 */
void th_permq_stop(bool *reader_stop, pthread_t reader, const pthread_t *workers, int n);

#endif
