/* SPDX-License-Identifier: MIT */
/* File handle comparisons shared by the FID live tests. */
#ifndef FIDCHECK_H
#define FIDCHECK_H

#include <fcntl.h>
#include <stdint.h>

#include "live.h"

/* What name_to_handle_at() and statfs() say about an object. */
struct lv_handle {
	struct fan_fsid fsid;
	int32_t type;
	uint32_t bytes;
	unsigned char data[128];
};

/* Handle (name_to_handle_at, final symlink not followed) and statfs fsid of path. */
void lv_handle_of(const char *path, struct lv_handle *h);

/* Fail unless rec is a record of type whose fsid and handle are h (and name, if given). */
void lv_expect_fid(const struct fan_info *rec, unsigned int type, const struct lv_handle *h,
		   const char *name);

/* The event's records as a string of their types: "dfid_name,fid". */
const char *lv_record_types(const struct fan_event *ev);

#endif
