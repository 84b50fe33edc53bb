// SPDX-License-Identifier: MIT
/*
 * The batch parser on arbitrary bytes: fan_buffer_validate() on an exactly
 * sized copy (so AddressSanitizer sees any overread), then a walk of the
 * valid prefix through every pure accessor, using no group at all.  The
 * same bytes at an odd address must give the same answer.
 */
#include <errno.h>
#include <string.h>

#include "fuzz.h"

/* Validate and walk a copy of data at buf; returns the event count or -EBADMSG. */
static int run(unsigned char *buf, const uint8_t *data, size_t size, size_t *valid)
{
	size_t again = (size_t)-1;
	int n;

	if (size)
		memcpy(buf, data, size);
	n = fan_buffer_validate(buf, size, valid);
	CHECK(*valid <= size);
	CHECK(n == -EBADMSG || (n >= 0 && *valid == size));
	CHECK(n >= 0 || *valid < size);
	/* The valid prefix is well formed on its own and walks to its count. */
	CHECK(fan_buffer_validate(buf, *valid, &again) == fz_walk(buf, *valid));
	CHECK(again == *valid);
	/* The walk set state bits (taken fds); the prefix is still valid. */
	CHECK(fan_buffer_validate(buf, *valid, &again) >= 0 && again == *valid);
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *buf = malloc(size ? size : 1);
	unsigned char *odd = malloc(size + 1);
	size_t valid, valid_odd;
	int n;

	CHECK(buf && odd);
	n = run(buf, data, size, &valid);
	CHECK(run(odd + 1, data, size, &valid_odd) == n);
	CHECK(valid_odd == valid);
	free(buf);
	free(odd);
	return 0;
}
