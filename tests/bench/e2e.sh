#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The bench's end-to-end part, run by run.sh: a private containerd (tests/e2e/lib.sh: own
# root, state, socket and namespace under a temp dir, CRI off, the build's shim first on PATH,
# SHIMGATE_CONFIG set), then the gate against plain runc, interleaved A/B, on the same
# containerd. Each section writes RESULTS_DIR/<section>.json; cleanup (by PID, bounded) is
# tests/e2e/lib.sh's.
#
# Usage: tests/bench/e2e.sh BUILD_DIR RESULTS_DIR
set -euo pipefail
bench_src=$(cd "$(dirname "$0")/../.." && pwd)
. "$bench_src/tests/bench/lib.sh"
bench_part_args "$@"
. "$bench_src/tests/e2e/lib.sh"

bin_rtt=$build/tests/bench/bench_rtt
RT_GATE=$E2E_RUNTIME
RT_PLAIN=$E2E_RUNC_RUNTIME

# bench_start RUNTIME ID: a detached container that sleeps through the bench (the gate's
# create signed, as the shipped create stack wants).
bench_start() {
	E2E_RUN_RUNTIME=$1 e2e_run "$2" -d -- /bin/sleep 100000 ||
		e2e_fail "ctr run -d $2 ($1): $(cat "$E2E_ERR")"
	e2e_wait_for 20 "task $2 to run" e2e_task_running "$2"
}

bench_stop() {
	ctr_ task rm -f "$1" >/dev/null 2>&1 || true
	ctr_ c rm "$1" >/dev/null 2>&1 || true
}

# The shipped create policy rewrites the spec (seccomp profile, fewer capabilities,
# no_new_privileges), and runc pays for that at every start and exec (it loads the seccomp
# filter). SAME_SPEC: the ctr run options that give plain runc the spec the gate made for
# g-main, so that "gate vs runc, same spec" is the cost of the gate alone, and "gate vs
# runc, default spec" that of gate and policy together.
same_spec_options() {
	local gate_cfg plain_cfg
	gate_cfg=$(e2e_bundle g-main)/config.json
	plain_cfg=$(e2e_bundle p-main)/config.json
	mapfile -t SAME_SPEC < <(/usr/bin/python3 - "$gate_cfg" "$plain_cfg" "$E2E_TMP/gate-seccomp.json" <<-'EOF'
		import json, sys
		gate, plain = (json.load(open(p)) for p in sys.argv[1:3])
		seccomp = gate["linux"].get("seccomp")
		if seccomp:
		    json.dump(seccomp, open(sys.argv[3], "w"))
		    print("--seccomp")
		    print("--seccomp-profile=" + sys.argv[3])
		caps = lambda s: set(s["process"].get("capabilities", {}).get("bounding", []))
		for c in sorted(caps(plain) - caps(gate)):
		    print("--cap-drop=" + c)
		if not gate["process"].get("noNewPrivileges"):
		    print("--allow-new-privs")
	EOF
	)
}

start_same_spec() {
	same_spec_options
	e2e_note_cid "$1"
	ctr_ run -d --runtime "$RT_PLAIN" "${SAME_SPEC[@]}" --rootfs "$E2E_ROOTFS" "$1" \
		/bin/sleep 100000 >/dev/null || e2e_fail "ctr run -d $1 with the gate's spec"
	e2e_wait_for 20 "task $1 to run" e2e_task_running "$1"
}

# 2. Proxy overhead per call: State round trips on the runc shim's socket vs the gate's, and
# what the gate spent on them (CPU time, wake-ups; bench_rtt warms up with 20 calls a side).
rtt() {
	local direct gate pid
	direct=$(e2e_real_socket g-main)
	gate=$(e2e_address g-main)
	[ -S "$direct" ] || e2e_fail "the runc shim socket $direct of g-main is missing"
	pid=$(e2e_socket_owner "$gate") || e2e_fail "no gate listens for g-main"
	python3 "$stats" snap "$pid" >"$R/rtt.before"
	"$bin_rtt" --direct "$direct" --gate "$gate" --id g-main --calls "$RTT" --block 50 \
		>"$R/rtt.raw"
	python3 "$stats" snap "$pid" >"$R/rtt.after"
	python3 "$stats" rttcost "$R/rtt.raw" "$R/rtt.before" "$R/rtt.after" $((RTT + 20))
}

# 3a. ctr task exec /bin/true: signed through the gate (g-main), plain runc with the same
# spec (p-same), plain runc with ctr's default spec (p-main). Signing is not timed.
exec_gate() { ctr_ task exec --exec-id "x$1" g-main "SHIMGATE_TOKEN=$TOK" /bin/true; }
exec_same() { ctr_ task exec --exec-id "x$1" p-same /bin/true; }
exec_plain() { ctr_ task exec --exec-id "x$1" p-main /bin/true; }
e2e_exec_abc() {
	local i
	TOK=$(e2e_sign_exec g-main x0 -- /bin/true)
	exec_gate 0 >/dev/null # warm-up: the first exec pays page-ins
	exec_same 0 >/dev/null
	exec_plain 0 >/dev/null
	for i in $(seq 1 "$E2E"); do
		TOK=$(e2e_sign_exec g-main "x$i" -- /bin/true)
		rotate "$i" exec_gate exec_same exec_plain
	done
	printf '{"same_spec":%s,"default_spec":%s,"spec_check":%s}\n' \
		"$(python3 "$stats" ab "$R/exec_gate" "$R/exec_same")" \
		"$(python3 "$stats" ab "$R/exec_gate" "$R/exec_plain")" \
		"$(python3 "$stats" specdiff "$(e2e_bundle g-main)/config.json" \
			"$(e2e_bundle p-same)/config.json")"
}

# 3b. ctr run --rm /bin/true, a shim per run; the gate's create is signed before timing.
run_gate() {
	ctr_ run --rm --runtime "$RT_GATE" --annotation "io.shimgate.token=$TOK" \
		--rootfs "$E2E_ROOTFS" "rg$1" /bin/true
}
run_same() {
	ctr_ run --rm --runtime "$RT_PLAIN" "${SAME_SPEC[@]}" --rootfs "$E2E_ROOTFS" "rs$1" /bin/true
}
run_plain() { ctr_ run --rm --runtime "$RT_PLAIN" --rootfs "$E2E_ROOTFS" "rp$1" /bin/true; }
e2e_run_abc() {
	local i
	for i in $(seq 1 "$E2E"); do
		e2e_spec "rg$i" -- /bin/true
		TOK=$(e2e_sign_create "rg$i")
		e2e_note_cid "rg$i"
		e2e_note_cid "rs$i"
		e2e_note_cid "rp$i"
		rotate "$i" run_gate run_same run_plain
	done
	printf '{"same_spec":%s,"default_spec":%s}\n' \
		"$(python3 "$stats" ab "$R/run_gate" "$R/run_same")" \
		"$(python3 "$stats" ab "$R/run_gate" "$R/run_plain")"
}

# 3c. The noise floor of 3a/3b: the same A/B with plain runc on both sides.
noise_exec_a() { ctr_ task exec --exec-id "na$1" p-main /bin/true; }
noise_exec_b() { ctr_ task exec --exec-id "nb$1" p-two /bin/true; }
noise_run_a() { ctr_ run --rm --runtime "$RT_PLAIN" --rootfs "$E2E_ROOTFS" "na$1" /bin/true; }
noise_run_b() { ctr_ run --rm --runtime "$RT_PLAIN" --rootfs "$E2E_ROOTFS" "nb$1" /bin/true; }
noise() {
	local i
	bench_start "$RT_PLAIN" p-two
	for i in $(seq 1 "$E2E"); do
		e2e_note_cid "na$i"
		e2e_note_cid "nb$i"
		rotate "$i" noise_exec_a noise_exec_b
		rotate "$i" noise_run_a noise_run_b
	done
	bench_stop p-two
	printf '{"exec":%s,"run":%s}\n' \
		"$(python3 "$stats" ab "$R/noise_exec_a" "$R/noise_exec_b")" \
		"$(python3 "$stats" ab "$R/noise_run_a" "$R/noise_run_b")"
}

# 4. Memory: each gate against the runc shim it fronts, with 1 and with MANY containers.
memory() {
	local i one
	one=$(python3 "$stats" mem "$E2E_SOCK" "$E2E_NS" g-main)
	for i in $(seq 2 "$MANY"); do bench_start "$RT_GATE" "m$i"; done
	printf '{"one":%s,"many":%s}\n' "$one" "$(python3 "$stats" mem "$E2E_SOCK" "$E2E_NS")"
	for i in $(seq 2 "$MANY"); do bench_stop "m$i"; done
}

# 5. Throughput. batch RT N TAG [unsigned]: N concurrent execs of `echo ok-<i>`, through the
# gate (signed, unless "unsigned") or into plain runc with the same spec; every answer is
# checked: an allowed exec must print its line, an unsigned one through the gate must be
# refused by the gate. Prints
# "<kind> <n> <seconds> <allowed ok> <refused ok> <wrong> <gate CPU us>": the gate's own CPU
# time (GATE_PID, all threads, from schedstat in ns) is a figure the machine's load does not
# blur.
# wrong_answer WHAT I: kept with the figures (stats.py puts tput.wrong in the JSON).
wrong_answer() {
	note "$1"
	printf '%s: %s\n' "$1" "$(head -c 300 "$R/tput.$2.out" | tr '\n' ' ')" >>"$R/tput.wrong"
}
cpu_us() { cat /proc/"$1"/task/*/schedstat | awk '{ns += $1} END {print int(ns / 1000)}'; }
batch() {
	local rt=$1 n=$2 tag=$3 unsigned=${4:-} i id=p-same kind=$1 t0 t1 us c0 c1
	local ok=0 refused=0 wrong=0 pids=() toks=()
	if [ "$rt" = gate ]; then
		id=g-main
		[ -z "$unsigned" ] || kind=gate_unsigned
	fi
	for i in $(seq 1 "$n"); do
		toks[i]=
		if [ "$rt" = gate ] && [ -z "$unsigned" ]; then
			toks[i]=SHIMGATE_TOKEN=$(e2e_sign_exec g-main "$tag-$i" -- /bin/echo "ok-$i")
		fi
	done
	c0=$(cpu_us "$GATE_PID")
	t0=${EPOCHREALTIME/./}
	for i in $(seq 1 "$n"); do
		ctr_ task exec --exec-id "$tag-$i" "$id" ${toks[i]:+"${toks[i]}"} /bin/echo "ok-$i" \
			</dev/null >"$R/tput.$i.out" 2>&1 &
		pids[i]=$!
	done
	for i in $(seq 1 "$n"); do
		if wait "${pids[i]}"; then echo 0 >"$R/tput.$i.rc"; else echo 1 >"$R/tput.$i.rc"; fi
	done
	t1=${EPOCHREALTIME/./}
	c1=$(cpu_us "$GATE_PID")
	for i in $(seq 1 "$n"); do
		if [ "$kind" = gate_unsigned ]; then
			if [ "$(cat "$R/tput.$i.rc")" != 0 ] && grep -q 'shimgate:' "$R/tput.$i.out"; then
				refused=$((refused + 1))
			else
				wrong=$((wrong + 1))
				wrong_answer "$tag-$i: unsigned exec not refused by the gate" "$i"
			fi
		elif [ "$(cat "$R/tput.$i.rc")" = 0 ] && [ "$(cat "$R/tput.$i.out")" = "ok-$i" ]; then
			ok=$((ok + 1))
		else
			wrong=$((wrong + 1))
			wrong_answer "$tag-$i ($kind): status $(cat "$R/tput.$i.rc")" "$i"
		fi
	done
	us=$((t1 - t0))
	[ "$rt" = gate ] || c1=$c0
	printf '%s %d %d.%06d %d %d %d %d\n' "$kind" "$n" $((us / 1000000)) $((us % 1000000)) \
		"$ok" "$refused" "$wrong" $((c1 - c0))
}
throughput() {
	local n r
	GATE_PID=$(e2e_socket_owner "$(e2e_address g-main)") || e2e_fail "no gate listens for g-main"
	: >"$R/tput"
	: >"$R/tput.wrong"
	for n in 1 8 32; do
		for r in $(seq 1 "$ROUNDS"); do
			if ((r % 2)); then
				batch gate "$n" "t$n-$r-g" >>"$R/tput"
				batch plain "$n" "t$n-$r-p" >>"$R/tput"
			else
				batch plain "$n" "t$n-$r-p" >>"$R/tput"
				batch gate "$n" "t$n-$r-g" >>"$R/tput"
			fi
		done
		batch gate "$n" "t$n-u" unsigned >>"$R/tput"
	done
	python3 "$stats" tput "$R/tput"
}

e2e_setup "$build/plugin" "$build/plugin/shimgate" >&2
# Figures, not diagnostics: the gate and containerd at their usual log levels.
sed -i 's/^log_level = .*/log_level = warn/' "$E2E_CONF"
sed -i '/^\[debug\]/,/level/d' "$E2E_TMP/config.toml"
e2e_restart_containerd >&2
bench_start "$RT_GATE" g-main >&2
bench_start "$RT_PLAIN" p-main >&2
start_same_spec p-same >&2

section rtt rtt
section e2e_exec e2e_exec_abc
section e2e_run e2e_run_abc
section noise noise
section memory memory
section throughput throughput
