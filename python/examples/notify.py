#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""notify: print who opens, writes and closes files in a directory (or on a
whole mount), with the file's path and the process's name.

    notify.py [--mount] [--timeout SEC] [--count N] PATH

The Python twin of examples/notify.c.  A notification group in "fd mode":
the kernel opens each file for us and puts the descriptor in the event; its
path is read back from /proc/self/fd.  This needs CAP_SYS_ADMIN.

Exit status: 0 done, 1 error, 2 usage, 3 the kernel or the privileges lack
a feature.
"""
import argparse
import errno
import os
import resource
import signal
import sys
import time

import fanotify as F


def raise_fd_limit():
    """In fd mode every event of a batch holds a descriptor until the batch
    ends; out of descriptors, the kernel silently drops events.  So raise
    the soft limit to the hard one (libfanotify never asks for more events
    than half the limit allows)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def describe(ev):
    """One event as "open,close_nowrite /path pid 42 (cat)"."""
    if ev.is_overflow:
        return "overflow: the kernel's queue was full, events were lost"
    # The path is read now, after the event: a file renamed since shows its new name.
    if ev.path is None:
        where = "? (%s)" % os.strerror(ev.path_error)
    else:
        where = ev.path + (" (deleted)" if ev.path_flags & F.PathFlag.DELETED else "")
    # Also read now: a short-lived process may be gone already ("?").
    proc = ev.process
    comm = proc.comm if proc and proc.comm else "?"
    return "%s %s pid %d (%s)" % (F.mask_names(ev.mask), where, ev.pid, comm)


def main():
    p = argparse.ArgumentParser(prog="notify", description=__doc__.split("\n\n")[0])
    p.add_argument("--mount", action="store_true", help="the whole mount PATH is on")
    p.add_argument("--timeout", type=float, default=0, help="stop after SEC seconds")
    p.add_argument("--count", type=int, default=0, help="stop after N events")
    p.add_argument("path", help="a directory (its files) or a file")
    a = p.parse_args()

    # Paths are bytes; errors="surrogateescape" writes exactly the kernel's bytes.
    sys.stdout.reconfigure(errors="surrogateescape", line_buffering=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    raise_fd_limit()
    mask = F.FAN_OPEN | F.FAN_MODIFY | F.FAN_CLOSE
    try:
        # skip_self: our own reads of /proc are not events, but writing our
        # output to a file in the watched place would be.
        group = F.Group(F.FAN_CLASS_NOTIF, os.O_RDONLY, skip_self=True)
    except OSError as e:
        print("notify: cannot create a fanotify group: %s" % e, file=sys.stderr)
        return 3 if e.errno in (errno.EPERM, errno.EINVAL) else 1
    with group:
        try:
            # An inode mark on a directory with FAN_EVENT_ON_CHILD reports its
            # direct children; a mount mark every file of the mount.
            if a.mount:
                group.mark(a.path, mask, F.FAN_MARK_MOUNT)
            else:
                group.mark(a.path, mask | F.FAN_EVENT_ON_CHILD)
        except OSError as e:
            print("notify: cannot watch %s: %s" % (a.path, e), file=sys.stderr)
            return 3 if e.errno == errno.EPERM else 1
        # Scripts wait for this line: from now on nothing is missed.
        print("notify: watching %s" % a.path, file=sys.stderr)
        deadline = time.monotonic() + a.timeout if a.timeout > 0 else None
        seen = 0
        try:
            while a.count <= 0 or seen < a.count:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    break
                # read() ends the previous batch (its descriptors are closed)
                # before it waits.
                with group.read(timeout=left) as batch:
                    for ev in batch:
                        print(describe(ev))
                        seen += 1
                        if 0 < a.count <= seen:
                            break
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
