#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# shimgate benchmark: figures, never pass/fail. Runs every measurement on this machine,
# gate and plain runc side by side, interleaved, and prints one table; writes the same as
# JSON (default tests/bench/results.json).
#
# Usage: tests/bench/run.sh BUILD_DIR [RESULTS.json]
# Root only (a private containerd is started and stopped by PID). Counts can be changed:
#   SG_BENCH_EXECS (20000) SG_BENCH_CREATES (2000) in-process decisions
#   SG_BENCH_RTT (5000)    State round trips per socket
#   SG_BENCH_E2E (30)      ctr task exec / ctr run --rm runs per runtime
#   SG_BENCH_MANY (50)     containers for the memory figure
#   SG_BENCH_ROUNDS (3)    rounds per concurrency level
#   SG_BENCH_KEEP=1        keep the temp dir
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
[ $# -ge 1 ] || { echo "usage: $0 BUILD_DIR [RESULTS.json]" >&2; exit 2; }
build=$(cd "$1" && pwd)
out=${2:-$src/tests/bench/results.json}
[ "$(id -u)" = 0 ] || { echo "bench: run as root" >&2; exit 2; }

EXECS=${SG_BENCH_EXECS:-20000}
CREATES=${SG_BENCH_CREATES:-2000}
RTT=${SG_BENCH_RTT:-5000}
E2E=${SG_BENCH_E2E:-30}
MANY=${SG_BENCH_MANY:-50}
ROUNDS=${SG_BENCH_ROUNDS:-3}
BENCH_NS=sgbench$$

. "$src/tests/bench/lib.sh"

R=$(mktemp -d /tmp/sg-bench-results.XXXXXX)
trap 'set +e; bench_cleanup; rm -rf "$R"' EXIT
trap 'exit 130' INT TERM

note() { echo "bench: $*" >&2; }
# section NAME FUNCTION: runs it; a failure is recorded as the section's figure.
section() {
	local name=$1
	shift
	local rc=0
	note "$name ..."
	# A background subshell, so that set -e holds inside the section.
	(set -e; "$@") >"$R/$name.json" 2>"$R/$name.err" &
	wait $! || rc=$?
	if [ "$rc" != 0 ]; then
		note "$name failed: $(tail -3 "$R/$name.err" | tr '\n' ' ')"
		python3 -c 'import json,sys; print(json.dumps({"error": sys.argv[1]}))' \
			"$(tail -5 "$R/$name.err")" >"$R/$name.json"
	fi
}

bin_decision=$build/tests/bench/bench_decision
bin_rtt=$build/tests/bench/bench_rtt

# 1. Decision latency in process, plus instruction counts (callgrind, a smaller run).
decision() {
	"$bin_decision" --policies "$src/policies" --fixtures "$src/tests/bench/fixtures" \
		--execs "$EXECS" --creates "$CREATES" --blocks 20
}
instructions() {
	local k f ir n=300 sep=""
	command -v valgrind >/dev/null || { echo '{"error":"valgrind not installed"}'; return 0; }
	printf '{'
	for k in exec exec_unsigned_refused create hmac_floor; do
		f=$R/cg.$k
		valgrind --tool=callgrind --callgrind-out-file="$f" \
			--toggle-collect=sg_intercept_frame --toggle-collect=sg_bench_hmac_once \
			"$bin_decision" --policies "$src/policies" --fixtures "$src/tests/bench/fixtures" \
			--execs $n --creates $n --blocks 1 --only "$k" >/dev/null 2>"$f.log"
		ir=$(awk '/^(summary|totals):/ {print $2; exit}' "$f")
		printf '%s"%s":%d' "$sep" "$k" $((ir / n))
		sep=,
	done
	printf '}\n'
}

# 2. Proxy overhead per call: State round trips, real shim socket vs gate socket.
rtt() {
	start_container "$RT_GATE" g-rtt
	local direct gate
	direct=$(real_socket_of g-rtt)
	gate=$(gate_socket_of g-rtt)
	[ -S "$direct" ] || { echo "real socket $direct missing" >&2; return 1; }
	"$bin_rtt" --direct "$direct" --gate "$gate" --id g-rtt --calls "$RTT" --block 50
	stop_container g-rtt
}

# Times one command in ms (EPOCHREALTIME), appends "<ms> <rc>" to FILE.
timed() {
	local file=$1 t0 t1 rc=0
	shift
	t0=$EPOCHREALTIME
	"$@" >"$R/last.out" 2>"$R/last.err" || rc=$?
	t1=$EPOCHREALTIME
	echo "$(python3 -c "print(round(($t1-$t0)*1000,3))") $rc" >>"$file"
	[ "$rc" = 0 ] || tail -1 "$R/last.err" >>"$file.err"
}

# 3a. ctr task exec through the gate (signed) vs plain, interleaved A/B.
e2e_exec() {
	local i tok
	ensure_container "$RT_PLAIN" p-main
	ensure_container "$RT_GATE" g-main
	: >"$R/exec.gate"; : >"$R/exec.plain"
	# Warm both (first exec pays page-in).
	c task exec --exec-id warm-p p-main /bin/true
	tok=$(sign_exec g-main warm-g /bin/true)
	c task exec --exec-id warm-g g-main "SHIMGATE_TOKEN=$tok" /bin/true
	for i in $(seq 1 "$E2E"); do
		sign_exec g-main "x$i" /bin/true >"$R/tok.$i"
	done
	for i in $(seq 1 "$E2E"); do
		if [ $((i % 2)) = 0 ]; then
			timed "$R/exec.plain" c task exec --exec-id "x$i" p-main /bin/true
			timed "$R/exec.gate" c task exec --exec-id "x$i" g-main \
				"SHIMGATE_TOKEN=$(cat "$R/tok.$i")" /bin/true
		else
			timed "$R/exec.gate" c task exec --exec-id "x$i" g-main \
				"SHIMGATE_TOKEN=$(cat "$R/tok.$i")" /bin/true
			timed "$R/exec.plain" c task exec --exec-id "x$i" p-main /bin/true
		fi
	done
	python3 "$src/tests/bench/stats.py" ab "$R/exec.gate" "$R/exec.plain"
}

# 3b. ctr run --rm through the gate vs plain, interleaved A/B.
e2e_run() {
	local i
	: >"$R/run.gate"; : >"$R/run.plain"
	for i in $(seq 1 "$E2E"); do
		if [ $((i % 2)) = 0 ]; then
			timed "$R/run.plain" c run --rm --runtime "$RT_PLAIN" --rootfs "$T/rootfs" "rp$i" /bin/true
			timed "$R/run.gate" c run --rm --runtime "$RT_GATE" --rootfs "$T/rootfs" "rg$i" /bin/true
		else
			timed "$R/run.gate" c run --rm --runtime "$RT_GATE" --rootfs "$T/rootfs" "rg$i" /bin/true
			timed "$R/run.plain" c run --rm --runtime "$RT_PLAIN" --rootfs "$T/rootfs" "rp$i" /bin/true
		fi
	done
	python3 "$src/tests/bench/stats.py" ab "$R/run.gate" "$R/run.plain"
}

# 3c. The noise floor of 3a/3b: the same A/B with runc on both sides (ratio should be 1).
noise() {
	local i
	ensure_container "$RT_PLAIN" p-main
	ensure_container "$RT_PLAIN" p-two
	: >"$R/aa.exec.a"; : >"$R/aa.exec.b"; : >"$R/aa.run.a"; : >"$R/aa.run.b"
	for i in $(seq 1 "$E2E"); do
		local x=a y=b
		[ $((i % 2)) = 0 ] || { x=b; y=a; }
		timed "$R/aa.exec.$x" c task exec --exec-id "aa$i" "$([ $x = a ] && echo p-main || echo p-two)" /bin/true
		timed "$R/aa.exec.$y" c task exec --exec-id "aa$i" "$([ $y = a ] && echo p-main || echo p-two)" /bin/true
		timed "$R/aa.run.$x" c run --rm --runtime "$RT_PLAIN" --rootfs "$T/rootfs" "a$x$i" /bin/true
		timed "$R/aa.run.$y" c run --rm --runtime "$RT_PLAIN" --rootfs "$T/rootfs" "a$y$i" /bin/true
	done
	printf '{"exec":%s,"run":%s}\n' \
		"$(python3 "$src/tests/bench/stats.py" ab "$R/aa.exec.a" "$R/aa.exec.b")" \
		"$(python3 "$src/tests/bench/stats.py" ab "$R/aa.run.a" "$R/aa.run.b")"
	stop_container p-two
}

# 4. Memory: gate vs the runc shim it fronts, with 1 and with MANY containers.
memory() {
	local i one
	ensure_container "$RT_GATE" g-main
	one=$(python3 "$src/tests/bench/stats.py" mem "$SG_SHIM" "$T/state" g-main)
	for i in $(seq 2 "$MANY"); do start_container "$RT_GATE" "m$i"; done
	printf '{"one":%s,"many":%s}\n' "$one" \
		"$(python3 "$src/tests/bench/stats.py" mem "$SG_SHIM" "$T/state")"
	for i in $(seq 2 "$MANY"); do stop_container "m$i"; done
}

# 5. Throughput: N concurrent execs, signed (and 1 in 4 unsigned, which must be refused)
# through the gate vs all plain; every answer checked.
batch() {
	local rt=$1 n=$2 tag=$3 i pids=() t0 t1 id
	id=$([ "$rt" = gate ] && echo g-main || echo p-main)
	for i in $(seq 1 "$n"); do
		if [ "$rt" = gate ] && [ $((i % 4)) != 0 ]; then
			echo "$(sign_exec g-main "$tag-$i" /bin/echo "ok-$i")" >"$R/ctok.$i"
		else
			: >"$R/ctok.$i"
		fi
	done
	t0=$EPOCHREALTIME
	for i in $(seq 1 "$n"); do
		if [ -s "$R/ctok.$i" ]; then
			c task exec --exec-id "$tag-$i" "$id" "SHIMGATE_TOKEN=$(cat "$R/ctok.$i")" \
				/bin/echo "ok-$i" >"$R/cout.$i" 2>&1 &
		else
			c task exec --exec-id "$tag-$i" "$id" /bin/echo "ok-$i" >"$R/cout.$i" 2>&1 &
		fi
		pids+=($!)
	done
	for i in $(seq 1 "$n"); do
		if wait "${pids[$((i - 1))]}"; then echo 0 >"$R/crc.$i"; else echo 1 >"$R/crc.$i"; fi
	done
	t1=$EPOCHREALTIME
	# expected: gate signed -> ok, gate unsigned -> refused, plain -> ok
	local good=0 bad=0 refused=0
	for i in $(seq 1 "$n"); do
		if [ "$rt" = gate ] && [ ! -s "$R/ctok.$i" ]; then
			if [ "$(cat "$R/crc.$i")" != 0 ] && grep -q shimgate "$R/cout.$i"; then
				refused=$((refused + 1))
			else
				bad=$((bad + 1))
			fi
		elif [ "$(cat "$R/crc.$i")" = 0 ] && grep -qx "ok-$i" "$R/cout.$i"; then
			good=$((good + 1))
		else
			bad=$((bad + 1))
		fi
	done
	echo "$rt $n $(python3 -c "print(round(($t1-$t0),4))") $good $refused $bad"
}
throughput() {
	local n r
	ensure_container "$RT_PLAIN" p-main
	ensure_container "$RT_GATE" g-main
	: >"$R/tput"
	for n in 1 8 32; do
		for r in $(seq 1 "$ROUNDS"); do
			if [ $((r % 2)) = 1 ]; then
				batch gate "$n" "t$n-$r-g" >>"$R/tput"
				batch plain "$n" "t$n-$r-p" >>"$R/tput"
			else
				batch plain "$n" "t$n-$r-p" >>"$R/tput"
				batch gate "$n" "t$n-$r-g" >>"$R/tput"
			fi
		done
	done
	python3 "$src/tests/bench/stats.py" tput "$R/tput"
}

section decision decision
section instructions instructions
if bench_setup "$build" "$src" 2>"$R/setup.err"; then
	section rtt rtt
	section e2e_exec e2e_exec
	section e2e_run e2e_run
	section noise noise
	section memory memory
	section throughput throughput
else
	note "setup failed: $(tail -3 "$R/setup.err" | tr '\n' ' ')"
	for s in rtt e2e_exec e2e_run noise memory throughput; do
		echo '{"error":"private containerd setup failed"}' >"$R/$s.json"
	done
fi
python3 "$src/tests/bench/stats.py" report "$R" "$out"
