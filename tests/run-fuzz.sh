#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Builds the libFuzzer harnesses (clang, ASan + UBSan) and runs each for a while.
#
# Usage: tests/run-fuzz.sh [SECONDS_EACH [HARNESS...]]
#   SECONDS_EACH  how long each harness runs (default 60)
#   HARNESS       names from tests/fuzz/CMakeLists.txt (default: all of them)
# Environment: SHIMGATE_FUZZ_BUILD (build dir, default <src>/build-fuzz),
#              SHIMGATE_FUZZ_ARTIFACTS (where crashing inputs go, default <build>/fuzz-artifacts).
#
# The checked-in corpus (tests/fuzz/corpus/<name>) seeds each run and is never written to:
# what a run discovers goes to a scratch corpus that is removed afterwards. A crash, leak,
# timeout or harness check failure leaves its input in the artifacts directory and makes the
# script exit 1, after every harness ran. Add such an input to the corpus as a regression seed
# once the bug is fixed (fuzz-replay then runs it in every build).
set -eu

src=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-60}
[ $# -gt 0 ] && shift
build=${SHIMGATE_FUZZ_BUILD:-$src/build-fuzz}
artifacts=${SHIMGATE_FUZZ_ARTIFACTS:-$build/fuzz-artifacts}

case $secs in
'' | *[!0-9]*) echo "run-fuzz: SECONDS_EACH must be a number, not '$secs'" >&2; exit 2 ;;
esac

cmake -S "$src" -B "$build" -DCMAKE_C_COMPILER=clang -DSHIMGATE_FUZZ=ON \
	-DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null

if [ $# -gt 0 ]; then
	harnesses=$*
else
	# Every harness has its corpus directory.
	harnesses=
	for d in "$src"/tests/fuzz/corpus/*/; do
		harnesses="$harnesses $(basename "$d")"
	done
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/sg-run-fuzz.XXXXXX")
# The harnesses make their scratch directories under TMPDIR; a crash cannot remove its own.
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
mkdir -p "$artifacts" "$work/tmp"

export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=0
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

failed=
printf '%-14s %8s %10s %8s %8s  %s\n' harness seconds execs exec/s cov result
for h in $harnesses; do
	bin=$build/tests/fuzz/fuzz_$h
	seeds=$src/tests/fuzz/corpus/$h
	if [ ! -x "$bin" ] || [ ! -d "$seeds" ]; then
		echo "run-fuzz: no harness '$h'" >&2
		exit 2
	fi
	mkdir -p "$work/corpus/$h"
	# libFuzzer takes one dictionary: the ones that fit this input, joined.
	case $h in
	frame | task_*) dicts="frame oci" ;;
	exec_process | config_json) dicts=oci ;;
	signer_request) dicts=signer ;;
	json_u64) dicts="json_u64 oci" ;;
	exec_fast) dicts="exec_fast json_u64 oci" ;;
	*) dicts=$h ;;
	esac
	for d in $dicts; do cat "$src/tests/fuzz/dict/$d.dict"; done >"$work/$h.dict"
	log=$work/$h.log
	start=$(date +%s)
	# -timeout: an input taking longer is a hang, reported like a crash.
	if TMPDIR=$work/tmp "$bin" -max_total_time="$secs" -timeout=25 -print_final_stats=1 \
		-dict="$work/$h.dict" -artifact_prefix="$artifacts/$h-" "$work/corpus/$h" "$seeds" \
		>"$log" 2>&1; then
		result=ok
	else
		result=FAILED
		failed="$failed $h"
		cp "$log" "$artifacts/$h.log"
	fi
	end=$(date +%s)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | sed 's/cov: //')
	el=$((end - start))
	printf '%-14s %8s %10s %8s %8s  %s\n' "$h" "$el" "${execs:-?}" \
		"$(( ${execs:-0} / (el > 0 ? el : 1) ))" "${cov:-?}" "$result"
done

if [ -n "$failed" ]; then
	echo "run-fuzz: failures in:$failed; inputs and logs in $artifacts" >&2
	exit 1
fi
