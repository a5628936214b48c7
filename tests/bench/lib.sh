# SPDX-License-Identifier: Apache-2.0
# What run.sh, e2e.sh and docker.sh share: the counts (full or BENCH_QUICK=1), sections whose failure
# becomes their figure, and timing of one command. Sourced.

if [ -n "${BENCH_QUICK:-}" ]; then
	: "${SG_BENCH_EXECS:=3000}" "${SG_BENCH_CREATES:=300}" "${SG_BENCH_CALLGRIND:=100}"
	: "${SG_BENCH_RTT:=1000}" "${SG_BENCH_E2E:=6}" "${SG_BENCH_MANY:=10}"
	: "${SG_BENCH_ROUNDS:=1}"
fi
EXECS=${SG_BENCH_EXECS:-20000}
CREATES=${SG_BENCH_CREATES:-2000}
CALLGRIND=${SG_BENCH_CALLGRIND:-300}
RTT=${SG_BENCH_RTT:-5000}
E2E=${SG_BENCH_E2E:-30}
MANY=${SG_BENCH_MANY:-50}
ROUNDS=${SG_BENCH_ROUNDS:-3}

note() { echo "bench: $*" >&2; }

# bench_part_args BUILD_DIR RESULTS_DIR: the arguments of a part run.sh starts (e2e.sh,
# docker.sh); sets build, R and stats.
bench_part_args() {
	[ $# -eq 2 ] || { echo "usage: $0 BUILD_DIR RESULTS_DIR" >&2; exit 2; }
	build=$(cd "$1" && pwd)
	R=$(cd "$2" && pwd)
	stats=$bench_src/tests/bench/stats.py
}

# failure FILE N: the cause in a failed step's stderr: the e2e harness's FAIL line, else the
# last N lines that are not its log.
failure() {
	local msg
	msg=$(sed -n 's/^\[[^]]*\] FAIL: //p' "$1" | head -1)
	[ -n "$msg" ] || msg=$(grep -v '^\[' "$1" | tail -"$2")
	echo "$msg"
}

# section NAME FUNCTION [ARGS]: runs it with its stdout (one JSON object) going to
# $R/NAME.json; a failure is recorded there as {"error": <its last stderr lines>}.
section() {
	local name=$1 rc=0
	shift
	note "$name ..."
	# A background subshell, so that set -e holds inside the section and an exit (e2e_fail)
	# ends the section only.
	(set -e; "$@") >"$R/$name.json" 2>"$R/$name.err" &
	wait $! || rc=$?
	if [ "$rc" != 0 ]; then
		note "$name failed: $(tail -3 "$R/$name.err" | tr '\n' ' ')"
		python3 -c 'import json,sys; print(json.dumps({"error": sys.argv[1]}))' \
			"$(failure "$R/$name.err" 5)" >"$R/$name.json"
	fi
}

# timed FILE CMD...: runs CMD (output to $R/last.out, $R/last.err) and appends
# "<milliseconds> <status>" to FILE; the first line of a failure's stderr goes to FILE.err.
timed() {
	local file=$1 t0 t1 us rc=0
	shift
	t0=${EPOCHREALTIME/./}
	"$@" </dev/null >"$R/last.out" 2>"$R/last.err" || rc=$?
	t1=${EPOCHREALTIME/./}
	us=$((t1 - t0))
	printf '%d.%03d %d\n' $((us / 1000)) $((us % 1000)) "$rc" >>"$file"
	[ "$rc" = 0 ] || head -1 "$R/last.err" >>"$file.err"
}

# rotate I F...: times each function F (argument I) into $R/F, the order rotating with I, so
# that drift hits all alike. BENCH_BEFORE, when set, names a function called with F before
# each timing (untimed): what docker.sh uses to pick the shim of the next run.
rotate() {
	local i=$1 k f
	shift
	k=$((i % $#))
	for f in "${@:k+1}" "${@:1:k}"; do
		[ -z "${BENCH_BEFORE:-}" ] || "$BENCH_BEFORE" "$f"
		timed "$R/$f" "$f" "$i"
	done
}
