#include "tests/dataplane/frame_builder.h"

#include <algorithm>
#include <cstdio>
#include <stdexcept>

#include "lists/address.h"

namespace mg::dataplane::test {
namespace {

void put16(Bytes& b, uint16_t v) {
    b.push_back(static_cast<uint8_t>(v >> 8));
    b.push_back(static_cast<uint8_t>(v));
}
void put_bytes(Bytes& b, const Bytes& more) {
    b.insert(b.end(), more.begin(), more.end());
}
uint16_t get16(const Bytes& b, size_t at) {
    return static_cast<uint16_t>(b[at] << 8 | b[at + 1]);
}

Bytes udp_header_and_payload(uint16_t sport, uint16_t dport, const Bytes& payload) {
    Bytes u;
    put16(u, sport);
    put16(u, dport);
    put16(u, static_cast<uint16_t>(8 + payload.size()));
    put16(u, 0);
    put_bytes(u, payload);
    return u;
}

// Pseudo-header + UDP for the reference sum (RFC 768, RFC 8200 §8.1).
Bytes pseudo(const Bytes& src, const Bytes& dst, const Bytes& udp) {
    Bytes p;
    put_bytes(p, src);
    put_bytes(p, dst);
    if (src.size() == 4) {
        p.push_back(0);
        p.push_back(17);
        put16(p, static_cast<uint16_t>(udp.size()));
    } else {
        put16(p, 0);
        put16(p, static_cast<uint16_t>(udp.size()));
        put16(p, 0);
        put16(p, 17);
    }
    put_bytes(p, udp);
    return p;
}

}  // namespace

uint16_t ref_sum(const Bytes& data) {
    uint64_t sum = 0;
    for (size_t i = 0; i < data.size(); i += 2) {
        uint16_t word = static_cast<uint16_t>(data[i] << 8);
        if (i + 1 < data.size()) {
            word = static_cast<uint16_t>(word | data[i + 1]);
        }
        sum += word;
    }
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return static_cast<uint16_t>(sum);
}

uint16_t ref_checksum(const Bytes& data) {
    return static_cast<uint16_t>(~ref_sum(data));
}

Bytes ip_bytes(const std::string& text) {
    if (auto v4 = lists::parse_ipv4(text)) {
        return {static_cast<uint8_t>(*v4 >> 24), static_cast<uint8_t>(*v4 >> 16),
                static_cast<uint8_t>(*v4 >> 8), static_cast<uint8_t>(*v4)};
    }
    auto v6 = lists::parse_ipv6(text);
    if (!v6) {
        throw std::invalid_argument("bad address in a test: " + text);
    }
    Bytes b(16);
    lists::Uint128 v = *v6;
    for (int i = 15; i >= 0; --i) {
        b[static_cast<size_t>(i)] = static_cast<uint8_t>(v);
        v >>= 8;
    }
    return b;
}

Bytes ethernet(const Mac& dst,
               const Mac& src,
               uint16_t ether_type,
               const Bytes& l3,
               std::optional<uint16_t> vlan_tci) {
    Bytes f(dst.begin(), dst.end());
    f.insert(f.end(), src.begin(), src.end());
    if (vlan_tci) {
        put16(f, 0x8100);
        put16(f, *vlan_tci);
    }
    put16(f, ether_type);
    put_bytes(f, l3);
    return f;
}

Bytes ipv4(const std::string& src,
           const std::string& dst,
           uint8_t proto,
           const Bytes& l4,
           uint8_t ttl,
           const Bytes& options) {
    Bytes h;
    h.push_back(static_cast<uint8_t>(0x40 | (5 + options.size() / 4)));
    h.push_back(0);
    put16(h, static_cast<uint16_t>(20 + options.size() + l4.size()));
    put16(h, 0);
    put16(h, 0x4000);
    h.push_back(ttl);
    h.push_back(proto);
    put16(h, 0);
    put_bytes(h, ip_bytes(src));
    put_bytes(h, ip_bytes(dst));
    put_bytes(h, options);
    const uint16_t c = ref_checksum(h);
    h[10] = static_cast<uint8_t>(c >> 8);
    h[11] = static_cast<uint8_t>(c);
    put_bytes(h, l4);
    return h;
}

Bytes ipv6(const std::string& src,
           const std::string& dst,
           uint8_t next_header,
           const Bytes& l4,
           uint8_t hop_limit) {
    Bytes h{0x60, 0, 0, 0};
    put16(h, static_cast<uint16_t>(l4.size()));
    h.push_back(next_header);
    h.push_back(hop_limit);
    put_bytes(h, ip_bytes(src));
    put_bytes(h, ip_bytes(dst));
    put_bytes(h, l4);
    return h;
}

Bytes build_udp(const UdpFrame& f) {
    const Bytes src = ip_bytes(f.src_ip);
    const Bytes dst = ip_bytes(f.dst_ip);
    Bytes udp = udp_header_and_payload(f.src_port, f.dst_port, f.payload);
    if (!f.zero_udp_checksum) {
        uint16_t c = ref_checksum(pseudo(src, dst, udp));
        if (c == 0) {
            c = 0xffff;
        }
        udp[6] = static_cast<uint8_t>(c >> 8);
        udp[7] = static_cast<uint8_t>(c);
    }
    Bytes l3;
    uint16_t ether_type = 0;
    if (src.size() == 4) {
        ether_type = 0x0800;
        l3.push_back(0x45);
        l3.push_back(f.tclass);
        put16(l3, static_cast<uint16_t>(20 + udp.size()));
        put16(l3, f.ipv4_id);
        put16(l3, f.ipv4_frag);
        l3.push_back(f.ttl);
        l3.push_back(17);
        put16(l3, 0);
        put_bytes(l3, src);
        put_bytes(l3, dst);
        const uint16_t c = ref_checksum(l3);
        l3[10] = static_cast<uint8_t>(c >> 8);
        l3[11] = static_cast<uint8_t>(c);
    } else {
        ether_type = 0x86dd;
        l3.push_back(static_cast<uint8_t>(0x60 | (f.tclass >> 4)));
        l3.push_back(static_cast<uint8_t>(f.tclass << 4));
        put16(l3, 0);
        put16(l3, static_cast<uint16_t>(udp.size()));
        l3.push_back(17);
        l3.push_back(f.ttl);
        put_bytes(l3, src);
        put_bytes(l3, dst);
    }
    put_bytes(l3, udp);
    Bytes frame = ethernet(f.dst_mac, f.src_mac, ether_type, l3, f.vlan_tci);
    if (frame.size() < f.pad_to) {
        frame.resize(f.pad_to, 0);
    }
    return frame;
}

Bytes arp_request(const Mac& sender_mac,
                  const std::string& sender_ip,
                  const std::string& target_ip) {
    Bytes a;
    put16(a, 1);
    put16(a, 0x0800);
    a.push_back(6);
    a.push_back(4);
    put16(a, 1);
    a.insert(a.end(), sender_mac.begin(), sender_mac.end());
    put_bytes(a, ip_bytes(sender_ip));
    a.insert(a.end(), 6, 0);
    put_bytes(a, ip_bytes(target_ip));
    return a;
}

Bytes neighbour_message(uint8_t type,
                        const std::string& src,
                        const std::string& dst,
                        const std::string& target) {
    NdMessage m;
    m.type = type;
    m.src = src;
    m.dst = dst;
    m.target = target;
    return nd_packet(m);
}

Bytes arp(uint16_t op,
          const Mac& sender_mac,
          const std::string& sender_ip,
          const Mac& target_mac,
          const std::string& target_ip) {
    Bytes a;
    put16(a, 1);
    put16(a, 0x0800);
    a.push_back(6);
    a.push_back(4);
    put16(a, op);
    a.insert(a.end(), sender_mac.begin(), sender_mac.end());
    put_bytes(a, ip_bytes(sender_ip));
    a.insert(a.end(), target_mac.begin(), target_mac.end());
    put_bytes(a, ip_bytes(target_ip));
    return a;
}

Bytes nd_packet(const NdMessage& m) {
    Bytes icmp{m.type, m.code, 0, 0, m.flags, 0, 0, 0};
    put_bytes(icmp, ip_bytes(m.target));
    put_bytes(icmp, m.options);
    Bytes p;
    put_bytes(p, ip_bytes(m.src));
    put_bytes(p, ip_bytes(m.dst));
    put16(p, 0);
    put16(p, static_cast<uint16_t>(icmp.size()));
    put16(p, 0);
    put16(p, 58);
    put_bytes(p, icmp);
    const uint16_t c = static_cast<uint16_t>(ref_checksum(p) + m.checksum_delta);
    icmp[2] = static_cast<uint8_t>(c >> 8);
    icmp[3] = static_cast<uint8_t>(c);
    return ipv6(m.src, m.dst, 58, icmp, m.hop_limit);
}

Bytes lla_option(uint8_t type, const Mac& mac) {
    // Sized up front: g++ 12 at -O3 warns (-Warray-bounds, a false positive) on
    // inserting into a 2-byte vector.
    Bytes o(2 + mac.size());
    o[0] = type;
    o[1] = 1;
    std::copy(mac.begin(), mac.end(), o.begin() + 2);
    return o;
}

std::string solicited_node(const std::string& target) {
    const Bytes t = ip_bytes(target);
    char text[64];
    std::snprintf(text, sizeof text, "ff02::1:ff%02x:%02x%02x", t[13], t[14], t[15]);
    return text;
}

Mac ipv6_multicast_mac(const std::string& group) {
    const Bytes g = ip_bytes(group);
    return Mac{0x33, 0x33, g[12], g[13], g[14], g[15]};
}

bool icmpv6_checksum_ok(const Bytes& frame, size_t l3) {
    if (frame.size() < l3 + 40) {
        return false;
    }
    const size_t len = get16(frame, l3 + 4);
    if (frame.size() < l3 + 40 + len) {
        return false;
    }
    const auto at = [&](size_t off) { return frame.begin() + static_cast<long>(off); };
    Bytes p(at(l3 + 8), at(l3 + 40));
    put16(p, 0);
    put16(p, static_cast<uint16_t>(len));
    put16(p, 0);
    put16(p, 58);
    p.insert(p.end(), at(l3 + 40), at(l3 + 40 + len));
    return ref_sum(p) == 0xffff;
}

bool ipv4_header_ok(const Bytes& frame, size_t l3) {
    const size_t ihl = (frame[l3] & 0x0f) * 4u;
    return ref_sum(Bytes(frame.begin() + static_cast<long>(l3),
                         frame.begin() + static_cast<long>(l3 + ihl))) == 0xffff;
}

bool udp_checksum_ok(const Bytes& frame, size_t l3) {
    const bool v4 = (frame[l3] >> 4) == 4;
    const size_t addr_len = v4 ? 4 : 16;
    const size_t addr_at = l3 + (v4 ? 12 : 8);
    const size_t l4 = l3 + (v4 ? 20 : 40);
    const uint16_t udp_len = get16(frame, l4 + 4);
    if (v4 && get16(frame, l4 + 6) == 0) {
        return true;
    }
    const auto at = [&](size_t off) { return frame.begin() + static_cast<long>(off); };
    const Bytes src(at(addr_at), at(addr_at + addr_len));
    const Bytes dst(at(addr_at + addr_len), at(addr_at + 2 * addr_len));
    const Bytes udp(at(l4), at(l4 + udp_len));
    return ref_sum(pseudo(src, dst, udp)) == 0xffff;
}

}  // namespace mg::dataplane::test
