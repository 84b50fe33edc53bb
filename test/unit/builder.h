/* SPDX-License-Identifier: MIT */
/*
 * Build synthetic fanotify read() buffers byte by byte, with the exact
 * layouts the kernel writes (see kernel-fanotify.md), so the unit tests
 * need no kernel.  Each append keeps the open event's event_len up to
 * date; tests that want a malformed buffer patch fields afterwards with
 * bb_put*() and copy the result into an exactly-sized allocation with
 * bb_exact() so AddressSanitizer catches any read past the end.
 */
#ifndef TEST_UNIT_BUILDER_H
#define TEST_UNIT_BUILDER_H

#include <stddef.h>
#include <stdint.h>

struct bb {
	unsigned char *p;
	size_t len, cap;
	size_t ev;		/* offset of the event being built */
};

/* Offsets of the metadata fields (uapi struct fanotify_event_metadata). */
enum {
	BB_MD_EVENT_LEN = 0, BB_MD_VERS = 4, BB_MD_RESERVED = 5, BB_MD_METADATA_LEN = 6,
	BB_MD_MASK = 8, BB_MD_FD = 16, BB_MD_PID = 20, BB_MD_SIZE = 24,
};

/* A file handle as tests use it: 8 bytes of type 1 unless said otherwise. */
struct bb_fid {
	int32_t fsid[2];
	int32_t handle_type;
	uint32_t handle_bytes;
	const void *handle;
	const char *name;	/* NULL: no name (FID, DFID); appended with its NUL */
};

void bb_init(struct bb *b);
void bb_free(struct bb *b);

/* Start a new event: 24 bytes of metadata, version 3, event_len kept current. */
size_t bb_event(struct bb *b, uint64_t mask, int32_t fd, int32_t pid);

/* Info records; each returns the offset of its header in the buffer. */
size_t bb_fid_rec(struct bb *b, uint8_t type, const struct bb_fid *f);
size_t bb_pidfd_rec(struct bb *b, int32_t pidfd);
size_t bb_error_rec(struct bb *b, int32_t error, uint32_t count);
size_t bb_range_rec(struct bb *b, uint64_t offset, uint64_t count);
size_t bb_mnt_rec(struct bb *b, uint64_t mnt_id);	/* 16 bytes, as x86_64 kernels write it */
/* A record of any type: header {type, 0, 4 + body_len} then body. */
size_t bb_raw_rec(struct bb *b, uint8_t type, const void *body, size_t body_len);

/* Raw bytes inside the current event (event_len grows with them). */
void bb_bytes(struct bb *b, const void *p, size_t n);

/* Patch fields in place (little-endian host layout, as the kernel writes). */
void bb_put8(struct bb *b, size_t off, uint8_t v);
void bb_put16(struct bb *b, size_t off, uint16_t v);
void bb_put32(struct bb *b, size_t off, uint32_t v);
void bb_put64(struct bb *b, size_t off, uint64_t v);

/* A malloc'd copy of the first len bytes, exactly len bytes long (free() it). */
unsigned char *bb_exact(const struct bb *b, size_t len);

#endif
