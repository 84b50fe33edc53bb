# SPDX-License-Identifier: MIT
"""Permission answers of libfanotify 1.1: deadlines (per event with
Event.set_deadline(), per group with Group(perm_deadline=)), Event.answered,
and the path of a deferred event read from its own descriptor in any thread.

A deadline answers a deferred event nobody answers, from the library's own
thread: the opener gets the deadline's verdict (not the group's default)
while this program holds the event and does nothing."""
import errno
import os
import queue
import threading
import time

import pytest

import fanotify as F
from conftest import HOSTILE_NAMES, fd_count, finish, needs_init, opener

CONTENT = F.FAN_CLASS_CONTENT


def perm_dir(tmpfs, *names):
    d = os.path.join(tmpfs, "p")
    os.mkdir(d)
    for n in names:
        with open(os.path.join(os.fsencode(d), os.fsencode(n)), "w") as f:
            f.write("x")
    return d


def perm_group(d, flags=CONTENT, **kw):
    g = F.Group(flags, **kw)
    g.mark(d, F.FAN_OPEN_PERM | F.FAN_EVENT_ON_CHILD)
    return g


def deferred_one(g):
    """The next permission event, deferred (its batch ended)."""
    with g.read(timeout=5) as b:
        assert len(b) == 1
        return b[0].defer()


def test_set_deadline_answers_an_event_left_unanswered(tmpfs):
    d = perm_dir(tmpfs, "a")
    # default ALLOW: an EPERM can only come from the deadline's own verdict
    with perm_group(d, default_response=F.FAN_ALLOW) as g:
        p = opener(os.path.join(d, "a"))
        ev = deferred_one(g)
        assert ev.needs_answer and not ev.answered
        ev.set_deadline(0.2, F.FAN_DENY)
        t0 = time.monotonic()
        # the event is held here, unanswered, while the opener waits for the deadline
        assert finish(p, timeout=10) == ["EPERM"]
        assert time.monotonic() - t0 >= 0.15
        assert ev.answered and not ev.needs_answer and ev.deferred
        assert os.fstat(ev.fd)        # the descriptor stays the owner's until dropped
        with pytest.raises(F.AlreadyAnsweredError) as e:
            ev.allow()
        assert e.value.errno == errno.EALREADY and "deadline" in str(e.value)
        st = g.stats()
        assert st.deadline_answers == 1 and st.default_answers == 0 and st.caller_answers == 0


def test_an_answer_before_the_deadline_wins(tmpfs):
    d = perm_dir(tmpfs, "a")
    with perm_group(d) as g:
        p = opener(os.path.join(d, "a"))
        ev = deferred_one(g)
        ev.set_deadline(30, F.FAN_ALLOW)
        ev.set_deadline(10, F.FAN_ALLOW)     # replaces the first
        ev.deny()
        assert finish(p, timeout=5) == ["EPERM"]
        assert ev.answered
        st = g.stats()
        assert st.deadline_answers == 0 and st.caller_answers == 1


def test_set_deadline_zero_and_deny_errno(tmpfs):
    flags = F.FAN_CLASS_PRE_CONTENT
    needs_init(flags, "FAN_CLASS_PRE_CONTENT")
    d = perm_dir(tmpfs, "a")
    with perm_group(d, flags) as g:
        p = opener(os.path.join(d, "a"))
        ev = deferred_one(g)
        ev.set_deadline(0, F.deny_errno(errno.EIO))      # at once
        out = finish(p, timeout=10)
        if out == ["ok"] and g.stats().answer_errors:
            pytest.skip("FAN_DENY_ERRNO needs Linux 6.14 (the default was sent)")
        assert out == ["EIO"]
        assert g.stats().deadline_answers == 1


def test_set_deadline_refusals(tmpfs):
    d = perm_dir(tmpfs, "a")
    with perm_group(d) as g:
        p = opener(os.path.join(d, "a"))
        with g.read(timeout=5) as b:
            ev = b[0]
            with pytest.raises(OSError) as e:
                ev.set_deadline(1, F.FAN_DENY)          # not deferred
            assert e.value.errno == errno.EINVAL and "defer()" in str(e.value)
            ev.defer()
            with pytest.raises(ValueError):
                ev.set_deadline(-1, F.FAN_DENY)
            with pytest.raises(OSError) as e:
                ev.set_deadline(1, 0x1234)               # not a verdict
            assert e.value.errno == errno.EINVAL
            assert ev.needs_answer                       # refusals changed nothing
        ev.allow()
        assert finish(p, timeout=5) == ["ok"]
        with pytest.raises(F.AlreadyAnsweredError):
            ev.set_deadline(1, F.FAN_DENY)


def test_group_deadline(tmpfs):
    d = perm_dir(tmpfs, "a", "b")
    with perm_group(d, default_response=F.FAN_ALLOW, perm_deadline=0.2,
                    perm_deadline_response=F.FAN_DENY) as g:
        p = opener(os.path.join(d, "a"))
        ev = deferred_one(g)              # the clock starts at defer()
        assert finish(p, timeout=10) == ["EPERM"]
        assert ev.answered and g.stats().deadline_answers == 1
        # an event answered in its batch is not touched by the deadline
        p = opener(os.path.join(d, "b"))
        with g.read(timeout=5) as b:
            b[0].allow()
            assert b[0].answered
        assert finish(p, timeout=5) == ["ok"]
        assert g.stats().deadline_answers == 1
    with pytest.raises(ValueError):
        F.Group(CONTENT, perm_deadline=0)
    with pytest.raises(ValueError):
        F.Group(CONTENT, perm_deadline_response=F.FAN_DENY)     # a verdict without a deadline
    with pytest.raises(OSError) as e:
        F.Group(CONTENT, perm_deadline=1, perm_deadline_response=0x1234)
    assert e.value.errno == errno.EINVAL


def test_group_deadline_default_response_is_allow(tmpfs):
    d = perm_dir(tmpfs, "a")
    with perm_group(d, default_response=F.FAN_DENY, perm_deadline=0.1) as g:
        p = opener(os.path.join(d, "a"))
        ev = deferred_one(g)
        assert finish(p, timeout=10) == ["ok"]        # FAN_ALLOW, not the default DENY
        assert ev.answered and g.stats().deadline_answers == 1


def test_answered_follows_the_batch(tmpfs):
    d = perm_dir(tmpfs, "a")
    with perm_group(d) as g:
        p = opener(os.path.join(d, "a"))
        b = g.read(timeout=5)
        ev = b[0]
        assert not ev.answered
        b.release()                        # the default answered it
        assert ev.answered
        with pytest.raises(F.StaleEventError):
            ev.set_deadline(1, F.FAN_DENY)     # too late to defer it
        assert finish(p, timeout=5) == ["ok"]
    assert not F.parse_events(ev.raw)[0].answered     # detached: nobody can answer it


def test_deferred_path_from_a_thread(tmpfs):
    names = HOSTILE_NAMES
    d = perm_dir(tmpfs, *names)
    work, got, errors = queue.Queue(), {}, []

    def worker():
        while True:
            ev = work.get()
            if ev is None:
                return
            try:
                got[os.fsencode(ev.path)] = ev.path_flags     # read in this thread
                ev.allow()
            except Exception as e:  # noqa: BLE001 (reported below)
                errors.append(repr(e))
                ev.allow()

    t = threading.Thread(target=worker)
    t.start()
    try:
        with perm_group(d, default_response=F.FAN_DENY) as g:
            p = opener(*(os.path.join(os.fsencode(d), n) for n in names))
            seen = 0
            end = time.monotonic() + 20
            while seen < len(names) and time.monotonic() < end:
                with g.read(timeout=1) as b:
                    for ev in b:
                        ev.defer()
                        if seen == 0:       # unlinked while deferred: its path says so
                            os.unlink(os.path.join(os.fsencode(d), names[0]))
                        work.put(ev)
                        seen += 1
            assert finish(p, timeout=10) == ["ok"] * len(names)
    finally:
        work.put(None)
        t.join(10)
    assert errors == []
    want = {os.path.join(os.fsencode(d), n): F.PathFlag(0) for n in names[1:]}
    want[os.path.join(os.fsencode(d), names[0])] = F.PathFlag.DELETED
    assert got == want


def test_deferred_path_is_not_the_resolvers(tmpfs):
    """fan_perm_path(): read from the event's own descriptor.  The group's
    resolver (the reading thread's, which keeps a /proc descriptor once made)
    is never made for it."""
    d = perm_dir(tmpfs, "a", "b")
    with perm_group(d) as g:
        p = opener(os.path.join(d, "a"), os.path.join(d, "b"))
        ev = deferred_one(g)
        before = fd_count()
        assert ev.path == os.path.join(d, "a") and ev.path_flags == F.PathFlag(0)
        assert fd_count() == before          # no resolver made
        ev.allow()
        with g.read(timeout=5) as b:         # a live event's path: through the resolver
            assert b[0].path == os.path.join(d, "b")
        assert finish(p, timeout=5) == ["ok", "ok"]
