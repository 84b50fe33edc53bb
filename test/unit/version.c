// SPDX-License-Identifier: MIT
/* Run-time version equals the headers', and the compile-time check orders versions. */
#include <stdio.h>
#include <string.h>

#include <fanotify/fanotify.h>

#include "th.h"

#if !LIBFANOTIFY_CHECK_VERSION(1, 0, 0)
#error "LIBFANOTIFY_CHECK_VERSION(1, 0, 0) is false for version 1.x"
#endif

int main(void)
{
	char want[64];
	unsigned int ma = LIBFANOTIFY_VERSION_MAJOR, mi = LIBFANOTIFY_VERSION_MINOR,
		     mc = LIBFANOTIFY_VERSION_MICRO;

	th_init(30);
	T_EQ(fan_version_major(), ma);
	T_EQ(fan_version_minor(), mi);
	T_EQ(fan_version_micro(), mc);
	T_STREQ(fan_version(), LIBFANOTIFY_VERSION);
	snprintf(want, sizeof(want), "%u.%u.%u", ma, mi, mc);
	T_STREQ(fan_version(), want);

	/* Equal, older and newer in each position. */
	T_ASSERT(LIBFANOTIFY_CHECK_VERSION(LIBFANOTIFY_VERSION_MAJOR, LIBFANOTIFY_VERSION_MINOR,
					   LIBFANOTIFY_VERSION_MICRO));
	T_ASSERT(LIBFANOTIFY_CHECK_VERSION(0, 99, 99));
	T_ASSERT(LIBFANOTIFY_CHECK_VERSION(LIBFANOTIFY_VERSION_MAJOR, 0, 0));
	T_ASSERT(!LIBFANOTIFY_CHECK_VERSION(LIBFANOTIFY_VERSION_MAJOR + 1, 0, 0));
	T_ASSERT(!LIBFANOTIFY_CHECK_VERSION(LIBFANOTIFY_VERSION_MAJOR,
					    LIBFANOTIFY_VERSION_MINOR + 1, 0));
	T_ASSERT(!LIBFANOTIFY_CHECK_VERSION(LIBFANOTIFY_VERSION_MAJOR, LIBFANOTIFY_VERSION_MINOR,
					    LIBFANOTIFY_VERSION_MICRO + 1));
	if (LIBFANOTIFY_VERSION_MICRO > 0)
		T_ASSERT(LIBFANOTIFY_CHECK_VERSION(LIBFANOTIFY_VERSION_MAJOR,
						   LIBFANOTIFY_VERSION_MINOR,
						   LIBFANOTIFY_VERSION_MICRO - 1));
	T_ASSERT(LIBFANOTIFY_CHECK_VERSION(LIBFANOTIFY_VERSION_MAJOR - 1, 99, 99));
	return 0;
}
