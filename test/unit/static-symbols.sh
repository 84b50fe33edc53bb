#!/bin/sh
# The static library may only define global symbols a program cannot
# clash with: the API (fan_*) and the library's internals (lf_*).
set -eu
lib=$1
bad=$(nm -g --defined-only "$lib" | awk 'NF == 3 && $2 ~ /[TDBRC]/ {print $3}' |
	grep -v -e '^fan_' -e '^lf_' || true)
if [ -n "$bad" ]; then
	echo "FAIL: global symbols outside fan_*/lf_* in $lib:"
	echo "$bad"
	exit 1
fi
n=$(nm -g --defined-only "$lib" | awk 'NF == 3 && $2 ~ /[TDBRC]/' | wc -l)
echo "ok: $n global symbols, all fan_* or lf_*"
