// SPDX-License-Identifier: MIT
/*
 * Misuse of the group API that needs a real fanotify group (suite live):
 * options structs of older (smaller) and newer (larger) callers, bad
 * options, bad mark arguments, answers to what cannot be answered.  No
 * descriptor may leak on any failure.  No mark is ever added.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fanotify/fanotify.h>

#include "builder.h"
#include "th.h"

/* An older caller's struct ends at default_response; the bytes after it are not its own. */
static void test_older_opts(void)
{
	struct fan_group_opts o;
	struct fan_group *g = NULL;

	memset(&o, 0xff, sizeof(o));	/* garbage where the old struct ends */
	o.sz = offsetof(struct fan_group_opts, default_response);
	o.init_flags = FAN_CLASS_NOTIF | FAN_CLOEXEC;
	o.event_f_flags = O_RDONLY;
	o.buf_size = 0;
	T_EQ(fan_group_new_opts(&o, &g), 0);
	T_ASSERT(g);
	T_EQ(fan_group_init_flags(g), FAN_CLASS_NOTIF | FAN_CLOEXEC);
	fan_group_free(g);

	/* Only the size field: every default. */
	o.sz = sizeof(size_t);
	g = NULL;
	T_EQ(fan_group_new_opts(&o, &g), 0);
	T_EQ(fan_group_init_flags(g), 0);
	fan_group_free(g);
}

static void test_newer_opts(void)
{
	struct {
		struct fan_group_opts o;
		uint64_t newer[2];
	} big;
	struct fan_group *g = NULL;

	memset(&big, 0, sizeof(big));
	big.o.sz = sizeof(big);
	big.o.init_flags = FAN_CLASS_NOTIF;
	T_EQ(fan_group_new_opts(&big.o, &g), 0);	/* zero tail: fine */
	fan_group_free(g);
	g = NULL;
	big.newer[1] = 1ull << 63;
	T_EQ(fan_group_new_opts(&big.o, &g), -EINVAL);	/* a request we cannot honour */
	T_ASSERT(g == NULL);
}

/* Each bad option is refused, and the kernel group made for it is closed. */
static void test_bad_opts(void)
{
	struct fan_group *g = NULL;
	int before = th_count_fds();

	{
		LIBFANOTIFY_OPTS(fan_group_opts, o, .buf_size = LIBFANOTIFY_MIN_BUF_SIZE - 1);
		T_EQ(fan_group_new_opts(&o, &g), -EINVAL);
	}
	{
		LIBFANOTIFY_OPTS(fan_group_opts, o, .default_response = FAN_ALLOW | FAN_DENY);
		T_EQ(fan_group_new_opts(&o, &g), -EINVAL);
	}
	{
		LIBFANOTIFY_OPTS(fan_group_opts, o, .flags = 0x80);
		T_EQ(fan_group_new_opts(&o, &g), -EINVAL);
	}
	{
		/* Both classes at once: the kernel's EINVAL passes through. */
		LIBFANOTIFY_OPTS(fan_group_opts, o,
				 .init_flags = FAN_CLASS_CONTENT | FAN_CLASS_PRE_CONTENT);
		T_EQ(fan_group_new_opts(&o, &g), -EINVAL);
	}
	{
		struct fan_group_opts o = { .sz = 0 };

		T_EQ(fan_group_new_opts(&o, &g), -EINVAL);
	}
	T_ASSERT(g == NULL);
	T_EQ(th_count_fds(), before);
	{
		LIBFANOTIFY_OPTS(fan_group_opts, o, .default_response = FAN_DENY,
				 .buf_size = LIBFANOTIFY_MIN_BUF_SIZE);
		T_EQ(fan_group_new_opts(&o, &g), 0);
		fan_group_free(g);
	}
	T_EQ(th_count_fds(), before);
}

static void test_stats_sizes(struct fan_group *g)
{
	struct fan_group_stats st;

	memset(&st, 0xee, sizeof(st));
	st.sz = offsetof(struct fan_group_stats, events);	/* knows only batches */
	T_EQ(fan_group_get_stats(g, &st), 0);
	T_EQ(st.batches, 0);
	T_ASSERT(st.events == 0xeeeeeeeeeeeeeeeeull);	/* beyond its size: untouched */
	st.sz = 0;
	T_EQ(fan_group_get_stats(g, &st), -EINVAL);
	T_EQ(fan_group_get_stats(g, NULL), -EINVAL);
}

static void test_mark_args(struct fan_group *g)
{
	struct fan_fsid unknown = { { 0x7a7a7a7a, 0x7b7b7b7b } };

	T_EQ(fan_group_add_mark(g, FAN_MARK_REMOVE, FAN_OPEN, "/"), -EINVAL);
	T_EQ(fan_group_add_mark(g, FAN_MARK_FLUSH, FAN_OPEN, "/"), -EINVAL);
	T_EQ(fan_group_add_mark(g, 0, FAN_OPEN, NULL), -EINVAL);
	T_EQ(fan_group_add_mark_fd(g, 0, FAN_OPEN, -1), -EBADF);
	T_EQ(fan_group_add_mark_fd(g, FAN_MARK_REMOVE, FAN_OPEN, 0), -EINVAL);
	T_EQ(fan_group_remove_mark(g, FAN_MARK_ADD, FAN_OPEN, "/"), -EINVAL);
	T_EQ(fan_group_remove_mark(g, 0, FAN_OPEN, NULL), -EINVAL);
	T_EQ(fan_group_flush_marks(g, FAN_MARK_ONLYDIR), -EINVAL);
	T_EQ(fan_group_flush_marks(g, 0xffffffffu), -EINVAL);
	T_EQ(fan_group_mount_fd(g, NULL), -EINVAL);
	T_EQ(fan_group_mount_fd(g, &unknown), -ENOENT);
}

static void test_read_args(struct fan_group *g)
{
	char small[LIBFANOTIFY_MIN_BUF_SIZE - 1];

	T_EQ(fan_group_read_buf(g, small, sizeof(small)), -EINVAL);
	T_EQ(fan_group_read_buf(g, NULL, 1 << 16), -EINVAL);
	T_ASSERT(fan_group_first_event(g) == NULL);	/* nothing read yet */
}

/* Answers: to nothing, to a non-permission event, with bad verdicts. */
static void test_answers(struct fan_group *g)
{
	struct fan_perm *p = NULL;
	unsigned char *buf;
	struct bb b;

	T_EQ(fan_group_respond_fd(g, -1, FAN_ALLOW, NULL), -EINVAL);
	T_EQ(fan_group_respond_fd(g, 0, 0, NULL), -EINVAL);
	/* A well-formed answer for an fd the kernel never gave: its ENOENT passes through. */
	T_EQ(fan_group_respond_fd(g, 1000, FAN_ALLOW, NULL), -ENOENT);

	bb_init(&b);
	bb_event(&b, FAN_OPEN, 1000, 1);
	bb_event(&b, FAN_OPEN_PERM, FAN_NOFD, 1);
	buf = bb_exact(&b, b.len);
	T_EQ(fan_event_respond(g, (struct fan_event *)buf, FAN_ALLOW, NULL), -EINVAL);
	T_EQ(fan_event_defer(g, (struct fan_event *)buf, &p), -EINVAL);
	T_EQ(fan_event_respond(g, (struct fan_event *)(buf + 24), FAN_ALLOW, NULL), -EINVAL);
	T_EQ(fan_event_defer(g, (struct fan_event *)(buf + 24), &p), -EINVAL);
	T_EQ(fan_event_defer(g, (struct fan_event *)buf, NULL), -EINVAL);
	T_ASSERT(p == NULL);
	free(buf);
	bb_free(&b);
}

static void test_resolver_opts(struct fan_group *g)
{
	struct {
		struct fan_resolver_opts o;
		uint64_t newer;
	} big = { .o = { .sz = sizeof(big) }, .newer = 1 };
	struct fan_resolver_opts older = { .sz = sizeof(size_t) };
	struct fan_resolver *r = NULL;

	T_EQ(fan_resolver_new(g, &big.o, &r), -EINVAL);
	T_ASSERT(r == NULL);
	T_EQ(fan_resolver_new(g, &older, NULL), -EINVAL);
	T_EQ(fan_resolver_new(g, &older, &r), 0);
	fan_resolver_free(r);
}

int main(void)
{
	struct fan_group *g = NULL;
	int before;

	th_init(30);
	th_require_init(FAN_CLASS_CONTENT, O_RDONLY);
	before = th_count_fds();
	test_older_opts();
	test_newer_opts();
	test_bad_opts();
	T_EQ(fan_group_new(FAN_CLASS_CONTENT | FAN_CLOEXEC, O_RDONLY, &g), 0);
	test_stats_sizes(g);
	test_mark_args(g);
	test_read_args(g);
	test_answers(g);
	test_resolver_opts(g);
	fan_group_free(g);
	T_EQ(th_count_fds(), before);
	return 0;
}
