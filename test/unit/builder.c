// SPDX-License-Identifier: MIT
/* Synthetic event buffers for the unit tests (see builder.h). */
#include <stdlib.h>
#include <string.h>

#include "builder.h"
#include "th.h"

void bb_init(struct bb *b)
{
	*b = (struct bb){ 0 };
}

void bb_free(struct bb *b)
{
	free(b->p);
	bb_init(b);
}

static void grow(struct bb *b, size_t n)
{
	size_t cap = b->cap ? b->cap : 256;

	while (cap < b->len + n)
		cap *= 2;
	if (cap != b->cap) {
		b->p = realloc(b->p, cap);
		if (!b->p)
			th_fail("builder: out of memory");
		b->cap = cap;
	}
}

/* Append without touching event_len (used to write the metadata itself). */
static void append(struct bb *b, const void *p, size_t n)
{
	grow(b, n);
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

static void sync_len(struct bb *b)
{
	bb_put32(b, b->ev + BB_MD_EVENT_LEN, (uint32_t)(b->len - b->ev));
}

void bb_bytes(struct bb *b, const void *p, size_t n)
{
	append(b, p, n);
	sync_len(b);
}

static void zeros(struct bb *b, size_t n)
{
	static const unsigned char z[64];

	while (n) {
		size_t k = n < sizeof(z) ? n : sizeof(z);

		bb_bytes(b, z, k);
		n -= k;
	}
}

void bb_put8(struct bb *b, size_t off, uint8_t v)
{
	b->p[off] = v;
}

void bb_put16(struct bb *b, size_t off, uint16_t v)
{
	memcpy(b->p + off, &v, sizeof(v));
}

void bb_put32(struct bb *b, size_t off, uint32_t v)
{
	memcpy(b->p + off, &v, sizeof(v));
}

void bb_put64(struct bb *b, size_t off, uint64_t v)
{
	memcpy(b->p + off, &v, sizeof(v));
}

size_t bb_event(struct bb *b, uint64_t mask, int32_t fd, int32_t pid)
{
	unsigned char md[BB_MD_SIZE] = { 0 };

	b->ev = b->len;
	append(b, md, sizeof(md));
	bb_put8(b, b->ev + BB_MD_VERS, 3);
	bb_put16(b, b->ev + BB_MD_METADATA_LEN, BB_MD_SIZE);
	bb_put64(b, b->ev + BB_MD_MASK, mask);
	bb_put32(b, b->ev + BB_MD_FD, (uint32_t)fd);
	bb_put32(b, b->ev + BB_MD_PID, (uint32_t)pid);
	sync_len(b);
	return b->ev;
}

/* Record header; the length is patched by finish_rec(). */
static size_t start_rec(struct bb *b, uint8_t type)
{
	unsigned char hdr[4] = { type, 0, 0, 0 };
	size_t at = b->len;

	bb_bytes(b, hdr, sizeof(hdr));
	return at;
}

/* Pad to 4 bytes, as the kernel does, and write the record length. */
static size_t finish_rec(struct bb *b, size_t at, int pad)
{
	if (pad)
		zeros(b, (4 - (b->len - at) % 4) % 4);
	bb_put16(b, at + 2, (uint16_t)(b->len - at));
	return at;
}

size_t bb_fid_rec(struct bb *b, uint8_t type, const struct bb_fid *f)
{
	size_t at = start_rec(b, type);

	bb_bytes(b, f->fsid, sizeof(f->fsid));
	bb_bytes(b, &f->handle_bytes, 4);
	bb_bytes(b, &f->handle_type, 4);
	bb_bytes(b, f->handle, f->handle_bytes);
	if (f->name)
		bb_bytes(b, f->name, strlen(f->name) + 1);
	return finish_rec(b, at, 1);
}

size_t bb_pidfd_rec(struct bb *b, int32_t pidfd)
{
	size_t at = start_rec(b, 4);

	bb_bytes(b, &pidfd, 4);
	return finish_rec(b, at, 0);
}

size_t bb_error_rec(struct bb *b, int32_t error, uint32_t count)
{
	size_t at = start_rec(b, 5);

	bb_bytes(b, &error, 4);
	bb_bytes(b, &count, 4);
	return finish_rec(b, at, 0);
}

size_t bb_range_rec(struct bb *b, uint64_t offset, uint64_t count)
{
	size_t at = start_rec(b, 6);

	zeros(b, 4);		/* u32 pad */
	bb_bytes(b, &offset, 8);
	bb_bytes(b, &count, 8);
	return finish_rec(b, at, 0);
}

size_t bb_mnt_rec(struct bb *b, uint64_t mnt_id)
{
	size_t at = start_rec(b, 7);

	zeros(b, 4);		/* alignment hole before the u64 on 64-bit ABIs */
	bb_bytes(b, &mnt_id, 8);
	return finish_rec(b, at, 0);
}

size_t bb_raw_rec(struct bb *b, uint8_t type, const void *body, size_t body_len)
{
	size_t at = start_rec(b, type);

	bb_bytes(b, body, body_len);
	return finish_rec(b, at, 0);
}

unsigned char *bb_exact(const struct bb *b, size_t len)
{
	/* malloc(0) may return NULL; keep one real allocation per test buffer. */
	unsigned char *p = malloc(len ? len : 1);

	if (!p)
		th_fail("builder: out of memory");
	if (len)
		memcpy(p, b->p, len);
	return p;
}
