#include "control/cli_protocol.h"

namespace mg::control {
namespace {

constexpr std::string_view kMagic{"MGCTL1\0", 7};

void put_u32(std::string& out, uint32_t v) {
    out += static_cast<char>(v >> 24);
    out += static_cast<char>(v >> 16);
    out += static_cast<char>(v >> 8);
    out += static_cast<char>(v);
}

uint32_t get_u32(std::string_view in) {
    return static_cast<uint32_t>(static_cast<uint8_t>(in[0])) << 24 |
           static_cast<uint32_t>(static_cast<uint8_t>(in[1])) << 16 |
           static_cast<uint32_t>(static_cast<uint8_t>(in[2])) << 8 |
           static_cast<uint32_t>(static_cast<uint8_t>(in[3]));
}

std::string frame(const std::string& payload) {
    std::string out;
    out.reserve(payload.size() + 4);
    put_u32(out, static_cast<uint32_t>(payload.size()));
    return out + payload;
}

Error bad(std::string what) {
    return make_error(ErrorCode::kInvalidInput, std::move(what));
}

Result<void> check_magic(std::string_view payload) {
    if (payload.size() < kMagic.size() || payload.substr(0, kMagic.size()) != kMagic)
        return bad(
            "protocol mismatch: mediagatectl and mediagate-control are not from the "
            "same release");
    return {};
}

}  // namespace

std::string encode_request(const CliRequest& req) {
    std::string payload(kMagic);
    payload += req.json ? 'j' : 't';
    for (const auto& w : req.words) {
        payload += w;
        payload += '\0';
    }
    return frame(payload);
}

std::string encode_reply(const CommandOutput& out) {
    std::string payload(kMagic);
    payload += static_cast<char>(static_cast<uint8_t>(out.exit_code));
    put_u32(payload, static_cast<uint32_t>(out.out.size()));
    payload += out.out;
    payload += out.err;
    return frame(payload);
}

Result<CliRequest> decode_request(std::string_view payload) {
    if (auto r = check_magic(payload); !r.ok())
        return r.error();
    payload.remove_prefix(kMagic.size());
    if (payload.empty() || (payload[0] != 'j' && payload[0] != 't'))
        return bad("malformed request: bad flags");
    CliRequest req;
    req.json = payload[0] == 'j';
    payload.remove_prefix(1);
    while (!payload.empty()) {
        size_t nul = payload.find('\0');
        if (nul == std::string_view::npos)
            return bad("malformed request: unterminated word");
        if (req.words.size() == kMaxRequestWords)
            return bad("malformed request: more than " + std::to_string(kMaxRequestWords) +
                       " words");
        req.words.emplace_back(payload.substr(0, nul));
        payload.remove_prefix(nul + 1);
    }
    return req;
}

Result<CommandOutput> decode_reply(std::string_view payload) {
    if (auto r = check_magic(payload); !r.ok())
        return r.error();
    payload.remove_prefix(kMagic.size());
    if (payload.size() < 5)
        return bad("malformed reply: too short");
    CommandOutput out;
    out.exit_code = static_cast<uint8_t>(payload[0]);
    if (out.exit_code != kExitOk && out.exit_code != kExitNegative &&
        out.exit_code != kExitNoAnswer && out.exit_code != kExitUsage)
        return bad("malformed reply: exit status " + std::to_string(out.exit_code) +
                   " is not 0, 1, 2 or 64");
    uint32_t out_len = get_u32(payload.substr(1));
    payload.remove_prefix(5);
    if (out_len > payload.size())
        return bad("malformed reply: stdout length beyond the reply");
    out.out.assign(payload.substr(0, out_len));
    out.err.assign(payload.substr(out_len));
    return out;
}

Result<void> FrameReader::append(std::string_view bytes) {
    buf_.append(bytes);
    if (buf_.size() >= 4 && get_u32(buf_) > max_)
        return make_error(ErrorCode::kLimit, "frame of " + std::to_string(get_u32(buf_)) +
                                                 " bytes exceeds the limit of " +
                                                 std::to_string(max_));
    return {};
}

std::optional<std::string_view> FrameReader::payload() const {
    if (buf_.size() < 4)
        return std::nullopt;
    size_t len = get_u32(buf_);
    if (buf_.size() < 4 + len)
        return std::nullopt;
    return std::string_view(buf_).substr(4, len);
}

size_t FrameReader::trailing() const {
    auto p = payload();
    return p ? buf_.size() - 4 - p->size() : 0;
}

}  // namespace mg::control
