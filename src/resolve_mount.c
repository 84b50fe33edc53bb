// SPDX-License-Identifier: MIT
/*
 * Mount points, by unique mount id (statmount(), Linux 6.8), for mount
 * events and filesystem-wide errors.  A detached mount is gone from
 * statmount(): what was seen while it was attached answers for it, and
 * so that mounts older than the resolver have an answer too, a resolver
 * for a FAN_REPORT_MNT group starts from every mount of its namespace
 * (listmount(), Linux 6.8).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "missing.h"
#include "resolve.h"

/* mnt_id (unique) of the mount fd is on, or 0. */
uint64_t lf_fd_mnt_id(int fd)
{
	struct statx stx;

	if (statx(fd, "", AT_EMPTY_PATH, STATX_MNT_ID_UNIQUE, &stx) < 0 ||
	    !(stx.stx_mask & STATX_MNT_ID_UNIQUE))
		return 0;
	return stx.stx_mnt_id;
}

/* statmount()'s mount point string, or NULL. */
static const char *statmount_point(struct sbuf *buf, uint64_t mnt_id)
{
	const char *p;

	if (lf_sbuf_reserve(buf, SM_STR_OFF + 8192) < 0 ||
	    lf_sys_statmount_str(mnt_id, STATMOUNT_MNT_POINT, SM_MNT_POINT_OFF, buf->s, buf->cap,
				 &p) < 0)
		return NULL;
	return p;
}

int lf_mount_point(struct fan_resolver *r, uint64_t mnt_id, struct sbuf *out)
{
	const char *p = statmount_point(&r->scratch, mnt_id);
	size_t plen;

	if (p) {
		lf_pathmap_put(r->mounts, &mnt_id, sizeof(mnt_id), p, strlen(p));
		return lf_sbuf_set(out, p, strlen(p));
	}
	/* detached already: what we saw while it was attached */
	p = lf_pathmap_get(r->mounts, &mnt_id, sizeof(mnt_id), &plen);
	return p ? lf_sbuf_set(out, p, plen) : -ENOENT;
}

/* Remember the mount point of every mount there is now. */
void lf_mounts_seed(struct fan_resolver *r)
{
	struct lf_mnt_id_req req = { .size = LF_MNT_ID_REQ_SIZE_VER0, .mnt_id = LSMT_ROOT };
	uint64_t ids[256];
	long n, i;

	do {
		n = syscall(SYS_listmount, &req, ids, 256, 0);
		for (i = 0; i < n; i++) {
			const char *p = statmount_point(&r->scratch, ids[i]);

			if (p)
				lf_pathmap_put(r->mounts, &ids[i], sizeof(ids[i]), p, strlen(p));
		}
		if (n > 0)
			req.param = ids[n - 1];	/* continue after the last one */
	} while (n == 256);
}
