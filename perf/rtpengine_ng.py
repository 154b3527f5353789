#!/usr/bin/env python3
"""A minimal client of rtpengine's "ng" control protocol, for perf/relay_peer_bench.sh.

  rtpengine_ng.py calls NG_ADDR:NG_PORT COUNT A_ADDR A_PORT B_ADDR B_PORT [FROM_IF TO_IF]
      Sets up COUNT calls through rtpengine with an offer (phone A at A_ADDR:A_PORT)
      and an answer (phone B at B_ADDR:B_PORT), each with its own call-id; with
      FROM_IF TO_IF the offer carries "direction" [FROM_IF, TO_IF] (rtpengine's
      named interfaces). Prints one line per call: the address and port rtpengine
      gave phone A to send to (from the answer's SDP), and the address and port it
      gave phone B (from the offer's SDP). Exits 1 on any error or missing answer.
  rtpengine_ng.py delete NG_ADDR:NG_PORT COUNT
      Deletes the calls that "calls" set up (best effort).

An ng message is a cookie, a space and a bencoded dictionary, over UDP. Each request
is sent at most 3 times, with a 1 s time-out each.
"""
import os
import socket
import sys
import time


def bencode(value):
    if isinstance(value, int):
        return b"i%de" % value
    if isinstance(value, str):
        value = value.encode()
    if isinstance(value, bytes):
        return b"%d:%s" % (len(value), value)
    if isinstance(value, list):
        return b"l" + b"".join(bencode(v) for v in value) + b"e"
    if isinstance(value, dict):
        return b"d" + b"".join(bencode(k) + bencode(value[k]) for k in sorted(value)) + b"e"
    raise TypeError(f"cannot bencode {type(value).__name__}")


MAX_DEPTH = 32


def decimal(data, start, end, what):
    text = data[start:end]
    digits = text[1:] if text[:1] == b"-" else text
    if not digits.isdigit():
        raise ValueError(f"bencode: bad {what} {text[:20]!r} at {start}")
    return int(text)


def bdecode(data, pos=0, depth=0):
    """Returns (value, next position); raises ValueError on any malformed input."""
    if pos >= len(data):
        raise ValueError("bencode: truncated")
    if depth > MAX_DEPTH:
        raise ValueError(f"bencode: nested deeper than {MAX_DEPTH}")
    c = data[pos:pos + 1]
    if c == b"i":
        end = data.find(b"e", pos)
        if end < 0:
            raise ValueError("bencode: unterminated integer")
        return decimal(data, pos + 1, end, "integer"), end + 1
    if c in (b"l", b"d"):
        pos += 1
        items = []
        while data[pos:pos + 1] != b"e":
            if pos >= len(data):
                raise ValueError("bencode: unterminated list or dictionary")
            item, pos = bdecode(data, pos, depth + 1)
            items.append(item)
        if c == b"l":
            return items, pos + 1
        if len(items) % 2:
            raise ValueError("bencode: dictionary with a key and no value")
        if not all(isinstance(k, bytes) for k in items[0::2]):
            raise ValueError("bencode: dictionary key that is not a string")
        return {items[i]: items[i + 1] for i in range(0, len(items), 2)}, pos + 1
    if c.isdigit():
        colon = data.find(b":", pos)
        if colon < 0:
            raise ValueError("bencode: string without ':'")
        length = decimal(data, pos, colon, "string length")
        if colon + 1 + length > len(data):
            raise ValueError("bencode: string runs past the end")
        return data[colon + 1:colon + 1 + length], colon + 1 + length
    raise ValueError(f"bencode: unexpected byte {c!r} at {pos}")


class NgClient:
    def __init__(self, address):
        host, _, port = address.rpartition(":")
        self.dest = (host, int(port))
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.settimeout(1.0)
        self.serial = 0

    def request(self, message):
        self.serial += 1
        cookie = b"%d_%d" % (os.getpid(), self.serial)
        packet = cookie + b" " + bencode(message)
        for _ in range(3):
            self.sock.sendto(packet, self.dest)
            deadline = time.monotonic() + 1.0
            try:
                while time.monotonic() < deadline:
                    self.sock.settimeout(max(0.01, deadline - time.monotonic()))
                    data, _ = self.sock.recvfrom(65535)
                    if data.startswith(cookie + b" "):
                        reply, _ = bdecode(data, len(cookie) + 1)
                        if not isinstance(reply, dict):
                            raise ValueError("ng reply is not a dictionary")
                        return reply
            except socket.timeout:
                continue
        raise RuntimeError(f"no answer from rtpengine at {self.dest[0]}:{self.dest[1]}")


def sdp(addr, port, session):
    return (f"v=0\r\no=- {session} 1 IN IP4 {addr}\r\ns=bench\r\nc=IN IP4 {addr}\r\n"
            f"t=0 0\r\nm=audio {port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n")


def media_of(reply, what):
    if reply.get(b"result") != b"ok":
        raise RuntimeError(f"{what}: rtpengine said {reply!r:.200}")
    sdp_text = reply.get(b"sdp")
    if not isinstance(sdp_text, bytes):
        raise RuntimeError(f"{what}: no SDP in rtpengine's reply")
    addr = port = None
    for line in sdp_text.decode(errors="replace").splitlines():
        if line.startswith("c=IN IP4 "):
            addr = line.split()[2]
        elif line.startswith("m=audio ") and line.split()[1].isdigit():
            port = int(line.split()[1])
    if addr is None or port is None:
        raise RuntimeError(f"{what}: no c= or m= line in rtpengine's SDP")
    return addr, port


def calls(ng, count, a_addr, a_port, b_addr, b_port, interfaces):
    client = NgClient(ng)
    for i in range(count):
        call_id = f"bench-{i}"
        offer = {"command": "offer", "call-id": call_id, "from-tag": "a",
                 "sdp": sdp(a_addr, a_port, 1000 + i)}
        if interfaces:
            offer["direction"] = interfaces
        to_b = media_of(client.request(offer), f"offer of call {i}")
        answer = {"command": "answer", "call-id": call_id, "from-tag": "a", "to-tag": "b",
                  "sdp": sdp(b_addr, b_port, 2000 + i)}
        to_a = media_of(client.request(answer), f"answer of call {i}")
        print(f"{to_a[0]} {to_a[1]} {to_b[0]} {to_b[1]}")


def delete(ng, count):
    client = NgClient(ng)
    for i in range(count):
        try:
            client.request({"command": "delete", "call-id": f"bench-{i}", "from-tag": "a"})
        except RuntimeError:
            return


def whole(text, lo, hi):
    return text.isdigit() and lo <= int(text) <= hi


def main(argv):
    ng_ok = len(argv) > 2 and ":" in argv[2] and whole(argv[2].rpartition(":")[2], 1, 65535)
    try:
        if (len(argv) in (8, 10) and argv[1] == "calls" and ng_ok and whole(argv[3], 1, 10000)
                and whole(argv[5], 1, 65535) and whole(argv[7], 1, 65535)):
            calls(argv[2], int(argv[3]), argv[4], int(argv[5]), argv[6], int(argv[7]),
                  argv[8:10])
        elif len(argv) == 4 and argv[1] == "delete" and ng_ok and whole(argv[3], 1, 10000):
            delete(argv[2], int(argv[3]))
        else:
            print(__doc__, file=sys.stderr)
            print("rtpengine_ng.py: bad arguments", file=sys.stderr)
            return 64
    except (RuntimeError, ValueError, OSError, KeyError) as e:
        print(f"rtpengine_ng.py: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
