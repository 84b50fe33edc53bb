// SPDX-License-Identifier: MIT
/*
 * Event names as fanwatch spells them.  Mostly the library's names
 * (fan_event_name), except where a user-facing word reads better:
 * "mount"/"umount" for FAN_MNT_ATTACH/DETACH and "overflow" for
 * FAN_Q_OVERFLOW.
 */
#include <string.h>
#include <strings.h>

#include "fanwatch.h"

/* In the order a file's life goes, which is the order merged names are printed in. */
const struct fw_event_name fw_event_names[] = {
	{ FAN_CREATE, "create" },
	{ FAN_OPEN, "open" },
	{ FAN_OPEN_EXEC, "open_exec" },
	{ FAN_ACCESS, "access" },
	{ FAN_MODIFY, "modify" },
	{ FAN_ATTRIB, "attrib" },
	{ FAN_CLOSE_WRITE, "close_write" },
	{ FAN_CLOSE_NOWRITE, "close_nowrite" },
	{ FAN_MOVED_FROM, "moved_from" },
	{ FAN_MOVED_TO, "moved_to" },
	{ FAN_RENAME, "rename" },
	{ FAN_MOVE_SELF, "move_self" },
	{ FAN_DELETE, "delete" },
	{ FAN_DELETE_SELF, "delete_self" },
	{ FAN_FS_ERROR, "fs_error" },
	{ FAN_MNT_ATTACH, "mount" },
	{ FAN_MNT_DETACH, "umount" },
	{ FAN_Q_OVERFLOW, "overflow" },
};
const size_t fw_event_count = sizeof(fw_event_names) / sizeof(fw_event_names[0]);

uint64_t fw_event_from_name(const char *name)
{
	size_t i;

	/* "overflow" is reported, never asked for */
	for (i = 0; i < fw_event_count; i++)
		if (fw_event_names[i].bit != FAN_Q_OVERFLOW && !strcmp(fw_event_names[i].name, name))
			return fw_event_names[i].bit;
	return 0;
}

/* ---- shorthands (i15): the words inotifywait users type ---- */

const struct fw_event_shorthand fw_event_shorthands[] = {
	{ "close", FAN_CLOSE_WRITE | FAN_CLOSE_NOWRITE, "close_write,close_nowrite" },
	{ "move", FAN_MOVED_FROM | FAN_MOVED_TO, "moved_from,moved_to" },
	{ "all", FW_FILE_EVENTS, "every file event" },
	{ "all_events", FW_FILE_EVENTS, "the same as all" },
};
const size_t fw_event_shorthand_count =
	sizeof(fw_event_shorthands) / sizeof(fw_event_shorthands[0]);

/*
 * A word of -e: an event name or a shorthand, in any case (inotifywait
 * prints CLOSE_WRITE, people paste it).  *all is set for "all" and
 * "all_events", whose meaning depends on the scope (options.c).
 */
uint64_t fw_event_word(const char *word, bool *all)
{
	size_t i;

	for (i = 0; i < fw_event_count; i++)
		if (fw_event_names[i].bit != FAN_Q_OVERFLOW &&
		    !strcasecmp(fw_event_names[i].name, word))
			return fw_event_names[i].bit;
	for (i = 0; i < fw_event_shorthand_count; i++) {
		if (strcasecmp(fw_event_shorthands[i].name, word))
			continue;
		if (fw_event_shorthands[i].bits == FW_FILE_EVENTS)
			*all = true;
		return fw_event_shorthands[i].bits;
	}
	return 0;
}

/* ---- end of shorthands ---- */

int fw_event_index(uint64_t bit)
{
	size_t i;

	for (i = 0; i < fw_event_count; i++)
		if (fw_event_names[i].bit == bit)
			return (int)i;
	return -1;
}

/*
 * The names of recent masks, per thread: a stream of records repeats a few
 * masks ("create,delete", "open,modify,close_write"), and output formats
 * them all (i15).
 */
#define MASK_CACHE 16

struct mask_text {
	uint64_t mask;
	size_t len;
	bool valid;
	char text[FW_EVENTS_MAX];
};

static __thread struct mask_text mask_cache[MASK_CACHE];

static size_t events_format_slow(uint64_t mask, char *buf, size_t size);

size_t fw_events_format(uint64_t mask, char *buf, size_t size)
{
	struct mask_text *c = &mask_cache[(mask ^ (mask >> 7) ^ (mask >> 24)) % MASK_CACHE];

	if (size < FW_EVENTS_MAX)
		return events_format_slow(mask, buf, size);
	if (!c->valid || c->mask != mask) {
		c->len = events_format_slow(mask, c->text, sizeof(c->text));
		c->mask = mask;
		c->valid = true;
	}
	memcpy(buf, c->text, c->len + 1);
	return c->len;
}

static size_t events_format_slow(uint64_t mask, char *buf, size_t size)
{
	size_t i, len = 0, n;

	if (size)
		buf[0] = '\0';
	for (i = 0; i < fw_event_count; i++) {
		if (!(mask & fw_event_names[i].bit))
			continue;
		n = strlen(fw_event_names[i].name);
		if (len + n + 2 > size)
			break;
		if (len)
			buf[len++] = ',';
		memcpy(buf + len, fw_event_names[i].name, n + 1);
		len += n;
	}
	return len;
}
