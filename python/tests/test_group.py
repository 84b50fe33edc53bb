# SPDX-License-Identifier: MIT
"""Groups and marks, live: creating, adopting, closing (also from another
thread while one waits), every mark type and modifier, errors."""
import errno
import fcntl
import os
import selectors
import subprocess
import threading
import time

import pytest

import fanotify as F
from conftest import fd_count, needs_init, needs_mark, read_all, wait_until

FID = F.FAN_CLASS_NOTIF | F.FAN_REPORT_DFID_NAME | F.FAN_REPORT_FID


def touch(path):
    subprocess.run(["touch", path], check=True)


def test_group_lifecycle(tmpfs):
    before = fd_count()
    g = F.Group(F.FAN_CLASS_NOTIF)
    fd = g.fileno()
    assert fd >= 0 and not g.closed
    assert fcntl.fcntl(fd, fcntl.F_GETFD) & fcntl.FD_CLOEXEC       # PEP 446
    assert fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_NONBLOCK          # reads never sleep with the GIL
    assert g.init_flags & F.FAN_CLOEXEC
    assert g.event_f_flags & os.O_CLOEXEC
    assert fd_count() == before + 1
    g.close()
    g.close()  # idempotent
    assert g.closed and fd_count() == before
    for call in (g.fileno, lambda: g.read(timeout=0), lambda: g.mark(tmpfs, F.FAN_OPEN),
                 g.stats):
        with pytest.raises(F.GroupClosedError) as e:
            call()
        assert e.value.errno == errno.EBADF
    with F.Group(F.FAN_CLASS_NOTIF) as g2:
        assert not g2.closed
    assert g2.closed and fd_count() == before


def test_dropping_a_group_closes_it(tmpfs):
    before = fd_count()
    g = F.Group(F.FAN_CLASS_NOTIF)
    assert fd_count() == before + 1
    del g
    assert fd_count() == before


def test_adopt(tmpfs):
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    fd = libc.fanotify_init(FID, os.O_RDONLY)
    assert fd >= 0
    g = F.Group.adopt(fd, default_response=F.FAN_ALLOW)
    assert g.fileno() == fd
    assert g.init_flags & F.FAN_REPORT_FID and g.init_flags & F.FAN_REPORT_NAME
    os.mkdir(os.path.join(tmpfs, "d"))
    g.mark(os.path.join(tmpfs, "d"), F.FAN_CREATE | F.FAN_ONDIR)
    touch(os.path.join(tmpfs, "d", "x"))
    evs = read_all(g, lambda got: got)
    assert [e.path for e in evs] == [os.path.join(tmpfs, "d", "x")]
    g.close()
    with pytest.raises(OSError):
        os.fstat(fd)  # the group owned it
    r, w = os.pipe()
    os.close(w)
    with pytest.raises(OSError) as e:
        F.Group.adopt(r)   # not fanotify: refused, and the descriptor is closed
    assert e.value.errno == errno.EINVAL
    with pytest.raises(OSError):
        os.fstat(r)
    r, w = os.pipe()
    os.close(w)
    with pytest.raises(ValueError):
        F.Group.adopt(r, default_response=5)     # refused before fanotify is asked: closed too
    with pytest.raises(OSError):
        os.fstat(r)


def test_init_errors_say_what_is_needed():
    with pytest.raises(OSError) as e:
        F.Group(F.FAN_CLASS_CONTENT | F.FAN_REPORT_FID)   # the kernel refuses the mix
    assert e.value.errno == errno.EINVAL
    assert "fanotify_init" in str(e.value)
    with pytest.raises(ValueError):
        F.Group(F.FAN_CLASS_NOTIF, default_response=7)
    with pytest.raises(TypeError):
        F.Group("notif")
    with pytest.raises(ValueError):
        F.Group(1 << 40)


def test_mark_errors(tmpfs):
    with F.Group(FID) as g:
        with pytest.raises(FileNotFoundError) as e:
            g.mark(os.path.join(tmpfs, "nope"), F.FAN_CREATE)
        assert e.value.filename == os.path.join(tmpfs, "nope")
        with pytest.raises(ValueError):
            g.mark(tmpfs, F.FAN_CREATE, F.FAN_MARK_ADD)      # commands are methods
        with pytest.raises(OSError) as e:
            g.mark(tmpfs, F.FAN_MNT_ATTACH)                  # needs a FAN_REPORT_MNT group
        assert e.value.errno == errno.EINVAL
        assert "FAN_MNT_ATTACH needs Linux 6.15" in str(e.value)
        f = os.path.join(tmpfs, "file")
        touch(f)
        with pytest.raises(NotADirectoryError):
            g.mark(f, F.FAN_CREATE, F.FAN_MARK_ONLYDIR)


def test_inode_mark_and_unmark(tmpfs):
    d = os.path.join(tmpfs, "d")
    os.mkdir(d)
    with F.Group(FID) as g:
        g.mark(d, F.FAN_CREATE | F.FAN_DELETE)
        touch(os.path.join(d, "a"))
        assert [e.path for e in read_all(g, lambda got: got)] == [os.path.join(d, "a")]
        g.unmark(d, F.FAN_CREATE)
        touch(os.path.join(d, "b"))
        os.unlink(os.path.join(d, "a"))
        evs = read_all(g, lambda got: got)
        assert [(e.mask, e.path) for e in evs] == [(F.FAN_DELETE, os.path.join(d, "a"))]


def test_mark_by_descriptor_and_dir_fd(tmpfs):
    d = os.path.join(tmpfs, "d")
    os.mkdir(d)
    os.mkdir(os.path.join(d, "sub"))
    dfd = os.open(d, os.O_RDONLY | os.O_DIRECTORY)
    try:
        with F.Group(FID) as g:
            g.mark(dfd, F.FAN_CREATE)                       # the object the fd refers to
            g.mark("sub", F.FAN_CREATE, dir_fd=dfd)         # relative to dir_fd
            touch(os.path.join(d, "x"))
            touch(os.path.join(d, "sub", "y"))
            evs = read_all(g, lambda got: len(got) >= 2)
            assert sorted(e.path for e in evs) == [os.path.join(d, "sub", "y"),
                                                   os.path.join(d, "x")]
    finally:
        os.close(dfd)


def test_mount_and_filesystem_marks_and_flush(tmpfs):
    deep = os.path.join(tmpfs, "a", "b", "c")
    os.makedirs(deep)
    with F.Group(F.FAN_CLASS_NOTIF) as g:
        g.mark(tmpfs, F.FAN_CLOSE_WRITE, F.FAN_MARK_MOUNT)
        subprocess.run(["sh", "-c", "echo x > '%s/f'" % deep], check=True)
        evs = read_all(g, lambda got: got)
        assert [e.path for e in evs] == [os.path.join(deep, "f")]
        g.flush_marks(F.FAN_MARK_MOUNT)
        subprocess.run(["sh", "-c", "echo x > '%s/g'" % deep], check=True)
        assert len(g.read(timeout=0.2)) == 0
    with F.Group(FID) as g:
        g.mark(tmpfs, F.FAN_CREATE | F.FAN_ONDIR, F.FAN_MARK_FILESYSTEM)
        os.mkdir(os.path.join(deep, "new"))
        evs = read_all(g, lambda got: got)
        assert [(e.mask, e.path) for e in evs] == [(F.FAN_CREATE | F.FAN_ONDIR,
                                                    os.path.join(deep, "new"))]
        assert evs[0].path_flags & F.PathFlag.DIR
        g.fanotify_mark(F.FAN_MARK_FLUSH | F.FAN_MARK_FILESYSTEM, 0)
        os.mkdir(os.path.join(deep, "new2"))
        assert len(g.read(timeout=0.2)) == 0


def test_ignore_marks(tmpfs):
    d = os.path.join(tmpfs, "d")
    os.mkdir(d)
    for n in ("keep", "quiet"):
        touch(os.path.join(d, n))
    needs_mark(F.FAN_CLASS_NOTIF, F.FAN_MARK_IGNORE_SURV, F.FAN_CLOSE_WRITE,
               "FAN_MARK_IGNORE (6.0)", os.path.join(d, "quiet"))
    with F.Group(F.FAN_CLASS_NOTIF) as g:
        g.mark(d, F.FAN_CLOSE_WRITE | F.FAN_EVENT_ON_CHILD)
        g.mark(os.path.join(d, "quiet"), F.FAN_CLOSE_WRITE, F.FAN_MARK_IGNORE_SURV)
        for n in ("quiet", "keep"):
            subprocess.run(["sh", "-c", "echo x >> '%s'" % os.path.join(d, n)], check=True)
        evs = read_all(g, lambda got: got)
        assert [e.path for e in evs] == [os.path.join(d, "keep")]


def test_evictable_mark(tmpfs):
    needs_mark(F.FAN_CLASS_NOTIF, F.FAN_MARK_EVICTABLE, F.FAN_OPEN, "FAN_MARK_EVICTABLE (5.19)")
    with F.Group(F.FAN_CLASS_NOTIF) as g:
        g.mark(tmpfs, F.FAN_OPEN)
        with pytest.raises(FileExistsError):     # a pinned mark cannot become evictable
            g.mark(tmpfs, F.FAN_OPEN, F.FAN_MARK_EVICTABLE)
        g.flush_marks()
        g.mark(tmpfs, F.FAN_OPEN, F.FAN_MARK_EVICTABLE)


def test_mntns_marks(tmpfs):
    flags = F.FAN_CLASS_NOTIF | F.FAN_REPORT_MNT
    needs_mark(flags, F.FAN_MARK_MNTNS, F.FAN_MNT_ATTACH | F.FAN_MNT_DETACH,
               "mount namespace marks (6.15)")
    m = os.path.join(tmpfs, "m")
    os.mkdir(m)
    with F.Group(flags) as g:
        g.mark_mntns(F.FAN_MNT_ATTACH | F.FAN_MNT_DETACH)       # this test's own namespace
        # read in between: the resolver learns the mount point from the attach
        subprocess.run(["mount", "-t", "tmpfs", "none", m], check=True)
        evs = read_all(g, lambda got: got)
        subprocess.run(["umount", m], check=True)
        evs += read_all(g, lambda got: got)
        assert [e.mask for e in evs] == [F.FAN_MNT_ATTACH, F.FAN_MNT_DETACH]
        assert [e.path for e in evs] == [m, m]
        ids = {e.find_info(F.InfoType.MNT).mnt_id for e in evs}
        assert len(ids) == 1
        g.flush_marks(F.FAN_MARK_MNTNS)
        # a mount that existed when the group was made, gone before its detach is read
        subprocess.run(["mount", "-t", "tmpfs", "none", m], check=True)
    with F.Group(flags) as g:
        g.mark_mntns(F.FAN_MNT_DETACH)
        subprocess.run(["umount", m], check=True)
        assert [e.path for e in read_all(g, lambda got: got)] == [m]
    with F.Group(flags) as g:
        g.mark_mntns(F.FAN_MNT_ATTACH, ns="/proc/self/ns/mnt")   # by path
        nsfd = os.open("/proc/self/ns/mnt", os.O_RDONLY)
        try:
            g.mark_mntns(F.FAN_MNT_DETACH, ns=nsfd)                # by descriptor
        finally:
            os.close(nsfd)
        subprocess.run(["mount", "-t", "tmpfs", "none", m], check=True)
        subprocess.run(["umount", m], check=True)
        assert [e.mask for e in read_all(g, lambda got: len(got) >= 2)] == [
            F.FAN_MNT_ATTACH, F.FAN_MNT_DETACH]


def test_stats_and_release(tmpfs):
    with F.Group(F.FAN_CLASS_NOTIF) as g:
        g.mark(tmpfs, F.FAN_CLOSE_WRITE, F.FAN_MARK_MOUNT)
        touch(os.path.join(tmpfs, "x"))
        evs = read_all(g, lambda got: got)
        st = g.stats()
        assert st.batches >= 1 and st.events == len(evs) and st.overflows == 0
        assert st.malformed == 0 and st.default_answers == 0


def test_nonblocking_group_does_not_wait(tmpfs):
    with F.Group(F.FAN_CLASS_NOTIF | F.FAN_NONBLOCK) as g:
        t = time.monotonic()
        assert len(g.read()) == 0           # None means "do not wait" here
        assert time.monotonic() - t < 0.5


def test_read_timeout_and_selectors(tmpfs):
    with F.Group(F.FAN_CLASS_NOTIF) as g:
        g.mark(tmpfs, F.FAN_CLOSE_WRITE, F.FAN_MARK_MOUNT)
        t = time.monotonic()
        b = g.read(timeout=0.3)
        assert len(b) == 0 and b.finished and 0.25 < time.monotonic() - t < 3
        with pytest.raises(ValueError):
            g.read(timeout=-1)
        sel = selectors.DefaultSelector()
        sel.register(g, selectors.EVENT_READ)         # fileno()
        assert sel.select(timeout=0) == []
        touch(os.path.join(tmpfs, "x"))
        assert len(sel.select(timeout=5)) == 1
        b = g.read(timeout=0)
        assert [e.path for e in b] == [os.path.join(tmpfs, "x")]
        sel.close()


def test_close_from_another_thread_wakes_the_reader(tmpfs):
    g = F.Group(F.FAN_CLASS_NOTIF)
    g.mark(tmpfs, F.FAN_CLOSE_WRITE, F.FAN_MARK_MOUNT)
    result = []

    def reader():
        try:
            g.read()
            result.append("returned")
        except F.GroupClosedError:
            result.append("closed")

    def iterate():
        result.append(list(g))        # iteration ends when the group closes

    for target, want in ((reader, "closed"), (iterate, [])):
        if g.closed:
            g = F.Group(F.FAN_CLASS_NOTIF)
        t = threading.Thread(target=target)
        t.start()
        wait_until(lambda: t.is_alive(), what="reader")
        time.sleep(0.2)
        g.close()
        t.join(5)
        assert not t.is_alive(), "the reader was not woken by close()"
        assert result.pop() == want


def test_one_reader_at_a_time(tmpfs):
    with F.Group(F.FAN_CLASS_NOTIF) as g:
        t = threading.Thread(target=lambda: g.read(timeout=1))
        t.start()
        time.sleep(0.2)
        with pytest.raises(RuntimeError):
            g.read(timeout=0)
        t.join()


def test_signals_interrupt_a_wait(tmpfs):
    import signal

    class Stop(Exception):
        pass

    def handler(*_):
        raise Stop()

    old = signal.signal(signal.SIGALRM, handler)
    try:
        with F.Group(F.FAN_CLASS_NOTIF) as g:
            signal.setitimer(signal.ITIMER_REAL, 0.2)
            t = time.monotonic()
            with pytest.raises(Stop):
                g.read()
            assert time.monotonic() - t < 3
            g.read(timeout=0)      # still usable
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def test_probes():
    assert F.probe_init(F.FAN_CLASS_NOTIF) == 0
    assert F.probe_init(1 << 30) == errno.EINVAL
    assert F.probe_mark(FID, 0, F.FAN_CREATE) == 0
    assert F.probe_mark(F.FAN_CLASS_NOTIF, 0, F.FAN_CREATE) == errno.EINVAL  # needs FID
    needs_init(F.FAN_CLASS_NOTIF | F.FAN_REPORT_PIDFD, "pidfd groups")
