/* SPDX-License-Identifier: MIT */
/*
 * fanwatch: shared types.  Each .c file has one job; this header is the
 * contract between them.  fanwatch uses only the public libfanotify API.
 */
#ifndef FANWATCH_H
#define FANWATCH_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

#include <fanotify/fanotify.h>

/* Exit statuses. */
enum { FW_EXIT_OK = 0, FW_EXIT_RUNTIME = 1, FW_EXIT_USAGE = 2 };

/* fw_fatal(): message on stderr, exit with status. */
__attribute__((noreturn, format(printf, 2, 3))) void fw_fatal(int status, const char *fmt, ...);
__attribute__((format(printf, 1, 2))) void fw_warn(const char *fmt, ...);
/*
 * Write "fanwatch: MESSAGE\n" (then tail, if not NULL) to stderr in one
 * write, the message escaped (fw_text_escape_line) so that nothing in it,
 * a file name say, can end its line or forge another.
 */
void fw_vmessage(const char *fmt, va_list ap, const char *tail);
/*
 * A path for a message, quoted as in text output.  Owned by fanwatch: valid
 * until the same thread's fourth next call.
 */
const char *fw_qpath(const char *path);

/* ---- events (events.c) ---- */

/* Every name a user may give; "overflow" is output only. */
#define FW_FILE_EVENTS                                                       \
	(FAN_ACCESS | FAN_MODIFY | FAN_ATTRIB | FAN_OPEN | FAN_OPEN_EXEC |   \
	 FAN_CLOSE_WRITE | FAN_CLOSE_NOWRITE | FAN_CREATE | FAN_DELETE |      \
	 FAN_MOVED_FROM | FAN_MOVED_TO | FAN_RENAME | FAN_DELETE_SELF |       \
	 FAN_MOVE_SELF)
#define FW_DIRENT_EVENTS                                                     \
	(FAN_ATTRIB | FAN_CREATE | FAN_DELETE | FAN_MOVED_FROM | FAN_MOVED_TO | \
	 FAN_RENAME | FAN_DELETE_SELF | FAN_MOVE_SELF)
#define FW_MOUNT_EVENTS (FAN_MNT_ATTACH | FAN_MNT_DETACH)
#define FW_ALL_EVENTS (FW_FILE_EVENTS | FAN_FS_ERROR | FW_MOUNT_EVENTS)
#define FW_DEFAULT_EVENTS                                                    \
	(FAN_OPEN | FAN_MODIFY | FAN_CLOSE_WRITE | FAN_CREATE | FAN_DELETE |  \
	 FAN_RENAME | FAN_ATTRIB)

struct fw_event_name {
	uint64_t bit;
	const char *name;
};
extern const struct fw_event_name fw_event_names[];
extern const size_t fw_event_count;

/* The bit for a user-visible name, 0 if unknown. */
uint64_t fw_event_from_name(const char *name);
/* "open,modify" for mask (only names fanwatch knows), into buf. */
size_t fw_events_format(uint64_t mask, char *buf, size_t size);
/* Room for every name (about 190 bytes): a buffer this large is never cut short. */
#define FW_EVENTS_MAX 256
/* Index 0..fw_event_count-1 of a single bit, -1 if none. */
int fw_event_index(uint64_t bit);

/* ---- event shorthands (events.c, i15) ---- */
struct fw_event_shorthand {
	const char *name;
	uint64_t bits;
	const char *means;	/* for --help and messages */
};
extern const struct fw_event_shorthand fw_event_shorthands[];
extern const size_t fw_event_shorthand_count;
/* An event name or a shorthand, any case; 0 if unknown.  Sets *all for "all"/"all_events". */
uint64_t fw_event_word(const char *word, bool *all);

/* ---- options (options.c) ---- */

enum fw_scope { FW_SCOPE_TREE, FW_SCOPE_MOUNT, FW_SCOPE_FILESYSTEM, FW_SCOPE_ALL };

struct fw_strv {
	char **v;
	size_t n;
};

struct fw_opts {
	uint64_t events;		/* user-visible event bits */
	enum fw_scope scope;
	bool json, count, follow_output_symlink;
	bool tree_fs;			/* --tree-marks filesystem */
	const char *output;		/* NULL: stdout */
	double timeout;			/* seconds; < 0: none */
	uint64_t max_events;		/* 0: unlimited */
	unsigned int top;		/* --count: paths and processes shown */
	pid_t *pids;
	size_t npids;
	struct fw_strv comms, includes, excludes, denies, paths;
	int deny_errno;			/* 0: plain FAN_DENY (EPERM) */
	char **command;			/* argv after "--", NULL if none */
	/* who did it: --parents, --show (options.c, procs.c) */
	unsigned int parents;		/* ancestors shown; 0: none */
	unsigned int show;		/* FW_SHOW_*: identity fields in text output */
	/* service: record sinks, the -o file's mode, options files (i16) */
	bool journal, syslog, append;
	int syslog_facility;		/* LOG_DAEMON unless --syslog=FACILITY */
	struct fw_strv optfiles;	/* --options-from contents (values point into them) */
	/* permission mode, least privilege (i11) */
	bool unsafe_system_scope;	/* --unsafe-system-scope */
	bool undecidable_allow;		/* --undecidable allow */
	const char *user;		/* -u/--user: COMMAND runs as this user */
	struct fw_rules *deny_rules;	/* --deny, checked (rules.c) */
	/* peers' habits (i15, options_peer.c): output formats, patterns, process filters */
	const char *format_arg, *timefmt_arg;
	bool csv, null, raw, no_newline, utc, ignore_case;
	struct fw_format *format;	/* --format, --csv, -0 compiled; NULL: text or JSON */
	struct fw_timefmt *timefmt;	/* --timefmt compiled */
	bool want_inode;		/* dev and ino are shown: JSON, or --format asks */
	struct fw_patterns *patterns;	/* --include, --exclude and friends, compiled */
	bool path_filter;		/* there are some: paths are checked */
	pid_t *xpids;			/* --exclude-pid */
	size_t nxpids;
	struct fw_strv xcomms;		/* --exclude-comm */
	uid_t *uids;			/* --uid */
	size_t nuids;
	bool proc_filter;		/* --comm, --exclude-comm or --uid: look the process up first */
	double interval;		/* --interval seconds; 0: none */
	int sort;			/* --sort: index in fw_event_names; -1: total */
};

/* --show: identity fields text output adds (JSON always has them). */
enum {
	FW_SHOW_UID = 0x01,
	FW_SHOW_USER = 0x02,
	FW_SHOW_GID = 0x04,
	FW_SHOW_CGROUP = 0x08,
	FW_SHOW_MNTNS = 0x10,
	FW_SHOW_PPID = 0x20,
	FW_SHOW_EXE = 0x40,
	FW_SHOW_ATTRIBUTION = 0x80,
};
#define FW_PARENTS_MAX 64
#define FW_PARENTS_DEFAULT 16

/* Options of options_peer.c (i15), above every other option's value. */
enum {
	FW_OPT_FORMAT = 0x400, FW_OPT_TIMEFMT, FW_OPT_UTC, FW_OPT_CSV, FW_OPT_RAW,
	FW_OPT_NO_NEWLINE, FW_OPT_INCLUDE_REGEX, FW_OPT_EXCLUDE_REGEX, FW_OPT_INCLUDEI,
	FW_OPT_EXCLUDEI, FW_OPT_INCLUDE_FROM, FW_OPT_EXCLUDE_FROM, FW_OPT_EXCLUDE_PID,
	FW_OPT_EXCLUDE_COMM, FW_OPT_UID, FW_OPT_INTERVAL, FW_OPT_SORT, FW_OPT_IGNORE_PID,
};
/* Handle one of them (or -0, -1, -I); false if c is none of them. */
bool fw_peer_option(struct fw_opts *o, int c, char *arg);
/* Checks and compilation once every option is known (o->events too). */
void fw_peer_validate(struct fw_opts *o);
/* Are excluded directories left unmarked (tree scope, inode marks, no --deny)? */
bool fw_prunes(const struct fw_opts *o);
void fw_peer_free(struct fw_opts *o);
/* A usage error (message.c): the message, a hint at --help, exit 2. */
__attribute__((noreturn, format(printf, 1, 2))) void fw_usage_error(const char *fmt, ...);
/* Usage errors and warnings name where (an options file's "FILE:LINE") until fw_usage_at(NULL). */
void fw_usage_at(const char *where);
const char *fw_usage_where(void);

/* Parse argv; exits 2 with a message on bad input, 0 after --help/--version. */
void fw_opts_parse(struct fw_opts *o, int argc, char **argv);
void fw_opts_free(struct fw_opts *o);

/* ---- records: what one output line says (output.c and friends) ---- */

struct fw_bytes {
	const char *s;		/* not NUL-terminated necessarily; NULL: unknown */
	size_t len;
};

enum {
	FW_REC_DIR = 0x01,
	FW_REC_DELETED = 0x02,
	FW_REC_PARTIAL = 0x04,
	FW_REC_SYNTHETIC = 0x08,	/* found by scanning a new directory */
	FW_REC_DENIED = 0x10,
	FW_REC_OVERFLOW = 0x20,
	FW_REC_ERROR = 0x40,		/* error/error_count valid */
	FW_REC_MOUNT_ID = 0x80,		/* mount_id valid */
	FW_REC_NEW_PATH = 0x100,	/* a rename: new_path is shown (null if unknown) */
	/* permission mode (i11): why an open was denied, when not by a rule */
	FW_REC_UNDECIDED = 0x200,	/* path unknown: the --undecidable verdict */
	FW_REC_NO_FD = 0x400,		/* the kernel could not give a descriptor (error) */
	FW_REC_UNVERIFIED = 0x800,	/* a path is the last one known, not confirmed now */
	/* dev and ino (i15) */
	FW_REC_DEV = 0x10000,		/* dev valid */
	FW_REC_INO = 0x20000,		/* ino valid */
};

/* Who did it, beyond struct fan_process (procs.c). */
struct fw_ident {
	const char *user;		/* name of proc->uid; NULL if unknown */
	gid_t egid;			/* (gid_t)-1 if unknown */
	uint64_t cgroup_id, mntns;	/* 0 if unknown */
	const char *cgroup;		/* NULL if unknown */
	bool parents_asked;		/* --parents */
	size_t nparents;		/* nearest first */
	const struct fan_process_parent *parents;
};

struct fw_record {
	uint64_t events;
	unsigned int flags;
	struct fw_bytes path, new_path;
	pid_t pid;			/* 0: unknown */
	const struct fan_process *proc;	/* NULL: unknown */
	uint64_t proc_id;		/* != 0: same value, same pid: same identity (procs.c) */
	const struct fw_ident *ident;	/* NULL: not looked up (procs.c does for file events) */
	int32_t error;
	uint32_t error_count;
	uint64_t mount_id;
	/* the object's device and inode number (i15: inode.c) */
	dev_t dev;
	uint64_t ino;
};

/* ---- output sink (output.c) ---- */

#define FW_TIME_MAX 255			/* bytes of a --timefmt time */
#define FW_TIME_MAX_S "255"

struct fw_writer;

/*
 * Records are formatted into buf (whole records only), then handed to a
 * writer thread through a bounded queue: a reader that does not keep up
 * never stops the main loop (new directories marked, permission marks in
 * step); records that find the queue full are dropped and counted.
 */
struct fw_out {
	int fd;
	char *buf;
	size_t len, cap;
	int error;			/* first write error, -errno (from the writer) */
	bool json, csv, color;
	unsigned int show;		/* FW_SHOW_*: text output's identity fields */
	struct timespec now;		/* one clock read per batch */
	char text_time[24];		/* HH:MM:SS.uuuuuu */
	size_t text_time_len;
	char json_time[48];		/* RFC 3339 with microseconds and offset */
	size_t json_time_len;
	uint64_t stamp;			/* bumped by every fw_out_stamp*(): a batch */
	uint64_t flushes;		/* buffer writes so far */
	uint64_t staged;		/* records in buf */
	uint64_t dropped;		/* records dropped: the reader did not keep up */
	struct fw_writer *w;		/* NULL: writes in the caller's thread (before start) */
	struct fw_json_cache *json_cache;	/* output_json.c: the last record's process fields */
	/* --format, --csv, -0, --timefmt, --utc (i15) */
	const struct fw_format *fmt;	/* NULL: text or JSON */
	struct fw_timefmt *tfmt;	/* --timefmt; NULL: text_time */
	bool utc;			/* --utc */
	bool tty;			/* standard output is a terminal (no -o) */
	char user_time[FW_TIME_MAX + 1];	/* --timefmt's time of this batch */
	size_t user_time_len;
	/* record sinks (journald, syslog): NULL for a file or standard output */
	struct fw_sink *sink;
	bool grow;			/* a scratch buffer: grows, never flushes */
};

void fw_out_open(struct fw_out *out, const struct fw_opts *o);
struct fw_ids;
/* Write from a thread of its own from now on; it keeps no capability and becomes ids. */
void fw_out_start(struct fw_out *out, const struct fw_ids *ids);
/*
 * Hand everything over and wait for it to be written, as long as the
 * writer makes progress (what it cannot write within seconds is counted
 * as dropped), then close.
 */
void fw_out_close(struct fw_out *out);
/* Readable when a write failed (poll it, then fw_out_flush() says which error); -1 before start. */
int fw_out_notify_fd(const struct fw_out *out);
/*
 * SIGHUP: write out what is buffered, then open the -o file again by its
 * name, appending (log rotation); a record sink reconnects.  On failure
 * the old file is kept and a warning says why.  Does nothing for standard
 * output.  0 or -errno.
 */
int fw_out_reopen(struct fw_out *out, const struct fw_opts *o);
/* Read the clock once and prepare both time strings. */
void fw_out_stamp(struct fw_out *out);
/* Prepare the time strings for a given time. */
void fw_out_stamp_at(struct fw_out *out, const struct timespec *ts);
void fw_out_record(struct fw_out *out, const struct fw_record *rec);
/*
 * Hand the buffer to the writer (or drop and count its records if the
 * queue is full); -errno once a write failed (remembered in out->error).
 */
int fw_out_flush(struct fw_out *out);
/* fw_out_reserve() when the buffer is full (outbuf.c): grow it (a record is never split). */
char *fw_out_reserve_slow(struct fw_out *out, size_t n);

/*
 * Make room for n more bytes, flushing if needed; returns the write
 * position.  Inline: every record makes a dozen of these calls.
 */
static inline char *fw_out_reserve(struct fw_out *out, size_t n)
{
	if (__builtin_expect(out->len + n <= out->cap, 1))
		return out->buf + out->len;
	return fw_out_reserve_slow(out, n);
}

static inline void fw_out_put(struct fw_out *out, const char *s, size_t n)
{
	memcpy(fw_out_reserve(out, n), s, n);
	out->len += n;
}

/*
 * A code point text output and messages escape (unisafe.c, generated from
 * the Unicode data: C1 controls, format characters, line and paragraph
 * separators, spaces other than U+0020, bidi controls, default-ignorables).
 */
bool fw_unicode_unsafe(uint32_t cp);

/* numbers, UTF-8 and words shared by the formats and messages (fmt.c) */
size_t fw_fmt_u64(char *dst, uint64_t v);
size_t fw_fmt_i64(char *dst, int64_t v);
/* Length of a valid UTF-8 sequence at s (1..4), 0 if invalid. */
size_t fw_utf8_seq(const unsigned char *s, size_t n, uint32_t *cp);

void fw_text_record(struct fw_out *out, const struct fw_record *rec);
void fw_json_record(struct fw_out *out, const struct fw_record *rec);
/* Text: a path as written in text mode (raw or quoted with escapes). */
void fw_text_path(struct fw_out *out, const char *s, size_t len);
/* The quoting rule (quote.c): does s need quotes? */
bool fw_text_needs_quotes(const unsigned char *s, size_t len);
/* s quoted with escapes into dst (room for 4 * len + 2); returns the bytes written. */
size_t fw_text_quote_into(char *dst, const unsigned char *s, size_t len);
/* "\xHH" for c at p; returns the end. */
char *fw_text_hex(char *p, unsigned char c);
/* Text: a path as quoted text, as a malloc'd string ("?" for NULL; NULL if out of memory). */
char *fw_text_quote(const char *s);
/*
 * A message line: control characters, invalid UTF-8 and line-breaking or
 * reordering code points escaped as in quoted text; dst holds 4 * len.
 */
size_t fw_text_escape_line(char *dst, const char *s, size_t len);
/* "verified", "recorded", "unverified" or "unknown": how p was identified. */
const char *fw_attribution(const struct fan_process *p);
/* JSON: a string value (or null) plus, if bytes had to be replaced, ,"<key>_raw":"base64". */
void fw_json_bytes(struct fw_out *out, const char *key, const char *s, size_t len);
/* Free what the JSON writer keeps between records. */
void fw_json_free(struct fw_out *out);

/* ---- record sinks: journald, syslog (output_sink.c, output_journal.c, output_syslog.c) ---- */

/*
 * A record sink formats each record as one frame in the output buffer and
 * delivers the frames when the buffer is written out (fw_out_flush), so
 * formatting happens where records are made and delivery wherever the
 * buffer goes; a frame is never split across two deliveries.  A frame is
 * a native-endian uint32_t length, then the sink's bytes.
 */
struct fw_sink {
	const char *option;		/* "--journal": for messages */
	void (*record)(struct fw_out *out, const struct fw_record *rec);
	/* Deliver every frame of buf (whole frames). */
	void (*deliver)(struct fw_sink *s, const char *buf, size_t len);
	void (*reopen)(struct fw_sink *s);	/* SIGHUP; may be NULL */
	void (*close)(struct fw_sink *s);	/* frees s */
	uint64_t sent, lost;		/* entries delivered; entries that could not be */
	int error;			/* the last delivery error, -errno; 0 once one works again */
};

/* The journal sink; exits with a message when journald cannot be reached. */
struct fw_sink *fw_journal_open(const struct fw_opts *o);
/* Built with libsystemd (else fw_journal_open() exits naming the build option). */
bool fw_journal_available(void);
struct fw_sink *fw_syslog_open(const struct fw_opts *o);
/* "daemon", "local0", ...: the syslog facility (LOG_*), -1 if unknown. */
int fw_syslog_facility(const char *name);

/*
 * For sinks: the record as a text line without its time (or, with json,
 * the JSON object), no newline.  Valid until the next call.
 */
const char *fw_sink_line(const struct fw_out *out, const struct fw_record *rec, bool json,
			 size_t *len);
/* Reserve a frame of n bytes (after its length) in out; returns where they go. */
char *fw_sink_frame(struct fw_out *out, size_t n);
/* Walk the frames of buf: fn(s, frame, len) for each. */
void fw_sink_frames(struct fw_sink *s, const char *buf, size_t len,
		    void (*fn)(struct fw_sink *s, const char *frame, size_t len));
/* Count a delivery; say so on stderr when deliveries start or stop failing. */
void fw_sink_result(struct fw_sink *s, int err);
/* The summary of the sink's losses, if any, on stderr; then free s. */
void fw_sink_close_common(struct fw_sink *s);

/* ---- options files (optfile.c) ---- */

/*
 * Read an options file: for each option line, fn(ctx, where, name, value)
 * with where "FILE:LINE", name without leading dashes ("json", or "o" for
 * a short option) and value NULL when the line has none.  Syntax errors
 * exit 2 naming the file and line.  Returns the buffer the names and values
 * point into (the caller frees it).
 */
typedef void (*fw_optfile_fn)(void *ctx, const char *where, const char *name, char *value,
			      bool is_short);
char *fw_optfile_read(const char *path, fw_optfile_fn fn, void *ctx);

/* ---- --timefmt (timefmt.c, i15) ---- */
struct fw_timefmt;
/* A strftime(3) format plus %N/%1N..%9N; NULL with *why set if unusable. */
struct fw_timefmt *fw_timefmt_new(const char *fmt, bool utc, const char **why);
void fw_timefmt_free(struct fw_timefmt *t);
/* The time ts as t says, into dst (FW_TIME_MAX bytes); its length. */
size_t fw_timefmt_put(struct fw_timefmt *t, const struct timespec *ts, char *dst);

/* ---- --format, --csv, -0 (output_format.c, output_csv.c, i15) ---- */
struct fw_format;
enum fw_format_kind { FW_FORMAT_LINE, FW_FORMAT_CSV };
/*
 * Compile a --format FMT (kind LINE), or the columns of --csv (FMT: NULL
 * for the default columns, or placeholders separated by commas).  Exits 2
 * with one line naming the problem.
 */
struct fw_format *fw_format_new(enum fw_format_kind kind, const char *fmt, bool raw,
				const char *term, size_t term_len);
void fw_format_free(struct fw_format *f);
/* The format shows the device or the inode number (they are looked up only then). */
bool fw_format_wants_inode(const struct fw_format *f);
/* One record as the format (--format, -0) says. */
void fw_format_record(struct fw_out *out, const struct fw_record *rec);
/* CSV (output_csv.c): the header line, one record, the header unless appending. */
void fw_csv_header(struct fw_out *out, const struct fw_format *f);
void fw_csv_record(struct fw_out *out, const struct fw_record *rec);
void fw_csv_begin(struct fw_out *out);

/* ---- --count (count.c) ---- */
struct fw_count;
struct fw_count *fw_count_new(void);
void fw_count_add(struct fw_count *c, const struct fw_record *rec);
void fw_count_report(struct fw_count *c, struct fw_out *out, unsigned int top);
void fw_count_free(struct fw_count *c);
/* --interval (i15): count per watched event too, for the columns of the view. */
void fw_count_columns(struct fw_count *c, uint64_t events);
/* Every count back to zero: the next interval. */
void fw_count_reset(struct fw_count *c);
/* What one table of the view shows. */
struct fw_view {
	const char *start, *end;	/* text: the interval's first and last time */
	const char *start_json;		/* JSON: its start, RFC 3339 */
	double seconds;
	size_t rows;			/* paths and processes shown */
	int sort;			/* fw_event_names index; -1: total */
	bool tty;			/* refresh in place */
};
/* The table of the interval counted so far (text, or one JSON object). */
void fw_count_view(struct fw_count *c, struct fw_out *out, const struct fw_view *v);

bool fw_globs_match(const struct fw_strv *globs, const char *path, size_t len);

/* ---- path patterns: globs, regexes, case, files (patterns.c, i15) ---- */
struct fw_patterns;
struct fw_patterns *fw_patterns_new(void);
void fw_patterns_free(struct fw_patterns *p);
/* One pattern (a glob, or a regex); exits 2 naming where (an option) if it is bad. */
void fw_patterns_add(struct fw_patterns *p, bool include, bool regex, bool icase,
		     const char *src, const char *where);
/* --include-from/--exclude-from FILE ("-": standard input); exits 2 if unreadable or bad. */
void fw_patterns_read(struct fw_patterns *p, bool include, bool icase, const char *opt,
		      const char *file);
bool fw_patterns_has_exclude(const struct fw_patterns *p);
bool fw_patterns_has_include(const struct fw_patterns *p);

/*
 * path[0..len) (NUL-terminated; NULL: unknown) passes: matches an include
 * pattern or there is none, and is not excluded.  rootlen: the length of
 * the watched PATH it lies under (0 if none): directories above the path
 * count only below it.
 */
bool fw_patterns_pass(struct fw_patterns *p, const char *path, size_t len, size_t rootlen);
/* Excluded: the path, or a directory above it and below rootlen, matches an exclude pattern. */
bool fw_patterns_excluded(struct fw_patterns *p, const char *path, size_t len, size_t rootlen);

/* ---- --deny rules and the scope check of permission mode (rules.c) ---- */
enum { FW_VERDICT_ALLOW, FW_VERDICT_DENY, FW_VERDICT_UNDECIDABLE };
struct fw_rules;
/* Check every --deny rule against the watched paths (exit 2 if one can never match). */
struct fw_rules *fw_rules_new(const struct fw_opts *o);
void fw_rules_free(struct fw_rules *rs);
/* A rule with '/' is there (the whole path matters, not only the name). */
bool fw_rules_any_path(const struct fw_rules *rs);
/*
 * The verdict for a file: path[0..len) is its whole path if whole, name
 * its last component (NULL if unknown).  FW_VERDICT_UNDECIDABLE when a rule
 * cannot be decided with what is known and none denies.
 */
int fw_rules_decide(const struct fw_rules *rs, const char *path, size_t len, bool whole,
		    const char *name);
/* A rule with '/': glob matches path or a directory above it. */
bool fw_rules_path_match(const char *glob, const char *path, size_t len);
/* Refuse (exit 2) --deny on a scope that holds the system's own files, unless allowed. */
void fw_rules_check_scope(const struct fw_opts *o);

/* ---- verdict cache of permission mode (verdict.c) ---- */
struct fw_vcache;
/* What identifies a file's name-based verdict: mount, inode, ctime. */
struct fw_vkey {
	uint64_t ino, mnt_id;
	int64_t sec;
	uint32_t nsec;
};
struct fw_vcache *fw_vcache_new(void);
void fw_vcache_free(struct fw_vcache *c);
/* One statx() of fd; false when its verdict must not be cached (see verdict.c). */
bool fw_vcache_key(struct fw_vcache *c, int fd, struct fw_vkey *k);
/* The cached verdict: 1 deny, 0 allow, -1 none. */
int fw_vcache_get(struct fw_vcache *c, const struct fw_vkey *k);
void fw_vcache_put(struct fw_vcache *c, const struct fw_vkey *k, bool deny);

/* ---- process tree for -- COMMAND (proctree.c) ---- */
struct fw_proctree;
/* Open the proc connector (may fail: then the /proc fallback is used). */
struct fw_proctree *fw_proctree_new(void);
void fw_proctree_set_root(struct fw_proctree *t, pid_t root);
int fw_proctree_fd(const struct fw_proctree *t);	/* -1 without connector */
/* Read every queued fork notification. */
void fw_proctree_drain(struct fw_proctree *t);
bool fw_proctree_contains(struct fw_proctree *t, pid_t pid);
void fw_proctree_free(struct fw_proctree *t);

/* ---- capabilities (caps.c) ---- */
bool fw_have_cap(int cap);
/* The identity a root fanwatch drops to (caps.c). */
struct fw_ids {
	uid_t uid;
	gid_t gid;
	bool change;		/* running as root: leave uid 0 */
};
/* "nobody" and its group; change only when running as root.  Main thread, before threads. */
void fw_ids_nobody(struct fw_ids *ids);
/*
 * This thread keeps only the capabilities in keep (a mask of 1 << CAP_*),
 * in its permitted, effective and bounding sets, and, if to->change,
 * becomes to->uid/gid with no supplementary groups; 0 or -errno.
 */
int fw_caps_limit(uint64_t keep, const struct fw_ids *to);

#endif
