// libFuzzer target for the config loader (configs/): arbitrary bytes as mediagate.toml.
//
// Besides "never crash" (toml++ itself is compiled into the clang build, so its parser
// is fuzzed too), it checks on every input:
//  - a refused file reports at least one error, at a real position of the file;
//  - a loaded Config is complete and consistent: five lists in order, each canonical
//    (sorted, disjoint, non-adjacent, no IPv4-mapped IPv6), port ranges valid, port
//    names unique, Server LAN IP owned by a port when ports exist.
// Relative *_file paths resolve under a directory that does not exist, so the fuzzer
// does not read the machine's files through them.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "configs/config.h"
#include "configs/values.h"

namespace {

void require(bool cond) {
    if (!cond)
        __builtin_trap();
}

template <typename Key>
void require_canonical(const std::vector<mg::lists::Interval<Key>>& ivs) {
    for (size_t i = 0; i < ivs.size(); ++i) {
        require(ivs[i].first <= ivs[i].last);
        if (i > 0)
            require(ivs[i - 1].last < ivs[i].first && ivs[i - 1].last + 1 != ivs[i].first);
    }
}

const mg::configs::LoadOptions& options() {
    static const mg::configs::LoadOptions opts = [] {
        using mg::configs::HostInterface;
        using mg::lists::Address;
        mg::configs::LoadOptions o;
        o.host_interfaces = std::vector<HostInterface>{
            {"lo", {Address::v4(0x7f000001), 8}, true},
            {"eth0", {Address::v4(0xc0000207), 24}, false},
            {"eth0", {Address::v6((mg::lists::Uint128{0x20010db8} << 96) | 7), 64}, false},
        };
        return o;
    }();
    return opts;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace mg::configs;
    static const std::string kFile = "/nonexistent-mediagate-fuzz/f.toml";
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto r = parse_config(text, kFile, options());
    if (!r.ok()) {
        const auto& errs = r.error();
        require(!errs.errors.empty() && errs.errors.size() <= kMaxReportedErrors);
        require(errs.total >= errs.errors.size());
        for (const auto& e : errs.errors) {
            require(!e.message.empty());
            if (e.file == kFile)
                require(e.line >= 1 && e.column >= 1);
        }
        (void)errs.format();
        return 0;
    }
    const Config& c = *r;
    require(c.lists.size() == 5);
    const char* names[] = {"lan", "client", "nated", "debug", "dummy"};
    for (size_t i = 0; i < 5; ++i) {
        require(c.lists[i].name == names[i]);
        require_canonical(c.lists[i].set.v4);
        require_canonical(c.lists[i].set.v6);
        for (const auto& iv : c.lists[i].set.v6)
            require(iv.last < mg::lists::kMappedFirst || iv.first > mg::lists::kMappedLast);
    }
    require(c.network.server_lan_ip.has_value() ==
            (c.network.server_lan_ip_origin != Origin::kNone));
    require(c.media.udp_ports.first >= 1 && c.media.udp_ports.first % 2 == 0 &&
            c.media.udp_ports.size() >= 2);
    require(c.media.tcp_ports.first >= 1 && c.media.tcp_ports.first <= c.media.tcp_ports.last);
    require(!c.control.socket.empty() && c.control.socket.size() < 108);
    require(c.control.socket != c.dataplane.socket);
    std::set<std::string> port_names;
    bool owned = false;
    for (const auto& p : c.dataplane.ports) {
        require(port_names.insert(p.name).second);
        require(p.role == "lan" || p.role == "wan");
        require(!p.device.empty() && !p.addresses.empty());
        require(p.vlan <= 4094 && p.dscp <= 63);
        require(p.tap.empty() || is_valid_interface_name(p.tap));
        for (const auto& a : p.addresses) {
            require(a.prefix_len >= 1 && a.prefix_len <= (a.addr.is_v4() ? 32u : 128u));
            if (c.network.server_lan_ip == a.addr)
                owned = true;
        }
        if (p.udp_ports) {
            require(p.udp_ports->first >= c.media.udp_ports.first &&
                    p.udp_ports->last <= c.media.udp_ports.last);
        }
    }
    if (!c.dataplane.ports.empty() && c.network.server_lan_ip)
        require(owned);
    return 0;
}
