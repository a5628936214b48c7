#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Hostile clients for test_signer.sh.

idle PORT N SECONDS       open N TCP connections to 127.0.0.1:PORT, say nothing, hold them
                          SECONDS, then print how many the server had closed by then.
slowloris PORT CA CERT KEY SECONDS
                          finish the TLS handshake with CERT, then send a request one byte
                          a second; print "cut after N s" when the server ends it, or
                          "not cut" after SECONDS.
"""
import resource
import socket
import ssl
import sys
import time


def idle(port, n, secs):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, n + 64)), hard))
    conns = []
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        conns.append(s)
    print("open %d" % len(conns), flush=True)
    time.sleep(secs)
    closed = 0
    for s in conns:
        s.setblocking(False)
        try:
            closed += s.recv(1) == b""
        except BlockingIOError:
            pass
        except OSError:
            closed += 1
        s.close()
    print("closed %d" % closed, flush=True)


def slowloris(port, ca, cert, key, secs):
    ctx = ssl.create_default_context(cafile=ca)
    ctx.load_cert_chain(cert, key)
    raw = socket.create_connection(("127.0.0.1", port), timeout=secs + 5)
    s = ctx.wrap_socket(raw, server_hostname="localhost")
    start = time.time()
    req = b"POST /v1/sign HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100000\r\nX-Slow: " + b"a" * 1000
    try:
        for b in req:
            s.send(bytes([b]))
            time.sleep(1)
            if time.time() - start > secs:
                print("not cut")
                return
    except OSError:
        pass
    print("cut after %d s" % int(time.time() - start))


if __name__ == "__main__":
    if sys.argv[1] == "idle":
        idle(int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]))
    else:
        slowloris(int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], float(sys.argv[6]))
