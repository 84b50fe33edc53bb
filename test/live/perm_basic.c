// SPDX-License-Identifier: MIT
/*
 * A permission mark as the Rust nix crate tests it: the first open is
 * denied (the opener sees EPERM), the second allowed; each opener waits
 * for its answer, and the event names the opener.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "live.h"

static char dir[256], file[300];

/* One open by a child, answered with response; the child must see expected. */
static void open_answered(struct fan_group *g, uint32_t response, int expected)
{
	pid_t child = lv_spawn_open(file, O_RDONLY);
	struct fan_event *ev;
	char path[4096];

	T_EQ(lv_read(g, 5000), 1);
	ev = fan_group_first_event(g);
	T_EQ(fan_event_mask(ev), FAN_OPEN_PERM);
	T_EQ(fan_event_pid(ev), child);
	T_ASSERT(fan_event_is_permission(ev));
	T_ASSERT(fan_event_needs_answer(ev));
	T_STREQ(lv_fd_path(fan_event_fd(ev), path, sizeof(path)), file);
	/* Not answered yet: the opener is still waiting. */
	T_ASSERT(lv_blocked(child, 100));
	T_EQ(fan_event_respond(g, ev, response, NULL), 0);
	T_ASSERT(!fan_event_needs_answer(ev));
	lv_expect_exit(child, expected, response == FAN_DENY ? "denied open" : "allowed open");
}

int main(void)
{
	struct fan_group *g;
	struct fan_group_stats st;

	th_init(20);
	th_private_tmpfs(dir, sizeof(dir));
	th_write_file(dir, "file", 10);
	lv_join(file, sizeof(file), dir, "file");
	lv_require_mark(FAN_CLASS_CONTENT, 0, FAN_OPEN_PERM, AT_FDCWD, file);
	g = lv_group(FAN_CLASS_CONTENT | FAN_CLOEXEC | FAN_NONBLOCK, O_RDONLY);
	lv_mark(g, 0, FAN_OPEN_PERM, file);

	open_answered(g, FAN_DENY, EPERM);
	open_answered(g, FAN_ALLOW, 0);
	fan_group_release(g);
	st = lv_stats(g);
	T_EQ(st.events, 2);
	T_EQ(st.default_answers, 0);	/* both answered by us, none by the library */
	T_EQ(st.answer_errors, 0);
	fan_group_free(g);
	printf("PASS\n");
	return 0;
}
