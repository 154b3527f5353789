// libFuzzer target for what an operator's CLI request carries into mediagate-control:
// the CLI socket's frames (control/cli_protocol.h) and the command words the daemon
// parses (relay add/del, resolve TYPE NAME, rbl ZONE ADDR, relay ids, endpoints).
//
// Besides "never crash", it checks on every input:
//  - a request or reply payload that decodes encodes back to the same frame, byte
//    for byte, and a complete frame's payload has the announced length;
//  - every refusal carries a message, and the message stays short whatever the input
//    (echoed arguments are cut: configs::in_quotes, 64 bytes), and is valid UTF-8
//    when the input is (errors go out in --json);
//  - a relay id that parses prints back as the same text; an endpoint that parses
//    formats to text that parses to the same endpoint.
// Built with clang's libFuzzer when available (tests/fuzz/meson.build); the same file
// linked with replay_main.cc runs the seed corpus under g++ in every test run.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "configs/config.h"
#include "configs/values.h"
#include "control/cli_protocol.h"
#include "control/lookup.h"
#include "control/relay.h"

namespace {

using namespace mg;

void require(bool cond) {
    if (!cond)
        __builtin_trap();
}

// The longest refusal any of these parsers may give: a few fixed phrases and at most
// a handful of arguments, each cut to 64 bytes.
constexpr size_t kMaxErrorBytes = 1024;

bool valid_utf8(std::string_view s) {
    size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        size_t n = c < 0x80           ? 1
                   : (c >> 5) == 0x6  ? 2
                   : (c >> 4) == 0xe  ? 3
                   : (c >> 3) == 0x1e ? 4
                                      : 0;
        if (n == 0 || i + n > s.size())
            return false;
        for (size_t k = 1; k < n; ++k) {
            if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2)
                return false;
        }
        i += n;
    }
    return true;
}

template <typename T>
void check_refusal(const Result<T>& r, bool input_utf8) {
    if (r.ok())
        return;
    const std::string& m = r.error().message;
    require(!m.empty());
    require(m.size() <= kMaxErrorBytes);
    require(!input_utf8 || valid_utf8(m));
}

std::string frame(std::string_view payload) {
    const auto n = static_cast<uint32_t>(payload.size());
    std::string f{static_cast<char>(n >> 24), static_cast<char>(n >> 16), static_cast<char>(n >> 8),
                  static_cast<char>(n)};
    f.append(payload);
    return f;
}

void check_frames(std::string_view input) {
    if (auto req = control::decode_request(input); req.ok()) {
        require(control::encode_request(*req) == frame(input));
    } else {
        require(!req.error().message.empty());
    }
    if (auto reply = control::decode_reply(input); reply.ok()) {
        require(control::encode_reply(*reply) == frame(input));
    } else {
        require(!reply.error().message.empty());
    }
    control::FrameReader reader(control::kMaxRequestBytes);
    // Fed in two pieces, as a stream may deliver it.
    const size_t cut = input.size() / 2;
    if (!reader.append(input.substr(0, cut)).ok() || !reader.append(input.substr(cut)).ok())
        return;
    if (auto p = reader.payload()) {
        require(input.size() >= 4);
        const auto* b = reinterpret_cast<const unsigned char*>(input.data());
        const size_t announced = size_t{b[0]} << 24 | size_t{b[1]} << 16 | size_t{b[2]} << 8 | b[3];
        require(p->size() == announced && announced <= control::kMaxRequestBytes);
        require(reader.trailing() == input.size() - 4 - announced);
    }
}

void check_words(std::string_view input) {
    std::vector<std::string> words;
    size_t start = 0;
    while (start <= input.size() && words.size() < control::kMaxRequestWords) {
        size_t nul = input.find('\0', start);
        if (nul == std::string_view::npos)
            nul = input.size();
        words.emplace_back(input.substr(start, nul - start));
        start = nul + 1;
    }
    const bool utf8 = valid_utf8(input);

    check_refusal(control::parse_relay_words(words), utf8);
    if (words.size() >= 2) {
        check_refusal(control::parse_resolve_request(words[0], words[1]), utf8);
        check_refusal(control::parse_rbl_request(words[0], words[1]), utf8);
    }
    for (const std::string& w : words) {
        if (auto id = control::parse_relay_id(w)) {
            require(*id >= 1 && *id <= control::kMaxRelayId && std::to_string(*id) == w);
        }
        for (bool any : {false, true}) {
            auto e = configs::parse_endpoint(w, any);
            check_refusal(e, utf8);
            if (e.ok()) {
                auto again = configs::parse_endpoint(e->format(), any);
                require(again.ok() && *again == *e);
            }
        }
        const std::string quoted = configs::in_quotes(w);
        require(quoted.size() <= 64 + 2 + 3);
        require(!utf8 || valid_utf8(quoted));
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    check_frames(input);
    check_words(input);
    return 0;
}
