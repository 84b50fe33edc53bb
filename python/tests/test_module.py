# SPDX-License-Identifier: MIT
"""The module without a kernel: constants, enums, names, errors, help(),
parsing synthetic event buffers (every record type, malformed buffers)."""
import errno
import os
import pydoc
import re
import struct

import pytest

import fanotify as F

SRC = os.path.join(os.path.dirname(__file__), "..", "..")
COMPAT = os.path.join(SRC, "include", "fanotify", "compat.h")


def header_names(path):
    """Object-like FAN_* macros of a header (function-like ones are functions)."""
    with open(path) as f:
        return set(re.findall(r"^#define\s+(FANOTIFY_\w+|FAN_\w+)\b(?!\()", f.read(), re.M))


def test_every_compat_h_name_is_a_module_constant():
    names = header_names(COMPAT)
    assert len(names) > 45
    assert sorted(n for n in names if not hasattr(F, n)) == []


def test_every_system_header_name_is_a_module_constant():
    path = "/usr/include/linux/fanotify.h"
    if not os.path.exists(path):
        pytest.skip("no " + path)
    # FAN_ALL_*: deprecated sets the kernel froze at their 2.6.37 contents
    names = {n for n in header_names(path) if not n.startswith("FAN_ALL_")}
    assert sorted(n for n in names if not hasattr(F, n)) == []


def test_constants_newer_than_the_system_headers():
    # Values of the kernel's ABI (uapi, Linux 6.15 to 6.18), not of 6.1's header.
    assert F.FAN_REPORT_MNT == 0x4000
    assert F.FAN_REPORT_FD_ERROR == 0x2000
    assert F.FAN_PRE_ACCESS == 0x100000
    assert F.FAN_MNT_ATTACH == 0x01000000 and F.FAN_MNT_DETACH == 0x02000000
    assert F.FAN_MARK_MNTNS == 0x110
    assert F.FAN_EVENT_INFO_TYPE_RANGE == 6 and F.FAN_EVENT_INFO_TYPE_MNT == 7
    assert F.FAN_RENAME == 0x10000000
    assert F.deny_errno(errno.EIO) == F.FAN_DENY | (errno.EIO << 24)
    assert F.FAN_REPORT_DFID_NAME_TARGET == 0x1e00


def test_mask_holds_every_event_bit_the_library_names():
    bits = [1 << i for i in range(64) if F.event_name(1 << i)]
    assert len(bits) >= 24
    for b in bits:
        m = F.Mask(b)
        assert m.name == F.event_name(b).upper(), hex(b)
        assert getattr(F, "FAN_" + m.name) is m
    assert isinstance(F.FAN_OPEN | F.FAN_CLOSE_WRITE, F.Mask)
    assert F.Mask.CLOSE == F.FAN_CLOSE_WRITE | F.FAN_CLOSE_NOWRITE


def test_enums_and_their_kernels():
    assert F.InitFlag.REPORT_MNT is F.FAN_REPORT_MNT
    assert F.MarkFlag.FILESYSTEM is F.FAN_MARK_FILESYSTEM
    assert F.InfoType(2) is F.InfoType.DFID_NAME
    assert "Linux 6.15" in F.Mask.__doc__ and "MNT_ATTACH" in F.Mask.__doc__
    assert F.event_since(F.FAN_RENAME) == "5.17"
    assert F.init_flag_since(F.FAN_REPORT_MNT) == "6.15"
    assert F.mark_flag_name(F.FAN_MARK_EVICTABLE) == "FAN_MARK_EVICTABLE"
    assert F.info_type_name(F.FAN_EVENT_INFO_TYPE_PIDFD) == "pidfd"
    assert F.event_from_name("close_write") is F.FAN_CLOSE_WRITE
    assert F.event_from_name("nonsense") == 0


def test_mask_names():
    assert F.mask_names(F.FAN_CREATE | F.FAN_ONDIR) == "create,ondir"
    assert F.mask_names(F.FAN_OPEN | F.FAN_CLOSE_WRITE, sep="|") == "close_write|open"
    # unknown bits: one hexadecimal number
    assert "0x" in F.mask_names(1 << 40)
    long = F.mask_names((1 << 64) - 1)
    assert len(long) > 200
    with pytest.raises(ValueError):
        F.mask_names(1 << 64)


def test_help_reads_well():
    import inspect
    text = pydoc.render_doc(F, renderer=pydoc.plaintext)
    for what in ("class Group", "class Event", "class Batch", "read(self, /, timeout=None)",
                 "StaleEventError", "allow(self, /, *, audit=False, rule=None)", "defer(self, /)",
                 "take_fd(", "mark(self, /, path, mask, flags=0, *, dir_fd=None)",
                 "Lifetime", "default verdict", "-> Batch"):
        assert what in text, what
    assert F.__version__ == F.library_version()[0]
    # signatures for inspect (and so for editors)
    assert str(inspect.signature(F.Group)) == (
        "(init_flags, event_f_flags=0, *, default_response=None, buffer_size=0, "
        "answer_self=False, skip_self=False, cache_bytes=0, proc_cache_entries=0, "
        "perm_deadline=None, perm_deadline_response=None, proc_table=False)")
    assert list(inspect.signature(F.Event.deny).parameters) == ["self", "errno", "audit", "rule"]
    assert str(inspect.signature(F.mask_names)) == "(mask, sep=',')"
    assert str(inspect.signature(F.event_name)) == "(bit, /)"


def test_errors_are_oserrors():
    for cls in (F.Error, F.StaleEventError, F.AlreadyAnsweredError, F.GroupClosedError,
                F.MalformedError):
        assert issubclass(cls, OSError)
    with pytest.raises(OSError) as e:
        F.Group(1 << 30)      # an init flag no kernel has
    assert e.value.errno == errno.EINVAL


# ---- synthetic buffers: the pure parsing layer ----

def event(mask, fd=-1, pid=42, records=b""):
    return struct.pack("=IBBHQii", 24 + len(records), 3, 0, 24, mask, fd, pid) + records


def rec(type_, body):
    return struct.pack("=BBH", type_, 0, 4 + len(body)) + body


def fid(type_, handle=b"\x01\x02\x03\x04\x05\x06\x07\x08", name=None, fsid=(7, -9)):
    body = struct.pack("=iiIi", fsid[0], fsid[1], len(handle), 1) + handle
    if name is not None:
        body += name + b"\0"
        body += b"\0" * (-(4 + len(body)) % 4)
    return rec(type_, body)


def test_parse_every_record_type():
    buf = (event(F.FAN_CREATE, records=fid(F.FAN_EVENT_INFO_TYPE_DFID_NAME, name=b"bad\xffname")
                 + fid(F.FAN_EVENT_INFO_TYPE_FID) + rec(F.FAN_EVENT_INFO_TYPE_PIDFD,
                                                        struct.pack("=i", -1)))
           + event(F.FAN_FS_ERROR, records=fid(F.FAN_EVENT_INFO_TYPE_FID, handle=b"")
                   + rec(F.FAN_EVENT_INFO_TYPE_ERROR, struct.pack("=iI", errno.EUCLEAN, 3)))
           + event(F.FAN_PRE_ACCESS, fd=5, records=rec(F.FAN_EVENT_INFO_TYPE_RANGE,
                                                       struct.pack("=IQQ", 0, 4096, 8192)))
           + event(F.FAN_MNT_ATTACH, records=rec(F.FAN_EVENT_INFO_TYPE_MNT,
                                                 struct.pack("=Q", 0x1234567890)))
           + event(F.FAN_RENAME, records=fid(F.FAN_EVENT_INFO_TYPE_OLD_DFID_NAME, name=b"a")
                   + fid(F.FAN_EVENT_INFO_TYPE_NEW_DFID_NAME, name=b"b"))
           + event(F.FAN_OPEN, fd=7, records=rec(99, b"\xaa\xbb\xcc\xdd")))
    evs = F.parse_events(buf)
    assert len(evs) == 6
    create, fserr, pre, mnt, ren, unk = evs
    assert create.mask is F.FAN_CREATE and create.pid == 42 and create.fd is None
    d, f, p = create.info
    assert d.type is F.InfoType.DFID_NAME and d.fsid == (7, -9) and d.handle_type == 1
    assert d.handle == b"\x01\x02\x03\x04\x05\x06\x07\x08"
    assert os.fsencode(d.name) == b"bad\xffname"
    assert f.type is F.InfoType.FID and f.name is None
    assert p.type is F.InfoType.PIDFD and p.pidfd == F.FAN_NOPIDFD
    assert fserr.info[1] == (F.InfoType.ERROR, errno.EUCLEAN, 3)
    assert fserr.info[0].handle == b""
    assert pre.info[0] == (F.InfoType.RANGE, 4096, 8192) and pre.is_permission
    assert mnt.info[0].mnt_id == 0x1234567890
    assert [r.name for r in ren.info] == ["a", "b"]
    assert unk.info[0].type == 99 and unk.info[0].data[4:] == b"\xaa\xbb\xcc\xdd"
    assert create.find_info(F.InfoType.FID) is f
    assert create.find_info(F.InfoType.MNT) is None
    assert create.raw == buf[:len(create.raw)]
    # detached: no descriptors, answers or resolution
    for call in (lambda: pre.allow(), lambda: pre.defer(), lambda: create.path,
                 lambda: create.take_fd(), lambda: create.process):
        with pytest.raises(F.StaleEventError):
            call()
    assert pre.fd == 5 and not pre.needs_answer and create.group is None


@pytest.mark.parametrize("bad", [
    event(F.FAN_OPEN)[:20],                                       # partial metadata
    struct.pack("=IBBHQii", 24, 2, 0, 24, 1, -1, 1),              # version 2
    struct.pack("=IBBHQii", 100, 3, 0, 24, 1, -1, 1),             # longer than the buffer
    event(F.FAN_CREATE, records=struct.pack("=BBH", 1, 0, 2)),    # record shorter than its header
    event(F.FAN_CREATE, records=rec(F.FAN_EVENT_INFO_TYPE_DFID_NAME,
                                    struct.pack("=iiIi", 0, 0, 4, 1) + b"abcdxyz\x01")),  # no NUL
    event(F.FAN_CREATE, records=rec(F.FAN_EVENT_INFO_TYPE_FID,
                                    struct.pack("=iiIi", 0, 0, 400, 1))),   # handle too long
])
def test_malformed_buffers(bad):
    good = event(F.FAN_OPEN, fd=3)
    with pytest.raises(F.MalformedError) as e:
        F.parse_events(good + bad)
    assert e.value.errno == errno.EBADMSG
    # not strict: the valid prefix
    evs = F.parse_events(good + bad, strict=False)
    assert len(evs) == 1 and evs[0].fd == 3


def test_parse_is_a_copy():
    buf = bytearray(event(F.FAN_OPEN, pid=7))
    ev = F.parse_events(buf)[0]
    buf[20:24] = struct.pack("=i", 8)
    assert ev.pid == 7


def test_the_stub_names_what_the_module_has():
    import ast
    with open(os.path.join(os.path.dirname(__file__), "..", "fanotify.pyi")) as f:
        tree = ast.parse(f.read())
    stub = set()
    for node in tree.body:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef)):
            stub.add(node.name)
        elif isinstance(node, ast.AnnAssign):
            stub.add(node.target.id)
    helpers = {"StrPath", "Record", "AuditRule"}
    public = {n for n in dir(F) if not n.startswith("_")} | {"__version__"}
    assert sorted(public - stub) == []
    assert sorted(stub - public - helpers) == []
    # and the members of each class
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name in ("Event", "Group", "Batch", "Process",
                                                            "ProcessInfo", "Subtree"):
            members = {n.name for n in node.body if isinstance(n, ast.FunctionDef)}
            cls = getattr(F, node.name)
            real = {n for n in dir(cls) if not n.startswith("_")}
            for base in cls.__mro__[1:]:        # a subclass's stub names only its own
                real -= set(dir(base))
            assert sorted(real - members) == [], node.name


def test_flag_operations_are_the_enums_own():
    """&, | and ^ are done in C (enum.py's take about 1.5 us each): same results."""
    import enum
    import random
    rnd = random.Random(17)
    for cls in (F.Mask, F.InitFlag, F.MarkFlag, F.PathFlag, F.ProcFlag, F.Response):
        vals = [m.value for m in cls] + [0, 1 << 40, 3, -5]
        for _ in range(500):
            a = cls(rnd.choice(vals) | rnd.choice(vals))
            b = rnd.choice(vals + [rnd.getrandbits(33)])
            for op, ref in (("__and__", enum.Flag.__and__), ("__or__", enum.Flag.__or__),
                            ("__xor__", enum.Flag.__xor__)):
                got, want = getattr(a, op)(b), ref(a, b)
                assert type(got) is type(want) and got == want and repr(got) == repr(want)
            assert b & a == a & b and type(b & a) is cls
    assert (F.FAN_OPEN | F.FAN_CLOSE) & ~F.FAN_ONDIR is F.Mask(0x38)
    with pytest.raises(TypeError):
        F.FAN_OPEN & "x"
