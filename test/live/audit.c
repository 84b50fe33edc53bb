// SPDX-License-Identifier: MIT
/*
 * Audited permission answers: FAN_AUDIT needs a group created with
 * FAN_ENABLE_AUDIT (the kernel's EINVAL comes back otherwise and the event
 * stays unanswered); in such a group FAN_AUDIT answers are honoured, and
 * an answer with a struct fan_audit_rule (FAN_INFO record, Linux 6.3) is
 * accepted by the kernel.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "live.h"

static char dir[256], file[300];

static struct fan_group *group(unsigned int extra)
{
	struct fan_group *g = lv_group(FAN_CLASS_CONTENT | FAN_NONBLOCK | FAN_CLOEXEC | extra,
				       O_RDONLY | O_CLOEXEC);

	lv_mark(g, 0, FAN_OPEN_PERM, file);
	return g;
}

static void without_enable_audit(void)
{
	static const struct fan_audit_rule rule = { .rule_number = 1 };
	struct fan_group *g = group(0);
	struct fan_event *ev;
	pid_t child;

	ev = lv_blocked_open(g, file, &child);
	T_EQ(fan_event_respond(g, ev, FAN_DENY | FAN_AUDIT, NULL), -EINVAL);
	T_EQ(fan_event_respond(g, ev, FAN_DENY | FAN_AUDIT, &rule), -EINVAL);
	T_ASSERT(fan_event_needs_answer(ev));
	T_EQ(lv_stats(g).answer_errors, 2);
	T_ASSERT(lv_blocked(child, 50));
	T_EQ(fan_event_respond(g, ev, FAN_ALLOW, NULL), 0);
	lv_expect_exit(child, 0, "allowed after refused audit answers");
	fan_group_free(g);
}

/*
 * The response and audit-rule record built by hand, as the uapi lays them
 * out (struct fanotify_response, then struct fanotify_response_info_audit_rule:
 * u8 type, u8 pad, u16 len = 16, u32 rule_number, subj_trust, obj_trust).
 */
static int raw_rule_response(struct fan_group *g, int fd, uint32_t response,
			     const struct fan_audit_rule *rule)
{
	unsigned char buf[24] = { 0 };
	uint32_t resp = response | FAN_INFO;
	uint16_t len = 16;

	memcpy(buf, &fd, 4);
	memcpy(buf + 4, &resp, 4);
	buf[8] = FAN_RESPONSE_INFO_AUDIT_RULE;
	memcpy(buf + 10, &len, 2);
	memcpy(buf + 12, &rule->rule_number, 4);
	memcpy(buf + 16, &rule->subj_trust, 4);
	memcpy(buf + 20, &rule->obj_trust, 4);
	return write(fan_group_fd(g), buf, sizeof(buf)) == (ssize_t)sizeof(buf) ? 0 : -errno;
}

static void with_enable_audit(void)
{
	static const struct fan_audit_rule rule = {
		.rule_number = 42, .subj_trust = 1, .obj_trust = 2,
	};
	struct fan_group *g = group(FAN_ENABLE_AUDIT);
	struct fan_event *ev;
	pid_t child;
	int r;

	ev = lv_blocked_open(g, file, &child);
	T_EQ(fan_event_respond(g, ev, FAN_DENY | FAN_AUDIT, NULL), 0);
	lv_expect_exit(child, EPERM, "audited deny");

	ev = lv_blocked_open(g, file, &child);
	T_EQ(fan_event_respond(g, ev, FAN_ALLOW | FAN_AUDIT, NULL), 0);
	lv_expect_exit(child, 0, "audited allow");

	ev = lv_blocked_open(g, file, &child);
	r = fan_event_respond(g, ev, FAN_DENY | FAN_AUDIT, &rule);
	if (r == -EINVAL) {
		/* The kernel's refusal, or the library's malformed record? */
		if (raw_rule_response(g, fan_event_fd(ev), FAN_DENY | FAN_AUDIT, &rule) == 0)
			th_fail("library's audit-rule response refused, a hand-built one accepted");
		fan_group_free(g);
		lv_expect_exit(child, 0, "default after a refused audit rule");
		th_skip("kernel refuses a FAN_INFO audit-rule response (6.3+): %s",
			strerror(-r));
	}
	T_EQ(r, 0);
	lv_expect_exit(child, EPERM, "deny with an audit rule");
	T_EQ(lv_stats(g).answer_errors, 0);
	fan_group_free(g);
}

int main(void)
{
	th_init(20);
	lv_tmpfs_file(dir, sizeof(dir), file, sizeof(file));
	th_require_init(FAN_CLASS_CONTENT, O_RDONLY);
	without_enable_audit();
	th_require_init(FAN_CLASS_CONTENT | FAN_ENABLE_AUDIT, O_RDONLY);
	with_enable_audit();
	printf("PASS\n");
	return 0;
}
