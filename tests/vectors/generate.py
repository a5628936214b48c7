#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Regenerates the test vectors with the C implementation: `generate.py path/to/shimgate`.

The request envelopes below are the input; signing_input and view come from
`shimgate explain`, token from `shimgate sign`. The host-key vectors (hostkeys/) take their
key from `shimgate keygen --derive` and sign exec_minimal's request with it (version 1).
check_vectors.py then reproduces all of them independently. Each vector has a fixed nonce
index, so adding one leaves the others' bytes as they were (the version 1 vectors are the
compatibility record of version 1 tokens).
"""
import json
import os
import subprocess
import sys
import tempfile

KEY_HEX = "8f1e2d3c4b5a69788796a5b4c3d2e1f000112233445566778899aabbccddeeff"
TS = 1700000000

CONTAINER = {
    "ociVersion": "1.0.2",
    "process": {
        "terminal": False,
        "user": {"uid": 0, "gid": 0},
        "args": ["sh"],
        "env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root"],
        "cwd": "/",
    },
    "root": {"path": "rootfs"},
}


def exec_req(process, exec_id="e1"):
    return {"op": "exec", "namespace": "default", "id": "c1", "exec_id": exec_id,
            "process": process, "container": CONTAINER}


def proc(args, env=None, user=None, cwd="/", terminal=False):
    p = {"terminal": terminal, "user": user or {"uid": 0, "gid": 0}, "args": args,
         "env": env if env is not None else list(CONTAINER["process"]["env"]), "cwd": cwd}
    return p


# A container that runs as 1000:1000 with supplementary groups in /srv: what a
# container-relative token is checked against.
APP = {
    "ociVersion": "1.0.2",
    "process": {
        "terminal": False,
        "user": {"uid": 1000, "gid": 1000, "additionalGids": [1000, 20, 10]},
        "args": ["/bin/app"],
        "env": ["PATH=/bin", "HOSTNAME=app"],
        "cwd": "/srv",
    },
    "root": {"path": "rootfs"},
}


def app_exec(args, user=None, cwd="/srv", env=(), terminal=False, exec_id="e1", ns="default"):
    u = user or APP["process"]["user"]
    p = {"terminal": terminal, "user": u, "args": args,
         "env": APP["process"]["env"] + list(env), "cwd": cwd}
    return {"op": "exec", "namespace": ns, "id": "app", "exec_id": exec_id, "process": p,
            "container": APP}


# Create grants (version 3, FORMAT.md section 8): valid until this not-after, no nonce.
NOT_AFTER = 1735689600
CID = "3b1f" + "0" * 56 + "c0de"
SBX = "5a1d" + "e" * 56 + "beef"
CRI_ANN = {"io.kubernetes.cri.container-type": "container",
           "io.kubernetes.cri.sandbox-namespace": "monitoring",
           "io.kubernetes.cri.sandbox-name": "node-exporter-x7k2p",
           "io.kubernetes.cri.container-name": "exporter",
           "io.kubernetes.cri.sandbox-id": SBX,
           "io.kubernetes.cri.image-name": "example.org/exporter:1.0"}


def grant_spec(args, env, mounts, linux, annotations=None, hooks=None, caps=None):
    spec = {"ociVersion": "1.0.2",
            "process": {"terminal": False, "user": {"uid": 65534, "gid": 65534},
                        "args": args, "env": env, "cwd": "/",
                        "capabilities": {k: caps or ["CAP_CHOWN", "CAP_KILL"]
                                         for k in ("bounding", "effective", "permitted")}},
            "root": {"path": "rootfs"}, "mounts": mounts, "linux": linux}
    if annotations:
        spec["annotations"] = annotations
    if hooks:
        spec["hooks"] = hooks
    return spec


OWN_NS = [{"type": t} for t in ("pid", "ipc", "uts", "mount")]
PROC_MOUNT = {"destination": "/proc", "type": "proc", "source": "proc"}

# name: (request, bind exec id, key id, nonce index, token version, relative fields)
VECTORS = {
    "exec_minimal": (exec_req(proc(["true"])), True, "k1", 5, 1, "-"),
    "exec_env_gids": (exec_req(proc(["id"], env=CONTAINER["process"]["env"]
                                    + ["LD_PRELOAD=/tmp/x.so", "FOO=bar"],
                                    user={"uid": 1000, "gid": 1000, "additionalGids": [10, 20]},
                                    terminal=True)), True, "ops-2024", 4, 1, "-"),
    "exec_empty_gids": (exec_req(proc(["id"], user={"uid": 0, "gid": 0, "additionalGids": []})),
                        True, "k1", 3, 1, "-"),
    "exec_unbound": (exec_req(proc(["ls", "-l"]), exec_id="3f9a1c0e7b2d4e5f"), False, "k1", 6,
                     1, "-"),
    "argv_a_space_b": (exec_req(proc(["a b"])), True, "k1", 1, 1, "-"),
    "argv_a_b": (exec_req(proc(["a", "b"])), True, "k1", 0, 1, "-"),
    "values_newline": (exec_req(proc(["sh", "-c", "echo 1\n2:x"],
                                     env=CONTAINER["process"]["env"] + ["X=line1\nline2"],
                                     cwd="/tmp/a b")), True, "k1", 7, 1, "-"),
    "create_host_mounts": ({
        "op": "create", "namespace": "default", "id": "web-1",
        "spec": {
            "ociVersion": "1.0.2",
            "process": {"terminal": False, "user": {"uid": 0, "gid": 0},
                        "args": ["/bin/server", "--port", "80"],
                        "env": ["PATH=/bin", "MODE=prod"], "cwd": "/srv"},
            "root": {"path": "rootfs"},
            "mounts": [
                {"destination": "/proc", "type": "proc", "source": "proc"},
                {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
                 "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
                {"destination": "/data", "type": "bind", "source": "/srv/data",
                 "options": ["rbind", "ro"]},
                {"destination": "/log", "type": "none", "source": "/var/log/web",
                 "options": ["rbind", "rw"]},
            ],
        },
        "rootfs": [{"type": "overlay", "source": "overlay",
                    "options": ["lowerdir=/a", "upperdir=/b", "workdir=/c"]}],
    }, False, "k1", 2, 1, "-"),
    # A create whose process has no env key at all: "env -", not "env *0".
    "create_absent_env": ({
        "op": "create", "namespace": "default", "id": "bare",
        "spec": {
            "ociVersion": "1.0.2",
            "process": {"terminal": False, "user": {"uid": 0, "gid": 0},
                        "args": ["/bin/sh"], "cwd": "/"},
            "root": {"path": "rootfs"},
            "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"}],
        },
    }, False, "k1", 8, 1, "-"),
    # Version 2: only argv signed; user, groups and cwd are the container's own.
    "v2_exec_relative": (app_exec(["/bin/ps"]), True, "k1", 9, 2, "ugsw"),
    # docker exec -u 1000:1000 -w /tmp -e FOO=1: Docker adds the gid to the groups.
    "v2_exec_docker_user": (app_exec(["id"], user={"uid": 1000, "gid": 1000,
                                                   "additionalGids": [1000]},
                                     cwd="/tmp", env=["FOO=1"], exec_id="9" * 64, ns="moby"),
                            False, "ops-2024", 10, 2, "-"),
    # docker exec -u 0: the uid given, gid and groups the container's own.
    "v2_exec_uid_only": (app_exec(["id"], user={"uid": 0, "gid": 1000,
                                                "additionalGids": [10, 20, 1000]}),
                         True, "k1", 11, 2, "gsw"),
    # kubectl exec -t: terminal, TERM=xterm added by the CRI plugin and not signed, exec id
    # random (unbound).
    "v2_exec_terminal": (app_exec(["sh"], terminal=True, env=["TERM=xterm"],
                                  exec_id="0a1b2c3d", ns="k8s.io"), False, "k1", 12, 2,
                         "ugsw"),
    # ctr task exec --user 0:0: uid and gid given, ctr keeps the container's groups and cwd.
    "v2_exec_ctr_user": (app_exec(["id"], user={"uid": 0, "gid": 0,
                                                "additionalGids": [1000, 20, 10]}),
                         True, "k1", 14, 2, "sw"),
    # Explicit groups: a set (sorted, once each, without the primary gid).
    "v2_exec_groups_set": (app_exec(["id"], user={"uid": 1000, "gid": 1000,
                                                  "additionalGids": [20, 10, 1000, 20]}),
                           True, "k1", 13, 2, "w"),
    # A hostNetwork DaemonSet container: the pod identity instead of the id, the sandbox's
    # /etc/hosts (its path holds the sandbox id), the host's /proc read-only, NET_ADMIN.
    "v3_grant_kubernetes": ({
        "op": "create", "namespace": "k8s.io", "id": CID,
        "spec": grant_spec(
            ["/bin/exporter", "--path.procfs=/host/proc"], ["PATH=/bin", "HOSTNAME=node1"],
            [PROC_MOUNT,
             {"destination": "/etc/hosts", "type": "bind",
              "source": "/var/lib/containerd/io.containerd.grpc.v1.cri/sandboxes/%s/hosts" % SBX,
              "options": ["rbind", "rprivate", "ro"]},
             {"destination": "/host/proc", "type": "bind", "source": "/proc",
              "options": ["rbind", "ro"]}],
            {"namespaces": OWN_NS,
             "resources": {"devices": [{"allow": False, "access": "rwm"}]}},
            annotations=CRI_ANN, caps=["CAP_CHOWN", "CAP_NET_ADMIN"]),
    }, False, "k1", 15, 3, "-"),
    # The same pod's sandbox: no container name, every namespace but the network its own.
    "v3_grant_sandbox": ({
        "op": "create", "namespace": "k8s.io", "id": SBX,
        "spec": grant_spec(
            ["/pause"], ["PATH=/bin"], [PROC_MOUNT], {"namespaces": OWN_NS},
            annotations={k: v for k, v in CRI_ANN.items()
                         if k not in ("io.kubernetes.cri.container-name",
                                      "io.kubernetes.cri.image-name")}
            | {"io.kubernetes.cri.container-type": "sandbox"}),
    }, False, "k1", 16, 3, "-"),
    # docker run -e SHIMGATE_TOKEN=... -v /srv/backup:/backup --device /dev/fuse: content
    # only; Docker's hostname, /etc/hosts path and setkey hook hold the id or dockerd's pid.
    "v3_grant_docker": ({
        "op": "create", "namespace": "moby", "id": CID,
        "spec": grant_spec(
            ["/bin/backup", "--to", "/backup"], ["PATH=/bin", "HOSTNAME=" + CID[:12]],
            [PROC_MOUNT,
             {"destination": "/etc/hosts", "type": "bind",
              "source": "/var/lib/docker/containers/%s/hosts" % CID,
              "options": ["rbind", "rprivate"]},
             {"destination": "/backup", "type": "bind", "source": "/srv/backup",
              "options": ["rbind"]}],
            {"namespaces": OWN_NS + [{"type": "network"}],
             "devices": [{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229}],
             "resources": {"devices": [{"allow": False, "access": "rwm"},
                                       {"allow": True, "type": "c", "major": 10,
                                        "minor": 229, "access": "rwm"}]}},
            hooks={"prestart": [{"path": "/proc/4242/exe",
                                 "args": ["libnetwork-setkey", "-exec-root=/var/run/docker",
                                          CID, "0123456789ab"]}]}),
    }, False, "ops-2024", 17, 3, "-"),
}


# (name, key id, node): the same master secret for every one.
HOST_KEYS = [
    ("k1_node_a", "k1", "node-a"),
    ("k1_node_b", "k1", "node-b"),
    ("ops_fqdn", "ops-2024", "node-a.example.com"),
]


def write_master(tmp, key_id):
    key = os.path.join(tmp, key_id)
    if not os.path.exists(key):
        with open(os.open(key, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
            f.write("secret = %s\n" % KEY_HEX)
    return key


def host_key_vectors(shimgate, tmp, here):
    req = VECTORS["exec_minimal"][0]
    rpath = os.path.join(tmp, "hostkey.req.json")
    with open(rpath, "w") as f:
        json.dump(req, f)
    os.makedirs(os.path.join(here, "hostkeys"), exist_ok=True)
    for i, (name, key_id, node) in enumerate(HOST_KEYS):
        master = write_master(tmp, key_id)
        out_dir = os.path.join(tmp, "host-" + name)
        os.mkdir(out_dir, 0o700)
        out = os.path.join(out_dir, key_id)
        subprocess.run([shimgate, "keygen", "--derive", "--master", master, "--node", node,
                        "--out", out], check=True, capture_output=True)
        with open(out) as f:
            host_hex = [l.split("=", 1)[1].strip() for l in f if l.startswith("secret")][0]
        nonce = "%032x" % (0x40570000 + i)
        tok = subprocess.run([shimgate, "sign", "--key", out, "--request", rpath,
                              "--timestamp", str(TS), "--nonce", nonce,
                              "--token-version", "1"],
                             check=True, capture_output=True).stdout.decode().strip()
        vec = {"description": "host key of %s for %s" % (key_id, node),
               "master_hex": KEY_HEX, "key_id": key_id, "node": node,
               "host_key_hex": host_hex, "request": req, "bind_exec_id": True,
               "timestamp": TS, "nonce": nonce, "token": tok}
        with open(os.path.join(here, "hostkeys", name + ".json"), "w") as f:
            json.dump(vec, f, indent=2)
            f.write("\n")
        print("wrote hostkeys/" + name)


def main():
    shimgate = os.path.abspath(sys.argv[1])
    here = os.path.dirname(os.path.abspath(__file__))
    with tempfile.TemporaryDirectory() as tmp:
        os.chmod(tmp, 0o700)
        for name, (req, bind, key_id, index, version, rel) in sorted(VECTORS.items()):
            nonce = "%032x" % (0x5eed0000 + index)
            key = write_master(tmp, key_id)
            rpath = os.path.join(tmp, name + ".req.json")
            with open(rpath, "w") as f:
                json.dump(req, f)
            flags = ["--request", rpath, "--timestamp", str(TS), "--nonce", nonce]
            if version == 3:
                nonce = ""
                flags = ["--request", rpath, "--token-version", "3",
                         "--not-after", str(NOT_AFTER)]
            if not bind and version != 3:
                flags.append("--no-bind-exec-id")
            if req["op"] == "exec":
                flags += ["--token-version", str(version), "--relative", rel]
            sin = subprocess.run([shimgate, "explain", "--key-id", key_id] + flags,
                                 check=True, capture_output=True).stdout.decode()
            view = subprocess.run([shimgate, "explain", "--view", "--key-id", key_id] + flags,
                                  check=True, capture_output=True).stdout.decode().rstrip("\n")
            # The first line: a grant's second line says where it goes.
            tok = subprocess.run([shimgate, "sign", "--key", key] + flags,
                                 check=True, capture_output=True).stdout.decode().split("\n")[0]
            vec = {"description": name.replace("_", " "), "key_hex": KEY_HEX,
                   "key_id": key_id, "request": req, "bind_exec_id": bind,
                   "timestamp": NOT_AFTER if version == 3 else TS,
                   "nonce": nonce, "version": version, "relative": rel,
                   "signing_input": sin, "token": tok, "view": view}
            with open(os.path.join(here, name + ".json"), "w") as f:
                json.dump(vec, f, indent=2)
                f.write("\n")
            print("wrote", name)
        host_key_vectors(shimgate, tmp, here)


if __name__ == "__main__":
    main()
