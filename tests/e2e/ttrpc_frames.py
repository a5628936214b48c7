#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Malformed ttrpc input against a shim socket (THREATS.md T18), one case per run.

usage: ttrpc_frames.py --socket PATH --container ID CASE
Cases (what is sent, then what must come back):
  garbage       text that is no frame: an error response or a closed connection
  short-header  5 of the 10 header bytes, then end of input: no success, a closed connection
  oversize      a frame announcing (and carrying) 4 MiB + 1 bytes: InvalidArgument naming the limit
  even-stream   a valid request on an even (server-reserved) stream id: an error or a close
  bad-request   a frame whose body is not a ttrpc Request: an error response or a close
  bad-payload   Task/Exec whose payload does not decode: an error response on that stream,
                and the same connection still answers a State request
  bad-json      Task/Exec whose process spec is not JSON: the same
  unknown       Task/NoSuchMethod: the same
  state         a well-formed State request: a success (the control)
Every case then opens a new connection and requires a successful State: the shim keeps
serving. Exit 0 when every expectation held; 1 with the reason otherwise.
"""
import argparse
import socket
import struct
import sys

from pb import field, fields

MAX_FRAME = 4 << 20
# How the gate's refusal of a larger frame (InvalidArgument) names the limit.
LIMIT_TEXT = "%d-byte" % MAX_FRAME
SERVICE = "containerd.task.v2.Task"
PROCESS_TYPE = "types.containerd.io/opencontainers/runtime-spec/1/Process"
T_REQUEST, T_RESPONSE = 1, 2
TIMEOUT = 10.0


def frame(sid, body, mtype=T_REQUEST, flags=0):
    return struct.pack(">IIBB", len(body), sid, mtype, flags) + body


def request(method, payload):
    return field(1, SERVICE) + field(2, method) + field(3, payload)


def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(TIMEOUT)
    s.connect(path)
    return s


def read_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


def read_response(s):
    """('closed', None) | ('response', sid, code, message); raises on timeout."""
    hdr = read_exact(s, 10)
    if hdr is None:
        return ("closed",)
    ln, sid, mtype, _ = struct.unpack(">IIBB", hdr)
    body = read_exact(s, ln)
    if body is None:
        return ("closed",)
    if mtype != T_RESPONSE:
        raise AssertionError("a frame of type %d, not a response" % mtype)
    code, msg = 0, ""
    for num, _, v in fields(body):
        if num == 1:
            for n2, _, v2 in fields(v):
                if n2 == 1:
                    code = v2
                elif n2 == 2:
                    msg = v2.decode(errors="replace")
    return ("response", sid, code, msg)


def expect_error_or_close(s, what):
    try:
        r = read_response(s)
    except socket.timeout:
        fail("%s: neither an answer nor a close in %.0f s" % (what, TIMEOUT))
    except ConnectionResetError:
        return "connection reset"
    if r[0] == "closed":
        return "connection closed"
    _, sid, code, msg = r
    if code == 0:
        fail("%s: answered with success (stream %d)" % (what, sid))
    return "error response code %d on stream %d: %s" % (code, sid, msg)


def expect_error_response(s, sid, what):
    r = read_response(s)
    if r[0] == "closed":
        fail("%s: the connection was closed instead of an error answer" % what)
    _, rsid, code, msg = r
    if rsid != sid:
        fail("%s: answer on stream %d, want %d" % (what, rsid, sid))
    if code == 0:
        fail("%s: answered with success" % what)
    return "error response code %d: %s" % (code, msg)


def state_ok(s, sid, cid, what):
    s.sendall(frame(sid, request("State", field(1, cid))))
    r = read_response(s)
    if r[0] == "closed":
        fail("%s: State got a closed connection" % what)
    _, rsid, code, msg = r
    if rsid != sid or code != 0:
        fail("%s: State answered stream %d code %d: %s" % (what, rsid, code, msg))


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--socket", required=True)
    ap.add_argument("--container", required=True)
    ap.add_argument("case")
    a = ap.parse_args()
    cid = a.container
    s = connect(a.socket)
    c = a.case
    if c == "garbage":
        s.sendall(b"GET / HTTP/1.1\r\nHost: shimgate\r\n\r\n")
        got = expect_error_or_close(s, c)
    elif c == "short-header":
        s.sendall(b"\x00\x00\x00\x10\x00")
        s.shutdown(socket.SHUT_WR)
        got = expect_error_or_close(s, c)
    elif c == "oversize":
        # The gate discards the body as it arrives and answers like other malformed input:
        # InvalidArgument, naming the limit (ResourceExhausted would reach ctr as "unknown").
        s.sendall(frame(1, b"\x00" * (MAX_FRAME + 1)))
        got = expect_error_response(s, 1, c)
        if not got.startswith("error response code 3: ") or LIMIT_TEXT not in got:
            fail("%s: want InvalidArgument (3) naming the %s limit, got %s" % (c, LIMIT_TEXT, got))
    elif c == "even-stream":
        s.sendall(frame(2, request("State", field(1, cid))))
        got = expect_error_or_close(s, c)
    elif c == "bad-request":
        s.sendall(frame(1, b"\xff\xff\xff\xff\xff\x01"))
        got = expect_error_or_close(s, c)
    elif c in ("bad-payload", "bad-json", "unknown"):
        if c == "bad-payload":
            req = request("Exec", b"\x0a\xff\xff\xff\xff\x0f")
        elif c == "bad-json":
            spec = field(1, PROCESS_TYPE) + field(2, b'{"args": ["/bin/touch", "/tmp/t18"')
            req = request("Exec", field(1, cid) + field(2, "t18") + field(7, spec))
        else:
            req = request("NoSuchMethod", field(1, cid))
        s.sendall(frame(1, req))
        got = expect_error_response(s, 1, c)
        state_ok(s, 3, cid, c + " (same connection afterwards)")
        got += "; the same connection then answered State"
    elif c == "state":
        state_ok(s, 1, cid, c)
        got = "success"
    else:
        fail("unknown case " + c)
    s.close()
    # Whatever the case did, the shim still serves a new connection.
    s = connect(a.socket)
    state_ok(s, 1, cid, c + " (a new connection afterwards)")
    s.close()
    print("%s: %s; a new connection then answered State" % (c, got))
    return 0


if __name__ == "__main__":
    sys.exit(main())
