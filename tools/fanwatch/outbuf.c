// SPDX-License-Identifier: MIT
/*
 * The record buffer every format writes into: fw_out_reserve() (inline in
 * fanwatch.h) when there is room, fw_out_reserve_slow() when it must grow.
 * Records are whole in it: it grows rather than split one; the caller
 * flushes between records (output.c).
 */
#include <stdlib.h>

#include "fanwatch.h"

char *fw_out_reserve_slow(struct fw_out *out, size_t n)
{
	size_t cap = out->cap;
	char *b;

	/* a record is never split: the buffer grows, the caller flushes between records */
	while (cap < out->len + n)
		cap *= 2;
	b = realloc(out->buf, cap);
	if (!b)
		fw_fatal(FW_EXIT_RUNTIME, "out of memory");
	out->buf = b;
	out->cap = cap;
	return out->buf + out->len;
}
