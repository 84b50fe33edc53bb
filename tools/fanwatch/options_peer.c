// SPDX-License-Identifier: MIT
/*
 * The options people bring from inotifywait, fswatch, fatrace and filetop
 * (--format, --timefmt, --utc, --csv, -0, -1, regular expressions and
 * pattern files, process filters, the --interval view): parsed here,
 * checked once every option is known, compiled into what the rest of
 * fanwatch uses (struct fw_format, struct fw_timefmt, struct fw_patterns).
 * options.c hands over every option it does not know itself.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>

#include "fanwatch.h"

/* Patterns in command-line order, compiled once -I is known. */
enum { SPEC_REGEX, SPEC_FROM };

struct spec {
	int kind;
	bool include, icase;	/* icase: --includei/--excludei */
	const char *opt, *arg;
};

static struct {
	struct spec *v;
	size_t n;
	bool interval_given;
	const char *sort;
} ps;

static void spec_push(int kind, bool include, bool icase, const char *opt, const char *arg)
{
	struct spec *v = realloc(ps.v, (ps.n + 1) * sizeof(*v));

	if (!v)
		fw_fatal(FW_EXIT_RUNTIME, "out of memory");
	if (!*arg)
		fw_usage_error("%s: empty value", opt);
	ps.v = v;
	ps.v[ps.n++] = (struct spec){ .kind = kind, .include = include, .icase = icase,
				      .opt = opt, .arg = arg };
}

static pid_t parse_pid(const char *opt, const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = (*s >= '0' && *s <= '9') ? strtol(s, &end, 10) : 0;
	if (v <= 0 || v > INT32_MAX || errno || *end)
		fw_usage_error("%s: '%s' is not a process id", opt, s);
	return (pid_t)v;
}

static void push_xpid(struct fw_opts *o, const char *opt, const char *s)
{
	pid_t *v = realloc(o->xpids, (o->nxpids + 1) * sizeof(*v));

	if (!v)
		fw_fatal(FW_EXIT_RUNTIME, "out of memory");
	o->xpids = v;
	o->xpids[o->nxpids++] = parse_pid(opt, s);
}

/* A user name or a number. */
static void push_uid(struct fw_opts *o, const char *s)
{
	uid_t *v = realloc(o->uids, (o->nuids + 1) * sizeof(*v));
	struct passwd *pw;
	char *end;
	unsigned long n;

	if (!v)
		fw_fatal(FW_EXIT_RUNTIME, "out of memory");
	o->uids = v;
	if (!*s)
		fw_usage_error("--uid: empty value");
	errno = 0;
	n = (*s >= '0' && *s <= '9') ? strtoul(s, &end, 10) : 0;
	if (*s >= '0' && *s <= '9') {
		if (errno || *end || n >= (uid_t)-1)
			fw_usage_error("--uid: '%s' is not a user id", s);
		o->uids[o->nuids++] = (uid_t)n;
		return;
	}
	pw = getpwnam(s);
	if (!pw)
		fw_usage_error("--uid: unknown user '%s'", s);
	o->uids[o->nuids++] = pw->pw_uid;
}

static void push_xcomm(struct fw_opts *o, char *s)
{
	char **v;

	if (!*s)
		fw_usage_error("--exclude-comm: empty value");
	if (strlen(s) > 15)
		fw_usage_error("--exclude-comm: '%s' is longer than 15 bytes (the kernel's limit)", s);
	v = realloc(o->xcomms.v, (o->xcomms.n + 1) * sizeof(*v));
	if (!v)
		fw_fatal(FW_EXIT_RUNTIME, "out of memory");
	o->xcomms.v = v;
	o->xcomms.v[o->xcomms.n++] = s;
}

static double parse_interval(const char *s)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end || errno || !isfinite(v) || v < 0.01 || v > 1e6)
		fw_usage_error("--interval: '%s' is not a number of seconds from 0.01 to 1000000", s);
	return v;
}

bool fw_peer_option(struct fw_opts *o, int c, char *arg)
{
	switch (c) {
	case FW_OPT_FORMAT: o->format_arg = arg; break;
	case FW_OPT_TIMEFMT: o->timefmt_arg = arg; break;
	case FW_OPT_UTC: o->utc = true; break;
	case FW_OPT_CSV: o->csv = true; break;
	case '0': o->null = true; break;
	case FW_OPT_RAW: o->raw = true; break;
	case FW_OPT_NO_NEWLINE: o->no_newline = true; break;
	case '1': o->max_events = 1; break;
	case 'I': o->ignore_case = true; break;
	case FW_OPT_INCLUDE_REGEX: spec_push(SPEC_REGEX, true, false, "--include-regex", arg); break;
	case FW_OPT_EXCLUDE_REGEX: spec_push(SPEC_REGEX, false, false, "--exclude-regex", arg); break;
	case FW_OPT_INCLUDEI: spec_push(SPEC_REGEX, true, true, "--includei", arg); break;
	case FW_OPT_EXCLUDEI: spec_push(SPEC_REGEX, false, true, "--excludei", arg); break;
	case FW_OPT_INCLUDE_FROM: spec_push(SPEC_FROM, true, false, "--include-from", arg); break;
	case FW_OPT_EXCLUDE_FROM: spec_push(SPEC_FROM, false, false, "--exclude-from", arg); break;
	case FW_OPT_EXCLUDE_PID: push_xpid(o, "--exclude-pid", arg); break;
	case FW_OPT_IGNORE_PID: push_xpid(o, "--ignore-pid", arg); break;
	case FW_OPT_EXCLUDE_COMM: push_xcomm(o, arg); break;
	case FW_OPT_UID: push_uid(o, arg); break;
	case FW_OPT_INTERVAL: o->interval = parse_interval(arg); break;
	case FW_OPT_SORT: ps.sort = arg; break;
	default: return false;
	}
	return true;
}

/* ---- checks across options ---- */

static void exclusive(bool a, const char *an, bool b, const char *bn)
{
	if (a && b)
		fw_usage_error("%s and %s exclude each other", an, bn);
}

static void check_output(const struct fw_opts *o)
{
	const char *count = o->interval ? "--interval" : "--count";

	exclusive(!!o->format_arg && !o->csv, "--format", o->json, "--json");
	exclusive(o->csv, "--csv", o->json, "--json");
	exclusive(o->null, "-0", o->json, "--json");
	exclusive(o->csv, "--csv", o->null, "-0");
	exclusive(o->format_arg && !o->csv, "--format", o->count, count);
	exclusive(o->csv, "--csv", o->count, count);
	exclusive(o->null, "-0", o->count, count);
	exclusive(o->no_newline, "--no-newline", o->null, "-0");
	exclusive(o->raw, "--raw", o->csv, "--csv");
	exclusive(o->no_newline, "--no-newline", o->csv, "--csv");
	/* the journal and syslog have their own records (i16) */
	exclusive(o->format_arg || o->csv || o->null, o->csv ? "--csv" : o->null ? "-0" : "--format",
		  o->journal || o->syslog, o->journal ? "--journal" : "--syslog");
	if (o->raw && !o->format_arg && !o->null)
		fw_usage_error("--raw needs --format");
	if (o->no_newline && !o->format_arg)
		fw_usage_error("--no-newline needs --format");
	if (o->timefmt_arg && o->json)
		fw_usage_error("--timefmt does not apply to --json (its time is RFC 3339; --utc "
			       "does apply)");
	if (ps.sort && !o->interval)
		fw_usage_error("--sort needs --interval");
}

static void compile_output(struct fw_opts *o)
{
	const char *why;

	if (o->timefmt_arg) {
		o->timefmt = fw_timefmt_new(o->timefmt_arg, o->utc, &why);
		if (!o->timefmt)
			fw_usage_error("--timefmt: '%s' cannot be used: %s", o->timefmt_arg, why);
	}
	if (o->csv)
		o->format = fw_format_new(FW_FORMAT_CSV, o->format_arg, false, "", 0);
	else if (o->format_arg)
		o->format = fw_format_new(FW_FORMAT_LINE, o->format_arg, o->raw || o->null,
					  o->null ? "\0" : "\n",
					  o->null || !o->no_newline ? 1 : 0);
	else if (o->null)
		o->format = fw_format_new(FW_FORMAT_LINE, "%p", true, "\0", 1);
	o->want_inode = o->json || fw_format_wants_inode(o->format);
}

static void compile_patterns(struct fw_opts *o)
{
	size_t i;

	o->patterns = fw_patterns_new();
	for (i = 0; i < o->includes.n; i++)
		fw_patterns_add(o->patterns, true, false, o->ignore_case, o->includes.v[i],
				"--include");
	for (i = 0; i < o->excludes.n; i++)
		fw_patterns_add(o->patterns, false, false, o->ignore_case, o->excludes.v[i],
				"--exclude");
	for (i = 0; i < ps.n; i++) {
		const struct spec *s = &ps.v[i];

		if (s->kind == SPEC_REGEX)
			fw_patterns_add(o->patterns, s->include, true, s->icase || o->ignore_case,
					s->arg, s->opt);
		else
			fw_patterns_read(o->patterns, s->include, o->ignore_case, s->opt, s->arg);
	}
}

static void compile_sort(struct fw_opts *o)
{
	uint64_t bit;
	bool all = false;

	o->sort = -1;
	if (!ps.sort || !strcmp(ps.sort, "total"))
		return;
	bit = fw_event_word(ps.sort, &all);
	if (!bit || all || (bit & (bit - 1)))
		fw_usage_error("--sort: '%s' is neither total nor an event name", ps.sort);
	if (!(o->events & bit))
		fw_usage_error("--sort: '%s' is not among the events watched", ps.sort);
	o->sort = fw_event_index(bit);
}

bool fw_prunes(const struct fw_opts *o)
{
	return o->scope == FW_SCOPE_TREE && !o->tree_fs && !o->denies.n &&
	       fw_patterns_has_exclude(o->patterns);
}

/*
 * Say when exclusions only hide: with one mark on a mount or filesystem
 * (--tree-marks filesystem too) nothing is pruned, and --deny needs every
 * directory marked.  Else excluded directories are not marked at all.
 */
static void note_hiding(const struct fw_opts *o)
{
	static const char *const scope[] = { [FW_SCOPE_MOUNT] = "--mount",
					     [FW_SCOPE_FILESYSTEM] = "--filesystem",
					     [FW_SCOPE_ALL] = "--all" };

	if (!fw_patterns_has_exclude(o->patterns) || fw_prunes(o))
		return;
	if (o->scope != FW_SCOPE_TREE)
		fw_warn("with %s, exclusions only hide events: one mark covers everything, "
			"excluded directories too", scope[o->scope]);
	else if (o->tree_fs)
		fw_warn("with --tree-marks filesystem, exclusions only hide events: one mark "
			"covers everything, excluded directories too");
	else
		fw_warn("with --deny, exclusions only hide events: excluded directories stay "
			"marked, for --deny to see opens there");
}

void fw_peer_validate(struct fw_opts *o)
{
	if (o->interval)
		o->count = true;
	check_output(o);
	compile_output(o);
	compile_patterns(o);
	compile_sort(o);
	note_hiding(o);
	o->proc_filter = o->comms.n || o->xcomms.n || o->nuids;
	o->path_filter = fw_patterns_has_include(o->patterns) || fw_patterns_has_exclude(o->patterns);
	free(ps.v);
	ps.v = NULL;
	ps.n = 0;
}

void fw_peer_free(struct fw_opts *o)
{
	fw_format_free(o->format);
	fw_timefmt_free(o->timefmt);
	fw_patterns_free(o->patterns);
	free(o->xpids);
	free(o->xcomms.v);
	free(o->uids);
}
