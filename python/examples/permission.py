#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""permission: an allow/deny listener.  Opening a file of DIR whose name
matches one of the PATTERNs (shell globs, such as "*.secret") is denied;
the opener's open() fails with EPERM.  Everything else is allowed.

    permission.py [--timeout SEC] [--count N] DIR PATTERN...

The Python twin of examples/permission.c.  While it runs, every open in DIR
waits for this program's answer.  Try it on a private tmpfs first, never on
a directory the system needs:

    unshare --mount --propagation private sh -c '
        mkdir -p /tmp/try && mount -t tmpfs tmpfs /tmp/try &&
        echo x > /tmp/try/a.secret &&
        { ./permission.py --timeout 30 /tmp/try "*.secret" & sleep 1;
          cat /tmp/try/a.secret; wait; }'

Whatever goes wrong in here, no opener is left waiting: an event this
program does not answer gets the group's default (allow) when its batch
ends, also when an exception leaves the loop, and if this program dies the
kernel closes its group, which allows every pending open.  Needs
CAP_SYS_ADMIN.

Exit status: 0 done, 1 error, 2 usage, 3 the kernel or the privileges lack
a feature.
"""
import argparse
import errno
import fnmatch
import os
import signal
import sys
import time

import fanotify as F


def decide(ev, patterns):
    """Decide, answer, report one permission event."""
    # ev.path only reads /proc/self/fd/N: it opens nothing, so it cannot
    # trigger (and wait for) a permission event of our own.
    path = ev.path
    name = os.path.basename(path) if path else None
    deny = name is not None and any(fnmatch.fnmatchcase(name, p) for p in patterns)
    # The opener is blocked until answered: it is still there to be named.
    proc = ev.process
    # Answer, then print: the opener is waiting.
    try:
        ev.deny() if deny else ev.allow()
    except OSError as e:  # the library still answers it when the batch ends
        print("permission: answer refused: %s" % e, file=sys.stderr)
    print("%s %s pid %d (%s)" % ("deny" if deny else "allow", path or "?", ev.pid,
                                 proc.comm if proc and proc.comm else "?"))


def main():
    p = argparse.ArgumentParser(prog="permission", description=__doc__.split("\n\n")[0])
    p.add_argument("--timeout", type=float, default=0, help="stop after SEC seconds")
    p.add_argument("--count", type=int, default=0, help="stop after N decisions")
    p.add_argument("dir")
    p.add_argument("patterns", nargs="+", metavar="PATTERN")
    a = p.parse_args()

    sys.stdout.reconfigure(errors="surrogateescape", line_buffering=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        # FAN_CLASS_CONTENT: a group that may answer permission events.
        # answer_self: if this program ever opens a file of DIR, its own
        # event is allowed at once instead of waiting for itself.
        # default_response: what an event we fail to answer gets; allow, so
        # a bug here cannot lock users out.
        group = F.Group(F.FAN_CLASS_CONTENT, os.O_RDONLY,
                        default_response=F.FAN_ALLOW, answer_self=True)
    except OSError as e:
        print("permission: cannot create a fanotify group: %s" % e, file=sys.stderr)
        return 3 if e.errno in (errno.EPERM, errno.EINVAL) else 1
    with group:
        try:
            # The files directly in DIR; FAN_MARK_ONLYDIR refuses anything else.
            group.mark(a.dir, F.FAN_OPEN_PERM | F.FAN_EVENT_ON_CHILD, F.FAN_MARK_ONLYDIR)
        except OSError as e:
            print("permission: cannot watch %s: %s" % (a.dir, e), file=sys.stderr)
            return 3 if e.errno in (errno.EPERM, errno.EINVAL) else 1
        print("permission: watching %s" % a.dir, file=sys.stderr)
        deadline = time.monotonic() + a.timeout if a.timeout > 0 else None
        decided = 0
        try:
            while a.count <= 0 or decided < a.count:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    break
                # The `with` ends the batch before we wait again: anything not
                # answered gets the default now, not at the next event.
                with group.read(timeout=left) as batch:
                    for ev in batch:
                        if not ev.needs_answer:
                            continue  # our own (already allowed)
                        decide(ev, a.patterns)
                        decided += 1
        except KeyboardInterrupt:
            pass
    return 0  # the group's close answered whatever was pending


if __name__ == "__main__":
    sys.exit(main())
