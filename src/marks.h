/* SPDX-License-Identifier: MIT */
/* Private: the filesystems and marked objects a group records (marks.c). */
#ifndef LIBFANOTIFY_MARKS_H
#define LIBFANOTIFY_MARKS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "fanotify/fanotify.h"

/* ---- groups, marks and the filesystems they touch ---- */
/*
 * A way into a filesystem for open_by_handle_at(): a mount's root, by path
 * and unique mount id.  The descriptor is opened when first needed in a
 * batch and closed when the batch ends, so a watched filesystem can be
 * unmounted.
 */
struct fan_root {
	char *path;		/* absolute path of the mount's root; NULL: fd is kept */
	uint64_t mnt_id;	/* statx mount id of that root */
	long old_id;		/* its id in mountinfo and name_to_handle_at(); -1 unknown */
	int fd;			/* -1 when closed */
	struct fan_fsid fsid;	/* its filesystem's: mount ids are reused before Linux 6.8 */
};

/*
 * A filesystem events may name.  Events tell filesystems apart by fsid
 * alone, so two of them with one fsid (an image and its copy) cannot both
 * be recorded: dev says which one this is.
 */
struct fan_mount {
	struct fan_fsid fsid;
	dev_t dev;
	struct fan_root at;	/* the mount it was first marked through */
	/*
	 * When that mount shows only a directory of the filesystem (a bind
	 * mount of it: subtree), objects outside that directory have no path
	 * through it; whole is a mount of the whole filesystem if one was
	 * found (path NULL and fd -1 if not).
	 */
	bool subtree;
	struct fan_root whole;
	uint64_t fs_mask;	/* events of its FILESYSTEM marks added through the library */
};

/* The identity fanotify reports for an object: its filesystem and handle. */
struct obj_handle {
	struct fan_fsid fsid;
	int32_t type;
	uint32_t bytes;
	unsigned char data[128];
};

/* A marked file or directory: its handle and its absolute path at mark time. */
struct fan_markrec {
	struct obj_handle h;
	char *path;
	uint64_t seq;		/* order of recording, never reused (records can be forgotten) */
};

/* marks.c */
void lf_marks_free(struct fan_group *g);
/* Close the mount descriptors opened during the batch (keep the kept ones). */
void lf_mounts_release(struct fan_group *g);
/* The filesystem recorded for fsid, or NULL. */
struct fan_mount *lf_mount_find(const struct fan_group *g, const struct fan_fsid *fsid);
/* A descriptor on root (opened for the batch), or -errno. */
int lf_root_fd(struct fan_root *root);
/*
 * Does the group see every rename of a directory on this filesystem (a
 * FILESYSTEM mark with FAN_ONDIR and rename events, none of them ignored)?
 */
bool lf_fs_renames_seen(const struct fan_group *g, const struct fan_fsid *fsid);
/* The record with this key has no mark any more (its object was deleted). */
void lf_markrec_forget(struct fan_group *g, const void *key, size_t klen);
/* Index of the first record of seq >= seq. */
size_t lf_markrec_from(const struct fan_group *g, uint64_t seq);
bool lf_fsid_equal(const struct fan_fsid *a, const struct fan_fsid *b);
/* The handle fanotify reports for the object fd refers to (O_PATH is fine). */
int lf_object_handle(int fd, struct obj_handle *h);
/* A map key for a handle: fsid, type, bytes (at most LF_KEY_MAX); 0 if too long. */
#define LF_KEY_MAX (8 + 4 + 128)
size_t lf_handle_key(unsigned char *key, const struct fan_fsid *fsid, int32_t type,
		     const void *data, size_t bytes);

#endif
