/* SPDX-License-Identifier: MIT */
/*
 * Private: the group object (group.c), its batches (batch.c), its deferred
 * answers and their deadlines (respond.c, deadline.c).
 */
#ifndef LIBFANOTIFY_GROUP_H
#define LIBFANOTIFY_GROUP_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "fanotify/fanotify.h"
#include "marks.h"

/*
 * Deadlines of deferred permission events (deadline.c): a heap of the
 * pending ones by due time, and the thread that answers them when due,
 * started on first use.  Lives as long as the group's memory (refs).
 */
struct lf_timer {
	pthread_mutex_t lock;
	pthread_cond_t wake;	/* the thread: an earlier deadline, or stop */
	pthread_cond_t done;	/* a deadline answer the thread claimed is written */
	pthread_t thread;
	pid_t owner;		/* the process that started it: a fork() has no such thread */
	bool started, stop;
	struct fan_perm **heap;	/* min-heap by due time */
	size_t n, cap;
};

struct fan_group {
	int fd;
	unsigned int init_flags;
	unsigned int event_f_flags;
	uint32_t default_response;
	unsigned int flags;
	pid_t self;

	/*
	 * The group's own buffer is two halves of own_size bytes (own_stride
	 * apart), used in turn by batches: an event kept from the previous
	 * batch lies outside the current one, so calls refuse it.
	 */
	unsigned char *own_buf;
	size_t own_size, own_stride;
	unsigned int own_half;	/* the half the next batch goes to */
	unsigned char *batch;	/* current batch: its valid prefix */
	size_t batch_len;
	/* a bit per byte offset of the batch: an event starts there (batch.c) */
	unsigned char *starts;
	size_t starts_size;
	uint64_t batch_seq;	/* bumped by every read */
	/*
	 * When the queue was last seen empty (CLOCK_MONOTONIC ns, taken before
	 * the read or ioctl that saw it; 0: never), and for the current batch
	 * the value it had before the read plus the time the read returned:
	 * every event of the batch happened between the two (batch.c).
	 */
	uint64_t empty_ns;
	uint64_t win_after_ns, win_read_ns;
	size_t fd_limit;	/* RLIMIT_NOFILE soft limit, re-read every FD_LIMIT_EVERY reads */

	struct fan_group_stats stats;
	uint64_t reader_answers;	/* fan_event_respond()'s, reader thread only */

	/* deadlines of deferred permission events (0 ms: none by default) */
	unsigned int deadline_ms;
	uint32_t deadline_response;
	struct lf_timer timer;

	/*
	 * Deferred permission events.  Answering takes life for reading (many
	 * workers write responses at once), shutdown takes it for writing;
	 * list_lock guards the list itself.
	 */
	pthread_rwlock_t life;
	pthread_mutex_t list_lock;
	struct fan_perm *perms;
	int refs;		/* atomic: user + one per deferred perm */
	bool closed;		/* fan_group_free() ran; under life */

	/* filesystems and directory marks recorded by marks.c (reader thread) */
	struct fan_mount *mounts;
	size_t nmounts;
	struct fan_markrec *markrecs;	/* by seq */
	size_t nmarkrecs;
	uint64_t markrec_seq;	/* seq of the next record */
	struct pathmap *markrec_index;	/* handle -> seq (8 bytes): is an object recorded? */
	uint64_t markrec_gen;	/* bumped when a record is added */
	uint64_t markrec_epoch;	/* bumped when markrecs is emptied */
	bool renames_ignored;	/* an ignore mask holds rename events: some may go unseen */

	struct fan_subtree *subtree;	/* its tracker (subtree.c): names tracked directories */
};

void lf_group_unref(struct fan_group *g);

/* batch.c */
void lf_batch_release(struct fan_group *g);
/*
 * Is ev an event of g's current batch: within its bounds, where an event
 * starts?  Inline: it guards every call that acts on an event.
 */
static inline bool lf_batch_owns(const struct fan_group *g, const struct fan_event *ev)
{
	size_t off = (size_t)((uintptr_t)ev - (uintptr_t)g->batch);

	/* unsigned: an ev before the batch wraps around past batch_len */
	return off < g->batch_len && (g->starts[off >> 3] >> (off & 7) & 1);
}
void lf_event_finish(struct fan_group *g, struct fan_event *ev);
uint64_t lf_now_ns(void);	/* CLOCK_MONOTONIC */
/*
 * The interval ev happened in (after, read], if ev is an event of the
 * group's current batch and the queue had been seen empty before it was
 * read; false otherwise.
 */
bool lf_batch_window(const struct fan_group *g, const struct fan_event *ev, uint64_t *after,
		     uint64_t *read);
/* Ask the kernel whether the queue is empty now (FIONREAD); note it if so. */
void lf_group_note_empty(struct fan_group *g);

/* respond.c */
void lf_perms_shutdown(struct fan_group *g);

#endif
