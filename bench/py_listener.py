#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""py_listener: the Python listeners of bench/py_compare.py.  Each does what
examples/tree-logger.c does (the C example they are measured against): a
FAN_REPORT_DFID_NAME | FAN_REPORT_FID group, a filesystem mark with
create, delete, rename and close_write (and ondir), every event's full
path, one line per event under DIR written to OUT:

    create /dir/d0/f17
    rename /dir/a -> /dir/b

    py_listener.py --impl binding|ctypes|ctypes-cache [-o OUT] DIR

binding       the fanotify module (libfanotify): Group.read(), Event.path
ctypes        pure Python the way existing bindings work: fanotify_init(),
              fanotify_mark() and open_by_handle_at() through ctypes,
              os.readv() of the group into one buffer, records parsed with
              struct, each directory handle opened and its /proc/self/fd
              link read
ctypes-cache  the same with a dict of directory handle -> path (what a
              careful pure-Python tool adds; right only while no directory
              is renamed, which this workload never does)

Output is block-buffered (64 KiB) in all three: text (str paths written
with surrogateescape, so the exact bytes) for the binding, bytes for the
ctypes readers (each its natural form).  It prints
"py_listener: watching DIR" on stderr when its mark is in place and, on
SIGINT or SIGTERM, one line on stdout:
    py_listener: impl=I records=R lines=L reads=N overflows=O
"""
import argparse
import ctypes
import errno
import io
import os
import signal
import struct
import sys

EVENTS = 0x100 | 0x200 | 0x10000000 | 0x8   # create, delete, rename, close_write
ONDIR = 0x40000000
Q_OVERFLOW = 0x4000
INIT = 0x0 | 0x1 | 0x400 | 0x800 | 0x200     # NOTIF, CLOEXEC, DIR_FID, NAME, FID
MARK_ADD, MARK_FILESYSTEM = 0x1, 0x100

stop = False


def on_signal(*_):
    global stop
    stop = True
    raise KeyboardInterrupt


class Out:
    def __init__(self, path, text):
        self.f = open(path, "wb", buffering=1 << 16) if path else sys.stdout.buffer
        self.text = None
        if text:   # paths as str: written back as the kernel's bytes
            self.text = io.TextIOWrapper(self.f, encoding="utf-8", errors="surrogateescape",
                                         write_through=False)
        self.lines = 0

    def flush(self):
        (self.text or self.f).flush()

    def line(self, names, path, new=None):
        self.lines += 1
        if new is None:
            self.f.write(b"%s %s\n" % (names, path))
        else:
            self.f.write(b"%s %s -> %s\n" % (names, path, new))


def under(root, path):
    return path == root or path.startswith(root + b"/")


# ---- the binding ----

def run_binding(root, out, counts):
    """Idiomatic use of the module: str paths (os.fsdecode() form), text output."""
    import fanotify as F
    names = {}
    sroot = os.fsdecode(root)
    below = sroot + "/"
    write = out.text.write
    with F.Group(F.FAN_CLASS_NOTIF | F.FAN_REPORT_DFID_NAME | F.FAN_REPORT_FID) as g:
        g.mark(sroot, EVENTS | ONDIR, F.FAN_MARK_FILESYSTEM)
        print("py_listener: watching %s" % sroot, file=sys.stderr, flush=True)
        while not stop:
            with g.read() as batch:
                counts["reads"] += 1
                for ev in batch:
                    counts["records"] += 1
                    if ev.is_overflow:
                        counts["overflows"] += 1
                        continue
                    path, new = ev.path, ev.new_path
                    if path is None:
                        continue
                    if not (path.startswith(below) or path == sroot or
                            (new is not None and new.startswith(below))):
                        continue
                    mask = ev.mask
                    nm = names.get(mask)
                    if nm is None:
                        nm = names[mask] = F.mask_names(mask & ~ONDIR)
                    out.lines += 1
                    if new is None:
                        write(f"{nm} {path}\n")
                    else:
                        write(f"{nm} {path} -> {new}\n")


# ---- pure Python over ctypes ----

NAMES = [(0x1, b"access"), (0x2, b"modify"), (0x4, b"attrib"), (0x8, b"close_write"),
         (0x10, b"close_nowrite"), (0x20, b"open"), (0x40, b"moved_from"),
         (0x80, b"moved_to"), (0x100, b"create"), (0x200, b"delete"),
         (0x400, b"delete_self"), (0x800, b"move_self"), (0x10000000, b"rename")]
MD = struct.Struct("=IBBHQii")
HDR = struct.Struct("=BBH")
FIDHDR = struct.Struct("=iiIi")


def run_ctypes(root, out, counts, cache):
    libc = ctypes.CDLL(None, use_errno=True)
    libc.fanotify_mark.argtypes = [ctypes.c_int, ctypes.c_uint, ctypes.c_uint64, ctypes.c_int,
                                   ctypes.c_char_p]
    libc.open_by_handle_at.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
    fd = libc.fanotify_init(INIT, os.O_RDONLY)
    if fd < 0:
        raise OSError(ctypes.get_errno(), "fanotify_init")
    if libc.fanotify_mark(fd, MARK_ADD | MARK_FILESYSTEM, EVENTS | ONDIR, -100, root) < 0:
        raise OSError(ctypes.get_errno(), "fanotify_mark")
    mount_fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    print("py_listener: watching %s" % os.fsdecode(root), file=sys.stderr, flush=True)
    names = {}
    dirs = {}
    obha = libc.open_by_handle_at
    readlink = os.readlink
    close = os.close

    def dir_path(handle):
        if cache:
            p = dirs.get(handle)
            if p is not None:
                return p
        dfd = obha(mount_fd, handle, os.O_PATH)
        if dfd < 0:
            return None
        try:
            p = readlink(b"/proc/self/fd/%d" % dfd)
        finally:
            close(dfd)
        if cache:
            dirs[handle] = p
        return p

    # One buffer for every read (os.read() would allocate, and map, 1 MiB each time).
    buf = bytearray(1 << 20)
    while not stop:
        end = os.readv(fd, [buf])
        counts["reads"] += 1
        off = 0
        while off + 24 <= end:
            elen, vers, _, mdlen, mask, efd, pid = MD.unpack_from(buf, off)
            if vers != 3 or elen < 24 or off + elen > end:
                raise RuntimeError("malformed event at %d" % off)
            counts["records"] += 1
            if efd >= 0:
                close(efd)
            if mask & Q_OVERFLOW:
                counts["overflows"] += 1
                off += elen
                continue
            paths = []
            r, rend = off + mdlen, off + elen
            while r + 4 <= rend:
                itype, _, ilen = HDR.unpack_from(buf, r)
                if itype in (2, 10, 12):     # DFID_NAME, OLD_DFID_NAME, NEW_DFID_NAME
                    _, _, hbytes, _ = FIDHDR.unpack_from(buf, r + 4)
                    handle = bytes(buf[r + 12:r + 20 + hbytes])
                    name = bytes(buf[r + 20 + hbytes:r + ilen]).split(b"\0", 1)[0]
                    d = dir_path(handle)
                    if d is not None:
                        paths.append(d + b"/" + name if name != b"." else d)
                r += ilen
            off += elen
            if not paths:
                continue
            p = paths[0]
            n = paths[1] if len(paths) > 1 else None
            if not under(root, p) and not (n and under(root, n)):
                continue
            nm = names.get(mask)
            if nm is None:
                nm = names[mask] = b",".join(s for b, s in NAMES if mask & b)
            out.line(nm, p, n)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--impl", choices=("binding", "ctypes", "ctypes-cache"), required=True)
    ap.add_argument("-o", "--output")
    ap.add_argument("dir")
    a = ap.parse_args()
    root = os.fsencode(os.path.realpath(a.dir))
    out = Out(a.output, a.impl == "binding")
    counts = {"records": 0, "reads": 0, "overflows": 0}
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        if a.impl == "binding":
            run_binding(root, out, counts)
        else:
            run_ctypes(root, out, counts, a.impl == "ctypes-cache")
    except KeyboardInterrupt:
        pass
    except OSError as e:
        if e.errno != errno.EINTR:
            raise
    out.flush()
    print("py_listener: impl=%s records=%d lines=%d reads=%d overflows=%d" %
          (a.impl, counts["records"], out.lines, counts["reads"], counts["overflows"]),
          flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
