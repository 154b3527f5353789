// Helpers shared by the configs/ loader tests (config_test.cc, derive_test.cc).
#pragma once

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "configs/config.h"

#include <stdlib.h>

namespace mg::configs::test_util {

namespace fs = std::filesystem;
using lists::Address;
using lists::Family;
using lists::Interval4;
using lists::Interval6;
using lists::Uint128;

inline Address v4(std::string_view text) {
    auto a = lists::parse_address(text);
    EXPECT_TRUE(a && a->is_v4()) << text;
    return a.value_or(Address{});
}

inline Address v6(std::string_view text) {
    auto a = lists::parse_address(text);
    EXPECT_TRUE(a && !a->is_v4()) << text;
    return a.value_or(Address{});
}

inline Interval4 range4(std::string_view first, std::string_view last) {
    return Interval4{v4(first).v4_value(), v4(last).v4_value()};
}

inline Interval6 range6(std::string_view first, std::string_view last) {
    return Interval6{v6(first).value, v6(last).value};
}

inline LoadOptions with_host(std::vector<HostInterface> ifs = {}) {
    LoadOptions o;
    o.host_interfaces = std::move(ifs);
    return o;
}

inline HostInterface host_if(std::string name,
                             std::string_view addr,
                             unsigned len,
                             bool loopback = false) {
    HostInterface h;
    h.name = std::move(name);
    auto a = lists::parse_address(addr);
    EXPECT_TRUE(a.has_value()) << addr;
    h.address = IfAddress{a.value_or(Address{}), len};
    h.loopback = loopback;
    return h;
}

inline Config load_ok(std::string_view text, const LoadOptions& opts = with_host()) {
    auto r = parse_config(text, "t.toml", opts);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().format());
    return r.ok() ? *r : Config{};
}

// The formatted errors of a file that must be refused.
inline std::vector<std::string> errors_of(std::string_view text,
                                          const LoadOptions& opts = with_host()) {
    auto r = parse_config(text, "t.toml", opts);
    EXPECT_FALSE(r.ok());
    std::vector<std::string> out;
    if (!r.ok()) {
        for (const auto& e : r.error().errors)
            out.push_back(e.format());
    }
    return out;
}

inline std::string one_error(std::string_view text, const LoadOptions& opts = with_host()) {
    auto errs = errors_of(text, opts);
    EXPECT_EQ(errs.size(), 1u);
    return errs.empty() ? "" : errs.front();
}

// A scratch directory removed at the end of the test.
class TempDir {
  public:
    TempDir() {
        std::string tmpl = (fs::temp_directory_path() / "mg_configs_test.XXXXXX").string();
        char* made = ::mkdtemp(tmpl.data());
        EXPECT_NE(made, nullptr);
        path_ = tmpl;
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    const fs::path& path() const { return path_; }
    fs::path write(const std::string& name, std::string_view text) const {
        fs::path p = path_ / name;
        fs::create_directories(p.parent_path());
        std::ofstream(p, std::ios::binary) << text;
        return p;
    }

  private:
    fs::path path_;
};

inline constexpr const char* kTwoPorts = R"toml(
[[dataplane.port]]
name = "lan"
role = "lan"
device = "net_af_packet0"
addresses = ["192.0.2.1/24", "2001:db8:1::1/64", "198.51.100.9/32"]
[[dataplane.port]]
name = "wan"
role = "wan"
device = "net_af_packet1"
addresses = ["203.0.113.1/24", "2001:db8:2::1/64"]
)toml";

}  // namespace mg::configs::test_util
