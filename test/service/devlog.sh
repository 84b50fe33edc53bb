#!/bin/sh
# SPDX-License-Identifier: MIT
# devlog.sh SOCK COMMAND [ARGS...]: run COMMAND in a mount namespace of its
# own whose /dev is a fresh tmpfs holding null, zero, random, urandom and
# log (a symbolic link to SOCK), so that syslog(3) talks to the test's
# socket.  The machine's /dev is not touched.  COMMAND keeps this pid.
set -eu
if [ -z "${DEVLOG_IN_NS:-}" ]; then
	exec env DEVLOG_IN_NS=1 unshare -m --propagation private "$0" "$@"
fi
unset DEVLOG_IN_NS
sock=$1
shift
mount -t tmpfs -o mode=0755,size=1m tmpfs /dev
mknod -m 666 /dev/null c 1 3
mknod -m 666 /dev/zero c 1 5
mknod -m 666 /dev/random c 1 8
mknod -m 666 /dev/urandom c 1 9
ln -s /proc/self/fd /dev/fd
ln -s "$sock" /dev/log
exec "$@"
