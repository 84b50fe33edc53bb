# SPDX-License-Identifier: MIT
"""The Python examples against real workloads (as test/examples/run-example.sh
runs the C ones), and against their C twins on the same events: the same
lines."""
import os
import shutil
import subprocess
import sys
import time

import pytest

EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "examples")


def c_example(name):
    d = os.environ.get("PYFAN_C_EXAMPLES")
    p = d and os.path.join(d, name)
    if not p or not os.access(p, os.X_OK):
        pytest.skip("the C example %s is not built (PYFAN_C_EXAMPLES)" % name)
    return p


class Running:
    """An example started in the background, ready once it says "watching"."""

    def __init__(self, argv, workdir, tag, user=None):
        self.out = os.path.join(workdir, tag + ".out")
        self.err = os.path.join(workdir, tag + ".err")
        pre = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
               "--inh-caps=-all"] if user else []
        with open(self.out, "wb") as o, open(self.err, "wb") as e:
            self.p = subprocess.Popen(pre + argv, stdout=o, stderr=e)
        end = time.monotonic() + 10
        while b"watching" not in self.stderr():
            if self.p.poll() is not None:
                if self.p.returncode == 3:
                    pytest.skip(self.stderr().decode(errors="replace").strip())
                pytest.fail("%s exited with %d: %s" % (argv[0], self.p.returncode, self.stderr()))
            if time.monotonic() > end:
                self.p.kill()
                pytest.fail("%s not ready after 10 s" % argv[0])
            time.sleep(0.05)

    def stderr(self):
        with open(self.err, "rb") as f:
            return f.read()

    def finish(self):
        try:
            rc = self.p.wait(20)
        except subprocess.TimeoutExpired:
            self.p.kill()
            pytest.fail("did not stop by itself")
        assert rc == 0, self.stderr()
        with open(self.out, "rb") as f:
            return f.read().decode("utf-8", "surrogateescape").splitlines()


def py(name, *args):
    return [sys.executable, os.path.join(EXAMPLES, name)] + list(args)


def sh(cmd):
    subprocess.run(["sh", "-c", cmd], check=True)


def test_notify(tmpfs):
    d = os.path.join(tmpfs, "d")
    os.mkdir(d)
    with open(os.path.join(d, "read.txt"), "w") as f:
        f.write("before")
    r = Running(py("notify.py", "--timeout", "3", d), tmpfs, "notify")
    sh("echo hello > '%s/new.txt'; cat '%s/read.txt' > /dev/null; echo x > '%s/outside.txt'" %
       (d, d, tmpfs))
    lines = r.finish()
    import re
    for ev in ("open", "modify", "close_write"):
        assert any(re.match(r"^([a-z_]+,)*%s(,[a-z_]+)* %s/new.txt pid \d+ \(" % (ev, d), ln)
                   for ln in lines), (ev, lines)
    for ev in ("open", "close_nowrite"):
        assert any(re.match(r"^([a-z_]+,)*%s(,[a-z_]+)* %s/read.txt pid \d+ \(" % (ev, d), ln)
                   for ln in lines), (ev, lines)
    assert not any("outside" in ln for ln in lines)


def test_permission(tmpfs):
    d = os.path.join(tmpfs, "p")
    os.mkdir(d)
    for n, text in (("a.secret", "secret"), ("b.txt", "public")):
        with open(os.path.join(d, n), "w") as f:
            f.write(text)
    r = Running(py("permission.py", "--timeout", "4", d, "*.secret", "*.key"), tmpfs, "perm")
    cat = subprocess.run(["cat", os.path.join(d, "a.secret")], capture_output=True, text=True)
    assert cat.returncode != 0 and "Operation not permitted" in cat.stderr
    assert subprocess.run(["cat", os.path.join(d, "b.txt")], capture_output=True,
                          text=True).stdout == "public"
    lines = r.finish()
    import re
    assert any(re.match(r"^deny %s/a.secret pid \d+ \(cat\)$" % d, ln) for ln in lines), lines
    assert any(ln.startswith("allow %s/b.txt pid " % d) for ln in lines), lines
    # the listener is gone, its marks with it
    with open(os.path.join(d, "a.secret")) as f:
        assert f.read() == "secret"


# Paths are read when an event is read: a listener that reads the file's
# events only after the directory's rename shows the new directory (see
# fan_resolve_path(3)).  The pauses let both listeners read in between.
TREE_WORK = ("mkdir '{t}/d1'; echo x > '{t}/d1/f'; sleep 0.3; mv '{t}/d1/f' '{t}/d1/g'; "
             "sleep 0.3; mv '{t}/d1' '{t}/d2'; rm '{t}/d2/g'; touch '{o}'")
TREE_WANT = ["create {t}/d1/", "create {t}/d1/f", "close_write {t}/d1/f",
             "rename {t}/d1/f -> {t}/d1/g", "rename {t}/d1/ -> {t}/d2/", "delete {t}/d2/g"]


def test_tree_logger_like_its_c_twin(tmpfs):
    t = os.path.join(tmpfs, "tree")
    os.mkdir(t)
    both = [Running(py("tree_logger.py", "--timeout", "3", t), tmpfs, "py")]
    if os.environ.get("PYFAN_C_EXAMPLES"):
        both.append(Running([c_example("tree-logger"), "--timeout", "3", t], tmpfs, "c"))
    sh(TREE_WORK.format(t=t, o=os.path.join(tmpfs, "outside")))
    outs = [r.finish() for r in both]
    assert outs[0] == [w.format(t=t) for w in TREE_WANT]
    if len(outs) == 2:
        assert outs[0] == outs[1]


def test_tree_logger_with_hostile_names(tmpfs):
    from conftest import HOSTILE_NAMES
    t = os.path.join(tmpfs, "tree")
    os.mkdir(t)
    both = [Running(py("tree_logger.py", "--timeout", "3", t), tmpfs, "py")]
    if os.environ.get("PYFAN_C_EXAMPLES"):
        both.append(Running([c_example("tree-logger"), "--timeout", "3", t], tmpfs, "c"))
    bt = os.fsencode(t)
    for n in HOSTILE_NAMES:
        if b"\n" in n or b"\r" in n:
            continue      # one event per line: newlines would split the line
        with open(bt + b"/" + n, "wb"):
            pass
    outs = [r.finish() for r in both]
    want = sorted(line for n in HOSTILE_NAMES if b"\n" not in n and b"\r" not in n
                  for line in ("create " + os.fsdecode(bt + b"/" + n),
                               "close_write " + os.fsdecode(bt + b"/" + n)))
    assert sorted(outs[0]) == want
    if len(outs) == 2:
        assert outs[0] == outs[1]


def test_tree_logger_unprivileged(tmpfs):
    if not shutil.which("setpriv"):
        pytest.skip("setpriv(1) not installed")
    t = os.path.join(tmpfs, "tree")
    os.mkdir(t, 0o777)
    os.chmod(t, 0o777)
    work = os.path.join(tmpfs, "work")
    os.mkdir(work, 0o777)
    os.chmod(work, 0o777)
    r = Running(py("tree_logger.py", "--timeout", "3", t), work, "unpriv", user=True)
    assert b"no CAP_SYS_ADMIN" in r.stderr()
    sh("mkdir '{t}/d1'; echo x > '{t}/f'; mv '{t}/f' '{t}/g'; echo y > '{t}/d1/deep'; "
       "rm '{t}/g'".format(t=t))
    lines = r.finish()
    for w in ("create {t}/d1/", "create {t}/f", "close_write {t}/f", "rename {t}/f -> {t}/g",
              "delete {t}/g"):
        assert w.format(t=t) in lines, lines
    assert not any("deep" in ln for ln in lines)   # not DIR's own entry
