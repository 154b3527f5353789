// DNS names: presentation text <-> wire form, hardened decompression (RFC 9267),
// reverse-lookup and RBL query names.
//
// Cold path (resolver control thread). No shared state: every function may be called
// from any thread. Untrusted input yields a Result error, never a crash or an
// allocation sized from the input's claims.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "lists/address.h"

namespace mg::resolver {

inline constexpr size_t kHeaderSize = 12;          // RFC 1035 §4.1.1
inline constexpr size_t kMaxLabelLength = 63;      // RFC 1035 §2.3.4
inline constexpr size_t kMaxNameWireLength = 255;  // uncompressed, root byte included
inline constexpr int kMaxPointerHops = 16;         // compression pointers per name

// A name decoded from a message.
struct WireName {
    // Presentation form, fully qualified: "mail.example.com.", the root is ".". Bytes
    // other than ASCII letters, digits, '-' and '_' are escaped ("\." for a dot inside
    // a label, "\\", and "\DDD" for everything else), so the text is safe to log and
    // encode_name() turns it back into the same labels.
    std::string text;
    size_t wire_length = 0;  // uncompressed wire length, 1..255
    size_t end = 0;          // offset just after the name where it was read
};

// Reads the name at `offset` of `message` (a whole DNS message: compression pointers
// are offsets into it). The bytes of the name stored in place — up to and including
// its terminating zero or its first compression pointer — must lie before `limit`
// (the end of the RDATA holding the name, or message.size()).
//
// Refused (ErrorCode::kInvalidInput, the message names the offsets):
//  - a compression pointer whose target is not strictly before the start of the label
//    run that holds it (so at the first pointer: before the start of the name), or
//    lies inside the 12-byte header or past the end of the message. Every jump goes
//    strictly backwards, so loops are impossible; and at most kMaxPointerHops
//    pointers are followed per name;
//  - label types 01 and 10 (RFC 6891 §5 extended labels, RFC 2673 bit labels);
//  - a decoded name longer than 255 bytes in uncompressed wire form;
//  - a label, a pointer or the terminating zero cut off by `limit` or the message end.
// Precondition (MG_CHECK): offset <= limit <= message.size().
Result<WireName> read_name(std::span<const uint8_t> message, size_t offset, size_t limit);

// Presentation text -> uncompressed wire form. The trailing dot is optional; "."
// is the root. Escapes: "\DDD" (decimal byte, at most 255) and "\X" (X taken
// literally, e.g. "\." for a dot inside a label). Refused: an empty name, an empty
// label other than the root, a label over 63 bytes, a name over 255 wire bytes, a
// dangling or bad escape, and unescaped bytes outside 0x21..0x7e (space, control
// characters, non-ASCII) — those must be written as \DDD.
Result<std::vector<uint8_t>> encode_name(std::string_view text);

// True when both are valid names (encode_name() accepts them) and equal under DNS
// rules: ASCII letters compare case-insensitively, escapes are decoded, a trailing
// dot makes no difference. Other bytes compare exactly.
bool names_equal(std::string_view a, std::string_view b);

// `bytes` as a quoted RFC 1035 character-string for presentation and logs: '"' and
// '\' are backslash-escaped, bytes outside 0x20..0x7e written as \DDD. With
// max_shown, only that many bytes are shown and "..." follows the closing quote.
std::string quote_char_string(std::string_view bytes, size_t max_shown = std::string_view::npos);

// 192.0.2.1 (0xc0000201) -> "1.2.0.192.in-addr.arpa" (no trailing dot).
std::string reverse_name_v4(uint32_t host_order_addr);
// 2001:db8::1 -> "1.0.0.0. ... .8.b.d.0.1.0.0.2.ip6.arpa": 32 nibbles, lowest first.
std::string reverse_name_v6(const uint8_t (&addr)[16]);
// DNS blocklist query name (RFC 5782): the reversed address followed by `zone`.
// IPv4: "d.c.b.a.zone"; IPv6: the 32 nibbles, lowest first, then ".zone". One
// trailing dot on `zone` is dropped; the zone itself is not validated here
// (build_query() validates the whole name).
std::string rbl_name(const lists::Address& addr, std::string_view zone);

}  // namespace mg::resolver
