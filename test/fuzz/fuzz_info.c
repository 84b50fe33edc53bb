// SPDX-License-Identifier: MIT
/*
 * Record accessors on single records: the input is the bytes after the
 * metadata of one event (one or more records).  The event is built around
 * them in an exactly sized allocation, at an odd address for odd sizes;
 * when it validates, every fan_info_* accessor must stay inside its record
 * and agree with the record's type.
 */
#include <errno.h>
#include <string.h>

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const size_t shift = size & 1;
	uint32_t event_len;
	uint16_t md_len = 24;
	uint64_t mask = FAN_CREATE | FAN_ONDIR;
	int32_t fd = FAN_NOFD, pid = 1;
	unsigned char *mem, *ev;
	size_t valid;
	int n;

	if (size > 0xffff)
		return 0;	/* a record's length is 16 bits; longer inputs say nothing new */
	event_len = (uint32_t)(24 + size);
	mem = malloc(shift + event_len);
	CHECK(mem);
	ev = mem + shift;
	memcpy(ev + 0, &event_len, 4);
	ev[4] = FANOTIFY_METADATA_VERSION;
	ev[5] = 0;
	memcpy(ev + 6, &md_len, 2);
	memcpy(ev + 8, &mask, 8);
	memcpy(ev + 16, &fd, 4);
	memcpy(ev + 20, &pid, 4);
	if (size)
		memcpy(ev + 24, data, size);
	n = fan_buffer_validate(ev, event_len, &valid);
	CHECK(n == 1 || (n == -EBADMSG && valid == 0));
	if (n == 1)
		fz_check_event((struct fan_event *)ev, ev + event_len);
	free(mem);
	return 0;
}
