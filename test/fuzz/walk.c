// SPDX-License-Identifier: MIT
/* Every pure accessor on one validated event, with the invariants it promises. */
#include <errno.h>
#include <string.h>

#include "fuzz.h"

#define PERM_BITS (FAN_OPEN_PERM | FAN_ACCESS_PERM | FAN_OPEN_EXEC_PERM | FAN_PRE_ACCESS)

static const unsigned char *at(const void *p)
{
	return (const unsigned char *)p;
}

static int is_fid_type(unsigned int t)
{
	return t == FAN_EVENT_INFO_TYPE_FID || t == FAN_EVENT_INFO_TYPE_DFID ||
	       t == FAN_EVENT_INFO_TYPE_DFID_NAME || t == FAN_EVENT_INFO_TYPE_OLD_DFID_NAME ||
	       t == FAN_EVENT_INFO_TYPE_NEW_DFID_NAME;
}

static int has_name(unsigned int t)
{
	return t == FAN_EVENT_INFO_TYPE_DFID_NAME || t == FAN_EVENT_INFO_TYPE_OLD_DFID_NAME ||
	       t == FAN_EVENT_INFO_TYPE_NEW_DFID_NAME;
}

static void check_fid(const struct fan_info *rec, unsigned int type, size_t len)
{
	const unsigned char *end = at(rec) + len;
	struct fan_fid f;

	CHECK(fan_info_fid(rec, &f) == (is_fid_type(type) ? 0 : -EINVAL));
	if (!is_fid_type(type))
		return;
	CHECK(at(f.handle) == at(rec) + 12);
	CHECK(f.handle_data == at(rec) + 20);
	CHECK(f.handle_bytes <= (size_t)(end - f.handle_data));
	if (!has_name(type)) {
		CHECK(f.name == NULL && f.name_len == 0);
		return;
	}
	/* The name lies after the handle and its NUL inside the record. */
	CHECK(at(f.name) == f.handle_data + f.handle_bytes);
	CHECK(f.name_len < (size_t)(end - at(f.name)));
	CHECK(f.name[f.name_len] == '\0');
	CHECK(memchr(f.name, '\0', f.name_len) == NULL);
}

static void check_record(const struct fan_info *rec, const unsigned char *ev_end)
{
	unsigned int type = fan_info_type(rec);
	size_t len = fan_info_len(rec);
	struct fan_fs_error err;
	struct fan_range range;
	uint64_t mnt;
	int pidfd;

	CHECK(len >= 4 && len <= (size_t)(ev_end - at(rec)));
	CHECK(fan_info_raw(rec) == (const void *)rec);
	check_fid(rec, type, len);
	CHECK(fan_info_pidfd(rec, &pidfd) == (type == FAN_EVENT_INFO_TYPE_PIDFD ? 0 : -EINVAL));
	CHECK(fan_info_error(rec, &err) == (type == FAN_EVENT_INFO_TYPE_ERROR ? 0 : -EINVAL));
	CHECK(fan_info_range(rec, &range) == (type == FAN_EVENT_INFO_TYPE_RANGE ? 0 : -EINVAL));
	CHECK(fan_info_mnt(rec, &mnt) == (type == FAN_EVENT_INFO_TYPE_MNT ? 0 : -EINVAL));
	CHECK((fan_info_type_name(type) != NULL) ==
	      (is_fid_type(type) || (type >= FAN_EVENT_INFO_TYPE_PIDFD &&
				     type <= FAN_EVENT_INFO_TYPE_MNT)));
}

/* Records tile the event from metadata_len to event_len. */
static void check_records(const struct fan_event *ev)
{
	const unsigned char *end = at(ev) + fan_event_len(ev);
	const unsigned char *next = at(ev) + fan_event_metadata_len(ev);
	const struct fan_info *rec;
	unsigned int seen[256] = { 0 };

	fan_for_each_info(rec, ev) {
		unsigned int type = fan_info_type(rec);

		CHECK(at(rec) == next);
		check_record(rec, end);
		/* find_info gives the first record of a type. */
		if (!seen[type]++)
			CHECK(fan_event_find_info(ev, type) == rec);
		next = at(rec) + fan_info_len(rec);
	}
	CHECK(next == end);
	CHECK(seen[FAN_EVENT_INFO_TYPE_PIDFD] || fan_event_pidfd(ev) == FAN_NOPIDFD);
	if (seen[FAN_EVENT_INFO_TYPE_PIDFD]) {
		int pidfd = 0;

		CHECK(fan_info_pidfd(fan_event_find_info(ev, FAN_EVENT_INFO_TYPE_PIDFD),
				     &pidfd) == 0);
		CHECK(fan_event_pidfd(ev) == pidfd);
	}
}

static void check_mask_format(uint64_t mask)
{
	char big[1024], small[13];
	int n = fan_mask_format(mask, ",", big, sizeof(big)), m;
	uint64_t rest;

	CHECK(n >= 0 && (size_t)n < sizeof(big) && strlen(big) == (size_t)n);
	CHECK(fan_mask_format(mask, ",", NULL, 0) == n);
	m = fan_mask_format(mask, ",", small, sizeof(small));
	CHECK(m == n);
	CHECK(strlen(small) == ((size_t)n < sizeof(small) ? (size_t)n : sizeof(small) - 1));
	CHECK(!strncmp(small, big, strlen(small)));
	CHECK(mask != 0 || n == 0);
	/* Each set bit that has a name appears, and its name maps back to it. */
	for (rest = mask; rest; rest &= rest - 1) {
		uint64_t b = rest & -rest;
		const char *name = fan_event_name(b);

		if (name) {
			CHECK(fan_event_from_name(name) == b);
			CHECK(strstr(big, name) != NULL);
		}
	}
}

/* take_* flip state bits only; the second take of anything is -EBADF. */
static void check_takes(struct fan_event *ev)
{
	int fd = fan_event_fd(ev), pidfd = fan_event_pidfd(ev);
	int needs = fan_event_needs_answer(ev), t;

	t = fan_event_take_fd(ev);
	CHECK(t == -EBADF || (t == fd && fd >= 0));
	CHECK(fan_event_take_fd(ev) == -EBADF);
	CHECK(fan_event_fd(ev) == fd);
	CHECK(fan_event_needs_answer(ev) == needs);
	t = fan_event_take_pidfd(ev);
	CHECK(t == -EBADF || (t == pidfd && pidfd >= 0));
	CHECK(fan_event_take_pidfd(ev) == -EBADF);
	CHECK(fan_event_pidfd(ev) == pidfd);
}

void fz_check_event(struct fan_event *ev, const unsigned char *end)
{
	uint32_t len = fan_event_len(ev);
	uint64_t mask = fan_event_mask(ev);
	int fd = fan_event_fd(ev), fderr = fan_event_fd_error(ev);

	CHECK(len >= 24 && len <= (size_t)(end - at(ev)));
	CHECK(fan_event_version(ev) == FANOTIFY_METADATA_VERSION);
	CHECK(fan_event_metadata_len(ev) >= 24 && fan_event_metadata_len(ev) <= len);
	CHECK(fderr == 0 || (fderr == fd && fd < FAN_NOFD));
	CHECK(fan_event_is_overflow(ev) == ((mask & FAN_Q_OVERFLOW) != 0));
	CHECK(fan_event_is_permission(ev) == ((mask & PERM_BITS) != 0));
	CHECK(!fan_event_needs_answer(ev) || (fan_event_is_permission(ev) && fd >= 0));
	(void)fan_event_pid(ev);
	check_mask_format(mask);
	check_records(ev);
	check_takes(ev);
}

int fz_walk(unsigned char *buf, size_t len)
{
	struct fan_event *ev;
	int n = 0;

	for (ev = fan_buffer_first(buf, len); ev; ev = fan_buffer_next(buf, len, ev)) {
		fz_check_event(ev, buf + len);
		n++;
	}
	return n;
}
