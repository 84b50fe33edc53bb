/* SPDX-License-Identifier: MIT */
/*
 * libfanotify: the Linux fanotify API in C.
 *
 * Layers, each usable on its own:
 *   groups and marks     fan_group_*            (own the fanotify fd)
 *   batches of events    fan_group_read(), fan_for_each_event()
 *   pure parsing         fan_buffer_*, fan_event_*, fan_info_* (no syscalls)
 *   permission answers   fan_event_respond(), fan_event_defer(), fan_perm_*
 *   resolution           fan_resolver_*, fan_resolve_* (paths, processes)
 *   runtime probes       fan_probe_*, names      fan_event_name() ...
 *
 * Conventions: calls that can fail return int, >= 0 on success and -errno
 * on failure.  Kernel errors pass through unchanged; errors of the library's
 * own are -EINVAL (misuse, including an event that is not of the group's
 * current batch), -ENOMEM, -EBADMSG (malformed event buffer), -EALREADY
 * (answered twice, or a deadline answered first), -ECANCELED (group
 * already freed), -EBADF (a descriptor to take that is not there, or a
 * negative descriptor argument), -ENOENT (nothing known: no recorded
 * mount, no path), -EXDEV (a filesystem whose events could not be told
 * from another's) and -ETIMEDOUT (fan_group_wait_read(): no event in
 * time).  The library never prints and never aborts.
 *
 * Kernel flags (FAN_*) are the kernel's own, taken from <linux/fanotify.h>
 * with the newer ones supplied by <fanotify/compat.h>.
 */
#ifndef LIBFANOTIFY_FANOTIFY_H
#define LIBFANOTIFY_FANOTIFY_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <fanotify/compat.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------
 * Version
 * ------------------------------------------------------------------------ */

#define LIBFANOTIFY_VERSION_MAJOR 1
#define LIBFANOTIFY_VERSION_MINOR 1
#define LIBFANOTIFY_VERSION_MICRO 0
#define LIBFANOTIFY_VERSION "1.1.0"

/* True when the headers are at least version major.minor.micro. */
#define LIBFANOTIFY_CHECK_VERSION(major, minor, micro)                      \
	(LIBFANOTIFY_VERSION_MAJOR > (major) ||                             \
	 (LIBFANOTIFY_VERSION_MAJOR == (major) &&                           \
	  (LIBFANOTIFY_VERSION_MINOR > (minor) ||                           \
	   (LIBFANOTIFY_VERSION_MINOR == (minor) &&                         \
	    LIBFANOTIFY_VERSION_MICRO >= (micro)))))

/* Version of the library linked at run time. */
unsigned int fan_version_major(void);
unsigned int fan_version_minor(void);
unsigned int fan_version_micro(void);
const char *fan_version(void);

/*
 * Options structs whose first field is their size, so fields can be added
 * without new symbols.  Use: LIBFANOTIFY_OPTS(fan_group_opts, o, .buf_size = 1 << 20);
 */
#define LIBFANOTIFY_OPTS(TYPE, NAME, ...)                                   \
	struct TYPE NAME = { .sz = sizeof(struct TYPE), __VA_ARGS__ }

/* ------------------------------------------------------------------------
 * Groups
 * ------------------------------------------------------------------------ */

struct fan_group;

/* fan_group_opts.flags */
#define LIBFANOTIFY_ANSWER_SELF	0x1u	/* allow our own permission events at read time */
/* hide events of this process (implies ANSWER_SELF), except DELETE_SELF and FS_ERROR */
#define LIBFANOTIFY_SKIP_SELF	0x2u

#define LIBFANOTIFY_DEFAULT_BUF_SIZE	(256u * 1024u)
#define LIBFANOTIFY_MIN_BUF_SIZE	4096u

struct fan_group_opts {
	size_t sz;			/* sizeof(struct fan_group_opts) */
	unsigned int init_flags;	/* fanotify_init() flags */
	unsigned int event_f_flags;	/* fanotify_init() event_f_flags */
	size_t buf_size;		/* read buffer, >= LIBFANOTIFY_MIN_BUF_SIZE; 0: LIBFANOTIFY_DEFAULT_BUF_SIZE */
	uint32_t default_response;	/* verdict for unanswered permission events: FAN_ALLOW
					   or FAN_DENY; 0: FAN_ALLOW */
	unsigned int flags;		/* LIBFANOTIFY_ANSWER_SELF, LIBFANOTIFY_SKIP_SELF */
	/* since 1.1.0: */
	unsigned int perm_deadline_ms;	/* deferred permission events still unanswered this
					   long after fan_event_defer() get perm_deadline_response
					   (see fan_perm_set_deadline()); 0: no deadline */
	uint32_t perm_deadline_response; /* FAN_ALLOW, FAN_DENY (| FAN_AUDIT), FAN_DENY_ERRNO(e);
					   0: FAN_ALLOW */
};

/*
 * Create a group: fanotify_init(init_flags, event_f_flags) with default
 * options.  On success *ret is set and 0 returned; on failure -errno
 * (kernel errors unchanged: -EINVAL for flags the kernel does not know,
 * -EPERM without CAP_SYS_ADMIN, -EMFILE past max_user_groups).
 */
int fan_group_new(unsigned int init_flags, unsigned int event_f_flags,
		  struct fan_group **ret);

/* Create a group from options (init flags, buffer size, default verdict). */
int fan_group_new_opts(const struct fan_group_opts *opts, struct fan_group **ret);

/*
 * Adopt an existing fanotify descriptor.  The group owns fd from then on
 * (closes it in fan_group_free()), also on failure.  Its init flags are
 * read from /proc/self/fdinfo (as the kernel shows them, O_LARGEFILE
 * included); opts->init_flags is used where fdinfo is unreadable.
 * -EINVAL if fd is not a fanotify group, -EBADF if it is no descriptor.
 */
int fan_group_adopt(int fd, const struct fan_group_opts *opts, struct fan_group **ret);

/*
 * Free a group: answer every pending permission event (of the current
 * batch and every deferred one) with the default verdict, close every
 * descriptor the caller did not take, close the group.  NULL is a no-op.
 * Deferred permission handles stay valid to free, their answers then
 * return -ECANCELED.
 */
void fan_group_free(struct fan_group *g);

/*
 * The group's fanotify descriptor, for the caller's own poll/epoll loop.
 *
 * Threads: a group is read, marked and resolved from one thread at a time
 * (in groups reporting file handles, marks record what the resolver
 * reads); permission answers (fan_group_respond_fd(), fan_perm_*) may come
 * from any thread, and so may the path of a deferred event (fan_perm_path()).
 */
int fan_group_fd(const struct fan_group *g);
unsigned int fan_group_init_flags(const struct fan_group *g);
unsigned int fan_group_event_f_flags(const struct fan_group *g);

struct fan_group_stats {
	size_t sz;
	uint64_t batches;		/* successful reads */
	uint64_t events;		/* events read, overflow events included */
	uint64_t overflows;		/* FAN_Q_OVERFLOW events */
	uint64_t default_answers;	/* permission events answered by the library's default */
	uint64_t self_answers;		/* own permission events answered at read time */
	uint64_t answer_errors;		/* responses the kernel refused */
	uint64_t malformed;		/* batches that failed validation */
	/* since 1.1.0: */
	uint64_t caller_answers;	/* answers of the caller the kernel accepted
					   (fan_event_respond(), fan_perm_respond()) */
	uint64_t deadline_answers;	/* deferred events answered by their deadline */
};

/* Copy counters into *st (st->sz set by the caller).  -EINVAL on bad args. */
int fan_group_get_stats(const struct fan_group *g, struct fan_group_stats *st);

/* ------------------------------------------------------------------------
 * Marks
 * ------------------------------------------------------------------------ */

/*
 * fanotify_mark() on the group: any command (FAN_MARK_ADD, _REMOVE,
 * _FLUSH), type (FAN_MARK_INODE, _MOUNT, _FILESYSTEM, _MNTNS) and modifier
 * (_DONT_FOLLOW, _ONLYDIR, _IGNORE, _IGNORED_MASK, _IGNORED_SURV_MODIFY,
 * _EVICTABLE).  dirfd and path as in fanotify_mark(2).  0 or -errno.
 *
 * In groups that report file handles (FAN_REPORT_FID, FAN_REPORT_DIR_FID)
 * a successful FAN_MARK_ADD also records the marked object's filesystem
 * (for open_by_handle_at()) and, for directories, its handle and path, so
 * the resolver can turn events into paths without extra privilege.  There
 * a mark on a filesystem with the fsid of another one recorded and still
 * mounted (an image and its copy) is refused: -EXDEV, no mark placed.
 */
int fan_group_mark(struct fan_group *g, unsigned int flags, uint64_t mask,
		   int dirfd, const char *path);

/* Add a mark on path (relative to the working directory); flags without a command. */
int fan_group_add_mark(struct fan_group *g, unsigned int flags, uint64_t mask,
		       const char *path);

/* Add a mark on the object fd refers to. */
int fan_group_add_mark_fd(struct fan_group *g, unsigned int flags, uint64_t mask, int fd);

/* Remove mask bits from a mark on path. */
int fan_group_remove_mark(struct fan_group *g, unsigned int flags, uint64_t mask,
			  const char *path);

/* Remove mask bits from a mark on the object fd refers to (-EBADF if fd < 0). */
int fan_group_remove_mark_fd(struct fan_group *g, unsigned int flags, uint64_t mask, int fd);

/*
 * Remove every mark of one type: FAN_MARK_INODE, FAN_MARK_MOUNT,
 * FAN_MARK_FILESYSTEM or FAN_MARK_MNTNS.
 */
int fan_group_flush_marks(struct fan_group *g, unsigned int type);

/*
 * Mark a mount namespace (Linux 6.15, FAN_REPORT_MNT groups):
 * mask of FAN_MNT_ATTACH | FAN_MNT_DETACH.  nsfd is an open
 * /proc/PID/ns/mnt; -1 means the caller's own namespace.
 */
int fan_group_add_mntns_mark(struct fan_group *g, uint64_t mask, int nsfd);

/* A filesystem identifier as the kernel reports it (statfs f_fsid). */
struct fan_fsid {
	int32_t val[2];
};

/*
 * Record, by hand, the mount root to use with open_by_handle_at() for the
 * filesystem holding dirfd/path (AT_FDCWD and a path, or a descriptor and
 * NULL).  Marks added through the library do this themselves.  The root is
 * kept by path and mount id, not held open, so the filesystem can still be
 * unmounted.  0 if recorded or already known, -errno otherwise.
 */
int fan_group_add_mount(struct fan_group *g, int dirfd, const char *path);

/*
 * A descriptor on the recorded mount root for fsid, opened on first use and
 * closed when the current batch is finished (fan_group_release() or the
 * next read) or by fan_group_free().  Owned by the group: do not close it.
 * Call it from the thread that reads batches.  -ENOENT if none is recorded
 * or the mount is gone (unmounted, or another mount now at its path).
 * g is not const: the call opens and keeps the descriptor in the group
 * (before 1.1.0 it was declared const; the same symbol and ABI).
 */
int fan_group_mount_fd(struct fan_group *g, const struct fan_fsid *fsid);

/* ------------------------------------------------------------------------
 * Reading batches
 * ------------------------------------------------------------------------ */

/*
 * An event, as it lies in the read buffer (zero-copy, not necessarily
 * aligned: read it only through the accessors).  Valid until the next
 * read, fan_group_release() or fan_group_free().  Calls that take a group
 * and an event refuse (-EINVAL) an event that is not one of the group's
 * current batch: another group's, the previous batch's (fan_group_read()
 * alternates two buffer halves), a pointer into the middle of an event.
 */
struct fan_event;
/* An info record inside an event. */
struct fan_info;

/*
 * Finish the current batch (see below), then read one batch from the
 * kernel into the group's buffer and validate it.  Returns the number of
 * events the caller will see (0 when every event was the process's own and
 * LIBFANOTIFY_SKIP_SELF hid it), or -errno: -EAGAIN for a non-blocking
 * group with nothing queued, -EINTR, -EINVAL if the next event does not
 * fit the buffer, -EBADMSG if the buffer is malformed (the events before
 * the malformed one are still iterable and will be released normally).
 *
 * Finishing a batch answers every permission event the caller neither
 * answered nor deferred with the group's default verdict, then closes
 * every event fd and pidfd the caller did not take.
 */
int fan_group_read(struct fan_group *g);

/*
 * As fan_group_read(), into the caller's buffer (at least
 * LIBFANOTIFY_MIN_BUF_SIZE).  With the same buffer for every read, an
 * event kept from an earlier batch that lies where an event of the current
 * one starts cannot be told from it: alternate two buffers.
 */
int fan_group_read_buf(struct fan_group *g, void *buf, size_t len);

/*
 * The read loop in one call: finish the current batch, wait up to
 * timeout_ms (-1: forever, 0: not at all) for events, read them.  Returns
 * the number of events the caller will see, 0 when a signal interrupted
 * the wait or every event read was hidden, -ETIMEDOUT when none came in
 * time, or -errno as fan_group_read() (never -EAGAIN or -EINTR; a
 * malformed buffer gives its well-formed events, counted in the stats'
 * malformed).
 */
int fan_group_wait_read(struct fan_group *g, int timeout_ms);

/* Finish the current batch now (answers, closes).  Idempotent. */
void fan_group_release(struct fan_group *g);

/* Walk the current batch.  NULL at the end. */
struct fan_event *fan_group_first_event(struct fan_group *g);
struct fan_event *fan_group_next_event(struct fan_group *g, struct fan_event *ev);

#define fan_for_each_event(ev, g)                                           \
	for ((ev) = fan_group_first_event(g); (ev);                         \
	     (ev) = fan_group_next_event((g), (ev)))

/* ------------------------------------------------------------------------
 * Pure parsing: bytes in, views out; no syscalls, no descriptors touched.
 * ------------------------------------------------------------------------ */

/*
 * Validate buf[0..len) as a sequence of events and their info records.
 * Returns the number of events, or -EBADMSG; in both cases *valid_len
 * (may be NULL) is set to the length of the well-formed prefix.  -EINVAL
 * for a NULL buf with a non-zero len.
 * Malformed: a partial event, event_len shorter than the metadata or
 * longer than the buffer, metadata version other than
 * FANOTIFY_METADATA_VERSION, metadata_len out of range, an info record
 * shorter than its header or its type's fixed part or reaching past its
 * event, a file handle longer than its record, a name without its NUL.
 * Unknown record types are not malformed.
 */
int fan_buffer_validate(const void *buf, size_t len, size_t *valid_len);

/* Walk a validated buffer (as returned by fan_buffer_validate's valid prefix). */
struct fan_event *fan_buffer_first(void *buf, size_t len);
struct fan_event *fan_buffer_next(void *buf, size_t len, struct fan_event *ev);

/* Metadata fields (struct fanotify_event_metadata). */
uint32_t fan_event_len(const struct fan_event *ev);
uint8_t fan_event_version(const struct fan_event *ev);
uint16_t fan_event_metadata_len(const struct fan_event *ev);
uint64_t fan_event_mask(const struct fan_event *ev);	/* full 64 bits */
pid_t fan_event_pid(const struct fan_event *ev);	/* tid with FAN_REPORT_TID; 0 if hidden */

/*
 * The event's fd as the kernel wrote it: >= 0 a descriptor (borrowed,
 * closed when the batch is finished unless taken), FAN_NOFD (FID groups,
 * overflow), or -errno with FAN_REPORT_FD_ERROR (FID groups then show
 * -EBADF, and an -EPERM cannot be told from FAN_NOFD).
 *
 * The accessors take events from a batch or a validated buffer; they do
 * not check for NULL (fan_event_take_fd/take_pidfd do: -EINVAL).
 */
int fan_event_fd(const struct fan_event *ev);

/* -errno when FAN_REPORT_FD_ERROR put an error in place of the fd, else 0. */
int fan_event_fd_error(const struct fan_event *ev);

/*
 * Take ownership of the event fd: the caller closes it.  A permission
 * event is still answered by the library if the caller does not answer
 * it.  -EBADF if the event has no fd or it was already taken.
 */
int fan_event_take_fd(struct fan_event *ev);

/*
 * The pidfd of a FAN_REPORT_PIDFD event: >= 0 (borrowed as above),
 * FAN_NOPIDFD when the process had exited or the event has no pidfd record,
 * FAN_EPIDFD or -errno (FAN_REPORT_FD_ERROR) when the kernel failed.
 */
int fan_event_pidfd(const struct fan_event *ev);
/* Take ownership of the pidfd.  -EBADF if there is none to take. */
int fan_event_take_pidfd(struct fan_event *ev);

int fan_event_is_overflow(const struct fan_event *ev);
/* A permission event: FAN_OPEN_PERM, FAN_ACCESS_PERM, FAN_OPEN_EXEC_PERM, FAN_PRE_ACCESS. */
int fan_event_is_permission(const struct fan_event *ev);
/* A permission event not yet answered or deferred. */
int fan_event_needs_answer(const struct fan_event *ev);

/* Info records, in the order the kernel wrote them; NULL at the end. */
const struct fan_info *fan_event_first_info(const struct fan_event *ev);
const struct fan_info *fan_event_next_info(const struct fan_event *ev,
					   const struct fan_info *rec);
/* The first record of a type (FAN_EVENT_INFO_TYPE_*), or NULL. */
const struct fan_info *fan_event_find_info(const struct fan_event *ev, unsigned int type);

#define fan_for_each_info(rec, ev)                                          \
	for ((rec) = fan_event_first_info(ev); (rec);                       \
	     (rec) = fan_event_next_info((ev), (rec)))

unsigned int fan_info_type(const struct fan_info *rec);
size_t fan_info_len(const struct fan_info *rec);	/* whole record, header included */
const void *fan_info_raw(const struct fan_info *rec);	/* the record's bytes, header included */

/* FID, DFID, DFID_NAME, OLD_DFID_NAME, NEW_DFID_NAME records. */
struct fan_fid {
	struct fan_fsid fsid;
	const void *handle;	/* a struct file_handle in the buffer, for open_by_handle_at() */
	uint32_t handle_bytes;
	int32_t handle_type;
	const unsigned char *handle_data;
	const char *name;	/* NUL-terminated name, NULL for FID and DFID records */
	size_t name_len;
};
int fan_info_fid(const struct fan_info *rec, struct fan_fid *out);

/* PIDFD record: the raw value (see fan_event_pidfd()). */
int fan_info_pidfd(const struct fan_info *rec, int *pidfd);

struct fan_fs_error {
	int32_t error;		/* positive errno of the first error */
	uint32_t error_count;	/* errors merged into this event */
};
int fan_info_error(const struct fan_info *rec, struct fan_fs_error *out);

struct fan_range {
	uint64_t offset;
	uint64_t count;
};
int fan_info_range(const struct fan_info *rec, struct fan_range *out);

/* MNT record: the mount's unique id (statx STATX_MNT_ID_UNIQUE). */
int fan_info_mnt(const struct fan_info *rec, uint64_t *mnt_id);

/* ------------------------------------------------------------------------
 * Permission answers
 * ------------------------------------------------------------------------ */

/* FAN_INFO audit-rule record (Linux 6.3, groups with FAN_ENABLE_AUDIT). */
struct fan_audit_rule {
	uint32_t rule_number;
	uint32_t subj_trust;
	uint32_t obj_trust;
};

/*
 * Write one response for the permission event whose fd is fd.  response:
 * FAN_ALLOW or FAN_DENY, optionally | FAN_AUDIT, or FAN_DENY_ERRNO(e)
 * (Linux 6.14, FAN_CLASS_PRE_CONTENT groups).  With rule != NULL the
 * audit-rule record is appended and FAN_INFO set.  0, or -errno: a short
 * or failed write is never ignored.  Safe from any thread.
 */
int fan_group_respond_fd(struct fan_group *g, int fd, uint32_t response,
			 const struct fan_audit_rule *rule);

/*
 * Answer a permission event of the current batch.  -EINVAL if it is not a
 * permission event or not of g's current batch, -EALREADY if answered or
 * deferred before.  On a
 * kernel error the event stays unanswered (and will get the default).
 * Reader thread only: hand events to other threads with fan_event_defer().
 */
int fan_event_respond(struct fan_group *g, struct fan_event *ev, uint32_t response,
		      const struct fan_audit_rule *rule);

/* A permission event taken out of its batch, to be answered later, anywhere. */
struct fan_perm;

/*
 * Move a permission event of g's current batch out of it: its bytes are
 * copied and its fd and pidfd now belong to *ret.  Answer it with
 * fan_perm_respond() or fan_perm_free(); fan_group_free() answers what is
 * still pending.  With a group deadline (perm_deadline_ms) its clock
 * starts here.
 */
int fan_event_defer(struct fan_group *g, struct fan_event *ev, struct fan_perm **ret);

/* The event, readable with every fan_event_* accessor. */
const struct fan_event *fan_perm_event(const struct fan_perm *p);

/*
 * Answer and free p (always freed).  If the kernel refuses the response,
 * the default verdict is sent instead and the kernel's -errno returned.
 * -EALREADY if its deadline answered first, -ECANCELED if the group was
 * freed first (it answered already).
 */
int fan_perm_respond(struct fan_perm *p, uint32_t response,
		     const struct fan_audit_rule *rule);

/* Answer with the default verdict if unanswered, close, free.  NULL ok. */
void fan_perm_free(struct fan_perm *p);

/*
 * Give p a deadline: unless answered within ms milliseconds (0: now), the
 * library answers it with response (FAN_ALLOW or FAN_DENY, optionally |
 * FAN_AUDIT, or FAN_DENY_ERRNO(e)), from a thread of its own (started on
 * first use), and counts it in the stats' deadline_answers; the default
 * verdict if the kernel refuses that.  Replaces an earlier deadline.  The
 * event's fd stays open, for the owner to read, until fan_perm_respond()
 * (then -EALREADY) or fan_perm_free().  -EALREADY if already answered,
 * -ECANCELED after fan_group_free(), -EAGAIN if the thread cannot start.
 */
int fan_perm_set_deadline(struct fan_perm *p, unsigned int ms, uint32_t response);

/* 1 if p's answer was given (by its deadline, or by fan_group_free()), else 0. */
int fan_perm_answered(const struct fan_perm *p);

/*
 * The path of a deferred event's file from its descriptor, safe from any
 * thread (not the resolver's: that one belongs to the reader thread).  As
 * fan_resolve_path() in fd mode: an unlinked file is its name with
 * LIBFANOTIFY_PATH_DELETED, LIBFANOTIFY_PATH_DIR for a directory,
 * -ENAMETOOLONG beyond a page.  The string is p's, valid until the next
 * fan_perm_path() on p or until p is answered or freed.  0 or -errno.
 */
struct fan_path;
int fan_perm_path(struct fan_perm *p, struct fan_path *path);

/* ------------------------------------------------------------------------
 * Resolution: events to paths and processes
 * ------------------------------------------------------------------------ */

struct fan_resolver;

/* fan_resolver_opts.flags */
#define LIBFANOTIFY_RESOLVER_PROC_TABLE	0x1u	/* follow exits and forks (see fan_resolve_process) */

struct fan_resolver_opts {
	size_t sz;
	size_t cache_bytes;	/* directory cache limit; 0: 4 MiB; memory stays within it */
	size_t proc_cache_entries; /* process identities kept; 0: 1024 (see fan_resolve_process) */
	unsigned int flags;	/* LIBFANOTIFY_RESOLVER_* (1.1.0) */
};

/*
 * A resolver for events of group g (which must outlive it).  It uses the
 * group's recorded filesystems and directory marks for file handles.
 */
int fan_resolver_new(struct fan_group *g, const struct fan_resolver_opts *opts,
		     struct fan_resolver **ret);
void fan_resolver_free(struct fan_resolver *r);

/* fan_path.flags */
#define LIBFANOTIFY_PATH_DELETED	0x1u	/* the object was unlinked (fd still open, or handle stale) */
#define LIBFANOTIFY_PATH_PARTIAL	0x2u	/* only the name is known, its directory is not */
#define LIBFANOTIFY_PATH_DIR		0x4u	/* the object is a directory (FAN_ONDIR) */
/* the path could not be confirmed: the last one known, which no longer leads there (see error) */
#define LIBFANOTIFY_PATH_UNVERIFIED	0x8u

struct fan_path {
	const char *path;	/* NUL-terminated bytes as the kernel gave them; NULL if unknown */
	size_t len;
	unsigned int flags;	/* LIBFANOTIFY_PATH_* */
	int error;		/* 0, or -errno why the path is missing, partial or unverified */
};

/*
 * Resolve the event's object to a path (into *path, may be NULL), and for
 * FAN_RENAME the new path into *new_path (may be NULL).  fd mode: the
 * event fd's path (-ENAMETOOLONG for a non-directory deeper than a page);
 * FID mode: directory handle plus name, or the object's own handle, or,
 * where that fails (no privilege, object gone), the batch's own entry
 * events (FAN_REPORT_TARGET_FID) or the path recorded when the object was
 * marked.  For an event of the group's current batch the path is the one
 * at the event's moment: the batch's later directory moves are undone.
 * A path is right, or flagged PARTIAL or UNVERIFIED with the reason in
 * error.  Names the kernel cannot write ("", "..", with '/') are refused:
 * -EBADMSG.  FS_ERROR objects are never opened (that would raise another
 * error): only known paths name them, and a filesystem-wide error gives
 * the mount point.  MNT records give the mount point (statmount(), Linux
 * 6.8), also for a detached mount the resolver saw.  A queue overflow (the
 * event, or the group's overflow count) makes the resolver drop and check
 * what it kept.  Strings are valid until the next fan_resolve_path() or
 * fan_resolver_observe() on r (fan_resolve_process() leaves them alone).
 * Returns 0 if path is known (possibly PARTIAL or UNVERIFIED), -errno if
 * not.
 *
 * The resolver keeps a few /proc descriptors open (at most 32) and a
 * descriptor per recorded filesystem is held by the group.
 */
int fan_resolve_path(struct fan_resolver *r, const struct fan_event *ev,
		     struct fan_path *path, struct fan_path *new_path);

/*
 * Keep the directory cache right without resolving: feed events that are
 * not resolved (filtered out) through this.  fan_resolve_path() does it
 * itself.
 */
void fan_resolver_observe(struct fan_resolver *r, const struct fan_event *ev);

/* Drop every cached directory path (a queue overflow needs no call). */
void fan_resolver_flush(struct fan_resolver *r);

/* fan_process.flags */
#define LIBFANOTIFY_PROC_VERIFIED	0x1u	/* checked against the event's pidfd: not a reused pid */
#define LIBFANOTIFY_PROC_GONE		0x2u	/* the process exited before it could be read */
#define LIBFANOTIFY_PROC_PARTIAL	0x4u	/* some fields could not be read (see error) */
#define LIBFANOTIFY_PROC_RECORDED	0x8u	/* from the process table: the only process it can be (1.1.0) */

struct fan_process {
	pid_t pid;		/* process (thread group) id; 0 if unknown */
	pid_t tid;		/* thread id with FAN_REPORT_TID, else == pid */
	pid_t ppid;		/* parent, -1 if unknown */
	uid_t uid;		/* real uid, (uid_t)-1 if unknown */
	uid_t euid;
	gid_t gid;
	const char *comm;	/* NULL if unknown */
	const char *exe;	/* NULL if unknown (kernel threads, gone, no access) */
	unsigned int flags;	/* LIBFANOTIFY_PROC_* */
	int error;		/* 0, or -errno of the first failed lookup */
};

/*
 * Identify the process behind the event.  With FAN_REPORT_PIDFD the
 * information is read from /proc and confirmed against the pidfd, so it
 * never describes a different process that reused the pid; without it,
 * it is best effort (flags lack VERIFIED).  A verified identity is kept
 * for up to 100 ms (keyed by the pidfd's inode, unique per process), so a
 * process that calls execve() shows its new name within that time; an
 * unverified one for the current batch only.  Strings valid until the
 * next fan_resolve_process() on r (fan_resolve_path() leaves them alone).
 * 0, or -errno when nothing is known (pid 0, process gone).
 *
 * A process that had exited and been reaped before it could be read is
 * named from the process table if the resolver keeps one
 * (LIBFANOTIFY_RESOLVER_PROC_TABLE): the kernel's exit records and forks,
 * read as they come; flags GONE | RECORDED, with comm, uid, gid, ppid as
 * they were at its exit, and only when the table shows that no other
 * process can have had its pid when the event happened (otherwise, as
 * without a table, only the pid).
 */
int fan_resolve_process(struct fan_resolver *r, const struct fan_event *ev,
			struct fan_process *out);

/* What fan_resolve_process() gives, and more (1.1.0). */
struct fan_process_info {
	size_t sz;			/* set by the caller: sizeof(struct fan_process_info) */
	struct fan_process proc;	/* as fan_resolve_process() fills it */
	gid_t egid;			/* (gid_t)-1 if unknown */
	uint64_t cgroup_id;		/* cgroup v2 id, 0 if unknown */
	const char *cgroup;		/* cgroup v2 path, as /proc/PID/cgroup says; NULL if unknown */
	uint64_t mntns;			/* mount namespace (its nsfs inode), 0 if unknown */
};

/*
 * fan_resolve_process() plus the fields above: read with the same checks,
 * for a process the pidfd verifies; a recorded one has only proc.  The
 * strings stay valid as fan_resolve_process()'s do.  0 or -errno as it.
 */
int fan_resolve_process_info(struct fan_resolver *r, const struct fan_event *ev,
			     struct fan_process_info *info);

/* One ancestor (fan_resolve_parents). */
struct fan_process_parent {
	pid_t pid;
	unsigned int flags;	/* LIBFANOTIFY_PROC_VERIFIED or _RECORDED: how it is known; 0: pid only */
	char comm[16];		/* "" if unknown */
};

/*
 * The chain of parents of the event's process, nearest first, up to pid 1
 * or max entries, into out.  Each link is checked as the process itself
 * is: a live parent through pidfds (it is the parent while the child
 * still names it), an exited one through the process table.  The chain
 * stops after a parent whose name cannot be known for sure (its pid
 * given, comm "").  Returns the number of entries, or -errno (-EINVAL,
 * -ESRCH: the event's process is not known).
 */
int fan_resolve_parents(struct fan_resolver *r, const struct fan_event *ev,
			struct fan_process_parent *out, size_t max);

struct fan_resolver_proc_stats {
	size_t sz;
	int table;		/* 0: the process table is kept; -errno: why not (-ENODATA: not asked for) */
	uint64_t lookups;	/* processes looked up (cache misses) */
	uint64_t verified;	/* ... named with a pidfd check */
	uint64_t recorded;	/* ... named from the process table */
	uint64_t unknown;	/* ... exited, and not named */
	uint64_t ambiguous;	/* table: more than one process may have */
	uint64_t untrusted;	/* table: the event's time is not covered */
	uint64_t records;	/* exit records read */
	uint64_t records_lost;	/* times exit records were lost (ENOBUFS) */
	uint64_t connector_lost; /* times fork and exit messages were lost */
	uint64_t reaped;	/* processes with a pidfd, reaped before they were looked up */
};

/*
 * With the process table, the descriptor it is fed through (an epoll of
 * two netlink sockets).  Call fan_resolver_read() every few tens of
 * milliseconds (or when this polls readable, which is at every process
 * that exits on the system), so the table keeps up while no events come:
 * the kernel drops what a full socket cannot take, and the table then
 * answers "unknown" for a while.  -ENODATA without a table.
 */
int fan_resolver_fd(const struct fan_resolver *r);
/* Read what the kernel sent for the process table.  0, or -ENODATA without one. */
int fan_resolver_read(struct fan_resolver *r);

/* Copy the process counters into *st (st->sz set by the caller).  -EINVAL on bad args. */
int fan_resolver_get_proc_stats(const struct fan_resolver *r, struct fan_resolver_proc_stats *st);

/* ------------------------------------------------------------------------
 * Subtrees: a directory and everything below it, followed by identity
 * ------------------------------------------------------------------------ */

/*
 * A tracker of directory trees on a group reporting directory handles and
 * names (FAN_REPORT_DFID_NAME; with FAN_REPORT_FID | FAN_REPORT_TARGET_FID,
 * Linux 5.17, a new directory is found by its own handle wherever it went).
 * It marks every directory of each root, follows creations, moves and
 * deletions from the events it is handed, keeps the marks of other groups
 * (a permission group) in step, and names tracked directories for the
 * group's resolvers, as of the event being handled.  Directories are only
 * ever opened by handle, or beneath a root without following symbolic
 * links or crossing mounts, and checked by handle before their marks are
 * touched.  One tracker per group; it must not outlive its groups.
 */
struct fan_subtree;

/* fan_subtree_entry.flags */
#define LIBFANOTIFY_SUBTREE_DIR		0x1u	/* the entry is a directory */
#define LIBFANOTIFY_SUBTREE_FOUND	0x2u	/* found by reading a directory that appeared */
#define LIBFANOTIFY_SUBTREE_UNWATCHED	0x4u	/* a directory that could not be marked (error) */

/* What a tracker found, or could not watch. */
struct fan_subtree_entry {
	const char *path;	/* absolute, NUL-terminated; valid during the callback */
	size_t len;
	unsigned int flags;	/* LIBFANOTIFY_SUBTREE_* */
	int error;		/* with LIBFANOTIFY_SUBTREE_UNWATCHED: -errno */
	int root;		/* index of the root it lies under */
	const struct fan_event *trigger; /* the event that revealed it; NULL: a root added, a rescan */
};

/* Called from fan_subtree_handle(), _add_root() and _rescan(); must not call the tracker. */
typedef void fan_subtree_found_fn(void *arg, const struct fan_subtree_entry *entry);

/*
 * Leave the directory at path (absolute, len bytes, NUL-terminated) out of
 * the tree: nonzero and it is not marked, read or followed, nor anything
 * below it.  Asked for every directory below a root the tracker is about
 * to track, and again when one is moved within the tree.  Must not call
 * the tracker.
 */
typedef int fan_subtree_skip_fn(void *arg, const char *path, size_t len);

/* fan_subtree_opts.flags */
/* One filesystem mark per root's filesystem instead of a mark per directory (CAP_SYS_ADMIN) */
#define LIBFANOTIFY_SUBTREE_FILESYSTEM	0x1u

struct fan_subtree_opts {
	size_t sz;
	uint64_t mask;		/* events wanted in the tree; the tracker adds what it needs */
	unsigned int flags;	/* LIBFANOTIFY_SUBTREE_* */
	fan_subtree_found_fn *found;	/* may be NULL */
	void *arg;		/* passed to found */
	unsigned int rescan_gap_ms;	/* least time between two rescans; 0: 1000 */
	fan_subtree_skip_fn *skip;	/* may be NULL: directories left out (arg as for found) */
};

/*
 * A tracker on group g (FAN_REPORT_DIR_FID | FAN_REPORT_NAME at least).
 * Directory marks ask for opts->mask | FAN_CREATE | FAN_DELETE | FAN_RENAME
 * (FAN_MOVED_FROM | FAN_MOVED_TO before Linux 5.17) | FAN_DELETE_SELF |
 * FAN_ONDIR | FAN_EVENT_ON_CHILD.  -EINVAL for a group without names,
 * -EBUSY if g has a tracker already.
 */
int fan_subtree_new(struct fan_group *g, const struct fan_subtree_opts *opts,
		    struct fan_subtree **ret);
/* Remove every mark the tracker added, free it.  NULL is a no-op. */
void fan_subtree_free(struct fan_subtree *t);

/*
 * Keep g's marks in step too: every tracked directory gets mask |
 * FAN_EVENT_ON_CHILD in g.  Add groups before roots.  A permission group
 * that asks for events on directories (FAN_ONDIR) must be answered by
 * another thread: the tracker opens new directories to read them.
 */
int fan_subtree_add_group(struct fan_subtree *t, struct fan_group *g, uint64_t mask);

/*
 * Track the directory at dirfd/path (as in openat(2), symbolic links
 * followed) and everything below it on its mount.  Returns the root's
 * index (>= 0), or -errno: the root itself could not be opened or marked.
 * Directories below that cannot be marked are reported through found
 * (LIBFANOTIFY_SUBTREE_UNWATCHED) and counted.
 */
int fan_subtree_add_root(struct fan_subtree *t, int dirfd, const char *path);
/* Stop tracking a root: its marks are removed.  -EINVAL for an unknown index. */
int fan_subtree_remove_root(struct fan_subtree *t, int root);

/*
 * Hand every event of the group to the tracker, in order: new directories
 * are marked and read (their entries reported through found, after the
 * event), directories moved out are unmarked, deleted ones forgotten;
 * after an overflow the roots are read again (at most once a second, see
 * fan_subtree_timeout()).  Look at an event (fan_subtree_in_scope(),
 * resolve it) either before handing it over or after, but before the
 * next one.  0 or -errno (-ENOMEM).
 */
int fan_subtree_handle(struct fan_subtree *t, const struct fan_event *ev);

/*
 * The index of the root the event lies under, as of the event; -1 if
 * none.  Call it before resolving the event: tracked directories are
 * named from the tracker as of the event.
 */
int fan_subtree_in_scope(struct fan_subtree *t, const struct fan_event *ev);

/*
 * Milliseconds until a rescan put off after an overflow is due (0: now,
 * then call fan_subtree_rescan()), -1 if none is waiting.  Overflows
 * closer together than fan_subtree_opts.rescan_gap_ms put it off.
 */
int fan_subtree_timeout(const struct fan_subtree *t);
/* Read every root again now, marking what is not marked; 0 or -errno. */
int fan_subtree_rescan(struct fan_subtree *t);

struct fan_subtree_stats {
	size_t sz;
	uint64_t dirs;		/* directories tracked now */
	uint64_t marked;	/* directories marked, in total */
	uint64_t unmarked;	/* directories unmarked (moved out, roots removed) */
	uint64_t mark_errors;	/* directories some group could not mark */
	uint64_t enospc;	/* of which for too many marks (max_user_marks) */
	uint64_t emfile;	/* of which for too many open files */
	uint64_t eacces;	/* of which for no permission */
	uint64_t scanned;	/* directories read */
	uint64_t found;		/* entries reported as found */
	uint64_t moved_in, moved_out, moved_within;
	uint64_t unreachable;	/* directories that could not be opened by identity */
	uint64_t dropped;	/* directories forgotten with marks left behind (unreachable) */
	uint64_t rescans;	/* roots read again after an overflow */
	uint64_t skipped;	/* directories left out (fan_subtree_opts.skip), in total */
};

/* Copy counters into *st (st->sz set by the caller).  -EINVAL on bad args. */
int fan_subtree_get_stats(const struct fan_subtree *t, struct fan_subtree_stats *st);

/* ------------------------------------------------------------------------
 * Runtime probes: does this kernel accept it?  Tried once, cached,
 * thread-safe.
 * ------------------------------------------------------------------------ */

/* 0 if fanotify_init(init_flags, event_f_flags) succeeds here, else its -errno. */
int fan_probe_init(unsigned int init_flags, unsigned int event_f_flags);

/*
 * 0 if a group created with init_flags accepts fanotify_mark(ADD | mark_flags,
 * mask) here, else the -errno (the init's own error if the group cannot be
 * created).  Without a target (dirfd < 0 and path NULL) the mark is tried
 * on an object nobody else can reach, of the right shape: the caller's
 * mount namespace for FAN_MARK_MNTNS; a memfd for inode marks; a directory
 * for inode marks with directory-only bits ("/" without permission bits,
 * else the root of a tmpfs mounted nowhere); "/" for mount and filesystem
 * marks without permission bits.  Mount and filesystem marks with
 * permission bits, and features that depend on the filesystem
 * (FAN_PRE_ACCESS: tmpfs refuses it), need a real target: pass dirfd/path
 * (then the answer is not cached), else -EINVAL resp. the memfd's answer.
 * FAN_MARK_ONLYDIR and FAN_MARK_DONT_FOLLOW are ignored without a target.
 * Answers like -EMFILE, -ENFILE, -ENOMEM are not cached.
 */
int fan_probe_mark(unsigned int init_flags, unsigned int mark_flags, uint64_t mask,
		   int dirfd, const char *path);

/* ------------------------------------------------------------------------
 * Names and kernel versions
 * ------------------------------------------------------------------------ */

/* "open", "close_write", ... for one mask bit; NULL for anything else. */
const char *fan_event_name(uint64_t bit);
/* The bit for a name from fan_event_name(), 0 if unknown. */
uint64_t fan_event_from_name(const char *name);
/* First kernel with this mask bit / init flag / mark flag ("5.1"); NULL if unknown. */
const char *fan_event_since(uint64_t bit);
const char *fan_init_flag_name(unsigned int flag);
const char *fan_init_flag_since(unsigned int flag);
const char *fan_mark_flag_name(unsigned int flag);
const char *fan_mark_flag_since(unsigned int flag);
const char *fan_info_type_name(unsigned int type);

/* fan_path_quote() flags */
#define LIBFANOTIFY_QUOTE_ALWAYS	0x1u	/* quote even a path that could stay bare */
#define LIBFANOTIFY_QUOTE_BARE		0x2u	/* escape, never quote (for a message line) */

/*
 * Write path[0..len) into buf so that a terminal or a log shows it safely
 * and unambiguously: as it is when every byte is printable ASCII other than
 * space, '"' and '\\' or valid UTF-8 of a visible character; otherwise in
 * double quotes with C escapes (\" \\ \n \t \r, \xHH for other control
 * bytes, invalid UTF-8, and every byte of a code point that is a control,
 * a line or paragraph separator, a space other than ' ', a format
 * character, a bidirectional control or default-ignorable).  Quoted
 * output never reads as a bare token, and the escapes give the exact bytes
 * back.  LIBFANOTIFY_QUOTE_BARE escapes only what a terminal must not see
 * (no quotes, no escaping of '"', '\\' and spaces).  snprintf semantics:
 * returns the length needed (without the NUL), NUL-terminates if
 * size > 0.  -EINVAL for a NULL path (with len > 0) or buf (with size > 0)
 * or unknown flags, -EOVERFLOW if the result would not fit an int.
 */
int fan_path_quote(const char *path, size_t len, unsigned int flags, char *buf,
		   size_t size);

/*
 * Write the names of mask's bits, joined by sep (NULL: ","), into buf
 * (snprintf semantics: returns the length it needed, NUL-terminates if
 * size > 0).  Unknown bits are written as one hexadecimal number.
 * -EINVAL for a NULL buf with a non-zero size.
 */
int fan_mask_format(uint64_t mask, const char *sep, char *buf, size_t size);

#ifdef __cplusplus
}
#endif

#endif /* LIBFANOTIFY_FANOTIFY_H */
