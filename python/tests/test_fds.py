# SPDX-License-Identifier: MIT
"""Descriptor accounting: over 100,000 events (fd mode with pidfds, FID mode
with pidfds), with descriptors taken as ints and as files, pidfds taken,
events kept beyond their batches, paths and processes resolved: the
process's descriptors stay bounded while it runs and are back to their
starting count when the group is closed.  Memory stays bounded too."""
import os
import resource
import subprocess
import sys

import pytest

import fanotify as F
from conftest import fd_count, needs_init

EVENTS = int(os.environ.get("PYFAN_EVENTS", "100000"))

# create, write, close, unlink, in a loop, until killed (or N iterations)
BURST = r"""
import os, sys
d, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    p = "%s/d%d/f%d" % (d, i % 4, i)
    fd = os.open(p, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o644)
    os.write(fd, b"x" * 512)
    os.close(fd)
    os.unlink(p)
"""


def rss_kb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def run(tmpfs, init_flags, mask, mark_flags, mark_path):
    for i in range(4):
        os.makedirs(os.path.join(tmpfs, "d%d" % i), exist_ok=True)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    before = fd_count()
    g = F.Group(init_flags)
    g.mark(mark_path, mask, mark_flags)
    base = fd_count()
    burst = subprocess.Popen([sys.executable, "-c", BURST, tmpfs, str(EVENTS)])
    n = taken = files = pidfds = 0
    high = base
    kept = []
    rss_at = {}
    try:
        while n < EVENTS:
            with g.read(timeout=10) as b:
                assert len(b) or burst.poll() is None, "the burst ended before %d events" % EVENTS
                for ev in b:
                    n += 1
                    if ev.is_overflow:
                        continue
                    if n % 3 == 0:
                        assert ev.path is not None
                    if n % 5 == 0:
                        ev.process
                    if ev.fd is not None and n % 7 == 0:
                        os.close(ev.take_fd())
                        taken += 1
                    elif ev.fd is not None and n % 11 == 0:
                        with ev.take_fd("rb", buffering=0):
                            files += 1
                    if ev.pidfd is not None and n % 13 == 0:
                        os.close(ev.take_pidfd())
                        pidfds += 1
                    if n % 97 == 0:
                        kept.append(ev)
                        del kept[:-50]      # a window of events outliving their batches
            # between batches: only what the group and its resolver keep
            high = max(high, fd_count())
            if n >= EVENTS // 5 and "start" not in rss_at:
                rss_at["start"] = rss_kb()
    finally:
        burst.kill()
        burst.wait()
    rss_at["end"] = rss_kb()
    assert fd_count() <= base + 40, "descriptors left open between batches"
    g.close()
    kept.clear()
    assert fd_count() == before
    return {"events": n, "taken": taken, "files": files, "pidfds": pidfds, "high": high - base,
            "rss_growth_kb": rss_at["end"] - rss_at["start"], "limit": soft}


def check(stats, fd_mode):
    print(stats)
    assert stats["events"] >= EVENTS
    if fd_mode:
        assert stats["taken"] > 0 and stats["files"] > 0
    # the resolver keeps at most 32 /proc descriptors; the library none between batches
    assert stats["high"] <= 40
    # no growth with the number of events (measured: under 1 MiB from 20k to 100k
    # events); ASan's quarantine holds freed memory back: not measurable there
    if not os.environ.get("PYFAN_UNDER_ASAN"):
        assert stats["rss_growth_kb"] < 8192


def test_fd_mode_with_pidfds(tmpfs):
    flags = F.FAN_CLASS_NOTIF | F.FAN_REPORT_PIDFD
    needs_init(flags, "FAN_REPORT_PIDFD (5.15)")
    check(run(tmpfs, flags, F.FAN_OPEN | F.FAN_MODIFY | F.FAN_CLOSE_WRITE, F.FAN_MARK_MOUNT,
              tmpfs), True)


def test_fid_mode_with_pidfds(tmpfs):
    flags = (F.FAN_CLASS_NOTIF | F.FAN_REPORT_DFID_NAME | F.FAN_REPORT_FID |
             F.FAN_REPORT_PIDFD)
    needs_init(flags, "FAN_REPORT_PIDFD (5.15)")
    check(run(tmpfs, flags, F.FAN_CREATE | F.FAN_DELETE | F.FAN_MODIFY | F.FAN_CLOSE_WRITE,
              F.FAN_MARK_FILESYSTEM, tmpfs), False)


def test_permission_events_with_descriptors_taken(tmpfs):
    """10,000 permission events, half of their descriptors taken: each answered once."""
    d = os.path.join(tmpfs, "p")
    os.mkdir(d)
    open(os.path.join(d, "f"), "w").close()
    n_opens = EVENTS // 10
    before = fd_count()
    with F.Group(F.FAN_CLASS_CONTENT, default_response=F.FAN_ALLOW) as g:
        g.mark(d, F.FAN_OPEN_PERM | F.FAN_EVENT_ON_CHILD)
        p = subprocess.Popen(["sh", "-c", "for i in $(seq %d); do : < '%s/f'; done" %
                              (n_opens, d)])
        n = answered = 0
        while n < n_opens:
            with g.read(timeout=10) as b:
                assert len(b), "no permission event for 10 s"
                for ev in b:
                    n += 1
                    if n % 2:
                        os.close(ev.take_fd())
                    if n % 3:
                        ev.allow()       # the others get the default when the batch ends
                        answered += 1
        assert p.wait(30) == 0
        st = g.stats()
        assert n == n_opens and st.answer_errors == 0
        assert st.default_answers == n - answered
    assert fd_count() == before
