// SPDX-License-Identifier: MIT
/*
 * Group: a fanotify group (fan_group) and its resolver (made when first
 * needed), marks, reading batches, iteration (for and async for).
 *
 * Batches.  A read ends the previous batch, then reads the next one into
 * the group's buffer; Events point into it while it is current (seq).  A
 * batch ends at the next read, Group.release(), Batch.release() or the end
 * of a `with` block over it, when its Batch object is dropped, or when the
 * group closes: the library then answers every permission event nobody
 * answered or deferred with the group's default and closes every
 * descriptor nobody took.  So an exception in a handler cannot leave an
 * opener waiting: leaving the loop drops the iterator and its batch.
 *
 * Resolution keeps the library's order: before an event is resolved, the
 * resolver sees the batch's earlier events it has not seen (their renames
 * and moves keep its directory cache right), and when the batch ends, the
 * rest of it.
 */
#include "pyfan.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

/* ---- batch state and the resolver ---- */

int pyfan_group_resolver(GroupObject *self)
{
	int r;

	if (!self->g) {
		pyfan_raise_class(Pyfan_GroupClosedError, EBADF, "the group is closed");
		return -1;
	}
	if (self->r)
		return 0;
	r = fan_resolver_new(self->g, &self->ropts, &self->r);
	if (r < 0) {
		pyfan_raise(r, "fan_resolver_new", NULL);
		return -1;
	}
	return 0;
}

void pyfan_group_catch_up(GroupObject *self, const struct fan_event *ev)
{
	if (!self->r || !self->live)
		return;
	while (self->cursor && (const unsigned char *)self->cursor < (const unsigned char *)ev) {
		fan_resolver_observe(self->r, self->cursor);
		self->cursor = fan_group_next_event(self->g, self->cursor);
	}
}

void pyfan_group_resolved(GroupObject *self, const struct fan_event *ev)
{
	if (self->live && self->cursor == ev)
		self->cursor = fan_group_next_event(self->g, self->cursor);
}

/* Touches no Python object: safe in deallocators and while an exception is set. */
void pyfan_group_end_batch(GroupObject *self)
{
	if (!self->g || !self->live)
		return;
	if (self->r)
		while (self->cursor) {
			fan_resolver_observe(self->r, self->cursor);
			self->cursor = fan_group_next_event(self->g, self->cursor);
		}
	fan_group_release(self->g);
	self->live = false;
	self->cursor = NULL;
	self->seq++;
}

static int check_open(GroupObject *self)
{
	if (self->g)
		return 0;
	pyfan_raise_class(Pyfan_GroupClosedError, EBADF, "the group is closed");
	return -1;
}

/* ---- hints for EINVAL: the kernel each flag needs ---- */

static long version_key(const char *v)
{
	int a = 0, b = 0, c = 0;

	if (!v || sscanf(v, "%d.%d.%d", &a, &b, &c) < 2)
		return 0;
	return (long)a * 1000000 + b * 1000 + c;
}

static void upper(char *dst, size_t size, const char *prefix, const char *name)
{
	size_t i = (size_t)snprintf(dst, size, "%s", prefix);

	for (; *name && i + 1 < size; name++)
		dst[i++] = (char)(*name >= 'a' && *name <= 'z' ? *name - 32 : *name);
	dst[i < size ? i : size - 1] = '\0';
}

/* "FAN_MNT_ATTACH needs Linux 6.15": the newest of what was asked for, if newer than 4.20. */
static const char *newest_hint(char *buf, size_t size, uint64_t mask, unsigned int mflags,
			       unsigned int iflags)
{
	const char *best = NULL, *since;
	char name[64] = "";
	long key = version_key("4.20");
	int bit;

	for (bit = 0; bit < 64; bit++) {
		uint64_t b = 1ULL << bit;

		if ((mask & b) && (since = fan_event_since(b)) && version_key(since) > key) {
			key = version_key(since);
			best = since;
			upper(name, sizeof(name), "FAN_", fan_event_name(b));
		}
		if (bit < 32 && (mflags & b) && (since = fan_mark_flag_since((unsigned int)b)) &&
		    version_key(since) > key) {
			key = version_key(since);
			best = since;
			snprintf(name, sizeof(name), "%s", fan_mark_flag_name((unsigned int)b));
		}
		if (bit < 32 && (iflags & b) && (since = fan_init_flag_since((unsigned int)b)) &&
		    version_key(since) > key) {
			key = version_key(since);
			best = since;
			snprintf(name, sizeof(name), "%s", fan_init_flag_name((unsigned int)b));
		}
	}
	/* FAN_MARK_MNTNS shares its bits with MOUNT and FILESYSTEM */
	if ((mflags & FAN_MARK_MNTNS) == FAN_MARK_MNTNS &&
	    version_key(fan_mark_flag_since(FAN_MARK_MNTNS)) > key) {
		best = fan_mark_flag_since(FAN_MARK_MNTNS);
		snprintf(name, sizeof(name), "FAN_MARK_MNTNS");
	}
	if (!best)
		return NULL;
	snprintf(buf, size, "%s needs Linux %s or later; some bits also need other init flags "
		 "or mark types", name, best);
	return buf;
}

/* ---- creating ---- */

static PyObject *group_new(PyTypeObject *type, PyObject *args, PyObject *kw)
{
	GroupObject *self = (GroupObject *)type->tp_alloc(type, 0);

	if (self) {
		self->g = NULL;
		self->r = NULL;
		self->wakefd = -1;
		self->seq = 1;
	}
	return (PyObject *)self;
}

struct group_args {
	PyObject *default_response;
	Py_ssize_t buffer_size;
	int answer_self, skip_self;
	Py_ssize_t cache_bytes, proc_cache_entries;
	/* since 1.1 */
	PyObject *perm_deadline, *perm_deadline_response;
	int proc_table;
};

static int fill_opts(const struct group_args *a, struct fan_group_opts *o, GroupObject *self)
{
	unsigned int resp = 0;

	if (a->default_response && a->default_response != Py_None &&
	    pyfan_uint(a->default_response, &resp, "default_response") < 0)
		return -1;
	if (resp != 0 && resp != FAN_ALLOW && resp != FAN_DENY) {
		PyErr_SetString(PyExc_ValueError, "default_response: FAN_ALLOW or FAN_DENY");
		return -1;
	}
	if (a->buffer_size < 0 || a->cache_bytes < 0 || a->proc_cache_entries < 0) {
		PyErr_SetString(PyExc_ValueError, "sizes must be >= 0");
		return -1;
	}
	if (a->perm_deadline && a->perm_deadline != Py_None) {
		double t = PyFloat_AsDouble(a->perm_deadline);
		unsigned int ms;

		if (t == -1 && PyErr_Occurred())
			return -1;
		/* 0 means "no deadline" to the library: the least deadline is 1 ms */
		if (!(t > 0) || t * 1000.0 > (double)UINT_MAX) {
			PyErr_SetString(PyExc_ValueError, "perm_deadline: seconds > 0 (None: no deadline)");
			return -1;
		}
		ms = (unsigned int)(t * 1000.0);
		o->perm_deadline_ms = (double)ms < t * 1000.0 ? ms + 1 : ms;
	}
	if (a->perm_deadline_response && a->perm_deadline_response != Py_None) {
		if (!o->perm_deadline_ms) {
			PyErr_SetString(PyExc_ValueError,
					"perm_deadline_response without perm_deadline");
			return -1;
		}
		if (pyfan_uint(a->perm_deadline_response, &o->perm_deadline_response,
			       "perm_deadline_response") < 0)
			return -1;
	}
	o->default_response = resp;
	o->buf_size = (size_t)a->buffer_size;
	o->flags = (a->answer_self ? LIBFANOTIFY_ANSWER_SELF : 0) |
		   (a->skip_self ? LIBFANOTIFY_SKIP_SELF : 0);
	self->ropts = (struct fan_resolver_opts){
		.sz = sizeof(self->ropts),
		.cache_bytes = (size_t)a->cache_bytes,
		.proc_cache_entries = (size_t)a->proc_cache_entries,
		.flags = a->proc_table ? LIBFANOTIFY_RESOLVER_PROC_TABLE : 0,
	};
	return 0;
}

/* The descriptor is always non-blocking: reads happen with the GIL held. */
static int setup(GroupObject *self)
{
	int fd = fan_group_fd(self->g), fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
		pyfan_raise(-errno, "fcntl(O_NONBLOCK)", NULL);
		return -1;
	}
	self->init_flags = fan_group_init_flags(self->g);
	self->nonblock = self->init_flags & FAN_NONBLOCK;
	/*
	 * The resolver is made when a path or process is first asked for,
	 * except for mount events: it must list the mounts that exist now to
	 * name one that is gone by the time its event is read; and with the
	 * process table, which must follow exits from the start.
	 */
	if ((self->init_flags & FAN_REPORT_MNT) || (self->ropts.flags & LIBFANOTIFY_RESOLVER_PROC_TABLE))
		return pyfan_group_resolver(self);
	return 0;
}

static int group_init(GroupObject *self, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "init_flags", "event_f_flags", "default_response", "buffer_size",
				  "answer_self", "skip_self", "cache_bytes", "proc_cache_entries",
				  "perm_deadline", "perm_deadline_response", "proc_table", NULL };
	struct group_args a = { NULL, 0, 0, 0, 0, 0, NULL, NULL, 0 };
	PyObject *io, *eo = NULL;
	LIBFANOTIFY_OPTS(fan_group_opts, o);
	char hint[160];
	int r;

	if (self->g) {
		PyErr_SetString(PyExc_RuntimeError, "Group.__init__ called twice");
		return -1;
	}
	if (!PyArg_ParseTupleAndKeywords(args, kw, "O|O$OnppnnOOp:Group", kwlist, &io, &eo,
					 &a.default_response, &a.buffer_size, &a.answer_self,
					 &a.skip_self, &a.cache_bytes, &a.proc_cache_entries,
					 &a.perm_deadline, &a.perm_deadline_response, &a.proc_table))
		return -1;
	if (pyfan_uint(io, &o.init_flags, "init_flags") < 0)
		return -1;
	o.event_f_flags = O_RDONLY;
	if (eo && pyfan_uint(eo, &o.event_f_flags, "event_f_flags") < 0)
		return -1;
	/* PEP 446: descriptors Python makes are not inherited. */
	o.init_flags |= FAN_CLOEXEC;
	o.event_f_flags |= O_CLOEXEC;
	if (fill_opts(&a, &o, self) < 0)
		return -1;
	r = fan_group_new_opts(&o, &self->g);
	if (r < 0) {
		const char *h = NULL;

		if (r == -EINVAL)
			h = newest_hint(hint, sizeof(hint), 0, 0, o.init_flags);
		else if (r == -EPERM)
			h = "fd mode, permission classes, FAN_REPORT_PIDFD and unlimited queues "
			    "need CAP_SYS_ADMIN";
		pyfan_raise_hint(r, "fanotify_init", NULL, h);
		return -1;
	}
	return setup(self);
}

static PyObject *group_adopt(PyTypeObject *type, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "fd", "default_response", "buffer_size", "answer_self",
				  "skip_self", "cache_bytes", "proc_cache_entries", "perm_deadline",
				  "perm_deadline_response", "proc_table", NULL };
	struct group_args a = { NULL, 0, 0, 0, 0, 0, NULL, NULL, 0 };
	LIBFANOTIFY_OPTS(fan_group_opts, o);
	GroupObject *self;
	int fd, r;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "i|$OnppnnOOp:adopt", kwlist, &fd,
					 &a.default_response, &a.buffer_size, &a.answer_self,
					 &a.skip_self, &a.cache_bytes, &a.proc_cache_entries,
					 &a.perm_deadline, &a.perm_deadline_response, &a.proc_table))
		return NULL;
	self = (GroupObject *)group_new(type, NULL, NULL);
	if (!self || fill_opts(&a, &o, self) < 0) {
		close(fd);	/* the group's from the call on, as in fan_group_adopt() */
		Py_XDECREF(self);
		return NULL;
	}
	r = fan_group_adopt(fd, &o, &self->g);	/* fd is the group's now, also on failure */
	if (r < 0) {
		Py_DECREF(self);
		return pyfan_raise_hint(r, "fan_group_adopt", NULL,
					r == -EINVAL ? "not a fanotify descriptor" : NULL);
	}
	if (setup(self) < 0) {
		Py_DECREF(self);
		return NULL;
	}
	return (PyObject *)self;
}

/* ---- closing ---- */

static void aio_abort(PyObject *aio);

static void group_close_now(GroupObject *self)
{
	uint64_t one = 1;

	if (!self->g)
		return;
	if (self->aio)
		aio_abort(self->aio);
	self->live = false;
	self->cursor = NULL;
	self->seq++;
	/* Trackers first: they remove their marks from groups still open. */
	if (self->trackers) {
		Py_ssize_t i;

		for (i = 0; i < PyList_GET_SIZE(self->trackers); i++) {
			PyObject *t = PyWeakref_GetObject(PyList_GET_ITEM(self->trackers, i));

			if (t && t != Py_None)
				pyfan_subtree_detach(t);
		}
	}
	fan_resolver_free(self->r);
	self->r = NULL;
	fan_group_free(self->g);	/* answers what is pending, closes what is open */
	self->g = NULL;
	if (self->wakefd >= 0 && write(self->wakefd, &one, sizeof(one)) < 0) {
		/* the counter cannot overflow here: nothing to do */
	}
	/* A waiting thread still polls it; then the deallocator closes it. */
	if (self->wakefd >= 0 && !self->reading) {
		close(self->wakefd);
		self->wakefd = -1;
	}
}

static PyObject *group_close(GroupObject *self, PyObject *unused)
{
	group_close_now(self);
	Py_RETURN_NONE;
}

static void group_dealloc(GroupObject *self)
{
	if (self->weakrefs)
		PyObject_ClearWeakRefs((PyObject *)self);
	group_close_now(self);
	Py_CLEAR(self->trackers);
	if (self->wakefd >= 0)
		close(self->wakefd);
	Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *group_enter(GroupObject *self, PyObject *unused)
{
	if (check_open(self) < 0)
		return NULL;
	return Py_NewRef((PyObject *)self);
}

static PyObject *group_exit(GroupObject *self, PyObject *args)
{
	group_close_now(self);
	Py_RETURN_FALSE;
}

/* ---- simple getters ---- */

static PyObject *group_fileno(GroupObject *self, PyObject *unused)
{
	if (check_open(self) < 0)
		return NULL;
	return PyLong_FromLong(fan_group_fd(self->g));
}

static PyObject *group_closed(GroupObject *self, void *c)
{
	return PyBool_FromLong(!self->g);
}

static PyObject *group_init_flags(GroupObject *self, void *c)
{
	return pyfan_enum(Pyfan_InitFlag, self->init_flags);
}

static PyObject *group_event_f_flags(GroupObject *self, void *c)
{
	if (check_open(self) < 0)
		return NULL;
	return PyLong_FromUnsignedLong(fan_group_event_f_flags(self->g));
}

static PyObject *group_stats(GroupObject *self, PyObject *unused)
{
	struct fan_group_stats st = { .sz = sizeof(st) };
	int r;

	if (check_open(self) < 0)
		return NULL;
	r = fan_group_get_stats(self->g, &st);
	if (r < 0)
		return pyfan_raise(r, "fan_group_get_stats", NULL);
	return pyfan_stats_new(&st);
}

static PyObject *group_flush_resolver(GroupObject *self, PyObject *unused)
{
	if (check_open(self) < 0)
		return NULL;
	fan_resolver_flush(self->r);
	Py_RETURN_NONE;
}

static PyObject *group_proc_stats(GroupObject *self, PyObject *unused)
{
	LIBFANOTIFY_OPTS(fan_resolver_proc_stats, st);
	int r;

	if (pyfan_group_resolver(self) < 0)
		return NULL;
	r = fan_resolver_get_proc_stats(self->r, &st);
	if (r < 0)
		return pyfan_raise(r, "fan_resolver_get_proc_stats", NULL);
	return pyfan_proc_stats_new(&st);
}

static PyObject *group_proc_table_fileno(GroupObject *self, PyObject *unused)
{
	int fd;

	if (pyfan_group_resolver(self) < 0)
		return NULL;
	fd = fan_resolver_fd(self->r);
	if (fd < 0)
		return pyfan_raise_hint(fd, "fan_resolver_fd", NULL, fd == -ENODATA ?
			"no process table: Group(proc_table=True), and see proc_stats().table" : NULL);
	return PyLong_FromLong(fd);
}

static PyObject *group_read_proc_table(GroupObject *self, PyObject *unused)
{
	int r;

	if (pyfan_group_resolver(self) < 0)
		return NULL;
	r = fan_resolver_read(self->r);	/* non-blocking: what is queued */
	if (r < 0)
		return pyfan_raise_hint(r, "fan_resolver_read", NULL, r == -ENODATA ?
			"no process table: Group(proc_table=True), and see proc_stats().table" : NULL);
	Py_RETURN_NONE;
}

/* ---- marks ---- */

/* A path argument: an int descriptor (*fd) or a path-like (*bytes, new reference). */
static int path_arg(PyObject *o, int *fd, PyObject **bytes)
{
	*bytes = NULL;
	if (PyLong_Check(o) && !PyBool_Check(o)) {
		*fd = PyLong_AsLong(o) ;
		return (*fd == -1 && PyErr_Occurred()) ? -1 : 0;
	}
	return PyUnicode_FSConverter(o, bytes) ? 0 : -1;
}

static int dirfd_arg(PyObject *o, int *dirfd)
{
	*dirfd = AT_FDCWD;
	if (!o || o == Py_None)
		return 0;
	*dirfd = PyLong_AsLong(o);
	return (*dirfd == -1 && PyErr_Occurred()) ? -1 : 0;
}

static PyObject *mark_common(GroupObject *self, unsigned int command, PyObject *args,
			     PyObject *kw, const char *fmt)
{
	static char *kwlist[] = { "path", "mask", "flags", "dir_fd", NULL };
	PyObject *po, *mo, *fo = NULL, *dfo = NULL, *bytes = NULL;
	unsigned int flags = 0;
	uint64_t mask;
	int fd = -1, dirfd, r;
	char hint[160];

	if (!PyArg_ParseTupleAndKeywords(args, kw, fmt, kwlist, &po, &mo, &fo, &dfo) ||
	    check_open(self) < 0 || pyfan_u64(mo, &mask, "mask") < 0 ||
	    (fo && pyfan_uint(fo, &flags, "flags") < 0) || dirfd_arg(dfo, &dirfd) < 0)
		return NULL;
	if (flags & (FAN_MARK_ADD | FAN_MARK_REMOVE | FAN_MARK_FLUSH)) {
		PyErr_SetString(PyExc_ValueError, "flags: no command (FAN_MARK_ADD, _REMOVE, "
				"_FLUSH): mark(), unmark() and flush_marks() are the commands");
		return NULL;
	}
	if (path_arg(po, &fd, &bytes) < 0)
		return NULL;
	if (bytes)
		r = fan_group_mark(self->g, command | flags, mask, dirfd, PyBytes_AS_STRING(bytes));
	else if (command == FAN_MARK_REMOVE)
		r = fan_group_remove_mark_fd(self->g, flags, mask, fd);	/* EBADF for fd < 0 */
	else
		r = fan_group_add_mark_fd(self->g, flags, mask, fd);
	Py_XDECREF(bytes);
	if (r < 0)
		return pyfan_raise_hint(r, "fanotify_mark", po, r == -EINVAL ?
			newest_hint(hint, sizeof(hint), mask, flags, self->init_flags) : NULL);
	Py_RETURN_NONE;
}

static PyObject *group_mark(GroupObject *self, PyObject *args, PyObject *kw)
{
	return mark_common(self, FAN_MARK_ADD, args, kw, "OO|O$O:mark");
}

static PyObject *group_unmark(GroupObject *self, PyObject *args, PyObject *kw)
{
	return mark_common(self, FAN_MARK_REMOVE, args, kw, "OO|O$O:unmark");
}

static PyObject *group_flush_marks(GroupObject *self, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "type", NULL };
	PyObject *to = NULL;
	unsigned int type = FAN_MARK_INODE;
	int r;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "|O:flush_marks", kwlist, &to) ||
	    check_open(self) < 0 || (to && pyfan_uint(to, &type, "type") < 0))
		return NULL;
	r = fan_group_flush_marks(self->g, type);
	if (r < 0)
		return pyfan_raise(r, "fanotify_mark(FAN_MARK_FLUSH)", NULL);
	Py_RETURN_NONE;
}

static PyObject *group_raw_mark(GroupObject *self, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "flags", "mask", "dir_fd", "path", NULL };
	PyObject *fo, *mo, *dfo = NULL, *po = Py_None, *bytes = NULL;
	unsigned int flags;
	uint64_t mask;
	int dirfd, r;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "OO|OO:fanotify_mark", kwlist, &fo, &mo, &dfo,
					 &po) ||
	    check_open(self) < 0 || pyfan_uint(fo, &flags, "flags") < 0 ||
	    pyfan_u64(mo, &mask, "mask") < 0 || dirfd_arg(dfo, &dirfd) < 0)
		return NULL;
	if (po != Py_None && !PyUnicode_FSConverter(po, &bytes))
		return NULL;
	r = fan_group_mark(self->g, flags, mask, dirfd, bytes ? PyBytes_AS_STRING(bytes) : NULL);
	Py_XDECREF(bytes);
	if (r < 0)
		return pyfan_raise(r, "fanotify_mark", po == Py_None ? NULL : po);
	Py_RETURN_NONE;
}

static PyObject *group_mark_mntns(GroupObject *self, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "mask", "ns", NULL };
	PyObject *mo, *ns = Py_None, *bytes = NULL;
	uint64_t mask;
	int fd = -1, r;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "O|O:mark_mntns", kwlist, &mo, &ns) ||
	    check_open(self) < 0 || pyfan_u64(mo, &mask, "mask") < 0)
		return NULL;
	if (ns != Py_None) {
		if (path_arg(ns, &fd, &bytes) < 0)
			return NULL;
		if (bytes) {
			fd = open(PyBytes_AS_STRING(bytes), O_RDONLY | O_CLOEXEC);
			if (fd < 0) {
				Py_DECREF(bytes);
				return pyfan_raise(-errno, "open", ns);
			}
		}
	}
	r = fan_group_add_mntns_mark(self->g, mask, fd);
	if (bytes) {
		close(fd);
		Py_DECREF(bytes);
	}
	if (r < 0)
		return pyfan_raise_hint(r, "fanotify_mark(FAN_MARK_MNTNS)", NULL,
			r == -EINVAL ? "Linux 6.15, a FAN_REPORT_MNT group, mask of "
				       "FAN_MNT_ATTACH | FAN_MNT_DETACH" : NULL);
	Py_RETURN_NONE;
}

static PyObject *group_add_mount(GroupObject *self, PyObject *arg)
{
	PyObject *bytes = NULL;
	int fd = -1, r;

	if (check_open(self) < 0 || path_arg(arg, &fd, &bytes) < 0)
		return NULL;
	if (bytes)
		r = fan_group_add_mount(self->g, AT_FDCWD, PyBytes_AS_STRING(bytes));
	else
		r = fan_group_add_mount(self->g, fd, NULL);
	Py_XDECREF(bytes);
	if (r < 0)
		return pyfan_raise(r, "fan_group_add_mount", arg);
	Py_RETURN_NONE;
}

/* ---- reading ---- */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Wait until the group is readable, the deadline passes (deadline < 0:
 * never) or the group is closed (by another thread: the eventfd wakes
 * us).  1 readable, 0 timed out, -1 exception (signal handler, closed).
 */
static int wait_readable(GroupObject *self, double deadline)
{
	struct pollfd p[2];
	uint64_t val;
	int n, err, ms;

	if (self->wakefd < 0) {
		self->wakefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (self->wakefd < 0) {
			pyfan_raise(-errno, "eventfd", NULL);
			return -1;
		}
	}
	for (;;) {
		ms = -1;
		if (deadline >= 0) {
			double left = deadline - now_s();

			/* rounded up: never wake before the deadline */
			ms = left <= 0 ? 0 : left > 86400 ? 86400000 : (int)(left * 1000) + 1;
		}
		p[0] = (struct pollfd){ .fd = fan_group_fd(self->g), .events = POLLIN };
		p[1] = (struct pollfd){ .fd = self->wakefd, .events = POLLIN };
		self->reading = true;
		Py_BEGIN_ALLOW_THREADS
		n = poll(p, 2, ms);
		err = errno;
		Py_END_ALLOW_THREADS
		self->reading = false;
		if (check_open(self) < 0)
			return -1;
		if (n < 0) {
			if (err != EINTR) {
				pyfan_raise(-err, "poll", NULL);
				return -1;
			}
			if (PyErr_CheckSignals() < 0)
				return -1;
			continue;
		}
		if (n == 0)
			return 0;
		if (p[0].revents)
			return 1;
		if (read(self->wakefd, &val, sizeof(val)) < 0) {
			/* drained by another waiter */
		}
	}
}

static PyObject *make_batch(GroupObject *self, bool live, bool malformed)
{
	BatchObject *b = PyObject_New(BatchObject, &Pyfan_BatchType);
	struct fan_event *ev;
	Py_ssize_t n = 0, i = 0;

	if (!b)
		return NULL;
	b->group = (GroupObject *)Py_NewRef((PyObject *)self);
	b->seq = live ? self->seq : 0;	/* 0: never a live batch's */
	b->malformed = malformed;
	b->events = NULL;
	if (live)
		fan_for_each_event(ev, self->g)
			n++;
	b->events = PyTuple_New(n);
	if (!b->events) {
		Py_DECREF(b);
		return NULL;
	}
	if (live)
		fan_for_each_event(ev, self->g) {
			PyObject *e = (PyObject *)pyfan_event_new(self, ev, self->seq);

			if (!e) {
				Py_DECREF(b);
				return NULL;
			}
			PyTuple_SET_ITEM(b->events, i++, e);
		}
	return (PyObject *)b;
}

/*
 * End the current batch, wait (deadline < 0: for ever; 0: not at all),
 * read the next one.  An empty Batch when nothing came in time.
 */
static PyObject *read_batch(GroupObject *self, double deadline)
{
	PyObject *b;
	int n;

	if (check_open(self) < 0)
		return NULL;
	if (self->reading) {
		PyErr_SetString(PyExc_RuntimeError, "another thread is reading this group");
		return NULL;
	}
	pyfan_group_end_batch(self);
	self->seq++;
	/*
	 * Read first, wait only when nothing is queued: a listener that is
	 * busy finds its next events waiting and saves a poll() per batch.
	 */
	for (;;) {
		n = fan_group_read(self->g);
		if (n >= 0 || n == -EBADMSG)
			break;
		if (n == -EINTR) {
			if (PyErr_CheckSignals() < 0)
				return NULL;
			continue;
		}
		if (n != -EAGAIN)
			return pyfan_raise(n, "read", NULL);
		if (deadline == 0)
			return make_batch(self, false, false);
		n = wait_readable(self, deadline);
		if (n < 0)
			return NULL;
		if (n == 0)
			return make_batch(self, false, false);
		/* readable: read again (another reader of the descriptor may be faster) */
	}
	self->live = true;
	self->cursor = fan_group_first_event(self->g);
	b = make_batch(self, true, n == -EBADMSG);
	if (b && n == -EBADMSG &&
	    PyErr_WarnEx(PyExc_RuntimeWarning, "fanotify: malformed event buffer: the events "
			 "after the last valid one are lost (Group.stats().malformed)", 1) < 0)
		Py_CLEAR(b);
	return b;
}

static int parse_timeout(PyObject *o, GroupObject *self, double *deadline)
{
	double t;

	if (!o || o == Py_None) {
		*deadline = self->nonblock ? 0 : -1;
		return 0;
	}
	t = PyFloat_AsDouble(o);
	if (t == -1 && PyErr_Occurred())
		return -1;
	if (t < 0 || isnan(t)) {
		PyErr_SetString(PyExc_ValueError, "timeout must be >= 0 or None");
		return -1;
	}
	*deadline = t == 0 ? 0 : now_s() + t;
	return 0;
}

static PyObject *group_read(GroupObject *self, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "timeout", NULL };
	PyObject *to = NULL;
	double deadline;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "|O:read", kwlist, &to) ||
	    check_open(self) < 0 || parse_timeout(to, self, &deadline) < 0)
		return NULL;
	return read_batch(self, deadline);
}

static PyObject *group_release(GroupObject *self, PyObject *unused)
{
	pyfan_group_end_batch(self);
	Py_RETURN_NONE;
}

static PyObject *group_repr(GroupObject *self)
{
	if (!self->g)
		return PyUnicode_FromString("<fanotify.Group closed>");
	return PyUnicode_FromFormat("<fanotify.Group fd=%d init_flags=0x%x>", fan_group_fd(self->g),
				    self->init_flags);
}

/* ---- Batch ---- */

static bool batch_current(const BatchObject *b)
{
	return b->seq && b->group->g && b->group->live && b->seq == b->group->seq;
}

static void batch_dealloc(BatchObject *self)
{
	if (batch_current(self))
		pyfan_group_end_batch(self->group);
	Py_XDECREF(self->events);
	Py_XDECREF(self->group);
	PyObject_Free(self);
}

static Py_ssize_t batch_len(BatchObject *self)
{
	return PyTuple_GET_SIZE(self->events);
}

static PyObject *batch_item(BatchObject *self, Py_ssize_t i)
{
	if (i < 0 || i >= PyTuple_GET_SIZE(self->events)) {
		PyErr_SetString(PyExc_IndexError, "batch index out of range");
		return NULL;
	}
	return Py_NewRef(PyTuple_GET_ITEM(self->events, i));
}

static PyObject *batch_subscript(BatchObject *self, PyObject *key)
{
	return PyObject_GetItem(self->events, key);
}

static PyObject *batch_iter(BatchObject *self)
{
	return PySeqIter_New((PyObject *)self);	/* holds the batch while the loop runs */
}

static PyObject *batch_release(BatchObject *self, PyObject *unused)
{
	if (batch_current(self))
		pyfan_group_end_batch(self->group);
	Py_RETURN_NONE;
}

static PyObject *batch_enter(BatchObject *self, PyObject *unused)
{
	return Py_NewRef((PyObject *)self);
}

static PyObject *batch_exit(BatchObject *self, PyObject *args)
{
	if (batch_current(self))
		pyfan_group_end_batch(self->group);
	Py_RETURN_FALSE;
}

static PyObject *batch_finished(BatchObject *self, void *c)
{
	return PyBool_FromLong(!batch_current(self));
}

static PyObject *batch_malformed(BatchObject *self, void *c)
{
	return PyBool_FromLong(self->malformed);
}

static PyObject *batch_events(BatchObject *self, void *c)
{
	return Py_NewRef(self->events);
}

static PyObject *batch_repr(BatchObject *self)
{
	return PyUnicode_FromFormat("<fanotify.Batch of %zd events%s%s>",
				    PyTuple_GET_SIZE(self->events),
				    batch_current(self) ? "" : ", finished",
				    self->malformed ? ", malformed" : "");
}

static PySequenceMethods batch_as_sequence = {
	.sq_length = (lenfunc)batch_len,
	.sq_item = (ssizeargfunc)batch_item,
};

static PyMappingMethods batch_as_mapping = {
	.mp_length = (lenfunc)batch_len,
	.mp_subscript = (binaryfunc)batch_subscript,
};

static PyMethodDef batch_methods[] = {
	{ "release", (PyCFunction)batch_release, METH_NOARGS,
	  "release($self)\n--\n\nEnd the batch now (if it is still the group's current one): default\n"
	  "answers to permission events nobody answered or deferred, descriptors nobody\n"
	  "took closed.  Idempotent." },
	{ "__enter__", (PyCFunction)batch_enter, METH_NOARGS, NULL },
	{ "__exit__", (PyCFunction)batch_exit, METH_VARARGS, "release()" },
	{ NULL, NULL, 0, NULL },
};

static PyGetSetDef batch_getset[] = {
	{ "finished", (getter)batch_finished, NULL, "the batch has ended", NULL },
	{ "malformed", (getter)batch_malformed, NULL,
	  "the kernel's buffer had a malformed tail: the events after the last valid one "
	  "are lost (a RuntimeWarning said so)", NULL },
	{ "events", (getter)batch_events, NULL, "the events, a tuple", NULL },
	{ NULL, NULL, NULL, NULL, NULL },
};

PyTypeObject Pyfan_BatchType = {
	PyVarObject_HEAD_INIT(NULL, 0)
	.tp_name = "fanotify.Batch",
	.tp_basicsize = sizeof(BatchObject),
	.tp_dealloc = (destructor)batch_dealloc,
	.tp_repr = (reprfunc)batch_repr,
	.tp_as_sequence = &batch_as_sequence,
	.tp_as_mapping = &batch_as_mapping,
	.tp_iter = (getiterfunc)batch_iter,
	.tp_flags = Py_TPFLAGS_DEFAULT,
	.tp_doc = "The events of one read (Group.read()): a sequence of Event, and a context\n"
		  "manager that ends the batch on exit.\n\n"
		  "The batch ends at the group's next read, release() or close, at the end of\n"
		  "a `with` block over it, or when this object is dropped (so `for ev in\n"
		  "group.read():` ends it when the loop ends, also by an exception).  Keep the\n"
		  "Batch while you work on its events; defer() permission events to answer\n"
		  "them later.",
	.tp_methods = batch_methods,
	.tp_getset = batch_getset,
};

/* ---- for ev in group ---- */

typedef struct {
	PyObject_HEAD
	GroupObject *group;
	BatchObject *batch;
	Py_ssize_t i;
} EventIterObject;

/* The next event of the iterator's batch while it is current; NULL: none. */
static PyObject *iter_next_in_batch(BatchObject *b, Py_ssize_t *i)
{
	if (!b || !batch_current(b) || *i >= PyTuple_GET_SIZE(b->events))
		return NULL;
	return Py_NewRef(PyTuple_GET_ITEM(b->events, (*i)++));
}

static PyObject *eventiter_next(EventIterObject *self)
{
	PyObject *ev;

	for (;;) {
		ev = iter_next_in_batch(self->batch, &self->i);
		if (ev)
			return ev;
		Py_CLEAR(self->batch);	/* ends it */
		if (!self->group->g)
			return NULL;
		self->batch = (BatchObject *)read_batch(self->group, -1);
		self->i = 0;
		if (!self->batch) {
			/* closed by another thread: the end of the iteration */
			if (PyErr_ExceptionMatches(Pyfan_GroupClosedError) && !self->group->g)
				PyErr_Clear();
			return NULL;
		}
	}
}

static void eventiter_dealloc(EventIterObject *self)
{
	Py_XDECREF(self->batch);
	Py_XDECREF(self->group);
	PyObject_Free(self);
}

PyTypeObject Pyfan_EventIterType = {
	PyVarObject_HEAD_INIT(NULL, 0)
	.tp_name = "fanotify._EventIterator",
	.tp_basicsize = sizeof(EventIterObject),
	.tp_dealloc = (destructor)eventiter_dealloc,
	.tp_flags = Py_TPFLAGS_DEFAULT,
	.tp_iter = PyObject_SelfIter,
	.tp_iternext = (iternextfunc)eventiter_next,
};

static PyObject *group_iter(GroupObject *self)
{
	EventIterObject *it;

	if (check_open(self) < 0)
		return NULL;
	it = PyObject_New(EventIterObject, &Pyfan_EventIterType);
	if (!it)
		return NULL;
	it->group = (GroupObject *)Py_NewRef((PyObject *)self);
	it->batch = NULL;
	it->i = 0;
	return (PyObject *)it;
}

/* ---- async for ev in group ---- */

/*
 * __anext__ returns an asyncio future: done at once when the current
 * batch has another event, else pending until the loop's reader callback
 * finds a batch (loop.add_reader on the group's descriptor).  The future's
 * done callback removes the reader, also when the task is cancelled.
 */
typedef struct {
	PyObject_HEAD
	GroupObject *group;
	BatchObject *batch;
	Py_ssize_t i;
	PyObject *loop;
	PyObject *fut;		/* pending future, NULL if none */
	int reader_fd;		/* registered with the loop, -1 if not */
} AsyncIterObject;

static PyObject *get_running_loop;

static void aio_remove_reader(AsyncIterObject *self)
{
	PyObject *r;

	if (self->reader_fd < 0)
		return;
	r = PyObject_CallMethod(self->loop, "remove_reader", "i", self->reader_fd);
	if (!r)
		PyErr_WriteUnraisable((PyObject *)self);
	Py_XDECREF(r);
	self->reader_fd = -1;
	if (self->group->aio == (PyObject *)self)
		self->group->aio = NULL;
}

static int fut_done(PyObject *fut)
{
	PyObject *d = PyObject_CallMethod(fut, "done", NULL);
	int r = d ? PyObject_IsTrue(d) : -1;

	Py_XDECREF(d);
	return r;
}

static void fut_set(PyObject *fut, const char *method, PyObject *value)
{
	PyObject *r;

	if (fut_done(fut) != 0) {
		PyErr_Clear();
		return;
	}
	r = PyObject_CallMethod(fut, method, "O", value);
	if (!r)
		PyErr_WriteUnraisable(fut);
	Py_XDECREF(r);
}

/* The group was closed under a waiting `async for`: it ends. */
static void aio_abort(PyObject *o)
{
	AsyncIterObject *self = (AsyncIterObject *)o;
	PyObject *exc, *fut = self->fut;
	PyObject *type, *value, *tb;

	PyErr_Fetch(&type, &value, &tb);
	Py_XINCREF(fut);
	aio_remove_reader(self);
	if (fut) {
		exc = PyObject_CallNoArgs(PyExc_StopAsyncIteration);
		if (exc) {
			fut_set(fut, "set_exception", exc);
			Py_DECREF(exc);
		} else {
			PyErr_WriteUnraisable(o);
		}
		Py_DECREF(fut);
	}
	PyErr_Restore(type, value, tb);
}

static PyObject *aio_on_readable(PyObject *o, PyObject *unused)
{
	AsyncIterObject *self = (AsyncIterObject *)o;
	PyObject *b, *ev, *exc, *type, *value, *tb;

	if (!self->fut || !self->group->g)
		Py_RETURN_NONE;
	Py_CLEAR(self->batch);
	b = read_batch(self->group, 0);
	if (!b) {
		/* the error goes to the awaiting task */
		PyErr_Fetch(&type, &value, &tb);
		PyErr_NormalizeException(&type, &value, &tb);
		if (tb)
			PyException_SetTraceback(value, tb);
		exc = value;
		Py_XDECREF(type);
		Py_XDECREF(tb);
		if (exc) {
			fut_set(self->fut, "set_exception", exc);
			Py_DECREF(exc);
		}
		Py_RETURN_NONE;
	}
	self->batch = (BatchObject *)b;
	self->i = 0;
	ev = iter_next_in_batch(self->batch, &self->i);
	if (ev) {
		fut_set(self->fut, "set_result", ev);
		Py_DECREF(ev);
	}
	Py_RETURN_NONE;	/* nothing yet: keep waiting */
}

static PyObject *aio_on_done(PyObject *o, PyObject *fut)
{
	AsyncIterObject *self = (AsyncIterObject *)o;

	aio_remove_reader(self);
	if (self->fut == fut)
		Py_CLEAR(self->fut);
	Py_RETURN_NONE;
}

static PyMethodDef aio_on_readable_def = { "_on_readable", aio_on_readable, METH_NOARGS, NULL };
static PyMethodDef aio_on_done_def = { "_on_done", aio_on_done, METH_O, NULL };

static PyObject *done_future(PyObject *loop, PyObject *value)
{
	PyObject *fut = PyObject_CallMethod(loop, "create_future", NULL), *r;

	if (!fut)
		return NULL;
	r = PyObject_CallMethod(fut, "set_result", "O", value);
	if (!r)
		Py_CLEAR(fut);
	Py_XDECREF(r);
	return fut;
}

static PyObject *aio_anext(AsyncIterObject *self)
{
	PyObject *loop, *ev, *fut, *cb, *r;

	if (!self->group->g) {
		PyErr_SetNone(PyExc_StopAsyncIteration);
		return NULL;
	}
	if (!get_running_loop) {	/* asyncio only for those who use it */
		PyObject *asyncio = PyImport_ImportModule("asyncio");

		if (!asyncio)
			return NULL;
		get_running_loop = PyObject_GetAttrString(asyncio, "get_running_loop");
		Py_DECREF(asyncio);
		if (!get_running_loop)
			return NULL;
	}
	loop = PyObject_CallNoArgs(get_running_loop);
	if (!loop)
		return NULL;
	if (self->loop && self->loop != loop) {
		Py_DECREF(loop);
		PyErr_SetString(PyExc_RuntimeError, "async iteration moved to another event loop");
		return NULL;
	}
	if (!self->loop)
		self->loop = Py_NewRef(loop);
	Py_DECREF(loop);
	if (self->fut) {
		PyErr_SetString(PyExc_RuntimeError, "__anext__() while the previous one is pending");
		return NULL;
	}
	ev = iter_next_in_batch(self->batch, &self->i);
	if (!ev) {
		/* try without waiting first */
		Py_CLEAR(self->batch);
		self->batch = (BatchObject *)read_batch(self->group, 0);
		self->i = 0;
		if (!self->batch)
			return NULL;
		ev = iter_next_in_batch(self->batch, &self->i);
	}
	if (ev) {
		fut = done_future(self->loop, ev);
		Py_DECREF(ev);
		return fut;
	}
	if (self->group->aio) {
		PyErr_SetString(PyExc_RuntimeError, "another async iteration waits on this group");
		return NULL;
	}
	fut = PyObject_CallMethod(self->loop, "create_future", NULL);
	if (!fut)
		return NULL;
	cb = PyCFunction_New(&aio_on_readable_def, (PyObject *)self);
	r = cb ? PyObject_CallMethod(self->loop, "add_reader", "iO", fan_group_fd(self->group->g),
				     cb) : NULL;
	Py_XDECREF(cb);
	if (!r) {
		Py_DECREF(fut);
		return NULL;
	}
	Py_DECREF(r);
	self->reader_fd = fan_group_fd(self->group->g);
	self->group->aio = (PyObject *)self;
	self->fut = Py_NewRef(fut);
	cb = PyCFunction_New(&aio_on_done_def, (PyObject *)self);
	r = cb ? PyObject_CallMethod(fut, "add_done_callback", "O", cb) : NULL;
	Py_XDECREF(cb);
	if (!r) {
		aio_remove_reader(self);
		Py_CLEAR(self->fut);
		Py_DECREF(fut);
		return NULL;
	}
	Py_DECREF(r);
	return fut;
}

static int aio_traverse(AsyncIterObject *self, visitproc visit, void *arg)
{
	Py_VISIT(self->group);
	Py_VISIT(self->batch);
	Py_VISIT(self->loop);
	Py_VISIT(self->fut);
	return 0;
}

static int aio_clear(AsyncIterObject *self)
{
	if (self->reader_fd >= 0 && self->loop)
		aio_remove_reader(self);
	Py_CLEAR(self->fut);
	Py_CLEAR(self->batch);
	Py_CLEAR(self->loop);
	return 0;
}

static void aio_dealloc(AsyncIterObject *self)
{
	PyObject_GC_UnTrack(self);
	aio_clear(self);
	Py_XDECREF(self->group);
	PyObject_GC_Del(self);
}

static PyAsyncMethods aio_as_async = {
	.am_aiter = PyObject_SelfIter,
	.am_anext = (unaryfunc)aio_anext,
};

PyTypeObject Pyfan_AsyncIterType = {
	PyVarObject_HEAD_INIT(NULL, 0)
	.tp_name = "fanotify._AsyncEventIterator",
	.tp_basicsize = sizeof(AsyncIterObject),
	.tp_dealloc = (destructor)aio_dealloc,
	.tp_as_async = &aio_as_async,
	.tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
	.tp_traverse = (traverseproc)aio_traverse,
	.tp_clear = (inquiry)aio_clear,
};

static PyObject *group_aiter(GroupObject *self)
{
	AsyncIterObject *it;

	if (check_open(self) < 0)
		return NULL;
	it = PyObject_GC_New(AsyncIterObject, &Pyfan_AsyncIterType);
	if (!it)
		return NULL;
	it->group = (GroupObject *)Py_NewRef((PyObject *)self);
	it->batch = NULL;
	it->i = 0;
	it->loop = NULL;
	it->fut = NULL;
	it->reader_fd = -1;
	PyObject_GC_Track(it);
	return (PyObject *)it;
}

/* ---- the type ---- */

static PyMethodDef group_methods[] = {
	{ "adopt", (PyCFunction)(void (*)(void))group_adopt,
	  METH_VARARGS | METH_KEYWORDS | METH_CLASS,
	  "Group.adopt(fd, *, default_response=None, buffer_size=0, answer_self=False,\n"
	  "            skip_self=False, cache_bytes=0, proc_cache_entries=0,\n"
	  "            perm_deadline=None, perm_deadline_response=None, proc_table=False)\n"
	  "            -> Group\n\n"
	  "A Group over an existing fanotify descriptor, which it owns from then on\n"
	  "(closed by close(), also if adopting fails).  Its init flags are read from\n"
	  "/proc/self/fdinfo.  The descriptor is made non-blocking." },
	{ "fileno", (PyCFunction)group_fileno, METH_NOARGS,
	  "fileno($self)\n--\n\n-> int\n\nThe group's descriptor, for selectors and loop.add_reader():\n"
	  "readable when events are queued; then read(timeout=0)." },
	{ "close", (PyCFunction)group_close, METH_NOARGS,
	  "close($self)\n--\n\nAnswer every pending permission event (the current batch's and every\n"
	  "deferred one) with the default verdict, close every descriptor nobody took,\n"
	  "close the group.  A thread waiting in read() or iteration is woken: read()\n"
	  "raises GroupClosedError, iteration ends.  Idempotent." },
	{ "__enter__", (PyCFunction)group_enter, METH_NOARGS, NULL },
	{ "__exit__", (PyCFunction)group_exit, METH_VARARGS, "close()" },
	{ "mark", (PyCFunction)(void (*)(void))group_mark, METH_VARARGS | METH_KEYWORDS,
	  "mark($self, /, path, mask, flags=0, *, dir_fd=None)\n--\n\n"
	  "Add mask to a mark: fanotify_mark(FAN_MARK_ADD | flags, mask).  path: a str,\n"
	  "bytes or path-like (relative to dir_fd), or an int descriptor of the object.\n"
	  "flags: the mark type (FAN_MARK_INODE, _MOUNT, _FILESYSTEM) and modifiers\n"
	  "(_ONLYDIR, _DONT_FOLLOW, _IGNORE, _IGNORE_SURV, _IGNORED_MASK,\n"
	  "_IGNORED_SURV_MODIFY, _EVICTABLE).  In groups reporting file handles the\n"
	  "mark also records what the resolver needs to name the object's events.\n"
	  "Mount namespaces: mark_mntns()." },
	{ "unmark", (PyCFunction)(void (*)(void))group_unmark, METH_VARARGS | METH_KEYWORDS,
	  "unmark($self, /, path, mask, flags=0, *, dir_fd=None)\n--\n\n"
	  "Remove mask bits from a mark (FAN_MARK_REMOVE)." },
	{ "flush_marks", (PyCFunction)(void (*)(void))group_flush_marks,
	  METH_VARARGS | METH_KEYWORDS,
	  "flush_marks($self, /, type=0)\n--\n\nRemove every mark of one type: FAN_MARK_INODE,\n"
	  "_MOUNT, _FILESYSTEM or _MNTNS." },
	{ "mark_mntns", (PyCFunction)(void (*)(void))group_mark_mntns,
	  METH_VARARGS | METH_KEYWORDS,
	  "mark_mntns($self, /, mask, ns=None)\n--\n\nMark a mount namespace (Linux 6.15, FAN_REPORT_MNT\n"
	  "groups): mask of FAN_MNT_ATTACH | FAN_MNT_DETACH.  ns: None for the caller's own,\n"
	  "an open /proc/PID/ns/mnt descriptor, or its path." },
	{ "fanotify_mark", (PyCFunction)(void (*)(void))group_raw_mark,
	  METH_VARARGS | METH_KEYWORDS,
	  "fanotify_mark($self, /, flags, mask, dir_fd=None, path=None)\n--\n\n"
	  "fanotify_mark(2) as it is: any command, type and modifier." },
	{ "add_mount", (PyCFunction)group_add_mount, METH_O,
	  "add_mount($self, path, /)\n--\n\nRecord by hand the mount root used with open_by_handle_at() for the\n"
	  "filesystem holding path (or an int descriptor).  Marks do this themselves." },
	{ "read", (PyCFunction)(void (*)(void))group_read, METH_VARARGS | METH_KEYWORDS,
	  "read($self, /, timeout=None)\n--\n\n-> Batch\n\n"
	  "End the current batch, then wait up to timeout seconds (None: until events\n"
	  "come, or not at all for a group made with FAN_NONBLOCK; 0: do not wait) and\n"
	  "read one batch.  An empty Batch if nothing came in time.  The wait releases\n"
	  "the GIL and is interrupted by signals (their handlers run; an exception from\n"
	  "one propagates) and by close() from another thread (GroupClosedError).\n"
	  "A malformed buffer gives the events before the malformed one, with a\n"
	  "RuntimeWarning and Batch.malformed." },
	{ "release", (PyCFunction)group_release, METH_NOARGS,
	  "release($self)\n--\n\nEnd the current batch now: the default verdict for permission events\n"
	  "nobody answered or deferred, descriptors nobody took closed.  Call it before\n"
	  "a long pause between reads, so no opener waits for your next read." },
	{ "stats", (PyCFunction)group_stats, METH_NOARGS,
	  "stats($self)\n--\n\n-> GroupStats\n\nThe group's counters." },
	{ "flush_resolver", (PyCFunction)group_flush_resolver, METH_NOARGS,
	  "flush_resolver($self)\n--\n\nDrop every cached directory path." },
	{ "proc_stats", (PyCFunction)group_proc_stats, METH_NOARGS,
	  "proc_stats($self)\n--\n\n-> ProcStats\n\nThe resolver's process counters, and whether the\n"
	  "process table is kept (table == 0) or why not (an errno)." },
	{ "proc_table_fileno", (PyCFunction)group_proc_table_fileno, METH_NOARGS,
	  "proc_table_fileno($self)\n--\n\n-> int\n\nWith the process table (proc_table=True), the\n"
	  "descriptor it is fed through: readable at every exit on the system.  Call\n"
	  "read_proc_table() when it is, or every few tens of milliseconds, so the\n"
	  "table keeps up while no events come.  OSError(ENODATA) without a table." },
	{ "read_proc_table", (PyCFunction)group_read_proc_table, METH_NOARGS,
	  "read_proc_table($self)\n--\n\nRead what the kernel sent for the process table (does not\n"
	  "wait).  OSError(ENODATA) without a table." },
	{ NULL, NULL, 0, NULL },
};

static PyGetSetDef group_getset[] = {
	{ "closed", (getter)group_closed, NULL, "close() was called", NULL },
	{ "init_flags", (getter)group_init_flags, NULL,
	  "the init flags (InitFlag), as the kernel shows them for an adopted group", NULL },
	{ "event_f_flags", (getter)group_event_f_flags, NULL, "the event_f_flags (int)", NULL },
	{ NULL, NULL, NULL, NULL, NULL },
};

static PyAsyncMethods group_as_async = {
	.am_aiter = (unaryfunc)group_aiter,
};

PyTypeObject Pyfan_GroupType = {
	PyVarObject_HEAD_INIT(NULL, 0)
	.tp_name = "fanotify.Group",
	.tp_basicsize = sizeof(GroupObject),
	.tp_dealloc = (destructor)group_dealloc,
	.tp_repr = (reprfunc)group_repr,
	.tp_as_async = &group_as_async,
	.tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
	.tp_doc = "Group(init_flags, event_f_flags=0, *, default_response=None, buffer_size=0,\n"
		  "      answer_self=False, skip_self=False, cache_bytes=0, proc_cache_entries=0,\n"
		  "      perm_deadline=None, perm_deadline_response=None, proc_table=False)\n"
		  "--\n\n"
		  "A fanotify group: fanotify_init(init_flags | FAN_CLOEXEC,\n"
		  "event_f_flags | O_CLOEXEC).  A context manager (close() on exit).\n\n"
		  "event_f_flags     the open flags of event descriptors (0: O_RDONLY)\n"
		  "default_response  FAN_ALLOW (None) or FAN_DENY: what a permission event gets\n"
		  "                  when its batch ends (or the group closes) without an answer\n"
		  "buffer_size       bytes per read (0: 256 KiB)\n"
		  "answer_self       allow this process's own permission events at once\n"
		  "skip_self         also hide this process's own events (not DELETE_SELF,\n"
		  "                  FS_ERROR)\n"
		  "cache_bytes       the resolver's directory cache limit (0: 4 MiB)\n"
		  "proc_cache_entries  process identities the resolver keeps (0: 1024)\n"
		  "perm_deadline     seconds: a deferred permission event still unanswered\n"
		  "                  this long after defer() is answered by the library with\n"
		  "                  perm_deadline_response (FAN_ALLOW if None), from its own\n"
		  "                  thread (Event.set_deadline() per event); None: no deadline\n"
		  "proc_table        keep a process table (kernel exit records and the proc\n"
		  "                  connector) so a process that exited before its event was\n"
		  "                  read is still named (Process.recorded)\n\n"
		  "Reading: read(timeout) -> Batch; `for ev in group` (blocks, ends when the\n"
		  "group is closed by another thread); `async for ev in group` (asyncio, through\n"
		  "loop.add_reader); fileno() for your own selector.",
	.tp_weaklistoffset = offsetof(GroupObject, weakrefs),
	.tp_iter = (getiterfunc)group_iter,
	.tp_methods = group_methods,
	.tp_getset = group_getset,
	.tp_init = (initproc)group_init,
	.tp_new = group_new,
};

int pyfan_group_types_init(PyObject *m)
{
	if (PyType_Ready(&Pyfan_GroupType) < 0 || PyType_Ready(&Pyfan_EventType) < 0 ||
	    PyType_Ready(&Pyfan_BatchType) < 0 || PyType_Ready(&Pyfan_EventIterType) < 0 ||
	    PyType_Ready(&Pyfan_AsyncIterType) < 0)
		return -1;
	if (PyModule_AddObject(m, "Group", Py_NewRef((PyObject *)&Pyfan_GroupType)) < 0 ||
	    PyModule_AddObject(m, "Event", Py_NewRef((PyObject *)&Pyfan_EventType)) < 0 ||
	    PyModule_AddObject(m, "Batch", Py_NewRef((PyObject *)&Pyfan_BatchType)) < 0)
		return -1;
	return 0;
}
