#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Out-of-tree module test: install shimgate into a temporary DESTDIR, build example_module.c
# against the installed headers only, and load it through `shimgate policy test`.
# Usage: oot_module.sh BUILD_DIR CC EXAMPLE_SOURCE INSTALL_PREFIX
set -eu
build=$1 cc=$2 src=$3 prefix=$4

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
chmod 0755 "$tmp"

DESTDIR="$tmp/dest" cmake --install "$build" >"$tmp/install.log" 2>&1 ||
	{ echo "FAIL: cmake --install (is everything built?)"; cat "$tmp/install.log"; exit 1; }
inc="$tmp/dest$prefix/include"
bin="$tmp/dest$prefix/bin/shimgate"
test -f "$inc/shimgate/module.h" || { echo "FAIL: no installed module.h under $inc"; exit 1; }

mkdir -m 0755 "$tmp/modules" "$tmp/policy"
# Only the installed headers: nothing from the source tree.
"$cc" -shared -fPIC -fvisibility=hidden -Wall -Wextra -Werror -I"$inc" -o "$tmp/modules/example.so" "$src"
chmod 0644 "$tmp/modules/example.so"

printf 'required permit\n' >"$tmp/policy/create"
printf 'required permit\n' >"$tmp/policy/mount"
printf '# an out-of-tree module\nrequired example deny_arg0=nsenter\n' >"$tmp/policy/exec"

request() {
	cat >"$tmp/req.json" <<JSON
{"op":"exec","namespace":"default","id":"c1","exec_id":"e1",
 "process":{"args":["$1"],"cwd":"/","user":{"uid":0,"gid":0}},"now":1700000000}
JSON
}

run() {
	"$bin" policy test --op exec --request "$tmp/req.json" --policy-dir "$tmp/policy" \
		--module-dir "$tmp/modules" >"$tmp/out" 2>&1
}

request /bin/sh
if ! run; then echo "FAIL: /bin/sh refused"; cat "$tmp/out"; exit 1; fi
grep -q '^decision: allow$' "$tmp/out" || { echo "FAIL: no allow"; cat "$tmp/out"; exit 1; }

request nsenter
set +e
run
rc=$?
set -e
[ "$rc" -eq 1 ] || { echo "FAIL: nsenter: exit $rc, want 1"; cat "$tmp/out"; exit 1; }
grep -q "^reason: example: argv\[0\] 'nsenter' is refused$" "$tmp/out" ||
	{ echo "FAIL: reason"; cat "$tmp/out"; exit 1; }

# The module directory must be safe: a world-writable one is refused with exit 2.
chmod 0777 "$tmp/modules"
set +e
run
rc=$?
set -e
[ "$rc" -eq 2 ] || { echo "FAIL: unsafe module dir: exit $rc, want 2"; cat "$tmp/out"; exit 1; }
grep -q "writable by group or others" "$tmp/out" || { echo "FAIL: message"; cat "$tmp/out"; exit 1; }
echo "ok: out-of-tree module built against installed headers and loaded"
