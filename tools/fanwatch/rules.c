// SPDX-License-Identifier: MIT
/*
 * --deny rules: checked once at start (a rule that can never match is a
 * usage error, named with what it would need to look like), then matched
 * by the permission thread with whatever is known about the file's name.
 *
 * A rule without '/' matches the file's name (the last component of its
 * path).  A rule with '/' matches the whole path, as the kernel spells it
 * (absolute, no symbolic links, no "." or ".." components, from
 * fanwatch's root), or a directory above it: "/srv/secret" denies every
 * file below /srv/secret, "/srv/secret/" is the same rule.  '*' and '?'
 * match '/' too (fnmatch(3) without FNM_PATHNAME).
 *
 * When the path is not known whole (a file deeper than the kernel can
 * print, where even /proc/PID/maps fails, see perm.c), a rule is decided
 * with what is known: a name rule by the name; a path rule whose last part
 * (after its last '/') matches the name denies, since it may match and the
 * user who controls the depth must not get past a rule that way; any other
 * rule cannot be decided, and the file gets the --undecidable verdict
 * (deny unless told otherwise).
 *
 * Also here: the scope check of permission mode (scopes that hold the
 * system's own files are refused without --unsafe-system-scope).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fanwatch.h"

struct fw_rule {
	const char *arg;	/* as the user gave it */
	char *glob;		/* path rules: trailing '/' removed */
	const char *tail;	/* path rules: after the last '/' */
	size_t lit;		/* path rules: bytes before the first wildcard */
	bool path;		/* has '/' */
	bool all;		/* the rule "/": everything */
};

struct fw_rules {
	struct fw_rule *v;
	size_t n;
	bool any_path;
};

__attribute__((noreturn, format(printf, 2, 3))) static void bad_rule(const char *arg, const char *fmt, ...)
{
	char *why = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&why, fmt, ap);
	va_end(ap);
	fw_fatal(FW_EXIT_USAGE, "--deny %s can never match: %s", fw_qpath(arg), n < 0 ? "?" : why);
}

static size_t literal_len(const char *g)
{
	return strcspn(g, "*?[\\");
}

/* A path rule's text, lexically: absolute, and no "//", "/./", "/../" (the kernel's paths have none). */
static void check_path_syntax(const struct fw_rule *r)
{
	const char *g = r->glob, *p;
	char cwd[PATH_MAX];

	if (g[0] != '/' && !strchr("*?[", g[0])) {
		if (!strncmp(g, "./", 2) && getcwd(cwd, sizeof(cwd)))
			bad_rule(r->arg, "a rule with '/' is matched against the whole path, which "
				 "starts with '/'; write the absolute path, e.g. '%s%s%s', or '*/%s' for "
				 "that name in any directory", cwd, strcmp(cwd, "/") ? "/" : "", g + 2,
				 g + 2);
		bad_rule(r->arg, "a rule with '/' is matched against the whole path, which starts "
			 "with '/'; write the absolute path, or '*/%s' for that name in any directory", g);
	}
	for (p = g; (p = strchr(p, '/')); p++) {
		if (p[1] == '/' || (p[1] == '.' && (p[2] == '/' || !p[2])) ||
		    (p[1] == '.' && p[2] == '.' && (p[3] == '/' || !p[3])))
			bad_rule(r->arg, "paths are matched as the kernel spells them, without '//', "
				 "'.' or '..' components; write the path in that form");
	}
}

/*
 * The directories named by the rule's literal part must not go through a
 * symbolic link: the kernel spells paths with the link resolved, so the
 * rule would never match.
 */
static void check_symlinks(const struct fw_rule *r)
{
	char *dir = strndup(r->glob, r->lit), *slash, *real;

	if (!dir)
		fw_fatal(FW_EXIT_RUNTIME, "out of memory");
	/* the longest existing directory of the literal part */
	while ((slash = strrchr(dir, '/'))) {
		*slash = '\0';
		if (!*dir)
			break;
		real = realpath(dir, NULL);
		if (!real)
			continue;
		if (strcmp(real, dir))
			bad_rule(r->arg, "%s is %s once symbolic links are resolved, and paths are "
				 "matched as the kernel spells them: write the rule with %s", dir, real,
				 real);
		free(real);
		break;
	}
	free(dir);
}

/* Can a path rule match a path below (or at) root?  Exact for rules without wildcards. */
static bool may_match_under(const struct fw_rule *r, const char *root, bool is_dir)
{
	size_t rl = strlen(root), gl = strlen(r->glob);

	if (r->all)
		return true;
	if (!is_dir)
		return fw_rules_path_match(r->glob, root, rl);
	if (rl == 1)
		return true;	/* the root "/" */
	if (r->lit == gl)	/* no wildcard: the rule is a file or directory name */
		return (gl == rl && !memcmp(r->glob, root, rl)) ||
		       (rl > gl && !memcmp(root, r->glob, gl) && root[gl] == '/') ||
		       (gl > rl && !memcmp(r->glob, root, rl) && r->glob[rl] == '/');
	/* with one: its literal start must agree with the root's path so far */
	return r->lit <= rl ? !memcmp(r->glob, root, r->lit)
			    : !memcmp(r->glob, root, rl) && r->glob[rl] == '/';
}

static void check_roots(const struct fw_rule *r, const struct fw_opts *o)
{
	char list[512] = "", *real;
	size_t i, n = o->paths.n ? o->paths.n : 1, used = 0;
	struct stat sb;
	bool any = false;

	if (o->scope != FW_SCOPE_TREE)
		return;		/* a mount or filesystem: any path on it */
	for (i = 0; i < n; i++) {
		real = realpath(o->paths.n ? o->paths.v[i] : ".", NULL);
		if (!real || stat(real, &sb) < 0) {
			free(real);
			return;		/* reported as such when it is watched */
		}
		if (may_match_under(r, real, S_ISDIR(sb.st_mode)))
			any = true;
		if (used < sizeof(list))
			used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s",
						 i ? ", " : "", real);
		free(real);
	}
	if (!any)
		bad_rule(r->arg, "it names no path under the watched %s (%s); a rule with '/' must "
			 "name a file or directory there, e.g. '%s/...', or be a name glob without '/'",
			 n == 1 ? "path" : "paths", list, n == 1 ? list : "PATH");
}

static void rule_init(struct fw_rule *r, const struct fw_opts *o, const char *arg)
{
	size_t len;

	*r = (struct fw_rule){ .arg = arg, .path = strchr(arg, '/') != NULL };
	if (!r->path)
		return;
	r->glob = strdup(arg);
	if (!r->glob)
		fw_fatal(FW_EXIT_RUNTIME, "out of memory");
	/* "/srv/dir/" names the directory: the same as "/srv/dir" */
	len = strlen(r->glob);
	while (len > 1 && r->glob[len - 1] == '/')
		r->glob[--len] = '\0';
	r->all = !strcmp(r->glob, "/");
	r->tail = strrchr(r->glob, '/') + 1;
	r->lit = literal_len(r->glob);
	check_path_syntax(r);
	check_symlinks(r);
	check_roots(r, o);
}

struct fw_rules *fw_rules_new(const struct fw_opts *o)
{
	struct fw_rules *rs = calloc(1, sizeof(*rs));
	size_t i;

	if (!rs || !(rs->v = calloc(o->denies.n + 1, sizeof(*rs->v))))
		fw_fatal(FW_EXIT_RUNTIME, "out of memory");
	for (i = 0; i < o->denies.n; i++) {
		rule_init(&rs->v[i], o, o->denies.v[i]);
		rs->any_path |= rs->v[i].path;
	}
	rs->n = o->denies.n;
	return rs;
}

void fw_rules_free(struct fw_rules *rs)
{
	size_t i;

	if (!rs)
		return;
	for (i = 0; i < rs->n; i++)
		free(rs->v[i].glob);
	free(rs->v);
	free(rs);
}

bool fw_rules_any_path(const struct fw_rules *rs)
{
	return rs->any_path;
}

/*
 * glob against path[0..len) (NUL-terminated at len) and against each
 * directory above it.
 */
bool fw_rules_path_match(const char *glob, const char *path, size_t len)
{
	char stack[512], *buf = stack;
	size_t i, lit = literal_len(glob), gl;
	bool hit = false;

	if (fnmatch(glob, path, 0) == 0)
		return true;
	gl = strlen(glob);
	if (lit == gl)		/* no wildcard: a directory above path is a prefix */
		return len > gl && !memcmp(path, glob, gl) && path[gl] == '/';
	/* a directory above path must be longer than the literal start and begin with it */
	if (len <= lit + 1 || memcmp(path, glob, lit) || !memchr(path + lit, '/', len - lit))
		return false;
	if (len >= sizeof(stack) && !(buf = malloc(len + 1)))
		return true;	/* out of memory: fail closed */
	memcpy(buf, path, len + 1);
	for (i = len; i > lit && i > 1 && !hit; i--) {
		if (buf[i - 1] != '/' || i - 1 < lit)
			continue;
		buf[i - 1] = '\0';
		hit = fnmatch(glob, buf, 0) == 0;
		buf[i - 1] = '/';
	}
	if (buf != stack)
		free(buf);
	return hit;
}

int fw_rules_decide(const struct fw_rules *rs, const char *path, size_t len, bool whole,
		    const char *name)
{
	bool undecided = false;
	size_t i;

	for (i = 0; i < rs->n; i++) {
		const struct fw_rule *r = &rs->v[i];

		if (!r->path) {
			if (!name)
				undecided = true;
			else if (fnmatch(r->arg, name, 0) == 0)
				return FW_VERDICT_DENY;
		} else if (whole) {
			if (r->all || fw_rules_path_match(r->glob, path, len))
				return FW_VERDICT_DENY;
		} else if (r->all || (name && fnmatch(r->tail, name, 0) == 0)) {
			return FW_VERDICT_DENY;	/* the name part matches: it may match */
		} else {
			undecided = true;
		}
	}
	return undecided ? FW_VERDICT_UNDECIDABLE : FW_VERDICT_ALLOW;
}

/* ---- scopes that hold the system's own files ---- */

/* Refused at any depth: a frozen listener here stops every program start. */
static const char *const system_dirs[] = {
	"/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/libx32", "/sbin", "/usr",
};
/* Refused when watched whole or from above. */
static const char *const system_tops[] = { "/", "/root", "/run", "/var" };

static bool is_under(const char *dir, const char *path)
{
	size_t n = strlen(dir);

	return !strcmp(dir, "/") || (!strncmp(path, dir, n) && (!path[n] || path[n] == '/'));
}

/* In tree scope: is root one of the system directories, above one, or inside one? */
static const char *system_tree(const char *root)
{
	static char real[PATH_MAX];
	size_t i;

	for (i = 0; i < sizeof(system_dirs) / sizeof(system_dirs[0]); i++) {
		if (!realpath(system_dirs[i], real))
			continue;
		if (is_under(root, real) || is_under(real, root))
			return system_dirs[i];
	}
	for (i = 0; i < sizeof(system_tops) / sizeof(system_tops[0]); i++) {
		if (!realpath(system_tops[i], real))
			continue;
		if (is_under(root, real))
			return system_tops[i];
	}
	return NULL;
}

/* With --mount/--filesystem: is a system directory on the same mount or filesystem? */
static const char *system_wide(const char *root, enum fw_scope scope)
{
	struct statx a, b;
	unsigned int mask = STATX_MNT_ID;
	size_t i, n = sizeof(system_dirs) / sizeof(system_dirs[0]);

	if (statx(AT_FDCWD, root, 0, mask, &a) < 0)
		return NULL;
	for (i = 0; i <= n; i++) {
		const char *d = i < n ? system_dirs[i] : "/";

		if (statx(AT_FDCWD, d, 0, mask, &b) < 0)
			continue;
		if (scope == FW_SCOPE_FILESYSTEM ? a.stx_dev_major == b.stx_dev_major &&
						    a.stx_dev_minor == b.stx_dev_minor
						 : a.stx_mnt_id == b.stx_mnt_id)
			return d;
	}
	return NULL;
}

void fw_rules_check_scope(const struct fw_opts *o)
{
	size_t i, n = o->paths.n ? o->paths.n : 1;
	const char *sys;
	char *real;

	if (!o->denies.n || o->unsafe_system_scope)
		return;
	for (i = 0; i < n; i++) {
		real = realpath(o->paths.n ? o->paths.v[i] : ".", NULL);
		if (!real)
			continue;	/* reported as such when it is watched */
		sys = o->scope == FW_SCOPE_TREE ? system_tree(real) : system_wide(real, o->scope);
		if (sys)
			fw_fatal(FW_EXIT_USAGE, "--deny on %s%s is refused: it holds the system's own "
				 "files (%s), and a stopped or stuck fanwatch would block every open "
				 "there, the machine's own included; watch a narrower directory, or "
				 "add --unsafe-system-scope if that is what you mean",
				 o->scope == FW_SCOPE_MOUNT ? "the mount of " :
				 o->scope == FW_SCOPE_FILESYSTEM ? "the filesystem of " : "",
				 fw_qpath(real), sys);
		free(real);
	}
}
