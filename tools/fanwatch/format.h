/* SPDX-License-Identifier: MIT */
/*
 * fanwatch: what output_format.c (--format, -0) and output_csv.c (--csv)
 * share: a compiled format is a list of items, each a literal or a field
 * of the record.
 */
#ifndef FANWATCH_FORMAT_H
#define FANWATCH_FORMAT_H

#include "fanwatch.h"

enum fw_field {
	FF_LIT,
	/* names: quoted as in text output (or raw); in CSV with a _raw column */
	FF_PATH,
	FF_DIR,
	FF_NAME,
	FF_NEW_PATH,
	FF_COMM,
	FF_EXE,
	FF_USER,
	FF_CGROUP,
	/* the rest: numbers and words */
	FF_EVENTS,
	FF_TIME,
	FF_ISO,
	FF_EPOCH,
	FF_PID,
	FF_PPID,
	FF_UID,
	FF_GID,
	FF_MNTNS,
	FF_ATTRIBUTION,
	FF_DEV,
	FF_INO,
	FF_FLAGS,
	FF_MOUNT_ID,
	FF_ERROR,
};

static inline bool fw_field_is_name(unsigned int f)
{
	return f >= FF_PATH && f <= FF_CGROUP;
}

/* What the line writer does for an item (set once the format is compiled). */
enum fw_fop {
	FOP_CHAR,		/* one literal byte */
	FOP_LIT,		/* literal bytes */
	FOP_NAME,		/* one name alone */
	FOP_GROUP,		/* names glued together (%w%f): one token */
	FOP_TIME,		/* the time as text output writes it */
	FOP_EVENTS,		/* the event names, comma-separated */
	FOP_PID,
	FOP_VALUE,		/* any other field */
};

struct fw_fitem {
	unsigned char field;	/* enum fw_field */
	unsigned char op;	/* enum fw_fop */
	char sep;		/* FF_EVENTS: between two names */
	bool glued;		/* a name right after a name (%w%f): quoted together */
	const char *name;	/* the field's name (CSV header) */
	const char *lit;	/* FF_LIT: bytes */
	size_t len;
};

struct fw_format {
	enum fw_format_kind kind;
	struct fw_fitem *items;
	size_t n;
	bool raw;		/* names as they are (-0, --raw) */
	bool inode;		/* dev or ino used */
	char term[2];		/* after each record (line kind) */
	size_t term_len;
	char *lits;		/* storage of the literals */
};

#define FW_FIELD_MAX 512	/* bytes of a field that is not a name */

/* The bytes of a name field of rec; false if unknown. */
bool fw_field_name_value(unsigned int field, const struct fw_record *rec, const char **s,
			 size_t *len);
/*
 * A field that is not a name, as text, into dst (FW_FIELD_MAX bytes); its
 * length, or 0 if unknown.  csv: the time
 * is RFC 3339 unless --timefmt.
 */
size_t fw_field_value(const struct fw_out *out, const struct fw_fitem *it,
		      const struct fw_record *rec, char *dst, bool csv);

#endif
