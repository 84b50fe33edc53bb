// SPDX-License-Identifier: MIT
/*
 * The pure parser: bytes in, views out.  No syscalls, no descriptors.
 *
 * Every walk below trusts only what fan_buffer_validate() checked; the
 * iterators are handed validated regions (a group's batch, or a caller's
 * valid prefix), so each record read here is known to lie inside its event
 * and each event inside the buffer.
 */
#include <errno.h>

#include "internal.h"

/* MNT record: id offset where u64 is 8-aligned (MNT_ID is the packed i386 one). */
enum { MNT_ID_ALIGNED = 8 };

static const unsigned char *bytes(const void *p)
{
	return (const unsigned char *)p;
}

/* Fixed part a record of this type must hold beyond which it is malformed. */
static size_t info_min_len(unsigned int type)
{
	if (info_is_fid(type))
		return FID_MIN;
	switch (type) {
	case FAN_EVENT_INFO_TYPE_PIDFD:
		return PIDFD_MIN;
	case FAN_EVENT_INFO_TYPE_ERROR:
		return ERROR_MIN;
	case FAN_EVENT_INFO_TYPE_RANGE:
		return RANGE_MIN;
	case FAN_EVENT_INFO_TYPE_MNT:
		return MNT_MIN;
	default:
		return INFO_HDR;
	}
}

static bool fid_record_ok(const unsigned char *rec, size_t len, unsigned int type)
{
	uint32_t hb = rd32(rec, FID_HANDLE_BYTES);

	if (hb > len - FID_HANDLE_DATA)
		return false;
	if (!info_has_name(type))
		return true;
	/* The name follows the handle and must end inside the record. */
	return memchr(rec + FID_HANDLE_DATA + hb, '\0', len - FID_HANDLE_DATA - hb) != NULL;
}

static bool info_ok(const unsigned char *rec, size_t room)
{
	unsigned int type;
	size_t len;

	if (room < INFO_HDR)
		return false;
	type = rd8(rec, INFO_TYPE);
	len = rd16(rec, INFO_LEN);
	if (len < info_min_len(type) || len > room)
		return false;
	return !info_is_fid(type) || fid_record_ok(rec, len, type);
}

bool lf_parse_event_ok(const void *event, size_t room)
{
	const unsigned char *ev = event;
	uint32_t len;
	uint16_t mdlen;
	size_t off;

	if (room < MD_SIZE)
		return false;
	len = rd32(ev, MD_EVENT_LEN);
	mdlen = rd16(ev, MD_METADATA_LEN);
	if (len < MD_SIZE || len > room || rd8(ev, MD_VERS) != FANOTIFY_METADATA_VERSION)
		return false;
	if (mdlen < MD_SIZE || mdlen > len)
		return false;
	for (off = mdlen; off < len; off += rd16(ev + off, INFO_LEN))
		if (!info_ok(ev + off, len - off))
			return false;
	return true;
}

LF_EXPORT int fan_buffer_validate(const void *buf, size_t len, size_t *valid_len)
{
	const unsigned char *p = bytes(buf);
	size_t off = 0;
	int n = 0;

	if (!buf && len) {
		/* A length without bytes is misuse, not an empty batch. */
		if (valid_len)
			*valid_len = 0;
		return -EINVAL;
	}
	while (off < len && lf_parse_event_ok(p + off, len - off)) {
		off += rd32(p + off, MD_EVENT_LEN);
		n++;
	}
	if (valid_len)
		*valid_len = off;
	return off == len ? n : -EBADMSG;
}

LF_EXPORT struct fan_event *fan_buffer_first(void *buf, size_t len)
{
	return buf && len >= MD_SIZE ? (struct fan_event *)buf : NULL;
}

LF_EXPORT struct fan_event *fan_buffer_next(void *buf, size_t len, struct fan_event *ev)
{
	size_t off;

	if (!buf || !ev)
		return NULL;
	off = (size_t)((unsigned char *)ev - (unsigned char *)buf) + rd32(ev, MD_EVENT_LEN);
	return off + MD_SIZE <= len ? (struct fan_event *)((unsigned char *)buf + off) : NULL;
}

LF_EXPORT uint32_t fan_event_len(const struct fan_event *ev)
{
	return rd32(ev, MD_EVENT_LEN);
}

LF_EXPORT uint8_t fan_event_version(const struct fan_event *ev)
{
	return rd8(ev, MD_VERS);
}

LF_EXPORT uint16_t fan_event_metadata_len(const struct fan_event *ev)
{
	return rd16(ev, MD_METADATA_LEN);
}

LF_EXPORT uint64_t fan_event_mask(const struct fan_event *ev)
{
	return rd64(ev, MD_MASK);
}

LF_EXPORT pid_t fan_event_pid(const struct fan_event *ev)
{
	return (pid_t)(int32_t)rd32(ev, MD_PID);
}

LF_EXPORT int fan_event_fd(const struct fan_event *ev)
{
	return (int32_t)rd32(ev, MD_FD);
}

LF_EXPORT int fan_event_fd_error(const struct fan_event *ev)
{
	int fd = fan_event_fd(ev);

	/* -1 is FAN_NOFD; -EPERM is indistinguishable from it by kernel design. */
	return fd < FAN_NOFD ? fd : 0;
}

LF_EXPORT int fan_event_is_overflow(const struct fan_event *ev)
{
	return (fan_event_mask(ev) & FAN_Q_OVERFLOW) != 0;
}

LF_EXPORT int fan_event_is_permission(const struct fan_event *ev)
{
	return (fan_event_mask(ev) & LF_PERM_EVENTS) != 0;
}

LF_EXPORT int fan_event_needs_answer(const struct fan_event *ev)
{
	return fan_event_is_permission(ev) && fan_event_fd(ev) >= 0 &&
	       !(rd8(ev, MD_RESERVED) & (ST_ANSWERED | ST_DEFERRED));
}

LF_EXPORT int fan_event_take_fd(struct fan_event *ev)
{
	uint8_t st;
	int fd;

	if (!ev)
		return -EINVAL;
	st = rd8(ev, MD_RESERVED);
	fd = fan_event_fd(ev);
	if (fd < 0 || (st & (ST_FD_TAKEN | ST_DEFERRED)))
		return -EBADF;
	wr8(ev, MD_RESERVED, st | ST_FD_TAKEN);
	return fd;
}

LF_EXPORT const struct fan_info *fan_event_first_info(const struct fan_event *ev)
{
	uint16_t mdlen = rd16(ev, MD_METADATA_LEN);

	return mdlen < rd32(ev, MD_EVENT_LEN) ? (const struct fan_info *)(bytes(ev) + mdlen)
					       : NULL;
}

LF_EXPORT const struct fan_info *fan_event_next_info(const struct fan_event *ev,
						      const struct fan_info *rec)
{
	size_t off;

	if (!rec)
		return NULL;
	off = (size_t)(bytes(rec) - bytes(ev)) + rd16(rec, INFO_LEN);
	return off < rd32(ev, MD_EVENT_LEN) ? (const struct fan_info *)(bytes(ev) + off) : NULL;
}

LF_EXPORT const struct fan_info *fan_event_find_info(const struct fan_event *ev,
						      unsigned int type)
{
	const struct fan_info *rec;

	fan_for_each_info(rec, ev)
		if (rd8(rec, INFO_TYPE) == type)
			return rec;
	return NULL;
}

const unsigned char *lf_event_find_pidfd_rec(const struct fan_event *ev)
{
	return (const unsigned char *)fan_event_find_info(ev, FAN_EVENT_INFO_TYPE_PIDFD);
}

void lf_event_recs(const struct fan_event *ev, struct lf_recs *rs)
{
	const struct fan_info *rec;

	*rs = (struct lf_recs){ 0 };
	fan_for_each_info(rec, ev) {
		switch (fan_info_type(rec)) {
		case FAN_EVENT_INFO_TYPE_DFID_NAME: rs->dfn = rs->dfn ? rs->dfn : rec; break;
		case FAN_EVENT_INFO_TYPE_OLD_DFID_NAME: rs->old = rec; break;
		case FAN_EVENT_INFO_TYPE_NEW_DFID_NAME: rs->nw = rec; break;
		case FAN_EVENT_INFO_TYPE_FID: rs->fid = rs->fid ? rs->fid : rec; break;
		case FAN_EVENT_INFO_TYPE_DFID: rs->dfid = rs->dfid ? rs->dfid : rec; break;
		case FAN_EVENT_INFO_TYPE_MNT: rs->mnt = rec; break;
		}
	}
	/* records of one event, in one buffer: the earlier of the two */
	rs->fid_or_dfid = !rs->dfid || (rs->fid && rs->fid < rs->dfid) ? rs->fid : rs->dfid;
}

LF_EXPORT int fan_event_pidfd(const struct fan_event *ev)
{
	const unsigned char *rec = lf_event_find_pidfd_rec(ev);

	return rec ? (int32_t)rd32(rec, PIDFD_FD) : FAN_NOPIDFD;
}

LF_EXPORT int fan_event_take_pidfd(struct fan_event *ev)
{
	unsigned char *rec;
	int fd;

	if (!ev)
		return -EINVAL;
	rec = (unsigned char *)lf_event_find_pidfd_rec(ev);
	if (!rec || (rd8(ev, MD_RESERVED) & ST_DEFERRED))
		return -EBADF;
	fd = (int32_t)rd32(rec, PIDFD_FD);
	if (fd < 0 || (rd8(rec, INFO_PAD) & ST_PIDFD_TAKEN))
		return -EBADF;
	wr8(rec, INFO_PAD, rd8(rec, INFO_PAD) | ST_PIDFD_TAKEN);
	return fd;
}

LF_EXPORT unsigned int fan_info_type(const struct fan_info *rec)
{
	return rd8(rec, INFO_TYPE);
}

LF_EXPORT size_t fan_info_len(const struct fan_info *rec)
{
	return rd16(rec, INFO_LEN);
}

LF_EXPORT const void *fan_info_raw(const struct fan_info *rec)
{
	return rec;
}

LF_EXPORT int fan_info_fid(const struct fan_info *rec, struct fan_fid *out)
{
	const unsigned char *p = bytes(rec);
	unsigned int type;
	uint32_t hb;

	if (!rec || !out || !info_is_fid(type = rd8(p, INFO_TYPE)))
		return -EINVAL;
	hb = rd32(p, FID_HANDLE_BYTES);
	out->fsid.val[0] = (int32_t)rd32(p, FID_FSID);
	out->fsid.val[1] = (int32_t)rd32(p, FID_FSID + 4);
	out->handle = p + FID_HANDLE;
	out->handle_bytes = hb;
	out->handle_type = (int32_t)rd32(p, FID_HANDLE_TYPE);
	out->handle_data = p + FID_HANDLE_DATA;
	out->name = NULL;
	out->name_len = 0;
	if (info_has_name(type)) {
		out->name = (const char *)p + FID_HANDLE_DATA + hb;
		out->name_len = strlen(out->name);
	}
	return 0;
}

LF_EXPORT int fan_info_pidfd(const struct fan_info *rec, int *pidfd)
{
	if (!rec || !pidfd || rd8(rec, INFO_TYPE) != FAN_EVENT_INFO_TYPE_PIDFD)
		return -EINVAL;
	*pidfd = (int32_t)rd32(rec, PIDFD_FD);
	return 0;
}

LF_EXPORT int fan_info_error(const struct fan_info *rec, struct fan_fs_error *out)
{
	if (!rec || !out || rd8(rec, INFO_TYPE) != FAN_EVENT_INFO_TYPE_ERROR)
		return -EINVAL;
	out->error = (int32_t)rd32(rec, ERROR_ERROR);
	out->error_count = rd32(rec, ERROR_COUNT);
	return 0;
}

LF_EXPORT int fan_info_range(const struct fan_info *rec, struct fan_range *out)
{
	if (!rec || !out || rd8(rec, INFO_TYPE) != FAN_EVENT_INFO_TYPE_RANGE)
		return -EINVAL;
	out->offset = rd64(rec, RANGE_OFFSET);
	out->count = rd64(rec, RANGE_COUNT);
	return 0;
}

/*
 * struct fanotify_event_info_mnt is {hdr; __u64 mnt_id}: 16 bytes with the
 * id at offset 8 where u64 is 8-aligned (x86_64, arm64, ...), 12 bytes with
 * the id at offset 4 on i386.  The record's length tells which.
 */
LF_EXPORT int fan_info_mnt(const struct fan_info *rec, uint64_t *mnt_id)
{
	if (!rec || !mnt_id || rd8(rec, INFO_TYPE) != FAN_EVENT_INFO_TYPE_MNT)
		return -EINVAL;
	*mnt_id = rd64(rec, rd16(rec, INFO_LEN) >= MNT_ID_ALIGNED + 8 ? MNT_ID_ALIGNED : MNT_ID);
	return 0;
}
