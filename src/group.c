// SPDX-License-Identifier: MIT
/* Group lifecycle: create or adopt a fanotify descriptor, free it safely. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "perm.h"

static bool response_ok(uint32_t r)
{
	return r == 0 || r == FAN_ALLOW || r == FAN_DENY;
}

static bool opts_ok(const struct fan_group_opts *o, size_t size)
{
	if (size < LIBFANOTIFY_MIN_BUF_SIZE || size > SIZE_MAX / 4 ||
	    !response_ok(o->default_response) ||
	    (o->flags & ~(LIBFANOTIFY_ANSWER_SELF | LIBFANOTIFY_SKIP_SELF)))
		return false;
	return !o->perm_deadline_response || lf_deadline_response_ok(o->perm_deadline_response);
}

/* The read buffer, two halves that take turns (batch.c), and its bitmap. */
static int buffers_alloc(struct fan_group *g, size_t size)
{
	g->own_stride = (size + 7) & ~(size_t)7;
	g->own_buf = aligned_alloc(8, 2 * g->own_stride);
	g->starts_size = size / 8 + 1;
	g->starts = calloc(1, g->starts_size);
	if (!g->own_buf || !g->starts) {
		free(g->own_buf);
		free(g->starts);
		return -ENOMEM;
	}
	g->own_size = size;
	return 0;
}

static int group_setup(int fd, const struct fan_group_opts *o, struct fan_group **ret)
{
	struct fan_group *g;
	size_t size = o->buf_size ? o->buf_size : LIBFANOTIFY_DEFAULT_BUF_SIZE;

	if (!opts_ok(o, size))
		return -EINVAL;
	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	if (buffers_alloc(g, size) < 0) {
		free(g);
		return -ENOMEM;
	}
	g->fd = fd;
	g->init_flags = o->init_flags;
	g->event_f_flags = o->event_f_flags;
	g->default_response = o->default_response ? o->default_response : FAN_ALLOW;
	g->flags = o->flags;
	g->deadline_ms = o->perm_deadline_ms;
	g->deadline_response = o->perm_deadline_response ? o->perm_deadline_response : FAN_ALLOW;
	if (g->flags & LIBFANOTIFY_SKIP_SELF)
		g->flags |= LIBFANOTIFY_ANSWER_SELF;
	g->self = getpid();
	g->refs = 1;
	g->stats.sz = sizeof(g->stats);
	pthread_rwlock_init(&g->life, NULL);
	pthread_mutex_init(&g->list_lock, NULL);
	lf_timer_init(&g->timer);
	*ret = g;
	return 0;
}

LF_EXPORT int fan_group_new_opts(const struct fan_group_opts *opts, struct fan_group **ret)
{
	struct fan_group_opts o = { .sz = sizeof(o) };
	int fd, r;

	if (!ret || !opts_valid(opts, sizeof(struct fan_group_opts)))
		return -EINVAL;
	LF_OPTS_IN(o, opts);
	fd = lf_sys_fanotify_init(o.init_flags, o.event_f_flags);
	if (fd < 0)
		return fd;
	r = group_setup(fd, &o, ret);
	if (r < 0)
		lf_sys_close(fd);
	return r;
}

LF_EXPORT int fan_group_new(unsigned int init_flags, unsigned int event_f_flags,
			     struct fan_group **ret)
{
	LIBFANOTIFY_OPTS(fan_group_opts, o, .init_flags = init_flags,
			 .event_f_flags = event_f_flags);

	return fan_group_new_opts(&o, ret);
}

/* "fanotify flags:10 event-flags:8002" from /proc/self/fdinfo/FD. */
static int fdinfo_flags(int fd, unsigned int *flags, unsigned int *event_f_flags)
{
	char path[64], line[256];
	int found = -EINVAL;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "fanotify flags:%x event-flags:%x", flags, event_f_flags) == 2) {
			found = 0;
			break;
		}
	fclose(f);
	return found;
}

LF_EXPORT int fan_group_adopt(int fd, const struct fan_group_opts *opts,
			       struct fan_group **ret)
{
	struct fan_group_opts o = { .sz = sizeof(o) };
	int r;

	if (fd < 0)
		return -EBADF;
	if (!ret || !opts_valid(opts, sizeof(struct fan_group_opts))) {
		lf_sys_close(fd);
		return -EINVAL;
	}
	LF_OPTS_IN(o, opts);
	r = fdinfo_flags(fd, &o.init_flags, &o.event_f_flags);
	if (r == -EINVAL || (r < 0 && fcntl(fd, F_GETFD) < 0)) {
		/* readable fdinfo without a fanotify line, or not a descriptor */
		lf_sys_close(fd);
		return r == -EINVAL ? -EINVAL : -EBADF;
	}
	if (r < 0 && opts)
		o.init_flags = opts->init_flags;	/* no /proc: trust the caller */
	r = group_setup(fd, &o, ret);
	if (r < 0)
		lf_sys_close(fd);
	return r;
}

void lf_group_unref(struct fan_group *g)
{
	if (__atomic_sub_fetch(&g->refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	pthread_rwlock_destroy(&g->life);
	pthread_mutex_destroy(&g->list_lock);
	lf_timer_destroy(&g->timer);
	free(g);
}

LF_EXPORT void fan_group_free(struct fan_group *g)
{
	if (!g)
		return;
	lf_batch_release(g);
	lf_timer_stop(g);
	lf_perms_shutdown(g);
	lf_marks_free(g);
	lf_sys_close(g->fd);
	g->fd = -1;
	free(g->own_buf);
	g->own_buf = NULL;
	free(g->starts);
	g->starts = NULL;
	lf_group_unref(g);
}

LF_EXPORT int fan_group_fd(const struct fan_group *g)
{
	return g ? g->fd : -EINVAL;
}

LF_EXPORT unsigned int fan_group_init_flags(const struct fan_group *g)
{
	return g ? g->init_flags : 0;
}

LF_EXPORT unsigned int fan_group_event_f_flags(const struct fan_group *g)
{
	return g ? g->event_f_flags : 0;
}

LF_EXPORT int fan_group_get_stats(const struct fan_group *g, struct fan_group_stats *st)
{
	struct fan_group_stats now = g ? g->stats : (struct fan_group_stats){ 0 };

	if (!g || !st || st->sz < sizeof(size_t))
		return -EINVAL;
	now.caller_answers = __atomic_load_n(&g->stats.caller_answers, __ATOMIC_RELAXED) +
			     g->reader_answers;
	LF_OPTS_OUT(st, now);
	return 0;
}
