// SPDX-License-Identifier: MIT
/*
 * Globs for --include, --exclude and --deny.  A glob without '/' matches
 * the last component of the path; a glob with '/' matches the whole path,
 * and there '*' and '?' match '/' too (fnmatch without FNM_PATHNAME), so
 * "/srv/data/" followed by '*' covers the subtree.  A leading '.' needs no
 * special match.
 */
#define _GNU_SOURCE
#include <fnmatch.h>
#include <string.h>

#include "fanwatch.h"

/* path must be NUL-terminated at len. */
bool fw_glob_match(const char *glob, const char *path, size_t len)
{
	const char *base;

	if (strchr(glob, '/'))
		return fnmatch(glob, path, 0) == 0;
	base = memrchr(path, '/', len);
	return fnmatch(glob, base ? base + 1 : path, 0) == 0;
}

bool fw_globs_match(const struct fw_strv *globs, const char *path, size_t len)
{
	size_t i;

	for (i = 0; i < globs->n; i++)
		if (fw_glob_match(globs->v[i], path, len))
			return true;
	return false;
}
