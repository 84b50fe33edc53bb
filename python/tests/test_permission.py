# SPDX-License-Identifier: MIT
"""Permission events: answers of every kind, the default verdict when the
batch or the group ends (an opener never waits past the batch), exceptions
in handlers, deferred events answered from threads, exactly once."""
import errno
import os
import queue
import subprocess
import sys
import threading
import time

import pytest

import fanotify as F
from conftest import finish, needs_init, opener, wait_until

CONTENT = F.FAN_CLASS_CONTENT


def perm_dir(tmpfs, *names):
    d = os.path.join(tmpfs, "p")
    os.mkdir(d)
    for n in names:
        with open(os.path.join(d, n), "w") as f:
            f.write(n)
    return d


def perm_group(d, flags=CONTENT, **kw):
    g = F.Group(flags, **kw)
    g.mark(d, F.FAN_OPEN_PERM | F.FAN_EVENT_ON_CHILD)
    return g


def blocked(p, for_s=0.3):
    """The opener is still waiting for an answer after for_s seconds."""
    time.sleep(for_s)
    return p.poll() is None


def test_allow_and_deny(tmpfs):
    d = perm_dir(tmpfs, "a", "b")
    with perm_group(d) as g:
        p = opener(os.path.join(d, "a"), os.path.join(d, "b"))
        got = []
        while len(got) < 2:
            with g.read(timeout=5) as b:
                for ev in b:
                    assert ev.is_permission and ev.needs_answer and ev.mask is F.FAN_OPEN_PERM
                    assert ev.process.pid == p.pid and ev.process.comm == "python3"
                    got.append(os.path.basename(ev.path))
                    ev.allow() if ev.path.endswith("a") else ev.deny()
                    assert not ev.needs_answer
                    with pytest.raises(F.AlreadyAnsweredError) as e:
                        ev.allow()
                    assert e.value.errno == errno.EALREADY
        assert finish(p) == ["ok", "EPERM"] and got == ["a", "b"]
        st = g.stats()
        assert st.default_answers == 0 and st.caller_answers == 2


def test_deny_with_errno(tmpfs):
    flags = F.FAN_CLASS_PRE_CONTENT
    needs_init(flags, "FAN_CLASS_PRE_CONTENT")
    d = perm_dir(tmpfs, "a")
    with perm_group(d, flags) as g:
        p = opener(os.path.join(d, "a"))
        with g.read(timeout=5) as b:
            try:
                b[0].deny(errno=errno.EIO)
            except OSError as e:
                if e.errno == errno.EINVAL:
                    pytest.skip("FAN_DENY_ERRNO needs Linux 6.14")
                raise
        assert finish(p) == ["EIO"]
        with pytest.raises(ValueError):
            F.deny_errno(0)


def test_respond_raw_and_refused_answers(tmpfs):
    d = perm_dir(tmpfs, "a")
    with perm_group(d, default_response=F.FAN_DENY) as g:
        p = opener(os.path.join(d, "a"))
        with g.read(timeout=5) as b:
            ev = b[0]
            with pytest.raises(OSError) as e:
                ev.respond(0)                  # no verdict: the kernel refuses it
            assert e.value.errno == errno.EINVAL
            assert ev.needs_answer             # still waiting: the batch's end answers it
            with pytest.raises(TypeError):
                ev.allow(rule=(1, 2))
        assert finish(p) == ["EPERM"]          # the group's default
        st = g.stats()
        assert st.default_answers == 1 and st.answer_errors == 1


def test_unanswered_events_get_the_default_when_the_batch_ends(tmpfs):
    d = perm_dir(tmpfs, "a", "b")
    for default, want in ((F.FAN_ALLOW, "ok"), (F.FAN_DENY, "EPERM")):
        with perm_group(d, default_response=default) as g:
            p = opener(os.path.join(d, "a"))
            b = g.read(timeout=5)
            assert len(b) == 1 and b[0].needs_answer
            assert blocked(p), "the opener was answered before its batch ended"
            t = time.monotonic()
            b.release()
            assert finish(p, timeout=5) == [want]
            assert time.monotonic() - t < 5
            assert g.stats().default_answers == 1


def test_a_loop_that_answers_nothing_blocks_no_one(tmpfs):
    d = perm_dir(tmpfs, "a", "b", "c")
    with perm_group(d) as g:
        p = opener(*(os.path.join(d, n) for n in "abc"))
        n = 0
        while n < 3:
            for ev in g.read(timeout=5):   # the loop's end ends the batch
                n += 1
        assert finish(p, timeout=5) == ["ok", "ok", "ok"]


class Boom(Exception):
    pass


def handler(ev):
    raise Boom(ev.path)


@pytest.mark.parametrize("shape", ["for-group", "for-read", "with-batch", "with-group"])
def test_an_exception_in_a_handler_leaves_nothing_pending(tmpfs, shape):
    d = perm_dir(tmpfs, "a")
    g = perm_group(d, default_response=F.FAN_DENY)
    p = opener(os.path.join(d, "a"))
    with pytest.raises(Boom):
        if shape == "for-group":
            for ev in g:
                handler(ev)
        elif shape == "for-read":
            for ev in g.read(timeout=5):
                handler(ev)
        elif shape == "with-batch":
            with g.read(timeout=5) as b:
                for ev in b:
                    handler(ev)
        else:
            with g:
                for ev in g.read(timeout=5):
                    handler(ev)
    # answered on the way out of the handler's loop: no further read needed
    assert finish(p, timeout=5) == ["EPERM"]
    assert g.closed == (shape == "with-group")
    g.close()


def test_a_batch_kept_in_a_variable_ends_at_the_next_read(tmpfs):
    d = perm_dir(tmpfs, "a")
    with perm_group(d) as g:
        p = opener(os.path.join(d, "a"))
        batch = g.read(timeout=5)
        try:
            for ev in batch:
                handler(ev)
        except Boom:
            pass
        assert blocked(p, 0.2)     # the batch is still alive in `batch`
        g.read(timeout=0)          # the next read ends it
        assert finish(p, timeout=5) == ["ok"]


def test_closing_the_group_answers(tmpfs):
    d = perm_dir(tmpfs, "a")
    g = perm_group(d, default_response=F.FAN_DENY)
    p = opener(os.path.join(d, "a"))
    b = g.read(timeout=5)
    ev = b[0]
    g.close()
    assert finish(p, timeout=5) == ["EPERM"]
    with pytest.raises(F.StaleEventError):
        ev.allow()


def test_deferred_event_outlives_its_batch(tmpfs):
    d = perm_dir(tmpfs, "a")
    with perm_group(d) as g:
        p = opener(os.path.join(d, "a"))
        with g.read(timeout=5) as b:
            ev = b[0].defer()
            assert ev is b[0] and ev.deferred and ev.needs_answer
            with pytest.raises(F.AlreadyAnsweredError):
                ev.defer()
            with pytest.raises(OSError) as e:
                ev.take_fd()          # it keeps its descriptor until answered
            assert e.value.errno == errno.EBUSY
        assert blocked(p, 0.2)        # the batch's end did not answer it
        fd = ev.fd
        assert os.fstat(fd) and not ev.finished
        assert ev.path == os.path.join(d, "a")        # resolvable while deferred
        t = threading.Thread(target=ev.deny)
        t.start()
        t.join()
        assert finish(p, timeout=5) == ["EPERM"]
        assert ev.finished and not ev.needs_answer
        with pytest.raises(F.StaleEventError):
            ev.fd
        with pytest.raises(F.AlreadyAnsweredError):
            ev.allow()
        assert g.stats().default_answers == 0


def test_a_dropped_deferred_event_gets_the_default(tmpfs):
    d = perm_dir(tmpfs, "a")
    with perm_group(d, default_response=F.FAN_DENY) as g:
        p = opener(os.path.join(d, "a"))
        with g.read(timeout=5) as b:
            b[0].defer()
        assert blocked(p, 0.2)
        del b       # the last reference to the deferred event
        assert finish(p, timeout=5) == ["EPERM"]


def test_a_deferred_event_when_the_group_closes(tmpfs):
    d = perm_dir(tmpfs, "a")
    g = perm_group(d)
    p = opener(os.path.join(d, "a"))
    b = g.read(timeout=5)
    ev = b[0].defer()
    g.close()
    assert finish(p, timeout=5) == ["ok"]     # answered by the close, with the default
    with pytest.raises(F.GroupClosedError) as e:
        ev.deny()
    assert e.value.errno == errno.ECANCELED


OPENERS = r"""
import errno, os, sys, threading
d, n = sys.argv[1], int(sys.argv[2])
res = {}
def run(i):
    out = []
    for kind in ("allow", "deny"):
        p = os.path.join(d, "%s-%d" % (kind, i))
        try:
            os.close(os.open(p, os.O_RDONLY))
            out.append((p, "ok"))
        except OSError as e:
            out.append((p, errno.errorcode[e.errno]))
    res[i] = out
ts = [threading.Thread(target=run, args=(i,)) for i in range(n)]
[t.start() for t in ts]
[t.join() for t in ts]
for i in sorted(res):
    for p, r in res[i]:
        print(os.path.basename(p), r)
"""


def test_deferred_events_answered_by_worker_threads(tmpfs):
    n = 16
    names = ["%s-%d" % (k, i) for i in range(n) for k in ("allow", "deny")]
    d = perm_dir(tmpfs, *names)
    work = queue.Queue()
    answered, errors = [], []

    def worker():
        while True:
            ev = work.get()
            if ev is None:
                return
            try:
                name = os.path.basename(ev.path)   # resolved in the worker
                ev.allow() if name.startswith("allow") else ev.deny()
                answered.append(name)
                try:
                    ev.allow()
                    errors.append("answered twice: " + name)
                except F.AlreadyAnsweredError:
                    pass
            except Exception as e:  # noqa: BLE001 (report any failure)
                errors.append(repr(e))

    workers = [threading.Thread(target=worker) for _ in range(4)]
    for w in workers:
        w.start()
    with perm_group(d, default_response=F.FAN_DENY) as g:
        p = subprocess.Popen([sys.executable, "-c", OPENERS, d, str(n)], stdout=subprocess.PIPE,
                             text=True)
        seen = 0
        end = time.monotonic() + 20
        while seen < 2 * n and time.monotonic() < end:
            with g.read(timeout=1) as b:
                for ev in b:
                    work.put(ev.defer())
                    seen += 1
        out, _ = p.communicate(timeout=20)
        for _ in workers:
            work.put(None)
        for w in workers:
            w.join()
        st = g.stats()
    results = dict(line.split() for line in out.splitlines())
    assert errors == []
    assert sorted(answered) == sorted(names)
    assert results == {nm: "ok" if nm.startswith("allow") else "EPERM" for nm in names}
    assert st.default_answers == 0 and st.answer_errors == 0


def test_answer_self(tmpfs):
    d = perm_dir(tmpfs, "a")
    with perm_group(d, answer_self=True) as g:
        done = []
        t = threading.Thread(target=lambda: done.append(open(os.path.join(d, "a")).read()))
        t.start()                       # our own open waits for our own read
        b = g.read(timeout=5)
        t.join(5)
        assert done == ["a"]            # allowed at read time, by the library
        assert [ev.needs_answer for ev in b] == [False]
        assert g.stats().self_answers == 1
    with perm_group(d, skip_self=True) as g:
        t = threading.Thread(target=lambda: open(os.path.join(d, "a")).close())
        t.start()
        b = g.read(timeout=5)
        t.join(5)
        assert len(b) == 0 and not t.is_alive()      # answered and hidden


def test_audit_answers(tmpfs):
    flags = CONTENT | F.FAN_ENABLE_AUDIT
    needs_init(flags, "FAN_ENABLE_AUDIT (CAP_AUDIT_WRITE)")
    d = perm_dir(tmpfs, "a", "b")
    with perm_group(d, flags) as g:
        p = opener(os.path.join(d, "a"), os.path.join(d, "b"))
        evs = []
        while len(evs) < 2:
            with g.read(timeout=5) as b:
                for ev in b:
                    evs.append(ev.path)
                    if ev.path.endswith("a"):
                        ev.allow(audit=True)
                    else:
                        try:
                            ev.deny(audit=True, rule=(1, 2, 3))    # FAN_INFO, Linux 6.3
                        except OSError as e:
                            assert e.errno == errno.EINVAL
                            ev.deny(audit=True)
        assert finish(p) == ["ok", "EPERM"]
