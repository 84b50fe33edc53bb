// SPDX-License-Identifier: MIT
/*
 * Misuse of the group, answer and resolver API without a kernel group:
 * NULL arguments give -EINVAL (or NULL, or nothing) and never crash, and
 * destructors take NULL.  Checks that need fanotify_init() are in
 * api_misuse.c (suite live).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <fanotify/fanotify.h>

#include "th.h"

static void test_destructors(void)
{
	fan_group_free(NULL);
	fan_perm_free(NULL);
	fan_resolver_free(NULL);
	fan_group_release(NULL);
	fan_resolver_flush(NULL);
	fan_resolver_observe(NULL, NULL);
}

static void test_group_null(void)
{
	struct fan_group_stats st = { .sz = sizeof(st) };
	struct fan_fsid fsid = { { 0, 0 } };
	char buf[LIBFANOTIFY_MIN_BUF_SIZE];

	T_EQ(fan_group_new(0, O_RDONLY, NULL), -EINVAL);
	T_EQ(fan_group_new_opts(NULL, NULL), -EINVAL);
	T_EQ(fan_group_fd(NULL), -EINVAL);
	T_EQ(fan_group_init_flags(NULL), 0);
	T_EQ(fan_group_event_f_flags(NULL), 0);
	T_EQ(fan_group_get_stats(NULL, &st), -EINVAL);
	T_EQ(fan_group_read(NULL), -EINVAL);
	T_EQ(fan_group_read_buf(NULL, buf, sizeof(buf)), -EINVAL);
	T_ASSERT(fan_group_first_event(NULL) == NULL);
	T_ASSERT(fan_group_next_event(NULL, NULL) == NULL);
	T_EQ(fan_group_mark(NULL, FAN_MARK_ADD, FAN_OPEN, AT_FDCWD, "/"), -EINVAL);
	T_EQ(fan_group_add_mark(NULL, 0, FAN_OPEN, "/"), -EINVAL);
	T_EQ(fan_group_remove_mark(NULL, 0, FAN_OPEN, "/"), -EINVAL);
	T_EQ(fan_group_flush_marks(NULL, FAN_MARK_INODE), -EINVAL);
	T_EQ(fan_group_add_mntns_mark(NULL, FAN_MNT_ATTACH, -1), -EINVAL);
	T_EQ(fan_group_add_mount(NULL, AT_FDCWD, "/"), -EINVAL);
	T_EQ(fan_group_mount_fd(NULL, &fsid), -EINVAL);
	T_EQ(fan_group_respond_fd(NULL, 3, FAN_ALLOW, NULL), -EINVAL);
	T_EQ(fan_event_respond(NULL, NULL, FAN_ALLOW, NULL), -EINVAL);
	T_EQ(fan_event_defer(NULL, NULL, NULL), -EINVAL);
}

/* A newer caller's opts with a non-zero field we do not know: refused before any syscall. */
static void test_opts_tail(void)
{
	struct {
		struct fan_group_opts o;
		uint64_t newer_field;
	} big = { .o = { .sz = sizeof(big) }, .newer_field = 1 };
	struct fan_group_opts tiny = { .sz = 1 };
	struct fan_group *g = NULL;
	int before = th_count_fds();

	T_EQ(fan_group_new_opts(&big.o, &g), -EINVAL);
	T_ASSERT(g == NULL);
	T_EQ(fan_group_new_opts(&tiny, &g), -EINVAL);	/* smaller than its own sz field */
	T_ASSERT(g == NULL);
	T_EQ(th_count_fds(), before);
}

/* Adopting what is not a fanotify group: refused, and the descriptor is closed. */
static void test_adopt(void)
{
	struct fan_group *g = NULL;
	int fd;

	T_EQ(fan_group_adopt(-1, NULL, &g), -EBADF);
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	T_ASSERT(fd >= 0);
	T_EQ(fan_group_adopt(fd, NULL, &g), -EINVAL);
	T_ASSERT(g == NULL);
	T_ASSERT(fcntl(fd, F_GETFD) < 0 && errno == EBADF);
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	T_ASSERT(fd >= 0);
	T_EQ(fan_group_adopt(fd, NULL, NULL), -EINVAL);
	T_ASSERT(fcntl(fd, F_GETFD) < 0 && errno == EBADF);
}

static void test_perm_null(void)
{
	struct fan_audit_rule rule = { 1, 0, 0 };

	T_ASSERT(fan_perm_event(NULL) == NULL);
	T_EQ(fan_perm_respond(NULL, FAN_ALLOW, NULL), -EINVAL);
	T_EQ(fan_perm_respond(NULL, FAN_DENY, &rule), -EINVAL);
}

static void test_resolver_null(void)
{
	struct fan_resolver *r = NULL;
	struct fan_path p, np;
	struct fan_process proc;

	T_EQ(fan_resolver_new(NULL, NULL, &r), -EINVAL);
	T_ASSERT(r == NULL);
	T_EQ(fan_resolve_path(NULL, NULL, &p, &np), -EINVAL);
	T_EQ(fan_resolve_process(NULL, NULL, &proc), -EINVAL);
}

static void test_pure_null(void)
{
	struct fan_fid fid;
	int pidfd;

	T_EQ(fan_event_take_fd(NULL), -EINVAL);
	T_EQ(fan_event_take_pidfd(NULL), -EINVAL);
	T_EQ(fan_info_fid(NULL, &fid), -EINVAL);
	T_EQ(fan_info_pidfd(NULL, &pidfd), -EINVAL);
	T_ASSERT(fan_buffer_first(NULL, 4096) == NULL);
	T_ASSERT(fan_buffer_next(NULL, 4096, NULL) == NULL);
	T_EQ(fan_buffer_validate(NULL, 4096, NULL), -EINVAL);
	T_EQ(fan_mask_format(FAN_OPEN, ",", NULL, 16), -EINVAL);
	T_EQ(fan_event_from_name(NULL), 0);
}

int main(void)
{
	th_init(30);
	test_destructors();
	test_group_null();
	test_opts_tail();
	test_adopt();
	test_perm_null();
	test_resolver_null();
	test_pure_null();
	return 0;
}
