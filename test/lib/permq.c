// SPDX-License-Identifier: MIT
#include <pthread.h>
#include <stdbool.h>

#include "permq.h"
#include "th.h"

#define QSIZE 4096

static struct fan_perm *queue[QSIZE];
static unsigned int qhead, qtail;
static bool qclosed;
static pthread_mutex_t qlock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t qcond = PTHREAD_COND_INITIALIZER;

void th_permq_push(struct fan_perm *p)
{
	pthread_mutex_lock(&qlock);
	if (qtail - qhead >= QSIZE)
		th_fail("work queue overflow (%u pending)", qtail - qhead);
	queue[qtail++ % QSIZE] = p;
	pthread_cond_signal(&qcond);
	pthread_mutex_unlock(&qlock);
}

struct fan_perm *th_permq_pop(void)
{
	struct fan_perm *p = NULL;

	pthread_mutex_lock(&qlock);
	while (qhead == qtail && !qclosed)
		pthread_cond_wait(&qcond, &qlock);
	if (qhead != qtail)
		p = queue[qhead++ % QSIZE];
	pthread_mutex_unlock(&qlock);
	return p;
}

void th_permq_close(void)
{
	pthread_mutex_lock(&qlock);
	qclosed = true;
	pthread_cond_broadcast(&qcond);
	pthread_mutex_unlock(&qlock);
}

void th_permq_join(const pthread_t *workers, int n)
{
	int i;

	th_permq_close();
	for (i = 0; i < n; i++)
		T_EQ(pthread_join(workers[i], NULL), 0);
}

void th_permq_stop(bool *reader_stop, pthread_t reader, const pthread_t *workers, int n)
{
	__atomic_store_n(reader_stop, true, __ATOMIC_RELEASE);
	T_EQ(pthread_join(reader, NULL), 0);
	th_permq_join(workers, n);
}
