// SPDX-License-Identifier: MIT
/*
 * The fanotify module: its constants (every FAN_* name of Linux 6.18, from
 * <fanotify/compat.h>, so names newer than the system headers exist too),
 * the enums built from them, the exceptions, and the functions that need
 * no group (names, kernel versions, probes, parsing a buffer).
 */
#include "pyfan.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

PyObject *Pyfan_Error, *Pyfan_StaleEventError, *Pyfan_AlreadyAnsweredError,
	*Pyfan_GroupClosedError, *Pyfan_MalformedError;
PyObject *Pyfan_Mask, *Pyfan_PathFlag, *Pyfan_ProcFlag, *Pyfan_InfoType, *Pyfan_InitFlag;
static PyObject *Pyfan_MarkFlag, *Pyfan_Response;

/* Mask objects by value: events of one kind share one. */
static PyObject *mask_cache;
#define MASK_CACHE_MAX 4096

/* ---- errors ---- */

PyObject *pyfan_raise_class(PyObject *cls, int err, const char *msg)
{
	PyObject *args = Py_BuildValue("(is)", err, msg);

	if (args) {
		PyErr_SetObject(cls, args);
		Py_DECREF(args);
	}
	return NULL;
}

static PyObject *class_for(int err)
{
	switch (err) {
	case EALREADY:
		return Pyfan_AlreadyAnsweredError;
	case ECANCELED:
		return Pyfan_GroupClosedError;
	case EBADMSG:
		return Pyfan_MalformedError;
	default:
		return PyExc_OSError;	/* OSError picks PermissionError etc. by errno */
	}
}

PyObject *pyfan_raise_hint(int neg_errno, const char *what, PyObject *filename,
			   const char *hint)
{
	int err = neg_errno < 0 ? -neg_errno : neg_errno;
	PyObject *msg, *args;

	if (err == ENOMEM)
		return PyErr_NoMemory();
	msg = PyUnicode_FromFormat("%s: %s%s%s%s", what, strerror(err), hint ? " (" : "",
				   hint ? hint : "", hint ? ")" : "");
	if (!msg)
		return NULL;
	if (filename)
		args = Py_BuildValue("(iNO)", err, msg, filename);
	else
		args = Py_BuildValue("(iN)", err, msg);
	if (args) {
		PyErr_SetObject(class_for(err), args);
		Py_DECREF(args);
	}
	return NULL;
}

PyObject *pyfan_raise(int neg_errno, const char *what, PyObject *filename)
{
	return pyfan_raise_hint(neg_errno, what, filename, NULL);
}

/* ---- conversions ---- */

PyObject *pyfan_decode(const char *s, size_t len)
{
	return PyUnicode_DecodeFSDefaultAndSize(s, (Py_ssize_t)len);
}

int pyfan_u64(PyObject *o, uint64_t *out, const char *what)
{
	unsigned long long v;

	if (!PyLong_Check(o)) {
		PyErr_Format(PyExc_TypeError, "%s must be an int, not %.100s", what,
			     Py_TYPE(o)->tp_name);
		return -1;
	}
	v = PyLong_AsUnsignedLongLong(o);
	if (v == (unsigned long long)-1 && PyErr_Occurred()) {
		PyErr_Format(PyExc_ValueError, "%s out of range (0 to 2**64-1)", what);
		return -1;
	}
	*out = v;
	return 0;
}

int pyfan_uint(PyObject *o, unsigned int *out, const char *what)
{
	uint64_t v;

	if (pyfan_u64(o, &v, what) < 0)
		return -1;
	if (v > UINT32_MAX) {
		PyErr_Format(PyExc_ValueError, "%s out of range (0 to 2**32-1)", what);
		return -1;
	}
	*out = (unsigned int)v;
	return 0;
}

/*
 * Enum members by class and value: calling an enum class is slow (Python
 * code in enum.py), and an event's path flags or a record's type come
 * back to the same few values.
 */
static PyObject *enum_caches;	/* {class: {value: member}} */

/* The member of cls for the int key (a new reference). */
static PyObject *enum_lookup(PyObject *cls, PyObject *key)
{
	PyObject *cache, *m;

	cache = PyDict_GetItemWithError(enum_caches, cls);
	if (!cache) {
		if (PyErr_Occurred())
			return NULL;
		cache = PyDict_New();
		if (!cache || PyDict_SetItem(enum_caches, cls, cache) < 0) {
			Py_XDECREF(cache);
			return NULL;
		}
		Py_DECREF(cache);	/* enum_caches holds it */
	}
	m = PyDict_GetItemWithError(cache, key);
	if (m)
		return Py_NewRef(m);
	if (PyErr_Occurred())
		return NULL;
	m = PyObject_CallOneArg(cls, key);
	if (m && PyDict_GET_SIZE(cache) < MASK_CACHE_MAX && PyDict_SetItem(cache, key, m) < 0)
		Py_CLEAR(m);
	return m;
}

PyObject *pyfan_enum(PyObject *cls, long long value)
{
	PyObject *key = PyLong_FromLongLong(value), *m;

	if (!key)
		return NULL;
	m = enum_lookup(cls, key);
	Py_DECREF(key);
	return m;
}

/*
 * &, |, ^ of the IntFlag enums: enum.py computes the int, then calls the
 * class, in Python (about 1.5 us here); these compute it in C and take the
 * member from the cache above (the class's own answer for that value).
 */
static PyObject *flag_op(PyObject *self, PyObject *other, binaryfunc op)
{
	PyObject *v, *m;

	if (!PyLong_Check(other))
		Py_RETURN_NOTIMPLEMENTED;
	v = op(self, other);	/* int's own operation on the two values */
	if (!v)
		return NULL;
	m = enum_lookup((PyObject *)Py_TYPE(self), v);
	Py_DECREF(v);
	return m;
}

static PyObject *flag_and(PyObject *self, PyObject *other)
{
	return flag_op(self, other, PyLong_Type.tp_as_number->nb_and);
}
static PyObject *flag_or(PyObject *self, PyObject *other)
{
	return flag_op(self, other, PyLong_Type.tp_as_number->nb_or);
}
static PyObject *flag_xor(PyObject *self, PyObject *other)
{
	return flag_op(self, other, PyLong_Type.tp_as_number->nb_xor);
}

static PyMethodDef flag_ops[] = {
	{ "__and__", flag_and, METH_O, NULL }, { "__rand__", flag_and, METH_O, NULL },
	{ "__or__", flag_or, METH_O, NULL }, { "__ror__", flag_or, METH_O, NULL },
	{ "__xor__", flag_xor, METH_O, NULL }, { "__rxor__", flag_xor, METH_O, NULL },
};

static int fast_flag_ops(PyObject *cls)
{
	size_t i;

	for (i = 0; i < sizeof(flag_ops) / sizeof(flag_ops[0]); i++) {
		PyObject *d = PyDescr_NewMethod((PyTypeObject *)cls, &flag_ops[i]);

		if (!d || PyObject_SetAttrString(cls, flag_ops[i].ml_name, d) < 0) {
			Py_XDECREF(d);
			return -1;
		}
		Py_DECREF(d);
	}
	return 0;
}

PyObject *pyfan_mask(uint64_t mask)
{
	PyObject *key, *m;

	key = PyLong_FromUnsignedLongLong(mask);
	if (!key)
		return NULL;
	m = PyDict_GetItemWithError(mask_cache, key);
	if (m) {
		Py_DECREF(key);
		return Py_NewRef(m);
	}
	if (PyErr_Occurred()) {
		Py_DECREF(key);
		return NULL;
	}
	m = PyObject_CallOneArg(Pyfan_Mask, key);
	if (m && PyDict_GET_SIZE(mask_cache) < MASK_CACHE_MAX &&
	    PyDict_SetItem(mask_cache, key, m) < 0)
		Py_CLEAR(m);
	Py_DECREF(key);
	return m;
}

/* ---- constants and enums ---- */

struct konst {
	const char *member;	/* name in the enum */
	const char *cname;	/* name in C and at module level */
	long long value;
};

#define EV(n) { #n, "FAN_" #n, (long long)FAN_##n }
static const struct konst mask_bits[] = {
	EV(ACCESS), EV(MODIFY), EV(ATTRIB), EV(CLOSE_WRITE), EV(CLOSE_NOWRITE), EV(OPEN),
	EV(MOVED_FROM), EV(MOVED_TO), EV(CREATE), EV(DELETE), EV(DELETE_SELF), EV(MOVE_SELF),
	EV(OPEN_EXEC), EV(Q_OVERFLOW), EV(FS_ERROR), EV(OPEN_PERM), EV(ACCESS_PERM),
	EV(OPEN_EXEC_PERM), EV(PRE_ACCESS), EV(MNT_ATTACH), EV(MNT_DETACH),
	EV(EVENT_ON_CHILD), EV(RENAME), EV(ONDIR),
	/* combinations the kernel header names */
	EV(CLOSE), EV(MOVE),
};

static const struct konst init_flags[] = {
	EV(CLASS_NOTIF), EV(CLASS_CONTENT), EV(CLASS_PRE_CONTENT), EV(CLOEXEC), EV(NONBLOCK),
	EV(UNLIMITED_QUEUE), EV(UNLIMITED_MARKS), EV(ENABLE_AUDIT), EV(REPORT_PIDFD),
	EV(REPORT_TID), EV(REPORT_FID), EV(REPORT_DIR_FID), EV(REPORT_NAME),
	EV(REPORT_TARGET_FID), EV(REPORT_FD_ERROR), EV(REPORT_MNT),
	EV(REPORT_DFID_NAME), EV(REPORT_DFID_NAME_TARGET),
};

#define MK(n) { #n, "FAN_MARK_" #n, (long long)FAN_MARK_##n }
static const struct konst mark_flags[] = {
	MK(INODE), MK(ADD), MK(REMOVE), MK(DONT_FOLLOW), MK(ONLYDIR), MK(MOUNT),
	MK(IGNORED_MASK), MK(IGNORED_SURV_MODIFY), MK(FLUSH), MK(FILESYSTEM), MK(EVICTABLE),
	MK(IGNORE), MK(IGNORE_SURV), MK(MNTNS),
};

#define IT(n) { #n, "FAN_EVENT_INFO_TYPE_" #n, FAN_EVENT_INFO_TYPE_##n }
static const struct konst info_types[] = {
	IT(FID), IT(DFID_NAME), IT(DFID), IT(PIDFD), IT(ERROR), IT(RANGE), IT(MNT),
	IT(OLD_DFID_NAME), IT(NEW_DFID_NAME),
};

static const struct konst responses[] = {
	EV(ALLOW), EV(DENY), EV(AUDIT), EV(INFO),
};

#define LF(kind, n) { #n, "LIBFANOTIFY_" #kind "_" #n, LIBFANOTIFY_##kind##_##n }
static const struct konst path_flags[] = {
	LF(PATH, DELETED), LF(PATH, PARTIAL), LF(PATH, DIR), LF(PATH, UNVERIFIED),
};
static const struct konst proc_flags[] = {
	LF(PROC, VERIFIED), LF(PROC, GONE), LF(PROC, PARTIAL), LF(PROC, RECORDED),
};

#define PLAIN(n) { #n, #n, (long long)(n) }
static const struct konst plain[] = {
	PLAIN(FAN_NOFD), PLAIN(FAN_NOPIDFD), PLAIN(FAN_EPIDFD),
	PLAIN(FAN_RESPONSE_INFO_NONE), PLAIN(FAN_RESPONSE_INFO_AUDIT_RULE),
	PLAIN(FAN_ERRNO_BITS), PLAIN(FAN_ERRNO_SHIFT), PLAIN(FAN_ERRNO_MASK),
	PLAIN(FANOTIFY_METADATA_VERSION), PLAIN(FAN_EVENT_METADATA_LEN),
	PLAIN(LIBFANOTIFY_ANSWER_SELF), PLAIN(LIBFANOTIFY_SKIP_SELF),
	PLAIN(LIBFANOTIFY_DEFAULT_BUF_SIZE), PLAIN(LIBFANOTIFY_MIN_BUF_SIZE),
	PLAIN(LIBFANOTIFY_VERSION_MAJOR), PLAIN(LIBFANOTIFY_VERSION_MINOR),
	PLAIN(LIBFANOTIFY_VERSION_MICRO),
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* "since" of one table entry, for the enum's docstring. */
typedef const char *(*since_fn)(const struct konst *k);

static const char *since_event(const struct konst *k)
{
	return fan_event_since((uint64_t)k->value);
}
static const char *since_init(const struct konst *k)
{
	return fan_init_flag_since((unsigned int)k->value);
}
static const char *since_mark(const struct konst *k)
{
	return fan_mark_flag_since((unsigned int)k->value);
}

/* The docstring: the summary, then one line per member with its kernel. */
static PyObject *enum_doc(const char *summary, const struct konst *t, size_t n, since_fn since)
{
	PyObject *parts = PyList_New(0), *line, *sep, *doc = NULL;
	size_t i;

	if (!parts)
		return NULL;
	line = PyUnicode_FromString(summary);
	if (!line || PyList_Append(parts, line) < 0)
		goto out;
	Py_CLEAR(line);
	for (i = 0; since && i < n; i++) {
		const char *s = since(&t[i]);

		char buf[160];

		snprintf(buf, sizeof(buf), "  %-22s %s (0x%llx)%s%s", t[i].member, t[i].cname,
			 (unsigned long long)t[i].value, s ? ", Linux " : "", s ? s : "");
		line = PyUnicode_FromString(buf);
		if (!line || PyList_Append(parts, line) < 0)
			goto out;
		Py_CLEAR(line);
	}
	sep = PyUnicode_FromString("\n");
	if (sep) {
		doc = PyUnicode_Join(sep, parts);
		Py_DECREF(sep);
	}
out:
	Py_XDECREF(line);
	Py_DECREF(parts);
	return doc;
}

/*
 * enum.<kind>(name, [(member, value), ...], module="fanotify"), with its
 * docstring, added to the module; every member also at module level under
 * its C name.
 */
static PyObject *make_enum(PyObject *m, PyObject *enum_mod, const char *kind, const char *name,
			   const struct konst *t, size_t n, const char *summary, since_fn since)
{
	PyObject *base = NULL, *members = NULL, *kw = NULL, *cls = NULL, *doc = NULL, *args;
	size_t i;

	base = PyObject_GetAttrString(enum_mod, kind);
	members = PyList_New(0);
	if (!base || !members)
		goto fail;
	for (i = 0; i < n; i++) {
		PyObject *item = Py_BuildValue("(sL)", t[i].member, t[i].value);

		if (!item || PyList_Append(members, item) < 0) {
			Py_XDECREF(item);
			goto fail;
		}
		Py_DECREF(item);
	}
	args = Py_BuildValue("(sO)", name, members);
	kw = Py_BuildValue("{ss}", "module", "fanotify");
	if (!args || !kw) {
		Py_XDECREF(args);
		goto fail;
	}
	cls = PyObject_Call(base, args, kw);
	Py_DECREF(args);
	if (!cls)
		goto fail;
	doc = enum_doc(summary, t, n, since);
	if (!doc || PyObject_SetAttrString(cls, "__doc__", doc) < 0)
		goto fail;
	for (i = 0; i < n; i++) {
		PyObject *v = PyObject_GetAttrString(cls, t[i].member);

		if (!v || PyModule_AddObject(m, t[i].cname, v) < 0) {
			Py_XDECREF(v);
			goto fail;
		}
	}
	if (PyModule_AddObject(m, name, Py_NewRef(cls)) < 0) {
		Py_DECREF(cls);
		goto fail;
	}
	Py_DECREF(base);
	Py_DECREF(members);
	Py_DECREF(kw);
	Py_DECREF(doc);
	return cls;
fail:
	Py_XDECREF(base);
	Py_XDECREF(members);
	Py_XDECREF(kw);
	Py_XDECREF(cls);
	Py_XDECREF(doc);
	return NULL;
}

static int add_enums(PyObject *m)
{
	PyObject *e = PyImport_ImportModule("enum");

	if (!e)
		return -1;
	Pyfan_Mask = make_enum(m, e, "IntFlag", "Mask", mask_bits, N(mask_bits),
		"Event bits: what a mark asks for and what an event reports (Event.mask).\n"
		"Every bit of Linux 6.18; each is also a module constant (FAN_OPEN ...).\n"
		"str() of a Mask is its number: use mask_names() for 'open,close_write'.\n",
		since_event);
	Pyfan_InitFlag = make_enum(m, e, "IntFlag", "InitFlag", init_flags, N(init_flags),
		"fanotify_init() flags, for Group(init_flags).  CLASS_* are a field, not bits.\n",
		since_init);
	Pyfan_MarkFlag = make_enum(m, e, "IntFlag", "MarkFlag", mark_flags, N(mark_flags),
		"fanotify_mark() flags: the mark type (INODE, MOUNT, FILESYSTEM, MNTNS) and\n"
		"modifiers, for Group.mark(flags=).  The commands (ADD, REMOVE, FLUSH) are\n"
		"Group.mark(), Group.unmark() and Group.flush_marks().\n",
		since_mark);
	Pyfan_InfoType = make_enum(m, e, "IntEnum", "InfoType", info_types, N(info_types),
		"Types of the info records that follow an event (Event.info).\n", NULL);
	Pyfan_Response = make_enum(m, e, "IntFlag", "Response", responses, N(responses),
		"Permission answers: ALLOW or DENY, optionally | AUDIT (Linux 4.15).\n"
		"deny_errno(e) makes a denial with an errno (Linux 6.14).\n", NULL);
	Pyfan_PathFlag = make_enum(m, e, "IntFlag", "PathFlag", path_flags, N(path_flags),
		"What is known about a resolved path (Event.path_flags):\n"
		"  DELETED  the object was unlinked (its descriptor is still open, or its handle stale)\n"
		"  PARTIAL  only the name is known, not its directory (see Event.path_error)\n"
		"  DIR      the object is a directory\n"
		"  UNVERIFIED  the path could not be checked to be right now (see Event.path_error)\n",
		NULL);
	Pyfan_ProcFlag = make_enum(m, e, "IntFlag", "ProcFlag", proc_flags, N(proc_flags),
		"What is known about a process (Process.flags):\n"
		"  VERIFIED checked against the event's pidfd: not a reused pid\n"
		"  GONE     the process exited before it could be read\n"
		"  PARTIAL  some fields could not be read (see Process.error)\n", NULL);
	Py_DECREF(e);
	if (!Pyfan_Mask || !Pyfan_InitFlag || !Pyfan_MarkFlag || !Pyfan_InfoType ||
	    !Pyfan_Response || !Pyfan_PathFlag || !Pyfan_ProcFlag)
		return -1;
	if (fast_flag_ops(Pyfan_Mask) < 0 || fast_flag_ops(Pyfan_InitFlag) < 0 ||
	    fast_flag_ops(Pyfan_MarkFlag) < 0 || fast_flag_ops(Pyfan_Response) < 0 ||
	    fast_flag_ops(Pyfan_PathFlag) < 0 || fast_flag_ops(Pyfan_ProcFlag) < 0)
		return -1;
	return 0;
}

static int add_plain(PyObject *m)
{
	size_t i;

	for (i = 0; i < N(plain); i++)
		if (PyModule_AddIntConstant(m, plain[i].cname, (long)plain[i].value) < 0)
			return -1;
	if (PyModule_AddStringConstant(m, "LIBFANOTIFY_VERSION", LIBFANOTIFY_VERSION) < 0 ||
	    PyModule_AddStringConstant(m, "__version__", LIBFANOTIFY_VERSION) < 0)
		return -1;
	return 0;
}

/* ---- exceptions ---- */

static PyObject *new_error(PyObject *m, const char *name, PyObject *base, const char *doc)
{
	char full[64];
	PyObject *cls;

	snprintf(full, sizeof(full), "fanotify.%s", name);
	cls = PyErr_NewExceptionWithDoc(full, doc, base, NULL);
	if (cls && PyModule_AddObject(m, name, Py_NewRef(cls)) < 0)
		Py_CLEAR(cls);
	return cls;
}

static int add_errors(PyObject *m)
{
	Pyfan_Error = new_error(m, "Error", PyExc_OSError,
		"Base of the errors libfanotify makes itself (an OSError with an errno).\n"
		"Errors of the kernel are plain OSError subclasses: PermissionError for\n"
		"EPERM, FileNotFoundError for ENOENT, OSError with errno EINVAL ...");
	if (!Pyfan_Error)
		return -1;
	Pyfan_StaleEventError = new_error(m, "StaleEventError", Pyfan_Error,
		"The event's batch is finished (the next read, Batch.release(), the end of\n"
		"the Batch or the group's close), or a deferred event was answered: its\n"
		"descriptors are closed and it was answered.  What was copied stays\n"
		"readable (mask, pid, info, and path/process if resolved before); its\n"
		"descriptors, answers and unresolved paths are gone.  errno EINVAL.");
	Pyfan_AlreadyAnsweredError = new_error(m, "AlreadyAnsweredError", Pyfan_Error,
		"The permission event was answered or deferred before (errno EALREADY).");
	Pyfan_GroupClosedError = new_error(m, "GroupClosedError", Pyfan_Error,
		"The group is closed (errno EBADF), or was closed before a deferred\n"
		"event was answered: it answered with its default then (errno ECANCELED).");
	Pyfan_MalformedError = new_error(m, "MalformedError", Pyfan_Error,
		"An event buffer is malformed (errno EBADMSG).");
	if (!Pyfan_StaleEventError || !Pyfan_AlreadyAnsweredError || !Pyfan_GroupClosedError ||
	    !Pyfan_MalformedError)
		return -1;
	return 0;
}

/* ---- functions ---- */

static PyObject *str_or_none(const char *s)
{
	if (!s)
		Py_RETURN_NONE;
	return PyUnicode_FromString(s);
}

static PyObject *fn_event_name(PyObject *mod, PyObject *arg)
{
	uint64_t bit;

	if (pyfan_u64(arg, &bit, "bit") < 0)
		return NULL;
	return str_or_none(fan_event_name(bit));
}

static PyObject *fn_event_since(PyObject *mod, PyObject *arg)
{
	uint64_t bit;

	if (pyfan_u64(arg, &bit, "bit") < 0)
		return NULL;
	return str_or_none(fan_event_since(bit));
}

static PyObject *fn_event_from_name(PyObject *mod, PyObject *arg)
{
	const char *name = PyUnicode_AsUTF8(arg);

	if (!name)
		return NULL;
	return pyfan_mask(fan_event_from_name(name));
}

#define FLAG_FN(fname, call)                                                  \
	static PyObject *fname(PyObject *mod, PyObject *arg)                  \
	{                                                                     \
		unsigned int v;                                               \
		if (pyfan_uint(arg, &v, "flag") < 0)                          \
			return NULL;                                          \
		return str_or_none(call(v));                                  \
	}
FLAG_FN(fn_init_flag_name, fan_init_flag_name)
FLAG_FN(fn_init_flag_since, fan_init_flag_since)
FLAG_FN(fn_mark_flag_name, fan_mark_flag_name)
FLAG_FN(fn_mark_flag_since, fan_mark_flag_since)
FLAG_FN(fn_info_type_name, fan_info_type_name)

static PyObject *fn_mask_names(PyObject *mod, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "mask", "sep", NULL };
	const char *sep = ",";
	PyObject *o, *res;
	uint64_t mask;
	char small[256], *buf = small;
	int n;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "O|s:mask_names", kwlist, &o, &sep) ||
	    pyfan_u64(o, &mask, "mask") < 0)
		return NULL;
	n = fan_mask_format(mask, sep, small, sizeof(small));
	if (n < 0)
		return pyfan_raise(n, "mask_names", NULL);
	if ((size_t)n >= sizeof(small)) {
		buf = PyMem_Malloc((size_t)n + 1);
		if (!buf)
			return PyErr_NoMemory();
		fan_mask_format(mask, sep, buf, (size_t)n + 1);
	}
	res = PyUnicode_FromStringAndSize(buf, n);
	if (buf != small)
		PyMem_Free(buf);
	return res;
}

static PyObject *fn_deny_errno(PyObject *mod, PyObject *arg)
{
	long e = PyLong_AsLong(arg);

	if (e == -1 && PyErr_Occurred())
		return NULL;
	if (e <= 0 || e > FAN_ERRNO_MASK) {
		PyErr_SetString(PyExc_ValueError, "errno must be 1 to 255");
		return NULL;
	}
	return PyLong_FromUnsignedLong(FAN_DENY_ERRNO(e));
}

static PyObject *fn_path_quote(PyObject *mod, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "path", "always", "bare", NULL };
	PyObject *po, *bytes = NULL, *res = NULL;
	int always = 0, bare = 0, n;
	unsigned int flags;
	char small[512], *buf = small;
	size_t size = sizeof(small);

	if (!PyArg_ParseTupleAndKeywords(args, kw, "O|$pp:path_quote", kwlist, &po, &always,
					 &bare) ||
	    !PyUnicode_FSConverter(po, &bytes))
		return NULL;
	flags = (always ? LIBFANOTIFY_QUOTE_ALWAYS : 0) | (bare ? LIBFANOTIFY_QUOTE_BARE : 0);
	for (;;) {
		n = fan_path_quote(PyBytes_AS_STRING(bytes), (size_t)PyBytes_GET_SIZE(bytes), flags,
				   buf, size);
		if (n < 0) {
			pyfan_raise(n, "fan_path_quote", NULL);
			break;
		}
		if ((size_t)n < size) {
			res = pyfan_decode(buf, (size_t)n);
			break;
		}
		if (buf != small)
			PyMem_Free(buf);
		size = (size_t)n + 1;
		buf = PyMem_Malloc(size);
		if (!buf) {
			PyErr_NoMemory();
			break;
		}
	}
	if (buf && buf != small)
		PyMem_Free(buf);
	Py_DECREF(bytes);
	return res;
}

static PyObject *fn_probe_init(PyObject *mod, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "init_flags", "event_f_flags", NULL };
	PyObject *fo, *eo = NULL;
	unsigned int flags, ef = O_RDONLY;
	int r;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "O|O:probe_init", kwlist, &fo, &eo) ||
	    pyfan_uint(fo, &flags, "init_flags") < 0 ||
	    (eo && pyfan_uint(eo, &ef, "event_f_flags") < 0))
		return NULL;
	Py_BEGIN_ALLOW_THREADS
	r = fan_probe_init(flags, ef);
	Py_END_ALLOW_THREADS
	return PyLong_FromLong(-r);
}

static PyObject *fn_probe_mark(PyObject *mod, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "init_flags", "mark_flags", "mask", "path", NULL };
	PyObject *fo, *mfo, *mo, *po = Py_None, *path = NULL;
	unsigned int flags, mflags;
	uint64_t mask;
	int r;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "OOO|O:probe_mark", kwlist, &fo, &mfo, &mo, &po))
		return NULL;
	if (po != Py_None && !PyUnicode_FSConverter(po, &path))
		return NULL;
	if (pyfan_uint(fo, &flags, "init_flags") < 0 || pyfan_uint(mfo, &mflags, "mark_flags") < 0 ||
	    pyfan_u64(mo, &mask, "mask") < 0) {
		Py_XDECREF(path);
		return NULL;
	}
	Py_BEGIN_ALLOW_THREADS
	r = fan_probe_mark(flags, mflags, mask, path ? AT_FDCWD : -1,
			   path ? PyBytes_AS_STRING(path) : NULL);
	Py_END_ALLOW_THREADS
	Py_XDECREF(path);
	return PyLong_FromLong(-r);
}

static PyObject *fn_library_version(PyObject *mod, PyObject *unused)
{
	return Py_BuildValue("(sIII)", fan_version(), fan_version_major(), fan_version_minor(),
			     fan_version_micro());
}

/* parse_events(buffer, *, strict=True): detached events of a buffer. */
static PyObject *fn_parse_events(PyObject *mod, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "buffer", "strict", NULL };
	Py_buffer view;
	int strict = 1, n;
	size_t valid = 0;
	unsigned char *copy;
	struct fan_event *ev;
	PyObject *list = NULL;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "y*|$p:parse_events", kwlist, &view, &strict))
		return NULL;
	n = fan_buffer_validate(view.buf, (size_t)view.len, &valid);
	if (n < 0 && strict) {
		char msg[96];

		snprintf(msg, sizeof(msg), "malformed event buffer: valid up to byte %zu of %zd",
			 valid, view.len);
		PyBuffer_Release(&view);
		return pyfan_raise_class(Pyfan_MalformedError, EBADMSG, msg);
	}
	/* The walk wants a mutable buffer; the events copy what they need. */
	copy = PyMem_Malloc(valid ? valid : 1);
	if (!copy) {
		PyBuffer_Release(&view);
		return PyErr_NoMemory();
	}
	memcpy(copy, view.buf, valid);
	PyBuffer_Release(&view);
	list = PyList_New(0);
	for (ev = fan_buffer_first(copy, valid); list && ev; ev = fan_buffer_next(copy, valid, ev)) {
		PyObject *e = (PyObject *)pyfan_event_new(NULL, ev, 0);

		if (!e || PyList_Append(list, e) < 0)
			Py_CLEAR(list);
		Py_XDECREF(e);
	}
	PyMem_Free(copy);
	if (!list)
		return NULL;
	Py_SETREF(list, PyList_AsTuple(list));
	return list;
}

static PyMethodDef module_methods[] = {
	{ "event_name", fn_event_name, METH_O,
	  "event_name($module, bit, /)\n--\n\n-> str | None\n\nThe name of one event bit ('open', 'close_write' ...)." },
	{ "event_since", fn_event_since, METH_O,
	  "event_since($module, bit, /)\n--\n\n-> str | None\n\nThe first Linux release with this event bit ('5.1')." },
	{ "event_from_name", fn_event_from_name, METH_O,
	  "event_from_name($module, name, /)\n--\n\n-> Mask\n\nThe bit of an event name from event_name(); Mask(0) if unknown." },
	{ "init_flag_name", fn_init_flag_name, METH_O,
	  "init_flag_name($module, flag, /)\n--\n\n-> str | None\n\nThe C name of one fanotify_init() flag." },
	{ "init_flag_since", fn_init_flag_since, METH_O,
	  "init_flag_since($module, flag, /)\n--\n\n-> str | None\n\nThe first Linux release with this fanotify_init() flag." },
	{ "mark_flag_name", fn_mark_flag_name, METH_O,
	  "mark_flag_name($module, flag, /)\n--\n\n-> str | None\n\nThe C name of one fanotify_mark() flag." },
	{ "mark_flag_since", fn_mark_flag_since, METH_O,
	  "mark_flag_since($module, flag, /)\n--\n\n-> str | None\n\nThe first Linux release with this fanotify_mark() flag." },
	{ "info_type_name", fn_info_type_name, METH_O,
	  "info_type_name($module, type, /)\n--\n\n-> str | None\n\nThe name of an info record type ('fid', 'dfid_name' ...)." },
	{ "mask_names", (PyCFunction)(void (*)(void))fn_mask_names, METH_VARARGS | METH_KEYWORDS,
	  "mask_names($module, /, mask, sep=',')\n--\n\n-> str\n\nThe names of mask's bits joined by sep: 'open,close_write'.\n"
	  "Unknown bits come out as one hexadecimal number." },
	{ "deny_errno", fn_deny_errno, METH_O,
	  "deny_errno($module, errno, /)\n--\n\n-> int\n\nFAN_DENY_ERRNO(errno): a denial whose opener gets this errno\n"
	  "(Linux 6.14, FAN_CLASS_PRE_CONTENT groups).  Event.deny(errno=) does it for you." },
	{ "probe_init", (PyCFunction)(void (*)(void))fn_probe_init, METH_VARARGS | METH_KEYWORDS,
	  "probe_init($module, /, init_flags, event_f_flags=0)\n--\n\n-> int\n\n"
	  "0 if fanotify_init(init_flags, event_f_flags) succeeds on this kernel with\n"
	  "these privileges, else its errno.  Tried once, cached, thread-safe." },
	{ "probe_mark", (PyCFunction)(void (*)(void))fn_probe_mark, METH_VARARGS | METH_KEYWORDS,
	  "probe_mark($module, /, init_flags, mark_flags, mask, path=None)\n--\n\n-> int\n\n"
	  "0 if a group made with init_flags accepts fanotify_mark(ADD | mark_flags, mask)\n"
	  "here, else the errno.  Without path, on an object nobody else can reach\n"
	  "(see fan_probe_mark(3)); with a path, on that object (not cached)." },
	{ "path_quote", (PyCFunction)(void (*)(void))fn_path_quote, METH_VARARGS | METH_KEYWORDS,
	  "path_quote($module, /, path, *, always=False, bare=False)\n--\n\n-> str\n\n"
	  "path (str, bytes or path-like) made safe for a terminal or a log, as\n"
	  "fanwatch prints paths: as it is when every byte is printable ASCII other\n"
	  "than space, '\"' and '\\\\' or valid UTF-8 of a visible character; otherwise in\n"
	  "double quotes with C escapes (\\\\n, \\\\xHH for control bytes, invalid UTF-8,\n"
	  "bidirectional and other invisible characters) that give the exact bytes\n"
	  "back.  always: quote even a path that could stay bare.  bare: escape only\n"
	  "what a terminal must not see, never quote (for a message line)." },
	{ "library_version", fn_library_version, METH_NOARGS,
	  "library_version($module)\n--\n\n-> (str, major, minor, micro)\n\nThe libfanotify linked at run time." },
	{ "parse_events", (PyCFunction)(void (*)(void))fn_parse_events, METH_VARARGS | METH_KEYWORDS,
	  "parse_events($module, /, buffer, *, strict=True)\n--\n\n-> tuple[Event, ...]\n\n"
	  "Events of a buffer as read() from a fanotify descriptor returns it, validated\n"
	  "as libfanotify validates every batch (lengths, version, every record).\n"
	  "The events are detached: their fields and records are readable; they own\n"
	  "no descriptor, cannot be answered or resolved.  strict: raise MalformedError\n"
	  "on a malformed buffer, else return the events of its valid part." },
	{ NULL, NULL, 0, NULL },
};

PyDoc_STRVAR(module_doc,
"Linux fanotify, through libfanotify: every record validated, every\n"
"descriptor closed exactly once, no permission event left unanswered, paths\n"
"and processes resolved.\n"
"\n"
"    import fanotify, os\n"
"    with fanotify.Group(fanotify.FAN_CLASS_NOTIF | fanotify.FAN_REPORT_DFID_NAME\n"
"                        | fanotify.FAN_REPORT_FID) as g:\n"
"        g.mark('/srv', fanotify.FAN_CREATE | fanotify.FAN_DELETE | fanotify.FAN_ONDIR,\n"
"               fanotify.FAN_MARK_FILESYSTEM)\n"
"        for ev in g:                       # blocks; Ctrl-C stops it\n"
"            print(fanotify.mask_names(ev.mask), ev.path, ev.pid)\n"
"\n"
"Group      a fanotify group: marks, reading, iteration (also async for), the\n"
"           default answer to permission events\n"
"Batch      what one read() returned: a sequence of Event, a context manager\n"
"Event      one event: mask, pid, fd, info records, path/new_path/process\n"
"           (resolved when first asked for), allow()/deny()/defer(),\n"
"           set_deadline(), process_info, parents()\n"
"Subtree    a directory tree followed by identity (marks, new directories\n"
"           read, moves), fed every event of its group\n"
"Mask, InitFlag, MarkFlag, InfoType, Response, PathFlag, ProcFlag   the enums;\n"
"           every FAN_* constant of Linux 6.18 is also a module attribute\n"
"\n"
"Lifetime: a batch ends at the next read(), Batch.release() or the end of a\n"
"`with` block over it, when its Batch object is dropped, or when the group\n"
"closes.  Then every permission event of it not answered or deferred gets the\n"
"group's default verdict, and every descriptor not taken is closed, once.\n"
"An Event kept beyond that keeps what was copied from it (mask, pid, info,\n"
"and path/process if they were resolved before); anything that needs the\n"
"batch raises StaleEventError.  defer() takes a permission event out of its\n"
"batch, to be answered later from any thread.\n"
"\n"
"Errors: the kernel's are OSError subclasses with their errno (PermissionError\n"
"for EPERM ...); the library's own are fanotify.Error subclasses.\n"
"\n"
"The group's descriptor is non-blocking; read(timeout) waits with poll(), with\n"
"the GIL released.  Calls on one group are serialized by the GIL; deferred\n"
"events may be answered from any thread.");

static struct PyModuleDef moduledef = {
	PyModuleDef_HEAD_INIT,
	.m_name = "fanotify",
	.m_doc = module_doc,
	.m_size = -1,
	.m_methods = module_methods,
};

PyMODINIT_FUNC PyInit_fanotify(void);
PyMODINIT_FUNC PyInit_fanotify(void)
{
	PyObject *m = PyModule_Create(&moduledef);

	if (!m)
		return NULL;
	mask_cache = PyDict_New();
	enum_caches = PyDict_New();
	if (!mask_cache || !enum_caches || add_errors(m) < 0 || add_enums(m) < 0 || add_plain(m) < 0 ||
	    pyfan_types_init(m) < 0 || pyfan_group_types_init(m) < 0 ||
	    pyfan_subtree_types_init(m) < 0) {
		Py_DECREF(m);
		return NULL;
	}
	return m;
}
