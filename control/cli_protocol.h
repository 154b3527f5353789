// The wire format between mediagatectl and mediagate-control (the CLI socket).
//
// Cold path. A Unix stream socket; each side sends exactly one frame: a 4-byte
// big-endian payload length, then the payload. The client sends a request, the
// daemon answers with a reply and closes the connection.
//
//   request payload: "MGCTL1" NUL, one flag byte ('j' JSON output, 't' text), then
//                    the command's words, each followed by NUL
//                    (e.g. "lists" NUL "show" NUL "lan" NUL)
//   reply payload:   "MGCTL1" NUL, one exit-code byte, a 4-byte big-endian stdout
//                    length, stdout, then stderr (the rest)
//
// Both sides treat the other as untrusted: sizes are bounded, anything malformed is
// an error (never a crash), and a different magic means a different release.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "control/command_output.h"

namespace mg::control {

inline constexpr size_t kMaxRequestBytes = 64 * 1024;
inline constexpr size_t kMaxReplyBytes = 256 * 1024 * 1024;  // a 10M-line list, shown
inline constexpr size_t kMaxRequestWords = 64;

struct CliRequest {
    bool json = false;
    std::vector<std::string> words;
};

// Whole frames, length prefix included.
std::string encode_request(const CliRequest& req);
std::string encode_reply(const CommandOutput& out);

// Payloads (the frame without its length prefix).
Result<CliRequest> decode_request(std::string_view payload);
Result<CommandOutput> decode_reply(std::string_view payload);

// Collects bytes from a stream until one whole frame is there.
class FrameReader {
  public:
    explicit FrameReader(size_t max_payload) : max_(max_payload) {}
    // Appends received bytes. Error (kLimit): the announced length exceeds the bound.
    Result<void> append(std::string_view bytes);
    // The payload once complete; bytes after it are an error for our one-frame
    // protocol and are reported by trailing().
    std::optional<std::string_view> payload() const;
    size_t trailing() const;
    size_t buffered() const { return buf_.size(); }

  private:
    size_t max_;
    std::string buf_;
};

}  // namespace mg::control
