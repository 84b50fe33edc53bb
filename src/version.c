// SPDX-License-Identifier: MIT
#include "internal.h"

LF_EXPORT unsigned int fan_version_major(void)
{
	return LIBFANOTIFY_VERSION_MAJOR;
}

LF_EXPORT unsigned int fan_version_minor(void)
{
	return LIBFANOTIFY_VERSION_MINOR;
}

LF_EXPORT unsigned int fan_version_micro(void)
{
	return LIBFANOTIFY_VERSION_MICRO;
}

LF_EXPORT const char *fan_version(void)
{
	return LIBFANOTIFY_VERSION;
}
