// SPDX-License-Identifier: MIT
/*
 * Event: one event of a batch.  It copies the event's bytes when it is
 * made, so its mask, pid and records stay readable for as long as the
 * object lives; everything that needs the batch (descriptors, answers,
 * resolving) goes through the event in the group's buffer, and only while
 * that batch is the group's current one.  After that it raises
 * StaleEventError instead of touching memory the next read reuses.
 * defer() moves a permission event out of its batch into a fan_perm the
 * object owns until it is answered (from any thread) or dropped (then the
 * default verdict).
 */
#include "pyfan.h"

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#define COPY(self) ((const struct fan_event *)(self)->data)

static bool is_live(const EventObject *self)
{
	const GroupObject *G = self->group;

	return G && G->g && G->live && self->seq == G->seq && !(self->flags & EV_DEFERRED);
}

static bool fd_mode(const EventObject *self)
{
	return self->group && !(self->group->init_flags & (FAN_REPORT_FID | FAN_REPORT_DIR_FID));
}

/* Why the batch's event is not reachable any more: StaleEventError. */
static PyObject *stale(const EventObject *self, const char *what)
{
	char msg[256];
	const char *why;

	if (!self->group)
		why = "a parsed event has no descriptors, answers or resolution";
	else if (!self->group->g)
		why = "the group is closed: the event was answered and its descriptors closed";
	else if (self->flags & EV_DEFERRED)
		why = "the deferred event was answered: its descriptors are closed";
	else
		why = "its batch is finished (answered, descriptors closed); resolve or defer() "
		      "an event while its batch is current";
	snprintf(msg, sizeof(msg), "%s: %s", what, why);
	return pyfan_raise_class(Pyfan_StaleEventError, EINVAL, msg);
}

/* The event to resolve: the deferred copy, or the live one (*live set). */
static const struct fan_event *resolvable(EventObject *self, bool *live, const char *what)
{
	*live = false;
	if (self->perm && self->group && self->group->g)
		return fan_perm_event(self->perm);
	if (is_live(self)) {
		*live = true;
		return self->live;
	}
	stale(self, what);
	return NULL;
}

const struct fan_event *pyfan_event_current(EventObject *self, const char *what)
{
	bool live;

	return resolvable(self, &live, what);
}

EventObject *pyfan_event_new(GroupObject *group, struct fan_event *ev, uint64_t seq)
{
	uint32_t len = fan_event_len(ev);
	EventObject *o = PyObject_NewVar(EventObject, &Pyfan_EventType, len);

	if (!o)
		return NULL;
	o->group = group;
	Py_XINCREF(group);
	o->live = group ? ev : NULL;
	o->seq = seq;
	o->perm = NULL;
	o->flags = 0;
	o->mask = o->info = o->path = o->new_path = o->process = o->process_info = NULL;
	o->path_flags = o->new_path_flags = 0;
	o->path_error = o->new_path_error = 0;
	memcpy(o->data, ev, len);
	return o;
}

static void event_dealloc(EventObject *self)
{
	if (self->perm)
		fan_perm_free(self->perm);	/* the default verdict, descriptors closed */
	Py_XDECREF(self->mask);
	Py_XDECREF(self->info);
	Py_XDECREF(self->path);
	Py_XDECREF(self->new_path);
	Py_XDECREF(self->process);
	Py_XDECREF(self->process_info);
	Py_XDECREF(self->group);
	Py_TYPE(self)->tp_free((PyObject *)self);
}

/* ---- fields of the copy ---- */

static PyObject *ev_mask(EventObject *self, void *c)
{
	if (!self->mask)
		self->mask = pyfan_mask(fan_event_mask(COPY(self)));
	return Py_XNewRef(self->mask);
}

static PyObject *ev_pid(EventObject *self, void *c)
{
	return PyLong_FromLong(fan_event_pid(COPY(self)));
}

static PyObject *ev_fd_error(EventObject *self, void *c)
{
	return PyLong_FromLong(-fan_event_fd_error(COPY(self)));
}

static PyObject *ev_is_permission(EventObject *self, void *c)
{
	return PyBool_FromLong(fan_event_is_permission(COPY(self)));
}

static PyObject *ev_is_overflow(EventObject *self, void *c)
{
	return PyBool_FromLong(fan_event_is_overflow(COPY(self)));
}

static PyObject *ev_info(EventObject *self, void *c)
{
	if (!self->info)
		self->info = pyfan_records(COPY(self));
	return Py_XNewRef(self->info);
}

static PyObject *ev_raw(EventObject *self, void *c)
{
	return PyBytes_FromStringAndSize((const char *)self->data, Py_SIZE(self));
}

static PyObject *ev_group(EventObject *self, void *c)
{
	return Py_NewRef(self->group ? (PyObject *)self->group : Py_None);
}

static PyObject *ev_deferred(EventObject *self, void *c)
{
	return PyBool_FromLong(self->flags & EV_DEFERRED);
}

static PyObject *ev_finished(EventObject *self, void *c)
{
	return PyBool_FromLong(!self->perm && !is_live(self));
}

static PyObject *ev_needs_answer(EventObject *self, void *c)
{
	if (self->perm)
		return PyBool_FromLong(!fan_perm_answered(self->perm));
	return PyBool_FromLong(is_live(self) && fan_event_needs_answer(self->live));
}

static PyObject *ev_answered(EventObject *self, void *c)
{
	if (!fan_event_is_permission(COPY(self)))
		Py_RETURN_FALSE;
	if (self->perm)
		return PyBool_FromLong(fan_perm_answered(self->perm) == 1);
	if (self->flags & EV_ANSWERED)
		Py_RETURN_TRUE;
	if (!self->group)
		Py_RETURN_FALSE;
	if (!is_live(self))
		Py_RETURN_TRUE;	/* its batch's end (or the group's close) answered it */
	return PyBool_FromLong(!fan_event_needs_answer(self->live));
}

/* ---- descriptors ---- */

static PyObject *fd_value(int fd)
{
	if (fd < 0)
		Py_RETURN_NONE;
	return PyLong_FromLong(fd);
}

static PyObject *ev_fd(EventObject *self, void *c)
{
	if (self->perm)
		return fd_value(fan_event_fd(fan_perm_event(self->perm)));
	if (!self->group)
		return fd_value(fan_event_fd(COPY(self)));
	if (!is_live(self))
		return stale(self, "fd");
	if (self->flags & EV_FD_TAKEN)
		Py_RETURN_NONE;
	return fd_value(fan_event_fd(self->live));
}

static PyObject *ev_pidfd(EventObject *self, void *c)
{
	if (self->perm)
		return fd_value(fan_event_pidfd(fan_perm_event(self->perm)));
	if (!self->group)
		return fd_value(fan_event_pidfd(COPY(self)));
	if (!is_live(self))
		return stale(self, "pidfd");
	if (self->flags & EV_PIDFD_TAKEN)
		Py_RETURN_NONE;
	return fd_value(fan_event_pidfd(self->live));
}

static int ensure_paths(EventObject *self);
static int ensure_process(EventObject *self);

static int check_takeable(EventObject *self, const char *what)
{
	if (self->flags & EV_DEFERRED) {
		char msg[128];

		snprintf(msg, sizeof(msg), "%s: a deferred event keeps its descriptors until it is "
			 "answered (take them before defer())", what);
		pyfan_raise_class(PyExc_OSError, EBUSY, msg);
		return -1;
	}
	if (!is_live(self)) {
		stale(self, what);
		return -1;
	}
	return 0;
}

/* io.open(fd, mode, **kw); the descriptor is closed if that fails. */
static PyObject *wrap_file(int fd, PyObject *mode, PyObject *kw)
{
	PyObject *io, *args, *f = NULL;

	io = PyImport_ImportModule("io");
	args = Py_BuildValue("(iO)", fd, mode);
	if (io && args) {
		PyObject *open = PyObject_GetAttrString(io, "open");

		if (open) {
			f = PyObject_Call(open, args, kw);
			Py_DECREF(open);
		}
	}
	Py_XDECREF(io);
	Py_XDECREF(args);
	if (!f)
		close(fd);
	return f;
}

static PyObject *ev_take_fd(EventObject *self, PyObject *args, PyObject *kw)
{
	PyObject *mode = Py_None;
	int fd;

	if (!PyArg_ParseTuple(args, "|O:take_fd", &mode))
		return NULL;
	if (mode == Py_None && kw && PyDict_GET_SIZE(kw)) {
		PyErr_SetString(PyExc_TypeError, "take_fd(): keyword arguments need a mode");
		return NULL;
	}
	if (check_takeable(self, "take_fd") < 0)
		return NULL;
	if (self->flags & EV_FD_TAKEN)
		return pyfan_raise(-EBADF, "take_fd: the descriptor was taken before", NULL);
	/* In fd mode the path is read through the descriptor: read it while it is ours. */
	if (fd_mode(self) && fan_event_fd(self->live) >= 0 && ensure_paths(self) < 0)
		return NULL;
	fd = fan_event_take_fd(self->live);
	if (fd < 0)
		return pyfan_raise(fd, "take_fd: the event has no descriptor", NULL);
	self->flags |= EV_FD_TAKEN;
	if (mode == Py_None)
		return PyLong_FromLong(fd);
	return wrap_file(fd, mode, kw);
}

static PyObject *ev_take_pidfd(EventObject *self, PyObject *unused)
{
	int fd;

	if (check_takeable(self, "take_pidfd") < 0)
		return NULL;
	if (self->flags & EV_PIDFD_TAKEN)
		return pyfan_raise(-EBADF, "take_pidfd: the pidfd was taken before", NULL);
	/* The process is verified through the pidfd: identify it while it is ours. */
	if (fan_event_pidfd(self->live) >= 0 && ensure_process(self) < 0)
		return NULL;
	fd = fan_event_take_pidfd(self->live);
	if (fd < 0)
		return pyfan_raise(fd, "take_pidfd: the event has no pidfd", NULL);
	self->flags |= EV_PIDFD_TAKEN;
	return PyLong_FromLong(fd);
}

/* ---- resolution ---- */

/*
 * A deferred event in fd mode: the path from its own descriptor
 * (fan_perm_path()), not through the group's resolver, which belongs to
 * the reading thread.  The GIL stays held: it keeps another thread from
 * answering (and freeing) the fan_perm meanwhile.
 */
static int perm_paths(EventObject *self)
{
	struct fan_path p = { 0 };
	int r = fan_perm_path(self->perm, &p);

	self->path = p.path ? pyfan_decode(p.path, p.len) : Py_NewRef(Py_None);
	if (!self->path)
		return -1;
	self->new_path = Py_NewRef(Py_None);
	self->path_flags = p.flags;
	self->new_path_flags = 0;
	self->path_error = p.error ? -p.error : (!p.path && r < 0 ? -r : 0);
	self->new_path_error = 0;
	self->flags |= EV_PATHS;
	return 0;
}

static int ensure_paths(EventObject *self)
{
	struct fan_path p = { 0 }, np = { 0 };
	const struct fan_event *ev;
	GroupObject *G = self->group;
	bool live;
	int r;

	if (self->flags & EV_PATHS)
		return 0;
	if (self->perm && self->group && self->group->g && fd_mode(self))
		return perm_paths(self);
	ev = resolvable(self, &live, "path");
	if (!ev || pyfan_group_resolver(G) < 0)
		return -1;
	if (live)
		pyfan_group_catch_up(G, ev);
	r = fan_resolve_path(G->r, ev, &p, &np);
	if (live)
		pyfan_group_resolved(G, ev);
	self->path = p.path ? pyfan_decode(p.path, p.len) : Py_NewRef(Py_None);
	self->new_path = np.path ? pyfan_decode(np.path, np.len) : Py_NewRef(Py_None);
	if (!self->path || !self->new_path) {
		Py_CLEAR(self->path);
		Py_CLEAR(self->new_path);
		return -1;
	}
	self->path_flags = p.flags;
	self->new_path_flags = np.flags;
	self->path_error = p.error ? -p.error : (!p.path && r < 0 ? -r : 0);
	self->new_path_error = np.error ? -np.error : 0;
	self->flags |= EV_PATHS;
	return 0;
}

static PyObject *ev_path(EventObject *self, void *c)
{
	if (ensure_paths(self) < 0)
		return NULL;
	return Py_NewRef(self->path);
}

static PyObject *ev_new_path(EventObject *self, void *c)
{
	if (ensure_paths(self) < 0)
		return NULL;
	return Py_NewRef(self->new_path);
}

static PyObject *ev_path_flags(EventObject *self, void *c)
{
	if (ensure_paths(self) < 0)
		return NULL;
	return pyfan_enum(Pyfan_PathFlag, self->path_flags);
}

static PyObject *ev_new_path_flags(EventObject *self, void *c)
{
	if (ensure_paths(self) < 0)
		return NULL;
	return pyfan_enum(Pyfan_PathFlag, self->new_path_flags);
}

static PyObject *ev_path_error(EventObject *self, void *c)
{
	if (ensure_paths(self) < 0)
		return NULL;
	return PyLong_FromLong(self->path_error);
}

static PyObject *ev_new_path_error(EventObject *self, void *c)
{
	if (ensure_paths(self) < 0)
		return NULL;
	return PyLong_FromLong(self->new_path_error);
}

static int ensure_process(EventObject *self)
{
	struct fan_process p;
	const struct fan_event *ev;
	pid_t pid = fan_event_pid(COPY(self));
	bool live;

	if (self->flags & EV_PROCESS)
		return 0;
	if (pid <= 0) {
		self->process = Py_NewRef(Py_None);	/* not reported to this group */
	} else {
		ev = resolvable(self, &live, "process");
		if (!ev || pyfan_group_resolver(self->group) < 0)
			return -1;
		memset(&p, 0, sizeof(p));
		fan_resolve_process(self->group->r, ev, &p);
		self->process = pyfan_process_new(&p, pid);
		if (!self->process)
			return -1;
	}
	self->flags |= EV_PROCESS;
	return 0;
}

static PyObject *ev_process(EventObject *self, void *c)
{
	if (ensure_process(self) < 0)
		return NULL;
	return Py_NewRef(self->process);
}

static PyObject *ev_process_info(EventObject *self, void *c)
{
	LIBFANOTIFY_OPTS(fan_process_info, info);
	const struct fan_event *ev;
	pid_t pid = fan_event_pid(COPY(self));
	bool live;

	if (self->process_info)
		return Py_NewRef(self->process_info);
	if (pid <= 0) {
		self->process_info = Py_NewRef(Py_None);
		return Py_NewRef(Py_None);
	}
	ev = resolvable(self, &live, "process_info");
	if (!ev || pyfan_group_resolver(self->group) < 0)
		return NULL;
	fan_resolve_process_info(self->group->r, ev, &info);	/* copied before the next call */
	self->process_info = pyfan_process_info_new(&info, pid);
	if (!self->process_info)
		return NULL;
	/* The same lookup answers process: keep it too (one identity per event). */
	if (!(self->flags & EV_PROCESS)) {
		self->process = pyfan_process_new(&info.proc, pid);
		if (!self->process)
			return NULL;
		self->flags |= EV_PROCESS;
	}
	return Py_NewRef(self->process_info);
}

static PyObject *ev_parents(EventObject *self, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "max", NULL };
	struct fan_process_parent *out;
	const struct fan_event *ev;
	Py_ssize_t max = 64;
	PyObject *t = NULL;
	bool live;
	int n, i;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "|n:parents", kwlist, &max))
		return NULL;
	if (max < 1 || max > 4096) {
		PyErr_SetString(PyExc_ValueError, "parents(max=): 1 to 4096");
		return NULL;
	}
	ev = resolvable(self, &live, "parents");
	if (!ev || pyfan_group_resolver(self->group) < 0)
		return NULL;
	out = PyMem_Calloc((size_t)max, sizeof(*out));
	if (!out)
		return PyErr_NoMemory();
	n = fan_resolve_parents(self->group->r, ev, out, (size_t)max);
	if (n < 0) {
		PyMem_Free(out);
		return pyfan_raise_hint(n, "parents", NULL,
					n == -ESRCH ? "the event's process is not known" : NULL);
	}
	t = PyTuple_New(n);
	for (i = 0; t && i < n; i++) {
		PyObject *p = pyfan_parent_new(&out[i]);

		if (!p)
			Py_CLEAR(t);
		else
			PyTuple_SET_ITEM(t, i, p);
	}
	PyMem_Free(out);
	return t;
}

/* ---- answers ---- */

static int parse_rule(PyObject *o, struct fan_audit_rule *rule)
{
	if (!PyArg_ParseTuple(o, "III;rule must be (rule_number, subj_trust, obj_trust)",
			      &rule->rule_number, &rule->subj_trust, &rule->obj_trust))
		return -1;
	return 0;
}

static PyObject *answer(EventObject *self, uint32_t response, PyObject *rule_obj)
{
	struct fan_audit_rule rule, *rp = NULL;
	struct fan_perm *p;
	int r;

	if (rule_obj && rule_obj != Py_None) {
		if (parse_rule(rule_obj, &rule) < 0)
			return NULL;
		rp = &rule;
	}
	if (!fan_event_is_permission(COPY(self)))
		return pyfan_raise_hint(-EINVAL, "answer", NULL, "not a permission event");
	if (self->perm) {
		/* Taken under the GIL: exactly one thread answers it. */
		p = self->perm;
		self->perm = NULL;
		self->flags |= EV_ANSWERED;
		Py_BEGIN_ALLOW_THREADS
		r = fan_perm_respond(p, response, rp);
		Py_END_ALLOW_THREADS
		if (r < 0)
			return pyfan_raise_hint(r, "answer", NULL, r == -ECANCELED ?
				"the group was closed first and answered it with its default" :
				r == -EALREADY ? "its deadline answered it first" :
				"the group's default verdict was sent instead");
		Py_RETURN_NONE;
	}
	if (self->flags & EV_DEFERRED)
		return pyfan_raise_hint(-EALREADY, "answer", NULL, "the deferred event was answered");
	if (!is_live(self))
		return stale(self, "answer");
	r = fan_event_respond(self->group->g, self->live, response, rp);
	if (r < 0)
		return pyfan_raise(r, "answer", NULL);
	Py_RETURN_NONE;
}

static PyObject *ev_allow(EventObject *self, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "audit", "rule", NULL };
	int audit = 0;
	PyObject *rule = NULL;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "|$pO:allow", kwlist, &audit, &rule))
		return NULL;
	return answer(self, FAN_ALLOW | (audit ? FAN_AUDIT : 0), rule);
}

static PyObject *ev_deny(EventObject *self, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "errno", "audit", "rule", NULL };
	PyObject *eo = Py_None, *rule = NULL;
	uint32_t response = FAN_DENY;
	int audit = 0;
	long e;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "|O$pO:deny", kwlist, &eo, &audit, &rule))
		return NULL;
	if (eo != Py_None) {
		e = PyLong_AsLong(eo);
		if (e == -1 && PyErr_Occurred())
			return NULL;
		if (e <= 0 || e > FAN_ERRNO_MASK) {
			PyErr_SetString(PyExc_ValueError, "deny(errno=): 1 to 255");
			return NULL;
		}
		response = FAN_DENY_ERRNO(e);
	}
	return answer(self, response | (audit ? FAN_AUDIT : 0), rule);
}

static PyObject *ev_respond(EventObject *self, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "response", "rule", NULL };
	PyObject *ro, *rule = NULL;
	unsigned int response;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "O|$O:respond", kwlist, &ro, &rule) ||
	    pyfan_uint(ro, &response, "response") < 0)
		return NULL;
	return answer(self, response, rule);
}

static PyObject *ev_defer(EventObject *self, PyObject *unused)
{
	struct fan_perm *p;
	int r;

	if (self->flags & EV_DEFERRED)
		return pyfan_raise_hint(-EALREADY, "defer", NULL, "deferred before");
	if (!is_live(self))
		return stale(self, "defer");
	r = fan_event_defer(self->group->g, self->live, &p);
	if (r < 0)
		return pyfan_raise_hint(r, "defer", NULL, r == -EINVAL ? "not a permission event" : NULL);
	self->perm = p;
	self->flags |= EV_DEFERRED;
	return Py_NewRef((PyObject *)self);
}

static PyObject *ev_set_deadline(EventObject *self, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "timeout", "response", NULL };
	PyObject *ro;
	unsigned int response, ms;
	double t;
	int r;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "dO:set_deadline", kwlist, &t, &ro) ||
	    pyfan_uint(ro, &response, "response") < 0)
		return NULL;
	if (!(t >= 0) || t * 1000.0 > (double)UINT_MAX) {
		PyErr_SetString(PyExc_ValueError, "set_deadline(timeout=): 0 to 4294967 seconds");
		return NULL;
	}
	if (!self->perm) {
		if (self->flags & EV_DEFERRED)
			return pyfan_raise_hint(-EALREADY, "set_deadline", NULL,
						"the deferred event was answered");
		if (!fan_event_is_permission(COPY(self)))
			return pyfan_raise_hint(-EINVAL, "set_deadline", NULL,
						"not a permission event");
		if (!is_live(self))
			return stale(self, "set_deadline");
		return pyfan_raise_hint(-EINVAL, "set_deadline", NULL,
					"a deadline is for a deferred event: defer() it first");
	}
	/*
	 * With the GIL held: another thread cannot answer (and free) the
	 * fan_perm meanwhile.  The call only takes the library's lock.
	 */
	ms = (unsigned int)(t * 1000.0);
	if ((double)ms < t * 1000.0)
		ms++;	/* rounded up: never answered before the deadline */
	r = fan_perm_set_deadline(self->perm, ms, response);
	if (r < 0)
		return pyfan_raise_hint(r, "set_deadline", NULL,
			r == -EALREADY ? "answered already (an earlier deadline, or the group's close)" :
			r == -ECANCELED ? "the group was closed and answered it" :
			r == -EINVAL ? "response: FAN_ALLOW or FAN_DENY (| FAN_AUDIT), or deny_errno(e)" :
			NULL);
	Py_RETURN_NONE;
}

static PyObject *ev_find_info(EventObject *self, PyObject *arg)
{
	PyObject *info = ev_info(self, NULL);
	Py_ssize_t i;

	if (!info)
		return NULL;
	for (i = 0; i < PyTuple_GET_SIZE(info); i++) {
		PyObject *rec = PyTuple_GET_ITEM(info, i);
		int eq = PyObject_RichCompareBool(PyTuple_GET_ITEM(rec, 0), arg, Py_EQ);

		if (eq < 0) {
			Py_DECREF(info);
			return NULL;
		}
		if (eq) {
			Py_INCREF(rec);
			Py_DECREF(info);
			return rec;
		}
	}
	Py_DECREF(info);
	Py_RETURN_NONE;
}

static PyObject *event_repr(EventObject *self)
{
	char names[256];
	const char *state = "";

	fan_mask_format(fan_event_mask(COPY(self)), ",", names, sizeof(names));
	if (self->perm)
		state = " deferred";
	else if (self->group && !is_live(self))
		state = " finished";
	if (self->flags & EV_PATHS && self->path != Py_None)
		return PyUnicode_FromFormat("<fanotify.Event %s pid=%d path=%R%s>", names,
					    (int)fan_event_pid(COPY(self)), self->path, state);
	return PyUnicode_FromFormat("<fanotify.Event %s pid=%d%s>", names,
				    (int)fan_event_pid(COPY(self)), state);
}

static PyGetSetDef event_getset[] = {
	{ "mask", (getter)ev_mask, NULL, "the event's bits (Mask)", NULL },
	{ "pid", (getter)ev_pid, NULL,
	  "the pid (a tid with FAN_REPORT_TID); 0 if not reported to this group", NULL },
	{ "fd", (getter)ev_fd, NULL,
	  "the event's descriptor, borrowed: closed when the batch ends (take_fd() to keep "
	  "it); None without one (FID groups, overflow, FAN_REPORT_FD_ERROR, taken).  "
	  "StaleEventError once the batch is finished", NULL },
	{ "fd_error", (getter)ev_fd_error, NULL,
	  "with FAN_REPORT_FD_ERROR, the errno the kernel put in place of the descriptor, "
	  "else 0", NULL },
	{ "pidfd", (getter)ev_pidfd, NULL,
	  "the pidfd (FAN_REPORT_PIDFD), borrowed as fd; None if there is none", NULL },
	{ "info", (getter)ev_info, NULL,
	  "the info records, in the kernel's order: FidRecord, PidfdRecord, ErrorRecord, "
	  "RangeRecord, MntRecord, UnknownRecord", NULL },
	{ "path", (getter)ev_path, NULL,
	  "the object's path (str, as os.fsdecode() gives it: os.fsencode() returns the exact "
	  "bytes), resolved when first asked for and kept; None if unknown.  See path_flags, "
	  "path_error", NULL },
	{ "new_path", (getter)ev_new_path, NULL,
	  "the new path of a FAN_RENAME event, else None", NULL },
	{ "path_flags", (getter)ev_path_flags, NULL,
	  "PathFlag of path: DELETED, PARTIAL (only the name is known), DIR", NULL },
	{ "new_path_flags", (getter)ev_new_path_flags, NULL, "PathFlag of new_path", NULL },
	{ "path_error", (getter)ev_path_error, NULL,
	  "0, or the errno why path is missing or partial", NULL },
	{ "new_path_error", (getter)ev_new_path_error, NULL, "0, or why new_path is missing",
	  NULL },
	{ "process", (getter)ev_process, NULL,
	  "the Process behind the event, read when first asked for and kept; None if the "
	  "pid was not reported", NULL },
	{ "is_permission", (getter)ev_is_permission, NULL,
	  "a permission event (OPEN_PERM, ACCESS_PERM, OPEN_EXEC_PERM, PRE_ACCESS)", NULL },
	{ "is_overflow", (getter)ev_is_overflow, NULL, "the kernel's queue overflowed here",
	  NULL },
	{ "needs_answer", (getter)ev_needs_answer, NULL,
	  "a permission event still waiting for an answer from this program", NULL },
	{ "deferred", (getter)ev_deferred, NULL, "defer() was called", NULL },
	{ "answered", (getter)ev_answered, NULL,
	  "a permission event whose answer was given: by this program, by its deadline "
	  "(set_deadline(), Group(perm_deadline=)), or by the library's default (batch end, "
	  "group closed); False for other events", NULL },
	{ "process_info", (getter)ev_process_info, NULL,
	  "the ProcessInfo behind the event: Process and egid, cgroup, cgroup_id, mntns "
	  "(libfanotify 1.1), read when first asked for and kept; None if the pid was not "
	  "reported", NULL },
	{ "finished", (getter)ev_finished, NULL,
	  "its batch is finished (or, deferred, it was answered): descriptors, answers and "
	  "unresolved paths are gone", NULL },
	{ "raw", (getter)ev_raw, NULL, "the event's bytes as the kernel wrote them", NULL },
	{ "group", (getter)ev_group, NULL, "the Group it was read from (None: parse_events())",
	  NULL },
	{ NULL, NULL, NULL, NULL, NULL },
};

static PyMethodDef event_methods[] = {
	{ "take_fd", (PyCFunction)(void (*)(void))ev_take_fd, METH_VARARGS | METH_KEYWORDS,
	  "take_fd(mode=None, **open_kwargs) -> int | file\n\n"
	  "Take the event's descriptor: the library will not close it.  Without mode,\n"
	  "the int (close it yourself); with a mode, a file object (io.open(fd, mode,\n"
	  "**open_kwargs)) that closes it.  In fd mode the path is read first, while\n"
	  "the descriptor is still the event's.  A permission event is still answered\n"
	  "by the library if you do not answer it." },
	{ "take_pidfd", (PyCFunction)ev_take_pidfd, METH_NOARGS,
	  "take_pidfd($self)\n--\n\n-> int\n\nTake the event's pidfd (close it yourself).  The process is\n"
	  "identified first, while the pidfd is still the event's." },
	{ "allow", (PyCFunction)(void (*)(void))ev_allow, METH_VARARGS | METH_KEYWORDS,
	  "allow($self, /, *, audit=False, rule=None)\n--\n\nAnswer a permission event: allow.  audit: also\n"
	  "FAN_AUDIT (FAN_ENABLE_AUDIT groups); rule: (rule_number, subj_trust, obj_trust),\n"
	  "an audit-rule record (Linux 6.3).  AlreadyAnsweredError if answered or deferred\n"
	  "before; on a kernel error the event stays unanswered and gets the default." },
	{ "deny", (PyCFunction)(void (*)(void))ev_deny, METH_VARARGS | METH_KEYWORDS,
	  "deny($self, /, errno=None, *, audit=False, rule=None)\n--\n\nAnswer a permission event: deny.  The\n"
	  "opener gets EPERM, or errno (Linux 6.14, FAN_CLASS_PRE_CONTENT groups:\n"
	  "EPERM, EIO, EBUSY, ETXTBSY, EAGAIN, ENOSPC, EDQUOT)." },
	{ "respond", (PyCFunction)(void (*)(void))ev_respond, METH_VARARGS | METH_KEYWORDS,
	  "respond($self, /, response, *, rule=None)\n--\n\nAnswer with a raw response (Response bits,\n"
	  "deny_errno())." },
	{ "defer", (PyCFunction)ev_defer, METH_NOARGS,
	  "defer($self)\n--\n\n-> Event\n\nTake a permission event out of its batch (returns the event): the\n"
	  "batch's end no longer answers it and its descriptors stay open until it is\n"
	  "answered with allow()/deny()/respond(), from any thread, exactly once.  If the\n"
	  "event object is dropped unanswered, or the group closes, the group's default\n"
	  "verdict is sent." },
	{ "set_deadline", (PyCFunction)(void (*)(void))ev_set_deadline,
	  METH_VARARGS | METH_KEYWORDS,
	  "set_deadline($self, /, timeout, response)\n--\n\nGive a deferred permission event a deadline:\n"
	  "unless answered within timeout seconds (0: now), the library answers it with\n"
	  "response (FAN_ALLOW, FAN_DENY, optionally | FAN_AUDIT, or deny_errno(e)) from\n"
	  "a thread of its own, even while Python is busy or blocked; the group's default\n"
	  "if the kernel refuses that.  Replaces an earlier deadline.  Then answered is\n"
	  "True and allow()/deny() raise AlreadyAnsweredError.  Its descriptor stays\n"
	  "open until the event is answered by this program or dropped." },
	{ "parents", (PyCFunction)(void (*)(void))ev_parents, METH_VARARGS | METH_KEYWORDS,
	  "parents($self, /, max=64)\n--\n\n-> tuple[ProcessParent, ...]\n\n"
	  "The chain of parents of the event's process, nearest first, up to pid 1 or\n"
	  "max entries.  Each link is checked (pidfds, or the process table): the chain\n"
	  "stops after a parent that cannot be named for sure (its pid, comm None).\n"
	  "Needs the event's batch (or a deferred event).  ProcessLookupError (ESRCH)\n"
	  "if the event's process is not known." },
	{ "find_info", (PyCFunction)ev_find_info, METH_O,
	  "find_info($self, type, /)\n--\n\n-> record | None\n\nThe first info record of this InfoType." },
	{ NULL, NULL, 0, NULL },
};

PyTypeObject Pyfan_EventType = {
	PyVarObject_HEAD_INIT(NULL, 0)
	.tp_name = "fanotify.Event",
	.tp_basicsize = offsetof(EventObject, data),
	.tp_itemsize = 1,
	.tp_dealloc = (destructor)event_dealloc,
	.tp_repr = (reprfunc)event_repr,
	.tp_flags = Py_TPFLAGS_DEFAULT,
	.tp_doc = "One fanotify event, from Group.read() or iteration.\n\n"
		  "mask, pid, fd_error, info and raw are copied when the event is read and stay\n"
		  "readable.  fd, pidfd, take_fd(), take_pidfd(), allow(), deny(), defer() and\n"
		  "the first look at path/new_path/process need the event's batch: once it is\n"
		  "finished they raise StaleEventError (a resolved path or process is kept).\n"
		  "A permission event not answered or deferred gets the group's default verdict\n"
		  "when its batch ends.",
	.tp_methods = event_methods,
	.tp_getset = event_getset,
};
