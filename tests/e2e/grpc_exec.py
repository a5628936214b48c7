#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Exec a process spec through containerd's gRPC Tasks API, as a real API client would.

ctr cannot send an exec spec with its own env or capabilities; this client can
(Tasks/Exec with a runtime-spec Process as JSON in an Any), so the end-to-end tests use it
for env-carried tokens and for capability-raising exec specs.

usage: grpc_exec.py exec --address SOCK --namespace NS --container ID --exec-id EID
                    [--stdin URI] [--stdout URI] [--stderr URI] PROCESS.json
         exit 0: exec started and waited (prints "exit=<status>"); 1: refused (prints the error).
         The stdio fields name what the shim opens on the host (a FIFO path, file://, binary://).
       grpc_exec.py update --address SOCK --namespace NS --container ID RESOURCES.json
         Tasks/Update with a LinuxResources JSON; exit 0: applied, 1: refused.
       grpc_exec.py process --spec CONFIG.json [--env K=V]... [--add-cap CAP]...
                    [--allow-new-privs] [--] ARGV...
         prints the exec process JSON ctr task exec would send for ARGV (a copy of the
         container's process with the args replaced), plus the given env entries and
         capabilities (added to every set) and noNewPrivileges=false when asked.
"""
import argparse
import json
import sys

import grpc

from pb import field, fields

SPEC_TYPE = "types.containerd.io/opencontainers/runtime-spec/1/Process"
RESOURCES_TYPE = "types.containerd.io/opencontainers/runtime-spec/1/LinuxResources"


def field_str(num, s):
    """proto3: an empty string is not on the wire."""
    return field(num, s) if s else b""


def first_varint_field(buf, want):
    return next((v for num, wt, v in fields(buf) if num == want and wt == 0), 0)


def call(channel, method, payload, md, timeout):
    fn = channel.unary_unary("/containerd.services.tasks.v1.Tasks/" + method,
                             request_serializer=None, response_deserializer=None)
    return fn(payload, metadata=md, timeout=timeout)


def make_process(a):
    with open(a.spec) as f:
        proc = json.load(f)["process"]
    proc["args"] = a.argv
    proc["terminal"] = False
    if a.env:
        proc["env"] = proc.get("env", []) + a.env
    caps = proc.setdefault("capabilities", {})
    for cap in a.add_cap:
        for s in ("bounding", "effective", "permitted", "inheritable", "ambient"):
            if cap not in caps.setdefault(s, []):
                caps[s].append(cap)
    if a.allow_new_privs:
        proc["noNewPrivileges"] = False
    json.dump(proc, sys.stdout)
    print()
    return 0


def update(a):
    with open(a.resources, "rb") as f:
        res = f.read()
    json.loads(res)
    md = (("containerd-namespace", a.namespace),)
    # Tasks UpdateTaskRequest: container_id 1, resources 2 (an Any).
    req = field_str(1, a.container) + field(2, field_str(1, RESOURCES_TYPE) + field(2, res))
    with grpc.insecure_channel("unix://" + a.address) as ch:
        try:
            call(ch, "Update", req, md, a.timeout)
        except grpc.RpcError as e:
            print("refused: %s" % e.details(), file=sys.stderr)
            return 1
    print("updated")
    return 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    ex = sub.add_parser("exec")
    ex.add_argument("--address", required=True)
    ex.add_argument("--namespace", default="default")
    ex.add_argument("--container", required=True)
    ex.add_argument("--exec-id", required=True)
    ex.add_argument("--timeout", type=float, default=30)
    ex.add_argument("--stdin", default="")
    ex.add_argument("--stdout", default="")
    ex.add_argument("--stderr", default="")
    ex.add_argument("process")
    up = sub.add_parser("update")
    up.add_argument("--address", required=True)
    up.add_argument("--namespace", default="default")
    up.add_argument("--container", required=True)
    up.add_argument("--timeout", type=float, default=30)
    up.add_argument("resources")
    pr = sub.add_parser("process")
    pr.add_argument("--spec", required=True)
    pr.add_argument("--env", action="append", default=[])
    pr.add_argument("--add-cap", action="append", default=[])
    pr.add_argument("--allow-new-privs", action="store_true")
    pr.add_argument("argv", nargs="+")
    a = ap.parse_args()
    if a.cmd == "process":
        return make_process(a)
    if a.cmd == "update":
        return update(a)

    with open(a.process, "rb") as f:
        spec = f.read()
    json.loads(spec)  # a broken test input should fail here, not look like a refusal
    any_msg = field_str(1, SPEC_TYPE) + field(2, spec)
    md = (("containerd-namespace", a.namespace),)
    ident = field_str(1, a.container) + field_str(2, a.exec_id)
    with grpc.insecure_channel("unix://" + a.address) as ch:
        # Tasks ExecProcessRequest: container_id 1, stdin 2, stdout 3, stderr 4, spec 6, exec_id 7.
        exec_req = (field_str(1, a.container) + field_str(2, a.stdin) + field_str(3, a.stdout) +
                    field_str(4, a.stderr) + field(6, any_msg) + field_str(7, a.exec_id))
        try:
            call(ch, "Exec", exec_req, md, a.timeout)
        except grpc.RpcError as e:
            print("refused: %s" % e.details(), file=sys.stderr)
            return 1
        try:
            call(ch, "Start", ident, md, a.timeout)
            resp = call(ch, "Wait", ident, md, a.timeout)
            print("exit=%d" % first_varint_field(resp, 1))
        finally:
            try:
                call(ch, "DeleteProcess", ident, md, a.timeout)
            except grpc.RpcError:
                pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
