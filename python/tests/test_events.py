# SPDX-License-Identifier: MIT
"""Events, live: fields, descriptors, info records as typed objects, paths
(fd and FID modes, renames, deletions, hostile names), processes, overflow,
filesystem errors, pre-content events with ranges."""
import errno
import os
import subprocess
import sys

import pytest

import fanotify as F
from conftest import (HOSTILE_NAMES, fd_count, needs_init, needs_mark, read_all)

FID = F.FAN_CLASS_NOTIF | F.FAN_REPORT_DFID_NAME | F.FAN_REPORT_FID


def sh(cmd, **kw):
    subprocess.run(["sh", "-c", cmd], check=True, **kw)


def test_fd_mode_event_fields(tmpfs):
    d = os.path.join(tmpfs, "d")
    os.mkdir(d)
    with F.Group(F.FAN_CLASS_NOTIF) as g:
        g.mark(d, F.FAN_CLOSE_WRITE | F.FAN_EVENT_ON_CHILD)
        p = subprocess.run(["sh", "-c", "echo hi > '%s/f'; echo $$" % d], check=True,
                           capture_output=True, text=True)
        with g.read(timeout=5) as batch:
            assert len(batch) == 1
            ev = batch[0]
            assert ev.mask is F.FAN_CLOSE_WRITE
            assert ev.pid == int(p.stdout)
            assert ev.fd is not None and ev.fd >= 0 and ev.fd_error == 0
            assert os.fstat(ev.fd).st_size == 3
            assert ev.info == () and ev.pidfd is None
            assert not ev.is_permission and not ev.is_overflow and not ev.needs_answer
            assert ev.path == os.path.join(d, "f") and ev.path_flags == 0
            assert ev.new_path is None and ev.path_error == 0
            assert ev.group is g and not ev.finished
            assert "close_write" in repr(ev) and "path=" in repr(ev)
            fd = ev.fd
        assert ev.finished
        with pytest.raises(OSError):
            os.fstat(fd)           # closed by the batch's end


def test_take_fd_int_and_file(tmpfs):
    f = os.path.join(tmpfs, "f")
    with open(f, "w") as w:
        w.write("content")
    before = fd_count()
    with F.Group(F.FAN_CLASS_NOTIF) as g:
        g.mark(f, F.FAN_OPEN)
        sh("cat '%s' >/dev/null; cat '%s' >/dev/null; cat '%s' > /dev/null" % (f, f, f))
        evs = read_all(g, lambda got: len(got) >= 3, timeout=5)
        assert len(evs) == 3
    # read_all finished them: nothing left open, nothing taken
    assert fd_count() == before
    with F.Group(F.FAN_CLASS_NOTIF) as g:
        g.mark(f, F.FAN_OPEN)
        sh("cat '%s' >/dev/null" % f)
        sh("cat '%s' >/dev/null" % f)
        with g.read(timeout=5) as b:
            if len(b) < 2:
                b2 = g.read(timeout=5)  # ends b: only b2's events are live
                b = b2
                pytest.skip("events split over batches")
            n = b[0].take_fd()
            assert isinstance(n, int) and b[0].fd is None
            assert b[0].path == f          # read before the descriptor was handed over
            with pytest.raises(OSError) as e:
                b[0].take_fd()
            assert e.value.errno == errno.EBADF
            with b[1].take_fd("rb") as fo:
                assert fo.read() == b"content"
            with pytest.raises(TypeError):
                b[0].take_fd(buffering=0)   # keywords only with a mode
        assert os.read(n, 7) == b"content"    # ours: the batch's end left it open
        os.close(n)
    assert fd_count() == before


def test_take_fd_file_failure_closes_it(tmpfs):
    f = os.path.join(tmpfs, "f")
    open(f, "w").close()
    before = fd_count()
    with F.Group(F.FAN_CLASS_NOTIF) as g:
        g.mark(f, F.FAN_OPEN)
        sh("cat '%s'" % f)
        with g.read(timeout=5) as b:
            with pytest.raises(ValueError):
                b[0].take_fd("not a mode")
    assert fd_count() == before


def test_pidfd_and_verified_process(tmpfs):
    needs_init(F.FAN_CLASS_NOTIF | F.FAN_REPORT_PIDFD, "FAN_REPORT_PIDFD (5.15)")
    f = os.path.join(tmpfs, "f")
    open(f, "w").close()
    before = fd_count()
    with F.Group(F.FAN_CLASS_NOTIF | F.FAN_REPORT_PIDFD) as g:
        g.mark(f, F.FAN_OPEN)
        # a process that stays alive until we have read its event
        p = subprocess.Popen([sys.executable, "-c",
                              "import sys; open(sys.argv[1]).close(); sys.stdin.read()", f],
                             stdin=subprocess.PIPE)
        try:
            with g.read(timeout=5) as b:
                ev = b[0]
                assert ev.pid == p.pid
                rec = ev.find_info(F.InfoType.PIDFD)
                assert rec.pidfd == ev.pidfd and ev.pidfd >= 0
                pr = ev.process
                assert pr.pid == p.pid and pr.verified and not pr.gone
                assert pr.comm == "python3" and pr.uid == 0 and pr.ppid == os.getpid()
                assert pr.exe.startswith("/usr/bin/python3")
                assert ev.process is pr            # kept
                pidfd = ev.take_pidfd()
                assert ev.pidfd is None
        finally:
            p.communicate(b"")
    assert fd_count() == before + 1      # the group's are closed, the taken pidfd is ours
    os.close(pidfd)
    assert fd_count() == before


def test_process_of_an_exited_process(tmpfs):
    needs_init(F.FAN_CLASS_NOTIF | F.FAN_REPORT_PIDFD, "FAN_REPORT_PIDFD (5.15)")
    f = os.path.join(tmpfs, "f")
    open(f, "w").close()
    with F.Group(F.FAN_CLASS_NOTIF | F.FAN_REPORT_PIDFD) as g:
        g.mark(f, F.FAN_OPEN)
        sh("cat '%s'" % f)       # exits and is reaped before we read
        with g.read(timeout=5) as b:
            pr = b[0].process
            assert pr.pid == b[0].pid and pr.gone and not pr.verified
            assert pr.comm is None                  # never guessed
            assert b[0].pidfd is None


def test_fid_mode_paths_with_hostile_names(tmpfs):
    root = os.path.join(tmpfs, "t")
    os.mkdir(root)
    broot = os.fsencode(root)
    with F.Group(FID) as g:
        g.mark(root, F.FAN_CREATE | F.FAN_DELETE | F.FAN_RENAME | F.FAN_CLOSE_WRITE |
               F.FAN_ONDIR, F.FAN_MARK_FILESYSTEM)
        want = []
        for n in HOSTILE_NAMES:
            p = broot + b"/" + n
            with open(p, "wb") as f:
                f.write(b"x")
            os.rename(p, p + b".renamed")
            os.unlink(p + b".renamed")
            want += [("create", p, None), ("close_write", p, None),
                     ("rename", p, p + b".renamed"), ("delete", p + b".renamed", None)]
        sub = broot + b"/dir\nname"
        os.mkdir(sub)
        os.rmdir(sub)
        want += [("create,ondir", sub, None), ("delete,ondir", sub, None)]
        want = {(t, p, n) for types, p, n in want for t in types.split(",")}
        got = set()
        # The kernel merges one object's events while they are queued
        # (create,delete,ondir): each type of an event counts.
        for ev in read_all(g, lambda got: len(got) >= len(HOSTILE_NAMES) * 4 + 1, timeout=10):
            assert ev.path_error == 0 and not ev.path_flags & F.PathFlag.PARTIAL
            for t in F.mask_names(ev.mask).split(","):
                got.add((t, os.fsencode(ev.path),
                         None if ev.new_path is None else os.fsencode(ev.new_path)))
    assert got == want


def test_records_of_a_fid_event(tmpfs):
    d = os.path.join(tmpfs, "d")
    os.mkdir(d)
    with F.Group(FID | F.FAN_REPORT_TARGET_FID) as g:
        g.mark(d, F.FAN_CREATE | F.FAN_ONDIR)
        os.mkdir(os.path.join(d, "n"))
        st = os.statvfs(d)
        with g.read(timeout=5) as b:
            ev = b[0]
            dn, fid = ev.info
            assert dn.type is F.InfoType.DFID_NAME and dn.name == "n"
            assert fid.type is F.InfoType.FID and fid.name is None
            assert dn.fsid == fid.fsid and len(dn.handle) > 0 and dn.handle != fid.handle
            assert ev.fd is None and ev.pidfd is None
            assert ev.path == os.path.join(d, "n")
        assert st.f_fsid != 0


def test_deleted_file_in_fd_mode(tmpfs):
    f = os.path.join(tmpfs, "f")
    with F.Group(F.FAN_CLASS_NOTIF) as g:
        g.mark(tmpfs, F.FAN_CLOSE_WRITE, F.FAN_MARK_MOUNT)
        sh("echo x > '%s'" % f)
        os.unlink(f)             # before we read: the path comes from the open descriptor
        with g.read(timeout=5) as b:
            assert b[0].path == f and b[0].path_flags & F.PathFlag.DELETED


def test_fd_error_mode(tmpfs):
    flags = F.FAN_CLASS_NOTIF | F.FAN_REPORT_FD_ERROR
    needs_init(flags, "FAN_REPORT_FD_ERROR (6.13)")
    f = os.path.join(tmpfs, "ro")
    os.mkdir(f)
    sh("mount -t tmpfs -o ro none '%s'" % f)
    try:
        with F.Group(flags, os.O_RDWR) as g:         # read-write descriptors of a read-only mount
            g.mark(f, F.FAN_OPEN | F.FAN_ONDIR, F.FAN_MARK_MOUNT)
            sh("ls '%s' > /dev/null" % f)
            with g.read(timeout=5) as b:
                ev = b[0]
                assert ev.fd is None and ev.fd_error == errno.EROFS
                with pytest.raises(OSError):
                    ev.take_fd()
    finally:
        sh("umount '%s'" % f)


def test_tid_mode(tmpfs):
    import threading
    needs_init(F.FAN_CLASS_NOTIF | F.FAN_REPORT_TID, "FAN_REPORT_TID")
    f = os.path.join(tmpfs, "f")
    open(f, "w").close()
    tids, done = [], threading.Event()
    with F.Group(F.FAN_CLASS_NOTIF | F.FAN_REPORT_TID) as g:
        g.mark(f, F.FAN_CLOSE_NOWRITE)

        def opener():
            tids.append(threading.get_native_id())
            open(f).close()
            done.wait()    # alive while its event is read
        t = threading.Thread(target=opener)
        t.start()
        try:
            with g.read(timeout=5) as b:
                assert b[0].pid == tids[0] != os.getpid()
                assert b[0].process.pid == os.getpid() and b[0].process.tid == tids[0]
        finally:
            done.set()
            t.join()


def test_overflow(tmpfs):
    try:
        with open("/proc/sys/fs/fanotify/max_queued_events") as q:
            limit = int(q.read())
    except OSError:
        pytest.skip("no /proc/sys/fs/fanotify")
    if limit > 100000:
        pytest.skip("max_queued_events %d: too many files to overflow" % limit)
    d = os.path.join(tmpfs, "d")
    os.mkdir(d)
    with F.Group(FID) as g:
        g.mark(d, F.FAN_CREATE)
        sh("cd '%s' && seq 1 %d | xargs touch" % (d, limit + 100))
        evs = read_all(g, lambda got: any(e.is_overflow for e in got), timeout=20)
        over = [e for e in evs if e.is_overflow]
        assert len(over) == 1 and over[0].mask is F.FAN_Q_OVERFLOW
        assert over[0].path is None and over[0].process is None
        assert g.stats().overflows == 1
        assert len(evs) == limit + 1


def test_fs_error_records(ext4):
    mnt, img = ext4
    if not os.path.exists("/sbin/debugfs") and not os.path.exists("/usr/sbin/debugfs"):
        pytest.skip("debugfs not installed (apt-get install e2fsprogs)")
    needs_mark(F.FAN_CLASS_NOTIF | F.FAN_REPORT_FID, F.FAN_MARK_FILESYSTEM, F.FAN_FS_ERROR,
               "FAN_FS_ERROR (5.16)", mnt)
    os.mkdir(os.path.join(mnt, "d"))
    with open(os.path.join(mnt, "d", "f"), "w") as f:
        f.write("x")
    ino = os.stat(os.path.join(mnt, "d", "f")).st_ino
    sh("umount '%s' && debugfs -w -R 'clri <%d>' '%s' >/dev/null 2>&1 && "
       "mount -o loop,errors=continue '%s' '%s'" % (mnt, ino, img, img, mnt))
    with F.Group(F.FAN_CLASS_NOTIF | F.FAN_REPORT_FID) as g:
        g.mark(mnt, F.FAN_FS_ERROR, F.FAN_MARK_FILESYSTEM)
        for _ in range(2):
            with pytest.raises(OSError) as e:
                os.stat(os.path.join(mnt, "d", "f"))
            assert e.value.errno == errno.EUCLEAN
        with g.read(timeout=5) as b:
            ev = b[0]
            assert ev.mask is F.FAN_FS_ERROR
            fid, err = ev.info
            assert fid.type is F.InfoType.FID
            assert err == (F.InfoType.ERROR, errno.EUCLEAN, 2)    # the second one merged
            assert ev.find_info(F.InfoType.ERROR).count == 2


def test_pre_access_ranges(ext4):
    mnt, _ = ext4
    flags = F.FAN_CLASS_PRE_CONTENT
    f = os.path.join(mnt, "data")
    with open(f, "wb") as w:
        w.write(b"z" * 65536)
    needs_mark(flags, 0, F.FAN_PRE_ACCESS, "FAN_PRE_ACCESS (6.14, ext4)", f)
    with F.Group(flags) as g:
        g.mark(f, F.FAN_PRE_ACCESS)
        r = subprocess.Popen(["dd", "if=" + f, "of=/dev/null", "bs=4096", "skip=4", "count=1"],
                             stderr=subprocess.DEVNULL)
        with g.read(timeout=5) as b:
            ev = b[0]
            assert ev.is_permission and ev.needs_answer and ev.mask is F.FAN_PRE_ACCESS
            rng = ev.find_info(F.InfoType.RANGE)
            assert rng.offset <= 16384 < rng.offset + rng.count
            ev.deny(errno=errno.EIO)
        assert r.wait(10) != 0      # dd saw EIO
