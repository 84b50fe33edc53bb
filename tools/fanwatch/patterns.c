// SPDX-License-Identifier: MIT
/*
 * The path filters: --include and --exclude (globs), --include-regex and
 * --exclude-regex (POSIX extended regular expressions), inotifywait's
 * --includei and --excludei (the same, ignoring case), -I/--ignore-case
 * for all of them, and --include-from/--exclude-from files.
 *
 * A glob without '/' matches the last component of a path; a glob with
 * '/' the whole path ('*' and '?' match '/' too); a regular expression
 * matches anywhere in the whole path (anchor it with ^ and $).
 *
 * A path is shown when it matches an include pattern (or there are none)
 * and is not excluded.  It is excluded when it, or a directory above it
 * and below the watched PATH it lies in, matches an exclude pattern: an
 * excluded directory takes its whole subtree with it, which lets the
 * subtree tracker leave it unmarked (filter.c's fw_filter_prune, unless
 * --deny or one mark covers everything).  The directory of the last
 * path looked at is remembered with its answer: events come in runs from
 * the same directory.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fnmatch.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fanwatch.h"

struct pattern {
	bool regex, slash;	/* a regex; a glob with '/' */
	int fnm;		/* fnmatch() flags */
	regex_t re;
	const char *src;
	char *owned;		/* src, when read from a file */
};

struct plist {
	struct pattern *v;
	size_t n;
};

struct fw_patterns {
	struct plist inc, exc;
	/* the last directory asked about, and its answer */
	char *dir;
	size_t dirlen, dircap, dirroot;
	bool dir_valid, dir_excluded;
};

struct fw_patterns *fw_patterns_new(void)
{
	struct fw_patterns *p = calloc(1, sizeof(*p));

	if (!p)
		fw_fatal(FW_EXIT_RUNTIME, "out of memory");
	return p;
}

static void plist_free(struct plist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		if (l->v[i].regex)
			regfree(&l->v[i].re);
		free(l->v[i].owned);
	}
	free(l->v);
}

void fw_patterns_free(struct fw_patterns *p)
{
	if (!p)
		return;
	plist_free(&p->inc);
	plist_free(&p->exc);
	free(p->dir);
	free(p);
}

void fw_patterns_add(struct fw_patterns *p, bool include, bool regex, bool icase,
		     const char *src, const char *where)
{
	struct plist *l = include ? &p->inc : &p->exc;
	struct pattern *pat;
	char why[256];
	int r;

	if (!*src)
		fw_usage_error("%s: empty pattern", where);
	l->v = realloc(l->v, (l->n + 1) * sizeof(*l->v));
	if (!l->v)
		fw_fatal(FW_EXIT_RUNTIME, "out of memory");
	pat = &l->v[l->n];
	*pat = (struct pattern){ .regex = regex, .slash = strchr(src, '/') != NULL,
				 .fnm = icase ? FNM_CASEFOLD : 0, .src = src };
	if (regex) {
		r = regcomp(&pat->re, src, REG_EXTENDED | REG_NOSUB | (icase ? REG_ICASE : 0));
		if (r) {
			regerror(r, &pat->re, why, sizeof(why));
			fw_usage_error("%s: '%s' is not a valid regular expression: %s", where, src,
				       why);
		}
	}
	l->n++;
}

bool fw_patterns_has_exclude(const struct fw_patterns *p)
{
	return p && p->exc.n;
}

bool fw_patterns_has_include(const struct fw_patterns *p)
{
	return p && p->inc.n;
}

/* path (NUL-terminated at len) matches pat; name is its last component. */
static bool match(const struct pattern *pat, const char *path, const char *name)
{
	if (pat->regex)
		return regexec(&pat->re, path, 0, NULL, 0) == 0;
	return fnmatch(pat->src, pat->slash ? path : name, pat->fnm) == 0;
}

static bool any(const struct plist *l, const char *path, size_t len)
{
	const char *slash = memrchr(path, '/', len);
	const char *name = slash ? slash + 1 : path;
	size_t i;

	for (i = 0; i < l->n; i++)
		if (match(&l->v[i], path, name))
			return true;
	return false;
}

/*
 * Is d[0..len), or a directory above it that is longer than rootlen,
 * excluded?  d is writable and NUL-terminated at len: each prefix is cut
 * in place for the match, then restored.
 */
static bool dir_excluded(const struct fw_patterns *p, char *d, size_t len, size_t rootlen)
{
	size_t end;
	char save;
	bool hit;

	for (end = rootlen + 1; end <= len; end++) {
		if (end < len && d[end] != '/')
			continue;
		save = d[end];
		d[end] = '\0';
		hit = any(&p->exc, d, end);
		d[end] = save;
		if (hit)
			return true;
	}
	return false;
}

/* The answer for the directory d[0..len), remembered for the next path in it. */
static bool dir_cached(struct fw_patterns *p, const char *d, size_t len, size_t rootlen)
{
	if (p->dir_valid && p->dirlen == len && p->dirroot == rootlen && !memcmp(p->dir, d, len))
		return p->dir_excluded;
	if (len + 1 > p->dircap) {
		p->dircap = (len + 1) * 2;
		free(p->dir);
		p->dir = malloc(p->dircap);
		if (!p->dir)
			fw_fatal(FW_EXIT_RUNTIME, "out of memory");
	}
	memcpy(p->dir, d, len);
	p->dir[len] = '\0';
	p->dirlen = len;
	p->dirroot = rootlen;
	p->dir_excluded = dir_excluded(p, p->dir, len, rootlen);
	p->dir_valid = true;
	return p->dir_excluded;
}

bool fw_patterns_excluded(struct fw_patterns *p, const char *path, size_t len, size_t rootlen)
{
	const char *slash;

	if (!p->exc.n)
		return false;
	if (any(&p->exc, path, len))
		return true;
	slash = memrchr(path, '/', len);
	/* the directories above, strictly below the watched PATH */
	return slash && (size_t)(slash - path) > rootlen &&
	       dir_cached(p, path, (size_t)(slash - path), rootlen);
}

bool fw_patterns_pass(struct fw_patterns *p, const char *path, size_t len, size_t rootlen)
{
	if (!path)
		return !p->inc.n;
	if (p->inc.n && !any(&p->inc, path, len))
		return false;
	return !fw_patterns_excluded(p, path, len, rootlen);
}

/* ---- pattern files ---- */

/*
 * One pattern a line: a glob, or "re:" and a regular expression; lines
 * that are empty or start with '#' are skipped; a CR before the newline is
 * dropped.  FILE "-" is standard input.  The strings are kept for good.
 */
void fw_patterns_read(struct fw_patterns *p, bool include, bool icase, const char *opt,
		      const char *file)
{
	FILE *f = strcmp(file, "-") ? fopen(file, "re") : stdin;
	struct plist *l = include ? &p->inc : &p->exc;
	char *line = NULL, *where, *src;
	size_t cap = 0, no = 0;
	ssize_t n;
	bool re;

	if (!f)
		fw_usage_error("%s: cannot read %s: %s", opt, fw_qpath(file), strerror(errno));
	while ((n = getline(&line, &cap, f)) >= 0) {
		no++;
		if (n && line[n - 1] == '\n')
			line[--n] = '\0';
		if (n && line[n - 1] == '\r')
			line[--n] = '\0';
		if (!n || line[0] == '#')
			continue;
		re = !strncmp(line, "re:", 3);
		src = strdup(line + (re ? 3 : 0));
		if (!src || asprintf(&where, "%s %s line %zu", opt, fw_qpath(file), no) < 0)
			fw_fatal(FW_EXIT_RUNTIME, "out of memory");
		fw_patterns_add(p, include, re, icase, src, where);
		l->v[l->n - 1].owned = src;
		free(where);
	}
	if (ferror(f))
		fw_usage_error("%s: cannot read %s: %s", opt, fw_qpath(file), strerror(errno));
	free(line);
	if (f != stdin)
		fclose(f);
}
