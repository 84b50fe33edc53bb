// SPDX-License-Identifier: MIT
/*
 * fan_buffer_validate / fan_buffer_first / fan_buffer_next and the record
 * walk on well-formed batches holding every record type the kernel writes,
 * an unknown type that must be skipped by its length, and a metadata_len
 * longer than today's 24 bytes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <fanotify/fanotify.h>

#include "builder.h"
#include "th.h"

#define MAX_EV 16
#define MAX_REC 4

/* What the builder wrote, to compare the walk against. */
struct expect {
	size_t off;			/* event offset */
	size_t nrec;
	size_t rec_off[MAX_REC];	/* record offsets, from the buffer start */
	unsigned int rec_type[MAX_REC];
	size_t rec_len[MAX_REC];
};

struct batch {
	struct bb b;
	struct expect ev[MAX_EV];
	size_t n;
};

static const unsigned char handle8[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };

static void ev(struct batch *t, uint64_t mask, int fd, int pid)
{
	t->ev[t->n].off = bb_event(&t->b, mask, fd, pid);
	t->ev[t->n].nrec = 0;
	t->n++;
}

static void note(struct batch *t, size_t at)
{
	struct expect *e = &t->ev[t->n - 1];
	uint16_t len;

	memcpy(&len, t->b.p + at + 2, 2);
	e->rec_off[e->nrec] = at;
	e->rec_type[e->nrec] = t->b.p[at];
	e->rec_len[e->nrec] = len;
	e->nrec++;
}

static void fid(struct batch *t, uint8_t type, const char *name)
{
	struct bb_fid f = { .fsid = { 0x1234, 0x5678 }, .handle_type = 1,
			    .handle_bytes = sizeof(handle8), .handle = handle8, .name = name };

	note(t, bb_fid_rec(&t->b, type, &f));
}

/* Eleven events: one per shape the kernel produces, plus an unknown record. */
static void build(struct batch *t)
{
	static const unsigned char unknown_body[8] = { 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4 };
	struct bb_fid sb = { .fsid = { 7, 8 }, .handle_type = 255, .handle_bytes = 0,
			     .handle = handle8 };

	bb_init(&t->b);
	t->n = 0;
	ev(t, FAN_OPEN | FAN_CLOSE_NOWRITE, 7, 100);		/* fd mode */
	ev(t, FAN_CREATE, FAN_NOFD, 101);			/* DFID_NAME + FID (TARGET) */
	fid(t, FAN_EVENT_INFO_TYPE_DFID_NAME, "file");
	fid(t, FAN_EVENT_INFO_TYPE_FID, NULL);
	ev(t, FAN_ATTRIB | FAN_ONDIR, FAN_NOFD, 102);		/* the directory itself */
	fid(t, FAN_EVENT_INFO_TYPE_DFID_NAME, ".");
	ev(t, FAN_DELETE, FAN_NOFD, 103);			/* DIR_FID without NAME */
	fid(t, FAN_EVENT_INFO_TYPE_DFID, NULL);
	ev(t, FAN_RENAME, FAN_NOFD, 104);			/* rename: old, new, target */
	fid(t, FAN_EVENT_INFO_TYPE_OLD_DFID_NAME, "old-name");
	fid(t, FAN_EVENT_INFO_TYPE_NEW_DFID_NAME, "new");
	fid(t, FAN_EVENT_INFO_TYPE_FID, NULL);
	ev(t, FAN_OPEN, 9, 105);				/* PIDFD */
	note(t, bb_pidfd_rec(&t->b, 11));
	ev(t, FAN_FS_ERROR, FAN_NOFD, 0);			/* superblock FID + ERROR */
	note(t, bb_fid_rec(&t->b, FAN_EVENT_INFO_TYPE_FID, &sb));
	note(t, bb_error_rec(&t->b, EIO, 3));
	ev(t, FAN_PRE_ACCESS, 12, 106);				/* RANGE */
	note(t, bb_range_rec(&t->b, 4096, 8192));
	ev(t, FAN_MNT_ATTACH, FAN_NOFD, 107);			/* PIDFD before MNT */
	note(t, bb_pidfd_rec(&t->b, FAN_NOPIDFD));
	note(t, bb_mnt_rec(&t->b, 0x80000000aeull));
	ev(t, FAN_CREATE, FAN_NOFD, 108);			/* unknown type 99 in the middle */
	fid(t, FAN_EVENT_INFO_TYPE_DFID_NAME, "x");
	note(t, bb_raw_rec(&t->b, 99, unknown_body, sizeof(unknown_body)));
	fid(t, FAN_EVENT_INFO_TYPE_FID, NULL);
	ev(t, FAN_Q_OVERFLOW, FAN_NOFD, 0);			/* overflow */
}

static void check_event(unsigned char *buf, struct fan_event *e, const struct expect *x)
{
	const struct fan_info *rec;
	size_t i = 0;

	T_EQ((unsigned char *)e - buf, x->off);
	T_EQ(fan_event_version(e), FANOTIFY_METADATA_VERSION);
	T_EQ(fan_event_metadata_len(e), 24);
	fan_for_each_info(rec, e) {
		T_ASSERT(i < x->nrec);
		T_EQ((const unsigned char *)rec - buf, x->rec_off[i]);
		T_EQ(fan_info_type(rec), x->rec_type[i]);
		T_EQ(fan_info_len(rec), x->rec_len[i]);
		T_ASSERT(fan_info_raw(rec) == (const void *)rec);
		i++;
	}
	T_EQ(i, x->nrec);
	/* find_info returns the first record of each type present. */
	for (i = 0; i < x->nrec; i++) {
		size_t j;

		for (j = 0; j < i && x->rec_type[j] != x->rec_type[i]; j++)
			;
		if (j < i)
			continue;	/* an earlier record has this type */
		rec = fan_event_find_info(e, x->rec_type[i]);
		T_ASSERT(rec);
		T_EQ((const unsigned char *)rec - buf, x->rec_off[i]);
	}
	T_ASSERT(fan_event_find_info(e, 42) == NULL);
}

static void test_well_formed(void)
{
	struct batch t;
	struct fan_event *e;
	unsigned char *buf;
	size_t valid = 0, i = 0;

	build(&t);
	buf = bb_exact(&t.b, t.b.len);
	T_EQ(fan_buffer_validate(buf, t.b.len, &valid), (int)t.n);
	T_EQ(valid, t.b.len);
	T_EQ(fan_buffer_validate(buf, t.b.len, NULL), (int)t.n);
	for (e = fan_buffer_first(buf, t.b.len); e; e = fan_buffer_next(buf, t.b.len, e)) {
		T_ASSERT(i < t.n);
		check_event(buf, e, &t.ev[i]);
		i++;
	}
	T_EQ(i, t.n);
	free(buf);
	bb_free(&t.b);
}

/* The unknown record is skipped by its length and still fully visible. */
static void test_unknown_record(void)
{
	static const unsigned char body[8] = { 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4 };
	const struct fan_info *rec;
	struct fan_event *e;
	struct fan_fid f;
	struct batch t;
	unsigned char *buf;
	int pidfd;

	build(&t);
	buf = bb_exact(&t.b, t.b.len);
	e = (struct fan_event *)(buf + t.ev[9].off);
	rec = fan_event_find_info(e, 99);
	T_ASSERT(rec);
	T_EQ(fan_info_type(rec), 99);
	T_EQ(fan_info_len(rec), 4 + sizeof(body));
	T_ASSERT(!memcmp((const unsigned char *)fan_info_raw(rec) + 4, body, sizeof(body)));
	T_ASSERT(fan_info_type_name(99) == NULL);
	T_EQ(fan_info_fid(rec, &f), -EINVAL);
	T_EQ(fan_info_pidfd(rec, &pidfd), -EINVAL);
	/* The FID after it is reached. */
	rec = fan_event_next_info(e, rec);
	T_ASSERT(rec);
	T_EQ(fan_info_type(rec), FAN_EVENT_INFO_TYPE_FID);
	T_ASSERT(fan_event_next_info(e, rec) == NULL);
	free(buf);
	bb_free(&t.b);
}

/* A future kernel may lengthen the metadata: records start at metadata_len. */
static void test_long_metadata(void)
{
	static const unsigned char extra[8] = { 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x11, 0x22 };
	const struct fan_info *rec;
	struct fan_event *e;
	unsigned char *buf;
	struct bb b;
	size_t valid;

	bb_init(&b);
	bb_event(&b, FAN_OPEN, 3, 1);
	bb_bytes(&b, extra, sizeof(extra));
	bb_put16(&b, BB_MD_METADATA_LEN, 32);
	bb_pidfd_rec(&b, 5);
	bb_event(&b, FAN_CLOSE_WRITE, 4, 1);	/* metadata_len 32 with no record */
	bb_bytes(&b, extra, sizeof(extra));
	bb_put16(&b, b.ev + BB_MD_METADATA_LEN, 32);
	buf = bb_exact(&b, b.len);
	T_EQ(fan_buffer_validate(buf, b.len, &valid), 2);
	T_EQ(valid, b.len);
	e = fan_buffer_first(buf, b.len);
	T_EQ(fan_event_metadata_len(e), 32);
	rec = fan_event_first_info(e);
	T_ASSERT(rec);
	T_EQ((const unsigned char *)rec - buf, 32);
	T_EQ(fan_event_pidfd(e), 5);
	e = fan_buffer_next(buf, b.len, e);
	T_ASSERT(e);
	T_ASSERT(fan_event_first_info(e) == NULL);
	T_ASSERT(fan_buffer_next(buf, b.len, e) == NULL);
	free(buf);
	bb_free(&b);
}

/* Empty and degenerate buffers. */
static void test_empty(void)
{
	unsigned char one = 0;
	size_t valid = 99;
	struct bb b;
	unsigned char *buf;

	T_EQ(fan_buffer_validate(&one, 0, &valid), 0);
	T_EQ(valid, 0);
	valid = 99;
	T_EQ(fan_buffer_validate(NULL, 0, &valid), 0);
	T_EQ(valid, 0);
	T_ASSERT(fan_buffer_first(NULL, 100) == NULL);
	T_ASSERT(fan_buffer_first(&one, 0) == NULL);
	T_ASSERT(fan_buffer_next(NULL, 100, NULL) == NULL);

	/* A single bare event, first and last. */
	bb_init(&b);
	bb_event(&b, FAN_MODIFY, 5, 42);
	buf = bb_exact(&b, b.len);
	T_EQ(fan_buffer_validate(buf, b.len, &valid), 1);
	T_EQ(valid, 24);
	T_ASSERT(fan_buffer_first(buf, 23) == NULL);
	T_ASSERT(fan_buffer_first(buf, 24) == (struct fan_event *)buf);
	T_ASSERT(fan_buffer_next(buf, 24, (struct fan_event *)buf) == NULL);
	T_ASSERT(fan_buffer_next(buf, 24, NULL) == NULL);
	T_ASSERT(fan_event_first_info((struct fan_event *)buf) == NULL);
	T_ASSERT(fan_event_next_info((struct fan_event *)buf, NULL) == NULL);
	T_ASSERT(fan_event_find_info((struct fan_event *)buf, FAN_EVENT_INFO_TYPE_FID) == NULL);
	free(buf);
	bb_free(&b);
}

/* NULL with a length is misuse, not an empty batch. */
static void test_null_with_len(void)
{
	size_t valid = 99;

	T_EQ(fan_buffer_validate(NULL, 100, &valid), -EINVAL);
	T_EQ(valid, 0);
}

int main(void)
{
	th_init(30);
	test_well_formed();
	test_unknown_record();
	test_long_metadata();
	test_empty();
	test_null_with_len();
	return 0;
}
