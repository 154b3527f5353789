// DataplaneLink: the connection, the requests and the job queue. The sync and the
// relay operations are in dataplane_sync.cc.
#include "control/dataplane_link.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

#include <sys/socket.h>
#include <unistd.h>

namespace mg::control {
namespace {

using api::MessageBuilder;
using api::MsgType;

constexpr size_t kMaxDumpParts = 40000;  // 19 million legs; more is not a dataplane
constexpr size_t kMaxIdleLines = 20;     // idle events logged one by one per message
constexpr size_t kMaxErrorText = 512;

std::string seconds_text(std::chrono::milliseconds d) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g s", static_cast<double>(d.count()) / 1000.0);
    return buf;
}

// Text from the dataplane is untrusted: control characters become '?', and it is
// cut at kMaxErrorText bytes.
std::string clean_text(std::string_view t) {
    std::string out;
    for (char c : t.substr(0, kMaxErrorText)) {
        auto u = static_cast<unsigned char>(c);
        out += (u < 0x20 || u == 0x7f) ? '?' : c;
    }
    if (t.size() > kMaxErrorText)
        out += "...";
    return out;
}

MsgType expected_reply(MsgType request) {
    switch (request) {
        case MsgType::kHello:
            return MsgType::kHelloReply;
        case MsgType::kQueryLegs:
        case MsgType::kDump:
            return MsgType::kLegs;
        case MsgType::kStats:
            return MsgType::kStatsReply;
        default:
            return MsgType::kOk;
    }
}

ErrorCode code_of(uint32_t kind) {
    switch (static_cast<api::ErrorKind>(kind)) {
        case api::ErrorKind::kNotFound:
            return ErrorCode::kNotFound;
        case api::ErrorKind::kLimit:
            return ErrorCode::kLimit;
        case api::ErrorKind::kBadMessage:
            return ErrorCode::kInternal;
        default:
            return ErrorCode::kInvalidInput;
    }
}

std::string hex(uint64_t v) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
    return buf;
}

}  // namespace

const char* to_string(LinkState s) {
    switch (s) {
        case LinkState::kDisconnected:
            return "disconnected";
        case LinkState::kHello:
            return "connecting";
        case LinkState::kSyncing:
            return "synchronising";
        case LinkState::kReady:
            return "ready";
    }
    return "unknown";
}

DataplaneLink::DataplaneLink(resolver::EventLoop& loop,
                             Logger& log,
                             LinkOptions opts,
                             std::shared_ptr<const Runtime> rt)
    : loop_(loop), log_(log), opts_(std::move(opts)), runtime_(std::move(rt)) {
    rx_.resize(api::kMaxMessage + 1);  // one more, so an oversized datagram shows as such
}

DataplaneLink::~DataplaneLink() {
    loop_.cancel_timer(retry_timer_);
    for (auto& [seq, p] : pending_)
        loop_.cancel_timer(p.timer);
    if (fd_ >= 0) {
        loop_.remove_fd(fd_);
        ::close(fd_);
    }
}

void DataplaneLink::start() {
    if (fd_ < 0 && retry_timer_ == 0)
        try_connect();
}

Error DataplaneLink::not_connected() const {
    std::string why = problem_.substr(0, problem_.find("; retrying"));
    return make_error(ErrorCode::kIo,
                      "dataplane not connected" + (why.empty() ? "" : " (" + why + ")"));
}

DataplaneFacts DataplaneLink::facts() const {
    DataplaneFacts f;
    f.socket = opts_.socket;
    f.state = to_string(state_);
    if (state_ != LinkState::kReady)
        f.error = problem_.substr(0, problem_.find("; retrying"));
    f.hello = hello_;
    // Config relays as the config has them: until a sync reconciles them, they are
    // wanted but not in the dataplane.
    size_t config_installed = 0;
    for (const auto& [id, r] : relays_) {
        if (r.kind == OwnerKind::kConfigRelay) {
            config_installed += r.installed;
            continue;
        }
        ++f.relays;
        f.relays_refused += !r.installed;
    }
    f.config_relays = runtime_->config.relays.size();
    f.relays += f.config_relays;
    f.relays_refused += f.config_relays - std::min(f.config_relays, config_installed);
    return f;
}

void DataplaneLink::note_problem(const std::string& line, bool error) {
    if (line == problem_)
        return;
    problem_ = line;
    if (error)
        log_.error("dataplane: " + line);
    else
        log_.warning("dataplane: " + line);
}

void DataplaneLink::schedule_retry(std::chrono::milliseconds after) {
    loop_.cancel_timer(retry_timer_);
    retry_timer_ = loop_.add_timer_after(after, [this] {
        retry_timer_ = 0;
        try_connect();
    });
}

void DataplaneLink::try_connect() {
    auto fd = api::connect_channel(opts_.socket, /*nonblocking=*/true);
    if (!fd.ok()) {
        note_problem(fd.error().message + "; retrying every " + seconds_text(opts_.retry_interval),
                     false);
        schedule_retry(opts_.retry_interval);
        return;
    }
    auto added = loop_.add_fd(*fd, EPOLLIN, [this](uint32_t events) { on_event(events); });
    if (!added.ok()) {
        ::close(*fd);
        note_problem(added.error().message, true);
        schedule_retry(opts_.retry_interval);
        return;
    }
    fd_ = *fd;
    ++epoch_;
    state_ = LinkState::kHello;
    api::HelloBody hello;
    hello.pid = static_cast<uint32_t>(::getpid());
    MessageBuilder b(MsgType::kHello, 0);
    b.fixed(hello);
    request(MsgType::kHello, b, [this](Result<Replies> r) { on_hello(std::move(r)); });
}

void DataplaneLink::on_hello(Result<Replies> r) {
    if (!r.ok()) {
        if (r.error().code == ErrorCode::kIo)
            return;  // the connection is gone; drop() said why
        drop("the dataplane refused our hello: " + r.error().message +
                 " (this mediagate-control speaks channel version " +
                 std::to_string(api::kVersion) + "; are both programs of the same release?)",
             true);
        return;
    }
    auto m = api::parse_message(r->front());
    auto h = m->body<api::HelloReplyBody>();
    hello_ = h;
    problem_.clear();
    log_.info("dataplane: connected to " + opts_.socket + " (pid " + std::to_string(h.pid) +
              ", instance " + hex(h.instance) + ", " + std::to_string(h.workers) + " workers, " +
              std::to_string(h.ports) + " ports, " + std::to_string(h.legs) + "/" +
              std::to_string(h.max_legs) + " legs, lists generation " +
              std::to_string(h.lists_generation) + ")");
    begin_sync(h);
}

void DataplaneLink::on_event(uint32_t events) {
    if ((events & EPOLLOUT) != 0)
        flush_outbox();
    // A bounded batch per wake-up; the level-triggered loop brings us back for more.
    for (int i = 0; i < 64 && fd_ >= 0; ++i) {
        ssize_t n = ::recv(fd_, rx_.data(), rx_.size(), MSG_DONTWAIT | MSG_TRUNC);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (n < 0)
            return drop(std::string("receive: ") + std::strerror(errno));
        if (n == 0)
            return drop("the dataplane closed the connection");
        if (static_cast<size_t>(n) > api::kMaxMessage)
            return drop("a datagram of " + std::to_string(n) + " bytes, over the " +
                        std::to_string(api::kMaxMessage) + "-byte limit");
        on_message({rx_.data(), static_cast<size_t>(n)});
    }
}

void DataplaneLink::on_message(std::span<const uint8_t> bytes) {
    auto parsed = api::parse_message(bytes);
    if (!parsed.ok()) {
        const std::string& why = parsed.error().message;
        if (why.rfind("version", 0) == 0)
            return drop("the dataplane speaks another channel version (" + why + ")", true);
        return drop("bad message from the dataplane: " + why);
    }
    const api::MessageView& m = *parsed;
    const char* type = api::type_name(m.type());
    if (m.header.seq == 0) {
        if (m.type() == MsgType::kIdleEvents) {
            on_idle_events(m);
        } else if (m.type() == MsgType::kError &&
                   m.body<api::ErrorBody>().kind == static_cast<uint32_t>(api::ErrorKind::kLimit)) {
            // Sent before the dataplane closes a connection it will not serve
            // (kLimit: already kMaxClients clients): its reason is the one to log.
            // Other unsolicited errors (a datagram it could not read) are logged.
            std::string text = clean_text(m.text());
            return drop("the dataplane refused the connection: " +
                            (text.empty() ? std::string("no reason given") : text),
                        true);
        } else {
            log_.warning(std::string("dataplane: an unsolicited '") + type + "' message, ignored");
        }
        return;
    }
    auto it = pending_.find(m.header.seq);
    if (it == pending_.end()) {
        log_.warning(std::string("dataplane: a '") + type + "' reply to no request (seq " +
                     std::to_string(m.header.seq) + "), ignored");
        return;
    }
    Pending& p = it->second;
    const bool refusal = m.type() == MsgType::kError;
    if (!refusal && m.type() != expected_reply(p.type)) {
        return drop(std::string("the dataplane answered '") + type + "' to '" +
                    api::type_name(p.type) + "'");
    }
    if (!refusal) {
        p.parts.emplace_back(bytes.begin(), bytes.end());
        if (p.type == MsgType::kDump && (m.header.flags & api::kFlagMore) != 0) {
            if (p.parts.size() >= kMaxDumpParts)
                return drop("the dump goes on past " + std::to_string(kMaxDumpParts) + " messages");
            loop_.cancel_timer(p.timer);
            arm_timer(m.header.seq);
            return;
        }
    }
    Pending done = std::move(p);
    pending_.erase(it);
    loop_.cancel_timer(done.timer);
    if (!refusal)
        return done.fn(std::move(done.parts));
    auto body = m.body<api::ErrorBody>();
    std::string text = clean_text(m.text());
    if (text.empty())
        text = std::string("the dataplane refused '") + api::type_name(done.type) + "'";
    done.fn(make_error(code_of(body.kind), text));
}

void DataplaneLink::on_idle_events(const api::MessageView& m) {
    const size_t n = m.header.count;
    for (size_t i = 0; i < n && i < kMaxIdleLines; ++i) {
        auto ev = m.entry<api::IdleEvent>(i);
        OwnerTag t = OwnerTag::decode(ev.owner_tag);
        std::string who =
            t.is_relay() ? "relay " + std::to_string(t.id) + " leg " + (t.side == 0 ? "A" : "B")
                         : "owner " + hex(ev.owner_tag);
        configs::Endpoint local = endpoint_from_wire(ev.key.local, ev.key.port);
        log_.info("dataplane: " + local.format() + " (" + who + ") idle for " +
                  std::to_string(ev.idle_ms) + " ms");
    }
    if (n > kMaxIdleLines)
        log_.info("dataplane: and " + std::to_string(n - kMaxIdleLines) + " more idle legs");
}

void DataplaneLink::request(MsgType type, const MessageBuilder& msg, ReplyFn fn) {
    if (fd_ < 0)
        return fn(not_connected());
    uint32_t seq = next_seq_++;
    if (next_seq_ == 0)
        next_seq_ = 1;  // 0 is for unsolicited messages
    std::vector<uint8_t> bytes = msg.bytes();
    api::Header h;
    std::memcpy(&h, bytes.data(), sizeof h);
    h.seq = seq;
    std::memcpy(bytes.data(), &h, sizeof h);
    Pending p{type,
              std::move(fn),
              0,
              type == MsgType::kListsCommit ? opts_.commit_timeout : opts_.request_timeout,
              {}};
    pending_.emplace(seq, std::move(p));
    arm_timer(seq);
    outbox_.push_back(std::move(bytes));
    if (outbox_.size() == 1)
        flush_outbox();
}

void DataplaneLink::arm_timer(uint32_t seq) {
    Pending& p = pending_.at(seq);
    p.timer = loop_.add_timer_after(p.timeout, [this, seq] { on_timeout(seq); });
}

void DataplaneLink::on_timeout(uint32_t seq) {
    auto it = pending_.find(seq);
    if (it == pending_.end())
        return;
    Pending p = std::move(it->second);
    pending_.erase(it);
    std::string why = std::string("the dataplane did not answer '") + api::type_name(p.type) +
                      "' within " + std::to_string(p.timeout.count()) + " ms";
    uncertain_ = true;  // it may still apply it
    drop(why);
    p.fn(make_error(ErrorCode::kIo, why.substr(4)));  // "dataplane did not answer ..."
}

void DataplaneLink::flush_outbox() {
    while (fd_ >= 0 && !outbox_.empty()) {
        const auto& b = outbox_.front();
        ssize_t n = ::send(fd_, b.data(), b.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (!want_write_)
                want_write_ = loop_.modify_fd(fd_, EPOLLIN | EPOLLOUT).ok();
            return;
        }
        if (n != static_cast<ssize_t>(b.size()))
            return drop(std::string("send: ") + (n < 0 ? std::strerror(errno) : "short send"));
        outbox_.pop_front();
    }
    if (fd_ >= 0 && want_write_)
        want_write_ = !loop_.modify_fd(fd_, EPOLLIN).ok();
}

void DataplaneLink::drop(const std::string& why, bool refused) {
    if (fd_ < 0)
        return;
    const auto retry = refused ? opts_.refused_retry_interval : opts_.retry_interval;
    const std::string line = (refused || state_ == LinkState::kHello ? "" : "connection lost: ") +
                             why + "; retrying every " + seconds_text(retry);
    note_problem(line, refused);
    loop_.remove_fd(fd_);
    ::close(fd_);
    fd_ = -1;
    outbox_.clear();
    want_write_ = false;
    auto pending = std::move(pending_);
    pending_.clear();
    auto jobs = std::move(jobs_);
    jobs_.clear();
    for (const auto& [seq, p] : pending) {
        loop_.cancel_timer(p.timer);
        if (p.type == MsgType::kAddLegs || p.type == MsgType::kDelLegs)
            uncertain_ = true;
    }
    busy_ = false;
    state_ = LinkState::kDisconnected;
    hello_.reset();
    to_delete_.clear();
    ++epoch_;
    schedule_retry(retry);
    Error lost = make_error(ErrorCode::kIo, "dataplane connection lost (" + why + ")");
    for (auto& [seq, p] : pending)
        p.fn(lost);
    for (auto& j : jobs) {
        if (j.cancel)
            j.cancel(not_connected());
    }
}

void DataplaneLink::submit(Job job) {
    if (state_ == LinkState::kDisconnected) {
        if (job.cancel)
            job.cancel(not_connected());
        return;
    }
    jobs_.push_back(std::move(job));
    pump();
}

void DataplaneLink::pump() {
    if (pumping_)
        return;
    pumping_ = true;
    while (state_ == LinkState::kReady && !busy_ && !jobs_.empty()) {
        Job job = std::move(jobs_.front());
        jobs_.pop_front();
        busy_ = true;
        const uint64_t epoch = epoch_;
        job.run([this, epoch] {
            if (epoch != epoch_)
                return;  // the connection it ran on is gone; drop() reset the queue
            busy_ = false;
            pump();
        });
    }
    pumping_ = false;
}

void DataplaneLink::set_runtime(std::shared_ptr<const Runtime> rt) {
    runtime_ = std::move(rt);
    if (state_ == LinkState::kDisconnected)
        return;  // the next sync pushes everything of it
    submit(Job{[this](Next finished) { push_lists([this, finished] { reconcile(finished); }); },
               nullptr});
}

}  // namespace mg::control
