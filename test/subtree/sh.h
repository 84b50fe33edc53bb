/* SPDX-License-Identifier: MIT */
/*
 * Helpers for the subtree tests: a FID group with a tracker and a resolver
 * on a private filesystem; every event read is handed to the tracker, then
 * judged in scope or not and resolved, as a program would; what the
 * tracker reports as found or unwatched is kept too, in order.  Tests then
 * ask for the exact set of paths of one kind of record.
 */
#ifndef SH_H
#define SH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <fanotify/fanotify.h>

/* A record: an event in scope (resolved), or an entry the tracker reported. */
struct sh_rec {
	uint64_t mask;		/* the event's; FAN_CREATE for a found entry */
	char *path, *new_path;	/* NULL if unknown */
	unsigned int pflags;	/* LIBFANOTIFY_PATH_* of path */
	unsigned int sflags;	/* LIBFANOTIFY_SUBTREE_* for a tracker report, else 0 */
	int error;
	int root;
	pid_t pid;		/* the event's; 0 for a tracker report */
};

struct sh {
	char base[256];		/* the private filesystem's mount point */
	struct fan_group *g;
	struct fan_resolver *r;
	struct fan_subtree *t;
	struct sh_rec *v;
	size_t n, cap;
	uint64_t events, outside, partial;	/* read; not in scope; in scope without a whole path */
	bool look_first;	/* SH_LOOK_FIRST set: in scope and resolved before handed over */
};

/* Mount fs ("tmpfs" or "ext4") privately; a group (init flags plus NONBLOCK,
 * CLOEXEC), its resolver and a tracker with opts (found set by sh). */
void sh_init(struct sh *s, const char *fs, unsigned int init_flags, unsigned int gflags,
	     uint64_t mask, unsigned int tflags);
/* The usual group: FAN_REPORT_DFID_NAME_TARGET, LIBFANOTIFY_SKIP_SELF. */
void sh_init_default(struct sh *s, const char *fs, uint64_t mask, unsigned int tflags);
/*
 * The group's flags sh_init_default() uses: FAN_REPORT_DFID_NAME_TARGET;
 * before Linux 5.17 FAN_REPORT_DFID_NAME | FAN_REPORT_FID, and FAN_RENAME
 * in *mask becomes FAN_MOVED_FROM | FAN_MOVED_TO.
 */
unsigned int sh_default_init(uint64_t *mask);
void sh_free(struct sh *s);
/* The skip callback sh_init() gives the tracker (arg: the struct sh); NULL: none. */
extern fan_subtree_skip_fn *sh_skip;
/* The found callback sh gives its tracker (arg: the struct sh). */
void sh_found(void *arg, const struct fan_subtree_entry *e);
/* Add base/rel as a root (mkdir -p first); returns its index. */
int sh_root(struct sh *s, const char *rel);
/* Read and handle everything queued. */
void sh_drain(struct sh *s);
void sh_clear(struct sh *s);
void sh_dump(const struct sh *s);
/* base/rel into a static buffer (four in rotation). */
const char *sh_p(const struct sh *s, const char *rel);

/*
 * The paths of records with any bit of mask (0: any) and exactly these
 * subtree flags (sflags_mask bits compared), sorted, must equal the list
 * (relative to base, NULL-terminated).  Fails the test with a dump.
 */
void sh_expect_set(const struct sh *s, uint64_t mask, unsigned int sflags_mask,
		   unsigned int sflags, const char *const *rels);
/* Is there a record with mask's bits and this path (relative to base)? */
bool sh_has(const struct sh *s, uint64_t mask, const char *rel);
/* How many records have any bit of mask and a path under base/rel (or rel itself)? */
size_t sh_count_under(const struct sh *s, uint64_t mask, const char *rel);

/* Inode marks of a group (its /proc/self/fdinfo lines); is path's inode marked? */
size_t sh_marks(const struct fan_group *g);
bool sh_marked(const struct fan_group *g, const char *path);

/* A shell command (sh -c), failing the test on a non-zero status. */
void sh_run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The same as uid (and gid) uid, with no capability. */
void sh_run_as(unsigned int uid, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Give up one capability (effective, permitted, inheritable). */
void sh_drop_cap(int cap);

#endif
