# SPDX-License-Identifier: MIT
"""Fixtures of the binding's tests: private filesystems, openers, counters.

Tests run through run_pytest.py, inside a private mount namespace: every
filesystem here is a fresh tmpfs or loop-mounted ext4 image mounted in it,
and no mark is ever placed on anything else.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time

import pytest

import fanotify as F

# Names the kernel allows and careless code mangles: newlines, quotes,
# control characters, invalid UTF-8, arrows, brackets (as bytes).
HOSTILE_NAMES = [
    b"new\nline", b'dq"uote', b"sq'uote", b"back\\slash", b"tab\there",
    b"ctl\x01\x02\x1b[31mred\x7f", b"cr\rreturn", b"bad\xffutf8", b"half\xc3",
    b"overlong\xc0\xaf", b"surrogate\xed\xa0\x80", b"spa ce", b"arrow -> x", b"x [dir]",
    b'"leading quote', b"-dash", b"\xe2\x80\xaebidi", b"." * 3, b"long" * 60,
]


def private_namespace():
    """In the namespace run_pytest.py made (it records the one it left)."""
    outer = os.environ.get("PYFAN_OUTER_NS")
    return bool(outer) and str(os.stat("/proc/self/ns/mnt").st_ino) != outer


def _mount(args, what):
    r = subprocess.run(["mount"] + args, capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip("cannot mount %s: %s" % (what, r.stderr.strip()))


@pytest.fixture
def tmpfs():
    """A fresh tmpfs, mounted in this private namespace only (a str path)."""
    assert private_namespace(), "tests must run through run_pytest.py"
    base = tempfile.mkdtemp(prefix="pyfan-")
    _mount(["-t", "tmpfs", "-o", "mode=0755,size=256m", "tmpfs", base], "a tmpfs")
    assert os.path.ismount(base)
    try:
        yield base
    finally:
        subprocess.run(["umount", "-l", base], check=False)
        os.rmdir(base)


@pytest.fixture
def ext4(tmpfs):
    """A loop-mounted ext4 image (pre-content events, filesystem errors): (dir, image)."""
    if not shutil.which("mkfs.ext4"):
        pytest.skip("mkfs.ext4 not installed (apt-get install e2fsprogs)")
    img, mnt = os.path.join(tmpfs, "ext4.img"), os.path.join(tmpfs, "ext4")
    os.mkdir(mnt)
    with open(img, "wb") as f:
        f.truncate(16 << 20)
    subprocess.run(["mkfs.ext4", "-q", "-F", img], check=True, capture_output=True)
    _mount(["-o", "loop", img, mnt], "an ext4 image (no loop devices?)")
    try:
        yield mnt, img
    finally:
        subprocess.run(["umount", "-l", mnt], check=False)


def fd_count():
    """Descriptors open in this process (listdir's own counts once, always)."""
    return len(os.listdir("/proc/self/fd"))


def needs_init(flags, why):
    e = F.probe_init(flags)
    if e:
        pytest.skip("%s: fanotify_init: %s" % (why, os.strerror(e)))


def needs_mark(init_flags, mark_flags, mask, why, path=None):
    e = F.probe_mark(init_flags, mark_flags, mask, path)
    if e:
        pytest.skip("%s: fanotify_mark: %s" % (why, os.strerror(e)))


OPENER = r"""
import errno, os, sys
mode = os.O_WRONLY if sys.argv[1] == "w" else os.O_RDONLY
for p in sys.argv[2:]:
    try:
        os.close(os.open(p, mode))
        print("ok", flush=True)
    except OSError as e:
        print(errno.errorcode[e.errno], flush=True)
"""


def opener(*paths, mode="r"):
    """A process that opens each path once and prints ok or the errno's name per line."""
    return subprocess.Popen([sys.executable, "-c", OPENER, mode] + list(paths),
                            stdout=subprocess.PIPE, text=True)


def finish(proc, timeout=10):
    """The opener's lines; fails the test if it is still blocked after timeout."""
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        pytest.fail("an opener was still blocked after %s s" % timeout)
    return out.split()


def wait_until(cond, timeout=5.0, what="condition"):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return
        time.sleep(0.01)
    pytest.fail("timed out waiting for " + what)


def read_all(group, until, timeout=5.0):
    """Read batches until until(events so far) is true; the events (finished)."""
    got = []
    end = time.monotonic() + timeout
    while not until(got):
        left = end - time.monotonic()
        if left <= 0:
            break
        with group.read(timeout=left) as batch:
            for ev in batch:
                ev.path  # resolved while the batch is current
                got.append(ev)
    return got

