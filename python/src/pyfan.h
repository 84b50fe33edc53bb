/* SPDX-License-Identifier: MIT */
/*
 * The fanotify extension module: declarations shared by its files.
 *
 *   module.c   module init, constants and enums, errors, functions
 *   group.c    Group (marks, reading, iteration, asyncio), Batch
 *   event.c    Event (fields, records, resolution, answers, defer)
 *   types.c    record types, Process, ProcessInfo, GroupStats, ProcStats
 *   subtree.c  Subtree (fan_subtree: directory trees followed by identity)
 *
 * Locking: every call into libfanotify on a group (reading, marking,
 * resolving, answering events of the current batch, finishing a batch)
 * runs with the GIL held and never releases it, so they never overlap.
 * The GIL is released only to wait for the group's descriptor (poll(),
 * nothing of the group touched) and to answer a deferred event
 * (fan_perm_respond(), thread-safe in the library).  A group's
 * descriptor is kept non-blocking so that a read with the GIL held never
 * sleeps.
 */
#ifndef PYFAN_H
#define PYFAN_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdbool.h>
#include <stdint.h>

#include <fanotify/fanotify.h>

typedef struct GroupObject {
	PyObject_HEAD
	struct fan_group *g;		/* NULL once closed */
	struct fan_resolver *r;		/* made on the first path or process asked for */
	struct fan_resolver_opts ropts;	/* ropts.flags: LIBFANOTIFY_RESOLVER_PROC_TABLE (proc_table=True) */
	unsigned int init_flags;	/* as given to fanotify_init() */
	bool nonblock;			/* FAN_NONBLOCK given: read() does not wait by default */
	/*
	 * The current batch: events are valid while live and their seq is
	 * seq.  seq is bumped whenever a batch ends (next read, release,
	 * close), which makes every Event of it stale at once.
	 */
	uint64_t seq;
	bool live;
	/* Next event of the batch the resolver has not seen (NULL: none). */
	struct fan_event *cursor;
	bool reading;			/* a thread waits in read() or iteration */
	int wakefd;			/* eventfd: close() wakes a waiting reader; -1 until needed */
	PyObject *aio;			/* the async iterator with a reader registered (borrowed) */
	PyObject *trackers;		/* weak references to the Subtrees using the group, or NULL */
	PyObject *weakrefs;
} GroupObject;

/* Event flags */
enum {
	EV_DEFERRED = 0x01,	/* defer() moved it out of its batch */
	EV_ANSWERED = 0x02,	/* a deferred event answered through this object */
	EV_PATHS = 0x04,	/* path and new_path resolved (cached) */
	EV_PROCESS = 0x08,	/* process resolved (cached) */
	EV_FD_TAKEN = 0x10,
	EV_PIDFD_TAKEN = 0x20,
};

typedef struct EventObject {
	PyObject_VAR_HEAD		/* ob_size: bytes of the event copied below */
	GroupObject *group;		/* NULL for events of parse_events() */
	struct fan_event *live;		/* the event in its group's batch */
	uint64_t seq;			/* its batch */
	struct fan_perm *perm;		/* after defer(), until answered */
	unsigned int flags;		/* EV_* */
	PyObject *mask;			/* caches, NULL until asked */
	PyObject *info;
	PyObject *path, *new_path;
	unsigned int path_flags, new_path_flags;
	int path_error, new_path_error;
	PyObject *process;
	PyObject *process_info;		/* ProcessInfo (1.1), NULL until asked */
	/* A copy of the event's bytes: mask, pid and records stay readable. */
	unsigned char data[];
} EventObject;

typedef struct BatchObject {
	PyObject_HEAD
	GroupObject *group;
	uint64_t seq;
	PyObject *events;		/* tuple of Event */
	bool malformed;			/* the kernel's buffer had a malformed tail */
} BatchObject;

extern PyTypeObject Pyfan_GroupType, Pyfan_EventType, Pyfan_BatchType, Pyfan_ProcessType,
	Pyfan_ProcessInfoType, Pyfan_SubtreeType;
extern PyTypeObject Pyfan_EventIterType, Pyfan_AsyncIterType;

/* Exceptions (module.c) */
extern PyObject *Pyfan_Error, *Pyfan_StaleEventError, *Pyfan_AlreadyAnsweredError,
	*Pyfan_GroupClosedError, *Pyfan_MalformedError;

/* Enums (module.c) */
extern PyObject *Pyfan_Mask, *Pyfan_PathFlag, *Pyfan_ProcFlag, *Pyfan_InfoType, *Pyfan_InitFlag;

/* module.c */
/*
 * Raise for a -errno of libfanotify: OSError(errno) (so EPERM is a
 * PermissionError, ENOENT a FileNotFoundError ...), or one of the
 * module's own classes for the library's own errors.  what: the call,
 * for the message; filename: may be NULL.  Returns NULL.
 */
PyObject *pyfan_raise(int neg_errno, const char *what, PyObject *filename);
/* The same with a hint appended to the message. */
PyObject *pyfan_raise_hint(int neg_errno, const char *what, PyObject *filename,
			   const char *hint);
PyObject *pyfan_raise_class(PyObject *cls, int err, const char *msg);
/* A Mask for a value (cached per value): new reference. */
PyObject *pyfan_mask(uint64_t mask);
PyObject *pyfan_enum(PyObject *cls, long long value);
/* A path or name from the kernel: str, decoded as os.fsdecode() does. */
PyObject *pyfan_decode(const char *s, size_t len);
/* uint64 / int from a Python int (IntFlag fine); -1 with an exception. */
int pyfan_u64(PyObject *o, uint64_t *out, const char *what);
int pyfan_uint(PyObject *o, unsigned int *out, const char *what);

/* types.c */
int pyfan_types_init(PyObject *m);
PyObject *pyfan_records(const struct fan_event *ev);
PyObject *pyfan_process_new(const struct fan_process *p, pid_t pid);
PyObject *pyfan_stats_new(const struct fan_group_stats *st);
PyObject *pyfan_process_info_new(const struct fan_process_info *info, pid_t pid);
PyObject *pyfan_parent_new(const struct fan_process_parent *p);
PyObject *pyfan_proc_stats_new(const struct fan_resolver_proc_stats *st);

/* event.c */
/* A new Event for ev (a copy of its bytes); group may be NULL. */
EventObject *pyfan_event_new(GroupObject *group, struct fan_event *ev, uint64_t seq);

/*
 * The event in its group's current batch, or its deferred copy; NULL with
 * StaleEventError (what: the call, for the message).
 */
const struct fan_event *pyfan_event_current(EventObject *ev, const char *what);

/* subtree.c */
int pyfan_subtree_types_init(PyObject *m);
/* Free the tracker (a Subtree): one of its groups is closing. */
void pyfan_subtree_detach(PyObject *subtree);

/* group.c */
/* Make the resolver if there is none yet.  -1 with an exception. */
int pyfan_group_resolver(GroupObject *self);
/* Let the resolver see the batch's events before ev (in order). */
void pyfan_group_catch_up(GroupObject *self, const struct fan_event *ev);
/* ev was resolved: the resolver's cursor moves past it. */
void pyfan_group_resolved(GroupObject *self, const struct fan_event *ev);
/* End the current batch (default answers, descriptors closed). */
void pyfan_group_end_batch(GroupObject *self);
int pyfan_group_types_init(PyObject *m);

#endif
