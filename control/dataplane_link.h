// DataplaneLink: mediagate-control's end of the dataplane channel
// (dataplane/api/channel.h), and the static relays control keeps in the dataplane.
//
// Cold path, on the daemon's EventLoop; no threads, nothing blocks (the socket is
// non-blocking from before its connect). Life of a connection:
//
//   disconnected --connect--> hello --HelloReply--> syncing --done--> ready
//        ^  retry every retry_interval; the state change is logged once  |
//        +------- EOF, error, bad message, a request not answered -------+
//
// Sync, in this order: the lists (lan, client, nated, debug of the current Runtime:
// ListsBegin, ListsChunk x N, ListsCommit); then, when the dataplane holds legs and
// this process has not been in sync with that dataplane instance since it started
// (or a request was cut short), a Dump, from which static relays unknown to control
// are adopted (a restarted control rebuilds from the dump; ids continue past the
// highest seen) and legs that make no relay are deleted; then the [[relay]] tables
// are reconciled and every relay not in the dataplane is added (a restarted
// dataplane, a new `instance`, gets everything pushed again).
//
// After a reload (set_runtime) the lists are pushed again and the [[relay]] tables
// reconciled: removed ones deleted, new ones added, unchanged ones (same endpoints
// and latching, matched whatever their name) kept with their counters. Relays added
// with the CLI are never touched by a reload.
//
// Requests go one at a time (a job queue), so a CLI command never interleaves with
// a sync. A request not answered within request_timeout (commit_timeout for
// ListsCommit) fails with "dataplane did not answer" and drops the connection.
// CLI operations while disconnected fail at once ("dataplane not connected");
// while connecting or syncing they wait for the sync. Unsolicited idle events are
// logged (control has no calls yet).
//
// A `relay del` the dataplane did not confirm (connection broken, no answer) is
// final for control: the relay is forgotten and, if the next sync's dump still has
// it, deleted then rather than adopted back. A relay with one leg gone already
// has the other deleted alone (a DelLegs batch is all or nothing).
//
// Errors given to the callbacks: ErrorCode::kIo when the dataplane is not
// connected, did not answer or the connection broke (exit 2 "no answer"); any
// other code is the dataplane's refusal with its text, or control's own (unknown
// relay id: kNotFound), exit 1.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"
#include "control/dataplane_facts.h"
#include "control/log.h"
#include "control/relay.h"
#include "control/runtime.h"
#include "dataplane/api/channel.h"
#include "resolver/event_loop.h"

namespace mg::control {

struct LinkOptions {
    std::string socket;  // the dataplane channel's path
    std::chrono::milliseconds retry_interval{1000};
    // After the dataplane refused our hello (another channel version).
    std::chrono::milliseconds refused_retry_interval{10000};
    std::chrono::milliseconds request_timeout{2000};
    std::chrono::milliseconds commit_timeout{30000};  // ListsCommit compiles the lists
};

enum class LinkState { kDisconnected, kHello, kSyncing, kReady };
const char* to_string(LinkState s);  // "disconnected", "connecting", "synchronising", "ready"

// One relay as `relay list` shows it.
struct RelayView {
    Relay relay;
    bool has_legs = false;               // legs[] came from the dataplane
    std::array<api::LegInfo, 2> legs{};  // sides A, B
};

struct DataplaneStats {
    api::StatsBody body;
    std::vector<api::PortInfo> ports;
};

class DataplaneLink {
  public:
    template <typename T>
    using Done = std::function<void(Result<T>)>;

    DataplaneLink(resolver::EventLoop& loop,
                  Logger& log,
                  LinkOptions opts,
                  std::shared_ptr<const Runtime> rt);
    ~DataplaneLink();  // closes the socket; pending callbacks are dropped uncalled
    DataplaneLink(const DataplaneLink&) = delete;
    DataplaneLink& operator=(const DataplaneLink&) = delete;

    void start();                                         // the first connection attempt, now
    void set_runtime(std::shared_ptr<const Runtime> rt);  // after a successful reload

    LinkState state() const { return state_; }
    const std::string& socket() const { return opts_.socket; }
    // Without stats; the daemon adds them from stats().
    DataplaneFacts facts() const;
    const std::map<uint64_t, Relay>& relays() const { return relays_; }

    // CLI operations; `done` is called exactly once, possibly before returning.
    void add_relay(const RelaySpec& spec, Done<uint64_t> done);
    void del_relay(uint64_t id, Done<bool> done);  // true: deleted
    void list_relays(Done<std::vector<RelayView>> done);
    void stats(Done<DataplaneStats> done);

  private:
    using Replies = std::vector<std::vector<uint8_t>>;  // whole messages, parse_message-valid
    using ReplyFn = std::function<void(Result<Replies>)>;
    using Next = std::function<void()>;
    struct Pending {
        api::MsgType type;
        ReplyFn fn;
        resolver::EventLoop::TimerId timer = 0;
        std::chrono::milliseconds timeout;
        Replies parts;
    };
    struct Job {
        std::function<void(Next finished)> run;
        std::function<void(const Error&)> cancel;  // CLI jobs; null for internal ones
    };

    // Connection (dataplane_link.cc).
    void try_connect();
    void schedule_retry(std::chrono::milliseconds after);
    void note_problem(const std::string& line, bool error);  // logs each distinct one once
    void on_event(uint32_t events);
    void on_message(std::span<const uint8_t> bytes);
    void on_hello(Result<Replies> r);
    void on_timeout(uint32_t seq);
    void on_idle_events(const api::MessageView& m);
    void flush_outbox();
    void drop(const std::string& why, bool refused = false);
    // Sends msg (its seq is set here); fn gets the reply, or the dataplane's
    // refusal, or kIo. May call fn before returning (not connected, send failed).
    void request(api::MsgType type, const api::MessageBuilder& msg, ReplyFn fn);
    void arm_timer(uint32_t seq);
    void submit(Job job);
    void pump();

    Error not_connected() const;

    // Sync and relays (dataplane_sync.cc).
    using LegsById = std::map<uint64_t, std::array<api::LegInfo, 2>>;
    void begin_sync(const api::HelloReplyBody& h);
    void push_lists(Next next);
    void send_chunks(std::shared_ptr<const std::vector<api::RangeEntry>> entries,
                     size_t from,
                     Next next);
    void adopt_dump(const Replies& parts);
    void reconcile(Next next);
    void delete_keys(std::vector<api::LegKey> keys, bool singly, Next next);
    void install_from(std::vector<uint64_t> ids, size_t i, Next next);
    void del_legs_singly(
        std::vector<api::LegKey> keys, size_t i, uint64_t id, Done<bool> done, Next finished);
    void del_failed(uint64_t id, const Error& e, const Done<bool>& done);
    void query_from(std::vector<uint64_t> ids,
                    size_t from,
                    bool singly,
                    std::shared_ptr<LegsById> got,
                    Done<std::vector<RelayView>> done,
                    Next finished);

    resolver::EventLoop& loop_;
    Logger& log_;
    LinkOptions opts_;
    std::shared_ptr<const Runtime> runtime_;

    int fd_ = -1;
    LinkState state_ = LinkState::kDisconnected;
    uint64_t epoch_ = 1;  // changes on every connect and disconnect
    resolver::EventLoop::TimerId retry_timer_ = 0;
    std::string problem_;  // the last logged reason for not being connected
    std::optional<api::HelloReplyBody> hello_;
    std::optional<uint64_t> synced_instance_;  // the last instance we were in sync with
    bool uncertain_ = false;  // a request was cut short: the next sync reads a dump
    uint32_t next_seq_ = 1;
    std::map<uint32_t, Pending> pending_;
    std::deque<std::vector<uint8_t>> outbox_;  // waiting for the socket to take them
    bool want_write_ = false;                  // EPOLLOUT is on
    std::vector<uint8_t> rx_;
    std::deque<Job> jobs_;
    bool busy_ = false;
    bool pumping_ = false;

    std::map<uint64_t, Relay> relays_;
    uint64_t next_id_ = 1;
    std::vector<api::LegKey> to_delete_;  // stray legs found by the last dump
    // CLI relays whose delete the dataplane did not confirm (the connection broke or
    // it did not answer): forgotten here, and deleted if the next sync's dump has
    // them, never adopted back from it.
    std::set<uint64_t> deleting_;
    bool dump_refused_ = false;  // this sync's dump was refused: stay uncertain
};

}  // namespace mg::control
