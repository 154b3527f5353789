#include "resolver/dns_message.h"

#include <algorithm>
#include <utility>

#include <arpa/inet.h>

namespace mg::resolver {
namespace {

constexpr std::pair<RrType, std::string_view> kTypeNames[] = {
    {RrType::kA, "A"},         {RrType::kNs, "NS"},     {RrType::kCname, "CNAME"},
    {RrType::kSoa, "SOA"},     {RrType::kPtr, "PTR"},   {RrType::kMx, "MX"},
    {RrType::kTxt, "TXT"},     {RrType::kAaaa, "AAAA"}, {RrType::kSrv, "SRV"},
    {RrType::kNaptr, "NAPTR"}, {RrType::kOpt, "OPT"},
};

constexpr size_t kFixedRrSize = 10;  // TYPE, CLASS, TTL, RDLENGTH

// A parsed item and the offset just after it.
template <typename T>
struct Parsed {
    T value;
    size_t end = 0;
};

uint16_t get16(std::span<const uint8_t> w, size_t off) {
    return static_cast<uint16_t>((w[off] << 8) | w[off + 1]);
}

uint32_t get32(std::span<const uint8_t> w, size_t off) {
    return (static_cast<uint32_t>(get16(w, off)) << 16) | get16(w, off + 2);
}

// Writes v in network order at p; returns the byte after it.
uint8_t* put16(uint8_t* p, uint16_t v) {
    p[0] = static_cast<uint8_t>(v >> 8);
    p[1] = static_cast<uint8_t>(v);
    return p + 2;
}

Error invalid(std::string message) {
    return make_error(ErrorCode::kInvalidInput, std::move(message));
}

Error in_context(const std::string& context, const Error& e) {
    return Error{e.code, context + ": " + e.message};
}

std::string at(size_t offset, size_t size) {
    return "(offset " + std::to_string(offset) + ", size " + std::to_string(size) + ")";
}

bool ascii_iequal(std::string_view a, std::string_view b) {
    if (a.size() != b.size())
        return false;
    for (size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'a' && x <= 'z')
            x = static_cast<char>(x - 'a' + 'A');
        if (y >= 'a' && y <= 'z')
            y = static_cast<char>(y - 'a' + 'A');
        if (x != y)
            return false;
    }
    return true;
}

// Reads the fields of one RDATA [pos, end) in order; every read is checked against
// `end`, and errors are prefixed with the type ("MX RDATA: ...").
class RdataReader {
  public:
    RdataReader(std::span<const uint8_t> msg, size_t begin, size_t end, RrType type)
        : msg_(msg), pos_(begin), end_(end), type_(type) {}

    Result<uint16_t> u16(const char* field) {
        if (end_ - pos_ < 2)
            return cut(field, 2);
        uint16_t v = get16(msg_, pos_);
        pos_ += 2;
        return v;
    }
    Result<uint32_t> u32(const char* field) {
        if (end_ - pos_ < 4)
            return cut(field, 4);
        uint32_t v = get32(msg_, pos_);
        pos_ += 4;
        return v;
    }
    Result<std::string> name(const char* field) {
        auto n = read_name(msg_, pos_, end_);
        if (!n.ok())
            return fail(std::string(field) + " " + n.error().message);
        pos_ = n->end;
        return std::move(n->text);
    }
    // RFC 1035 <character-string>: a length byte and that many bytes.
    Result<std::string> char_string(const char* field) {
        if (pos_ >= end_)
            return cut(field, 1);
        const size_t len = msg_[pos_];
        if (len > end_ - pos_ - 1) {
            return fail(std::string(field) + " character-string of " + std::to_string(len) +
                        " bytes at offset " + std::to_string(pos_) + " runs past the RDATA end " +
                        at(end_, msg_.size()));
        }
        std::string s(reinterpret_cast<const char*>(&msg_[pos_ + 1]), len);
        pos_ += 1 + len;
        return s;
    }
    Result<void> skip(size_t n, const char* field) {
        if (end_ - pos_ < n)
            return cut(field, n);
        pos_ += n;
        return {};
    }
    bool at_end() const { return pos_ == end_; }
    // Every typed RDATA must be used exactly.
    Result<void> finish() {
        if (at_end())
            return {};
        return fail(std::to_string(end_ - pos_) + " unexpected bytes at offset " +
                    std::to_string(pos_) + " before the RDATA end " + at(end_, msg_.size()));
    }
    Error fail(const std::string& what) const {
        return invalid(format_rr_type(type_) + " RDATA: " + what);
    }

  private:
    Error cut(const char* field, size_t need) const {
        return fail(std::string(field) + " needs " + std::to_string(need) + " bytes at offset " +
                    std::to_string(pos_) + ", RDATA ends at " + std::to_string(end_) +
                    " (message size " + std::to_string(msg_.size()) + ")");
    }

    std::span<const uint8_t> msg_;
    size_t pos_;
    size_t end_;
    RrType type_;  // formatted only for an error
};

// Shorthand: evaluate a Result-returning read into `var`, or return its error.
#define MG_DNS_READ(var, expr)       \
    auto var##_result = (expr);      \
    if (!var##_result.ok())          \
        return var##_result.error(); \
    auto var = std::move(var##_result).value()

Result<RData> parse_rdata(std::span<const uint8_t> msg, RrType type, size_t begin, size_t end) {
    RdataReader r(msg, begin, end, type);
    const size_t len = end - begin;
    switch (type) {
        case RrType::kA:
        case RrType::kAaaa: {
            const size_t want = type == RrType::kA ? 4 : 16;
            if (len != want) {
                return r.fail("RDLENGTH " + std::to_string(len) + " at offset " +
                              std::to_string(begin) + ", exactly " + std::to_string(want) +
                              " expected");
            }
            if (type == RrType::kA) {
                AData a;
                std::copy(msg.begin() + begin, msg.begin() + end, a.addr.begin());
                return RData(a);
            }
            AaaaData a;
            std::copy(msg.begin() + begin, msg.begin() + end, a.addr.begin());
            return RData(a);
        }
        case RrType::kNs:
        case RrType::kCname:
        case RrType::kPtr: {
            MG_DNS_READ(name, r.name("name"));
            if (auto f = r.finish(); !f.ok())
                return f.error();
            return RData(NameData{std::move(name)});
        }
        case RrType::kMx: {
            MG_DNS_READ(pref, r.u16("preference"));
            MG_DNS_READ(exchange, r.name("exchange"));
            if (auto f = r.finish(); !f.ok())
                return f.error();
            return RData(MxData{pref, std::move(exchange)});
        }
        case RrType::kSrv: {
            MG_DNS_READ(prio, r.u16("priority"));
            MG_DNS_READ(weight, r.u16("weight"));
            MG_DNS_READ(port, r.u16("port"));
            MG_DNS_READ(target, r.name("target"));
            if (auto f = r.finish(); !f.ok())
                return f.error();
            return RData(SrvData{prio, weight, port, std::move(target)});
        }
        case RrType::kNaptr: {
            MG_DNS_READ(order, r.u16("order"));
            MG_DNS_READ(pref, r.u16("preference"));
            MG_DNS_READ(flags, r.char_string("flags"));
            MG_DNS_READ(services, r.char_string("services"));
            MG_DNS_READ(regexp, r.char_string("regexp"));
            MG_DNS_READ(replacement, r.name("replacement"));
            if (auto f = r.finish(); !f.ok())
                return f.error();
            return RData(NaptrData{order, pref, std::move(flags), std::move(services),
                                   std::move(regexp), std::move(replacement)});
        }
        case RrType::kTxt: {
            if (len == 0)
                return r.fail("empty, at least one character-string expected");
            TxtData t;
            while (!r.at_end()) {  // each string takes >= 1 byte: bounded by RDLENGTH
                MG_DNS_READ(s, r.char_string("string"));
                t.strings.push_back(std::move(s));
            }
            return RData(std::move(t));
        }
        case RrType::kSoa: {
            MG_DNS_READ(mname, r.name("MNAME"));
            MG_DNS_READ(rname, r.name("RNAME"));
            MG_DNS_READ(serial, r.u32("SERIAL"));
            MG_DNS_READ(refresh, r.u32("REFRESH"));
            MG_DNS_READ(retry, r.u32("RETRY"));
            MG_DNS_READ(expire, r.u32("EXPIRE"));
            MG_DNS_READ(minimum, r.u32("MINIMUM"));
            if (auto f = r.finish(); !f.ok())
                return f.error();
            return RData(SoaData{std::move(mname), std::move(rname), serial, refresh, retry, expire,
                                 minimum});
        }
        case RrType::kOpt: {
            // CLASS and TTL are read by the caller; RDATA is a run of {code, length, data}.
            while (!r.at_end()) {
                if (auto c = r.skip(2, "option code"); !c.ok())
                    return c.error();
                MG_DNS_READ(option_len, r.u16("option length"));
                if (auto s = r.skip(option_len, "option data"); !s.ok())
                    return s.error();
            }
            OptData o;
            o.options.assign(msg.begin() + begin, msg.begin() + end);
            return RData(std::move(o));
        }
    }
    return RData(RawData{std::vector<uint8_t>(msg.begin() + begin, msg.begin() + end)});
}

#undef MG_DNS_READ

Result<Parsed<Record>> parse_record(std::span<const uint8_t> msg, size_t pos) {
    const size_t size = msg.size();
    auto owner = read_name(msg, pos, size);
    if (!owner.ok())
        return invalid("owner " + owner.error().message);
    const size_t fixed = owner->end;
    if (size - fixed < kFixedRrSize) {
        return invalid("TYPE, CLASS, TTL and RDLENGTH need 10 bytes, " +
                       std::to_string(size - fixed) + " left " + at(fixed, size));
    }
    Record rec;
    rec.name = std::move(owner->text);
    rec.type = static_cast<RrType>(get16(msg, fixed));
    rec.cls = get16(msg, fixed + 2);
    rec.ttl = get32(msg, fixed + 4);
    const size_t rdlength = get16(msg, fixed + 8);
    const size_t begin = fixed + kFixedRrSize;
    if (rdlength > size - begin) {
        return invalid("RDLENGTH " + std::to_string(rdlength) +
                       " runs past the end of the message " + at(begin, size));
    }
    if (rec.type == RrType::kOpt && rec.name != ".") {
        return invalid("OPT record owned by " + rec.name + ", not by the root");
    }
    auto data = parse_rdata(msg, rec.type, begin, begin + rdlength);
    if (!data.ok())
        return data.error();
    rec.data = std::move(*data);
    if (auto* opt = std::get_if<OptData>(&rec.data)) {
        opt->udp_size = rec.cls;
        opt->ext_rcode = static_cast<uint8_t>(rec.ttl >> 24);
        opt->version = static_cast<uint8_t>(rec.ttl >> 16);
        opt->dnssec_ok = (rec.ttl & 0x8000) != 0;
    } else if (rec.ttl > 0x7fffffff) {
        rec.ttl = 0;  // RFC 2181 §8
    }
    return Parsed<Record>{std::move(rec), begin + rdlength};
}

std::string hex(const std::vector<uint8_t>& bytes) {
    std::string out;
    out.reserve(bytes.size() * 2);
    for (uint8_t b : bytes) {
        out += "0123456789abcdef"[b >> 4];
        out += "0123456789abcdef"[b & 0xf];
    }
    return out;
}

template <typename... Ts>
struct Overloaded : Ts... {
    using Ts::operator()...;
};
template <typename... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

}  // namespace

std::string format_rr_type(RrType type) {
    for (const auto& [t, name] : kTypeNames) {
        if (t == type)
            return std::string(name);
    }
    return "TYPE" + std::to_string(static_cast<uint16_t>(type));
}

Result<RrType> parse_rr_type(std::string_view text) {
    for (const auto& [t, name] : kTypeNames) {
        if (ascii_iequal(text, name))
            return t;
    }
    if (text.size() > 4 && text.size() <= 9 && ascii_iequal(text.substr(0, 4), "TYPE")) {
        uint32_t value = 0;
        bool digits = true;
        for (char c : text.substr(4)) {
            digits = digits && c >= '0' && c <= '9';
            value = value * 10 + static_cast<uint32_t>(c - '0');
        }
        if (digits && value <= 0xffff)
            return static_cast<RrType>(value);
    }
    return invalid("unknown record type " + quote_char_string(text, 40));
}

Result<std::vector<uint8_t>> build_query(
    uint16_t id, std::string_view name, RrType type, bool rd, uint16_t edns_udp_size) {
    if (type == RrType::kOpt) {
        return invalid("query for " + quote_char_string(name, 100) + ": OPT is not a query type");
    }
    if (edns_udp_size != 0 && edns_udp_size < kMinEdnsUdpSize) {
        return invalid("EDNS UDP size " + std::to_string(edns_udp_size) + " is below " +
                       std::to_string(kMinEdnsUdpSize) + " (use 0 for no EDNS)");
    }
    auto wire_name = encode_name(name);
    if (!wire_name.ok())
        return wire_name.error();

    constexpr size_t kOptSize = 11;
    std::vector<uint8_t> out(kHeaderSize + wire_name->size() + 4 +
                             (edns_udp_size != 0 ? kOptSize : 0));
    uint8_t* p = out.data();
    p = put16(p, id);
    p = put16(p, rd ? 0x0100 : 0);  // QR=0, opcode QUERY, RD
    p = put16(p, 1);                // QDCOUNT
    p = put16(p, 0);                // ANCOUNT
    p = put16(p, 0);                // NSCOUNT
    p = put16(p, edns_udp_size != 0 ? 1 : 0);
    p = std::copy(wire_name->begin(), wire_name->end(), p);
    p = put16(p, static_cast<uint16_t>(type));
    p = put16(p, kClassIn);
    if (edns_udp_size != 0) {
        *p++ = 0;  // root owner
        p = put16(p, static_cast<uint16_t>(RrType::kOpt));
        p = put16(p, edns_udp_size);
        p = put16(p, 0);  // extended RCODE, version 0
        p = put16(p, 0);  // DO clear
        p = put16(p, 0);  // RDLENGTH
    }
    MG_CHECK(p == out.data() + out.size(), "build_query: %zu bytes written of %zu",
             static_cast<size_t>(p - out.data()), out.size());
    return out;
}

Result<Header> parse_header(std::span<const uint8_t> wire) {
    if (wire.empty())
        return invalid("empty message");
    if (wire.size() < kHeaderSize) {
        return invalid("message of " + std::to_string(wire.size()) +
                       " bytes is shorter than the 12-byte header");
    }
    if (wire.size() > kMaxMessageSize) {
        return make_error(ErrorCode::kLimit, "message of " + std::to_string(wire.size()) +
                                                 " bytes is longer than 65535");
    }
    Header h;
    h.id = get16(wire, 0);
    const uint16_t flags = get16(wire, 2);
    h.qr = (flags & 0x8000) != 0;
    h.opcode = static_cast<uint8_t>((flags >> 11) & 0xf);
    h.aa = (flags & 0x0400) != 0;
    h.tc = (flags & 0x0200) != 0;
    h.rd = (flags & 0x0100) != 0;
    h.ra = (flags & 0x0080) != 0;
    h.ad = (flags & 0x0020) != 0;
    h.cd = (flags & 0x0010) != 0;
    h.rcode = flags & 0xf;
    h.qdcount = get16(wire, 4);
    h.ancount = get16(wire, 6);
    h.nscount = get16(wire, 8);
    h.arcount = get16(wire, 10);
    return h;
}

Result<Message> parse_message(std::span<const uint8_t> wire) {
    auto header = parse_header(wire);
    if (!header.ok())
        return header.error();
    Message m;
    m.header = *header;
    const size_t size = wire.size();
    size_t pos = kHeaderSize;
    auto missing = [&](const std::string& ctx, const char* count_name, uint16_t count) {
        return invalid(ctx + ": missing, the message ends at offset " + std::to_string(pos) + " (" +
                       count_name + " " + std::to_string(count) + ")");
    };

    for (unsigned i = 0; i < m.header.qdcount; ++i) {
        auto ctx = [i] { return "question " + std::to_string(i + 1); };  // only for errors
        if (pos >= size)
            return missing(ctx(), "QDCOUNT", m.header.qdcount);
        auto name = read_name(wire, pos, size);
        if (!name.ok())
            return in_context(ctx(), name.error());
        pos = name->end;
        if (size - pos < 4) {
            return invalid(ctx() + ": QTYPE and QCLASS need 4 bytes, " +
                           std::to_string(size - pos) + " left " + at(pos, size));
        }
        m.questions.push_back(Question{std::move(name->text), static_cast<RrType>(get16(wire, pos)),
                                       get16(wire, pos + 2)});
        pos += 4;
    }
    if (m.header.tc)
        return m;  // records are discarded: the query goes again over TCP

    struct Section {
        const char* name;
        const char* count_name;
        uint16_t count;
        std::vector<Record>* out;
    };
    const Section sections[] = {
        {"answer", "ANCOUNT", m.header.ancount, &m.answers},
        {"authority", "NSCOUNT", m.header.nscount, &m.authorities},
        {"additional", "ARCOUNT", m.header.arcount, &m.additionals},
    };
    for (const Section& s : sections) {
        for (unsigned i = 0; i < s.count; ++i) {
            auto ctx = [&s, i] { return std::string(s.name) + " " + std::to_string(i + 1); };
            if (pos >= size)
                return missing(ctx(), s.count_name, s.count);
            auto rec = parse_record(wire, pos);
            if (!rec.ok())
                return in_context(ctx(), rec.error());
            if (const auto* opt = std::get_if<OptData>(&rec->value.data)) {
                if (s.out != &m.additionals) {
                    return invalid(ctx() + ": OPT record outside the additional section");
                }
                if (m.edns)
                    return invalid(ctx() + ": second OPT record");
                m.edns = *opt;
            }
            pos = rec->end;
            s.out->push_back(std::move(rec->value));
        }
    }
    if (pos != size) {
        return invalid(std::to_string(size - pos) +
                       " bytes of trailing data after the last record " + at(pos, size));
    }
    if (m.edns)
        m.header.rcode = static_cast<uint16_t>(m.header.rcode | (m.edns->ext_rcode << 4));
    return m;
}

std::string format_rdata(const Record& record) {
    auto u = [](unsigned v) { return std::to_string(v); };
    return std::visit(
        Overloaded{
            [](const RawData& d) {
                std::string out = "\\# " + std::to_string(d.bytes.size());
                if (!d.bytes.empty())
                    out += ' ' + hex(d.bytes);
                return out;
            },
            [](const AData& d) {
                char buf[INET_ADDRSTRLEN];
                return std::string(inet_ntop(AF_INET, d.addr.data(), buf, sizeof buf));
            },
            [](const AaaaData& d) {
                char buf[INET6_ADDRSTRLEN];
                return std::string(inet_ntop(AF_INET6, d.addr.data(), buf, sizeof buf));
            },
            [](const NameData& d) { return d.name; },
            [&](const MxData& d) { return u(d.preference) + ' ' + d.exchange; },
            [&](const SrvData& d) {
                return u(d.priority) + ' ' + u(d.weight) + ' ' + u(d.port) + ' ' + d.target;
            },
            [&](const NaptrData& d) {
                return u(d.order) + ' ' + u(d.preference) + ' ' + quote_char_string(d.flags) + ' ' +
                       quote_char_string(d.services) + ' ' + quote_char_string(d.regexp) + ' ' +
                       d.replacement;
            },
            [](const TxtData& d) {
                std::string out;
                for (const auto& s : d.strings) {
                    if (!out.empty())
                        out += ' ';
                    out += quote_char_string(s);
                }
                return out;
            },
            [&](const SoaData& d) {
                return d.mname + ' ' + d.rname + ' ' + u(d.serial) + ' ' + u(d.refresh) + ' ' +
                       u(d.retry) + ' ' + u(d.expire) + ' ' + u(d.minimum);
            },
            [&](const OptData& d) {
                std::string out = "udp=" + u(d.udp_size) + " version=" + u(d.version) +
                                  " ext-rcode=" + u(d.ext_rcode) + " do=" + u(d.dnssec_ok);
                if (!d.options.empty())
                    out += " options=" + hex(d.options);
                return out;
            },
        },
        record.data);
}

std::string format_record(const Record& record) {
    if (record.type == RrType::kOpt)
        return record.name + " OPT " + format_rdata(record);
    const std::string cls = record.cls == kClassIn ? "IN" : "CLASS" + std::to_string(record.cls);
    return record.name + ' ' + std::to_string(record.ttl) + ' ' + cls + ' ' +
           format_rr_type(record.type) + ' ' + format_rdata(record);
}

bool question_matches(const Message& message, std::string_view name, RrType type, uint16_t cls) {
    if (message.questions.size() != 1)
        return false;
    const Question& q = message.questions.front();
    return q.type == type && q.cls == cls && names_equal(q.name, name);
}

}  // namespace mg::resolver
