/* SPDX-License-Identifier: MIT */
/*
 * Private declarations shared by libfanotify's layers: what every file
 * needs here, each module's own in its header (included below).
 */
#ifndef LIBFANOTIFY_INTERNAL_H
#define LIBFANOTIFY_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#include "fanotify/fanotify.h"

#define LF_EXPORT __attribute__((visibility("default")))

#define LF_PERM_EVENTS \
	(FAN_OPEN_PERM | FAN_ACCESS_PERM | FAN_OPEN_EXEC_PERM | FAN_PRE_ACCESS)
#define LF_FID_FLAGS (FAN_REPORT_FID | FAN_REPORT_DIR_FID)

/*
 * An options struct (first field its size) from a caller built against
 * any version of the header: at least the size field, and whatever lies
 * beyond the fields this library knows must be zero.  NULL is fine.
 */
static inline bool opts_valid(const void *opts, size_t known)
{
	size_t sz, i;

	if (!opts)
		return true;
	memcpy(&sz, opts, sizeof(sz));
	if (sz < sizeof(size_t))
		return false;
	for (i = known; i < sz; i++)
		if (((const unsigned char *)opts)[i])
			return false;
	return true;
}

/*
 * Both directions of a size-versioned struct (as libbpf's OPTS_GET):
 * LF_OPTS_IN(o, opts) copies into our o, whose sz is set, the fields the
 * caller's opts holds (opts_valid() checked it; NULL: none; o.sz becomes
 * the caller's).  LF_OPTS_OUT(st, ours) copies our struct's fields into
 * the caller's st, as many as its st->sz holds (at least the size field:
 * checked), st->sz untouched.
 */
static inline void lf_opts_in(void *ours, size_t size, const void *opts)
{
	size_t sz;

	if (!opts)
		return;
	memcpy(&sz, opts, sizeof(sz));
	memcpy(ours, opts, sz < size ? sz : size);
}
static inline void lf_opts_out(void *st, const void *ours, size_t size)
{
	size_t sz;

	memcpy(&sz, st, sizeof(sz));
	if (sz > size)
		sz = size;
	memcpy((char *)st + sizeof(size_t), (const char *)ours + sizeof(size_t),
	       sz - sizeof(size_t));
}
#define LF_OPTS_IN(o, opts) lf_opts_in(&(o), sizeof(o), (opts))
#define LF_OPTS_OUT(st, ours) lf_opts_out((st), &(ours), sizeof(ours))

/*
 * Every function shared between the library's files is named lf_*: a
 * program linking the static library may define any other name.
 */

#include "layout.h"
#include "sys.h"
#include "marks.h"
#include "group.h"

/* subtree.c: a tracked directory's path as of the event handled (0), else -ENOENT */
struct sbuf;
int lf_subtree_dir_path(struct fan_subtree *t, const void *key, size_t klen, struct sbuf *out);

/* parse.c: one event checked whole (metadata and every record) within room bytes */
bool lf_parse_event_ok(const void *event, size_t room);
/* parse.c: records of an event, for the layers above */
const unsigned char *lf_event_find_pidfd_rec(const struct fan_event *ev);
/*
 * The records that name an event's objects: the first DFID_NAME, FID and
 * DFID (and the first FID or DFID, whichever comes first); the last
 * OLD_DFID_NAME, NEW_DFID_NAME and MNT.  NULL where there is none.
 */
struct lf_recs {
	const struct fan_info *dfn, *old, *nw, *fid, *dfid, *fid_or_dfid, *mnt;
};
void lf_event_recs(const struct fan_event *ev, struct lf_recs *rs);

#endif
