# SPDX-License-Identifier: MIT
"""Lifetimes: an Event that outlives its batch never touches the buffer the
next read reuses (under ASan, any such access fails the run); it keeps what
was copied and raises StaleEventError for the rest.  Batches end when they
should, descriptors are closed exactly once."""
import gc
import os
import subprocess
import weakref

import pytest

import fanotify as F
from conftest import fd_count, read_all

FID = F.FAN_CLASS_NOTIF | F.FAN_REPORT_DFID_NAME | F.FAN_REPORT_FID


def writes(d, names):
    subprocess.run(["sh", "-c", "cd '%s' && for n in %s; do echo x > $n; done" %
                    (d, " ".join(names))], check=True)


def fd_mode_group(d):
    g = F.Group(F.FAN_CLASS_NOTIF | F.FAN_REPORT_PIDFD)
    g.mark(d, F.FAN_CLOSE_WRITE | F.FAN_EVENT_ON_CHILD)
    return g


def is_open(fd, st=None):
    """fd is open (and, given st, still the same file: numbers are reused)."""
    try:
        now = os.fstat(fd)
    except OSError:
        return False
    return st is None or (now.st_dev, now.st_ino) == (st.st_dev, st.st_ino)


STALE = [
    ("fd", lambda e: e.fd), ("pidfd", lambda e: e.pidfd), ("take_fd", lambda e: e.take_fd()),
    ("take_pidfd", lambda e: e.take_pidfd()), ("path", lambda e: e.path), ("new_path", lambda e: e.new_path),
    ("process", lambda e: e.process), ("path_flags", lambda e: e.path_flags),
    ("process_info", lambda e: e.process_info), ("parents", lambda e: e.parents()),
]


def test_an_event_after_its_batch(tmpfs):
    with fd_mode_group(tmpfs) as g:
        writes(tmpfs, ["a", "b"])
        b = g.read(timeout=5)
        if len(b) < 2:
            pytest.skip("the two events came in two batches")
        resolved, fresh = b[0], b[1]
        raw = (fresh.raw, fresh.mask, fresh.pid, fresh.info)
        path = resolved.path
        proc = resolved.process
        fd = fresh.fd
        assert is_open(fd)
        b.release()
        assert b.finished and fresh.finished and not is_open(fd)
        # copied: still readable, unchanged
        assert (fresh.raw, fresh.mask, fresh.pid, fresh.info) == raw
        assert fresh.fd_error == 0 and not fresh.is_permission and not fresh.needs_answer
        # resolved before: kept
        assert resolved.path == path == os.path.join(tmpfs, "a") and resolved.process is proc
        # everything that needs the batch: StaleEventError, an OSError with EINVAL
        for name, call in STALE:
            if name in ("process", "process_info") and fresh.pid == 0:
                continue
            with pytest.raises(F.StaleEventError) as e:
                call(fresh)
            assert e.value.errno == 22, name
        assert "finished" in repr(fresh)
        # the next batches reuse the buffer: the old events do not see it
        writes(tmpfs, ["c", "d", "e"])
        read_all(g, lambda got: len(got) >= 3)
        assert (fresh.raw, fresh.mask, fresh.pid, fresh.info) == raw


def test_dropping_the_batch_ends_it(tmpfs):
    with fd_mode_group(tmpfs) as g:
        writes(tmpfs, ["a"])
        b = g.read(timeout=5)
        ev = b[0]
        fd, pidfd = ev.fd, ev.pidfd
        assert is_open(fd) and (pidfd is None or is_open(pidfd))
        del b
        assert ev.finished and not is_open(fd)
        assert pidfd is None or not is_open(pidfd)
        # a list of the events keeps the events, not the batch
        writes(tmpfs, ["b"])
        evs = list(g.read(timeout=5))
        assert evs and all(e.finished for e in evs)
        # iterating the batch keeps it for the loop
        writes(tmpfs, ["c"])
        for e in g.read(timeout=5):
            assert not e.finished and e.path == os.path.join(tmpfs, "c")
        assert e.finished


def test_the_next_read_ends_a_batch_still_referenced(tmpfs):
    with fd_mode_group(tmpfs) as g:
        writes(tmpfs, ["a"])
        b1 = g.read(timeout=5)
        fd = b1[0].fd
        st = os.fstat(fd)
        writes(tmpfs, ["b"])
        b2 = g.read(timeout=5)
        assert b1.finished and not b2.finished and b1[0].finished and not is_open(fd, st)
        assert b2[0].path == os.path.join(tmpfs, "b")
        b1.release()          # not the current batch: nothing happens to b2
        assert not b2.finished and b2[0].fd is not None
        with b2:
            pass
        assert b2.finished


def test_group_close_and_events_that_outlive_the_group(tmpfs):
    before = fd_count()
    g = fd_mode_group(tmpfs)
    writes(tmpfs, ["a"])
    b = g.read(timeout=5)
    ev = b[0]
    ref = weakref.ref(g)
    g.close()
    assert b.finished and ev.finished
    with pytest.raises(F.StaleEventError):
        ev.fd
    assert ev.mask is F.FAN_CLOSE_WRITE
    assert fd_count() == before
    # not closed: the events keep the group alive, its close comes with the last of them
    g = fd_mode_group(tmpfs)
    writes(tmpfs, ["b"])
    b = g.read(timeout=5)
    ev = b[0]
    ref = weakref.ref(g)
    del g, b
    gc.collect()
    assert ref() is not None and fd_count() > before
    assert ev.finished or ev.fd is not None
    del ev
    gc.collect()
    assert ref() is None and fd_count() == before


def test_breaking_out_of_iteration_ends_the_batch(tmpfs):
    with fd_mode_group(tmpfs) as g:
        writes(tmpfs, ["a", "b", "c"])
        for ev in g:
            fd = ev.fd
            break
        assert ev.finished and not is_open(fd)


def test_events_kept_from_many_batches(tmpfs):
    kept = []
    with F.Group(FID) as g:
        g.mark(tmpfs, F.FAN_CREATE | F.FAN_DELETE, F.FAN_MARK_FILESYSTEM)
        for i in range(60):
            p = os.path.join(tmpfs, "f%d" % i)
            open(p, "w").close()
            os.unlink(p)
            with g.read(timeout=5) as b:
                for ev in b:
                    kept.append((ev, ev.raw, ev.info))
                    if i % 2:
                        ev.path       # resolved ones keep their path
        for ev, raw, info in kept:
            assert ev.finished and ev.raw == raw and ev.info == info
            assert repr(ev)
        assert all(ev.path.startswith(tmpfs) for ev, _, _ in kept[1::2] if ev.path)


def test_reading_inside_a_loop_over_a_batch(tmpfs):
    with fd_mode_group(tmpfs) as g:
        writes(tmpfs, ["a", "b"])
        b = g.read(timeout=5)
        seen = []
        for ev in b:
            seen.append(ev.finished)
            g.read(timeout=0)     # ends b: its remaining events are stale, not dangling
        assert seen[0] is False and all(seen[1:])
        for ev in b:
            with pytest.raises(F.StaleEventError):
                ev.take_fd()
