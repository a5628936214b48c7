#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# 10,000 requests one after the other on the gate's socket (a raw ttrpc client; ctr would
# take ~20 minutes): State forwarded to the real shim and unsigned Exec refused by the gate,
# alternating. Every answer is right, every Exec decision is audited, and the gate's memory
# is flat: its VmRSS after the 10,000 is that after the first 2,000, within a small margin.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault_lib.sh"
e2e_setup "$@"

N=${SG_LOAD_N:-10000} MARK=${SG_LOAD_MARK:-2000}
# The gate trims its heap when it starts; its working set is back after a few hundred calls,
# so the mark is past that. A leak of 32 bytes per request would show as ~250 kB over the
# 8,000 after it.
MARGIN_KB=128

e2e_start c1
gate=$(fault_gate_pid c1) || e2e_fail "no gate process for c1"
gsock=$(e2e_address c1) || e2e_fail "no address file for c1"
e2e_process c1 "$E2E_TMP/process.json" -- /bin/touch /tmp/load.ran
denies0=$(fault_audit_count exec deny)

t0=$(date +%s)
timeout 240 "$E2E_PY" "$FAULT_TTRPC" load --socket "$gsock" --id c1 \
	--process "$E2E_TMP/process.json" --count "$N" --mark "$MARK" --pid "$gate" \
	>"$E2E_TMP/out/load" 2>&1 || e2e_fail "the load client failed: $(cat "$E2E_TMP/out/load")"
elapsed=$(($(date +%s) - t0))
e2e_ok "$N requests answered right in $elapsed s ($((N / 2)) State forwarded, $((N / 2)) unsigned Exec refused)"
[ ! -e "$(e2e_marker load.ran)" ] || e2e_fail "a refused Exec of the load ran"

denies=$(($(fault_audit_count exec deny) - denies0))
[ "$denies" -eq $((N / 2)) ] || e2e_fail "the audit trail has $denies refused execs, want $((N / 2))"
e2e_ok "the audit trail has all $denies refusals"

read -r rss_mark rss_end < <(sed -n 's/^rss_mark=\([0-9]*\) rss_end=\([0-9]*\)$/\1 \2/p' "$E2E_TMP/out/load")
[ -n "$rss_mark" ] && [ -n "$rss_end" ] || e2e_fail "no RSS figures from the client: $(cat "$E2E_TMP/out/load")"
if [ -n "${SHIMGATE_SANITIZED:-}" ]; then
	# ASan keeps freed memory in quarantine, so RSS grows by design; its leak checker
	# examines the gate when it exits instead (tests/run-sanitized.sh fails on any report).
	e2e_log "sanitized build: VmRSS $rss_mark -> $rss_end kB not compared (LeakSanitizer checks at exit)"
else
	[ "$rss_end" -le $((rss_mark + MARGIN_KB)) ] ||
		e2e_fail "the gate's VmRSS grew from $rss_mark kB after $MARK requests to $rss_end kB after $N"
	e2e_ok "the gate's VmRSS: $rss_mark kB after $MARK requests, $rss_end kB after $N (margin $MARGIN_KB kB)"
fi

fault_alive "$gate" || e2e_fail "the gate died"
e2e_exec_signed_ok c1 after still-serving /bin/echo still-serving
e2e_pass
