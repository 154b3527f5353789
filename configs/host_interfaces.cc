// read_host_interfaces(): the host's addresses via getifaddrs(3).
#include <cstring>

#include "configs/config.h"

#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>

namespace mg::configs {
namespace {

unsigned count_prefix(const unsigned char* bytes, size_t n) {
    unsigned len = 0;
    for (size_t i = 0; i < n; ++i) {
        unsigned char b = bytes[i];
        if (b == 0xff) {
            len += 8;
            continue;
        }
        while (b & 0x80) {
            ++len;
            b = static_cast<unsigned char>(b << 1);
        }
        break;  // a netmask is contiguous; stop at its first zero bit
    }
    return len;
}

}  // namespace

std::vector<HostInterface> read_host_interfaces() {
    std::vector<HostInterface> out;
    ifaddrs* list = nullptr;
    if (::getifaddrs(&list) != 0)
        return out;
    for (ifaddrs* ifa = list; ifa != nullptr; ifa = ifa->ifa_next) {
        if (ifa->ifa_addr == nullptr)
            continue;
        HostInterface hi;
        hi.name = ifa->ifa_name != nullptr ? ifa->ifa_name : "";
        hi.loopback = (ifa->ifa_flags & IFF_LOOPBACK) != 0;
        if (ifa->ifa_addr->sa_family == AF_INET) {
            sockaddr_in sin;
            std::memcpy(&sin, ifa->ifa_addr, sizeof sin);
            hi.address.addr = lists::Address::v4(ntohl(sin.sin_addr.s_addr));
            hi.address.prefix_len = 32;
            if (ifa->ifa_netmask != nullptr) {
                sockaddr_in mask;
                std::memcpy(&mask, ifa->ifa_netmask, sizeof mask);
                hi.address.prefix_len =
                    count_prefix(reinterpret_cast<const unsigned char*>(&mask.sin_addr.s_addr), 4);
            }
        } else if (ifa->ifa_addr->sa_family == AF_INET6) {
            sockaddr_in6 sin6;
            std::memcpy(&sin6, ifa->ifa_addr, sizeof sin6);
            lists::Uint128 v = 0;
            for (unsigned char b : sin6.sin6_addr.s6_addr)
                v = (v << 8) | b;
            // Kept as IPv6 even when IPv4-mapped, so the prefix length stays meaningful.
            hi.address.addr = lists::Address{lists::Family::kV6, v};
            hi.address.prefix_len = 128;
            if (ifa->ifa_netmask != nullptr) {
                sockaddr_in6 mask;
                std::memcpy(&mask, ifa->ifa_netmask, sizeof mask);
                hi.address.prefix_len = count_prefix(mask.sin6_addr.s6_addr, 16);
            }
        } else {
            continue;
        }
        out.push_back(std::move(hi));
    }
    ::freeifaddrs(list);
    return out;
}

}  // namespace mg::configs
