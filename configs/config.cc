// The small parts of the public API (formatting, names, lookups) and the error sink.
// The loader itself is in loader.cc; read_host_interfaces in host_interfaces.cc.
#include "configs/config.h"

#include <algorithm>

#include "common/check.h"
#include "configs/error_sink.h"

namespace mg::configs {
namespace {

lists::Uint128 host_mask(const IfAddress& a) {
    unsigned width = a.addr.is_v4() ? 32 : 128;
    unsigned len = std::min(a.prefix_len, width);
    lists::Uint128 all = a.addr.is_v4() ? lists::Uint128{0xffffffffu} : lists::kV6Max;
    return len == 0       ? all
           : len >= width ? lists::Uint128{0}
                          : (lists::Uint128{1} << (width - len)) - 1;
}

}  // namespace

std::string ConfigError::format() const {
    std::string out = file;
    if (line != 0) {
        out += ':' + std::to_string(line);
        if (column != 0)
            out += ':' + std::to_string(column);
    }
    out += ": ";
    out += message;
    return out;
}

std::string ConfigErrors::format() const {
    std::string out;
    for (const auto& e : errors) {
        out += e.format();
        out += '\n';
    }
    if (total > errors.size()) {
        if (!errors.empty())
            out += errors.front().file + ": ";
        out += std::to_string(total - errors.size()) + " more error(s) not shown\n";
    }
    return out;
}

lists::Address IfAddress::network_first() const {
    return lists::Address{addr.family, addr.value & ~host_mask(*this)};
}

lists::Address IfAddress::network_last() const {
    return lists::Address{addr.family, addr.value | host_mask(*this)};
}

std::string Endpoint::format() const {
    if (!addr)
        return "any";
    std::string a = lists::format_address(*addr);
    return (addr->is_v4() ? a : "[" + a + "]") + ":" + std::to_string(port);
}

std::string IfAddress::format() const {
    return lists::format_address(addr) + "/" + std::to_string(prefix_len);
}

std::string PortRange::format() const {
    return std::to_string(first) + "-" + std::to_string(last);
}

const char* to_string(Ipv6Setting s) {
    switch (s) {
        case Ipv6Setting::kAuto:
            return "auto";
        case Ipv6Setting::kYes:
            return "yes";
        case Ipv6Setting::kNo:
            return "no";
    }
    return "?";
}

const char* to_string(LogLevel l) {
    switch (l) {
        case LogLevel::kError:
            return "error";
        case LogLevel::kWarning:
            return "warning";
        case LogLevel::kInfo:
            return "info";
        case LogLevel::kDebug:
            return "debug";
    }
    return "?";
}

const char* to_string(Origin o) {
    switch (o) {
        case Origin::kConfig:
            return "config";
        case Origin::kDefault:
            return "default";
        case Origin::kDataplanePorts:
            return "dataplane ports";
        case Origin::kHostInterfaces:
            return "host interfaces";
        case Origin::kNone:
            return "none";
    }
    return "?";
}

const ConfiguredList& Config::list(std::string_view name) const {
    for (const auto& l : lists) {
        if (l.name == name)
            return l;
    }
    MG_CHECK(false, "Config::list: unknown list \"%.*s\"", static_cast<int>(name.size()),
             name.data());
}

bool ErrorSink::earlier(const Entry& a, const Entry& b) {
    if (a.anchor.line != b.anchor.line)
        return a.anchor.line < b.anchor.line;
    if (a.anchor.column != b.anchor.column)
        return a.anchor.column < b.anchor.column;
    return a.seq < b.seq;
}

void ErrorSink::keep(Entry e) {
    ++added_;
    if (kept_.size() < kMaxReportedErrors) {
        kept_.push_back(std::move(e));
        std::push_heap(kept_.begin(), kept_.end(), earlier);
    } else if (earlier(e, kept_.front())) {
        std::pop_heap(kept_.begin(), kept_.end(), earlier);
        kept_.back() = std::move(e);
        std::push_heap(kept_.begin(), kept_.end(), earlier);
    }
}

void ErrorSink::add(FilePos at, std::string message) {
    keep(Entry{at, added_, ConfigError{file_, at.line, at.column, std::move(message)}});
}

void ErrorSink::add_elsewhere(std::string file, FilePos at, FilePos anchor, std::string message) {
    keep(Entry{anchor, added_,
               ConfigError{std::move(file), at.line, at.column, std::move(message)}});
}

ConfigErrors ErrorSink::finish() && {
    std::sort_heap(kept_.begin(), kept_.end(), earlier);
    ConfigErrors out;
    out.total = added_ + unreported_;
    for (auto& e : kept_)
        out.errors.push_back(std::move(e.error));
    return out;
}

}  // namespace mg::configs
