// Test fixture: an in-process DNS server (UDP and TCP on the same 127.0.0.x port)
// driven by the test's EventLoop, with switchable misbehaviour. Records every query
// it receives (arrival time, which server, transport, id, question, source port).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "resolver/dns_message.h"
#include "resolver/event_loop.h"
#include "resolver/servers.h"

namespace mg::resolver::testing {

struct FakeQuery {
    EventLoop::Clock::time_point at;
    int server = 0;  // FakeDnsServer index
    bool tcp = false;
    uint16_t id = 0;
    std::string name;
    RrType type = RrType::kA;
    uint16_t source_port = 0;
};

// Sent by the server before its real answer (which then follows after a short delay).
enum class Forgery {
    kWrongId,          // right question, id + 1
    kWrongQuestion,    // right id, another name
    kWrongType,        // right id and name, another type
    kWrongSourcePort,  // a correct answer from another port of the same address
    kWrongSourceAddr,  // a correct answer from 127.0.0.2 (same port if possible); IPv4 only
    kGarbage,          // 40 bytes that are not a DNS message
    kShort,            // 5 bytes
    kZeroLength,       // an empty datagram
    kNotResponse,      // a correct answer with QR clear
};

struct FakeSoa {
    uint32_t ttl = 3600;     // the SOA record's TTL
    uint32_t minimum = 300;  // its MINIMUM field
};

struct FakeCname {
    std::string owner;  // compared per names_equal()
    std::string target;
};

struct FakeBehavior {
    int drop_first = 0;         // UDP queries ignored before answering
    bool drop_all = false;      // UDP
    bool truncate_udp = false;  // UDP answers: TC set, no records; TCP: the full answer
    bool split_tcp = false;     // TCP answer written in 3 pieces, 10 ms apart
    bool tcp_close_without_answer = false;
    uint16_t rcode = kRcodeNoError;
    std::chrono::milliseconds delay{0};  // before the real answer
    int duplicates = 0;                  // UDP: copies of the real answer sent right after it
    std::vector<Forgery> forgeries;
    std::optional<std::vector<uint8_t>> raw;  // UDP: send these bytes instead of an answer
    std::vector<std::string> a{"192.0.2.1"};  // addresses for A answers
    std::vector<std::string> aaaa{"2001:db8::1"};
    uint32_t ttl = 300;                 // of every A/AAAA/CNAME record
    std::optional<uint32_t> cname_ttl;  // of CNAME records, when set
    // NXDOMAIN, and NOERROR without records of the asked type: an SOA in authority.
    std::optional<FakeSoa> soa;
    // A name with a CNAME here gets the CNAME instead of A/AAAA records; with
    // cname_chain_in_answer, the whole chain (up to 20 links) and the end's records.
    std::vector<FakeCname> cnames;
    bool cname_chain_in_answer = false;
    // Records put first in the answer section, owned by the question's name (NOERROR
    // and NXDOMAIN answers): an A record in an AAAA answer, a record of another class.
    struct Extra {
        RrType type;
        uint16_t cls;
        std::vector<uint8_t> rdata;  // as on the wire
    };
    std::vector<Extra> extra_answers;
};

// A response to `query` (a parsed query message): QR, RD copied, RA, `rcode`, the
// question echoed, one A/AAAA record per address (owner = compression pointer to the
// question, TTL 300). With tc: TC set and no records.
std::vector<uint8_t> build_answer(uint16_t id,
                                  std::string_view name,
                                  RrType type,
                                  uint16_t rcode,
                                  bool tc,
                                  const std::vector<std::string>& a,
                                  const std::vector<std::string>& aaaa,
                                  bool qr = true);

// The same, with the records, TTLs, SOA and CNAMEs `b` describes (b.rcode).
std::vector<uint8_t> build_answer(uint16_t id,
                                  std::string_view name,
                                  RrType type,
                                  const FakeBehavior& b,
                                  bool tc,
                                  bool qr = true);

class FakeDnsServer {
  public:
    // Binds UDP and TCP on ip:0 (the same port for both); `ip` is IPv4 or IPv6 ("::1").
    // `shared_log`, when given, receives every FakeQuery too (to see the order across
    // several servers).
    FakeDnsServer(EventLoop& loop,
                  int index,
                  std::string ip = "127.0.0.1",
                  std::vector<FakeQuery>* shared_log = nullptr);
    ~FakeDnsServer();
    FakeDnsServer(const FakeDnsServer&) = delete;
    FakeDnsServer& operator=(const FakeDnsServer&) = delete;

    FakeBehavior& behavior() { return behavior_; }
    ServerAddr addr() const { return addr_; }
    const std::vector<FakeQuery>& queries() const { return queries_; }
    size_t udp_queries() const;
    size_t tcp_queries() const;

  private:
    struct TcpConn {
        std::vector<uint8_t> in;
    };

    void on_udp();
    void on_accept();
    void on_tcp(int fd);
    void close_conn(int fd);
    void record(const Message* query, bool tcp, uint16_t source_port);
    void send_udp(int fd,
                  const std::vector<uint8_t>& bytes,
                  const sockaddr_storage& to,
                  socklen_t len);

    EventLoop& loop_;
    int index_;
    std::vector<FakeQuery>* shared_log_;
    FakeBehavior behavior_;
    ServerAddr addr_;
    int udp_ = -1;
    int tcp_ = -1;
    int other_port_ = -1;  // ip:0
    int other_addr_ = -1;  // 127.0.0.2 (or .3); -1 for an IPv6 server
    int udp_seen_ = 0;
    std::map<int, TcpConn> conns_;
    std::vector<EventLoop::TimerId> timers_;
    std::vector<FakeQuery> queries_;
};

}  // namespace mg::resolver::testing
