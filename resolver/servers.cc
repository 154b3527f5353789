#include "resolver/servers.h"

#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>

namespace mg::resolver {

namespace {

Error bad(std::string_view text, const char* why) {
    return make_error(ErrorCode::kInvalidInput, "DNS server \"" + std::string(text) + "\": " + why);
}

}  // namespace

socklen_t ServerAddr::to_sockaddr(sockaddr_storage& out) const {
    std::memset(&out, 0, sizeof(out));
    if (addr.is_v4()) {
        auto* sin = reinterpret_cast<sockaddr_in*>(&out);
        sin->sin_family = AF_INET;
        sin->sin_port = htons(port);
        sin->sin_addr.s_addr = htonl(addr.v4_value());
        return sizeof(sockaddr_in);
    }
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&out);
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(port);
    for (int i = 0; i < 16; ++i) {
        sin6->sin6_addr.s6_addr[i] = static_cast<uint8_t>(addr.value >> (8 * (15 - i)));
    }
    return sizeof(sockaddr_in6);
}

std::string ServerAddr::to_string() const {
    std::string a = lists::format_address(addr);
    if (!addr.is_v4()) {
        a = "[" + a + "]";
    }
    return a + ":" + std::to_string(port);
}

bool from_sockaddr(const sockaddr_storage& sa, ServerAddr& out) {
    if (sa.ss_family == AF_INET) {
        const auto* sin = reinterpret_cast<const sockaddr_in*>(&sa);
        out.addr = lists::Address::v4(ntohl(sin->sin_addr.s_addr));
        out.port = ntohs(sin->sin_port);
        return true;
    }
    if (sa.ss_family == AF_INET6) {
        const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(&sa);
        lists::Uint128 v = 0;
        for (int i = 0; i < 16; ++i) {
            v = (v << 8) | sin6->sin6_addr.s6_addr[i];
        }
        out.addr = lists::Address::v6(v);
        out.port = ntohs(sin6->sin6_port);
        return true;
    }
    return false;
}

Result<ServerAddr> parse_server(std::string_view text) {
    if (text.empty()) {
        return bad(text, "empty");
    }
    std::string_view host = text;
    std::string_view port_text;
    bool has_port = false;
    if (text.front() == '[') {
        size_t close = text.find(']');
        if (close == std::string_view::npos) {
            return bad(text, "missing ']'");
        }
        host = text.substr(1, close - 1);
        std::string_view rest = text.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') {
                return bad(text, "expected ':PORT' after ']'");
            }
            port_text = rest.substr(1);
            has_port = true;
        }
        if (!lists::parse_ipv6(host)) {
            return bad(text, "bad IPv6 address inside brackets");
        }
    } else {
        size_t colon = text.find(':');
        if (colon != std::string_view::npos &&
            text.find(':', colon + 1) == std::string_view::npos) {
            host = text.substr(0, colon);  // exactly one ':': IPv4 (or name) with a port
            port_text = text.substr(colon + 1);
            has_port = true;
        }
        if (host.find_first_of("[]") != std::string_view::npos) {
            return bad(text, "stray bracket");
        }
    }
    std::optional<lists::Address> addr = lists::parse_address(host);
    if (!addr) {
        return bad(text, "bad address");
    }
    ServerAddr out;
    out.addr = *addr;
    if (has_port) {
        unsigned value = 0;
        auto [ptr, ec] =
            std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
        if (port_text.empty() || ec != std::errc() || ptr != port_text.data() + port_text.size()) {
            return bad(text, "bad port (expected 1..65535)");
        }
        if (value == 0 || value > 65535) {
            return bad(text, "port out of range (expected 1..65535)");
        }
        out.port = static_cast<uint16_t>(value);
    }
    return out;
}

std::vector<ServerAddr> read_resolv_conf(const std::string& path) {
    std::vector<ServerAddr> servers;
    std::ifstream in(path);
    std::string line;
    while (in && std::getline(in, line)) {
        size_t comment = line.find_first_of("#;");
        if (comment != std::string::npos) {
            line.resize(comment);
        }
        std::istringstream words(line);
        std::string keyword;
        std::string value;
        if (!(words >> keyword) || keyword != "nameserver" || !(words >> value)) {
            continue;
        }
        if (value.front() == '[') {
            continue;  // resolv.conf takes a bare address only
        }
        std::optional<lists::Address> addr = lists::parse_address(value);
        if (addr) {
            servers.push_back(ServerAddr{*addr, kDnsPort});
        }
    }
    if (servers.empty()) {
        servers.push_back(ServerAddr{lists::Address::v4(0x7f000001), kDnsPort});
    }
    return servers;
}

}  // namespace mg::resolver
