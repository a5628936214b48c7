#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Independent reproduction of the shimgate signature test vectors (FORMAT.md).

Builds the signing input from each vector's request envelope with nothing but the Python
standard library, checks it against the recorded signing_input, recomputes the
HMAC-SHA256 token, and checks it against the recorded token. Written from FORMAT.md, not
from the C code.
"""
import glob
import hashlib
import hmac
import json
import os
import sys


def enc_value(v):
    b = v.encode("utf-8")
    return str(len(b)).encode() + b":" + b + b"\n"


def scalar(name, v):
    if v is None:
        return name.encode() + b" -\n"
    return name.encode() + b" " + enc_value(v)


def lst(name, items):
    if items is None:
        return name.encode() + b" -\n"
    out = name.encode() + b" *" + str(len(items)).encode() + b"\n"
    for it in items:
        out += enc_value(it)
    return out


def process_fields(proc, env):
    user = proc.get("user", {})
    gids = user.get("additionalGids")
    out = lst("args", proc.get("args"))
    out += scalar("cwd", proc.get("cwd"))
    out += scalar("uid", str(user.get("uid", 0)))
    out += scalar("gid", str(user.get("gid", 0)))
    out += lst("additional-gids", None if gids is None else [str(g) for g in gids])
    out += scalar("terminal", "true" if proc.get("terminal", False) else "false")
    out += lst("env", env)
    return out


def is_host_mount(m):
    opts = m.get("options") or []
    return m.get("type") == "bind" or "bind" in opts or "rbind" in opts


def signing_input(vec):
    req = vec["request"]
    op = req["op"]
    out = b"shimgate-signature-v1\n"
    out += scalar("op", op)
    out += scalar("namespace", req["namespace"])
    out += scalar("container", req["id"])
    out += scalar("key-id", vec["key_id"])
    out += scalar("timestamp", str(vec["timestamp"]))
    out += scalar("nonce", vec["nonce"])
    if op == "exec":
        proc = req["process"]
        out += scalar("exec-id", req.get("exec_id") if vec["bind_exec_id"] else None)
        base = req.get("container", {}).get("process", {}).get("env", [])
        env = proc.get("env")
        added = [e for e in (env or []) if e not in base]  # always a list (FORMAT.md field 14)
        out += process_fields(proc, added)
    elif op == "create":
        spec = req["spec"]
        proc = spec["process"]
        out += process_fields(proc, proc.get("env"))
        hosts = [m for m in spec.get("mounts", []) if is_host_mount(m)]
        out += b"mounts *" + str(len(hosts)).encode() + b"\n"
        for m in hosts:
            out += scalar("type", m.get("type"))
            out += scalar("source", m.get("source"))
            out += scalar("destination", m.get("destination"))
            out += lst("options", m.get("options"))
    else:
        raise ValueError("no signing input for op %r" % op)
    return out


def hkdf_sha256(ikm, salt, info, length):
    """RFC 5869, by hand: extract, then expand."""
    prk = hmac.new(salt, ikm, hashlib.sha256).digest()
    out, block, i = b"", b"", 1
    while len(out) < length:
        block = hmac.new(prk, block + info + bytes([i]), hashlib.sha256).digest()
        out += block
        i += 1
    return out[:length]


def host_key(vec):
    """FORMAT.md section 6: salt "shimgate-host-key-v1", info key-id NUL node, 32 bytes."""
    info = vec["key_id"].encode() + b"\x00" + vec["node"].encode()
    return hkdf_sha256(bytes.fromhex(vec["master_hex"]), b"shimgate-host-key-v1", info, 32)


def token(vec, data, key=None):
    key = key if key is not None else bytes.fromhex(vec["key_hex"])
    mac = hmac.new(key, data, hashlib.sha256).hexdigest()
    return "sg1.%s.%d.%s.%s" % (vec["key_id"], vec["timestamp"], vec["nonce"], mac)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    files = sorted(glob.glob(os.path.join(here, "*.json")))
    if len(files) < 6:
        print("want at least 6 vectors, found %d" % len(files))
        return 1
    failed = 0
    inputs = {}
    for path in files:
        with open(path, encoding="utf-8") as f:
            vec = json.load(f)
        name = os.path.basename(path)
        data = signing_input(vec)
        if data != vec["signing_input"].encode("utf-8"):
            print("FAIL %s: signing input differs\n--- computed\n%s--- recorded\n%s"
                  % (name, data.decode(), vec["signing_input"]))
            failed += 1
            continue
        if token(vec, data) != vec["token"]:
            print("FAIL %s: token differs" % name)
            failed += 1
            continue
        if data in inputs:
            print("FAIL %s: same signing input as %s" % (name, inputs[data]))
            failed += 1
            continue
        inputs[data] = name
        print("ok   %s" % name)
    return 1 if failed + check_host_keys(here) else 0


def check_host_keys(here):
    files = sorted(glob.glob(os.path.join(here, "hostkeys", "*.json")))
    if len(files) < 3:
        print("want at least 3 host-key vectors, found %d" % len(files))
        return 1
    failed = 0
    keys = {}
    for path in files:
        with open(path, encoding="utf-8") as f:
            vec = json.load(f)
        name = "hostkeys/" + os.path.basename(path)
        key = host_key(vec)
        if key.hex() != vec["host_key_hex"]:
            print("FAIL %s: host key differs" % name)
            failed += 1
            continue
        if token(vec, signing_input(vec), key) != vec["token"]:
            print("FAIL %s: token under the host key differs" % name)
            failed += 1
            continue
        if key in keys:
            print("FAIL %s: same host key as %s" % (name, keys[key]))
            failed += 1
            continue
        keys[key] = name
        print("ok   %s" % name)
    return failed


if __name__ == "__main__":
    sys.exit(main())
