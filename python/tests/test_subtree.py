# SPDX-License-Identifier: MIT
"""Subtree (fan_subtree, libfanotify 1.1): a tree followed by identity.
Directories created faster than the tracker reacts are marked and read,
what they held before the mark is found; moves out unmark; a root removed
or the tracker closed removes its marks; a group closed first frees the
tracker; callbacks' exceptions come back to the caller."""
import errno
import gc
import os
import subprocess
import weakref

import pytest

import fanotify as F
from conftest import HOSTILE_NAMES

BASE = F.FAN_CLASS_NOTIF | F.FAN_REPORT_DFID_NAME | F.FAN_REPORT_FID
EVENTS = F.FAN_CREATE | F.FAN_DELETE | F.FAN_CLOSE_WRITE | F.FAN_ONDIR


def tree_group():
    flags = BASE | F.FAN_REPORT_TARGET_FID
    if F.probe_init(flags):
        flags = BASE
        if F.probe_init(flags):
            pytest.skip("FAN_REPORT_DFID_NAME needs Linux 5.9")
    return F.Group(flags)


def run(g, t, seen, found, until, timeout=5.0):
    """Read, look at and hand over every event until until() or timeout."""
    import time
    end = time.monotonic() + timeout
    while not until() and time.monotonic() < end:
        with g.read(timeout=0.2) as b:
            for ev in b:
                if t.in_scope(ev) is not None and not ev.is_overflow:
                    seen.add(os.fsencode(ev.path))
                t.handle(ev)


def sh(cmd, cwd):
    subprocess.run(["sh", "-c", cmd], cwd=cwd, check=True)


def test_a_tree_made_faster_than_the_tracker_reacts(tmpfs):
    root = os.path.join(tmpfs, "root")
    os.makedirs(os.path.join(root, "old", "deep"))
    seen, found = set(), []
    with tree_group() as g, F.Subtree(g, EVENTS, found=found.append) as t:
        assert t.add_root(root) == 0
        st = t.stats()
        assert st.dirs == 3 and st.marked == 3
        # created before the tracker handles the first event: only the scan sees the rest
        sh("mkdir -p a/b/c && echo x > a/b/c/f && echo y > old/deep/g", root)
        want = {os.fsencode(os.path.join(root, p)) for p in
                ("a", "a/b", "a/b/c", "a/b/c/f", "old/deep/g")}
        run(g, t, seen, found, lambda: want <= seen | {os.fsencode(e.path) for e in found})
        # a's own event; below it, created before a was marked: only the scan knows them
        assert seen == {os.fsencode(os.path.join(root, p)) for p in ("a", "old/deep/g")}
        assert {os.fsencode(e.path) for e in found} == \
            {os.fsencode(os.path.join(root, p)) for p in ("a/b", "a/b/c", "a/b/c/f")}
        for e in found:
            assert e.flags & F.LIBFANOTIFY_SUBTREE_FOUND and e.root == 0 and e.error == 0
            assert isinstance(e.trigger, F.Event)
            assert bool(e.flags & F.LIBFANOTIFY_SUBTREE_DIR) == os.path.isdir(e.path)
        assert t.stats().dirs == 6

        # moved out: unmarked by identity, nothing below reported any more
        out = os.path.join(tmpfs, "outside")
        os.rename(os.path.join(root, "a"), out)
        run(g, t, seen, found, lambda: t.stats().dirs == 3)
        assert t.stats().dirs == 3 and t.stats().moved_out >= 1
        seen.clear()
        sh("echo z > outside/b/c/h && echo w > root/old/w", tmpfs)
        run(g, t, seen, found, lambda: os.fsencode(os.path.join(root, "old", "w")) in seen)
        assert seen == {os.fsencode(os.path.join(root, "old", "w"))}
        assert t.timeout() is None


def test_hostile_names_in_the_tree(tmpfs):
    root = os.path.join(tmpfs, "root")
    os.mkdir(root)
    seen, found = set(), []
    with tree_group() as g, F.Subtree(g, EVENTS, found=found.append) as t:
        t.add_root(root)
        broot = os.fsencode(root)
        want = set()
        for n in HOSTILE_NAMES:
            d = os.path.join(broot, n)
            os.mkdir(d)
            with open(os.path.join(d, b"f"), "w") as f:
                f.write("x")
            want |= {d, os.path.join(d, b"f")}
        run(g, t, seen, found, lambda: want <= seen | {os.fsencode(e.path) for e in found})
        assert seen | {os.fsencode(e.path) for e in found} == want


def test_skip_and_remove_root(tmpfs):
    r0, r1 = os.path.join(tmpfs, "r0"), os.path.join(tmpfs, "r1")
    for d in (r0, r1):
        os.makedirs(os.path.join(d, "keep"))
        os.makedirs(os.path.join(d, "cache"))
    skipped = []

    def skip(path):
        skipped.append(path)
        return os.path.basename(path) == "cache"

    with tree_group() as g:
        t = F.Subtree(g, EVENTS, skip=skip)
        assert (t.add_root(r0), t.add_root(r1)) == (0, 1)
        assert os.path.join(r0, "cache") in skipped
        assert t.stats().dirs == 4 and t.stats().skipped == 2
        seen = set()
        sh("echo x > r0/cache/x && echo y > r0/keep/y && echo z > r1/z", tmpfs)
        want = {os.fsencode(os.path.join(r0, "keep", "y")), os.fsencode(os.path.join(r1, "z"))}
        run(g, t, seen, [], lambda: want <= seen)
        assert seen == want                       # nothing from the skipped directory
        t.remove_root(1)
        assert t.stats().dirs == 2
        with pytest.raises(OSError) as e:
            t.remove_root(7)
        assert e.value.errno == errno.EINVAL
        seen.clear()
        sh("echo a > r1/a && echo b > r0/b", tmpfs)
        run(g, t, seen, [], lambda: os.fsencode(os.path.join(r0, "b")) in seen)
        assert seen == {os.fsencode(os.path.join(r0, "b"))}
        t.close()
        assert t.closed
        t.close()                                  # idempotent
        with pytest.raises(F.GroupClosedError):
            t.stats()


class Boom(Exception):
    pass


def test_callback_exceptions_and_reentry(tmpfs):
    root = os.path.join(tmpfs, "root")
    os.makedirs(os.path.join(root, "d"))
    holder = {}

    def skip(path):
        raise Boom(path)

    with tree_group() as g:
        t = F.Subtree(g, EVENTS, skip=skip)
        with pytest.raises(Boom):
            t.add_root(root)
        assert t.stats().dirs == 2                  # an error in skip: tracked, not left out
        t.close()

    def found(e):
        holder["t"].stats()                         # must not call the tracker

    with tree_group() as g:
        t = holder["t"] = F.Subtree(g, EVENTS, found=found)
        t.add_root(root)
        sh("mkdir -p root/n/m", tmpfs)
        with pytest.raises(RuntimeError):
            run(g, t, set(), [], lambda: False, timeout=2)
        del holder["t"]


def test_lifetime(tmpfs):
    root = os.path.join(tmpfs, "root")
    os.mkdir(root)
    g = tree_group()
    t = F.Subtree(g, EVENTS)
    t.add_root(root)
    with pytest.raises(OSError) as e:
        F.Subtree(g, EVENTS)                        # one tracker per group
    assert e.value.errno == errno.EBUSY
    g.close()                                       # the group first: the tracker is freed
    assert t.closed
    with pytest.raises(F.GroupClosedError):
        t.add_root(root)
    with pytest.raises(F.GroupClosedError):
        F.Subtree(g)
    # a tracker keeps its group alive; a cycle through a callback is collected
    g = tree_group()
    gref = weakref.ref(g)
    t = F.Subtree(g, EVENTS)
    del g
    assert gref() is not None and t.group is gref()
    del t
    gc.collect()
    assert gref() is None
    g = tree_group()
    box = []
    t2 = F.Subtree(g, EVENTS, found=box.append)
    box.append(t2)                                  # t2 -> found -> box -> t2
    tref = weakref.ref(t2)
    del t2, box
    gc.collect()
    assert tref() is None
    F.Subtree(g, EVENTS).close()                    # the group can have a tracker again
    g.close()
    with pytest.raises(OSError) as e:
        F.Subtree(F.Group(F.FAN_CLASS_NOTIF), EVENTS)   # no names: refused
    assert e.value.errno == errno.EINVAL and "FAN_REPORT_DFID_NAME" in str(e.value)
