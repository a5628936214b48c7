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


REL = "=container"


def rel(name):
    return name.encode() + b" " + REL.encode() + b"\n"


def gid_set(user, primary):
    """Version 2 groups: a set, sorted, without the exec's primary gid."""
    return sorted(set(user.get("additionalGids") or []) - {primary})


def groups_v1(proc):
    """The lines of each field group (FORMAT.md section 2, "what differs"), version 1."""
    user = proc.get("user", {})
    gids = user.get("additionalGids")
    return {
        "args": lst("args", proc.get("args")),
        "cwd": scalar("cwd", proc.get("cwd")),
        "user": scalar("uid", str(user.get("uid", 0))) + scalar("gid", str(user.get("gid", 0)))
        + lst("additional-gids", None if gids is None else [str(g) for g in gids]),
        "terminal": scalar("terminal", "true" if proc.get("terminal", False) else "false"),
    }


def groups_v2(proc, container, binding):
    """Version 2: fields in binding are "=container" and must equal the container's own."""
    user, cuser = proc.get("user", {}), container.get("user", {})
    checks = {"u": user.get("uid", 0) == cuser.get("uid", 0),
              "g": user.get("gid", 0) == cuser.get("gid", 0),
              "s": gid_set(user, user.get("gid", 0)) == gid_set(cuser, user.get("gid", 0)),
              "w": proc.get("cwd") == container.get("cwd")}
    for letter in binding.replace("-", ""):
        if not checks[letter]:
            raise ValueError("field %r is bound as the container's own but differs" % letter)
    g = groups_v1(proc)
    g["cwd"] = rel("cwd") if "w" in binding else g["cwd"]
    u = rel("uid") if "u" in binding else scalar("uid", str(user.get("uid", 0)))
    u += rel("gid") if "g" in binding else scalar("gid", str(user.get("gid", 0)))
    u += rel("groups") if "s" in binding else lst("groups", [str(x) for x in
                                                          gid_set(user, user.get("gid", 0))])
    g["user"] = u
    return g


def is_host_mount(m):
    opts = m.get("options") or []
    return m.get("type") == "bind" or "bind" in opts or "rbind" in opts


def field_groups(vec):
    """The signing input's field groups, each as its lines, in signing order."""
    req = vec["request"]
    op = req["op"]
    version = vec.get("version", 1)
    binding = vec.get("relative", "-")
    g = {"target": scalar("op", op) + scalar("namespace", req["namespace"])
         + scalar("container", req["id"])}
    if op == "exec":
        proc = req["process"]
        container = req.get("container", {}).get("process", {})
        base = container.get("env", [])
        env = proc.get("env")
        # always a list (FORMAT.md field 14); version 2: a terminal's TERM=xterm is implied
        added = [e for e in (env or []) if e not in base
                 and not (version == 2 and proc.get("terminal") and e == "TERM=xterm")]
        g.update(groups_v2(proc, container, binding) if version == 2 else groups_v1(proc))
        g["env"] = lst("env", added)
    elif op == "create":
        spec = req["spec"]
        proc = spec["process"]
        g.update(groups_v1(proc))
        g["env"] = lst("env", proc.get("env"))
        hosts = [m for m in spec.get("mounts", []) if is_host_mount(m)]
        g["mounts"] = b"mounts *" + str(len(hosts)).encode() + b"\n"
        for m in hosts:
            g["mounts"] += scalar("type", m.get("type"))
            g["mounts"] += scalar("source", m.get("source"))
            g["mounts"] += scalar("destination", m.get("destination"))
            g["mounts"] += lst("options", m.get("options"))
    else:
        raise ValueError("no signing input for op %r" % op)
    return g


HOST_NS = ("pid", "network", "ipc", "uts", "mount")
HOOK_STAGES = ("prestart", "createRuntime", "createContainer", "startContainer", "poststart",
               "poststop")
CAP_NAMES = ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
             "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
             "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW",
             "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT",
             "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
             "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
             "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE",
             "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND",
             "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE"]


def generated(i):
    """FORMAT.md 8.3: only a 64-lowercase-hex id is written as a mark."""
    return i if i and len(i) == 64 and all(c in "0123456789abcdef" for c in i) else None


def marked(v, cid, sbx):
    """FORMAT.md 8.3: the container id, the sandbox id and the id's first 12 characters."""
    marks = [(m, w) for m, w in ((cid, "{id}"), (sbx, "{sandbox}"),
                                 (cid[:12] if cid else None, "{id12}")) if m]
    out, i = "", 0
    while i < len(v):
        for needle, mark in marks:
            if v.startswith(needle, i):
                out += mark
                i += len(needle)
                break
        else:
            out += v[i]
            i += 1
    return out


def grant_groups(vec):
    """FORMAT.md section 8: the grant's field groups, each as its lines."""
    req = vec["request"]
    spec = req["spec"]
    ann = spec.get("annotations", {})
    k8s = "io.kubernetes.cri.container-type" in ann
    cid = generated(req["id"])
    sbx = generated(ann.get("io.kubernetes.cri.sandbox-id")) if k8s else None

    def sc(name, v):
        return scalar(name, None if v is None else marked(v, cid, sbx))

    def ls(name, items):
        return lst(name, None if items is None else [marked(v, cid, sbx) for v in items])

    def k(name):
        return ann.get("io.kubernetes.cri." + name) if k8s else None

    proc = spec["process"]
    user = proc.get("user", {})
    gids = user.get("additionalGids")
    g = {"target": sc("op", "create") + sc("namespace", req["namespace"])
         + sc("identity", "kubernetes" if k8s else "content")
         + sc("pod-namespace", k("sandbox-namespace")) + sc("pod-name", k("sandbox-name"))
         + sc("container-name", k("container-name")) + sc("container-type", k("container-type")),
         "args": ls("args", proc.get("args")), "cwd": sc("cwd", proc.get("cwd")),
         "user": sc("uid", str(user.get("uid", 0))) + sc("gid", str(user.get("gid", 0)))
         + ls("additional-gids", None if gids is None else [str(x) for x in gids]),
         "terminal": sc("terminal", "true" if proc.get("terminal") else "false"),
         "env": ls("env", proc.get("env"))}
    hosts = [m for m in spec.get("mounts", []) if is_host_mount(m)]
    g["mounts"] = b"mounts *%d\n" % len(hosts)
    for m in hosts:
        g["mounts"] += sc("type", m.get("type")) + sc("source", m.get("source")) \
            + sc("destination", m.get("destination")) + ls("options", m.get("options"))
    linux = spec.get("linux", {})
    own = {n.get("type") for n in linux.get("namespaces", [])}
    g["hostns"] = ls("host-namespaces", [t for t in HOST_NS if t not in own])

    def num(d, key):
        return str(d[key]) if key in d else "*"
    devs = ["%s %s:%s %s" % (d.get("type", "-"), num(d, "major"), num(d, "minor"),
                             d.get("path", "-")) for d in linux.get("devices", [])]
    rules = ["%s %s:%s %s" % (d.get("type", "a"), num(d, "major"), num(d, "minor"),
                              d.get("access", "rwm"))
             for d in linux.get("resources", {}).get("devices", []) if d.get("allow") is True]
    g["devices"] = ls("devices", devs) + ls("device-rules", rules)
    caps = set()
    for names in proc.get("capabilities", {}).values():
        caps.update(CAP_NAMES.index(n) for n in names)
    g["caps"] = ls("capabilities", [CAP_NAMES[c] for c in sorted(caps)])
    hooks = [(st, h) for st in HOOK_STAGES for h in spec.get("hooks", {}).get(st, [])]
    g["hooks"] = b"hooks *%d\n" % len(hooks)
    for st, h in hooks:
        path = h.get("path", "")
        parts = path.split("/")
        if len(parts) == 4 and parts[:2] == ["", "proc"] and parts[2].isdigit() \
                and parts[3] == "exe":
            path = "/proc/{pid}/exe"
        g["hooks"] += sc("stage", st) + sc("path", path) + ls("args", h.get("args"))
    return g


GRANT_GROUPS = ("args", "cwd", "user", "terminal", "env", "mounts", "hostns", "devices", "caps",
                "hooks")


def grant_input(vec):
    g = grant_groups(vec)
    out = b"shimgate-grant-v3\n" + g["target"]
    out += scalar("key-id", vec["key_id"]) + scalar("not-after", str(vec["timestamp"]))
    for name in GRANT_GROUPS:
        out += g[name]
    return out


def signing_input(vec):
    if vec.get("version", 1) == 3:
        return grant_input(vec)
    req = vec["request"]
    version = vec.get("version", 1)
    g = field_groups(vec)
    out = b"shimgate-signature-v%d\n" % version
    out += g["target"]
    out += scalar("key-id", vec["key_id"])
    out += scalar("timestamp", str(vec["timestamp"]))
    out += scalar("nonce", vec["nonce"])
    if version == 2:
        out += scalar("binding", vec["relative"])
    if req["op"] == "exec":
        out += scalar("exec-id", req.get("exec_id") if vec["bind_exec_id"] else None)
    for name in ("args", "cwd", "user", "terminal", "env", "mounts"):
        out += g.get(name, b"")
    return out


def view_digests(vec):
    """The "sha256/8:" part of the what-differs view: 8 hex of SHA-256 per group."""
    if vec.get("version", 1) == 3:
        g = grant_groups(vec)
        names = ["target", "args", "cwd", "user", "env", "mounts", "hostns", "devices", "caps",
                 "hooks"]
    else:
        g = field_groups(vec)
        names = ["target", "args", "cwd", "user", "env"] + (["mounts"] if "mounts" in g else [])
    return "sha256/8: " + " ".join("%s=%s" % (n, hashlib.sha256(g[n]).hexdigest()[:8])
                                   for n in names)


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
    """FORMAT.md section 7: salt "shimgate-host-key-v1", info key-id NUL node, 32 bytes."""
    info = vec["key_id"].encode() + b"\x00" + vec["node"].encode()
    return hkdf_sha256(bytes.fromhex(vec["master_hex"]), b"shimgate-host-key-v1", info, 32)


def token(vec, data, key=None):
    key = key if key is not None else bytes.fromhex(vec["key_hex"])
    mac = hmac.new(key, data, hashlib.sha256).hexdigest()
    if vec.get("version", 1) == 3:
        return "sg3.%s.%d.%s" % (vec["key_id"], vec["timestamp"], mac)
    if vec.get("version", 1) == 2:
        return "sg2.%s.%s.%d.%s.%s" % (vec["relative"], vec["key_id"], vec["timestamp"],
                                       vec["nonce"], mac)
    return "sg1.%s.%d.%s.%s" % (vec["key_id"], vec["timestamp"], vec["nonce"], mac)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    files = sorted(glob.glob(os.path.join(here, "*.json")))
    if len(files) < 14:
        print("want at least 14 vectors, found %d" % len(files))
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
        if not vec["view"].endswith(view_digests(vec)):
            print("FAIL %s: view digests differ\n  computed %s\n  recorded %s"
                  % (name, view_digests(vec), vec["view"]))
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
