# SPDX-License-Identifier: Apache-2.0
"""The few protobuf wire-format pieces the e2e clients need (no protobuf library in Debian's
python3 for containerd's messages): varints, length-delimited fields, and a field reader."""


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def read_varint(buf, i):
    """(value, next index) of the varint at buf[i]."""
    shift = n = 0
    while True:
        b = buf[i]
        i += 1
        n |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return n, i


def field(num, data):
    if isinstance(data, str):
        data = data.encode()
    return varint((num << 3) | 2) + varint(len(data)) + data


def fields(buf):
    """(number, wire type, value) of each field of a protobuf message."""
    i = 0
    while i < len(buf):
        key, i = read_varint(buf, i)
        num, wt = key >> 3, key & 7
        if wt == 0:
            v, i = read_varint(buf, i)
            yield num, wt, v
        elif wt == 2:
            ln, i = read_varint(buf, i)
            yield num, wt, buf[i:i + ln]
            i += ln
        else:
            raise ValueError("wire type %d" % wt)
