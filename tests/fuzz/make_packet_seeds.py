#!/usr/bin/env python3
"""Writes the seed corpus of tests/fuzz/packet_fuzz.cc into corpus/packet/.

Each seed is a burst in the fuzz target's input format: per frame one flags byte
(bits 0-1 RX IPv4 checksum flag, bit 2 split into two segments, bit 3 on the
first frame: second pass after the re-latch time, bit 4 arrival port), a 2-byte
big-endian length and the frame. The frames reach the legs, addresses and
neighbours of the target's fixture. Run it again after changing the fixture.
"""
import ipaddress
import os
import struct

OUR_MAC = bytes.fromhex("020000000010")
PORT1_MAC = bytes.fromhex("020000000011")
PEER_MAC = bytes.fromhex("0200000000ee")


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def eth(dst, src, ethertype, payload, vlan=None):
    if vlan is None:
        return dst + src + struct.pack("!H", ethertype) + payload
    return dst + src + struct.pack("!HHH", 0x8100, vlan, ethertype) + payload


def ipv4(src, dst, proto, payload, ttl=64, frag=0x4000):
    s, d = ipaddress.IPv4Address(src).packed, ipaddress.IPv4Address(dst).packed
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0xB8, 20 + len(payload), 1, frag, ttl, proto, 0, s, d)
    return h[:10] + struct.pack("!H", csum(h)) + h[12:] + payload


def ipv6(src, dst, nh, payload, hlim=64):
    s, d = ipaddress.IPv6Address(src).packed, ipaddress.IPv6Address(dst).packed
    return struct.pack("!IHBB16s16s", 0x60000000, len(payload), nh, hlim, s, d) + payload


def udp(src_ip, dst_ip, sport, dport, payload, zero_csum=False):
    v4 = ":" not in src_ip
    length = 8 + len(payload)
    pkt = struct.pack("!HHHH", sport, dport, length, 0) + payload
    if zero_csum:
        return pkt
    if v4:
        pseudo = (ipaddress.IPv4Address(src_ip).packed + ipaddress.IPv4Address(dst_ip).packed +
                  struct.pack("!BBH", 0, 17, length))
    else:
        pseudo = (ipaddress.IPv6Address(src_ip).packed + ipaddress.IPv6Address(dst_ip).packed +
                  struct.pack("!IxxxB", length, 17))
    c = csum(pseudo + pkt) or 0xFFFF
    return pkt[:6] + struct.pack("!H", c) + pkt[8:]


RTP = bytes([0x80, 0x00, 0x12, 0x34]) + bytes(range(8, 8 + 28))


def udp4_frame(src, sport, dst, dport, vlan=None, payload=RTP, **kw):
    return eth(OUR_MAC, PEER_MAC, 0x0800,
               ipv4(src, dst, 17, udp(src, dst, sport, dport, payload, **kw)), vlan)


def udp6_frame(src, sport, dst, dport, payload=RTP):
    return eth(OUR_MAC, PEER_MAC, 0x86DD, ipv6(src, dst, 17, udp(src, dst, sport, dport, payload)))


def arp_request(sender, target):
    body = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, PEER_MAC,
                       ipaddress.IPv4Address(sender).packed, bytes(6),
                       ipaddress.IPv4Address(target).packed)
    return eth(b"\xff" * 6, PEER_MAC, 0x0806, body)


def neighbour_solicitation(src, target):
    t = ipaddress.IPv6Address(target)
    dst = ipaddress.IPv6Address("ff02::1:ff00:0") + (int(t) & 0xFFFFFF)
    body = struct.pack("!BBHI16s", 135, 0, 0, 0, t.packed) + bytes([1, 1]) + PEER_MAC
    pseudo = (ipaddress.IPv6Address(src).packed + dst.packed +
              struct.pack("!IxxxB", len(body), 58))
    body = body[:2] + struct.pack("!H", csum(pseudo + body)) + body[4:]
    mac = bytes([0x33, 0x33]) + dst.packed[-4:]
    return eth(mac, PEER_MAC, 0x86DD, ipv6(src, str(dst), 58, body, hlim=255))


def icmp_echo(src, dst):
    body = struct.pack("!BBHHH", 8, 0, 0, 1, 1) + b"ping"
    body = body[:2] + struct.pack("!H", csum(body)) + body[4:]
    return eth(OUR_MAC, PEER_MAC, 0x0800, ipv4(src, dst, 1, body))


def rec(frame, flags=0):
    return bytes([flags]) + struct.pack("!H", len(frame)) + frame


SEEDS = {
    "v4_signalled": [rec(udp4_frame("192.0.2.10", 5000, "192.0.2.1", 4000))],
    "v4_vlan_latch": [rec(udp4_frame("198.51.100.77", 6000, "198.51.100.1", 4000, vlan=100),
                          0x10)],
    "v6_latch_to_v4": [rec(udp6_frame("2001:db8:1::10", 5555, "2001:db8:1::1", 4002)),
                       rec(udp4_frame("203.0.113.5", 6000, "192.0.2.1", 4002))],
    "v4_routed_v6": [rec(udp4_frame("203.0.113.9", 7000, "198.51.100.1", 4004, vlan=100), 0x10),
                     rec(udp6_frame("2001:db8:1::10", 7001, "2001:db8:1::1", 4004))],
    "relatch": [rec(udp4_frame("198.51.100.78", 6001, "198.51.100.1", 4000, vlan=100), 0x18),
                rec(udp4_frame("198.51.100.77", 6000, "198.51.100.1", 4000, vlan=100), 0x10)],
    "arp_request": [rec(arp_request("192.0.2.10", "192.0.2.1"))],
    "neighbour_solicitation": [rec(neighbour_solicitation("2001:db8:1::10", "2001:db8:1::1"))],
    "mixed": [
        rec(udp4_frame("192.0.2.10", 5000, "192.0.2.1", 4000), 0x01),
        rec(udp4_frame("192.0.2.10", 5000, "192.0.2.1", 4000, zero_csum=True), 0x04),
        rec(udp4_frame("192.0.2.10", 5000, "192.0.2.1", 4001)),
        rec(udp4_frame("192.0.2.11", 5000, "192.0.2.1", 4000)),
        rec(icmp_echo("192.0.2.10", "192.0.2.1")),
        rec(eth(OUR_MAC, PEER_MAC, 0x0800, ipv4("192.0.2.10", "192.0.2.1", 17,
                                                 udp("192.0.2.10", "192.0.2.1", 5000, 4000, RTP),
                                                 frag=0x2000))),
        rec(udp4_frame("192.0.2.10", 5000, "192.0.2.1", 4000)[:30]),
        rec(arp_request("192.0.2.10", "192.0.2.1"), 0x04),
        rec(udp6_frame("2001:db8:1::10", 5555, "2001:db8:1::1", 4002, payload=b"\x16" + RTP)),
    ],
}


def main():
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "packet")
    os.makedirs(out, exist_ok=True)
    for name, records in SEEDS.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(b"".join(records))


if __name__ == "__main__":
    main()
