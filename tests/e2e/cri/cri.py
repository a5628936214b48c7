# SPDX-License-Identifier: Apache-2.0
"""A kubelet-role CRI v1 client for the e2e tests: one RuntimeService call with its request
given as JSON (the message of api.proto beside this file, compiled with protoc at run time),
the response printed as JSON; and the client side of a streaming exec URL (websocket,
channel protocol v4, as kubectl's newer clients speak it).

usage: cri.py --address SOCK --gen DIR call METHOD REQUEST_JSON
       cri.py stream URL            (prints the exec's stdout/stderr; exit 1 on a failure)
"""
import argparse
import base64
import importlib
import json
import os
import socket
import subprocess
import sys
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))


def load_api(gen):
    """The generated module for api.proto, compiled into gen on first use."""
    if not os.path.exists(os.path.join(gen, "api_pb2.py")):
        subprocess.run(["protoc", "-I", HERE, "--python_out", gen, "api.proto"], check=True)
    sys.path.insert(0, gen)
    return importlib.import_module("api_pb2")


def call(a):
    import grpc
    from google.protobuf import json_format

    api = load_api(a.gen)
    method = api.DESCRIPTOR.services_by_name["RuntimeService"].methods_by_name[a.method]
    req = json_format.Parse(a.request, getattr(api, method.input_type.name)())
    resp_cls = getattr(api, method.output_type.name)
    with grpc.insecure_channel("unix://" + a.address) as ch:
        fn = ch.unary_unary("/runtime.v1.RuntimeService/" + a.method,
                            request_serializer=lambda m: m.SerializeToString(),
                            response_deserializer=resp_cls.FromString)
        try:
            resp = fn(req, timeout=a.timeout)
        except grpc.RpcError as e:
            print("%s: %s" % (e.code().name, e.details()), file=sys.stderr)
            return 1
    print(json_format.MessageToJson(resp, preserving_proto_field_name=True))
    return 0


def recv_exact(s, n):
    out = b""
    while len(out) < n:
        chunk = s.recv(n - len(out))
        if not chunk:
            raise EOFError("connection closed")
        out += chunk
    return out


def frames(s):
    """(opcode, payload) of each websocket frame the server sends (server frames are not
    masked; fragments are not used by the streaming server)."""
    while True:
        b0, b1 = recv_exact(s, 2)
        n = b1 & 0x7F
        if n == 126:
            n = int.from_bytes(recv_exact(s, 2), "big")
        elif n == 127:
            n = int.from_bytes(recv_exact(s, 8), "big")
        mask = recv_exact(s, 4) if b1 & 0x80 else None
        data = recv_exact(s, n)
        if mask:
            data = bytes(c ^ mask[i % 4] for i, c in enumerate(data))
        yield b0 & 0x0F, data


def stream(a):
    u = urllib.parse.urlsplit(a.url)
    s = socket.create_connection((u.hostname, u.port), timeout=a.timeout)
    key = base64.b64encode(os.urandom(16)).decode()
    path = u.path + ("?" + u.query if u.query else "")
    s.sendall(("GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n"
               "Sec-WebSocket-Protocol: v4.channel.k8s.io\r\n\r\n" % (path, u.netloc, key)).encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = s.recv(4096)
        if not chunk:
            break
        head += chunk
    head, _, rest = head.partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 101"):
        print("no websocket: %s %s" % (head.decode(errors="replace"), rest.decode(errors="replace")),
              file=sys.stderr)
        return 1
    # Bytes that came with the headers start the first frame.
    pending = rest

    class Sock:
        def recv(self, n):
            nonlocal pending
            if pending:
                out, pending = pending[:n], pending[n:]
                return out
            return s.recv(n)

    status = None
    try:
        for op, data in frames(Sock()):
            if op == 8:
                break
            if op not in (1, 2) or not data:
                continue
            ch, payload = data[0], data[1:]
            if ch == 1:
                sys.stdout.buffer.write(payload)
            elif ch == 2:
                sys.stderr.buffer.write(payload)
            elif ch == 3 and payload:
                status = json.loads(payload)
    except EOFError:
        pass
    sys.stdout.flush()
    if status and status.get("status") != "Success":
        print("exec failed: %s" % status.get("message", status), file=sys.stderr)
        return 1
    return 0


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--address")
    p.add_argument("--gen")
    p.add_argument("--timeout", type=float, default=30)
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("call")
    c.add_argument("method")
    c.add_argument("request")
    s = sub.add_parser("stream")
    s.add_argument("url")
    a = p.parse_args()
    return call(a) if a.cmd == "call" else stream(a)


if __name__ == "__main__":
    sys.exit(main())
