#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Runs every unit test program of a normal (not sanitized) build under valgrind memcheck:
# invalid accesses, uninitialised values and leaks (definite, indirect, possible) fail it.
# Complements tests/run-sanitized.sh: other machinery (no recompilation), and it also checks
# forked children at their _exit.
#
# Usage: tests/run-memcheck.sh [BUILD_DIR]   (default <src>/build; built first)
set -eu

src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build}

if grep -q '^SHIMGATE_SANITIZE:BOOL=ON' "$build/CMakeCache.txt" 2>/dev/null ||
	grep -q '^SHIMGATE_FUZZ:BOOL=ON' "$build/CMakeCache.txt" 2>/dev/null; then
	echo "run-memcheck: $build is a sanitized build; valgrind needs a plain one" >&2
	exit 2
fi
cmake -S "$src" -B "$build" >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null

logs=$(mktemp -d "${TMPDIR:-/tmp}/sg-memcheck.XXXXXX")
trap 'rm -rf "$logs"' EXIT
trap 'exit 130' INT TERM

failed=
n=0
# Where CTest runs them.
cd "$build/tests/unit"
for t in test_*; do
	if [ ! -f "$t" ] || [ ! -x "$t" ]; then
		continue
	fi
	n=$((n + 1))
	if ! CMOCKA_MESSAGE_OUTPUT=stdout valgrind -q --error-exitcode=99 --leak-check=full \
		--errors-for-leak-kinds=definite,indirect,possible "./$t" >"$logs/$t.log" 2>&1; then
		failed="$failed $t"
		echo "run-memcheck: $t:" >&2
		cat "$logs/$t.log" >&2
	fi
done
if [ "$n" -eq 0 ]; then
	echo "run-memcheck: no unit test programs in $build/tests/unit" >&2
	exit 1
fi
if [ -n "$failed" ]; then
	echo "run-memcheck: failures in:$failed" >&2
	exit 1
fi
echo "run-memcheck: $n unit test programs clean"
