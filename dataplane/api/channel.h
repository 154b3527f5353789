// The dataplane channel: messages between mediagate-control and
// mediagate-dataplane over a Unix SOCK_SEQPACKET socket (DESIGN.md "Processes").
//
// Shared by both programs, so no DPDK here. Both ends run on one host, so a
// message is plain fixed-layout little-endian structs:
//
//     Header | fixed body (per type, may be empty) | count x entry (per type)
//
// and a message is valid only when its length is exactly that (parse_message).
// One datagram is one message, at most kMaxMessage bytes; bigger payloads
// (lists, dumps) are chunked. Replies carry the request's seq; unsolicited
// messages (idle events) carry seq 0.
//
// Conversation: control connects and sends Hello; the dataplane answers
// HelloReply, or Error and closes when the versions differ. Every request gets
// exactly one reply (Ok, Error or the typed reply), except Dump, answered by
// Legs messages with kFlagMore on all but the last. Requests are validated as a
// whole before anything is applied: an Error means nothing changed.
//
// Cold path on both sides (one syscall per message).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace mg::dataplane::api {

inline constexpr uint32_t kMagic = 0x5044474d;  // "MGDP" in memory order
inline constexpr uint16_t kVersion = 2;  // 2: the host's TAP counters
inline constexpr size_t kMaxMessage = 65536;

enum class MsgType : uint8_t {
    kHello = 1,      // control -> dataplane: HelloBody
    kHelloReply,     // HelloReplyBody
    kOk,             // generic success; count = entries the request applied (make_ok)
    kError,          // ErrorBody + count bytes of text (UTF-8, no NUL)
    kListsBegin,     // start a list replacement (staging cleared)
    kListsChunk,     // count x RangeEntry appended to the staging
    kListsCommit,    // compile the staging and publish it; reply Ok
    kAddLegs,        // count x LegSpec; all or nothing
    kDelLegs,        // count x LegKey; all or nothing
    kQueryLegs,      // count x LegKey; reply Legs (unknown keys: Error)
    kLegs,           // count x LegInfo
    kDump,           // reply: Legs with kFlagMore, all legs
    kStats,          // reply: StatsReply
    kStatsReply,     // StatsBody + count x PortInfo
    kEmit,           // count x EmitEntry: send each payload once
    kIdleEvents,     // dataplane -> control, unsolicited: count x IdleEvent
    kTypeEnd
};
const char* type_name(MsgType t);  // "hello", "add-legs", ...; "unknown" otherwise

enum HeaderFlags : uint8_t {
    kFlagMore = 1 << 0,  // more messages of this reply follow (Dump)
};

struct Header {
    uint32_t magic = kMagic;
    uint16_t version = kVersion;
    uint8_t type = 0;   // MsgType
    uint8_t flags = 0;  // HeaderFlags
    uint32_t seq = 0;
    uint32_t count = 0;  // number of entries after the fixed body
};
static_assert(sizeof(Header) == 16);

// An address in wire form, 16 bytes, IPv4 as ::ffff:a.b.c.d (dataplane::IpAddr).
struct Addr {
    uint8_t bytes[16] = {};
};

struct HelloBody {
    uint32_t pid = 0;  // of the sender, for logs
    uint32_t reserved = 0;
};

struct HelloReplyBody {
    uint64_t instance = 0;  // random per dataplane start: a new value = push everything
    uint32_t pid = 0;
    uint32_t workers = 0;
    uint32_t ports = 0;
    uint32_t max_legs = 0;
    uint32_t legs = 0;
    uint32_t lists_generation = 0;  // 0 = no lists pushed since start
};

enum class ErrorKind : uint32_t {
    kBadMessage = 1,   // malformed: wrong length, magic, unknown type
    kVersionMismatch,  // version mismatch; the dataplane closes after it
    kInvalid,          // content refused (address not local, port taken, ...)
    kNotFound,         // no such leg
    kLimit,            // max legs, list size
    kBusy,             // e.g. ListsChunk without ListsBegin
};
struct ErrorBody {
    uint32_t kind = 0;   // ErrorKind
    uint32_t entry = 0;  // index of the offending entry, or UINT32_MAX
};

// Lists (kListsChunk). Bit `list` of a classification.
enum class ListId : uint8_t { kLan = 0, kClient, kNated, kDebug, kCount };
const char* list_name(ListId id);  // "lan", "client", "nated", "debug"
struct RangeEntry {
    uint8_t list = 0;  // ListId
    uint8_t reserved[7] = {};
    Addr first;  // inclusive; both of one family
    Addr last;
};
static_assert(sizeof(RangeEntry) == 40);

enum LegSpecFlags : uint8_t {
    kSpecLatch = 1 << 0,  // learn the peer from the first media packet
};

// One leg to add. The other leg is named by its key; it may be added in the
// same batch (a relay is two legs naming each other).
struct LegSpec {
    Addr local;
    Addr peer;        // all zero = unknown ("any")
    Addr other_local;
    uint16_t local_port = 0;
    uint16_t peer_port = 0;  // 0 = unknown
    uint16_t other_port = 0;
    uint8_t flags = 0;        // LegSpecFlags
    uint8_t dscp = 0xff;      // DSCP of packets sent from this leg; 0xff = keep
    uint64_t owner_tag = 0;   // opaque to the dataplane
};
static_assert(sizeof(LegSpec) == 64);

struct LegKey {
    Addr local;
    uint16_t port = 0;
    uint16_t reserved[3] = {};
};
static_assert(sizeof(LegKey) == 24);

struct DirectionCounters {
    uint64_t packets = 0;
    uint64_t bytes = 0;
    uint64_t idle_ms = 0;  // since the last packet; UINT64_MAX = never
};

struct LegInfo {
    LegSpec spec;
    Addr learned_peer;  // valid when latched
    uint16_t learned_port = 0;
    uint8_t latched = 0;
    uint8_t reserved[5] = {};
    DirectionCounters in;   // from the peer
    DirectionCounters out;  // to the peer
};
static_assert(sizeof(LegInfo) == 136);

inline constexpr unsigned kMaxDropReasons = 32;
// The names of StatsBody::drops[i]: the dataplane's DropReason values in their
// order (dataplane/packet_dp.h), which is part of this wire format (a change is
// a new kVersion). Operators see them in `mediagatectl status`.
inline constexpr const char* kDropReasonNames[] = {
    "truncated_ethernet", "unsupported_ethertype", "bad_arp",
    "truncated_ipv4",     "bad_ipv4_version",      "bad_ipv4_ihl",
    "bad_ipv4_length",    "bad_ipv4_checksum",     "ipv4_fragment",
    "ipv4_options",       "truncated_ipv6",        "bad_ipv6_header",
    "ipv6_extension_header", "ttl_exhausted",      "not_udp",
    "bad_udp_length",     "bad_udp_checksum",      "bad_neighbour_discovery",
    "not_for_us",         "unknown_port",          "unexpected_source",
    "latch_not_media",    "latch_rejected",        "peer_unknown",
    "no_neighbour",       "no_headroom",
};
inline constexpr unsigned kDropReasonNameCount =
    sizeof kDropReasonNames / sizeof kDropReasonNames[0];
static_assert(kDropReasonNameCount <= kMaxDropReasons);
struct StatsBody {
    uint64_t instance = 0;
    uint64_t uptime_ms = 0;
    uint64_t rx = 0;
    uint64_t tx = 0;
    uint64_t relayed = 0;
    uint64_t exception = 0;
    uint64_t tx_dropped = 0;      // the NIC refused them (queue full)
    uint64_t debug_packets = 0;   // relayed to or from a Debug IP
    uint64_t arp_replies = 0;
    uint64_t nd_replies = 0;
    uint64_t neighbours = 0;      // entries resolved
    uint64_t to_host = 0;         // frames written to a port's TAP (the host's traffic)
    uint64_t from_host = 0;       // frames the host wrote to a TAP, sent on its port
    uint64_t host_dropped = 0;    // frames for a TAP lost (its queue or ring was full)
    uint64_t drops[kMaxDropReasons] = {};  // by dataplane DropReason
    uint32_t drop_reasons = 0;    // how many of drops[] are meaningful
    uint32_t workers = 0;
    uint32_t legs = 0;
    uint32_t max_legs = 0;
    uint32_t lists_generation = 0;
    uint32_t list_ranges[4] = {};  // by ListId
    uint32_t reserved = 0;
};

struct PortInfo {
    char name[32] = {};    // from [[dataplane.port]]
    char device[64] = {};  // DPDK device name
    char role[8] = {};     // "lan" | "wan"
    uint8_t mac[6] = {};
    uint8_t link_up = 0;
    uint8_t reserved = 0;
    uint64_t rx = 0;       // rte_eth_stats
    uint64_t tx = 0;
    uint64_t rx_missed = 0;
    uint64_t tx_errors = 0;
    char tap[16] = {};     // the port's TAP interface, "" = none
    uint64_t tap_rx = 0;   // frames the host wrote to the TAP
    uint64_t tap_tx = 0;   // frames written to the TAP for the host
};

struct EmitEntry {
    static constexpr size_t kMaxPayload = 216;
    Addr local;
    Addr peer;
    uint16_t local_port = 0;
    uint16_t peer_port = 0;
    uint16_t length = 0;  // payload bytes used, 1..kMaxPayload
    uint16_t reserved = 0;
    uint8_t payload[kMaxPayload] = {};
};
static_assert(sizeof(EmitEntry) == 256);

struct IdleEvent {
    LegKey key;
    uint64_t owner_tag = 0;
    uint64_t idle_ms = 0;  // since the last packet received on the leg
};

// ---------------------------------------------------------------------------
// Encoding and validation.

// A validated view into a received message (valid while the buffer lives).
struct MessageView {
    Header header;
    std::span<const uint8_t> fixed;    // the fixed body
    std::span<const uint8_t> entries;  // count x entry size

    MsgType type() const { return static_cast<MsgType>(header.type); }
    template <typename T>
    T body() const;  // the fixed body as T (sizes checked by parse_message)
    template <typename T>
    T entry(size_t i) const;  // entry i as T
    std::string_view text() const {  // kError's text
        return {reinterpret_cast<const char*>(entries.data()), entries.size()};
    }
};

// Checks the size (16 to kMaxMessage bytes), magic, version, a known type, and
// that the length is exactly header + fixed body + count x entry (a type without
// entries needs count 0, except kOk). Errors name what is wrong ("add-legs: 100
// bytes, expected 16 + 0 + 64 x 2"). A version mismatch is ErrorCode::kInvalidInput
// whose message starts with "version".
Result<MessageView> parse_message(std::span<const uint8_t> bytes);

// Builds one message. Append entries, then take bytes(); MG_CHECK if the
// message would exceed kMaxMessage (callers chunk with max_entries()).
class MessageBuilder {
  public:
    MessageBuilder(MsgType type, uint32_t seq, uint8_t flags = 0);
    // The fixed body starts zeroed; set it at most once, before any entry (a
    // message whose body is all zero may skip it).
    template <typename T>
    MessageBuilder& fixed(const T& body);
    template <typename T>
    MessageBuilder& add(const T& entry);
    MessageBuilder& add_bytes(std::span<const uint8_t> bytes);  // 1-byte entries
    void set_flags(uint8_t flags);
    uint32_t count() const;
    const std::vector<uint8_t>& bytes() const { return buf_; }
    // How many entries of `type` fit in one message.
    static size_t max_entries(MsgType type);

  private:
    void append(const void* p, size_t n);
    std::vector<uint8_t> buf_;
    bool fixed_set_ = false;
};

// A whole kOk message whose count is `applied` (kOk has no entries: its count is
// a number, the one exception to "count x entry" in parse_message).
std::vector<uint8_t> make_ok(uint32_t seq, uint32_t applied);
// A whole kError message. Text that does not fit is cut at the last UTF-8
// character boundary that does.
std::vector<uint8_t> make_error(uint32_t seq, ErrorKind kind, uint32_t entry, std::string_view text);

// ---------------------------------------------------------------------------
// The socket (both sides). Blocking calls unless the fd is non-blocking.

// Sends one message. kIo on failure (EAGAIN included: the caller decides).
Result<void> send_message(int fd, std::span<const uint8_t> bytes);
// Sends one message without waiting, whatever the socket's mode: false when the
// socket's buffer is full (nothing was sent). kIo on any other failure.
Result<bool> try_send_message(int fd, std::span<const uint8_t> bytes);
// Receives one datagram into buf (resized to kMaxMessage first, then to what
// came). Returns false on orderly close (0 bytes). kIo on error.
Result<bool> recv_message(int fd, std::vector<uint8_t>& buf);

// Listening socket at `path` (mode 0660; a stale socket file is replaced, a
// live one is an error: "PATH: another dataplane is listening"; when probing
// the existing socket fails otherwise, e.g. EACCES, that error is returned and
// the file is left alone). A path that is empty, holds a NUL or does not fit
// sun_path is kInvalidInput (for connect_channel too).
Result<int> listen_channel(const std::string& path);
// Connects to `path`. kNotFound when nothing listens there, kIo otherwise.
// With `nonblocking` the fd is O_NONBLOCK from the start, so the connect itself
// cannot block either (a listener whose backlog is full, i.e. a stuck dataplane,
// is kIo at once instead of a wait without end).
Result<int> connect_channel(const std::string& path, bool nonblocking = false);

// Sizes per type, for parse_message and MessageBuilder.
size_t fixed_size(MsgType type);
size_t entry_size(MsgType type);

}  // namespace mg::dataplane::api

#include "dataplane/api/channel_inl.h"
