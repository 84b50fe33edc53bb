#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""tree-logger: log what changes under a directory, however deep, with full
paths: files and directories created, deleted, renamed (old -> new), and
files written.

    tree_logger.py [--timeout SEC] [--count N] DIR

The Python twin of examples/tree-logger.c.  A group in "FID mode": events
carry file handles and names instead of open descriptors, which is what
reports creations, deletions and renames.  fanotify marks are not
recursive, so DIR's whole filesystem is marked and events outside DIR are
dropped here, after their path is known.  A filesystem mark needs
CAP_SYS_ADMIN; without it, this falls back to DIR's own entries (an inode
mark, allowed to anyone since Linux 5.13).

Output, one line per event:
    create /tmp/t/a/file
    create /tmp/t/a/sub/          (a trailing / marks a directory)
    rename /tmp/t/a/file -> /tmp/t/b/file
    close_write /tmp/t/b/file
    delete /tmp/t/b/file

Exit status: 0 done, 1 error, 2 usage, 3 the kernel or the privileges lack
a feature.
"""
import argparse
import errno
import os
import signal
import sys
import time

import fanotify as F

EVENTS = F.FAN_CREATE | F.FAN_DELETE | F.FAN_RENAME | F.FAN_CLOSE_WRITE


def under(root, path, flags):
    """Is path root or below it?  ("/a/bc" is not under "/a/b".)"""
    if path is None or flags & F.PathFlag.PARTIAL:
        return False
    if root == "/":
        return path.startswith("/")
    return path == root or path.startswith(root + "/")


def shown(path, flags):
    # A partial path is a name whose directory could not be found.
    return (("?/" if flags & F.PathFlag.PARTIAL else "") + path +
            ("/" if flags & F.PathFlag.DIR and len(path) > 1 else ""))


def line(ev, root):
    """One event's line, or None when it is outside DIR."""
    if ev.is_overflow:
        return "overflow: events were lost"
    # Ask for the path of every event, also those not printed: the resolver
    # learns of directory renames elsewhere on the filesystem from them.
    path, new_path = ev.path, ev.new_path
    if not under(root, path, ev.path_flags) and not under(root, new_path, ev.new_path_flags):
        return None
    # FAN_ONDIR is a flag, not an event: shown as a trailing "/" instead.
    text = "%s %s" % (F.mask_names(ev.mask & ~F.FAN_ONDIR), shown(path, ev.path_flags))
    if new_path is not None:
        text += " -> " + shown(new_path, ev.new_path_flags)
    return text


def setup(root):
    # FAN_REPORT_DFID_NAME: the directory's handle and the entry's name;
    # FAN_REPORT_FID: also the object's own handle.  FAN_RENAME (5.17)
    # reports the old and the new place in one event.
    group = F.Group(F.FAN_CLASS_NOTIF | F.FAN_REPORT_DFID_NAME | F.FAN_REPORT_FID)
    try:
        # Marking through the library also records DIR's filesystem (for
        # open_by_handle_at()) and DIR's own path, for the resolver.
        group.mark(root, EVENTS | F.FAN_ONDIR, F.FAN_MARK_FILESYSTEM)
    except PermissionError:
        print("tree-logger: no CAP_SYS_ADMIN: only %s's own entries" % root, file=sys.stderr)
        # FAN_EVENT_ON_CHILD: writes to DIR's files, not only to its entries
        group.mark(root, EVENTS | F.FAN_ONDIR | F.FAN_EVENT_ON_CHILD, F.FAN_MARK_ONLYDIR)
    except BaseException:
        group.close()
        raise
    return group


def main():
    p = argparse.ArgumentParser(prog="tree-logger", description=__doc__.split("\n\n")[0])
    p.add_argument("--timeout", type=float, default=0, help="stop after SEC seconds")
    p.add_argument("--count", type=int, default=0, help="stop after N lines")
    p.add_argument("dir")
    a = p.parse_args()

    # Paths from the resolver are absolute and free of symlinks: compare like with like.
    root = os.path.realpath(a.dir)
    if not os.path.isdir(root):
        print("tree-logger: %s: not a directory" % a.dir, file=sys.stderr)
        return 1
    sys.stdout.reconfigure(errors="surrogateescape", line_buffering=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        group = setup(root)
    except OSError as e:
        print("tree-logger: cannot watch %s: %s" % (root, e), file=sys.stderr)
        return 3 if e.errno in (errno.EINVAL, errno.EPERM) else 1
    with group:
        print("tree-logger: watching %s" % root, file=sys.stderr)
        deadline = time.monotonic() + a.timeout if a.timeout > 0 else None
        lines = 0
        try:
            while a.count <= 0 or lines < a.count:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    break
                for ev in group.read(timeout=left):
                    text = line(ev, root)
                    if text is not None:
                        print(text)
                        lines += 1
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
