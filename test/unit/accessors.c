// SPDX-License-Identifier: MIT
/*
 * Every pure accessor on synthetic events: the full 64-bit mask, fd values
 * (descriptor, FAN_NOFD, -errno with FAN_REPORT_FD_ERROR), pid, overflow,
 * permission state, taking fds and pidfds, and every record accessor with
 * right and wrong record types.  Each check runs on an aligned copy and on
 * a copy at an odd address, where an accessor that cast instead of copying
 * would trip UBSan (and fault on strict-alignment machines).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <fanotify/fanotify.h>

#include "builder.h"
#include "th.h"

static const unsigned char handle8[8] = { 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8 };

/* The batch at an 8-aligned address (shift 0) or at an odd one (shift 1). */
struct copy {
	unsigned char *mem;
	unsigned char *buf;
	size_t len;
};

static struct copy place(const struct bb *b, size_t shift)
{
	struct copy c;

	c.mem = malloc(b->len + shift);
	if (!c.mem)
		th_fail("out of memory");
	c.buf = c.mem + shift;
	c.len = b->len;
	memcpy(c.buf, b->p, b->len);
	T_EQ(fan_buffer_validate(c.buf, c.len, NULL) >= 0, 1);
	return c;
}

static struct fan_event *nth(const struct copy *c, int n)
{
	struct fan_event *e = fan_buffer_first(c->buf, c->len);

	while (e && n--)
		e = fan_buffer_next(c->buf, c->len, e);
	T_ASSERT(e);
	return e;
}

/* ---- metadata ---- */

static void test_mask(size_t shift)
{
	static const uint64_t masks[] = {
		FAN_PRE_ACCESS, FAN_MNT_ATTACH, FAN_MNT_DETACH, FAN_MNT_ATTACH | FAN_MNT_DETACH,
		FAN_OPEN | (1ull << 40), 1ull << 63, ~0ull, FAN_RENAME | FAN_ONDIR,
	};
	size_t i, n = sizeof(masks) / sizeof(masks[0]);
	struct copy c;
	struct bb b;

	bb_init(&b);
	for (i = 0; i < n; i++)
		bb_event(&b, masks[i], FAN_NOFD, 1);
	c = place(&b, shift);
	for (i = 0; i < n; i++) {
		struct fan_event *e = nth(&c, (int)i);

		if (fan_event_mask(e) != masks[i])
			th_fail("mask %zu: 0x%llx, expected 0x%llx", i,
				(unsigned long long)fan_event_mask(e), (unsigned long long)masks[i]);
		T_EQ(fan_event_len(e), 24);
		T_EQ(fan_event_version(e), 3);
		T_EQ(fan_event_metadata_len(e), 24);
	}
	T_EQ(fan_event_is_permission(nth(&c, 0)), 1);		/* PRE_ACCESS */
	T_EQ(fan_event_is_permission(nth(&c, 1)), 0);		/* MNT_ATTACH */
	T_EQ(fan_event_is_overflow(nth(&c, 4)), 0);		/* OPEN | bit 40 */
	T_EQ(fan_event_is_overflow(nth(&c, 6)), 1);		/* every bit */
	free(c.mem);
	bb_free(&b);
}

static void test_fd_pid(size_t shift)
{
	struct fan_event *e;
	struct copy c;
	struct bb b;

	bb_init(&b);
	bb_event(&b, FAN_OPEN, 0, 1234);
	bb_event(&b, FAN_OPEN, 77, 0x7fffffff);
	bb_event(&b, FAN_CREATE, FAN_NOFD, 0);
	bb_event(&b, FAN_OPEN, -EROFS, 5);
	bb_event(&b, FAN_OPEN, -EPERM, 5);	/* == FAN_NOFD: indistinguishable by design */
	c = place(&b, shift);

	e = nth(&c, 0);
	T_EQ(fan_event_fd(e), 0);
	T_EQ(fan_event_fd_error(e), 0);
	T_EQ(fan_event_pid(e), 1234);
	e = nth(&c, 1);
	T_EQ(fan_event_fd(e), 77);
	T_EQ(fan_event_fd_error(e), 0);
	T_EQ(fan_event_pid(e), 0x7fffffff);
	e = nth(&c, 2);
	T_EQ(fan_event_fd(e), FAN_NOFD);
	T_EQ(fan_event_fd_error(e), 0);
	T_EQ(fan_event_pid(e), 0);
	T_EQ(fan_event_take_fd(e), -EBADF);
	e = nth(&c, 3);
	T_EQ(fan_event_fd(e), -EROFS);
	T_EQ(fan_event_fd_error(e), -EROFS);
	T_EQ(fan_event_take_fd(e), -EBADF);
	e = nth(&c, 4);
	T_EQ(fan_event_fd(e), FAN_NOFD);
	T_EQ(fan_event_fd_error(e), 0);
	free(c.mem);
	bb_free(&b);
}

static void test_overflow(size_t shift)
{
	struct fan_event *e;
	struct copy c;
	struct bb b;

	bb_init(&b);
	bb_event(&b, FAN_Q_OVERFLOW, FAN_NOFD, 0);
	c = place(&b, shift);
	e = nth(&c, 0);
	T_EQ(fan_event_is_overflow(e), 1);
	T_EQ(fan_event_is_permission(e), 0);
	T_EQ(fan_event_needs_answer(e), 0);
	T_EQ(fan_event_fd(e), FAN_NOFD);
	T_EQ(fan_event_take_fd(e), -EBADF);
	T_EQ(fan_event_pidfd(e), FAN_NOPIDFD);
	T_EQ(fan_event_take_pidfd(e), -EBADF);
	T_ASSERT(fan_event_first_info(e) == NULL);
	free(c.mem);
	bb_free(&b);
}

static void test_permission(size_t shift)
{
	static const uint64_t perm[] = { FAN_OPEN_PERM, FAN_ACCESS_PERM, FAN_OPEN_EXEC_PERM,
					 FAN_PRE_ACCESS };
	static const uint64_t notif[] = { FAN_OPEN, FAN_ACCESS, FAN_OPEN_EXEC, FAN_MODIFY,
					  FAN_CLOSE_WRITE, FAN_MNT_ATTACH };
	struct fan_event *e;
	struct copy c;
	struct bb b;
	size_t i;

	bb_init(&b);
	for (i = 0; i < 4; i++)
		bb_event(&b, perm[i], 20 + (int)i, 1);
	for (i = 0; i < 6; i++)
		bb_event(&b, notif[i], 30 + (int)i, 1);
	bb_event(&b, FAN_OPEN_PERM, -EROFS, 1);	/* no fd to answer with */
	c = place(&b, shift);
	for (i = 0; i < 4; i++) {
		e = nth(&c, (int)i);
		T_EQ(fan_event_is_permission(e), 1);
		T_EQ(fan_event_needs_answer(e), 1);
		/* Taking the fd leaves the answer to do. */
		T_EQ(fan_event_take_fd(e), 20 + (int)i);
		T_EQ(fan_event_needs_answer(e), 1);
		T_EQ(fan_event_take_fd(e), -EBADF);
		T_EQ(fan_event_fd(e), 20 + (int)i);
	}
	for (i = 0; i < 6; i++) {
		e = nth(&c, 4 + (int)i);
		T_EQ(fan_event_is_permission(e), 0);
		T_EQ(fan_event_needs_answer(e), 0);
		T_EQ(fan_event_take_fd(e), 30 + (int)i);
		T_EQ(fan_event_take_fd(e), -EBADF);
	}
	e = nth(&c, 10);
	T_EQ(fan_event_is_permission(e), 1);
	T_EQ(fan_event_needs_answer(e), 0);
	/* The library's state bits leave the buffer valid. */
	T_EQ(fan_buffer_validate(c.buf, c.len, NULL), 11);
	free(c.mem);
	bb_free(&b);
}

static void test_pidfd(size_t shift)
{
	static const int values[] = { 11, 0, FAN_NOPIDFD, FAN_EPIDFD, -ESRCH };
	struct fan_event *e;
	struct copy c;
	struct bb b;
	size_t i;

	bb_init(&b);
	for (i = 0; i < 5; i++) {
		bb_event(&b, FAN_OPEN, 3, 1);
		bb_pidfd_rec(&b, values[i]);
	}
	bb_event(&b, FAN_OPEN, 3, 1);		/* no PIDFD record */
	c = place(&b, shift);
	for (i = 0; i < 5; i++) {
		e = nth(&c, (int)i);
		T_EQ(fan_event_pidfd(e), values[i]);
		if (values[i] >= 0) {
			T_EQ(fan_event_take_pidfd(e), values[i]);
			T_EQ(fan_event_take_pidfd(e), -EBADF);
			T_EQ(fan_event_pidfd(e), values[i]);
		} else {
			T_EQ(fan_event_take_pidfd(e), -EBADF);
		}
		/* Taking the pidfd does not take the event fd, and the reverse. */
		T_EQ(fan_event_take_fd(e), 3);
	}
	e = nth(&c, 5);
	T_EQ(fan_event_pidfd(e), FAN_NOPIDFD);
	T_EQ(fan_event_take_pidfd(e), -EBADF);
	T_EQ(fan_buffer_validate(c.buf, c.len, NULL), 6);
	free(c.mem);
	bb_free(&b);
}

static void test_take_null(void)
{
	T_EQ(fan_event_take_fd(NULL), -EINVAL);
	T_EQ(fan_event_take_pidfd(NULL), -EINVAL);
}

/* ---- records ---- */

static void check_fid(const struct fan_info *rec, const unsigned char *handle, uint32_t hb,
		      int32_t htype, const char *name)
{
	const unsigned char *raw = fan_info_raw(rec);
	struct fan_fid f;

	memset(&f, 0x5a, sizeof(f));
	T_EQ(fan_info_fid(rec, &f), 0);
	T_EQ(f.fsid.val[0], -2);
	T_EQ(f.fsid.val[1], 0x12345678);
	T_ASSERT(f.handle == raw + 12);
	T_EQ(f.handle_bytes, hb);
	T_EQ(f.handle_type, htype);
	T_ASSERT(f.handle_data == raw + 20);
	T_ASSERT(!memcmp(f.handle_data, handle, hb));
	if (!name) {
		T_ASSERT(f.name == NULL);
		T_EQ(f.name_len, 0);
		return;
	}
	T_STREQ(f.name, name);
	T_EQ(f.name_len, strlen(name));
	T_ASSERT((const unsigned char *)f.name == raw + 20 + hb);
}

static void test_fid(size_t shift)
{
	static const unsigned char none[1];
	struct bb_fid f = { .fsid = { -2, 0x12345678 }, .handle_type = 1, .handle_bytes = 8,
			    .handle = handle8 };
	char longname[256];
	const struct fan_info *rec;
	struct fan_event *e;
	struct copy c;
	struct bb b;

	memset(longname, 'n', 255);
	longname[255] = '\0';
	bb_init(&b);
	bb_event(&b, FAN_RENAME, FAN_NOFD, 1);
	f.name = "old";
	bb_fid_rec(&b, FAN_EVENT_INFO_TYPE_OLD_DFID_NAME, &f);
	f.name = longname;
	bb_fid_rec(&b, FAN_EVENT_INFO_TYPE_NEW_DFID_NAME, &f);
	f.name = NULL;
	f.handle_bytes = 7;		/* odd length, padded */
	f.handle_type = 0x81;
	bb_fid_rec(&b, FAN_EVENT_INFO_TYPE_FID, &f);
	bb_event(&b, FAN_ATTRIB | FAN_ONDIR, FAN_NOFD, 1);
	f.handle_bytes = 8;
	f.handle_type = 1;
	f.name = ".";
	bb_fid_rec(&b, FAN_EVENT_INFO_TYPE_DFID_NAME, &f);
	f.name = NULL;
	bb_fid_rec(&b, FAN_EVENT_INFO_TYPE_DFID, &f);
	bb_event(&b, FAN_FS_ERROR, FAN_NOFD, 0);	/* superblock: type 255, no bytes */
	f.handle_bytes = 0;
	f.handle_type = 255;
	bb_fid_rec(&b, FAN_EVENT_INFO_TYPE_FID, &f);
	c = place(&b, shift);

	e = nth(&c, 0);
	rec = fan_event_first_info(e);
	check_fid(rec, handle8, 8, 1, "old");
	rec = fan_event_next_info(e, rec);
	check_fid(rec, handle8, 8, 1, longname);
	rec = fan_event_next_info(e, rec);
	check_fid(rec, handle8, 7, 0x81, NULL);
	T_ASSERT(fan_event_next_info(e, rec) == NULL);
	e = nth(&c, 1);
	check_fid(fan_event_find_info(e, FAN_EVENT_INFO_TYPE_DFID_NAME), handle8, 8, 1, ".");
	check_fid(fan_event_find_info(e, FAN_EVENT_INFO_TYPE_DFID), handle8, 8, 1, NULL);
	e = nth(&c, 2);
	check_fid(fan_event_first_info(e), none, 0, 255, NULL);
	free(c.mem);
	bb_free(&b);
}

/* Each record accessor accepts its own type and refuses every other with -EINVAL. */
static void test_records(size_t shift)
{
	struct bb_fid f = { .fsid = { 1, 2 }, .handle_type = 1, .handle_bytes = 8,
			    .handle = handle8 };
	static const unsigned char body[4];
	const struct fan_info *rec;
	struct fan_fs_error err;
	struct fan_range range;
	struct fan_event *e;
	struct fan_fid fid;
	uint64_t mnt;
	struct copy c;
	struct bb b;
	int pidfd, n = 0;

	bb_init(&b);
	bb_event(&b, FAN_MNT_ATTACH, FAN_NOFD, 1);
	bb_pidfd_rec(&b, 42);
	bb_error_rec(&b, EIO, 3);
	bb_range_rec(&b, 1ull << 40, 8192);
	bb_mnt_rec(&b, 0x80000000aeull);
	bb_fid_rec(&b, FAN_EVENT_INFO_TYPE_FID, &f);
	bb_raw_rec(&b, 99, body, sizeof(body));
	c = place(&b, shift);
	e = nth(&c, 0);

	fan_for_each_info(rec, e) {
		unsigned int t = fan_info_type(rec);

		T_EQ(fan_info_pidfd(rec, &pidfd), t == FAN_EVENT_INFO_TYPE_PIDFD ? 0 : -EINVAL);
		T_EQ(fan_info_error(rec, &err), t == FAN_EVENT_INFO_TYPE_ERROR ? 0 : -EINVAL);
		T_EQ(fan_info_range(rec, &range), t == FAN_EVENT_INFO_TYPE_RANGE ? 0 : -EINVAL);
		T_EQ(fan_info_mnt(rec, &mnt), t == FAN_EVENT_INFO_TYPE_MNT ? 0 : -EINVAL);
		T_EQ(fan_info_fid(rec, &fid), t == FAN_EVENT_INFO_TYPE_FID ? 0 : -EINVAL);
		/* NULL out-pointers are refused even for the right type. */
		T_EQ(fan_info_pidfd(rec, NULL), -EINVAL);
		T_EQ(fan_info_error(rec, NULL), -EINVAL);
		T_EQ(fan_info_range(rec, NULL), -EINVAL);
		T_EQ(fan_info_mnt(rec, NULL), -EINVAL);
		T_EQ(fan_info_fid(rec, NULL), -EINVAL);
		n++;
	}
	T_EQ(n, 6);
	T_EQ(fan_info_pidfd(fan_event_find_info(e, FAN_EVENT_INFO_TYPE_PIDFD), &pidfd), 0);
	T_EQ(pidfd, 42);
	T_EQ(fan_info_error(fan_event_find_info(e, FAN_EVENT_INFO_TYPE_ERROR), &err), 0);
	T_EQ(err.error, EIO);
	T_EQ(err.error_count, 3);
	T_EQ(fan_info_range(fan_event_find_info(e, FAN_EVENT_INFO_TYPE_RANGE), &range), 0);
	T_ASSERT(range.offset == 1ull << 40);
	T_EQ(range.count, 8192);
	T_EQ(fan_info_mnt(fan_event_find_info(e, FAN_EVENT_INFO_TYPE_MNT), &mnt), 0);
	if (mnt != 0x80000000aeull)
		th_fail("mnt_id 0x%llx, expected 0x80000000ae (16-byte record, id at 8)",
			(unsigned long long)mnt);
	T_EQ(fan_info_pidfd(NULL, &pidfd), -EINVAL);
	T_EQ(fan_info_error(NULL, &err), -EINVAL);
	T_EQ(fan_info_range(NULL, &range), -EINVAL);
	T_EQ(fan_info_mnt(NULL, &mnt), -EINVAL);
	T_EQ(fan_info_fid(NULL, &fid), -EINVAL);
	free(c.mem);
	bb_free(&b);
}

/* i386 kernels pack the MNT record in 12 bytes, the id right after the header. */
static void test_mnt_i386_layout(size_t shift)
{
	uint64_t id = 0x1122334455667788ull, got = 0;
	struct copy c;
	struct bb b;

	bb_init(&b);
	bb_event(&b, FAN_MNT_DETACH, FAN_NOFD, 1);
	bb_raw_rec(&b, FAN_EVENT_INFO_TYPE_MNT, &id, sizeof(id));
	c = place(&b, shift);
	T_EQ(fan_info_len(fan_event_first_info(nth(&c, 0))), 12);
	T_EQ(fan_info_mnt(fan_event_first_info(nth(&c, 0)), &got), 0);
	if (got != id)
		th_fail("i386 mnt_id 0x%llx", (unsigned long long)got);
	free(c.mem);
	bb_free(&b);
}

static void run(size_t shift)
{
	test_mask(shift);
	test_fd_pid(shift);
	test_overflow(shift);
	test_permission(shift);
	test_pidfd(shift);
	test_fid(shift);
	test_records(shift);
	test_mnt_i386_layout(shift);
}

int main(void)
{
	th_init(30);
	run(0);
	run(1);		/* odd address: every field misaligned */
	run(3);
	test_take_null();
	return 0;
}
