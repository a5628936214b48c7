#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Builds shimgate with ASan + UBSan (SHIMGATE_SANITIZE=ON) in BUILD_DIR and runs the unit,
# vectors and fuzz-replay tests, then the end-to-end tests when the build registered any (root
# and containerd needed; they put this build's shim on containerd's PATH, so the sanitized
# shim serves real containers).
#
# Usage: tests/run-sanitized.sh [BUILD_DIR]   (default <src>/build-asan)
#
# Any sanitizer report fails the run. The in-process tests die on the first one
# (halt_on_error, -fno-sanitize-recover=all). The shim under containerd writes its reports to
# files (log_path: containerd does not relay a shim's stderr), which are listed and fail the
# run.
set -eu

src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build-asan}

cmake -S "$src" -B "$build" -DSHIMGATE_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null

export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
ctest --test-dir "$build" --output-on-failure --timeout 600 -L '^(unit|vectors|fuzz-replay)$'

n_e2e=$(ctest --test-dir "$build" -N -L '^e2e$' | sed -n 's/^Total Tests: //p')
if [ "${n_e2e:-0}" -eq 0 ]; then
	echo "run-sanitized: no e2e tests registered in $build; skipped"
	exit 0
fi

reports=$(mktemp -d "${TMPDIR:-/tmp}/sg-sanitizer-reports.XXXXXX")
trap 'rm -rf "$reports"' EXIT
trap 'exit 130' INT TERM
# Passed down through the e2e scripts and their containerd to every shim process.
export ASAN_OPTIONS="$ASAN_OPTIONS:log_path=$reports/asan"
export UBSAN_OPTIONS="$UBSAN_OPTIONS:log_path=$reports/ubsan"
# For e2e checks that mean nothing under ASan, such as a flat VmRSS (its quarantine holds
# freed memory); leaks are LSan's job here, at every shim's exit.
export SHIMGATE_SANITIZED=1
status=0
ctest --test-dir "$build" --output-on-failure --timeout 900 -L '^e2e$' || status=$?
for r in "$reports"/*; do
	[ -e "$r" ] || continue
	echo "run-sanitized: sanitizer report $r:" >&2
	cat "$r" >&2
	status=1
done
exit "$status"
