// A fake mediagate-dataplane for the control tests: a SOCK_SEQPACKET listener
// (api::listen_channel) driven by the test's EventLoop, answering like the real
// one (lists staging and commit, legs all or nothing, queries, dumps in parts,
// stats) and recording what it was sent. Knobs make it refuse our version, stay
// silent, refuse legs, or apply a request without answering it.
#pragma once

#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "dataplane/api/channel.h"
#include "resolver/event_loop.h"

#include <sys/socket.h>
#include <unistd.h>

namespace mg::control::test {

namespace api = dataplane::api;
using api::MessageBuilder;
using api::MsgType;

class FakeDataplane {
  public:
    FakeDataplane(resolver::EventLoop& loop, std::string path)
        : loop_(loop), path_(std::move(path)) {}
    ~FakeDataplane() { stop(); }

    // Listens (again) as dataplane `instance`; a new instance starts empty.
    void start(uint64_t instance) {
        if (instance != instance_) {
            legs.clear();
            lists_generation = 0;
            committed.clear();
        }
        instance_ = instance;
        auto fd = api::listen_channel(path_);
        ASSERT_TRUE(fd.ok()) << fd.error().message;
        listen_fd_ = *fd;
        ASSERT_TRUE(loop_.add_fd(listen_fd_, EPOLLIN, [this](uint32_t) { on_accept(); }).ok());
    }
    // Dies: the listener and the connection go (the socket file stays, stale).
    void stop() {
        close_conn();
        if (listen_fd_ >= 0) {
            loop_.remove_fd(listen_fd_);
            ::close(listen_fd_);
            listen_fd_ = -1;
        }
    }
    void close_conn() {
        if (conn_ >= 0) {
            loop_.remove_fd(conn_);
            ::close(conn_);
            conn_ = -1;
        }
    }
    bool connected() const { return conn_ >= 0; }

    void send(const std::vector<uint8_t>& bytes) {
        ASSERT_GE(conn_, 0);
        ASSERT_TRUE(api::send_message(conn_, bytes).ok());
    }

    static std::string key(const api::Addr& a, uint16_t port) {
        return std::string(reinterpret_cast<const char*>(a.bytes), 16) + std::to_string(port);
    }
    size_t count(MsgType t) const {
        size_t n = 0;
        for (auto r : received)
            n += r == t;
        return n;
    }

    // Knobs.
    bool refuse_version = false;  // Hello: an error from version kVersion + 1, then close
    bool silent = false;          // never answer (requests are still applied)
    int silent_after_apply = 0;   // apply the next N requests without answering
    std::string refuse_add;       // AddLegs: refused with this text
    size_t dump_per_message = 0;  // 0: as many as fit
    bool refuse_dump = false;     // Dump: refused
    // The next request of this type: not applied, the connection closed.
    std::optional<MsgType> close_on;

    // What it got and holds.
    std::vector<MsgType> received;
    std::vector<uint32_t> hello_pids;
    std::vector<std::vector<api::LegSpec>> adds;  // accepted AddLegs batches
    std::vector<std::vector<api::LegKey>> dels;   // accepted DelLegs batches
    size_t chunks = 0;
    std::vector<api::RangeEntry> staging;
    std::vector<api::RangeEntry> committed;
    uint32_t lists_generation = 0;
    std::map<std::string, api::LegInfo> legs;
    size_t accepted = 0;  // connections

  private:
    void on_accept() {
        int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0)
            return;
        close_conn();  // one control at a time
        conn_ = fd;
        ++accepted;
        ASSERT_TRUE(loop_.add_fd(conn_, EPOLLIN, [this](uint32_t) { on_readable(); }).ok());
    }

    void on_readable() {
        std::vector<uint8_t> buf;
        auto r = api::recv_message(conn_, buf);
        if (!r.ok() || !*r)
            return close_conn();
        auto m = api::parse_message(buf);
        ASSERT_TRUE(m.ok()) << m.error().message;
        received.push_back(m->type());
        if (close_on && *close_on == m->type()) {
            close_on.reset();
            return close_conn();
        }
        std::vector<std::vector<uint8_t>> out = handle(*m);
        if (silent)
            return;
        if (silent_after_apply > 0) {
            --silent_after_apply;
            return;
        }
        for (const auto& o : out) {
            if (conn_ < 0)
                return;
            send(o);
        }
        if (close_after_) {
            close_after_ = false;
            close_conn();
        }
    }

    std::vector<std::vector<uint8_t>> handle(const api::MessageView& m) {
        const uint32_t seq = m.header.seq;
        switch (m.type()) {
            case MsgType::kHello: {
                hello_pids.push_back(m.body<api::HelloBody>().pid);
                if (refuse_version) {
                    const unsigned newer = api::kVersion + 1u;
                    auto e = api::make_error(seq, api::ErrorKind::kVersionMismatch, UINT32_MAX,
                                             "dataplane: version mismatch: " +
                                                 std::to_string(newer) + " vs " +
                                                 std::to_string(api::kVersion));
                    e[4] = static_cast<uint8_t>(newer);  // a newer dataplane's header
                    close_after_ = true;
                    return {e};
                }
                api::HelloReplyBody h;
                h.instance = instance_;
                h.pid = 4242;
                h.workers = 2;
                h.ports = 1;
                h.max_legs = 1000;
                h.legs = static_cast<uint32_t>(legs.size());
                h.lists_generation = lists_generation;
                MessageBuilder b(MsgType::kHelloReply, seq);
                b.fixed(h);
                return {b.bytes()};
            }
            case MsgType::kListsBegin:
                staging.clear();
                return {api::make_ok(seq, 0)};
            case MsgType::kListsChunk:
                ++chunks;
                for (size_t i = 0; i < m.header.count; ++i)
                    staging.push_back(m.entry<api::RangeEntry>(i));
                return {api::make_ok(seq, m.header.count)};
            case MsgType::kListsCommit:
                committed = staging;
                ++lists_generation;
                return {api::make_ok(seq, 0)};
            case MsgType::kAddLegs: {
                if (!refuse_add.empty())
                    return {api::make_error(seq, api::ErrorKind::kInvalid, 0, refuse_add)};
                std::vector<api::LegSpec> batch;
                for (size_t i = 0; i < m.header.count; ++i) {
                    auto s = m.entry<api::LegSpec>(i);
                    if (legs.count(key(s.local, s.local_port)) != 0)
                        return {api::make_error(seq, api::ErrorKind::kInvalid,
                                                static_cast<uint32_t>(i),
                                                "dataplane: leg " + std::to_string(i) +
                                                    ": the port already has a leg")};
                    batch.push_back(s);
                }
                for (const auto& s : batch) {
                    api::LegInfo info;
                    info.spec = s;
                    info.in.idle_ms = UINT64_MAX;
                    info.out.idle_ms = UINT64_MAX;
                    legs[key(s.local, s.local_port)] = info;
                }
                adds.push_back(batch);
                return {api::make_ok(seq, m.header.count)};
            }
            case MsgType::kDelLegs: {
                std::vector<api::LegKey> batch;
                for (size_t i = 0; i < m.header.count; ++i) {
                    auto k = m.entry<api::LegKey>(i);
                    if (legs.count(key(k.local, k.port)) == 0)
                        return {api::make_error(seq, api::ErrorKind::kNotFound,
                                                static_cast<uint32_t>(i),
                                                "dataplane: no such leg")};
                    batch.push_back(k);
                }
                for (const auto& k : batch)
                    legs.erase(key(k.local, k.port));
                dels.push_back(batch);
                return {api::make_ok(seq, m.header.count)};
            }
            case MsgType::kQueryLegs: {
                MessageBuilder b(MsgType::kLegs, seq);
                for (size_t i = 0; i < m.header.count; ++i) {
                    auto k = m.entry<api::LegKey>(i);
                    auto it = legs.find(key(k.local, k.port));
                    if (it == legs.end())
                        return {api::make_error(seq, api::ErrorKind::kNotFound,
                                                static_cast<uint32_t>(i),
                                                "dataplane: no such leg")};
                    b.add(it->second);
                }
                return {b.bytes()};
            }
            case MsgType::kDump: {
                if (refuse_dump)
                    return {api::make_error(seq, api::ErrorKind::kBusy, UINT32_MAX,
                                            "dataplane: no dump now")};
                const size_t per = dump_per_message ? dump_per_message
                                                    : MessageBuilder::max_entries(MsgType::kLegs);
                std::vector<MessageBuilder> parts{MessageBuilder(MsgType::kLegs, seq)};
                for (const auto& [k, info] : legs) {
                    if (parts.back().count() == per) {
                        parts.back().set_flags(api::kFlagMore);
                        parts.emplace_back(MsgType::kLegs, seq);
                    }
                    parts.back().add(info);
                }
                std::vector<std::vector<uint8_t>> out;
                for (const auto& p : parts)
                    out.push_back(p.bytes());
                return out;
            }
            case MsgType::kStats: {
                api::StatsBody s;
                s.instance = instance_;
                s.rx = 100;
                s.tx = 90;
                s.relayed = 80;
                s.drop_reasons = api::kDropReasonNameCount;
                s.drops[0] = 3;
                s.drops[1] = 4;
                s.workers = 2;
                s.legs = static_cast<uint32_t>(legs.size());
                s.max_legs = 1000;
                s.lists_generation = lists_generation;
                api::PortInfo p;
                std::snprintf(p.name, sizeof p.name, "lan");
                std::snprintf(p.device, sizeof p.device, "net_af_packet0");
                std::snprintf(p.role, sizeof p.role, "lan");
                const uint8_t mac[6] = {0x02, 0, 0, 0, 0, 0x01};
                std::memcpy(p.mac, mac, sizeof mac);
                p.link_up = 1;
                p.rx = 7;
                MessageBuilder b(MsgType::kStatsReply, seq);
                b.fixed(s);
                b.add(p);
                return {b.bytes()};
            }
            default:
                return {api::make_error(seq, api::ErrorKind::kBadMessage, UINT32_MAX, "no")};
        }
    }

    resolver::EventLoop& loop_;
    std::string path_;
    uint64_t instance_ = 0;
    int listen_fd_ = -1;
    int conn_ = -1;
    bool close_after_ = false;
};

}  // namespace mg::control::test
