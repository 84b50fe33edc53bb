// SPDX-License-Identifier: MIT
/*
 * An event is acted on only by the group whose current batch holds it.
 * fan_event_defer() and fan_event_respond() refuse (-EINVAL), and
 * fan_group_next_event() does not walk from:
 *   - an event of another group (libfanotify 1.0 deferred it: that group
 *     then never answered it and its opener waited until the group was
 *     freed);
 *   - an event kept from the previous batch (1.0 answered whatever event
 *     lay at that address in the new batch: a denial for the wrong opener),
 *     with the group's own buffer and with two caller buffers in turn;
 *   - a pointer into the middle of an event, or a deferred event's copy.
 * Each refused call leaves the real event untouched: it gets its own
 * answer.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "live.h"

static char dir[256], file[300];

static struct fan_group *perm_group(void)
{
	struct fan_group *g = lv_group(FAN_CLASS_CONTENT | FAN_NONBLOCK | FAN_CLOEXEC,
				       O_RDONLY | O_CLOEXEC);

	lv_mark(g, 0, FAN_OPEN_PERM, file);
	return g;
}

/* The permission event of child in g's batch, read into buf (NULL: the group's). */
static struct fan_event *event_of(struct fan_group *g, pid_t child, void *buf, size_t len)
{
	struct fan_event *ev;

	if (!lv_readable(g, 5000))
		th_fail("no event within 5 s");
	T_EQ(buf ? fan_group_read_buf(g, buf, len) : fan_group_read(g), 1);
	ev = fan_group_first_event(g);
	T_EQ(fan_event_mask(ev), FAN_OPEN_PERM);
	T_EQ(fan_event_pid(ev), child);
	T_ASSERT(fan_event_needs_answer(ev));
	return ev;
}

/* The group of the two that holds the open now (the kernel asks one at a time). */
static int asked(struct fan_group *g[2])
{
	double end = th_now() + 5;

	while (th_now() < end) {
		if (lv_readable(g[0], 10))
			return 0;
		if (lv_readable(g[1], 10))
			return 1;
	}
	th_fail("neither group got the open within 5 s");
}

static void other_group(void)
{
	struct fan_group *g[2] = { perm_group(), perm_group() };
	struct fan_perm *p = NULL;
	struct fan_event *ev;
	pid_t child = lv_spawn_open(file, O_RDONLY);
	int round, i;

	for (round = 0; round < 2; round++) {
		i = asked(g);
		ev = event_of(g[i], child, NULL, 0);
		T_EQ(fan_event_defer(g[!i], ev, &p), -EINVAL);
		T_EQ(p, NULL);
		T_EQ(fan_event_respond(g[!i], ev, FAN_DENY, NULL), -EINVAL);
		T_ASSERT(fan_group_next_event(g[!i], ev) == NULL);
		T_ASSERT(fan_event_needs_answer(ev));
		T_EQ(fan_event_respond(g[i], ev, FAN_ALLOW, NULL), 0);
	}
	lv_expect_exit(child, 0, "opener asked by two groups");
	T_EQ(lv_stats(g[0]).answer_errors + lv_stats(g[1]).answer_errors, 0);
	T_EQ(lv_stats(g[0]).caller_answers + lv_stats(g[1]).caller_answers, 2);
	fan_group_free(g[1]);
	fan_group_free(g[0]);
	printf("event of another group: refused\n");
}

/*
 * Batch 1 holds A's open (answered), batch 2 B's.  A's event kept from
 * batch 1 must not stand for anything of batch 2.  bufs: NULL for the
 * group's own buffer, else two caller buffers used in turn.
 */
static void previous_batch(void *bufs[2], size_t len, const char *how)
{
	struct fan_group *g = perm_group();
	struct fan_event *a, *b;
	struct fan_perm *p = NULL;
	pid_t ca, cb;

	ca = lv_spawn_open(file, O_RDONLY);
	a = event_of(g, ca, bufs ? bufs[0] : NULL, len);
	T_EQ(fan_event_respond(g, a, FAN_ALLOW, NULL), 0);
	lv_expect_exit(ca, 0, "first opener");

	cb = lv_spawn_open(file, O_RDONLY);
	b = event_of(g, cb, bufs ? bufs[1] : NULL, len);
	T_EQ(fan_event_respond(g, a, FAN_DENY, NULL), -EINVAL);
	T_EQ(fan_event_defer(g, a, &p), -EINVAL);
	T_EQ(p, NULL);
	T_ASSERT(fan_group_next_event(g, a) == NULL);
	T_ASSERT(fan_event_needs_answer(b));
	T_ASSERT(lv_blocked(cb, 50));
	fan_group_release(g);	/* the default: allow */
	lv_expect_exit(cb, 0, "second opener, after a refused answer for the first");
	T_EQ(lv_stats(g).default_answers, 1);
	T_EQ(lv_stats(g).caller_answers, 1);
	fan_group_free(g);
	printf("event of the previous batch (%s): refused\n", how);
}

/* Pointers that are not an event of the batch: inside one, past it, a deferred copy. */
static void not_events(void)
{
	struct fan_group *g = perm_group();
	struct fan_event *ev;
	struct fan_perm *p = NULL, *q = NULL;
	pid_t child = lv_spawn_open(file, O_RDONLY);
	char *bytes;

	ev = event_of(g, child, NULL, 0);
	bytes = (char *)ev;
	T_EQ(fan_event_respond(g, (struct fan_event *)(bytes + 4), FAN_DENY, NULL), -EINVAL);
	T_EQ(fan_event_respond(g, (struct fan_event *)(bytes + 8), FAN_DENY, NULL), -EINVAL);
	T_EQ(fan_event_defer(g, (struct fan_event *)(bytes + fan_event_len(ev)), &p), -EINVAL);
	T_EQ(fan_event_respond(g, (struct fan_event *)(bytes - 24), FAN_DENY, NULL), -EINVAL);
	T_EQ(fan_event_defer(g, ev, &p), 0);
	T_EQ(fan_event_respond(g, (struct fan_event *)fan_perm_event(p), FAN_DENY, NULL), -EINVAL);
	T_EQ(fan_event_defer(g, (struct fan_event *)fan_perm_event(p), &q), -EINVAL);
	T_EQ(q, NULL);
	T_EQ(fan_perm_respond(p, FAN_ALLOW, NULL), 0);
	lv_expect_exit(child, 0, "opener");
	/* no batch at all */
	fan_group_release(g);
	T_EQ(fan_event_respond(g, ev, FAN_DENY, NULL), -EINVAL);
	fan_group_free(g);
	printf("pointers into or past an event, deferred copies: refused\n");
}

int main(void)
{
	size_t len = 65536;
	void *bufs[2];

	th_init(50);
	lv_tmpfs_file(dir, sizeof(dir), file, sizeof(file));
	th_require_init(FAN_CLASS_CONTENT, O_RDONLY);

	other_group();
	previous_batch(NULL, 0, "the group's buffer");
	bufs[0] = malloc(len);
	bufs[1] = malloc(len);
	T_ASSERT(bufs[0] && bufs[1]);
	previous_batch(bufs, len, "two caller buffers in turn");
	free(bufs[0]);
	free(bufs[1]);
	not_events();
	printf("PASS\n");
	return 0;
}
