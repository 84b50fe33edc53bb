// SPDX-License-Identifier: MIT
/*
 * Value types: the info records of an event (named tuples, one type per
 * record kind), Process (the identity behind an event; a class, so fields
 * can be added without breaking unpacking) and GroupStats.
 */
#include "pyfan.h"

#include <errno.h>
#include <string.h>
#include <structmember.h>

static PyTypeObject *FidRecord, *PidfdRecord, *ErrorRecord, *RangeRecord, *MntRecord,
	*UnknownRecord, *GroupStats, *ProcessParent, *ProcStats;

static PyStructSequence_Field fid_fields[] = {
	{ "type", "InfoType.FID, DFID, DFID_NAME, OLD_DFID_NAME or NEW_DFID_NAME" },
	{ "fsid", "the filesystem id (statfs f_fsid) as a pair of ints" },
	{ "handle_type", "struct file_handle handle_type" },
	{ "handle", "the handle's bytes (f_handle), for open_by_handle_at()" },
	{ "name", "the entry's name (str, as os.fsdecode() makes it) for *DFID_NAME records, "
		  "else None; '.' for the directory itself" },
	{ NULL, NULL },
};
static PyStructSequence_Field pidfd_fields[] = {
	{ "type", "InfoType.PIDFD" },
	{ "pidfd", "the raw value: >= 0 a descriptor owned by the batch (use Event.pidfd / "
		   "take_pidfd()), FAN_NOPIDFD, FAN_EPIDFD or -errno" },
	{ NULL, NULL },
};
static PyStructSequence_Field error_fields[] = {
	{ "type", "InfoType.ERROR" },
	{ "error", "the errno of the first error (FAN_FS_ERROR)" },
	{ "count", "errors merged into this event" },
	{ NULL, NULL },
};
static PyStructSequence_Field range_fields[] = {
	{ "type", "InfoType.RANGE" },
	{ "offset", "first byte of the range (FAN_PRE_ACCESS)" },
	{ "count", "bytes in the range" },
	{ NULL, NULL },
};
static PyStructSequence_Field mnt_fields[] = {
	{ "type", "InfoType.MNT" },
	{ "mnt_id", "the mount's unique id (statx STATX_MNT_ID_UNIQUE)" },
	{ NULL, NULL },
};
static PyStructSequence_Field unknown_fields[] = {
	{ "type", "the record type (int)" },
	{ "data", "the whole record, header included (bytes)" },
	{ NULL, NULL },
};
static PyStructSequence_Field stats_fields[] = {
	{ "batches", "successful reads" },
	{ "events", "events read, overflow events included" },
	{ "overflows", "FAN_Q_OVERFLOW events" },
	{ "default_answers", "permission events answered with the group's default verdict" },
	{ "self_answers", "own permission events allowed at read time (answer_self)" },
	{ "answer_errors", "responses the kernel refused" },
	{ "malformed", "batches that failed validation" },
	{ "caller_answers", "answers of this program the kernel accepted" },
	{ "deadline_answers", "deferred events answered by their deadline" },
	{ NULL, NULL },
};

static PyStructSequence_Field parent_fields[] = {
	{ "pid", "the parent's pid" },
	{ "comm", "its name, None if it cannot be known for sure (the chain ends there)" },
	{ "flags", "ProcFlag: VERIFIED (pidfds) or RECORDED (the process table); 0: pid only" },
	{ NULL, NULL },
};
static PyStructSequence_Field proc_stats_fields[] = {
	{ "table", "0: the process table is kept (Group(proc_table=True)); else the errno why "
		   "not (ENODATA: not asked for)" },
	{ "lookups", "processes looked up (cache misses)" },
	{ "verified", "... named with a pidfd check" },
	{ "recorded", "... named from the process table" },
	{ "unknown", "... exited, and not named" },
	{ "ambiguous", "table: more than one process may have had the pid" },
	{ "untrusted", "table: the event's time is not covered" },
	{ "records", "exit records read" },
	{ "records_lost", "times exit records were lost (ENOBUFS)" },
	{ "connector_lost", "times fork and exit messages were lost" },
	{ "reaped", "processes with a pidfd, reaped before they were looked up" },
	{ NULL, NULL },
};

static PyTypeObject *new_struct_type(PyObject *m, const char *name, const char *doc,
				     PyStructSequence_Field *fields, int n)
{
	PyStructSequence_Desc desc = { (char *)name, (char *)doc, fields, n };
	PyTypeObject *t = PyStructSequence_NewType(&desc);
	const char *dot = strrchr(name, '.');

	if (t && PyModule_AddObject(m, dot ? dot + 1 : name, Py_NewRef((PyObject *)t)) < 0) {
		Py_DECREF(t);
		Py_DECREF(t);
		return NULL;
	}
	return t;
}

/* ---- records ---- */

static PyObject *info_type(unsigned int type)
{
	return pyfan_enum(Pyfan_InfoType, type);
}

/* A named tuple of n new references (stolen; NULL among them: failure). */
static PyObject *struct_new(PyTypeObject *t, PyObject **items, int n)
{
	PyObject *o = NULL;
	int i, ok = 1;

	for (i = 0; i < n; i++)
		ok &= items[i] != NULL;
	if (ok)
		o = PyStructSequence_New(t);
	for (i = 0; i < n; i++) {
		if (o)
			PyStructSequence_SetItem(o, i, items[i]);
		else
			Py_XDECREF(items[i]);
	}
	return o;
}

static PyObject *fid_record(const struct fan_info *rec, unsigned int type)
{
	struct fan_fid f;
	PyObject *items[5];

	if (fan_info_fid(rec, &f) < 0)
		return pyfan_raise_class(Pyfan_MalformedError, EBADMSG, "malformed FID record");
	items[0] = info_type(type);
	items[1] = Py_BuildValue("(ii)", (int)f.fsid.val[0], (int)f.fsid.val[1]);
	items[2] = PyLong_FromLong(f.handle_type);
	items[3] = PyBytes_FromStringAndSize((const char *)f.handle_data, f.handle_bytes);
	items[4] = f.name ? pyfan_decode(f.name, f.name_len) : Py_NewRef(Py_None);
	return struct_new(FidRecord, items, 5);
}

static PyObject *one_record(const struct fan_info *rec)
{
	unsigned int type = fan_info_type(rec);
	PyObject *items[3];
	int pidfd;
	struct fan_fs_error err;
	struct fan_range range;
	uint64_t mnt;

	switch (type) {
	case FAN_EVENT_INFO_TYPE_FID:
	case FAN_EVENT_INFO_TYPE_DFID:
	case FAN_EVENT_INFO_TYPE_DFID_NAME:
	case FAN_EVENT_INFO_TYPE_OLD_DFID_NAME:
	case FAN_EVENT_INFO_TYPE_NEW_DFID_NAME:
		return fid_record(rec, type);
	case FAN_EVENT_INFO_TYPE_PIDFD:
		if (fan_info_pidfd(rec, &pidfd) < 0)
			break;
		items[0] = info_type(type);
		items[1] = PyLong_FromLong(pidfd);
		return struct_new(PidfdRecord, items, 2);
	case FAN_EVENT_INFO_TYPE_ERROR:
		if (fan_info_error(rec, &err) < 0)
			break;
		items[0] = info_type(type);
		items[1] = PyLong_FromLong(err.error);
		items[2] = PyLong_FromUnsignedLong(err.error_count);
		return struct_new(ErrorRecord, items, 3);
	case FAN_EVENT_INFO_TYPE_RANGE:
		if (fan_info_range(rec, &range) < 0)
			break;
		items[0] = info_type(type);
		items[1] = PyLong_FromUnsignedLongLong(range.offset);
		items[2] = PyLong_FromUnsignedLongLong(range.count);
		return struct_new(RangeRecord, items, 3);
	case FAN_EVENT_INFO_TYPE_MNT:
		if (fan_info_mnt(rec, &mnt) < 0)
			break;
		items[0] = info_type(type);
		items[1] = PyLong_FromUnsignedLongLong(mnt);
		return struct_new(MntRecord, items, 2);
	default:
		break;
	}
	/* A type this library does not know (or cannot read): its bytes. */
	items[0] = PyLong_FromUnsignedLong(type);
	items[1] = PyBytes_FromStringAndSize(fan_info_raw(rec), (Py_ssize_t)fan_info_len(rec));
	return struct_new(UnknownRecord, items, 2);
}

PyObject *pyfan_records(const struct fan_event *ev)
{
	const struct fan_info *rec;
	PyObject *list = PyList_New(0), *t;

	if (!list)
		return NULL;
	fan_for_each_info(rec, ev) {
		PyObject *r = one_record(rec);

		if (!r || PyList_Append(list, r) < 0) {
			Py_XDECREF(r);
			Py_DECREF(list);
			return NULL;
		}
		Py_DECREF(r);
	}
	t = PyList_AsTuple(list);
	Py_DECREF(list);
	return t;
}

/* ---- Process ---- */

typedef struct {
	PyObject_HEAD
	PyObject *pid, *tid, *ppid, *uid, *euid, *gid, *comm, *exe, *flags, *error;
} ProcessObject;

static PyMemberDef process_members[] = {
	{ "pid", T_OBJECT, offsetof(ProcessObject, pid), READONLY,
	  "process (thread group) id" },
	{ "tid", T_OBJECT, offsetof(ProcessObject, tid), READONLY,
	  "thread id with FAN_REPORT_TID, else the pid" },
	{ "ppid", T_OBJECT, offsetof(ProcessObject, ppid), READONLY, "parent's pid, None if unknown" },
	{ "uid", T_OBJECT, offsetof(ProcessObject, uid), READONLY, "real uid, None if unknown" },
	{ "euid", T_OBJECT, offsetof(ProcessObject, euid), READONLY, "effective uid, None if unknown" },
	{ "gid", T_OBJECT, offsetof(ProcessObject, gid), READONLY, "real gid, None if unknown" },
	{ "comm", T_OBJECT, offsetof(ProcessObject, comm), READONLY,
	  "the name (/proc/PID/comm), None if unknown" },
	{ "exe", T_OBJECT, offsetof(ProcessObject, exe), READONLY,
	  "the executable's path, None if unknown (kernel threads, gone, no access)" },
	{ "flags", T_OBJECT, offsetof(ProcessObject, flags), READONLY, "ProcFlag" },
	{ "error", T_OBJECT, offsetof(ProcessObject, error), READONLY,
	  "0, or the errno of the first lookup that failed" },
	{ NULL, 0, 0, 0, NULL },
};

static void process_dealloc(ProcessObject *self)
{
	Py_XDECREF(self->pid);
	Py_XDECREF(self->tid);
	Py_XDECREF(self->ppid);
	Py_XDECREF(self->uid);
	Py_XDECREF(self->euid);
	Py_XDECREF(self->gid);
	Py_XDECREF(self->comm);
	Py_XDECREF(self->exe);
	Py_XDECREF(self->flags);
	Py_XDECREF(self->error);
	Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *flag_get(ProcessObject *self, unsigned int bit)
{
	long v = PyLong_AsLong(self->flags);

	if (v == -1 && PyErr_Occurred())
		return NULL;
	return PyBool_FromLong(v & bit);
}

static PyObject *process_verified(ProcessObject *self, void *c)
{
	return flag_get(self, LIBFANOTIFY_PROC_VERIFIED);
}
static PyObject *process_gone(ProcessObject *self, void *c)
{
	return flag_get(self, LIBFANOTIFY_PROC_GONE);
}
static PyObject *process_partial(ProcessObject *self, void *c)
{
	return flag_get(self, LIBFANOTIFY_PROC_PARTIAL);
}
static PyObject *process_recorded(ProcessObject *self, void *c)
{
	return flag_get(self, LIBFANOTIFY_PROC_RECORDED);
}

static PyGetSetDef process_getset[] = {
	{ "verified", (getter)process_verified, NULL,
	  "checked against the event's pidfd (FAN_REPORT_PIDFD): never another process "
	  "that reused the pid", NULL },
	{ "gone", (getter)process_gone, NULL, "the process exited before it could be read", NULL },
	{ "partial", (getter)process_partial, NULL, "some fields could not be read (see error)",
	  NULL },
	{ "recorded", (getter)process_recorded, NULL,
	  "named from the process table (Group(proc_table=True)): it had exited, and the "
	  "table shows no other process can have had its pid at the event", NULL },
	{ NULL, NULL, NULL, NULL, NULL },
};

static PyObject *process_repr(ProcessObject *self)
{
	return PyUnicode_FromFormat("fanotify.Process(pid=%R, comm=%R, exe=%R, uid=%R, flags=%R)",
				    self->pid, self->comm, self->exe, self->uid, self->flags);
}

PyTypeObject Pyfan_ProcessType = {
	PyVarObject_HEAD_INIT(NULL, 0)
	.tp_name = "fanotify.Process",
	.tp_basicsize = sizeof(ProcessObject),
	.tp_dealloc = (destructor)process_dealloc,
	.tp_repr = (reprfunc)process_repr,
	.tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
	.tp_doc = "The process behind an event (Event.process), read when first asked for.\n\n"
		  "With FAN_REPORT_PIDFD it is checked against the event's pidfd (verified):\n"
		  "it never describes another process that reused the pid.  Without, it is\n"
		  "best effort.  A process that exited before it could be read is gone.",
	.tp_members = process_members,
	.tp_getset = process_getset,
};

static PyObject *id_or_none(long long v, long long unknown)
{
	if (v == unknown)
		Py_RETURN_NONE;
	return PyLong_FromLongLong(v);
}

/* ---- ProcessInfo: a Process with the fields of libfanotify 1.1 ---- */

typedef struct {
	ProcessObject base;
	PyObject *egid, *cgroup_id, *cgroup, *mntns;
} ProcessInfoObject;

static PyMemberDef process_info_members[] = {
	{ "egid", T_OBJECT, offsetof(ProcessInfoObject, egid), READONLY,
	  "effective gid, None if unknown" },
	{ "cgroup_id", T_OBJECT, offsetof(ProcessInfoObject, cgroup_id), READONLY,
	  "the cgroup v2 id (the inode of its directory in cgroupfs), None if unknown" },
	{ "cgroup", T_OBJECT, offsetof(ProcessInfoObject, cgroup), READONLY,
	  "the cgroup v2 path as /proc/PID/cgroup says it (\"/system.slice/x.service\"), "
	  "None if unknown" },
	{ "mntns", T_OBJECT, offsetof(ProcessInfoObject, mntns), READONLY,
	  "the mount namespace (the inode of /proc/PID/ns/mnt), None if unknown" },
	{ NULL, 0, 0, 0, NULL },
};

static void process_info_dealloc(ProcessInfoObject *self)
{
	Py_XDECREF(self->egid);
	Py_XDECREF(self->cgroup_id);
	Py_XDECREF(self->cgroup);
	Py_XDECREF(self->mntns);
	process_dealloc(&self->base);
}

static PyObject *process_info_repr(ProcessInfoObject *self)
{
	ProcessObject *b = &self->base;

	return PyUnicode_FromFormat("fanotify.ProcessInfo(pid=%R, comm=%R, exe=%R, uid=%R, "
				    "cgroup=%R, mntns=%R, flags=%R)", b->pid, b->comm, b->exe,
				    b->uid, self->cgroup, self->mntns, b->flags);
}

PyTypeObject Pyfan_ProcessInfoType = {
	PyVarObject_HEAD_INIT(NULL, 0)
	.tp_name = "fanotify.ProcessInfo",
	.tp_basicsize = sizeof(ProcessInfoObject),
	.tp_dealloc = (destructor)process_info_dealloc,
	.tp_repr = (reprfunc)process_info_repr,
	.tp_flags = Py_TPFLAGS_DEFAULT,
	.tp_doc = "Event.process_info: the Process and what libfanotify 1.1 adds (egid,\n"
		  "cgroup, cgroup_id, mntns).  The added fields are read, with the same checks,\n"
		  "for a process the pidfd verifies; a process known only from the process\n"
		  "table (recorded) has the Process fields alone.",
	.tp_members = process_info_members,
	.tp_base = &Pyfan_ProcessType,
};

static int process_fill(ProcessObject *o, const struct fan_process *p, pid_t pid)
{
	o->pid = PyLong_FromLong(p->pid ? p->pid : pid);
	o->tid = PyLong_FromLong(p->tid ? p->tid : pid);
	o->ppid = id_or_none(p->ppid, -1);
	o->uid = id_or_none(p->uid, (uid_t)-1);
	o->euid = id_or_none(p->euid, (uid_t)-1);
	o->gid = id_or_none(p->gid, (gid_t)-1);
	o->comm = p->comm ? pyfan_decode(p->comm, strlen(p->comm)) : Py_NewRef(Py_None);
	o->exe = p->exe ? pyfan_decode(p->exe, strlen(p->exe)) : Py_NewRef(Py_None);
	o->flags = pyfan_enum(Pyfan_ProcFlag, p->flags);
	o->error = PyLong_FromLong(p->error < 0 ? -p->error : p->error);
	if (!o->pid || !o->tid || !o->ppid || !o->uid || !o->euid || !o->gid || !o->comm ||
	    !o->exe || !o->flags || !o->error)
		return -1;
	return 0;
}

PyObject *pyfan_process_info_new(const struct fan_process_info *info, pid_t pid)
{
	ProcessInfoObject *o = PyObject_New(ProcessInfoObject, &Pyfan_ProcessInfoType);

	if (!o)
		return NULL;
	memset((char *)o + sizeof(PyObject), 0, sizeof(*o) - sizeof(PyObject));
	if (process_fill(&o->base, &info->proc, pid) < 0)
		goto fail;
	o->egid = id_or_none(info->egid, (gid_t)-1);
	o->cgroup_id = id_or_none((long long)info->cgroup_id, 0);
	o->cgroup = info->cgroup ? pyfan_decode(info->cgroup, strlen(info->cgroup))
				 : Py_NewRef(Py_None);
	o->mntns = id_or_none((long long)info->mntns, 0);
	if (!o->egid || !o->cgroup_id || !o->cgroup || !o->mntns)
		goto fail;
	return (PyObject *)o;
fail:
	Py_DECREF(o);
	return NULL;
}

PyObject *pyfan_parent_new(const struct fan_process_parent *p)
{
	size_t len = strnlen(p->comm, sizeof(p->comm));
	PyObject *items[3] = {
		PyLong_FromLong(p->pid),
		len ? pyfan_decode(p->comm, len) : Py_NewRef(Py_None),
		pyfan_enum(Pyfan_ProcFlag, p->flags),
	};

	return struct_new(ProcessParent, items, 3);
}

PyObject *pyfan_proc_stats_new(const struct fan_resolver_proc_stats *st)
{
	PyObject *items[11] = {
		PyLong_FromLong(st->table < 0 ? -st->table : st->table),
		PyLong_FromUnsignedLongLong(st->lookups),
		PyLong_FromUnsignedLongLong(st->verified),
		PyLong_FromUnsignedLongLong(st->recorded),
		PyLong_FromUnsignedLongLong(st->unknown),
		PyLong_FromUnsignedLongLong(st->ambiguous),
		PyLong_FromUnsignedLongLong(st->untrusted),
		PyLong_FromUnsignedLongLong(st->records),
		PyLong_FromUnsignedLongLong(st->records_lost),
		PyLong_FromUnsignedLongLong(st->connector_lost),
		PyLong_FromUnsignedLongLong(st->reaped),
	};

	return struct_new(ProcStats, items, 11);
}

PyObject *pyfan_process_new(const struct fan_process *p, pid_t pid)
{
	ProcessObject *o = PyObject_New(ProcessObject, &Pyfan_ProcessType);

	if (!o)
		return NULL;
	memset((char *)o + sizeof(PyObject), 0, sizeof(*o) - sizeof(PyObject));
	if (process_fill(o, p, pid) < 0) {
		Py_DECREF(o);
		return NULL;
	}
	return (PyObject *)o;
}

PyObject *pyfan_stats_new(const struct fan_group_stats *st)
{
	PyObject *items[9] = {
		PyLong_FromUnsignedLongLong(st->batches),
		PyLong_FromUnsignedLongLong(st->events),
		PyLong_FromUnsignedLongLong(st->overflows),
		PyLong_FromUnsignedLongLong(st->default_answers),
		PyLong_FromUnsignedLongLong(st->self_answers),
		PyLong_FromUnsignedLongLong(st->answer_errors),
		PyLong_FromUnsignedLongLong(st->malformed),
		PyLong_FromUnsignedLongLong(st->caller_answers),
		PyLong_FromUnsignedLongLong(st->deadline_answers),
	};

	return struct_new(GroupStats, items, 9);
}

int pyfan_types_init(PyObject *m)
{
	if (PyType_Ready(&Pyfan_ProcessType) < 0 ||
	    PyModule_AddObject(m, "Process", Py_NewRef((PyObject *)&Pyfan_ProcessType)) < 0 ||
	    PyType_Ready(&Pyfan_ProcessInfoType) < 0 ||
	    PyModule_AddObject(m, "ProcessInfo", Py_NewRef((PyObject *)&Pyfan_ProcessInfoType)) < 0)
		return -1;
	FidRecord = new_struct_type(m, "fanotify.FidRecord",
		"A file handle record (FID, DFID, DFID_NAME, OLD_DFID_NAME, NEW_DFID_NAME).",
		fid_fields, 5);
	PidfdRecord = new_struct_type(m, "fanotify.PidfdRecord",
		"A PIDFD record (FAN_REPORT_PIDFD, Linux 5.15).", pidfd_fields, 2);
	ErrorRecord = new_struct_type(m, "fanotify.ErrorRecord",
		"An ERROR record (FAN_FS_ERROR, Linux 5.16).", error_fields, 3);
	RangeRecord = new_struct_type(m, "fanotify.RangeRecord",
		"A RANGE record (FAN_PRE_ACCESS, Linux 6.14).", range_fields, 3);
	MntRecord = new_struct_type(m, "fanotify.MntRecord",
		"A MNT record (FAN_REPORT_MNT, Linux 6.15).", mnt_fields, 2);
	UnknownRecord = new_struct_type(m, "fanotify.UnknownRecord",
		"A record of a type this library does not know: its raw bytes.", unknown_fields, 2);
	GroupStats = new_struct_type(m, "fanotify.GroupStats",
		"Counters of a group (Group.stats()).", stats_fields, 9);
	ProcessParent = new_struct_type(m, "fanotify.ProcessParent",
		"One ancestor of an event's process (Event.parents()).", parent_fields, 3);
	ProcStats = new_struct_type(m, "fanotify.ProcStats",
		"Counters of the resolver's process lookups (Group.proc_stats()).",
		proc_stats_fields, 11);
	if (!ProcessParent || !ProcStats)
		return -1;
	if (!FidRecord || !PidfdRecord || !ErrorRecord || !RangeRecord || !MntRecord ||
	    !UnknownRecord || !GroupStats)
		return -1;
	return 0;
}
