// SPDX-License-Identifier: MIT
/*
 * The fanotify part of the facts, from the library itself: src/names.c
 * dates every fanotify_init() flag, fanotify_mark() flag and type, and
 * mask bit (fan_init_flag_since(), fan_mark_flag_since(),
 * fan_event_since()).  A bit names.c does not know is not taken away by
 * any personality; the kernel self-test fails on a bit the running kernel
 * accepts that names.c does not date.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

#include <fanotify/fanotify.h>

#include "kfacts.h"

#define MAX_FAN 160

static struct kfact all[256];
static char names[MAX_FAN][40];
static size_t nall;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void add(enum kf_kind kind, const char *name, const char *since, uint64_t value, long nr,
		int arg)
{
	if (!name || !since || nall >= sizeof(all) / sizeof(all[0]))
		return;
	all[nall++] = (struct kfact){ .kind = kind, .name = name, .since = since, .nr = nr,
				      .arg = arg, .value = value, .err = EINVAL,
				      .users = KF_LIB | KF_CLI };
}

/* "rename" -> "FAN_RENAME": the kernel's name, as the README writes it. */
static const char *event_cname(size_t slot, const char *name)
{
	size_t i;

	snprintf(names[slot], sizeof(names[slot]), "FAN_%s", name);
	for (i = 4; names[slot][i]; i++)
		names[slot][i] = (char)toupper((unsigned char)names[slot][i]);
	return names[slot];
}

static void build(void)
{
	/* fanotify_mark() type values: several bits, compared as a whole */
	static const unsigned int types = FAN_MARK_MOUNT | FAN_MARK_FILESYSTEM;
	size_t i, slot = 0;
	unsigned int bit;

	for (i = 0; i < kf_table_len; i++)
		all[nall++] = kf_table[i];
	for (bit = 1; bit; bit <<= 1)
		add(KF_FAN_INIT, fan_init_flag_name(bit), fan_init_flag_since(bit), bit,
		    __NR_fanotify_init, 0);
	for (bit = 1; bit; bit <<= 1)
		if (!(bit & types))
			add(KF_FAN_MARK, fan_mark_flag_name(bit), fan_mark_flag_since(bit), bit,
			    __NR_fanotify_mark, 1);
	add(KF_FAN_MARK_TYPE, fan_mark_flag_name(FAN_MARK_MOUNT), fan_mark_flag_since(FAN_MARK_MOUNT),
	    FAN_MARK_MOUNT, __NR_fanotify_mark, 1);
	add(KF_FAN_MARK_TYPE, fan_mark_flag_name(FAN_MARK_FILESYSTEM),
	    fan_mark_flag_since(FAN_MARK_FILESYSTEM), FAN_MARK_FILESYSTEM, __NR_fanotify_mark, 1);
	add(KF_FAN_MARK_TYPE, fan_mark_flag_name(FAN_MARK_MNTNS), fan_mark_flag_since(FAN_MARK_MNTNS),
	    FAN_MARK_MNTNS, __NR_fanotify_mark, 1);
	for (i = 0; i < 64 && slot < MAX_FAN; i++) {
		uint64_t b = 1ull << i;
		const char *n = fan_event_name(b);

		if (n)
			add(KF_FAN_EVENT, event_cname(slot++, n), fan_event_since(b), b,
			    __NR_fanotify_mark, 2);
	}
}

const struct kfact *kf_all(size_t *n)
{
	pthread_once(&once, build);
	*n = nall;
	return all;
}
