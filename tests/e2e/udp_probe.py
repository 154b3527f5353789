#!/usr/bin/env python3
"""UDP probe for the dataplane e2e tests (runs inside a test namespace).

  udp_probe.py echo BIND_ADDR PORT SECONDS
      Answers every datagram with 0x80 b"echo:" + payload (RTP-like first byte, so a
      latching leg accepts the answer), for at most SECONDS;
      prints one line "from ADDR PORT" per distinct source, then "echoed N".
  udp_probe.py ping BIND_ADDR PORT DEST_ADDR DEST_PORT COUNT [INTERVAL_MS]
      Sends COUNT datagrams (first byte 0x80, like RTP) from BIND_ADDR:PORT and
      counts the echoes; prints "reply from ADDR PORT" per distinct source and
      "sent N received M". Exits 0 when every datagram was echoed, else 1.
Every loop is bounded in count and time.
"""
import socket
import sys
import time


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def echo(bind, port, seconds):
    s = socket.socket(family(bind), socket.SOCK_DGRAM)
    s.bind((bind, port))
    deadline = time.monotonic() + seconds
    seen = set()
    n = 0
    while time.monotonic() < deadline:
        s.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            data, src = s.recvfrom(2048)
        except socket.timeout:
            break
        if src[:2] not in seen:
            seen.add(src[:2])
            print(f"from {src[0]} {src[1]}", flush=True)
        s.sendto(b"\x80echo:" + data, src)
        n += 1
    print(f"echoed {n}", flush=True)


def ping(bind, port, dest, dport, count, interval_ms):
    s = socket.socket(family(bind), socket.SOCK_DGRAM)
    s.bind((bind, port))
    seen = set()
    received = 0
    sent = 0
    for i in range(count):
        s.sendto(bytes([0x80, 0, i >> 8 & 0xFF, i & 0xFF]) + b"mediagate", (dest, dport))
        sent += 1
        end = time.monotonic() + max(interval_ms, 1) / 1000.0
        if i == count - 1:
            end += 1.0  # the last answers may take a moment
        while True:
            left = end - time.monotonic()
            if left <= 0:
                break
            s.settimeout(min(0.2, left))
            try:
                data, src = s.recvfrom(2048)
            except socket.timeout:
                continue
            if data.startswith(b"\x80echo:"):
                received += 1
                if src[:2] not in seen:
                    seen.add(src[:2])
                    print(f"reply from {src[0]} {src[1]}", flush=True)
            if received >= sent and i == count - 1:
                break
    print(f"sent {sent} received {received}", flush=True)
    return 0 if received == sent else 1


def main(argv):
    if len(argv) >= 5 and argv[1] == "echo":
        echo(argv[2], int(argv[3]), float(argv[4]))
        return 0
    if len(argv) >= 7 and argv[1] == "ping":
        interval = int(argv[7]) if len(argv) > 7 else 100
        return ping(argv[2], int(argv[3]), argv[4], int(argv[5]), int(argv[6]), interval)
    print(__doc__, file=sys.stderr)
    return 64


if __name__ == "__main__":
    sys.exit(main(sys.argv))
