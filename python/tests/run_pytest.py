#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Run pytest files of the Python binding the way the project's tests run.

    run_pytest.py TEST_FILE... [pytest arguments]

As root, inside a private mount namespace (`unshare -m --propagation
private`): every tmpfs and ext4 image a test mounts, and so every mark it
places, stays in there.  Exit 0 pass, 1 fail, 77 skip (one-line reason).

Environment (meson sets it):
  PYTHONPATH       the build directory holding the extension module
  PYFAN_PRELOAD    the AddressSanitizer runtime (libasan.so) when the module
                   was built with -Db_sanitize=address: loaded into this
                   interpreter only (LD_PRELOAD), not into its children
  PYFAN_C_EXAMPLES the built C examples, to compare the Python ones with
  PYFAN_REQUIRE_PYTEST  non-empty: no pytest is a failure (CI), not a skip
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def skip(why):
    print("SKIP: " + why)
    sys.exit(77)


def main():
    if os.geteuid() != 0:
        skip("needs root (private mount namespaces, CAP_SYS_ADMIN)")
    try:
        import pytest
    except ImportError:
        why = "pytest is not installed for %s (apt-get install python3-pytest)" % sys.executable
        if os.environ.get("PYFAN_REQUIRE_PYTEST"):
            print("FAIL: " + why)
            return 1
        skip(why)
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    argv = [sys.executable, os.path.abspath(__file__)] + sys.argv[1:]
    if not os.environ.get("PYFAN_IN_NS"):
        env["PYFAN_IN_NS"] = "1"
        env["PYFAN_OUTER_NS"] = str(os.stat("/proc/self/ns/mnt").st_ino)
        try:
            os.execvpe("unshare", ["unshare", "-m", "--propagation", "private"] + argv, env)
        except OSError as e:
            skip("cannot run unshare(1): %s" % e)
    preload = os.environ.get("PYFAN_PRELOAD")
    if preload and os.environ.get("PYFAN_PRELOADED") != preload:
        # ASan's runtime must be the first library of the process.
        # PYTHONMALLOC=malloc: Python objects come from malloc() too, so a
        # use after free of one is caught, and leaks are checked at exit
        # (ASAN_OPTIONS as the caller set them, detect_leaks included).
        env.update(LD_PRELOAD=preload, PYFAN_PRELOADED=preload, PYTHONMALLOC="malloc",
                   PYFAN_UNDER_ASAN="1")
        os.execve(sys.executable, argv, env)
    # Children (shells, openers, examples) run without the preload.
    for k in ("LD_PRELOAD", "PYFAN_PRELOADED"):
        os.environ.pop(k, None)
    if str(os.stat("/proc/self/ns/mnt").st_ino) == os.environ.get("PYFAN_OUTER_NS", ""):
        print("FAIL: not in a private mount namespace: refusing to place marks")
        return 1
    args = ["-q", "-rs", "-p", "no:cacheprovider", "--rootdir", HERE] + sys.argv[1:]
    rc = pytest.main(args)
    # 5: no test collected: that is a failure of the suite, not a pass.
    return 1 if rc == 5 else int(rc)


if __name__ == "__main__":
    sys.exit(main())
