# SPDX-License-Identifier: MIT
"""Attribution of libfanotify 1.1: Event.process_info (uid, gid, egid,
cgroup, mount namespace), Event.parents() (the chain of parents, checked),
the process table (Group(proc_table=True): processes that exited and were
reaped before the read are still named, never with another's name),
Group.proc_stats(), proc_table_fileno() and read_proc_table().

Every process asserted on is one this test started: its pid, the comm it
gave itself, the uid/gid setpriv gave it."""
import os
import select
import shutil
import subprocess
import sys
import time

import pytest

import fanotify as F
from conftest import finish, wait_until

CONTENT = F.FAN_CLASS_CONTENT
FID = F.FAN_CLASS_NOTIF | F.FAN_REPORT_DFID_NAME | F.FAN_REPORT_FID

# Names itself, then opens each path once (ok or the errno's name per line).
NAMED_OPENER = r"""
import errno, os, sys
with open("/proc/self/comm", "w") as f:
    f.write(sys.argv[1])
for p in sys.argv[2:]:
    try:
        os.close(os.open(p, os.O_RDONLY))
        print("ok", flush=True)
    except OSError as e:
        print(errno.errorcode[e.errno], flush=True)
"""


def pidfd_flag():
    return F.FAN_REPORT_PIDFD if F.probe_init(CONTENT | F.FAN_REPORT_PIDFD) == 0 else 0


def perm_file(tmpfs, name="a"):
    d = os.path.join(tmpfs, "p")
    os.mkdir(d)
    path = os.path.join(d, name)
    with open(path, "w") as f:
        f.write("x")
    return d, path


def own_cgroup():
    with open("/proc/self/cgroup") as f:
        for line in f:
            if line.startswith("0::"):
                return line[3:].rstrip("\n")
    return None


def test_process_info_of_a_child(tmpfs):
    if not shutil.which("setpriv"):
        pytest.skip("setpriv(1) not installed (util-linux)")
    d, path = perm_file(tmpfs)
    pflag = pidfd_flag()
    with F.Group(CONTENT | pflag) as g:
        g.mark(d, F.FAN_OPEN_PERM | F.FAN_EVENT_ON_CHILD)
        p = subprocess.Popen(["setpriv", "--reuid", "1000", "--regid", "1001", "--clear-groups",
                              sys.executable, "-c", NAMED_OPENER, "pyfan-kid", path],
                             stdout=subprocess.PIPE, text=True)
        with g.read(timeout=10) as b:
            assert len(b) == 1
            ev = b[0]
            info = ev.process_info          # the opener waits for us: it is alive
            assert info is ev.process_info  # kept
            ev.allow()
        assert finish(p) == ["ok"]
    assert isinstance(info, F.ProcessInfo) and isinstance(info, F.Process)
    assert info.pid == p.pid == ev.pid and info.tid == p.pid
    assert info.comm == "pyfan-kid"
    assert (info.uid, info.euid, info.gid, info.egid) == (1000, 1000, 1001, 1001)
    assert info.ppid == os.getpid()
    assert info.exe == os.path.realpath(sys.executable)
    assert info.mntns == os.stat("/proc/self/ns/mnt").st_ino    # the private namespace
    cg = own_cgroup()
    if cg is None:
        assert info.cgroup is None and info.cgroup_id is None
    else:
        assert info.cgroup == cg                # a child stays in its parent's cgroup
        cgdir = "/sys/fs/cgroup" + cg
        if os.path.isdir(cgdir):
            assert info.cgroup_id == os.stat(cgdir).st_ino
    if pflag:
        assert info.verified and not info.gone and not info.recorded
    assert "pyfan-kid" in repr(info)
    # after the batch: kept, and nothing more to read
    assert ev.process_info is info
    assert ev.process.pid == info.pid and ev.process.comm == "pyfan-kid"


def proc_chain(pid):
    """(pid, comm) of pid's parents up to pid 1, from /proc."""
    out = []
    while pid > 1:
        with open("/proc/%d/stat" % pid) as f:
            stat = f.read()
        pid = int(stat[stat.rindex(")") + 2:].split()[1])
        with open("/proc/%d/comm" % pid) as f:
            out.append((pid, f.read().rstrip("\n")))
    return out


def test_parents_of_a_three_level_chain(tmpfs):
    d, path = perm_file(tmpfs)
    pflag = pidfd_flag()
    with F.Group(CONTENT | pflag) as g:
        g.mark(d, F.FAN_OPEN_PERM | F.FAN_EVENT_ON_CHILD)
        # this process -> sh (renamed pyfan-mid) -> the opener; "; true": sh must not exec
        sh = subprocess.Popen(["sh", "-c", 'echo -n pyfan-mid > /proc/$$/comm; '
                               '"$0" -c "$1" pyfan-leaf "$2"; true',
                               sys.executable, NAMED_OPENER, path],
                              stdout=subprocess.PIPE, text=True)
        with g.read(timeout=10) as b:
            ev = b[0]
            want = proc_chain(ev.pid)       # read while all of them are alive
            chain = ev.parents()
            short = ev.parents(max=2)
            assert ev.process.comm == "pyfan-leaf"
            with pytest.raises(ValueError):
                ev.parents(max=0)
            ev.allow()
        assert finish(sh) == ["ok"]
    assert [(pp.pid, pp.comm) for pp in chain] == want
    assert chain[0].pid == sh.pid and chain[0].comm == "pyfan-mid"
    assert chain[1].pid == os.getpid()
    assert chain[-1].pid == 1
    if pflag:
        assert all(pp.flags & F.ProcFlag.VERIFIED for pp in chain)
    assert list(short) == list(chain[:2])
    # the batch is over: the parents cannot be checked any more
    with pytest.raises(F.StaleEventError):
        ev.parents()


SHORT_LIVED = r"""
import sys
with open("/proc/self/comm", "w") as f:
    f.write(sys.argv[1])
with open(sys.argv[2], "w") as f:
    f.write("x")
"""


def table_group():
    g = F.Group(FID | pidfd_flag(), proc_table=True)
    st = g.proc_stats()
    if st.table:
        g.close()
        pytest.skip("no process table here: %s" % os.strerror(st.table))
    return g


def test_process_table_names_reaped_processes(tmpfs):
    n = 12
    with table_group() as g:
        g.mark(tmpfs, F.FAN_CLOSE_WRITE | F.FAN_EVENT_ON_CHILD)
        pids = {}
        for i in range(n):
            name = "short-%d" % i
            p = subprocess.Popen([sys.executable, "-c", SHORT_LIVED, name,
                                  os.path.join(tmpfs, name)])
            assert p.wait(timeout=10) == 0          # exited and reaped before the read
            pids[name] = p.pid
        got = {}
        end = time.monotonic() + 10
        while len(got) < n and time.monotonic() < end:
            with g.read(timeout=1) as b:
                for ev in b:
                    got[os.path.basename(ev.path)] = (ev.pid, ev.process)
        st = g.proc_stats()
    assert sorted(got) == sorted(pids)
    named = 0
    for name, (pid, proc) in got.items():
        assert pid == pids[name]
        if proc.comm is None:
            continue                            # unknown is allowed, another's name never
        assert proc.comm == name and proc.pid == pid
        assert proc.gone and proc.recorded and not proc.verified
        assert proc.ppid == os.getpid() and proc.uid == os.getuid()
        named += 1
    assert named >= n - 1, "only %d of %d named: %r" % (named, n, st)
    assert st.table == 0 and st.recorded >= named and st.records >= named


def test_process_table_descriptor(tmpfs):
    with table_group() as g:
        fd = g.proc_table_fileno()
        assert fd >= 0 and fd != g.fileno()
        g.read_proc_table()                     # drain what is there
        before = g.proc_stats().records
        subprocess.run(["true"], check=True)
        wait_until(lambda: select.select([fd], [], [], 0.1)[0], what="the table's descriptor")
        g.read_proc_table()
        wait_until(lambda: (g.read_proc_table(), g.proc_stats().records > before)[1],
                   what="an exit record")
    with F.Group(FID) as g:                     # no table asked for: ENODATA
        assert g.proc_stats().table == 61
        for call in (g.proc_table_fileno, g.read_proc_table):
            with pytest.raises(OSError) as e:
                call()
            assert e.value.errno == 61 and "proc_table=True" in str(e.value)
    with pytest.raises(F.GroupClosedError):
        g.proc_stats()
