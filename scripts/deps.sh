#!/usr/bin/env bash
# Install what building and testing need, only where it is missing.
# Debian 12; run as root.  Safe to run again.
set -euo pipefail

# command-or-file : package
needs=(
  "meson:meson"
  "ninja:ninja-build"
  "gcc:gcc"
  "g++:g++"
  "clang:clang"
  "pkg-config:pkg-config"
  "mkfs.ext4:e2fsprogs"
  "debugfs:e2fsprogs"
  "losetup:mount"
  "mandoc:mandoc"
  "/usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a:libclang-rt-14-dev"
  "python3:python3"
  # fanwatch as a service (test/service, bench/sinks.sh): --journal builds
  # against libsystemd; the tests start their own journald, rsyslogd,
  # systemd-journal-remote/-upload, logrotate, in private namespaces
  "/usr/include/systemd/sd-journal.h:libsystemd-dev"
  "/lib/systemd/systemd-journald:systemd"
  "systemd-analyze:systemd"
  "/lib/systemd/systemd-journal-remote:systemd-journal-remote"
  "rsyslogd:rsyslog"
  "logrotate:logrotate"
  "logger:bsdutils"
  "setpriv:util-linux"
  "ip:iproute2"
  "/usr/share/unicode/DerivedCoreProperties.txt:unicode-data"
  # fanwatch's shell completions, tested in both shells (i15)
  "zsh:zsh"
  "/usr/share/bash-completion/bash_completion:bash-completion"
  # fanwatch's dev and ino, tested on the handles of xfs and btrfs too (i15)
  "mkfs.xfs:xfsprogs"
  "mkfs.btrfs:btrfs-progs"
  # the Python binding: Debian's interpreter, its headers and its pytest
  # (absolute paths: a python3 earlier on PATH, such as pyenv's, does not count)
  "/usr/bin/python3:python3"
  "/usr/bin/python3-config:python3-dev"
  "/usr/bin/pytest-3:python3-pytest"
)

missing=()
for n in "${needs[@]}"; do
  what=${n%%:*} pkg=${n##*:}
  if [[ $what == /* ]]; then
    [[ -e $what ]] && continue
  else
    command -v "$what" >/dev/null 2>&1 && continue
  fi
  missing+=("$pkg")
done
# Extra packages a caller asks for (bench: fatrace inotify-tools linux-perf).
for pkg in "$@"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done

if ((${#missing[@]})); then
  mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
  echo "deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  # Packages with daemons (rsyslog) must not start them on this machine: the
  # tests start their own.  Where no policy-rc.d says so already, one does
  # for the time of the install.
  policy=/usr/sbin/policy-rc.d
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    trap 'rm -f "$policy"' EXIT
  fi
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
