#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""A raw ttrpc client of a gate socket, for the fault and load tests: it speaks the Task API
framing the way containerd does, and misbehaves on purpose.

usage:
  fault_ttrpc.py load --socket S --id ID --process PROC.json --count N --mark M --pid GATE
      N requests one after the other, alternating Task/State (forwarded to the real shim, must
      answer OK for ID) and an unsigned Task/Exec (must be refused by the gate: PermissionDenied,
      "no signature"). Prints "rss_mark=<kB after M requests> rss_end=<kB after N>"; exit 1 on
      any wrong answer.
  fault_ttrpc.py abuse --socket S --id ID --pid GATE --ready FILE --hold FILE
      Opens a stalled connection (half a 4 MiB frame, then silence) and a flooding one (State frames
      sent without reading an answer, until the gate stops reading), sends a frame of exactly
      the 4 MiB limit, one just past it and one announcing 4 GiB (followed by 32 MiB), then
      creates READY and keeps the stall and the flood open until HOLD is removed. Prints what
      it saw, with "rss_max=<kB>" (the gate's largest VmRSS seen); exit 1 when an answer is
      wrong.
"""
import argparse
import os
import socket
import struct
import sys
import time

# The protobuf and ttrpc encoders of the malformed-frames client (same directory).
from pb import field, fields
from ttrpc_frames import MAX_FRAME as FRAME_MAX, LIMIT_TEXT, frame, request

HEADER = struct.Struct(">IIBB")
REQUEST, RESPONSE = 1, 2
OK, INVALID_ARGUMENT, PERMISSION_DENIED = 0, 3, 7
SPEC_TYPE = "types.containerd.io/opencontainers/runtime-spec/1/Process"


def parse(buf):
    """Protobuf fields as {num: [value...]}: ints for varints, bytes for the rest."""
    out = {}
    for num, _, v in fields(buf):
        out.setdefault(num, []).append(v)
    return out


def state_payload(cid, pad=0):
    # Field 15 is unknown to StateRequest: the real shim skips it, so a frame of any size
    # can still be a valid State request.
    return field(1, cid) + (field(15, b"p" * pad) if pad else b"")


def padded_state(cid, size):
    """A State request body of exactly size bytes."""
    pad = size
    for _ in range(8):
        body = request("State", state_payload(cid, pad))
        if len(body) == size:
            return body
        pad += size - len(body)
    raise ValueError("no State request of %d bytes" % size)


def exec_payload(cid, eid, spec):
    return field(1, cid) + field(2, eid) + field(7, field(1, SPEC_TYPE) + field(2, spec))


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS for pid %d" % pid)


class Conn:
    def __init__(self, path, timeout=30):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(timeout)
        self.s.connect(path)
        self.next_stream = 1
        self.buf = b""

    def stream(self):
        sid = self.next_stream
        self.next_stream += 2
        return sid

    def call(self, method, payload):
        sid = self.stream()
        self.s.sendall(frame(sid, request(method, payload)))
        return self.answer(sid)

    def recv_exact(self, n):
        while len(self.buf) < n:
            chunk = self.s.recv(1 << 16)
            if not chunk:
                raise EOFError("the gate closed the connection")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def next_answer(self):
        """(stream, code, message, payload) of the next Response."""
        length, sid, ftype, _ = HEADER.unpack(self.recv_exact(HEADER.size))
        body = self.recv_exact(length)
        if ftype != RESPONSE:
            raise ValueError("frame type %d on stream %d, want a Response" % (ftype, sid))
        resp = parse(body)
        status = parse(resp.get(1, [b""])[0])
        code = status.get(1, [OK])[0]
        msg = status.get(2, [b""])[0].decode(errors="replace")
        return sid, code, msg, resp.get(2, [b""])[0]

    def answer(self, want):
        """(code, message, payload) of the Response on stream want, the next one."""
        sid, code, msg, payload = self.next_answer()
        if sid != want:
            raise ValueError("answer on stream %d, want stream %d" % (sid, want))
        return code, msg, payload


def check(ok, what, failures):
    print(("ok: " if ok else "WRONG: ") + what)
    if not ok:
        failures.append(what)


def load(a):
    with open(a.process, "rb") as f:
        spec = f.read()
    c = Conn(a.socket)
    rss_mark = None
    for i in range(1, a.count + 1):
        if i % 2:
            code, msg, payload = c.call("State", state_payload(a.id))
            if code != OK or parse(payload).get(1, [b""])[0] != a.id.encode():
                print("request %d: State answered code %d: %s" % (i, code, msg))
                return 1
        else:
            code, msg, _ = c.call("Exec", exec_payload(a.id, "load-%d" % i, spec))
            if code != PERMISSION_DENIED or "no signature" not in msg:
                print("request %d: unsigned Exec answered code %d: %s" % (i, code, msg))
                return 1
        if i == a.mark:
            rss_mark = rss_kb(a.pid)
    print("rss_mark=%d rss_end=%d" % (rss_mark, rss_kb(a.pid)))
    return 0


def abuse(a):
    failures = []
    rss_max = rss_kb(a.pid)

    # Stall: half of a frame of the largest size, then nothing.
    stall = Conn(a.socket)
    stall.s.sendall(HEADER.pack(FRAME_MAX, 1, REQUEST, 0) + b"s" * (FRAME_MAX // 2))
    rss_max = max(rss_max, rss_kb(a.pid))

    # Flood: State frames, never reading the answers, until the gate stops taking them.
    flood = Conn(a.socket)
    flood.s.setblocking(False)
    pending, sent, frames, blocked_since = b"", 0, 0, None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if not pending:
            pending = frame(flood.stream(), request("State", state_payload(a.id)))
            frames += 1
        try:
            n = flood.s.send(pending)
            pending, sent, blocked_since = pending[n:], sent + n, None
        except BlockingIOError:
            blocked_since = blocked_since or time.monotonic()
            if time.monotonic() - blocked_since > 2:
                break
            time.sleep(0.01)
        rss_max = max(rss_max, rss_kb(a.pid)) if frames % 512 == 0 else rss_max
    check(blocked_since is not None, "the gate stopped reading the flood after %d frames "
          "(%d bytes) it could not answer" % (frames, sent), failures)
    rss_max = max(rss_max, rss_kb(a.pid))

    # A frame of exactly the limit is a frame like any other: forwarded, answered.
    big = Conn(a.socket)
    body = padded_state(a.id, FRAME_MAX)
    sid = big.stream()
    big.s.sendall(frame(sid, body))
    code, msg, payload = big.answer(sid)
    check(code == OK and parse(payload).get(1, [b""])[0] == a.id.encode(),
          "a State frame of exactly %d bytes was answered by the real shim (code %d %s)"
          % (FRAME_MAX, code, msg[:80]), failures)
    rss_max = max(rss_max, rss_kb(a.pid))

    # One byte past the limit: refused by the gate, body discarded, the connection usable.
    over = padded_state(a.id, FRAME_MAX + 1)
    sid = big.stream()
    big.s.sendall(frame(sid, over))
    code, msg, _ = big.answer(sid)
    check(code == INVALID_ARGUMENT and LIMIT_TEXT in msg,
          "a frame of %d bytes was refused naming the limit: code %d, %s" % (len(over), code, msg),
          failures)
    code, msg, payload = big.call("State", state_payload(a.id))
    check(code == OK, "the same connection still serves State after it (code %d)" % code,
          failures)

    # 4 GiB announced, 32 MiB sent: discarded as it arrives, never buffered.
    huge = Conn(a.socket)
    huge.s.sendall(HEADER.pack(0xFFFFFFFF, 1, REQUEST, 0))
    chunk = b"h" * (1 << 20)
    for i in range(32):
        huge.s.sendall(chunk)
        if i % 4 == 0:
            rss_max = max(rss_max, rss_kb(a.pid))
    code, msg, _ = huge.answer(1)
    check(code == INVALID_ARGUMENT and LIMIT_TEXT in msg,
          "a frame announcing 4 GiB was refused naming the limit: code %d, %s" % (code, msg),
          failures)
    huge.s.close()
    rss_max = max(rss_max, rss_kb(a.pid))

    # The stall and the flood stay while the test execs through the gate.
    open(a.ready, "w").close()
    deadline = time.monotonic() + 120
    while os.path.exists(a.hold) and time.monotonic() < deadline:
        rss_max = max(rss_max, rss_kb(a.pid))
        time.sleep(0.1)
    check(not os.path.exists(a.hold), "the test released the held connections", failures)

    # Every flooded request is answered once the flood is read at last (the real shim may
    # answer out of order). The last frame may have been sent only in part.
    flood.s.setblocking(True)
    flood.s.settimeout(30)
    want, got = set(range(1, 2 * frames - 1, 2)), 0
    try:
        while want:
            sid, code, _, _ = flood.next_answer()
            if sid not in want:
                raise ValueError("answer on stream %d, never asked or answered twice" % sid)
            want.discard(sid)
            got += code == OK
    except (EOFError, ValueError, OSError) as e:
        print("flood answers: %s" % e)
    check(got == frames - 1, "%d of the %d whole flooded State requests were answered OK"
          % (got, frames - 1), failures)
    for c in (stall, flood, big):
        c.s.close()
    print("rss_max=%d" % rss_max)
    return 1 if failures else 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    ld = sub.add_parser("load")
    ld.add_argument("--socket", required=True)
    ld.add_argument("--id", required=True)
    ld.add_argument("--process", required=True)
    ld.add_argument("--count", type=int, required=True)
    ld.add_argument("--mark", type=int, required=True)
    ld.add_argument("--pid", type=int, required=True)
    ab = sub.add_parser("abuse")
    ab.add_argument("--socket", required=True)
    ab.add_argument("--id", required=True)
    ab.add_argument("--pid", type=int, required=True)
    ab.add_argument("--ready", required=True)
    ab.add_argument("--hold", required=True)
    a = ap.parse_args()
    return load(a) if a.cmd == "load" else abuse(a)


if __name__ == "__main__":
    sys.exit(main())
