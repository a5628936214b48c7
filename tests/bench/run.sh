#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# shimgate benchmark: figures, never pass/fail. One command runs every measurement on this
# machine, the gate and plain runc side by side and interleaved, prints one table and writes
# the same as JSON (default tests/bench/results.json, not tracked).
#   1. in-process decision latency (bench_decision) and instructions per decision (callgrind)
#   2-5. through a private containerd (e2e.sh): State round trip direct vs through the gate,
#        ctr task exec / ctr run --rm A/B, memory of gate vs runc shim, concurrent execs
#   6. through a private dockerd on another private containerd (docker.sh): docker run --rm A/B
#
# Usage: tests/bench/run.sh BUILD_DIR [RESULTS.json]
# Root only (2-6 start a private containerd). BENCH_QUICK=1: small counts (~2 minutes).
# Counts (full / quick): SG_BENCH_EXECS (20000/3000) SG_BENCH_CREATES (2000/300) in-process
# decisions; SG_BENCH_CALLGRIND (300/100) decisions under callgrind; SG_BENCH_RTT (5000/1000)
# State calls per socket; SG_BENCH_E2E (30/6) ctr runs and docker runs per side;
# SG_BENCH_MANY (50/10) containers for memory; SG_BENCH_ROUNDS (3/1) rounds per concurrency
# level. DK_DRIVER (overlay2): the Docker part's storage driver.
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
[ $# -ge 1 ] || { echo "usage: $0 BUILD_DIR [RESULTS.json]" >&2; exit 2; }
build=$(cd "$1" && pwd)
out=${2:-$src/tests/bench/results.json}
[ "$(id -u)" = 0 ] || { echo "bench: run as root (a private containerd is started)" >&2; exit 2; }
. "$src/tests/bench/lib.sh"

R=$(mktemp -d /tmp/sg-bench-results.XXXXXX)
trap 'rm -rf "$R"' EXIT
trap 'exit 130' INT TERM

bin_decision=$build/tests/bench/bench_decision
decision_args=(--policies "$src/policies" --fixtures "$src/tests/bench/fixtures")

# 1. Decision latency in process.
decision() {
	"$bin_decision" "${decision_args[@]}" --execs "$EXECS" --creates "$CREATES" --blocks 20
}
# Instructions per decision: callgrind counts only inside the judged call (a smaller run).
instructions() {
	local k f ir sep=""
	command -v valgrind >/dev/null || { echo '{"error":"valgrind not installed"}'; return 0; }
	printf '{'
	for k in exec exec_unsigned_refused create replay_record hmac_floor; do
		f=$R/cg.$k
		valgrind --tool=callgrind --callgrind-out-file="$f" \
			--toggle-collect=sg_intercept_frame --toggle-collect=sg_bench_hmac_once \
			--toggle-collect=sg_bench_replay_once \
			"$bin_decision" "${decision_args[@]}" --execs "$CALLGRIND" \
			--creates "$CALLGRIND" --blocks 1 --only "$k" >/dev/null 2>"$f.log"
		ir=$(awk '/^(summary|totals):/ {print $2; exit}' "$f")
		printf '%s"%s":%d' "$sep" "$k" $((ir / CALLGRIND))
		sep=,
	done
	printf '}\n'
}

section decision decision
section instructions instructions
# part NAME SECTION...: tests/bench/NAME.sh in a process of its own: its cleanup
# (tests/e2e/lib.sh) runs when it ends, and a failed setup still leaves the other figures to
# print; each SECTION it did not write gets the failure as {"error": ...}.
part() {
	local name=$1 s
	shift
	if "$src/tests/bench/$name.sh" "$build" "$R" 2> >(tee "$R/$name.err" >&2); then :; else
		note "$name part failed: $(failure "$R/$name.err" 3 | tr '\n' ' ')"
	fi
	for s in "$@"; do
		[ -s "$R/$s.json" ] ||
			python3 -c 'import json,sys; print(json.dumps({"error": sys.argv[1]}))' \
				"$name setup failed: $(failure "$R/$name.err" 2 | tr '\n' ' ')" \
				>"$R/$s.json"
	done
}
# 2-5: ctr on a private containerd; 6: Docker on another one, with a private dockerd.
part e2e rtt e2e_exec e2e_run noise memory throughput
part docker docker_run
python3 "$src/tests/bench/stats.py" report "$R" "$out"
