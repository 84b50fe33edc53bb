#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A syslog socket for the tests, and a parser of what it received.

  sysrecv.py listen SOCK OUT    bind SOCK (AF_UNIX datagrams, as /dev/log or
                                NOTIFY_SOCKET; "@name": abstract),
                                append each message to OUT (a 4-byte length,
                                then the bytes), until SIGTERM
  sysrecv.py raw OUT            each message as it is, its newlines as '|'
                                (NOTIFY_SOCKET messages: "READY=1|STATUS=...")
  sysrecv.py dump OUT           one line per message: PRI, TAG, PID, MSG
                                separated by tabs; exit 1 if one does not
                                parse
  sysrecv.py text OUT [TAG]     the MSG of TAG's messages ("fanwatch"), each
                                as a line of fanwatch's text output (a time
                                put in front), for fwtext.py

A message is parsed as a syslog daemon parses what syslog(3) and logger(1)
send to /dev/log (RFC 3164): "<PRI>Mmm dd hh:mm:ss TAG[PID]: MSG" ("[PID]"
optional; printed as 0 when absent).
"""
import re
import signal
import socket
import struct
import sys

HEADER = re.compile(
    rb"^<(\d{1,3})>([A-Z][a-z]{2} [ 123]\d \d\d:\d\d:\d\d) ([^\[\]: ]+)(?:\[(\d+)\])?: (.*)$", re.S)


def listen(path, out):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind("\0" + path[1:] if path.startswith("@") else path)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with open(out, "ab", buffering=0) as f:
        while True:
            m = s.recv(1 << 20)
            f.write(struct.pack("<I", len(m)) + m)


def messages(out):
    data = open(out, "rb").read()
    i = 0
    while i < len(data):
        (n,) = struct.unpack("<I", data[i:i + 4])
        yield data[i + 4:i + 4 + n]
        i += 4 + n


def parse(m):
    h = HEADER.match(m)
    if not h:
        sys.exit(f"not a syslog message: {m!r}")
    pri, _, tag, pid, msg = h.groups()
    if int(pri) > 191:
        sys.exit(f"PRI out of range: {m!r}")
    if b"\n" in msg or b"\0" in msg:
        sys.exit(f"a message with a line break or NUL: {m!r}")
    return int(pri), tag, int(pid or 0), msg


def main():
    cmd = sys.argv[1]
    if cmd == "listen":
        listen(sys.argv[2], sys.argv[3])
        return 0
    w = sys.stdout.buffer
    if cmd == "raw":
        for m in messages(sys.argv[2]):
            w.write(m.replace(b"\n", b"|") + b"\n")
        return 0
    for m in messages(sys.argv[2]):
        pri, tag, pid, msg = parse(m)
        if cmd == "dump":
            w.write(b"%d\t%s\t%d\t%s\n" % (pri, tag, pid, msg))
        elif tag != (sys.argv[3] if len(sys.argv) > 3 else "fanwatch").encode():
            continue
        elif cmd == "text":
            w.write(b"00:00:00.000000 " + msg + b"\n")
        elif cmd == "msgs":
            w.write(msg + b"\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
