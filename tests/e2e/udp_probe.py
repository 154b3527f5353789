#!/usr/bin/env python3
"""UDP probe for the dataplane e2e tests (runs inside a test namespace).

  udp_probe.py echo BIND_ADDR PORT SECONDS
      Answers every datagram with 0x80 b"echo:" + payload (RTP-like first byte, so a
      latching leg accepts the answer), for at most SECONDS or until SIGTERM;
      prints one line "from ADDR PORT" per distinct source, then "echoed N".
  udp_probe.py ping BIND_ADDR PORT DEST_ADDR DEST_PORT COUNT [INTERVAL_MS]
      Sends COUNT datagrams (first byte 0x80, like RTP) from BIND_ADDR:PORT and
      counts the echoes; prints "reply from ADDR PORT" per distinct source and
      "sent N received M". Exits 0 when every datagram was echoed, else 1.
  udp_probe.py tcp-echo BIND_ADDR PORT SECONDS
      Accepts TCP connections for at most SECONDS and answers each with b"echo:" +
      the first chunk it sends; prints "connection from ADDR", then "accepted N".
  udp_probe.py tcp-ping DEST_ADDR PORT
      Connects (3 s time-out), sends a line, expects it echoed; prints "echoed" and
      exits 0, else prints why and exits 1.
Every loop is bounded in count and time.
"""
import signal
import socket
import sys
import time


class Stop(Exception):
    """SIGTERM: finish the current loop and report."""


def raise_stop(_signum, _frame):
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # once: `timeout` may pass it on too
    raise Stop()


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def echo(bind, port, seconds):
    s = socket.socket(family(bind), socket.SOCK_DGRAM)
    s.bind((bind, port))
    deadline = time.monotonic() + seconds
    seen = set()
    n = 0
    signal.signal(signal.SIGTERM, raise_stop)
    try:
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
    except Stop:
        pass
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


def tcp_echo(bind, port, seconds):
    s = socket.socket(family(bind), socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((bind, port))
    s.listen(8)
    deadline = time.monotonic() + seconds
    n = 0
    while n < 100:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        s.settimeout(left)
        try:
            c, src = s.accept()
        except socket.timeout:
            break
        with c:
            print(f"connection from {src[0]}", flush=True)
            c.settimeout(2.0)
            try:
                c.sendall(b"echo:" + c.recv(2048))
            except OSError:
                pass
        n += 1
    print(f"accepted {n}", flush=True)


def tcp_ping(dest, port):
    try:
        with socket.create_connection((dest, port), timeout=3.0) as c:
            c.sendall(b"OPTIONS sip:probe@mediagate SIP/2.0\r\n")
            data = c.recv(2048)
    except OSError as e:
        print(f"failed: {e}", flush=True)
        return 1
    if data.startswith(b"echo:OPTIONS"):
        print("echoed", flush=True)
        return 0
    print(f"unexpected answer {data[:40]!r}", flush=True)
    return 1


def main(argv):
    if len(argv) >= 5 and argv[1] == "echo":
        echo(argv[2], int(argv[3]), float(argv[4]))
        return 0
    if len(argv) >= 7 and argv[1] == "ping":
        interval = int(argv[7]) if len(argv) > 7 else 100
        return ping(argv[2], int(argv[3]), argv[4], int(argv[5]), int(argv[6]), interval)
    if len(argv) >= 5 and argv[1] == "tcp-echo":
        tcp_echo(argv[2], int(argv[3]), float(argv[4]))
        return 0
    if len(argv) >= 4 and argv[1] == "tcp-ping":
        return tcp_ping(argv[2], int(argv[3]))
    print(__doc__, file=sys.stderr)
    return 64


if __name__ == "__main__":
    sys.exit(main(sys.argv))
