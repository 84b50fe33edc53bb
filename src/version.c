// SPDX-License-Identifier: MIT
#include "internal.h"

FAN_EXPORT unsigned int fan_version_major(void)
{
	return LIBFANOTIFY_VERSION_MAJOR;
}

FAN_EXPORT unsigned int fan_version_minor(void)
{
	return LIBFANOTIFY_VERSION_MINOR;
}

FAN_EXPORT unsigned int fan_version_micro(void)
{
	return LIBFANOTIFY_VERSION_MICRO;
}

FAN_EXPORT const char *fan_version(void)
{
	return LIBFANOTIFY_VERSION;
}
