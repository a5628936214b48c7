#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The replay store in trouble: on a full file system, on a read-only one, and out of slots.
# A gate allocates its whole store when it starts, so a running gate is not affected by the
# file system filling up or turning read-only (its signed execs run, replays are still
# caught) and never crashes; a gate that cannot open or allocate its store does not start,
# so the container is refused with the reason; a store without a free slot refuses signed
# calls with the reason. Each case recovers once fixed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault_lib.sh"
e2e_setup "$@"

store_dir=$E2E_TMP/replay
store=$store_dir/replay.db
# 65536 slots of 24 bytes: a 1.5 MiB store on a 2 MiB file system.
fault_mount_tmpfs "$store_dir" 2m

# --- Full file system --------------------------------------------------------------------
e2e_start c1
gate=$(fault_gate_pid c1) || e2e_fail "no gate process for c1"
[ "$(du -k "$store" | cut -f1)" -ge 1536 ] ||
	e2e_fail "the gate's store is sparse ($(du -k "$store" | cut -f1) kB of $(stat -c %s "$store") bytes)"
e2e_ok "the gate allocated its whole replay store ($(du -k "$store" | cut -f1) kB)"
fault_fill "$store_dir"
e2e_ok "the store's file system is full"

# Signed execs land in random slots of the store: all must run, none may crash the gate.
for i in 1 2 3 4 5 6 7 8; do
	e2e_exec_signed_ok c1 "full$i" "ran-full-$i" /bin/echo "ran-full-$i"
done
fault_alive "$gate" || e2e_fail "the gate of c1 died with its store's file system full"
# The same token again (its exec id is free once the first exec was deleted): a replay.
tok=$(e2e_sign_exec c1 again -- /bin/echo once)
e2e_exec c1 again "$tok" /bin/echo once || e2e_fail "exec 'again' failed: $(cat "$E2E_ERR")"
rc=0
e2e_exec c1 again "$tok" /bin/echo once || rc=$?
e2e_expect_refused "$rc" "replayed signature" "" "the same token a second time, store's file system full"
fault_alive "$gate" || e2e_fail "the gate of c1 died"
e2e_ok "gate pid $gate of c1 alive: 9 signed execs ran and a replay was caught on a full file system"

# A new gate whose store must be made on the full file system does not start.
fault_config_set replay_store "$store_dir/second.db"
fault_run_refused c2 \
	"replay store $store_dir/second.db: cannot allocate .*No space left on device" \
	"create of c2 with no room for its replay store"
rm -f "$store_dir/fill"
mount -o remount,size=4m "$store_dir" || e2e_fail "growing the tmpfs on $store_dir"
e2e_start c2
e2e_exec_signed_ok c2 s1 c2-runs /bin/echo c2-runs
e2e_ok "with room made, c2 starts and its signed exec runs"
fault_config_set replay_store "$store"

# --- Read-only file system ---------------------------------------------------------------
fault_mount_readonly "$store_dir"
touch "$store_dir/probe" 2>/dev/null && e2e_fail "$store_dir is still writable"
e2e_exec_signed_ok c1 ro1 ran-ro-1 /bin/echo ran-ro-1
tok=$(e2e_sign_exec c1 ro2 -- /bin/echo ro-once)
e2e_exec c1 ro2 "$tok" /bin/echo ro-once || e2e_fail "exec ro2 failed: $(cat "$E2E_ERR")"
rc=0
e2e_exec c1 ro2 "$tok" /bin/echo ro-once || rc=$?
e2e_expect_refused "$rc" "replayed signature" "" "the same token a second time, store read-only"
fault_alive "$gate" || e2e_fail "the gate of c1 died with its store read-only"
e2e_ok "a running gate keeps its open store: signed exec runs and a replay is caught"
fault_run_refused c3 "replay store $store: Read-only file system" \
	"create of c3 with a read-only replay store"
umount "$store_dir" || e2e_fail "umount the read-only bind of $store_dir"
e2e_start c3
e2e_exec_signed_ok c3 s1 c3-runs /bin/echo c3-runs
e2e_ok "writable again, c3 starts and its signed exec runs"

# --- No free slot ------------------------------------------------------------------------
# Two slots: the create takes one, exec s1 (signed 110 s ago, so its slot frees 11 s from
# now) the other; s2 then finds no free slot. Once s1's slot expires, s3 runs.
fault_config_set replay_store "$E2E_TMP/replay-small/replay.db"
fault_config_set replay_capacity 2
e2e_start c4
fault_config_set replay_store "$store"
fault_config_set replay_capacity 65536
gate4=$(fault_gate_pid c4) || e2e_fail "no gate process for c4"
signed_at=$(($(date +%s) - 110))
tok=$(e2e_sign_exec c4 s1 --timestamp "$signed_at" -- /bin/echo s1-ran)
e2e_exec c4 s1 "$tok" /bin/echo s1-ran || e2e_fail "exec s1 in c4 failed: $(cat "$E2E_ERR")"
grep -qx s1-ran "$E2E_OUT" || e2e_fail "exec s1 in c4 printed '$(cat "$E2E_OUT")'"
e2e_ok "c4 (a store of 2 slots): the create and signed exec s1 took both slots"
fault_exec_signed_refused c4 s2 "cannot record the nonce: replay store full" s2-ran \
	"signed exec s2 with every slot of the store in use"
fault_assert_reason "replay store full" "signed exec s2 with no free slot"
fault_alive "$gate4" || e2e_fail "the gate of c4 died with its store full"
e2e_wait_for 20 "the slot of exec s1 to expire" fault_time_after $((signed_at + 121))
e2e_exec_signed_ok c4 s3 s3-ran /bin/echo s3-ran
e2e_ok "once a slot expired, the next signed exec of c4 ran"
e2e_pass
