// libFuzzer target for the dataplane channel's message validation
// (dataplane/api/channel.cc).
//
// Every input is one received datagram. Besides "never crash", it checks on every
// message that parse_message accepts:
//  - the view's sizes agree with the header and the per-type sizes, and cover the input;
//  - the fixed body and every entry read through the typed accessors (body<T>() and
//    entry<T>(i) with the type's own T) without tripping their checks;
//  - building the same message again with MessageBuilder (make_ok for Ok) gives
//    back the input byte for byte, and make_error rebuilds an Error message.
// A rejected message must carry an error message. The input is also used as
// make_error text, which must come back as a prefix of it.
// Built with clang's libFuzzer when available (tests/fuzz/meson.build); the same file
// linked with replay_main.cc runs the seed corpus under g++ in every test run.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <type_traits>
#include <vector>

#include "dataplane/api/channel.h"

namespace {

using namespace mg::dataplane::api;

void require(bool cond) {
    if (!cond)
        __builtin_trap();
}

struct None {};

// Reads the body and every entry as the type's own structs and rebuilds the message.
template <typename Body, typename Entry>
void read_and_rebuild(const MessageView& v, std::span<const uint8_t> input) {
    MessageBuilder b(v.type(), v.header.seq, v.header.flags);
    if constexpr (!std::is_same_v<Body, None>) {
        Body body = v.body<Body>();
        b.fixed(body);
    }
    if constexpr (!std::is_same_v<Entry, None>) {
        for (size_t i = 0; i < v.header.count; ++i) {
            Entry e = v.entry<Entry>(i);
            b.add(e);
        }
    }
    require(b.count() == v.header.count);
    const std::vector<uint8_t>& out = b.bytes();
    require(out.size() == input.size());
    require(std::equal(out.begin(), out.end(), input.begin()));
}

void check_message(std::span<const uint8_t> input) {
    auto parsed = parse_message(input);
    if (!parsed.ok()) {
        require(!parsed.error().message.empty());
        return;
    }
    const MessageView& v = *parsed;
    const MsgType t = v.type();
    require(v.header.magic == kMagic && v.header.version == kVersion);
    require(t >= MsgType::kHello && t < MsgType::kTypeEnd);
    require(v.fixed.size() == fixed_size(t));
    require(v.fixed.data() == input.data() + sizeof(Header));
    require(v.entries.data() == v.fixed.data() + v.fixed.size());
    if (t != MsgType::kOk) {
        require(v.entries.size() == size_t{v.header.count} * entry_size(t));
    } else {
        require(v.entries.empty());
    }
    require(sizeof(Header) + v.fixed.size() + v.entries.size() == input.size());
    require(input.size() <= kMaxMessage);

    switch (t) {
        case MsgType::kHello: read_and_rebuild<HelloBody, None>(v, input); break;
        case MsgType::kHelloReply: read_and_rebuild<HelloReplyBody, None>(v, input); break;
        case MsgType::kOk: {
            std::vector<uint8_t> ok = make_ok(v.header.seq, v.header.count);
            if (v.header.flags == 0) {
                require(std::equal(ok.begin(), ok.end(), input.begin(), input.end()));
            }
            break;
        }
        case MsgType::kError: {
            read_and_rebuild<ErrorBody, uint8_t>(v, input);
            require(v.text().size() == v.header.count);
            ErrorBody body = v.body<ErrorBody>();
            std::vector<uint8_t> again =
                make_error(v.header.seq, static_cast<ErrorKind>(body.kind), body.entry, v.text());
            auto back = parse_message(again);
            require(back.ok());
            require(back->text() == v.text());
            if (v.header.flags == 0) {
                require(std::equal(again.begin(), again.end(), input.begin(), input.end()));
            }
            break;
        }
        case MsgType::kListsBegin:
        case MsgType::kListsCommit:
        case MsgType::kDump:
        case MsgType::kStats: read_and_rebuild<None, None>(v, input); break;
        case MsgType::kListsChunk: read_and_rebuild<None, RangeEntry>(v, input); break;
        case MsgType::kAddLegs: read_and_rebuild<None, LegSpec>(v, input); break;
        case MsgType::kDelLegs:
        case MsgType::kQueryLegs: read_and_rebuild<None, LegKey>(v, input); break;
        case MsgType::kLegs: read_and_rebuild<None, LegInfo>(v, input); break;
        case MsgType::kStatsReply: read_and_rebuild<StatsBody, PortInfo>(v, input); break;
        case MsgType::kEmit: read_and_rebuild<None, EmitEntry>(v, input); break;
        case MsgType::kIdleEvents: read_and_rebuild<None, IdleEvent>(v, input); break;
        case MsgType::kTypeEnd: require(false); break;
    }
}

// The input as Error text: it comes back whole or cut at a UTF-8 boundary.
void check_error_text(std::span<const uint8_t> input) {
    std::string_view text(reinterpret_cast<const char*>(input.data()), input.size());
    std::vector<uint8_t> msg = make_error(1, ErrorKind::kInvalid, 0, text);
    require(msg.size() <= kMaxMessage);
    auto v = parse_message(msg);
    require(v.ok());
    const size_t n = v->text().size(), room = MessageBuilder::max_entries(MsgType::kError);
    require(text.substr(0, n) == v->text());
    if (n < text.size()) {
        // Cut at room, moved back over at most 3 continuation bytes.
        require(text.size() > room && n <= room && n + 3 >= room);
        require((static_cast<uint8_t>(text[n]) & 0xc0) != 0x80 || n + 3 == room);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::span<const uint8_t> input(data, size);
    check_message(input);
    check_error_text(input);
    return 0;
}
