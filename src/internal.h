/* SPDX-License-Identifier: MIT */
/* Private declarations shared by libfanotify's layers. */
#ifndef LIBFANOTIFY_INTERNAL_H
#define LIBFANOTIFY_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#include "fanotify/fanotify.h"

#define LF_EXPORT __attribute__((visibility("default")))

#define LF_PERM_EVENTS \
	(FAN_OPEN_PERM | FAN_ACCESS_PERM | FAN_OPEN_EXEC_PERM | FAN_PRE_ACCESS)
#define LF_FID_FLAGS (FAN_REPORT_FID | FAN_REPORT_DIR_FID)

/* ---- byte layout of what read() returns (uapi, verified on 6.18) ---- */
enum {
	MD_EVENT_LEN = 0,	/* u32 */
	MD_VERS = 4,		/* u8 */
	MD_RESERVED = 5,	/* u8: libfanotify keeps its per-event state here */
	MD_METADATA_LEN = 6,	/* u16 */
	MD_MASK = 8,		/* u64 */
	MD_FD = 16,		/* s32 */
	MD_PID = 20,		/* s32 */
	MD_SIZE = 24,

	INFO_TYPE = 0,		/* u8 */
	INFO_PAD = 1,		/* u8: libfanotify state (pidfd taken) */
	INFO_LEN = 2,		/* u16 */
	INFO_HDR = 4,

	FID_FSID = 4,		/* 2 x s32 */
	FID_HANDLE = 12,	/* struct file_handle */
	FID_HANDLE_BYTES = 12,	/* u32 */
	FID_HANDLE_TYPE = 16,	/* s32 */
	FID_HANDLE_DATA = 20,
	FID_MIN = 20,

	PIDFD_FD = 4, PIDFD_MIN = 8,
	ERROR_ERROR = 4, ERROR_COUNT = 8, ERROR_MIN = 12,
	RANGE_OFFSET = 8, RANGE_COUNT = 16, RANGE_MIN = 24,
	MNT_ID = 4, MNT_MIN = 12,
};

/* Per-event state bits in the metadata's reserved byte (the kernel writes 0). */
enum {
	ST_ANSWERED = 0x01,
	ST_FD_TAKEN = 0x02,
	ST_HIDDEN = 0x04,
	ST_DEFERRED = 0x08,
};
/* State bit in a PIDFD record's pad byte. */
enum { ST_PIDFD_TAKEN = 0x01 };

static inline uint8_t rd8(const void *p, size_t off)
{
	return ((const unsigned char *)p)[off];
}
static inline uint16_t rd16(const void *p, size_t off)
{
	uint16_t v;
	memcpy(&v, (const unsigned char *)p + off, sizeof(v));
	return v;
}
static inline uint32_t rd32(const void *p, size_t off)
{
	uint32_t v;
	memcpy(&v, (const unsigned char *)p + off, sizeof(v));
	return v;
}
static inline uint64_t rd64(const void *p, size_t off)
{
	uint64_t v;
	memcpy(&v, (const unsigned char *)p + off, sizeof(v));
	return v;
}
static inline void wr8(void *p, size_t off, uint8_t v)
{
	((unsigned char *)p)[off] = v;
}

/*
 * An options struct (first field its size) from a caller built against
 * any version of the header: at least the size field, and whatever lies
 * beyond the fields this library knows must be zero.  NULL is fine.
 */
static inline bool opts_valid(const void *opts, size_t known)
{
	size_t sz, i;

	if (!opts)
		return true;
	memcpy(&sz, opts, sizeof(sz));
	if (sz < sizeof(size_t))
		return false;
	for (i = known; i < sz; i++)
		if (((const unsigned char *)opts)[i])
			return false;
	return true;
}

/*
 * Both directions of a size-versioned struct (as libbpf's OPTS_GET):
 * LF_OPTS_IN(o, opts) copies into our o, whose sz is set, the fields the
 * caller's opts holds (opts_valid() checked it; NULL: none; o.sz becomes
 * the caller's).  LF_OPTS_OUT(st, ours) copies our struct's fields into
 * the caller's st, as many as its st->sz holds (at least the size field:
 * checked), st->sz untouched.
 */
static inline void lf_opts_in(void *ours, size_t size, const void *opts)
{
	size_t sz;

	if (!opts)
		return;
	memcpy(&sz, opts, sizeof(sz));
	memcpy(ours, opts, sz < size ? sz : size);
}
static inline void lf_opts_out(void *st, const void *ours, size_t size)
{
	size_t sz;

	memcpy(&sz, st, sizeof(sz));
	if (sz > size)
		sz = size;
	memcpy((char *)st + sizeof(size_t), (const char *)ours + sizeof(size_t),
	       sz - sizeof(size_t));
}
#define LF_OPTS_IN(o, opts) lf_opts_in(&(o), sizeof(o), (opts))
#define LF_OPTS_OUT(st, ours) lf_opts_out((st), &(ours), sizeof(ours))

static inline bool info_is_fid(unsigned int type)
{
	return type == FAN_EVENT_INFO_TYPE_FID || type == FAN_EVENT_INFO_TYPE_DFID ||
	       type == FAN_EVENT_INFO_TYPE_DFID_NAME ||
	       type == FAN_EVENT_INFO_TYPE_OLD_DFID_NAME ||
	       type == FAN_EVENT_INFO_TYPE_NEW_DFID_NAME;
}
static inline bool info_has_name(unsigned int type)
{
	return type == FAN_EVENT_INFO_TYPE_DFID_NAME ||
	       type == FAN_EVENT_INFO_TYPE_OLD_DFID_NAME ||
	       type == FAN_EVENT_INFO_TYPE_NEW_DFID_NAME;
}

/*
 * Every function shared between the library's files is named lf_*: a
 * program linking the static library may define any other name.
 */

/* ---- syscall layer (sys.c): -errno returns, nothing else ---- */
int lf_sys_fanotify_init(unsigned int flags, unsigned int event_f_flags);
int lf_sys_fanotify_mark(int fd, unsigned int flags, uint64_t mask, int dirfd,
		      const char *path);
ssize_t lf_sys_read(int fd, void *buf, size_t len);
int lf_sys_write_exact(int fd, const void *buf, size_t len);
void lf_sys_close(int fd);
void lf_sys_close_range(int lo, int hi);
int lf_sys_open_by_handle_at(int mount_fd, const void *handle, int flags);
int lf_sys_name_to_handle_at(int dirfd, const char *path, void *handle, int *mnt_id,
			  int flags);
int lf_sys_pidfd_send_signal(int pidfd, int sig);
ssize_t lf_sys_readlink_fd(int fd, char *buf, size_t size);
/* The same through fd_dir, an open /proc/thread-self/fd (-1: by its path). */
ssize_t lf_sys_readlink_fd_at(int fd_dir, int fd, char *buf, size_t size);
/* Write one permission response (and its audit rule, if any) to group fd gfd. */
int lf_sys_respond(int gfd, int fd, uint32_t response, const struct fan_audit_rule *rule);

/* ---- groups, marks and the filesystems they touch ---- */
/*
 * A way into a filesystem for open_by_handle_at(): a mount's root, by path
 * and unique mount id.  The descriptor is opened when first needed in a
 * batch and closed when the batch ends, so a watched filesystem can be
 * unmounted.
 */
struct fan_root {
	char *path;		/* absolute path of the mount's root; NULL: fd is kept */
	uint64_t mnt_id;	/* statx mount id of that root */
	long old_id;		/* its id in mountinfo and name_to_handle_at(); -1 unknown */
	int fd;			/* -1 when closed */
	struct fan_fsid fsid;	/* its filesystem's: mount ids are reused before Linux 6.8 */
};

/*
 * A filesystem events may name.  Events tell filesystems apart by fsid
 * alone, so two of them with one fsid (an image and its copy) cannot both
 * be recorded: dev says which one this is.
 */
struct fan_mount {
	struct fan_fsid fsid;
	dev_t dev;
	struct fan_root at;	/* the mount it was first marked through */
	/*
	 * When that mount shows only a directory of the filesystem (a bind
	 * mount of it: subtree), objects outside that directory have no path
	 * through it; whole is a mount of the whole filesystem if one was
	 * found (path NULL and fd -1 if not).
	 */
	bool subtree;
	struct fan_root whole;
	uint64_t fs_mask;	/* events of its FILESYSTEM marks added through the library */
};

/* The identity fanotify reports for an object: its filesystem and handle. */
struct obj_handle {
	struct fan_fsid fsid;
	int32_t type;
	uint32_t bytes;
	unsigned char data[128];
};

/* A marked file or directory: its handle and its absolute path at mark time. */
struct fan_markrec {
	struct obj_handle h;
	char *path;
	uint64_t seq;		/* order of recording, never reused (records can be forgotten) */
};

/*
 * Deadlines of deferred permission events (deadline.c): a heap of the
 * pending ones by due time, and the thread that answers them when due,
 * started on first use.  Lives as long as the group's memory (refs).
 */
struct lf_timer {
	pthread_mutex_t lock;
	pthread_cond_t wake;	/* the thread: an earlier deadline, or stop */
	pthread_cond_t done;	/* a deadline answer the thread claimed is written */
	pthread_t thread;
	pid_t owner;		/* the process that started it: a fork() has no such thread */
	bool started, stop;
	struct fan_perm **heap;	/* min-heap by due time */
	size_t n, cap;
};

struct fan_group {
	int fd;
	unsigned int init_flags;
	unsigned int event_f_flags;
	uint32_t default_response;
	unsigned int flags;
	pid_t self;

	/*
	 * The group's own buffer is two halves of own_size bytes (own_stride
	 * apart), used in turn by batches: an event kept from the previous
	 * batch lies outside the current one, so calls refuse it.
	 */
	unsigned char *own_buf;
	size_t own_size, own_stride;
	unsigned int own_half;	/* the half the next batch goes to */
	unsigned char *batch;	/* current batch: its valid prefix */
	size_t batch_len;
	/* a bit per byte offset of the batch: an event starts there (batch.c) */
	unsigned char *starts;
	size_t starts_size;
	uint64_t batch_seq;	/* bumped by every read */
	/*
	 * When the queue was last seen empty (CLOCK_MONOTONIC ns, taken before
	 * the read or ioctl that saw it; 0: never), and for the current batch
	 * the value it had before the read plus the time the read returned:
	 * every event of the batch happened between the two (batch.c).
	 */
	uint64_t empty_ns;
	uint64_t win_after_ns, win_read_ns;
	size_t fd_limit;	/* RLIMIT_NOFILE soft limit, re-read every FD_LIMIT_EVERY reads */

	struct fan_group_stats stats;
	uint64_t reader_answers;	/* fan_event_respond()'s, reader thread only */

	/* deadlines of deferred permission events (0 ms: none by default) */
	unsigned int deadline_ms;
	uint32_t deadline_response;
	struct lf_timer timer;

	/*
	 * Deferred permission events.  Answering takes life for reading (many
	 * workers write responses at once), shutdown takes it for writing;
	 * list_lock guards the list itself.
	 */
	pthread_rwlock_t life;
	pthread_mutex_t list_lock;
	struct fan_perm *perms;
	int refs;		/* atomic: user + one per deferred perm */
	bool closed;		/* fan_group_free() ran; under life */

	/* filesystems and directory marks recorded by marks.c (reader thread) */
	struct fan_mount *mounts;
	size_t nmounts;
	struct fan_markrec *markrecs;	/* by seq */
	size_t nmarkrecs;
	uint64_t markrec_seq;	/* seq of the next record */
	struct pathmap *markrec_index;	/* handle -> seq (8 bytes): is an object recorded? */
	uint64_t markrec_gen;	/* bumped when a record is added */
	uint64_t markrec_epoch;	/* bumped when markrecs is emptied */
	bool renames_ignored;	/* an ignore mask holds rename events: some may go unseen */

	struct fan_subtree *subtree;	/* its tracker (subtree.c): names tracked directories */
};

void lf_group_unref(struct fan_group *g);
uint32_t lf_group_default(const struct fan_group *g);

/* batch.c */
void lf_batch_release(struct fan_group *g);
/*
 * Is ev an event of g's current batch: within its bounds, where an event
 * starts?  Inline: it guards every call that acts on an event.
 */
static inline bool lf_batch_owns(const struct fan_group *g, const struct fan_event *ev)
{
	size_t off = (size_t)((uintptr_t)ev - (uintptr_t)g->batch);

	/* unsigned: an ev before the batch wraps around past batch_len */
	return off < g->batch_len && (g->starts[off >> 3] >> (off & 7) & 1);
}
void lf_event_finish(struct fan_group *g, struct fan_event *ev);
uint64_t lf_now_ns(void);	/* CLOCK_MONOTONIC */
/*
 * The interval ev happened in (after, read], if ev is an event of the
 * group's current batch and the queue had been seen empty before it was
 * read; false otherwise.
 */
bool lf_batch_window(const struct fan_group *g, const struct fan_event *ev, uint64_t *after,
		     uint64_t *read);
/* Ask the kernel whether the queue is empty now (FIONREAD); note it if so. */
void lf_group_note_empty(struct fan_group *g);

/* respond.c */
void lf_perms_shutdown(struct fan_group *g);

/* marks.c */
void lf_marks_free(struct fan_group *g);
/* Close the mount descriptors opened during the batch (keep the kept ones). */
void lf_mounts_release(struct fan_group *g);
/* The filesystem recorded for fsid, or NULL. */
struct fan_mount *lf_mount_find(const struct fan_group *g, const struct fan_fsid *fsid);
/* A descriptor on root (opened for the batch), or -errno. */
int lf_root_fd(struct fan_root *root);
/*
 * Does the group see every rename of a directory on this filesystem (a
 * FILESYSTEM mark with FAN_ONDIR and rename events, none of them ignored)?
 */
bool lf_fs_renames_seen(const struct fan_group *g, const struct fan_fsid *fsid);
/* The record with this key has no mark any more (its object was deleted). */
void lf_markrec_forget(struct fan_group *g, const void *key, size_t klen);
/* Index of the first record of seq >= seq. */
size_t lf_markrec_from(const struct fan_group *g, uint64_t seq);
bool lf_fsid_equal(const struct fan_fsid *a, const struct fan_fsid *b);
/* The handle fanotify reports for the object fd refers to (O_PATH is fine). */
int lf_object_handle(int fd, struct obj_handle *h);
/* A map key for a handle: fsid, type, bytes (at most LF_KEY_MAX); 0 if too long. */
#define LF_KEY_MAX (8 + 4 + 128)
size_t lf_handle_key(unsigned char *key, const struct fan_fsid *fsid, int32_t type,
		     const void *data, size_t bytes);

/* subtree.c: a tracked directory's path as of the event handled (0), else -ENOENT */
struct sbuf;
int lf_subtree_dir_path(struct fan_subtree *t, const void *key, size_t klen, struct sbuf *out);

/* parse.c: one event checked whole (metadata and every record) within room bytes */
bool lf_parse_event_ok(const void *event, size_t room);
/* parse.c: records of an event, for the layers above */
const unsigned char *lf_event_find_pidfd_rec(const struct fan_event *ev);

#endif
