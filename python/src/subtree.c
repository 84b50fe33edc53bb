// SPDX-License-Identifier: MIT
/*
 * Subtree: a tracker of directory trees (fan_subtree, libfanotify 1.1) on a
 * Group reporting directory handles and names.  It holds its groups (the
 * tracker must not outlive them); a group that is closed first frees the
 * tracker (group_close_now() calls pyfan_subtree_detach() through the
 * group's list of weak references), after which every call raises
 * GroupClosedError.  The found and skip callbacks run with the GIL held,
 * inside the tracker's calls: they must not call the tracker (RuntimeError
 * if they do); an exception they raise is re-raised when the call returns
 * (the first one; skip is then taken as "do not skip").
 */
#include "pyfan.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>

typedef struct {
	PyObject_HEAD
	struct fan_subtree *t;		/* NULL once freed */
	GroupObject *group;		/* the tracker's group */
	PyObject *groups;		/* list: every Group it keeps marks in, the first included */
	PyObject *found, *skip;		/* callables or NULL */
	PyObject *trigger;		/* the Event being handled (borrowed), or NULL */
	PyObject *error;		/* the first exception of a callback, or NULL */
	bool busy;			/* inside a call of the tracker */
	PyObject *weakrefs;
} SubtreeObject;

static PyTypeObject *SubtreeEntry, *SubtreeStats;

static PyStructSequence_Field entry_fields[] = {
	{ "path", "absolute path (str, as os.fsdecode() makes it)" },
	{ "flags", "LIBFANOTIFY_SUBTREE_DIR (a directory), _FOUND (found by reading a directory "
		   "that appeared), _UNWATCHED (a directory that could not be marked)" },
	{ "error", "with LIBFANOTIFY_SUBTREE_UNWATCHED, the errno, else 0" },
	{ "root", "the index of the root it lies under" },
	{ "trigger", "the Event handed to handle() that revealed it; None: add_root(), rescan()" },
	{ NULL, NULL },
};

static PyStructSequence_Field stats_fields[] = {
	{ "dirs", "directories tracked now" },
	{ "marked", "directories marked, in total" },
	{ "unmarked", "directories unmarked (moved out, roots removed)" },
	{ "mark_errors", "directories some group could not mark" },
	{ "enospc", "of which for too many marks (max_user_marks)" },
	{ "emfile", "of which for too many open files" },
	{ "eacces", "of which for no permission" },
	{ "scanned", "directories read" },
	{ "found", "entries reported as found" },
	{ "moved_in", "directories moved into the tree" },
	{ "moved_out", "directories moved out" },
	{ "moved_within", "directories moved within the tree" },
	{ "unreachable", "directories that could not be opened by identity" },
	{ "dropped", "directories forgotten with marks left behind (unreachable)" },
	{ "rescans", "roots read again after an overflow" },
	{ "skipped", "directories left out (skip), in total" },
	{ NULL, NULL },
};

/* ---- callbacks ---- */

static void keep_error(SubtreeObject *self)
{
	if (!self->error) {
		PyObject *type, *value, *tb;

		PyErr_Fetch(&type, &value, &tb);
		PyErr_NormalizeException(&type, &value, &tb);
		if (tb && value)
			PyException_SetTraceback(value, tb);
		self->error = value;
		Py_XDECREF(type);
		Py_XDECREF(tb);
	} else {
		PyErr_Clear();
	}
}

static void on_found(void *arg, const struct fan_subtree_entry *e)
{
	SubtreeObject *self = arg;
	PyObject *o, *r;

	if (!self->found)
		return;
	o = PyStructSequence_New(SubtreeEntry);
	if (o) {
		PyObject *items[5] = {
			pyfan_decode(e->path, e->len),
			PyLong_FromUnsignedLong(e->flags),
			PyLong_FromLong(e->error < 0 ? -e->error : e->error),
			PyLong_FromLong(e->root),
			Py_NewRef(e->trigger && self->trigger ? self->trigger : Py_None),
		};
		int i, ok = 1;

		for (i = 0; i < 5; i++) {
			ok &= items[i] != NULL;
			PyStructSequence_SetItem(o, i, items[i]);
		}
		if (!ok)
			Py_CLEAR(o);
	}
	r = o ? PyObject_CallOneArg(self->found, o) : NULL;
	if (!r)
		keep_error(self);
	Py_XDECREF(r);
	Py_XDECREF(o);
}

static int on_skip(void *arg, const char *path, size_t len)
{
	SubtreeObject *self = arg;
	PyObject *p, *r;
	int v;

	if (!self->skip)
		return 0;
	p = pyfan_decode(path, len);
	r = p ? PyObject_CallOneArg(self->skip, p) : NULL;
	Py_XDECREF(p);
	v = r ? PyObject_IsTrue(r) : -1;
	Py_XDECREF(r);
	if (v < 0) {
		keep_error(self);
		return 0;	/* an error: the directory is tracked, not left out */
	}
	return v;
}

/* ---- state ---- */

static int check(SubtreeObject *self)
{
	if (self->busy) {
		PyErr_SetString(PyExc_RuntimeError,
				"a Subtree callback (found, skip) must not call the tracker");
		return -1;
	}
	if (!self->t) {
		pyfan_raise_class(Pyfan_GroupClosedError, ECANCELED,
				  "the Subtree is closed (or one of its groups was)");
		return -1;
	}
	return 0;
}

/* After a call of the tracker: re-raise a callback's exception.  0 or -1. */
static int done(SubtreeObject *self)
{
	PyObject *e = self->error;

	self->busy = false;
	self->trigger = NULL;
	if (!e)
		return 0;
	self->error = NULL;
	PyErr_SetObject((PyObject *)Py_TYPE(e), e);
	Py_DECREF(e);
	return -1;
}

void pyfan_subtree_detach(PyObject *o)
{
	SubtreeObject *self = (SubtreeObject *)o;

	fan_subtree_free(self->t);	/* removes its marks from every group, all still open */
	self->t = NULL;
}

/* Register with a group: its close() frees the tracker first. */
static int attach(SubtreeObject *self, GroupObject *g)
{
	PyObject *ref;

	if (!g->trackers && !(g->trackers = PyList_New(0)))
		return -1;
	ref = PyWeakref_NewRef((PyObject *)self, NULL);
	if (!ref || PyList_Append(g->trackers, ref) < 0) {
		Py_XDECREF(ref);
		return -1;
	}
	Py_DECREF(ref);
	return PyList_Append(self->groups, (PyObject *)g);
}

/* ---- creating, closing ---- */

static PyObject *subtree_new(PyTypeObject *type, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "group", "mask", "filesystem", "found", "skip", "rescan_gap",
				  NULL };
	LIBFANOTIFY_OPTS(fan_subtree_opts, o);
	PyObject *go, *mo = NULL, *found = Py_None, *skip = Py_None;
	double gap = 0;
	int fs = 0, r;
	SubtreeObject *self;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "O!|O$pOOd:Subtree", kwlist, &Pyfan_GroupType,
					 &go, &mo, &fs, &found, &skip, &gap) ||
	    (mo && pyfan_u64(mo, &o.mask, "mask") < 0))
		return NULL;
	if ((found != Py_None && !PyCallable_Check(found)) ||
	    (skip != Py_None && !PyCallable_Check(skip))) {
		PyErr_SetString(PyExc_TypeError, "found and skip must be callables or None");
		return NULL;
	}
	if (!(gap >= 0) || gap * 1000 > (double)UINT_MAX) {
		PyErr_SetString(PyExc_ValueError, "rescan_gap: seconds >= 0 (0: 1 s)");
		return NULL;
	}
	if (!((GroupObject *)go)->g)
		return pyfan_raise_class(Pyfan_GroupClosedError, EBADF, "the group is closed");
	self = (SubtreeObject *)type->tp_alloc(type, 0);
	if (!self)
		return NULL;
	self->group = (GroupObject *)Py_NewRef(go);
	self->found = found == Py_None ? NULL : Py_NewRef(found);
	self->skip = skip == Py_None ? NULL : Py_NewRef(skip);
	self->groups = PyList_New(0);
	if (!self->groups) {
		Py_DECREF(self);
		return NULL;
	}
	o.flags = fs ? LIBFANOTIFY_SUBTREE_FILESYSTEM : 0;
	o.found = on_found;
	o.skip = on_skip;
	o.arg = self;
	o.rescan_gap_ms = (unsigned int)(gap * 1000);
	r = fan_subtree_new(self->group->g, &o, &self->t);
	if (r < 0) {
		Py_DECREF(self);
		return pyfan_raise_hint(r, "fan_subtree_new", NULL, r == -EINVAL ?
			"the group must report directory handles and names (FAN_REPORT_DFID_NAME)" :
			r == -EBUSY ? "the group has a tracker already" : NULL);
	}
	if (attach(self, self->group) < 0) {
		Py_DECREF(self);
		return NULL;
	}
	return (PyObject *)self;
}

static PyObject *subtree_close(SubtreeObject *self, PyObject *unused)
{
	if (self->busy) {
		check(self);	/* RuntimeError: from a callback */
		return NULL;
	}
	pyfan_subtree_detach((PyObject *)self);
	Py_RETURN_NONE;
}

static int subtree_traverse(SubtreeObject *self, visitproc visit, void *arg)
{
	Py_VISIT(self->found);
	Py_VISIT(self->skip);
	Py_VISIT(self->groups);
	Py_VISIT(self->group);
	Py_VISIT(self->error);
	return 0;
}

/* A cycle through a callback: the tracker is freed while its groups still live. */
static int subtree_clear(SubtreeObject *self)
{
	pyfan_subtree_detach((PyObject *)self);
	Py_CLEAR(self->error);
	Py_CLEAR(self->found);
	Py_CLEAR(self->skip);
	Py_CLEAR(self->groups);
	Py_CLEAR(self->group);
	return 0;
}

static void subtree_dealloc(SubtreeObject *self)
{
	PyObject_GC_UnTrack(self);
	if (self->weakrefs)
		PyObject_ClearWeakRefs((PyObject *)self);
	subtree_clear(self);
	Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *subtree_enter(SubtreeObject *self, PyObject *unused)
{
	if (check(self) < 0)
		return NULL;
	return Py_NewRef((PyObject *)self);
}

static PyObject *subtree_exit(SubtreeObject *self, PyObject *args)
{
	if (!self->busy)
		pyfan_subtree_detach((PyObject *)self);
	Py_RETURN_FALSE;
}

/* ---- calls ---- */

static PyObject *subtree_add_group(SubtreeObject *self, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "group", "mask", NULL };
	PyObject *go, *mo;
	uint64_t mask;
	int r;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "O!O:add_group", kwlist, &Pyfan_GroupType, &go,
					 &mo) ||
	    check(self) < 0 || pyfan_u64(mo, &mask, "mask") < 0)
		return NULL;
	if (!((GroupObject *)go)->g)
		return pyfan_raise_class(Pyfan_GroupClosedError, EBADF, "the group is closed");
	r = fan_subtree_add_group(self->t, ((GroupObject *)go)->g, mask);
	if (r < 0)
		return pyfan_raise(r, "fan_subtree_add_group", NULL);
	if (attach(self, (GroupObject *)go) < 0)
		return NULL;
	Py_RETURN_NONE;
}

static PyObject *subtree_add_root(SubtreeObject *self, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "path", "dir_fd", NULL };
	PyObject *po, *dfo = Py_None, *bytes = NULL;
	int dirfd = AT_FDCWD, r;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "O|$O:add_root", kwlist, &po, &dfo) ||
	    check(self) < 0)
		return NULL;
	if (dfo != Py_None) {
		dirfd = PyLong_AsLong(dfo);
		if (dirfd == -1 && PyErr_Occurred())
			return NULL;
	}
	if (!PyUnicode_FSConverter(po, &bytes))
		return NULL;
	self->busy = true;
	r = fan_subtree_add_root(self->t, dirfd, PyBytes_AS_STRING(bytes));
	Py_DECREF(bytes);
	if (done(self) < 0)
		return NULL;
	if (r < 0)
		return pyfan_raise(r, "fan_subtree_add_root", po);
	return PyLong_FromLong(r);
}

static PyObject *subtree_remove_root(SubtreeObject *self, PyObject *arg)
{
	long root = PyLong_AsLong(arg);
	int r;

	if ((root == -1 && PyErr_Occurred()) || check(self) < 0)
		return NULL;
	if (root < 0 || root > INT_MAX)
		return pyfan_raise_hint(-EINVAL, "fan_subtree_remove_root", NULL, "unknown root");
	r = fan_subtree_remove_root(self->t, (int)root);
	if (r < 0)
		return pyfan_raise_hint(r, "fan_subtree_remove_root", NULL,
					r == -EINVAL ? "unknown root" : NULL);
	Py_RETURN_NONE;
}

/*
 * arg's event, if arg is a current Event of the tracker's group (else
 * NULL, an exception set); meth: "Subtree.NAME", the method asking.
 */
static const struct fan_event *own_event(SubtreeObject *self, PyObject *arg, const char *meth)
{
	const char *name = meth + sizeof("Subtree.") - 1;

	if (!PyObject_TypeCheck(arg, &Pyfan_EventType)) {
		PyErr_Format(PyExc_TypeError, "%s(): an Event", name);
		return NULL;
	}
	if (check(self) < 0)
		return NULL;
	if (((EventObject *)arg)->group != self->group) {
		PyErr_Format(PyExc_ValueError, "%s(): an event of the tracker's group", name);
		return NULL;
	}
	return pyfan_event_current((EventObject *)arg, meth);
}

static PyObject *subtree_handle(SubtreeObject *self, PyObject *arg)
{
	const struct fan_event *ev;
	int r;

	ev = own_event(self, arg, "Subtree.handle");
	if (!ev)
		return NULL;
	self->busy = true;
	self->trigger = arg;
	r = fan_subtree_handle(self->t, ev);
	if (done(self) < 0)
		return NULL;
	if (r < 0)
		return pyfan_raise(r, "fan_subtree_handle", NULL);
	Py_RETURN_NONE;
}

static PyObject *subtree_in_scope(SubtreeObject *self, PyObject *arg)
{
	const struct fan_event *ev;
	int r;

	ev = own_event(self, arg, "Subtree.in_scope");
	if (!ev)
		return NULL;
	r = fan_subtree_in_scope(self->t, ev);
	if (r < 0)
		Py_RETURN_NONE;
	return PyLong_FromLong(r);
}

static PyObject *subtree_timeout(SubtreeObject *self, PyObject *unused)
{
	int ms;

	if (check(self) < 0)
		return NULL;
	ms = fan_subtree_timeout(self->t);
	if (ms < 0)
		Py_RETURN_NONE;
	return PyFloat_FromDouble(ms / 1000.0);
}

static PyObject *subtree_rescan(SubtreeObject *self, PyObject *unused)
{
	int r;

	if (check(self) < 0)
		return NULL;
	self->busy = true;
	r = fan_subtree_rescan(self->t);
	if (done(self) < 0)
		return NULL;
	if (r < 0)
		return pyfan_raise(r, "fan_subtree_rescan", NULL);
	Py_RETURN_NONE;
}

static PyObject *subtree_stats(SubtreeObject *self, PyObject *unused)
{
	LIBFANOTIFY_OPTS(fan_subtree_stats, st);
	PyObject *o;
	int r, i;

	if (check(self) < 0)
		return NULL;
	r = fan_subtree_get_stats(self->t, &st);
	if (r < 0)
		return pyfan_raise(r, "fan_subtree_get_stats", NULL);
	o = PyStructSequence_New(SubtreeStats);
	if (!o)
		return NULL;
	{
		uint64_t v[16] = { st.dirs, st.marked, st.unmarked, st.mark_errors, st.enospc,
				   st.emfile, st.eacces, st.scanned, st.found, st.moved_in,
				   st.moved_out, st.moved_within, st.unreachable, st.dropped,
				   st.rescans, st.skipped };

		for (i = 0; i < 16; i++) {
			PyObject *x = PyLong_FromUnsignedLongLong(v[i]);

			if (!x) {
				Py_DECREF(o);
				return NULL;
			}
			PyStructSequence_SetItem(o, i, x);
		}
	}
	return o;
}

static PyObject *subtree_closed(SubtreeObject *self, void *c)
{
	return PyBool_FromLong(!self->t);
}

static PyObject *subtree_group(SubtreeObject *self, void *c)
{
	return Py_NewRef((PyObject *)self->group);
}

static PyObject *subtree_repr(SubtreeObject *self)
{
	return PyUnicode_FromFormat("<fanotify.Subtree%s>", self->t ? "" : " closed");
}

static PyMethodDef subtree_methods[] = {
	{ "close", (PyCFunction)subtree_close, METH_NOARGS,
	  "close($self)\n--\n\nRemove every mark the tracker added, free it.  Idempotent.  Closing\n"
	  "one of its groups does it too." },
	{ "__enter__", (PyCFunction)subtree_enter, METH_NOARGS, NULL },
	{ "__exit__", (PyCFunction)subtree_exit, METH_VARARGS, "close()" },
	{ "add_group", (PyCFunction)(void (*)(void))subtree_add_group, METH_VARARGS | METH_KEYWORDS,
	  "add_group($self, /, group, mask)\n--\n\nKeep group's marks in step too: every tracked\n"
	  "directory gets mask | FAN_EVENT_ON_CHILD in it (a permission group).  Add groups\n"
	  "before roots.  A permission group asking for events on directories (FAN_ONDIR)\n"
	  "must be answered by another thread: the tracker opens new directories." },
	{ "add_root", (PyCFunction)(void (*)(void))subtree_add_root, METH_VARARGS | METH_KEYWORDS,
	  "add_root($self, /, path, *, dir_fd=None)\n--\n\n-> int\n\nTrack the directory at path\n"
	  "(symbolic links followed) and everything below it on its mount.  Returns the\n"
	  "root's index.  Directories below that cannot be marked are reported to found\n"
	  "(LIBFANOTIFY_SUBTREE_UNWATCHED) and counted." },
	{ "remove_root", (PyCFunction)subtree_remove_root, METH_O,
	  "remove_root($self, root, /)\n--\n\nStop tracking a root (its index): its marks are removed." },
	{ "handle", (PyCFunction)subtree_handle, METH_O,
	  "handle($self, event, /)\n--\n\nHand an event of the group's current batch (or a deferred\n"
	  "one) to the tracker.  Hand it every event, in order: new directories are\n"
	  "marked and read (their entries go to found, after the event), directories\n"
	  "moved out unmarked, deleted ones forgotten; after an overflow the roots are\n"
	  "read again (see timeout()).  Look at an event (in_scope(), path) before\n"
	  "handing it over or after, but before the next one." },
	{ "in_scope", (PyCFunction)subtree_in_scope, METH_O,
	  "in_scope($self, event, /)\n--\n\n-> int | None\n\nThe index of the root the event lies\n"
	  "under, as of the event; None if none.  Ask before resolving its path." },
	{ "timeout", (PyCFunction)subtree_timeout, METH_NOARGS,
	  "timeout($self)\n--\n\n-> float | None\n\nSeconds until a rescan put off after an overflow\n"
	  "is due (0: now, then call rescan()); None if none is waiting." },
	{ "rescan", (PyCFunction)subtree_rescan, METH_NOARGS,
	  "rescan($self)\n--\n\nRead every root again now, marking what is not marked." },
	{ "stats", (PyCFunction)subtree_stats, METH_NOARGS,
	  "stats($self)\n--\n\n-> SubtreeStats\n\nThe tracker's counters." },
	{ NULL, NULL, 0, NULL },
};

static PyGetSetDef subtree_getset[] = {
	{ "closed", (getter)subtree_closed, NULL, "close() was called, or a group was closed", NULL },
	{ "group", (getter)subtree_group, NULL, "the tracker's Group", NULL },
	{ NULL, NULL, NULL, NULL, NULL },
};

PyTypeObject Pyfan_SubtreeType = {
	PyVarObject_HEAD_INIT(NULL, 0)
	.tp_name = "fanotify.Subtree",
	.tp_basicsize = sizeof(SubtreeObject),
	.tp_dealloc = (destructor)subtree_dealloc,
	.tp_repr = (reprfunc)subtree_repr,
	.tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
	.tp_traverse = (traverseproc)subtree_traverse,
	.tp_clear = (inquiry)subtree_clear,
	.tp_doc = "Subtree(group, mask=0, *, filesystem=False, found=None, skip=None,\n"
		  "        rescan_gap=0)\n--\n\n"
		  "A tracker of directory trees (libfanotify 1.1, fan_subtree_new(3)) on a group\n"
		  "reporting directory handles and names (FAN_REPORT_DFID_NAME; with\n"
		  "FAN_REPORT_FID | FAN_REPORT_TARGET_FID, Linux 5.17, a new directory is found\n"
		  "by its own handle wherever it went).  Directories are followed by identity:\n"
		  "opened by handle or beneath a root without following symbolic links, never by\n"
		  "a path string a user could have changed.\n\n"
		  "mask        events wanted in the tree (the tracker adds what it needs)\n"
		  "filesystem  one filesystem mark per root's filesystem instead of one mark\n"
		  "            per directory (CAP_SYS_ADMIN)\n"
		  "found       found(SubtreeEntry): an entry found in a directory that appeared\n"
		  "            (LIBFANOTIFY_SUBTREE_FOUND), or a directory that could not be\n"
		  "            marked (LIBFANOTIFY_SUBTREE_UNWATCHED)\n"
		  "skip        skip(path) -> bool: leave a directory and everything below it out\n"
		  "rescan_gap  least seconds between two rescans after overflows (0: 1 s)\n\n"
		  "One tracker per group; it holds its groups, and closing one of them closes it.\n"
		  "A context manager (close() on exit).",
	.tp_weaklistoffset = offsetof(SubtreeObject, weakrefs),
	.tp_methods = subtree_methods,
	.tp_getset = subtree_getset,
	.tp_new = subtree_new,
};

int pyfan_subtree_types_init(PyObject *m)
{
	PyStructSequence_Desc ed = { "fanotify.SubtreeEntry",
		"What a Subtree found (found callback).", entry_fields, 5 };
	PyStructSequence_Desc sd = { "fanotify.SubtreeStats", "Counters of a Subtree.",
		stats_fields, 16 };

	if (PyType_Ready(&Pyfan_SubtreeType) < 0 ||
	    PyModule_AddObject(m, "Subtree", Py_NewRef((PyObject *)&Pyfan_SubtreeType)) < 0)
		return -1;
	SubtreeEntry = PyStructSequence_NewType(&ed);
	SubtreeStats = PyStructSequence_NewType(&sd);
	if (!SubtreeEntry || !SubtreeStats ||
	    PyModule_AddObject(m, "SubtreeEntry", Py_NewRef((PyObject *)SubtreeEntry)) < 0 ||
	    PyModule_AddObject(m, "SubtreeStats", Py_NewRef((PyObject *)SubtreeStats)) < 0)
		return -1;
	if (PyModule_AddIntConstant(m, "LIBFANOTIFY_SUBTREE_DIR", LIBFANOTIFY_SUBTREE_DIR) < 0 ||
	    PyModule_AddIntConstant(m, "LIBFANOTIFY_SUBTREE_FOUND", LIBFANOTIFY_SUBTREE_FOUND) < 0 ||
	    PyModule_AddIntConstant(m, "LIBFANOTIFY_SUBTREE_UNWATCHED",
				    LIBFANOTIFY_SUBTREE_UNWATCHED) < 0)
		return -1;
	return 0;
}
