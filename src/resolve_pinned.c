// SPDX-License-Identifier: MIT
/*
 * Directory-mark ("pinned") paths: the group's records of its directory
 * marks (marks.c), brought into the resolver's map by handle key, and the
 * check that a path still leads to the object of a key.  Keeping them
 * right as directories move is resolve_track.c's part; looking them up,
 * resolve_moment.c's.  Nothing here calls back into either.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sys/statfs.h>

#include "missing.h"
#include "resolve.h"

/* ---- keys ---- */

size_t lf_fid_key(unsigned char *key, const struct fan_fid *fid)
{
	return lf_handle_key(key, &fid->fsid, fid->handle_type, fid->handle_data, fid->handle_bytes);
}

size_t lf_rec_key(unsigned char *key, const struct fan_info *rec)
{
	struct fan_fid fid;

	if (!rec || fan_info_fid(rec, &fid) < 0)
		return 0;
	return lf_fid_key(key, &fid);
}

/* Bring in directory marks the group recorded since we last looked. */
void lf_sync_pinned(struct fan_resolver *r)
{
	const struct fan_group *g = r->g;
	unsigned char key[LF_KEY_MAX];
	size_t i, klen;

	if (g->markrec_gen == r->pinned_gen)
		return;
	if (g->markrec_epoch != r->pinned_epoch) {
		lf_pathmap_clear(r->pinned);
		r->pinned_next = 0;
		r->pinned_epoch = g->markrec_epoch;
	}
	for (i = lf_markrec_from(g, r->pinned_next); i < g->nmarkrecs; i++) {
		const struct fan_markrec *d = &g->markrecs[i];

		klen = lf_handle_key(key, &d->h.fsid, d->h.type, d->h.data, d->h.bytes);
		if (klen)
			lf_pathmap_put(r->pinned, key, klen, d->path, strlen(d->path));
	}
	r->pinned_next = g->markrec_seq;
	r->pinned_gen = g->markrec_gen;
}

/* ---- checks ---- */

bool lf_leads_to(const struct fan_group *g, const void *key, size_t klen, const char *path)
{
	union {
		struct file_handle fh;
		unsigned char space[sizeof(struct file_handle) + MAX_HANDLE_SZ];
	} u = { .fh.handle_bytes = MAX_HANDLE_SZ };
	const unsigned char *k = key;
	const struct fan_mount *m;
	struct fan_fsid fsid;
	struct statfs st;
	int32_t type;
	int mnt, res;

	if (klen < 12)
		return false;
	/* the last component is not followed: a symlink put there is not the directory */
	res = lf_sys_name_to_handle_at(AT_FDCWD, path, &u.fh, &mnt, 0);
	if (res == -EOPNOTSUPP) {
		u.fh.handle_bytes = MAX_HANDLE_SZ;
		res = lf_sys_name_to_handle_at(AT_FDCWD, path, &u.fh, &mnt, AT_HANDLE_FID);
	}
	memcpy(&type, k + 8, 4);
	if (res < 0 || u.fh.handle_type != type || u.fh.handle_bytes != klen - 12 ||
	    memcmp(u.fh.f_handle, k + 12, klen - 12))
		return false;
	/* the handle, on the filesystem of the key: through a mount recorded for it, or by fsid */
	memcpy(fsid.val, k, 8);
	m = lf_mount_find(g, &fsid);
	if (m && (mnt == m->at.old_id || mnt == m->whole.old_id))
		return true;
	return statfs(path, &st) == 0 && !memcmp(&st.f_fsid, k, 8);
}
