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
  "/usr/share/unicode/DerivedCoreProperties.txt:unicode-data"
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
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
