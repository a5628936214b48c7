#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# shimgate doctor and setup on a private containerd configured like a stock Debian 12 host
# (Debian's config.toml, containerd's PATH as systemd gives it, no daemon.json): doctor reports
# each way around the gate (exit 1, --json); `ctr run --runtime io.containerd.runc.v1` really
# runs ungated there. After `shimgate setup kubernetes` and `setup docker` on private paths and
# a containerd restart with the drop-in's environment, doctor reports none (exit 0), and
# io.containerd.runc.v1 and runc.v2 containers go through the gate (audit line, the create
# stack's seccomp profile), while the legacy v1 runtime is refused.
. "$(dirname "$0")/lib.sh"
e2e_setup "$@"
. "$E2E_SRC/tests/e2e/host_lib.sh"

STOCK_PATH=$HOST_STOCK_PATH

doctor() {
	"$CLI" doctor --containerd-config "$CFG" --docker-config "$DJ" --gate "$GATE" "$@"
}

# A check's finding in the --json output: has CHECK SUBSTRING
has() {
	"$E2E_PY" - "$OUT/doctor.json" "$1" "$2" <<-'EOF'
		import json, sys
		found = json.load(open(sys.argv[1]))["findings"]
		sys.exit(0 if any(f["check"] == sys.argv[2] and sys.argv[3] in f["problem"] and f["fix"]
		                  for f in found) else 1)
	EOF
}

# ctr sets no seccomp filter without --seccomp; the gate's create stack sets its profile.
seccomp() { grep -o '^Seccomp:[[:space:]]*[0-9]' "$1" | tr -d ' \t'; }

# --- a stock host ------------------------------------------------------------------------
host_stock_config "$CFG"
mkdir -p "$E2E_TMP/nothing"
host_restart_with "$E2E_TMP/nothing:$STOCK_PATH" "$E2E_TMP/absent.conf"

# The bypass is real: runc.v1 resolves to Debian's containerd-shim-runc-v1, no gate.
ctr_ run --rm --runtime io.containerd.runc.v1 --rootfs "$E2E_ROOTFS" pre1 \
	/bin/grep Seccomp: /proc/self/status >"$OUT/pre1" 2>&1 || e2e_fail "runc.v1 run: $(cat "$OUT/pre1")"
[ "$(seccomp "$OUT/pre1")" = Seccomp:0 ] || e2e_fail "runc.v1 before setup: $(cat "$OUT/pre1")"
e2e_ok "stock host: io.containerd.runc.v1 runs ungated (no seccomp filter)"
ctr_ run --rm --runtime io.containerd.runtime.v1.linux --rootfs "$E2E_ROOTFS" prelegacy \
	/bin/grep Seccomp: /proc/self/status >"$OUT/prelegacy" 2>&1 || e2e_fail "legacy run: $(cat "$OUT/prelegacy")"
[ "$(seccomp "$OUT/prelegacy")" = Seccomp:0 ] || e2e_fail "legacy runtime before setup: $(cat "$OUT/prelegacy")"
e2e_ok "stock host: io.containerd.runtime.v1.linux runs ungated (containerd-shim, no seccomp filter)"
ctr_ run -d --runtime io.containerd.runc.v1 --rootfs "$E2E_ROOTFS" pre2 /bin/sleep 600 >/dev/null ||
	e2e_fail "runc.v1 detached run"
e2e_note_cid pre2

rc=0
doctor --shim-path "$STOCK_PATH" --config "$ETC/shimgate.conf" --dropin "$E2E_TMP/no-dropin" \
	--json >"$OUT/doctor.json" 2>"$OUT/doctor.err" || rc=$?
[ "$rc" = 1 ] || e2e_fail "doctor on a stock host: exit $rc, want 1: $(cat "$OUT/doctor.err")"
want=("shim io.containerd.runc.v2" "shim io.containerd.runc.v1" "v1-runtime /usr/bin/containerd-shim"
	"cri default handler" "task task 'pre2'" "config does not load")
# With no daemon.json, BuildKit is reported where dockerd is installed.
[ -x /usr/sbin/dockerd ] || [ -x /usr/bin/dockerd ] && want+=("buildkit BuildKit")
for c in "${want[@]}"; do
	has "${c%% *}" "${c#* }" || e2e_fail "doctor --json lacks [${c%% *}] '${c#* }': $(cat "$OUT/doctor.json")"
done
e2e_ok "stock host: doctor exits 1 and --json lists shims, v1 runtime, CRI default, BuildKit, the ungated task, no config"

# Docker runtimes and BuildKit switched on in daemon.json are reported too.
echo '{"runtimes": {"crun": {"path": "/usr/bin/crun"}}, "default-runtime": "crun", "features": {"buildkit": true}}' >"$DJ"
rc=0
doctor --shim-path "$STOCK_PATH" --dropin "$E2E_TMP/no-dropin" --json >"$OUT/doctor.json" 2>&1 || rc=$?
[ "$rc" = 1 ] && has docker "runtime 'crun'" && has docker "default-runtime is 'crun'" &&
	has buildkit "enabled" || e2e_fail "daemon.json findings: $(cat "$OUT/doctor.json")"
e2e_ok "doctor reports a Docker runtime, a default-runtime and BuildKit enabled in daemon.json"

# --- setup -------------------------------------------------------------------------------
SETUP=(--etc "$ETC" --shim-dir "$SHADOW" --policies "$E2E_SRC/policies" --containerd-config "$CFG"
	--docker-config "$DJ" --dropin "$DROPIN" --shim-path "$STOCK_PATH" --gate "$GATE"
	--audit "$AUDIT" --replay-store "$E2E_TMP/replay/setup.db")
before=$(sha256sum "$CFG" "$DJ")
"$CLI" setup kubernetes --dry-run "${SETUP[@]}" >"$OUT/dry" 2>&1 || e2e_fail "setup --dry-run: $(cat "$OUT/dry")"
[ "$(sha256sum "$CFG" "$DJ")" = "$before" ] && [ ! -e "$ETC" ] && [ ! -e "$SHADOW" ] && [ ! -e "$DROPIN" ] ||
	e2e_fail "setup --dry-run wrote something"
grep -q "^+  shim = \"$GATE\"" "$OUT/dry" &&
	grep -q '^+  default_runtime_name = "shimgate"' "$OUT/dry" || e2e_fail "dry-run diff: $(cat "$OUT/dry")"
e2e_ok "setup --dry-run prints the diff and writes nothing"

"$CLI" setup kubernetes "${SETUP[@]}" >"$OUT/setup-k8s" 2>&1 || e2e_fail "setup kubernetes: $(cat "$OUT/setup-k8s")"
"$CLI" setup docker "${SETUP[@]}" >"$OUT/setup-docker" 2>&1 || e2e_fail "setup docker: $(cat "$OUT/setup-docker")"
[ -L "$SHADOW/containerd-shim-runc-v2" ] && [ -L "$SHADOW/containerd-shim-runc-v1" ] &&
	[ "$(stat -c %a "$ETC/keys.d")" = 700 ] && [ "$(stat -c %a "$ETC/keys.d/ops1")" = 600 ] &&
	grep -qx 'runc_binary = runc' "$ETC/shimgate.conf" &&
	grep -qx 'runc_root = /var/run/docker/runtime-runc' "$ETC/shimgate.conf" ||
	e2e_fail "setup's files: $(ls -lR "$ETC" "$SHADOW"; cat "$ETC/shimgate.conf")"
"$E2E_PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["features"]["buildkit"] is False and "crun" not in d.get("runtimes",{}) and "default-runtime" not in d, d' "$DJ" ||
	e2e_fail "daemon.json after setup: $(cat "$DJ")"
"$CLI" config check --config "$ETC/shimgate.conf" >/dev/null &&
	"$CLI" policy check --config "$ETC/shimgate.conf" >/dev/null || e2e_fail "setup's shimgate.conf does not load"
e2e_ok "setup wrote ETC (conf, stacks, a 0600 key in a 0700 keys.d), the shadow links, daemon.json"

# The CLI reads the configuration the shim would: --config, else SHIMGATE_CONFIG.
[ "$(SHIMGATE_CONFIG=$ETC/shimgate.conf "$CLI" config check)" = "$ETC/shimgate.conf: ok" ] &&
	SHIMGATE_CONFIG=$ETC/shimgate.conf "$CLI" policy check >/dev/null &&
	[ "$(SHIMGATE_CONFIG=/nonexistent "$CLI" config check --config "$ETC/shimgate.conf")" = "$ETC/shimgate.conf: ok" ] ||
	e2e_fail "SHIMGATE_CONFIG in the CLI"
rc=0
SHIMGATE_CONFIG=$E2E_TMP/absent.conf "$CLI" config check >"$OUT/cfg" 2>&1 || rc=$?
[ "$rc" = 2 ] && grep -q "absent.conf" "$OUT/cfg" || e2e_fail "SHIMGATE_CONFIG of a missing file: $rc $(cat "$OUT/cfg")"
e2e_ok "config check and policy check honour SHIMGATE_CONFIG; --config wins"

# A second run changes nothing and overwrites no operator file.
echo "# operator" >>"$ETC/policy.d/exec"
sum=$(sha256sum "$ETC/policy.d/exec" "$CFG" "$DJ" "$ETC/shimgate.conf")
"$CLI" setup docker "${SETUP[@]}" >"$OUT/setup-again" 2>&1 || e2e_fail "setup again: $(cat "$OUT/setup-again")"
[ "$(sha256sum "$ETC/policy.d/exec" "$CFG" "$DJ" "$ETC/shimgate.conf")" = "$sum" ] ||
	e2e_fail "a second setup changed files: $(cat "$OUT/setup-again")"
e2e_ok "setup is idempotent and keeps the operator's files"

# Until containerd restarts, it runs with its old PATH and SHIMGATE_CONFIG: doctor says so.
rc=0
"$CLI" doctor --containerd-config "$CFG" --docker-config "$DJ" --dropin "$DROPIN" --gate "$GATE" \
	--json >"$OUT/doctor.json" 2>&1 || rc=$?
[ "$rc" = 1 ] && has restart "runs with PATH=$E2E_TMP/nothing:" && has restart "SHIMGATE_CONFIG=$E2E_TMP/absent.conf" ||
	e2e_fail "doctor before the restart: exit $rc, $(cat "$OUT/doctor.json")"
e2e_ok "after setup, before containerd restarts: doctor reports its old PATH and SHIMGATE_CONFIG"

# containerd as the drop-in starts it.
dpath=$(sed -n 's/^Environment=PATH=//p' "$DROPIN")
dconf=$(sed -n 's/^Environment=SHIMGATE_CONFIG=//p' "$DROPIN")
[ "$dpath" = "$SHADOW:$STOCK_PATH" ] && [ "$dconf" = "$ETC/shimgate.conf" ] ||
	e2e_fail "drop-in: $(cat "$DROPIN")"
host_restart_with "$dpath" "$dconf"
# setup's CRI tables load (a runtimes table without runtimes.runc would stop the CRI plugin).
ctr_ plugins ls >"$OUT/plugins" 2>&1
awk '$1 == "io.containerd.grpc.v1" && $2 == "cri" && $4 == "ok" {f=1} END {exit !f}' "$OUT/plugins" ||
	e2e_fail "the CRI plugin does not load after setup: $(grep cri "$OUT/plugins")"
e2e_ok "after setup: containerd's CRI plugin loads, default handler shimgate"

# The pre-setup task still runs on its own shim: reported until it is restarted.
rc=0
"$CLI" doctor --containerd-config "$CFG" --docker-config "$DJ" --dropin "$DROPIN" --gate "$GATE" \
	--json >"$OUT/doctor.json" 2>&1 || rc=$?
[ "$rc" = 1 ] && has task "task 'pre2'" || e2e_fail "the old ungated task: exit $rc, $(cat "$OUT/doctor.json")"
[ "$("$E2E_PY" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["findings"]))' "$OUT/doctor.json")" = 1 ] ||
	e2e_fail "after setup, more than the old task: $(cat "$OUT/doctor.json")"
e2e_ok "after setup: doctor reports only the task started before it"
ctr_ task rm -f pre2 >"$OUT/rm-pre2" 2>&1 || e2e_log "task rm -f pre2: $(cat "$OUT/rm-pre2")"
e2e_wait_for 20 "task pre2 to go" e2e_task_absent pre2
ctr_ c rm pre2 >/dev/null 2>&1 || true
# Its shim exits shortly after the delete.
shim_gone() {
	local f
	for f in /proc/[0-9]*/cmdline; do
		tr '\0' ' ' <"$f" 2>/dev/null | grep -q -- "-id pre2 -address $E2E_SOCK " && return 1
	done
	return 0
}
e2e_wait_for 20 "the shim of pre2 to exit" shim_gone

rc=0
"$CLI" doctor --containerd-config "$CFG" --docker-config "$DJ" --dropin "$DROPIN" --gate "$GATE" \
	>"$OUT/doctor.txt" 2>&1 || rc=$?
[ "$rc" = 0 ] || e2e_fail "doctor after setup: exit $rc: $(cat "$OUT/doctor.txt")"
grep -q "found no way around the gate" "$OUT/doctor.txt" || e2e_fail "doctor text: $(cat "$OUT/doctor.txt")"
e2e_ok "after setup and a restart: doctor exits 0 and finds nothing"

# --- the runtimes now ----------------------------------------------------------------------
# setup's create stack, like lib.sh's copy, allows the rootfs that ctr run --rootfs names.
e2e_allow_rootfs "$ETC/policy.d/create"
for rt in io.containerd.runc.v1 io.containerd.runc.v2; do
	id=post-${rt##*.}
	ctr_ run --rm --runtime "$rt" --rootfs "$E2E_ROOTFS" "$id" \
		/bin/grep Seccomp: /proc/self/status >"$OUT/$id" 2>&1 || e2e_fail "$rt after setup: $(cat "$OUT/$id")"
	[ "$(seccomp "$OUT/$id")" = Seccomp:2 ] || e2e_fail "$rt after setup is not rewritten: $(cat "$OUT/$id")"
	grep -q "\"op\":\"create\",\"namespace\":\"$E2E_NS\",\"container\":\"$id\"" "$AUDIT" ||
		e2e_fail "no audit line for $id: $(cat "$AUDIT" 2>&1)"
	e2e_ok "$rt after setup: through the gate (audit line, the seccomp profile set)"
done
if ctr_ run --rm --runtime io.containerd.runtime.v1.linux --rootfs "$E2E_ROOTFS" legacy /bin/true \
	>"$OUT/legacy" 2>&1; then
	e2e_fail "the legacy v1 runtime still runs a container"
fi
e2e_ok "the legacy io.containerd.runtime.v1.linux is refused: $(head -c 160 "$OUT/legacy")"

# Each later fault is reported: audit-only mode, a key readable by others.
sed -i 's/^mode = enforce/mode = audit-only/' "$ETC/shimgate.conf"
chmod 0644 "$ETC/keys.d/ops1"
chmod 0777 "$SHADOW"
rc=0
"$CLI" doctor --containerd-config "$CFG" --docker-config "$DJ" --dropin "$DROPIN" --gate "$GATE" \
	--json >"$OUT/doctor.json" 2>&1 || rc=$?
sed -i 's/^mode = audit-only/mode = enforce/' "$ETC/shimgate.conf"
chmod 0600 "$ETC/keys.d/ops1"
chmod 0755 "$SHADOW"
[ "$rc" = 1 ] && has mode audit-only && has files "keys.d/ops1" && has shim "$SHADOW: writable by group or others" ||
	e2e_fail "mode findings: $(cat "$OUT/doctor.json")"
e2e_ok "doctor reports audit-only mode, a key file readable by others, a shadow directory others can write"

# A gated container's real shim socket opened to others is reported, and so is a gate socket.
ctr_ run -d --runtime io.containerd.runc.v2 --rootfs "$E2E_ROOTFS" sock1 /bin/sleep 600 >/dev/null ||
	e2e_fail "a detached gated container"
e2e_note_cid sock1
e2e_note_socket sock1
real=$(e2e_real_socket sock1)
gate=$(e2e_address sock1)
[ -S "$real" ] && [ -S "$gate" ] || e2e_fail "sockets of sock1: real $real, gate $gate"
"$CLI" doctor --containerd-config "$CFG" --docker-config "$DJ" --dropin "$DROPIN" --gate "$GATE" \
	>"$OUT/doctor.txt" 2>&1 || e2e_fail "doctor with a gated task running: $(cat "$OUT/doctor.txt")"
mode=$(stat -c %a "$real")
chmod 0666 "$real"
chmod 0660 "$gate"
rc=0
"$CLI" doctor --containerd-config "$CFG" --docker-config "$DJ" --dropin "$DROPIN" --gate "$GATE" \
	--json >"$OUT/doctor.json" 2>&1 || rc=$?
chmod "$mode" "$real"
chmod 0600 "$gate"
[ "$rc" = 1 ] && has socket "real shim socket $real" && has socket "gate socket $gate" ||
	e2e_fail "socket findings: $(cat "$OUT/doctor.json")"
e2e_ok "a gated task passes doctor; its real shim socket 0666 and gate socket 0660 are reported"

rc=0
"$CLI" doctor --bogus >/dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] || e2e_fail "doctor usage error: exit $rc"
e2e_pass
