/* SPDX-License-Identifier: MIT */
/*
 * Shared by the libFuzzer harnesses and their replay driver.  A failed
 * CHECK aborts, which libFuzzer reports as a crash and the replay test as
 * a failure.  Harnesses never open, close or otherwise touch descriptors:
 * the values in the buffers are only numbers to them.
 */
#ifndef TEST_FUZZ_FUZZ_H
#define TEST_FUZZ_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <fanotify/fanotify.h>

#define CHECK(cond)                                                         \
	do {                                                                \
		if (!(cond)) {                                              \
			fprintf(stderr, "%s:%d: check failed: %s\n",        \
				__FILE__, __LINE__, #cond);                 \
			abort();                                            \
		}                                                           \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Check one event of a validated buffer with every pure accessor: its
 * fields, its records, fan_mask_format, and the take_* state bits (which
 * only flip bits in the buffer).  end is the end of the validated region.
 */
void fz_check_event(struct fan_event *ev, const unsigned char *end);

/* Walk a validated region; returns the number of events. */
int fz_walk(unsigned char *buf, size_t len);

#endif
