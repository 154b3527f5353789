// resolver/: DNS stub resolver. This header: the DNS wire-format codec — building
// queries and parsing answers (RFC 1035, 3596, 2782, 3403, 6891), hardened per
// RFC 9267. Names are handled in dns_name.h.
//
// Cold path (resolver control thread); no shared state, any thread may call. Every
// byte of an answer is treated as hostile: a malformed answer yields a Result error
// (ErrorCode::kInvalidInput; kLimit for an oversized datagram) whose message names the
// section, the record and the offsets, e.g.
//   "answer 2: RDLENGTH 12 runs past the end of the message (offset 87, size 90)".
// Nothing is allocated from the header counts: records are read one at a time and the
// parse stops with an error when the data runs out.
//
// Choices:
//  - Trailing bytes after the last counted record are an error.
//  - A message with the TC flag is read up to the end of its question section only;
//    its records are not parsed (RFC 2181 §9: discard and ask again over TCP). The
//    counts stay in the header, the record vectors stay empty, trailing data is not
//    checked.
//  - Names in RDATA may be compressed for every type (also SRV/NAPTR, which senders
//    must not compress: decoding them anyway costs nothing).
//  - A TTL with its top bit set is read as 0 (RFC 2181 §8).
//  - At most one OPT record, only in the additional section, owned by the root.
//  - Each type with a known layout must use its RDATA exactly: no bytes left over.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/result.h"
#include "resolver/dns_name.h"

namespace mg::resolver {

// Record types with a typed RDATA. Any other 16-bit value may appear in a Record
// (static_cast) and keeps its RDATA raw.
enum class RrType : uint16_t {
    kA = 1,
    kNs = 2,
    kCname = 5,
    kSoa = 6,
    kPtr = 12,
    kMx = 15,
    kTxt = 16,
    kAaaa = 28,
    kSrv = 33,
    kNaptr = 35,
    kOpt = 41,
};

// "A", "AAAA", "NAPTR", ...; other values as "TYPE65" (RFC 3597 §5).
std::string format_rr_type(RrType type);
// The names above, case-insensitive, and "TYPEnnn" (0..65535).
Result<RrType> parse_rr_type(std::string_view text);

inline constexpr uint16_t kClassIn = 1;
inline constexpr size_t kMaxMessageSize = 65535;  // TCP length prefix; pointers reach 16383
inline constexpr uint16_t kMinEdnsUdpSize = 512;  // RFC 6891 §6.2.5
inline constexpr uint16_t kDefaultEdnsUdpSize = 1232;

// Response codes (header.rcode, 12 bits with EDNS).
inline constexpr uint16_t kRcodeNoError = 0;
inline constexpr uint16_t kRcodeFormErr = 1;
inline constexpr uint16_t kRcodeServFail = 2;
inline constexpr uint16_t kRcodeNxDomain = 3;
inline constexpr uint16_t kRcodeNotImp = 4;
inline constexpr uint16_t kRcodeRefused = 5;
inline constexpr uint16_t kRcodeBadVers = 16;

struct Header {
    uint16_t id = 0;
    bool qr = false;  // response
    uint8_t opcode = 0;
    bool aa = false;
    bool tc = false;
    bool rd = false;
    bool ra = false;
    bool ad = false;
    bool cd = false;
    // The header's 4 bits, plus the OPT record's extended RCODE as bits 4..11.
    uint16_t rcode = 0;
    // As received; they only bound the loops, nothing is sized from them.
    uint16_t qdcount = 0;
    uint16_t ancount = 0;
    uint16_t nscount = 0;
    uint16_t arcount = 0;
};

struct Question {
    std::string name;  // presentation form (WireName::text)
    RrType type = RrType::kA;
    uint16_t cls = kClassIn;
};

struct AData {
    std::array<uint8_t, 4> addr{};  // network order
};
struct AaaaData {
    std::array<uint8_t, 16> addr{};
};
struct NameData {  // CNAME, NS, PTR
    std::string name;
};
struct MxData {
    uint16_t preference = 0;
    std::string exchange;
};
struct SrvData {
    uint16_t priority = 0;
    uint16_t weight = 0;
    uint16_t port = 0;
    std::string target;
};
struct NaptrData {
    uint16_t order = 0;
    uint16_t preference = 0;
    std::string flags;  // character-strings: raw bytes as received
    std::string services;
    std::string regexp;
    std::string replacement;  // a name
};
struct TxtData {
    std::vector<std::string> strings;  // raw bytes as received, at least one
};
struct SoaData {
    std::string mname;
    std::string rname;
    uint32_t serial = 0;
    uint32_t refresh = 0;
    uint32_t retry = 0;
    uint32_t expire = 0;
    uint32_t minimum = 0;
};
struct OptData {
    uint16_t udp_size = 0;  // the record's CLASS
    uint8_t ext_rcode = 0;  // upper 8 bits of the 12-bit RCODE
    uint8_t version = 0;
    bool dnssec_ok = false;        // DO bit
    std::vector<uint8_t> options;  // RDATA: option TLVs, checked to fit exactly
};
struct RawData {  // any other type
    std::vector<uint8_t> bytes;
};

using RData = std::variant<RawData,
                           AData,
                           AaaaData,
                           NameData,
                           MxData,
                           SrvData,
                           NaptrData,
                           TxtData,
                           SoaData,
                           OptData>;

struct Record {
    std::string name;  // owner, presentation form
    RrType type = RrType::kA;
    uint16_t cls = kClassIn;  // for OPT: the UDP payload size
    uint32_t ttl = 0;         // for OPT: the raw extended-RCODE/version/flags word
    RData data;
};

struct Message {
    Header header;
    std::vector<Question> questions;
    std::vector<Record> answers;
    std::vector<Record> authorities;
    std::vector<Record> additionals;  // the OPT record, if any, stays here too
    std::optional<OptData> edns;      // a copy of the OPT record's data
};

// A standard query (opcode 0, one question of class IN). With edns_udp_size != 0 an
// OPT record advertising that UDP payload size is added (version 0, DO clear).
// Errors: an invalid name (see encode_name()), type OPT, or an EDNS size in 1..511.
Result<std::vector<uint8_t>> build_query(uint16_t id,
                                         std::string_view name,
                                         RrType type,
                                         bool rd = true,
                                         uint16_t edns_udp_size = kDefaultEdnsUdpSize);

// The 12-byte header alone (the transport may look at id/TC first). Errors: a
// datagram shorter than 12 bytes (an empty one included) or longer than 65535 (kLimit).
Result<Header> parse_header(std::span<const uint8_t> wire);

// The whole message; see the file comment for what is refused and what is chosen.
Result<Message> parse_message(std::span<const uint8_t> wire);

// RDATA in presentation form: "192.0.2.1", "10 mail.example.com.",
// "0 5 5060 sip.example.com.", `100 10 "S" "SIP+D2U" "" _sip._udp.example.com.`,
// TXT as quoted strings ('"' and '\' escaped, bytes outside 0x20..0x7e as \DDD),
// SOA as its seven fields, OPT as "udp=1232 version=0 ext-rcode=0 do=0 options=...",
// anything else as RFC 3597 "\# 3 0a0b0c".
std::string format_rdata(const Record& record);
// "example.com. 300 IN A 192.0.2.1" (class as "IN" or "CLASS3").
std::string format_record(const Record& record);

// True when the message has exactly one question and it is (name, type, cls); names
// compare per names_equal(). For anti-spoofing: an answer must echo our question.
bool question_matches(const Message& message,
                      std::string_view name,
                      RrType type,
                      uint16_t cls = kClassIn);

}  // namespace mg::resolver
