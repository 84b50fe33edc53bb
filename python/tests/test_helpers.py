# SPDX-License-Identifier: MIT
"""Helpers of libfanotify 1.1: path_quote() (paths safe for a terminal and
a log, the exact bytes recoverable), unmark() by descriptor
(fan_group_remove_mark_fd)."""
import errno
import os
import re

import pytest

import fanotify as F
from conftest import HOSTILE_NAMES, read_all

FID = F.FAN_CLASS_NOTIF | F.FAN_REPORT_DFID_NAME | F.FAN_REPORT_FID

ESC = {"n": b"\n", "t": b"\t", "r": b"\r", '"': b'"', "\\": b"\\"}


def unquote(q):
    """The bytes a path_quote() result stands for."""
    if not q.startswith('"'):
        return os.fsencode(q)
    assert q.endswith('"') and len(q) >= 2
    out, body, i = b"", q[1:-1], 0
    while i < len(body):
        c = body[i]
        if c != "\\":
            assert c != '"', "a bare quote inside a quoted path: %r" % q
            out += c.encode("utf-8", "surrogateescape")
            i += 1
        elif body[i + 1] == "x":
            out += bytes([int(body[i + 2:i + 4], 16)])
            i += 4
        else:
            out += ESC[body[i + 1]]
            i += 2
    return out


@pytest.mark.parametrize("path,want", [
    ("plain/path-1.txt", "plain/path-1.txt"),
    ("caf\u00e9/\u65e5\u672c", "caf\u00e9/\u65e5\u672c"),        # visible UTF-8 stays bare
    ("a b", '"a b"'),
    (b"new\nline", '"new\\nline"'),
    (b'dq"uote', '"dq\\"uote"'),
    (b"back\\slash", '"back\\\\slash"'),
    (b"ctl\x01\x1b[31m", '"ctl\\x01\\x1b[31m"'),
    (b"bad\xffutf8", '"bad\\xffutf8"'),
    ("\u202ebidi", '"\\xe2\\x80\\xaebidi"'),                     # a bidirectional control
    ("zero\u200bwidth", '"zero\\xe2\\x80\\x8bwidth"'),           # default-ignorable
    ("", '""'),                                               # never an empty token
])
def test_path_quote(path, want):
    assert F.path_quote(path) == want
    assert unquote(F.path_quote(path)) == os.fsencode(path)


def test_path_quote_every_hostile_name_gives_its_bytes_back():
    for name in HOSTILE_NAMES:
        for always in (False, True):
            q = F.path_quote(b"/srv/" + name, always=always)
            assert q.isprintable() and "\n" not in q, q
            assert unquote(q) == b"/srv/" + name
            if always:
                assert q.startswith('"')


def test_path_quote_options():
    assert F.path_quote("abc", always=True) == '"abc"'
    assert F.path_quote("a b", bare=True) == "a b"
    assert F.path_quote(b'a\n"b\\', bare=True) == 'a\\n"b\\'
    assert F.path_quote("x" * 5000) == "x" * 5000                # past the stack buffer
    assert F.path_quote(b"\x01" * 3000) == '"' + "\\x01" * 3000 + '"'
    assert F.path_quote(os.path.join(b"/", b"a b")) == '"/a b"'
    with pytest.raises(TypeError):
        F.path_quote(12)
    with pytest.raises(OSError) as e:
        F.path_quote("a", always=True, bare=True)     # contradictory: the library says EINVAL
    assert e.value.errno == errno.EINVAL


def test_unmark_by_descriptor(tmpfs):
    d = os.path.join(tmpfs, "d")
    os.mkdir(d)
    dfd = os.open(d, os.O_RDONLY | os.O_DIRECTORY)
    try:
        with F.Group(FID) as g:
            g.mark(dfd, F.FAN_CREATE | F.FAN_DELETE)
            open(os.path.join(d, "a"), "w").close()
            assert [e.path for e in read_all(g, lambda got: got)] == [os.path.join(d, "a")]
            g.unmark(dfd, F.FAN_CREATE)
            open(os.path.join(d, "b"), "w").close()
            os.unlink(os.path.join(d, "a"))
            evs = read_all(g, lambda got: got)
            assert [(e.mask, e.path) for e in evs] == [(F.FAN_DELETE, os.path.join(d, "a"))]
            with pytest.raises(OSError) as e:
                g.unmark(-1, F.FAN_DELETE)
            assert e.value.errno == errno.EBADF
            with pytest.raises(OSError) as e:
                g.mark(-5, F.FAN_DELETE)
            assert e.value.errno == errno.EBADF
    finally:
        os.close(dfd)
    assert re.match(r"^\d+\.\d+\.\d+$", F.library_version()[0])
