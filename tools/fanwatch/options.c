// SPDX-License-Identifier: MIT
/*
 * Command line: parsing, --help, --version, and every check that can be
 * made before touching the kernel.  Bad input exits 2 with a message that
 * names the option and the value.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

#include "fanwatch.h"

#ifndef FANWATCH_VERSION
#define FANWATCH_VERSION "unknown"
#endif

enum {
	OPT_COMM = 0x100, OPT_INCLUDE, OPT_EXCLUDE, OPT_MOUNT, OPT_FILESYSTEM, OPT_ALL,
	OPT_MOUNTS, OPT_ERRORS, OPT_DENY, OPT_DENY_ERRNO, OPT_TOP, OPT_FOLLOW, OPT_TREE_MARKS,
	/* who did it */
	OPT_PARENTS, OPT_SHOW,
	/* service (i16) */
	OPT_JOURNAL = 0x200, OPT_SYSLOG, OPT_APPEND, OPT_OPTIONS_FROM,
	/* permission mode, least privilege (i11) */
	OPT_UNSAFE_SYSTEM_SCOPE, OPT_UNDECIDABLE,
};

static const struct option long_opts[] = {
	{ "events", required_argument, NULL, 'e' },
	{ "output", required_argument, NULL, 'o' },
	{ "json", no_argument, NULL, 'j' },
	{ "count", no_argument, NULL, 'c' },
	{ "timeout", required_argument, NULL, 't' },
	{ "max-events", required_argument, NULL, 'n' },
	{ "pid", required_argument, NULL, 'p' },
	{ "comm", required_argument, NULL, OPT_COMM },
	{ "include", required_argument, NULL, OPT_INCLUDE },
	{ "exclude", required_argument, NULL, OPT_EXCLUDE },
	{ "mount", no_argument, NULL, OPT_MOUNT },
	{ "filesystem", no_argument, NULL, OPT_FILESYSTEM },
	{ "all", no_argument, NULL, OPT_ALL },
	{ "mounts", no_argument, NULL, OPT_MOUNTS },
	{ "errors", no_argument, NULL, OPT_ERRORS },
	{ "deny", required_argument, NULL, OPT_DENY },
	{ "deny-errno", required_argument, NULL, OPT_DENY_ERRNO },
	{ "top", required_argument, NULL, OPT_TOP },
	{ "follow-output-symlink", no_argument, NULL, OPT_FOLLOW },
	{ "tree-marks", required_argument, NULL, OPT_TREE_MARKS },
	/* who did it */
	{ "parents", optional_argument, NULL, OPT_PARENTS },
	{ "show", required_argument, NULL, OPT_SHOW },
	/* service (i16) */
	{ "journal", no_argument, NULL, OPT_JOURNAL },
	{ "syslog", optional_argument, NULL, OPT_SYSLOG },
	{ "append", no_argument, NULL, OPT_APPEND },
	{ "options-from", required_argument, NULL, OPT_OPTIONS_FROM },
	/* permission mode, least privilege (i11) */
	{ "unsafe-system-scope", no_argument, NULL, OPT_UNSAFE_SYSTEM_SCOPE },
	{ "undecidable", required_argument, NULL, OPT_UNDECIDABLE },
	{ "user", required_argument, NULL, 'u' },
	/* peers' habits (i15, options_peer.c) */
	{ "format", required_argument, NULL, FW_OPT_FORMAT },
	{ "timefmt", required_argument, NULL, FW_OPT_TIMEFMT },
	{ "utc", no_argument, NULL, FW_OPT_UTC },
	{ "csv", no_argument, NULL, FW_OPT_CSV },
	{ "null", no_argument, NULL, '0' },
	{ "raw", no_argument, NULL, FW_OPT_RAW },
	{ "no-newline", no_argument, NULL, FW_OPT_NO_NEWLINE },
	{ "include-regex", required_argument, NULL, FW_OPT_INCLUDE_REGEX },
	{ "exclude-regex", required_argument, NULL, FW_OPT_EXCLUDE_REGEX },
	{ "includei", required_argument, NULL, FW_OPT_INCLUDEI },
	{ "excludei", required_argument, NULL, FW_OPT_EXCLUDEI },
	{ "ignore-case", no_argument, NULL, 'I' },
	{ "include-from", required_argument, NULL, FW_OPT_INCLUDE_FROM },
	{ "exclude-from", required_argument, NULL, FW_OPT_EXCLUDE_FROM },
	{ "exclude-pid", required_argument, NULL, FW_OPT_EXCLUDE_PID },
	{ "ignore-pid", required_argument, NULL, FW_OPT_IGNORE_PID },
	{ "exclude-comm", required_argument, NULL, FW_OPT_EXCLUDE_COMM },
	{ "uid", required_argument, NULL, FW_OPT_UID },
	{ "interval", required_argument, NULL, FW_OPT_INTERVAL },
	{ "sort", required_argument, NULL, FW_OPT_SORT },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static const struct { const char *name; int err; } deny_errnos[] = {
	{ "EPERM", EPERM }, { "EIO", EIO }, { "EBUSY", EBUSY }, { "ETXTBSY", ETXTBSY },
	{ "EAGAIN", EAGAIN }, { "ENOSPC", ENOSPC }, { "EDQUOT", EDQUOT },
};

#define usage_error fw_usage_error

static void print_help(void)
{
	char def[256];

	fw_events_format(FW_DEFAULT_EVENTS, def, sizeof(def));
	printf("Usage: fanwatch [OPTIONS] [PATH...]\n"
	       "       fanwatch [OPTIONS] [PATH...] -- COMMAND [ARGS...]\n"
	       "\n"
	       "Report file activity (who opens, writes, creates, deletes, renames what)\n"
	       "under each PATH (default: the current directory), using fanotify.\n"
	       "A directory PATH means its whole subtree, on its own filesystem.\n"
	       "\n"
	       "What to watch:\n"
	       "  -e, --events LIST      comma-separated events (default: %s);\n"
	       "                         close, move and all stand for several\n"
	       "      --mount            widen each PATH to its whole mount (open, access,\n"
	       "                         modify, close and open_exec events only)\n"
	       "      --filesystem       widen each PATH to its whole filesystem\n"
	       "      --all              watch every mounted filesystem\n"
	       "      --mounts           report mount and umount events (Linux 6.15)\n"
	       "      --errors           report filesystem errors (fs_error, Linux 5.16)\n"
	       "      --tree-marks KIND  how a directory PATH's subtree is watched: 'inode'\n"
	       "                         (default: a mark per directory, the rest of the\n"
	       "                         filesystem costs nothing) or 'filesystem' (one\n"
	       "                         filesystem mark; no per-directory marks)\n"
	       "\n"
	       "Which events to show:\n"
	       "  -p, --pid PID          only events of this process (repeatable)\n"
	       "      --exclude-pid PID  no events of this process (repeatable; also\n"
	       "                         --ignore-pid)\n"
	       "  -C, --comm NAME        only events of processes named NAME (repeatable)\n"
	       "      --exclude-comm NAME  no events of processes named NAME (repeatable)\n"
	       "      --uid USER         only events of processes of USER (a name or a\n"
	       "                         uid; repeatable)\n"
	       "      --include GLOB     only paths matching GLOB (repeatable)\n"
	       "      --exclude GLOB     no paths matching GLOB, nor anything below a\n"
	       "                         directory matching it (repeatable)\n"
	       "      --include-regex RE, --exclude-regex RE  the same with a POSIX\n"
	       "                         extended regular expression on the whole path\n"
	       "      --includei RE, --excludei RE  the same, ignoring case\n"
	       "      --include-from FILE, --exclude-from FILE  patterns from FILE, one\n"
	       "                         a line ('re:' before a regular expression)\n"
	       "  -I, --ignore-case      globs and regular expressions ignore case\n"
	       "  -- COMMAND [ARGS]      run COMMAND once watching has begun; show only what\n"
	       "                         it and its descendants do; exit with its status\n"
	       "  -u, --user USER        run COMMAND as USER (default under sudo: the user\n"
	       "                         who ran sudo, from SUDO_UID and SUDO_GID)\n"
	       "\n"
	       "Who did it:\n"
	       "      --parents[=N]      also each process's parents, nearest first, up to\n"
	       "                         pid 1 or N of them (default %d); with COMMAND, up\n"
	       "                         to the command\n"
	       "      --show LIST        text output also shows these fields of the process:\n"
	       "                         ppid uid user gid cgroup mntns exe attribution, or\n"
	       "                         all (JSON always has them)\n"
	       "\n"
	       "Permission mode:\n"
	       "      --deny GLOB        deny open and exec of matching files (repeatable);\n"
	       "                         the opener sees EPERM\n"
	       "      --deny-errno NAME  the error denied openers see instead: EPERM, EIO,\n"
	       "                         EBUSY, ETXTBSY, EAGAIN, ENOSPC, EDQUOT (Linux 6.14)\n"
	       "      --undecidable allow|deny  the verdict when a rule cannot be decided\n"
	       "                         (the file's path is unknown; default: deny)\n"
	       "      --unsafe-system-scope  allow --deny on a scope that holds the system's\n"
	       "                         own files (/, /usr, /etc, ...): a stopped fanwatch\n"
	       "                         then blocks the whole machine\n"
	       "\n"
	       "Output:\n"
	       "  -j, --json             JSON Lines, one object per event\n"
	       "      --format FMT       one line per event as FMT says: %%p path, %%w%%f its\n"
	       "                         directory and name, %%e events (%%Xe: separated by\n"
	       "                         X), %%T time, %%0 NUL, %%n newline, %%%% and %%{NAME}\n"
	       "                         (new_path pid ppid uid comm exe dev ino flags iso\n"
	       "                         epoch mount_id error); names quoted as in text\n"
	       "      --raw              with --format: names as they are (unsafe on a\n"
	       "                         terminal: a file name can forge lines)\n"
	       "      --no-newline       with --format: nothing after each record\n"
	       "      --csv              CSV (RFC 4180) with a header line; with --format,\n"
	       "                         its placeholders separated by commas: the columns\n"
	       "  -0, --null             a NUL after each record, names as they are (the\n"
	       "                         path alone, unless --format), for xargs -0\n"
	       "      --timefmt FMT      times as strftime(3) FMT, plus %%N (nanoseconds),\n"
	       "                         %%3N, %%6N; %%s.%%6N is the epoch (not for --json)\n"
	       "      --utc              times in UTC (JSON too)\n"
	       "  -o, --output FILE      write to FILE: new, or a regular file of yours\n"
	       "                         (truncated); mode 0600\n"
	       "      --follow-output-symlink  follow symbolic links to FILE\n"
	       "  -c, --count            print a summary when done instead of a stream\n"
	       "      --top N            paths and processes in the summary (default 10)\n"
	       "      --interval SECONDS  a table of the counts every SECONDS (implies\n"
	       "                         --count; redrawn in place on a terminal)\n"
	       "      --sort EVENT       with --interval: rows by EVENT's count (default:\n"
	       "                         total)\n"
	       "      --append           append to the -o FILE instead of truncating it\n"
	       "      --journal          one journal entry per event, with fields (journald)\n"
	       "      --syslog[=FACILITY]  one syslog message per event (default: daemon)\n"
	       "  -t, --timeout SECONDS  stop after SECONDS (fractions allowed)\n"
	       "  -n, --max-events N     stop after N events\n"
	       "  -1                     stop after one event (-n 1)\n"
	       "      --options-from FILE  options from FILE, one per line (# comments)\n"
	       "  -h, --help             this help\n"
	       "  -V, --version          fanwatch and libfanotify versions\n"
	       "\n"
	       "Events: access modify attrib open open_exec close_write close_nowrite create\n"
	       "delete moved_from moved_to rename delete_self move_self fs_error mount umount;\n"
	       "close is close_write,close_nowrite, move is moved_from,moved_to, all (or\n"
	       "all_events) every file event the scope can report.  Any case.\n"
	       "With --mounts or --errors and no -e, only those events are reported.\n"
	       "\n"
	       "GLOB: without '/' it matches the file name, with '/' the whole path ('*'\n"
	       "matches '/' too); a --deny rule with '/' also covers what is below a\n"
	       "directory it names.  Text output prints a path as it is when it holds only\n"
	       "printable characters other than space, '\"' and '\\'; otherwise in double\n"
	       "quotes with C escapes (\\\" \\\\ \\n \\t \\r \\xHH), so no line can be forged.\n"
	       "JSON strings are valid UTF-8: invalid bytes become U+FFFD and then a field\n"
	       "\"<name>_raw\" (path_raw, new_path_raw, comm_raw, exe_raw) holds the exact\n"
	       "bytes in base64.  Without it, the UTF-8 of the string is exact.\n"
	       "\n"
	       "Exit status: 0 success, 1 runtime error, 2 usage error; with COMMAND, its\n"
	       "status (128+N if killed by signal N).  See fanwatch(1).\n",
	       def, FW_PARENTS_DEFAULT);
}

static void print_version(void)
{
	printf("fanwatch %s (libfanotify %s)\n", FANWATCH_VERSION, fan_version());
	printf("journald output (--journal): %s\n", fw_journal_available() ? "yes (libsystemd)" :
	       "no (built without libsystemd)");
}

static void strv_push(struct fw_strv *sv, char *s)
{
	char **v = realloc(sv->v, (sv->n + 1) * sizeof(*v));

	if (!v)
		fw_fatal(FW_EXIT_RUNTIME, "out of memory");
	sv->v = v;
	sv->v[sv->n++] = s;
}

static void list_valid_events(void)
{
	size_t i;

	fputs("fanwatch: valid events:", stderr);
	for (i = 0; i < fw_event_count; i++)
		if (fw_event_names[i].bit != FAN_Q_OVERFLOW)
			fprintf(stderr, " %s", fw_event_names[i].name);
	fputs("; shorthands:", stderr);
	for (i = 0; i < fw_event_shorthand_count; i++)
		fprintf(stderr, " %s", fw_event_shorthands[i].name);
	fputc('\n', stderr);
}

static uint64_t parse_events(const char *list, bool *all)
{
	char *copy = strdup(list), *tok, *save = NULL, *p;
	uint64_t mask = 0, bit;

	if (!copy)
		fw_fatal(FW_EXIT_RUNTIME, "out of memory");
	if (!*list || list[strlen(list) - 1] == ',' || *list == ',' || strstr(list, ",,"))
		usage_error("--events: empty event name in '%s'", list);
	for (p = copy; (tok = strtok_r(p, ",", &save)); p = NULL) {
		bool is_all = false;

		bit = fw_event_word(tok, &is_all);
		if (is_all) {		/* added in validate(): what the scope can report (i15) */
			*all = true;
			continue;
		}
		if (!bit) {
			const char *w = fw_usage_where();

			fw_warn("%s%s--events: unknown event '%s'", w ? w : "", w ? ": " : "", tok);
			list_valid_events();
			free(copy);
			exit(FW_EXIT_USAGE);
		}
		mask |= bit;
	}
	free(copy);
	return mask;
}

static unsigned long long parse_count(const char *opt, const char *s, unsigned long long max)
{
	unsigned long long v;
	char *end;

	errno = 0;
	if (*s < '0' || *s > '9')
		usage_error("%s: '%s' is not a positive integer", opt, s);
	v = strtoull(s, &end, 10);
	if (*end || errno || v == 0 || v > max)
		usage_error("%s: '%s' is not an integer between 1 and %llu", opt, s, max);
	return v;
}

static double parse_seconds(const char *s)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end || errno || !isfinite(v) || v <= 0 || v > 1e9)
		usage_error("--timeout: '%s' is not a number of seconds greater than 0", s);
	return v;
}

static int parse_deny_errno(const char *s)
{
	size_t i;

	for (i = 0; i < sizeof(deny_errnos) / sizeof(deny_errnos[0]); i++)
		if (!strcasecmp(s, deny_errnos[i].name))
			return deny_errnos[i].err;
	usage_error("--deny-errno: '%s' is not one of EPERM, EIO, EBUSY, ETXTBSY, EAGAIN, "
		    "ENOSPC, EDQUOT", s);
}

static void push_nonempty(struct fw_strv *sv, const char *opt, char *s)
{
	if (!*s)
		usage_error("%s: empty value", opt);
	strv_push(sv, s);
}

/* ---- who did it: --parents, --show ---- */

static const struct { const char *name; unsigned int bit; } show_names[] = {
	{ "ppid", FW_SHOW_PPID }, { "uid", FW_SHOW_UID }, { "user", FW_SHOW_USER },
	{ "gid", FW_SHOW_GID }, { "cgroup", FW_SHOW_CGROUP }, { "mntns", FW_SHOW_MNTNS },
	{ "exe", FW_SHOW_EXE }, { "attribution", FW_SHOW_ATTRIBUTION },
};

static unsigned int parse_show(const char *list)
{
	char *copy = strdup(list), *tok, *save = NULL, *p;
	unsigned int bits = 0;
	size_t i, n = sizeof(show_names) / sizeof(show_names[0]);

	if (!copy)
		fw_fatal(FW_EXIT_RUNTIME, "out of memory");
	if (!*list || list[strlen(list) - 1] == ',' || *list == ',' || strstr(list, ",,"))
		usage_error("--show: empty field name in '%s'", list);
	for (p = copy; (tok = strtok_r(p, ",", &save)); p = NULL) {
		for (i = 0; i < n && strcmp(tok, show_names[i].name); i++)
			;
		if (i < n)
			bits |= show_names[i].bit;
		else if (!strcmp(tok, "all"))
			bits |= ~0u;
		else
			usage_error("--show: unknown field '%s' (fields: ppid uid user gid cgroup mntns "
				    "exe attribution all)", tok);
	}
	free(copy);
	return bits;
}

static unsigned int parse_parents(const char *arg)
{
	return arg ? (unsigned int)parse_count("--parents", arg, FW_PARENTS_MAX)
		   : FW_PARENTS_DEFAULT;
}

static void push_pid(struct fw_opts *o, const char *s)
{
	pid_t *v = realloc(o->pids, (o->npids + 1) * sizeof(*v));

	if (!v)
		fw_fatal(FW_EXIT_RUNTIME, "out of memory");
	o->pids = v;
	o->pids[o->npids++] = (pid_t)parse_count("--pid", s, INT_MAX);
}

struct parse_state {
	bool events_given, mounts, errors, scope_given, tree_marks;
	bool undecidable;	/* i11 */
	bool all_events;	/* -e all: what the scope can report (i15) */
};

static void set_scope(struct fw_opts *o, struct parse_state *ps, enum fw_scope s)
{
	if (ps->scope_given && o->scope != s)
		usage_error("--mount, --filesystem and --all exclude each other");
	o->scope = s;
	ps->scope_given = true;
}

/* ---- service options (i16): sinks, --append, --options-from ---- */

static void parse_one(struct fw_opts *o, struct parse_state *ps, int c, char *arg);

struct optfile_ctx {
	struct fw_opts *o;
	struct parse_state *ps;
};

static const struct option *find_option(const char *name, bool is_short)
{
	const struct option *opt;

	for (opt = long_opts; opt->name; opt++)
		if (is_short ? (opt->val == name[0] && !name[1]) : !strcmp(opt->name, name))
			return opt;
	return NULL;
}

/* One line of an options file, as if it were given on the command line. */
static void apply_line(void *vctx, const char *where, const char *name, char *value,
		       bool is_short)
{
	struct optfile_ctx *ctx = vctx;
	const struct option *opt;

	fw_usage_at(where);
	if (!strcmp(name, "path")) {
		if (!value || !*value)
			usage_error("'path' needs a PATH");
		parse_one(ctx->o, ctx->ps, 1, value);
		fw_usage_at(NULL);
		return;
	}
	opt = find_option(name, is_short);
	if (!opt)
		usage_error("unknown option '%s%s'", is_short ? "-" : "", name);
	if (opt->val == OPT_OPTIONS_FROM)
		usage_error("options-from in an options file: files do not nest");
	if (opt->has_arg == no_argument && value)
		usage_error("option '%s' takes no value", opt->name);
	if (opt->has_arg == required_argument && !value)
		usage_error("option '%s' needs a value", opt->name);
	parse_one(ctx->o, ctx->ps, opt->val, value);
	fw_usage_at(NULL);
}

static void parse_service(struct fw_opts *o, struct parse_state *ps, int c, char *arg)
{
	struct optfile_ctx ctx = { o, ps };

	switch (c) {
	case OPT_JOURNAL: o->journal = true; break;
	case OPT_SYSLOG:
		o->syslog = true;
		o->syslog_facility = arg ? fw_syslog_facility(arg) : LOG_DAEMON;
		if (o->syslog_facility < 0)
			usage_error("--syslog: unknown facility '%s' (auth, authpriv, cron, daemon, "
				    "ftp, lpr, mail, news, syslog, user, uucp, local0 to local7)", arg);
		break;
	case OPT_APPEND: o->append = true; break;
	case OPT_OPTIONS_FROM:
		strv_push(&o->optfiles, fw_optfile_read(arg, apply_line, &ctx));
		break;
	}
}

/* Where records go: one place, and each option where it means something. */
static void validate_service(const struct fw_opts *o)
{
	const char *sink = o->journal ? "--journal" : o->syslog ? "--syslog" : NULL;

	if (o->journal && o->syslog)
		usage_error("--journal and --syslog exclude each other");
	if (sink && o->output)
		usage_error("%s and -o exclude each other: records go to one place", sink);
	if (sink && o->count)
		usage_error("%s and --count exclude each other: --count prints one summary", sink);
	if (o->journal && o->json)
		usage_error("--journal and --json exclude each other: journal entries have fields "
			    "of their own (fanwatch(1), JOURNAL FIELDS)");
	if (o->append && !o->output)
		usage_error("--append needs -o FILE");
}

/* One option (or PATH, as option 1). */
static void parse_one(struct fw_opts *o, struct parse_state *ps, int c, char *arg)
{
	switch (c) {
	case 1: strv_push(&o->paths, arg); break;
	case 'e': o->events |= parse_events(arg, &ps->all_events); ps->events_given = true; break;
	case 'o': if (!*arg) usage_error("--output: empty file name"); o->output = arg; break;
	case 'j': o->json = true; break;
	case 'c': o->count = true; break;
	case 't': o->timeout = parse_seconds(arg); break;
	case 'n': o->max_events = parse_count("--max-events", arg, UINT64_MAX / 2); break;
	case 'p': push_pid(o, arg); break;
	case 'C':	/* fatrace's -C (i15) */
	case OPT_COMM:
		if (strlen(arg) > 15)
			usage_error("--comm: '%s' is longer than 15 bytes (the kernel's limit)", arg);
		push_nonempty(&o->comms, "--comm", arg);
		break;
	case OPT_INCLUDE: push_nonempty(&o->includes, "--include", arg); break;
	case OPT_EXCLUDE: push_nonempty(&o->excludes, "--exclude", arg); break;
	case OPT_MOUNT: set_scope(o, ps, FW_SCOPE_MOUNT); break;
	case OPT_FILESYSTEM: set_scope(o, ps, FW_SCOPE_FILESYSTEM); break;
	case OPT_ALL: set_scope(o, ps, FW_SCOPE_ALL); break;
	case OPT_MOUNTS: ps->mounts = true; break;
	case OPT_ERRORS: ps->errors = true; break;
	case OPT_DENY: push_nonempty(&o->denies, "--deny", arg); break;
	case OPT_DENY_ERRNO: o->deny_errno = parse_deny_errno(arg); break;
	case OPT_TOP: o->top = (unsigned int)parse_count("--top", arg, 1000000); break;
	case OPT_FOLLOW: o->follow_output_symlink = true; break;
	case OPT_TREE_MARKS:
		if (strcmp(arg, "inode") && strcmp(arg, "filesystem"))
			usage_error("--tree-marks: '%s' is not 'inode' or 'filesystem'", arg);
		o->tree_fs = !strcmp(arg, "filesystem");
		ps->tree_marks = true;
		break;
	/* who did it */
	case OPT_PARENTS: o->parents = parse_parents(arg); break;
	case OPT_SHOW: o->show |= parse_show(arg); break;
	case OPT_JOURNAL: case OPT_SYSLOG: case OPT_APPEND: case OPT_OPTIONS_FROM:
		parse_service(o, ps, c, arg);
		break;
	/* permission mode, least privilege (i11) */
	case OPT_UNSAFE_SYSTEM_SCOPE: o->unsafe_system_scope = true; break;
	case OPT_UNDECIDABLE:
		if (strcmp(arg, "allow") && strcmp(arg, "deny"))
			usage_error("--undecidable: '%s' is neither allow nor deny", arg);
		o->undecidable_allow = !strcmp(arg, "allow");
		ps->undecidable = true;
		break;
	case 'u': if (!*arg) usage_error("--user: empty user name"); o->user = arg; break;
	case 'h': print_help(); exit(FW_EXIT_OK);
	case 'V': print_version(); exit(FW_EXIT_OK);
	default:
		if (!fw_peer_option(o, c, arg))	/* i15 */
			usage_error("unknown or incomplete option");
	}
}

/* Checks across options, once all are known. */
static void validate(struct fw_opts *o, const struct parse_state *ps)
{
	if (ps->mounts)
		o->events |= FW_MOUNT_EVENTS;
	if (ps->errors)
		o->events |= FAN_FS_ERROR;
	if (!ps->events_given && !ps->mounts && !ps->errors)
		o->events = FW_DEFAULT_EVENTS;
	/* the default, cut to what a mount mark can report */
	if (!ps->events_given && o->scope == FW_SCOPE_MOUNT)
		o->events &= ~(uint64_t)FW_DIRENT_EVENTS;
	/* -e all: every file event the scope can report (i15) */
	if (ps->all_events)
		o->events |= FW_FILE_EVENTS &
			     (o->scope == FW_SCOPE_MOUNT ? ~(uint64_t)FW_DIRENT_EVENTS : ~(uint64_t)0);
	if (o->scope == FW_SCOPE_MOUNT && (o->events & FW_DIRENT_EVENTS))
		usage_error("--mount cannot report attrib, create, delete, moved_from, moved_to, "
			    "rename, delete_self or move_self (the kernel refuses them on mount "
			    "marks); use --filesystem");
	if (o->scope == FW_SCOPE_ALL && o->paths.n)
		usage_error("--all takes no PATH");
	if (o->deny_errno && !o->denies.n)
		usage_error("--deny-errno needs --deny");
	if (o->denies.n && o->scope == FW_SCOPE_ALL)
		usage_error("--deny with --all is refused: a stopped fanwatch would block every "
			    "open on the machine; use --filesystem on the filesystems you mean");
	if (o->top && !o->count && !o->interval)
		usage_error("--top needs --count");
	if (ps->tree_marks && o->scope != FW_SCOPE_TREE)
		usage_error("--tree-marks is for directory PATHs, not with --mount, --filesystem "
			    "or --all");
	/* permission mode, least privilege (i11) */
	if ((ps->undecidable || o->unsafe_system_scope) && !o->denies.n)
		usage_error("%s needs --deny", ps->undecidable ? "--undecidable" : "--unsafe-system-scope");
	if (o->user && !o->command)
		usage_error("--user needs a COMMAND (after --)");
	if (o->denies.n) {
		o->deny_rules = fw_rules_new(o);
		fw_rules_check_scope(o);
	}
	if (!o->top)
		o->top = 10;
	fw_peer_validate(o);	/* i15 */
	validate_service(o);
}

void fw_opts_parse(struct fw_opts *o, int argc, char **argv)
{
	struct parse_state ps = { 0 };
	int c;

	*o = (struct fw_opts){ .timeout = -1 };
	opterr = 0;
	/* leading '-': PATHs come back as option 1, in order, up to "--" */
	while ((c = getopt_long(argc, argv, "-e:o:jct:n:p:u:hV" "10IC:", long_opts, NULL)) != -1) {
		if (c == '?') {
			const char *bad = argv[optind - 1];

			/* a long option names itself; optopt is its short letter, if any */
			if (!strncmp(bad, "--", 2) || !optopt || optopt >= 0x100)
				usage_error("option '%s' is unknown or needs a value", bad);
			usage_error("option '-%c' is unknown or needs a value", optopt);
		}
		parse_one(o, &ps, c, optarg);
	}
	if (optind < argc)
		o->command = argv + optind;
	else if (argc > 1 && !strcmp(argv[argc - 1], "--"))
		usage_error("'--' must be followed by a COMMAND");
	validate(o, &ps);
}

void fw_opts_free(struct fw_opts *o)
{
	free(o->comms.v);
	free(o->includes.v);
	free(o->excludes.v);
	free(o->denies.v);
	free(o->paths.v);
	free(o->pids);
	while (o->optfiles.n)
		free(o->optfiles.v[--o->optfiles.n]);
	free(o->optfiles.v);
	fw_rules_free(o->deny_rules);
	fw_peer_free(o);	/* i15 */
}
