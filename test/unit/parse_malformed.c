// SPDX-License-Identifier: MIT
/*
 * Every way a buffer can be malformed: fan_buffer_validate() must return
 * -EBADMSG with the length of the well-formed prefix, and never read past
 * the buffer.  Each buffer lives in an allocation of exactly its length,
 * so an AddressSanitizer build (meson -Db_sanitize=address,undefined)
 * turns any overread into a failure.  The boundaries just inside each
 * rule are checked to be accepted, so the rules are not stricter than
 * the kernel's layout.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fanotify/fanotify.h>

#include "builder.h"
#include "th.h"

static const unsigned char handle8[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
static const struct bb_fid fid8 = { .fsid = { 1, 2 }, .handle_type = 1, .handle_bytes = 8,
				    .handle = handle8 };

static int cases;

/* Two well-formed events that every malformed case follows. */
static size_t good_prefix(struct bb *b)
{
	struct bb_fid named = fid8;

	named.name = "name";
	bb_init(b);
	bb_event(b, FAN_OPEN, 5, 10);
	bb_event(b, FAN_CREATE, FAN_NOFD, 11);
	bb_fid_rec(b, FAN_EVENT_INFO_TYPE_DFID_NAME, &named);
	bb_fid_rec(b, FAN_EVENT_INFO_TYPE_FID, &fid8);
	return b->len;
}

static int walk_count(void *buf, size_t len)
{
	struct fan_event *e;
	int n = 0;

	for (e = fan_buffer_first(buf, len); e; e = fan_buffer_next(buf, len, e))
		n++;
	return n;
}

/* Validate the first len bytes of b in an exact allocation. */
static void expect(const struct bb *b, size_t len, int want, size_t want_valid,
		   const char *what)
{
	unsigned char *buf = bb_exact(b, len);
	size_t valid = (size_t)-1;
	int r = fan_buffer_validate(buf, len, &valid);

	if (r != want || valid != want_valid)
		th_fail("%s: validate gave %d, valid %zu; expected %d, valid %zu", what, r, valid,
			want, want_valid);
	/* The well-formed prefix is walkable, with exactly its events. */
	if (want == -EBADMSG && walk_count(buf, valid) != fan_buffer_validate(buf, valid, NULL))
		th_fail("%s: the valid prefix does not walk", what);
	T_EQ(fan_buffer_validate(buf, len, NULL), want);
	free(buf);
	cases++;
}

static void expect_bad(const struct bb *b, size_t prefix, const char *what)
{
	expect(b, b->len, -EBADMSG, prefix, what);
}

/* ---- metadata ---- */

static void test_short_tail(void)
{
	struct bb b;
	size_t prefix = good_prefix(&b), n;
	char what[64];

	/* A whole event follows; cut it at every length shorter than the metadata. */
	bb_event(&b, FAN_MODIFY, 6, 12);
	for (n = 1; n < 24; n++) {
		snprintf(what, sizeof(what), "tail of %zu bytes", n);
		expect(&b, prefix + n, -EBADMSG, prefix, what);
	}
	expect(&b, prefix + 24, 3, prefix + 24, "the whole tail event");
	bb_free(&b);
}

static void bad_event_len(uint32_t event_len, const char *what)
{
	struct bb b;
	size_t prefix = good_prefix(&b);

	bb_event(&b, FAN_MODIFY, 6, 12);
	bb_pidfd_rec(&b, 3);
	bb_put32(&b, prefix + BB_MD_EVENT_LEN, event_len);
	expect_bad(&b, prefix, what);
	bb_free(&b);
}

static void test_event_len(void)
{
	bad_event_len(0, "event_len 0");
	bad_event_len(8, "event_len 8");
	bad_event_len(23, "event_len 23");
	bad_event_len(24 + 8 + 1, "event_len one past the buffer");
	bad_event_len(24 + 8 + 4, "event_len four past the buffer");
	bad_event_len(0xffffffffu, "event_len 0xffffffff");
}

static void bad_metadata(size_t field, unsigned int value, int width, const char *what)
{
	struct bb b;
	size_t prefix = good_prefix(&b);

	bb_event(&b, FAN_MODIFY, 6, 12);
	bb_pidfd_rec(&b, 3);
	if (width == 8)
		bb_put8(&b, prefix + field, (uint8_t)value);
	else
		bb_put16(&b, prefix + field, (uint16_t)value);
	expect_bad(&b, prefix, what);
	bb_free(&b);
}

static void test_metadata_len_and_version(void)
{
	bad_metadata(BB_MD_METADATA_LEN, 0, 16, "metadata_len 0");
	bad_metadata(BB_MD_METADATA_LEN, 16, 16, "metadata_len 16");
	bad_metadata(BB_MD_METADATA_LEN, 23, 16, "metadata_len 23");
	bad_metadata(BB_MD_METADATA_LEN, 24 + 8 + 1, 16, "metadata_len past event_len");
	bad_metadata(BB_MD_METADATA_LEN, 0xffff, 16, "metadata_len 0xffff");
	bad_metadata(BB_MD_VERS, 0, 8, "version 0");
	bad_metadata(BB_MD_VERS, 2, 8, "version 2");
	bad_metadata(BB_MD_VERS, 4, 8, "version 4");
	bad_metadata(BB_MD_VERS, 255, 8, "version 255");
}

/* A metadata_len that leaves 1..3 bytes, or exactly event_len, is checked too. */
static void test_metadata_len_boundaries(void)
{
	struct bb b;
	size_t prefix = good_prefix(&b);

	bb_event(&b, FAN_MODIFY, 6, 12);
	bb_pidfd_rec(&b, 3);
	bb_put16(&b, prefix + BB_MD_METADATA_LEN, 24 + 8);	/* no records, accepted */
	expect(&b, b.len, 3, b.len, "metadata_len == event_len");
	bb_put16(&b, prefix + BB_MD_METADATA_LEN, 24 + 6);	/* 2 bytes left: not a record */
	expect_bad(&b, prefix, "metadata_len leaving 2 bytes");
	bb_free(&b);
}

/* ---- records ---- */

/* A record whose len field says len; body_len bytes of body follow its header. */
static void bad_record(uint8_t type, uint16_t len, size_t body_len, const char *what)
{
	static const unsigned char body[64];
	struct bb b;
	size_t prefix = good_prefix(&b), at;

	bb_event(&b, FAN_MODIFY, 6, 12);
	at = bb_raw_rec(&b, type, body, body_len);
	bb_put16(&b, at + 2, len);
	expect_bad(&b, prefix, what);
	bb_free(&b);
}

static void test_record_len(void)
{
	static const struct {
		uint8_t type;
		uint16_t min;
	} types[] = {
		{ FAN_EVENT_INFO_TYPE_FID, 20 }, { FAN_EVENT_INFO_TYPE_DFID_NAME, 20 },
		{ FAN_EVENT_INFO_TYPE_DFID, 20 }, { FAN_EVENT_INFO_TYPE_PIDFD, 8 },
		{ FAN_EVENT_INFO_TYPE_ERROR, 12 }, { FAN_EVENT_INFO_TYPE_RANGE, 24 },
		{ FAN_EVENT_INFO_TYPE_MNT, 12 }, { FAN_EVENT_INFO_TYPE_OLD_DFID_NAME, 20 },
		{ FAN_EVENT_INFO_TYPE_NEW_DFID_NAME, 20 }, { 99, 4 },
	};
	char what[96];
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		uint16_t short_len = (uint16_t)(types[i].min - 4);

		snprintf(what, sizeof(what), "type %u: record len 0", types[i].type);
		bad_record(types[i].type, 0, 0, what);
		/* Short by 4, the event ending with the record: shorter than its fixed part. */
		snprintf(what, sizeof(what), "type %u: record len %u < %u", types[i].type,
			 short_len, types[i].min);
		bad_record(types[i].type, short_len, short_len > 4 ? short_len - 4u : 0, what);
		/* Short by 1, with the event holding the full fixed part after it. */
		snprintf(what, sizeof(what), "type %u: record len %u, event longer",
			 types[i].type, types[i].min - 1u);
		bad_record(types[i].type, (uint16_t)(types[i].min - 1), types[i].min - 4u, what);
		/* Longer than what is left of the event. */
		snprintf(what, sizeof(what), "type %u: record past its event", types[i].type);
		bad_record(types[i].type, (uint16_t)(types[i].min + 4), types[i].min - 4u, what);
	}
}

/* The record reaches into the next event: bounded by its own event, not the buffer. */
static void test_record_past_event_mid_buffer(void)
{
	struct bb b;
	size_t prefix = good_prefix(&b), at;

	bb_event(&b, FAN_MODIFY, 6, 12);
	at = bb_pidfd_rec(&b, 3);
	bb_put16(&b, at + 2, 8 + 24);		/* would cover the whole next event */
	bb_event(&b, FAN_OPEN, 7, 13);
	expect_bad(&b, prefix, "record reaching into the next event");
	bb_free(&b);
}

static void test_trailing_bytes(void)
{
	static const unsigned char junk[3] = { 1, 2, 3 };
	char what[64];
	size_t n;

	for (n = 1; n <= 3; n++) {
		struct bb b;
		size_t prefix = good_prefix(&b);

		bb_event(&b, FAN_MODIFY, 6, 12);
		bb_bytes(&b, junk, n);
		snprintf(what, sizeof(what), "bare event + %zu bytes", n);
		expect_bad(&b, prefix, what);
		bb_free(&b);

		prefix = good_prefix(&b);
		bb_event(&b, FAN_MODIFY, 6, 12);
		bb_pidfd_rec(&b, 3);
		bb_bytes(&b, junk, n);
		snprintf(what, sizeof(what), "record + %zu bytes", n);
		expect_bad(&b, prefix, what);
		bb_free(&b);
	}
}

static void bad_handle_bytes(uint8_t type, const char *name, uint32_t hb, const char *what)
{
	struct bb b;
	struct bb_fid f = fid8;
	size_t prefix = good_prefix(&b), at;

	f.name = name;
	bb_event(&b, FAN_CREATE, FAN_NOFD, 12);
	at = bb_fid_rec(&b, type, &f);
	bb_put32(&b, at + 12, hb);
	expect_bad(&b, prefix, what);
	bb_free(&b);
}

static void test_handle_bytes(void)
{
	bad_handle_bytes(FAN_EVENT_INFO_TYPE_FID, NULL, 9, "FID handle_bytes 9 of 8");
	bad_handle_bytes(FAN_EVENT_INFO_TYPE_FID, NULL, 12, "FID handle_bytes 12 of 8");
	bad_handle_bytes(FAN_EVENT_INFO_TYPE_DFID, NULL, 0x7fffffff, "DFID handle_bytes 2^31-1");
	bad_handle_bytes(FAN_EVENT_INFO_TYPE_FID, NULL, 0xffffffffu, "FID handle_bytes 2^32-1");
	bad_handle_bytes(FAN_EVENT_INFO_TYPE_DFID_NAME, "abc", 0xfffffff0u,
			 "DFID_NAME handle_bytes 2^32-16");
	/* Handle covering the whole record: the name has no room for its NUL. */
	bad_handle_bytes(FAN_EVENT_INFO_TYPE_DFID_NAME, "abc", 12, "handle over the name");
	bad_handle_bytes(FAN_EVENT_INFO_TYPE_OLD_DFID_NAME, "abc", 13, "handle past the name");
}

static void bad_name(uint8_t type, const char *bytes, size_t n, const char *what)
{
	struct bb b;
	size_t prefix = good_prefix(&b), at;

	bb_event(&b, FAN_CREATE, FAN_NOFD, 12);
	at = bb_fid_rec(&b, type, &fid8);	/* no name yet */
	bb_bytes(&b, bytes, n);
	bb_put16(&b, at + 2, (uint16_t)(b.len - at));
	expect_bad(&b, prefix, what);
	bb_free(&b);
}

static void test_name_without_nul(void)
{
	bad_name(FAN_EVENT_INFO_TYPE_DFID_NAME, "abcd", 4, "DFID_NAME \"abcd\" without NUL");
	bad_name(FAN_EVENT_INFO_TYPE_OLD_DFID_NAME, "abcdefgh", 8, "OLD_DFID_NAME without NUL");
	bad_name(FAN_EVENT_INFO_TYPE_NEW_DFID_NAME, "..xx", 4, "NEW_DFID_NAME without NUL");
	bad_name(FAN_EVENT_INFO_TYPE_DFID_NAME, "", 0, "DFID_NAME with no name at all");
}

/* The malformed event first: nothing is valid. */
static void test_first_event_bad(void)
{
	struct bb b;

	bb_init(&b);
	bb_event(&b, FAN_OPEN, 5, 10);
	bb_put8(&b, BB_MD_VERS, 2);
	bb_event(&b, FAN_OPEN, 5, 10);
	expect_bad(&b, 0, "first event malformed");
	bb_free(&b);
}

/* Just inside every rule: accepted. */
static void good_record(uint8_t type, size_t body_len, const char *what)
{
	static const unsigned char body[64];
	struct bb b;

	bb_init(&b);
	bb_event(&b, FAN_MODIFY, 6, 12);
	bb_raw_rec(&b, type, body, body_len);
	expect(&b, b.len, 1, b.len, what);
	bb_free(&b);
}

static void test_boundaries_accepted(void)
{
	struct bb b;
	struct bb_fid f = fid8;
	size_t at;

	good_record(FAN_EVENT_INFO_TYPE_FID, 16, "FID of 20 bytes, empty handle");
	good_record(FAN_EVENT_INFO_TYPE_PIDFD, 4, "PIDFD of 8 bytes");
	good_record(FAN_EVENT_INFO_TYPE_ERROR, 8, "ERROR of 12 bytes");
	good_record(FAN_EVENT_INFO_TYPE_RANGE, 20, "RANGE of 24 bytes");
	good_record(FAN_EVENT_INFO_TYPE_MNT, 8, "MNT of 12 bytes (i386 layout)");
	good_record(FAN_EVENT_INFO_TYPE_MNT, 12, "MNT of 16 bytes");
	good_record(99, 0, "unknown type, header only");
	good_record(200, 60, "unknown type, 64 bytes");

	/* handle_bytes filling the record exactly (no padding). */
	bb_init(&b);
	bb_event(&b, FAN_MODIFY, FAN_NOFD, 12);
	at = bb_fid_rec(&b, FAN_EVENT_INFO_TYPE_FID, &f);
	bb_put32(&b, at + 12, (uint32_t)(b.len - at - 20));
	expect(&b, b.len, 1, b.len, "handle_bytes == record room");
	bb_free(&b);

	/* The empty name (only its NUL), and a NUL in the last byte of the record. */
	f.name = "";
	bb_init(&b);
	bb_event(&b, FAN_CREATE, FAN_NOFD, 12);
	bb_fid_rec(&b, FAN_EVENT_INFO_TYPE_DFID_NAME, &f);
	f.name = "abc";		/* 20 + 8 + 4: no padding, NUL last */
	bb_fid_rec(&b, FAN_EVENT_INFO_TYPE_NEW_DFID_NAME, &f);
	expect(&b, b.len, 1, b.len, "empty name, NUL at the record's end");
	bb_free(&b);
}

/* Cut a good batch at every length: the prefix is the events wholly inside. */
static void test_every_truncation(void)
{
	size_t ends[8], nends = 0, len, i;
	struct bb_fid named = fid8;
	struct bb b;

	named.name = "a-name";
	bb_init(&b);
	bb_event(&b, FAN_OPEN, 5, 1);
	ends[nends++] = b.len;
	bb_event(&b, FAN_RENAME, FAN_NOFD, 2);
	bb_fid_rec(&b, FAN_EVENT_INFO_TYPE_OLD_DFID_NAME, &named);
	bb_fid_rec(&b, FAN_EVENT_INFO_TYPE_NEW_DFID_NAME, &named);
	bb_fid_rec(&b, FAN_EVENT_INFO_TYPE_FID, &fid8);
	ends[nends++] = b.len;
	bb_event(&b, FAN_PRE_ACCESS, 7, 3);
	bb_pidfd_rec(&b, 9);
	bb_range_rec(&b, 0, 4096);
	ends[nends++] = b.len;
	bb_event(&b, FAN_MNT_DETACH, FAN_NOFD, 4);
	bb_mnt_rec(&b, 77);
	ends[nends++] = b.len;
	bb_event(&b, FAN_FS_ERROR, FAN_NOFD, 0);
	bb_error_rec(&b, 117, 1);
	ends[nends++] = b.len;

	for (len = 0; len <= b.len; len++) {
		size_t want = 0;
		int n = 0;
		char what[64];

		for (i = 0; i < nends && ends[i] <= len; i++) {
			want = ends[i];
			n++;
		}
		snprintf(what, sizeof(what), "truncated at %zu of %zu", len, b.len);
		expect(&b, len, want == len ? n : -EBADMSG, want, what);
	}
	bb_free(&b);
}

int main(void)
{
	th_init(30);
	test_short_tail();
	test_event_len();
	test_metadata_len_and_version();
	test_metadata_len_boundaries();
	test_record_len();
	test_record_past_event_mid_buffer();
	test_trailing_bytes();
	test_handle_bytes();
	test_name_without_nul();
	test_first_event_bad();
	test_boundaries_accepted();
	test_every_truncation();
	printf("%d buffers checked\n", cases);
	return 0;
}
