/* SPDX-License-Identifier: MIT */
/*
 * Private: the byte layout of what read() returns, and the library's state
 * bits in it (parse.c reads it).
 */
#ifndef LIBFANOTIFY_LAYOUT_H
#define LIBFANOTIFY_LAYOUT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "fanotify/fanotify.h"

/* ---- byte layout of what read() returns (uapi, verified on 6.18) ---- */
enum {
	MD_EVENT_LEN = 0,	/* u32 */
	MD_VERS = 4,		/* u8 */
	MD_RESERVED = 5,	/* u8: libfanotify keeps its per-event state here */
	MD_METADATA_LEN = 6,	/* u16 */
	MD_MASK = 8,		/* u64 */
	MD_FD = 16,		/* s32 */
	MD_PID = 20,		/* s32 */
	MD_SIZE = 24,

	INFO_TYPE = 0,		/* u8 */
	INFO_PAD = 1,		/* u8: libfanotify state (pidfd taken) */
	INFO_LEN = 2,		/* u16 */
	INFO_HDR = 4,

	FID_FSID = 4,		/* 2 x s32 */
	FID_HANDLE = 12,	/* struct file_handle */
	FID_HANDLE_BYTES = 12,	/* u32 */
	FID_HANDLE_TYPE = 16,	/* s32 */
	FID_HANDLE_DATA = 20,
	FID_MIN = 20,

	PIDFD_FD = 4, PIDFD_MIN = 8,
	ERROR_ERROR = 4, ERROR_COUNT = 8, ERROR_MIN = 12,
	RANGE_OFFSET = 8, RANGE_COUNT = 16, RANGE_MIN = 24,
	MNT_ID = 4, MNT_MIN = 12,
};

/* Per-event state bits in the metadata's reserved byte (the kernel writes 0). */
enum {
	ST_ANSWERED = 0x01,
	ST_FD_TAKEN = 0x02,
	ST_HIDDEN = 0x04,
	ST_DEFERRED = 0x08,
};
/* State bit in a PIDFD record's pad byte. */
enum { ST_PIDFD_TAKEN = 0x01 };

static inline uint8_t rd8(const void *p, size_t off)
{
	return ((const unsigned char *)p)[off];
}
static inline uint16_t rd16(const void *p, size_t off)
{
	uint16_t v;
	memcpy(&v, (const unsigned char *)p + off, sizeof(v));
	return v;
}
static inline uint32_t rd32(const void *p, size_t off)
{
	uint32_t v;
	memcpy(&v, (const unsigned char *)p + off, sizeof(v));
	return v;
}
static inline uint64_t rd64(const void *p, size_t off)
{
	uint64_t v;
	memcpy(&v, (const unsigned char *)p + off, sizeof(v));
	return v;
}
static inline void wr8(void *p, size_t off, uint8_t v)
{
	((unsigned char *)p)[off] = v;
}

static inline bool info_is_fid(unsigned int type)
{
	return type == FAN_EVENT_INFO_TYPE_FID || type == FAN_EVENT_INFO_TYPE_DFID ||
	       type == FAN_EVENT_INFO_TYPE_DFID_NAME ||
	       type == FAN_EVENT_INFO_TYPE_OLD_DFID_NAME ||
	       type == FAN_EVENT_INFO_TYPE_NEW_DFID_NAME;
}
static inline bool info_has_name(unsigned int type)
{
	return type == FAN_EVENT_INFO_TYPE_DFID_NAME ||
	       type == FAN_EVENT_INFO_TYPE_OLD_DFID_NAME ||
	       type == FAN_EVENT_INFO_TYPE_NEW_DFID_NAME;
}

#endif
