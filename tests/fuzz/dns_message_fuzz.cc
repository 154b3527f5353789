// libFuzzer target for the DNS wire-format codec (resolver/dns_message.cc,
// resolver/dns_name.cc).
//
// Every input is parsed as a DNS message. Besides "never crash", it checks on every
// message that parses:
//  - each name (owners, questions, names inside RDATA) re-encodes to at most 255 wire
//    bytes, and decoding that encoding gives back the same text (escaping is canonical);
//  - records are formatted (format_rdata / format_record) without failing;
//  - the record vectors hold exactly the counted records (none for a TC message), and
//    the EDNS copy agrees with the single OPT record;
//  - a message with one question matches that question.
// A rejected message must carry an error message. The same input is also used as a
// query name: when build_query() accepts it, the query must parse back and match.
// Built with clang's libFuzzer when available (tests/fuzz/meson.build); the same file
// linked with replay_main.cc runs the seed corpus under g++ in every test run.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>

#include "resolver/dns_message.h"

namespace {

using namespace mg::resolver;

void require(bool cond) {
    if (!cond)
        __builtin_trap();
}

void check_name(const std::string& text) {
    auto wire = encode_name(text);
    require(wire.ok());
    require(!wire->empty() && wire->size() <= kMaxNameWireLength);
    auto back = read_name(*wire, 0, wire->size());
    require(back.ok());
    require(back->text == text);
    require(back->wire_length == wire->size());
    require(back->end == wire->size());
}

void check_record(const Record& rec) {
    check_name(rec.name);
    std::visit(
        [](const auto& d) {
            using T = std::decay_t<decltype(d)>;
            if constexpr (std::is_same_v<T, NameData>) {
                check_name(d.name);
            } else if constexpr (std::is_same_v<T, MxData>) {
                check_name(d.exchange);
            } else if constexpr (std::is_same_v<T, SrvData>) {
                check_name(d.target);
            } else if constexpr (std::is_same_v<T, NaptrData>) {
                check_name(d.replacement);
                require(d.flags.size() <= 255 && d.services.size() <= 255);
                require(d.regexp.size() <= 255);
            } else if constexpr (std::is_same_v<T, SoaData>) {
                check_name(d.mname);
                check_name(d.rname);
            } else if constexpr (std::is_same_v<T, TxtData>) {
                require(!d.strings.empty());
            }
        },
        rec.data);
    require(!format_rdata(rec).empty());
    require(!format_record(rec).empty());
}

void check_message(std::span<const uint8_t> wire) {
    auto parsed = parse_message(wire);
    if (!parsed.ok()) {
        require(!parsed.error().message.empty());
        return;
    }
    const Message& m = *parsed;
    require(m.questions.size() == m.header.qdcount);
    for (const auto& q : m.questions)
        check_name(q.name);
    if (m.header.tc) {
        require(m.answers.empty() && m.authorities.empty() && m.additionals.empty());
    } else {
        require(m.answers.size() == m.header.ancount);
        require(m.authorities.size() == m.header.nscount);
        require(m.additionals.size() == m.header.arcount);
    }
    int opts = 0;
    for (const auto* section : {&m.answers, &m.authorities, &m.additionals}) {
        for (const auto& rec : *section) {
            check_record(rec);
            if (rec.type == RrType::kOpt) {
                require(section == &m.additionals);
                ++opts;
            }
        }
    }
    require(opts == (m.edns ? 1 : 0));
    require(m.header.rcode <= 0xfff);
    if (m.questions.size() == 1) {
        const Question& q = m.questions.front();
        require(question_matches(m, q.name, q.type, q.cls));
    }
}

void check_query(std::string_view name) {
    auto query = build_query(0x5a5a, name, RrType::kAaaa);
    if (!query.ok()) {
        require(!query.error().message.empty());
        return;
    }
    auto back = parse_message(*query);
    require(back.ok());
    require(back->header.id == 0x5a5a && back->header.rd && !back->header.qr);
    require(back->edns && back->edns->udp_size == kDefaultEdnsUdpSize);
    require(question_matches(*back, name, RrType::kAaaa));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    check_message(std::span<const uint8_t>(data, size));
    check_query(std::string_view(reinterpret_cast<const char*>(data), size));
    return 0;
}
