#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# A client of the gate socket that stalls (half a frame, then silence), floods (frames sent
# without reading the answers) and sends frames at, past and far past the 4 MiB limit: the
# gate answers each oversized frame with InvalidArgument naming the limit, pushes back on the
# flood instead of buffering it, keeps serving containerd meanwhile (signed exec runs,
# unsigned refused), and its memory stays bounded.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault_lib.sh"
e2e_setup "$@"

RSS_LIMIT_KB=$((64 * 1024))

e2e_start c1
gate=$(fault_gate_pid c1) || e2e_fail "no gate process for c1"
gsock=$(e2e_address c1) || e2e_fail "no address file for c1"
rss0=$(fault_rss_kb "$gate")
e2e_ok "c1: gate pid $gate on $gsock, VmRSS ${rss0} kB"

ready=$E2E_TMP/abuse.ready hold=$E2E_TMP/abuse.hold
: >"$hold"
timeout 240 "$E2E_PY" "$FAULT_TTRPC" abuse --socket "$gsock" --id c1 --pid "$gate" \
	--ready "$ready" --hold "$hold" >"$E2E_TMP/out/abuse" 2>&1 &
abuser=$!
e2e_wait_for 120 "the abusive client to set up its connections" \
	sh -c "test -e '$ready' || ! kill -0 $abuser"
[ -e "$ready" ] || e2e_fail "the abusive client ended early: $(cat "$E2E_TMP/out/abuse")"
e2e_ok "stalled and flooding connections open, oversized frames sent"

# While the stall and the flood hold their connections, containerd is served.
fault_alive "$gate" || e2e_fail "the gate died under the abuse"
e2e_exec_signed_ok c1 s1 served-during-abuse /bin/echo served-during-abuse
fault_exec_unsigned_refused c1 u1 "unsigned exec during the abuse"
rss=$(fault_rss_kb "$gate")
[ "$rss" -lt "$RSS_LIMIT_KB" ] || e2e_fail "the gate's VmRSS is $rss kB under abuse"
e2e_ok "the gate's VmRSS is $rss kB with the stall and the flood open"

rm -f "$hold"
rc=0
wait "$abuser" || rc=$?
sed "s/^/[$E2E_NAME]   abuse: /" "$E2E_TMP/out/abuse"
[ "$rc" -eq 0 ] || e2e_fail "the abusive client saw wrong answers (status $rc)"
e2e_ok "every oversized frame got InvalidArgument naming the limit, the flood was pushed back then answered"
rss_max=$(sed -n 's/^rss_max=//p' "$E2E_TMP/out/abuse")
[ -n "$rss_max" ] && [ "$rss_max" -lt "$RSS_LIMIT_KB" ] ||
	e2e_fail "the gate's VmRSS reached ${rss_max:-?} kB during the abuse (limit $RSS_LIMIT_KB)"
e2e_ok "the gate's largest VmRSS during the abuse was $rss_max kB (< $RSS_LIMIT_KB)"

fault_alive "$gate" || e2e_fail "the gate died after the abuse"
e2e_exec_signed_ok c1 s2 served-after-abuse /bin/echo served-after-abuse
e2e_ok "gate pid $gate still serves after the abusive client left (VmRSS $(fault_rss_kb "$gate") kB)"
e2e_pass
