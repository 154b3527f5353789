// DataplaneLink: the sync after a connect, the lists push, the static relays
// (reconcile, add, delete, list) and stats. See dataplane_link.h for the rules.
#include <algorithm>
#include <cstring>
#include <utility>

#include "configs/derive.h"
#include "control/dataplane_link.h"

namespace mg::control {
namespace {

using api::MessageBuilder;
using api::MsgType;

// The lists the dataplane takes, in api::ListId order.
constexpr const char* kListNames[] = {"lan", "client", "nated", "debug"};
static_assert(std::size(kListNames) == static_cast<size_t>(api::ListId::kCount));

std::vector<api::RangeEntry> list_entries(const Runtime& rt) {
    std::vector<api::RangeEntry> out;
    for (size_t id = 0; id < std::size(kListNames); ++id) {
        const lists::AddressSet& set = rt.config.list(kListNames[id]).set;
        auto add = [&](const lists::Address& first, const lists::Address& last) {
            api::RangeEntry e;
            e.list = static_cast<uint8_t>(id);
            e.first = to_wire(first);
            e.last = to_wire(last);
            out.push_back(e);
        };
        for (const auto& iv : set.v4)
            add(lists::Address::v4(iv.first), lists::Address::v4(iv.last));
        // Never inside the IPv4-mapped block (the compiler splits around it).
        for (const auto& iv : set.v6)
            add({lists::Family::kV6, iv.first}, {lists::Family::kV6, iv.last});
    }
    return out;
}

std::string relay_name(const Relay& r) {
    std::string s = "relay " + std::to_string(r.id);
    if (!r.name.empty())
        s += " (\"" + r.name + "\")";
    return s;
}

bool same_key(const api::LegKey& k, const api::LegSpec& l) {
    return k.port == l.local_port && std::memcmp(k.local.bytes, l.local.bytes, 16) == 0;
}

}  // namespace

void DataplaneLink::begin_sync(const api::HelloReplyBody& h) {
    state_ = LinkState::kSyncing;
    const bool same_instance = synced_instance_ && *synced_instance_ == h.instance;
    const bool need_dump = h.legs > 0 && (!same_instance || uncertain_);
    if (!same_instance || need_dump || h.legs == 0) {
        for (auto& [id, r] : relays_)
            r.installed = false;  // re-learnt from the dump, or pushed again
    }
    if (synced_instance_ && !same_instance)
        log_.info("dataplane: a new dataplane instance; pushing everything again");
    const uint64_t epoch = epoch_;
    Next finish = [this, epoch, instance = h.instance] {
        if (epoch != epoch_)
            return;
        synced_instance_ = instance;
        if (!dump_refused_) {
            uncertain_ = false;
            deleting_.clear();  // the dump, if one was needed, has been read
        }                       // else: the next sync asks for the dump again
        dump_refused_ = false;
        state_ = LinkState::kReady;
        size_t missing = 0;
        for (const auto& [id, r] : relays_)
            missing += !r.installed;
        log_.info("dataplane: in sync (" + std::to_string(relays_.size()) + " static relays" +
                  (missing ? ", " + std::to_string(missing) + " refused" : "") + ")");
        pump();
    };
    push_lists([this, epoch, need_dump, finish] {
        if (epoch != epoch_)
            return;
        if (!need_dump)
            return reconcile(finish);
        request(MsgType::kDump, MessageBuilder(MsgType::kDump, 0),
                [this, epoch, finish](Result<Replies> r) {
                    if (epoch != epoch_)
                        return;
                    if (r.ok()) {
                        adopt_dump(*r);
                    } else {
                        dump_refused_ = true;
                        log_.error("dataplane: the dump was refused (" + r.error().message +
                                   "); static relays are not rebuilt from it");
                    }
                    reconcile(finish);
                });
    });
}

void DataplaneLink::push_lists(Next next) {
    auto entries = std::make_shared<const std::vector<api::RangeEntry>>(list_entries(*runtime_));
    const uint64_t epoch = epoch_;
    request(MsgType::kListsBegin, MessageBuilder(MsgType::kListsBegin, 0),
            [this, epoch, entries, next](Result<Replies> r) {
                if (epoch != epoch_)
                    return;
                if (!r.ok()) {
                    log_.error("dataplane: refused the lists: " + r.error().message);
                    return next();
                }
                send_chunks(entries, 0, next);
            });
}

void DataplaneLink::send_chunks(std::shared_ptr<const std::vector<api::RangeEntry>> entries,
                                size_t from,
                                Next next) {
    const uint64_t epoch = epoch_;
    if (from >= entries->size()) {
        request(MsgType::kListsCommit, MessageBuilder(MsgType::kListsCommit, 0),
                [this, epoch, n = entries->size(), next](Result<Replies> r) {
                    if (epoch != epoch_)
                        return;
                    if (r.ok())
                        log_.info("dataplane: lists pushed (" + std::to_string(n) + " ranges)");
                    else
                        log_.error("dataplane: refused the lists: " + r.error().message);
                    next();
                });
        return;
    }
    const size_t n =
        std::min(MessageBuilder::max_entries(MsgType::kListsChunk), entries->size() - from);
    MessageBuilder b(MsgType::kListsChunk, 0);
    for (size_t i = from; i < from + n; ++i)
        b.add((*entries)[i]);
    request(MsgType::kListsChunk, b, [this, epoch, entries, from, n, next](Result<Replies> r) {
        if (epoch != epoch_)
            return;
        if (!r.ok()) {
            log_.error("dataplane: refused the lists: " + r.error().message);
            return next();  // the dataplane keeps its lists; the push is abandoned
        }
        send_chunks(entries, from + n, next);
    });
}

void DataplaneLink::adopt_dump(const Replies& parts) {
    std::vector<api::LegInfo> legs;
    for (const auto& bytes : parts) {
        auto m = api::parse_message(bytes);
        for (size_t i = 0; m.ok() && i < m->header.count; ++i)
            legs.push_back(m->entry<api::LegInfo>(i));
    }
    DumpScan scan = scan_dump(legs);
    next_id_ = std::max(next_id_, scan.max_id + 1);
    to_delete_ = std::move(scan.stray);
    const size_t stray = to_delete_.size();
    size_t adopted = 0;
    size_t known = 0;
    for (const auto& d : scan.relays) {
        auto it = relays_.find(d.id);
        if (deleting_.count(d.id) != 0) {
            auto keys = leg_keys(d.spec);  // deleted with mediagatectl, not confirmed then
            to_delete_.insert(to_delete_.end(), keys.begin(), keys.end());
            log_.info("dataplane: relay " + std::to_string(d.id) +
                      " is still in the dataplane after a delete it did not confirm; "
                      "deleting it");
        } else if (it == relays_.end()) {
            Relay r;
            r.id = d.id;
            r.kind = d.kind;
            r.spec = d.spec;
            r.installed = true;
            relays_.emplace(d.id, std::move(r));
            ++adopted;
        } else if (it->second.kind == d.kind && it->second.spec == d.spec) {
            it->second.installed = true;
            ++known;
        } else {
            auto keys = leg_keys(d.spec);  // ours is another relay: theirs goes
            to_delete_.insert(to_delete_.end(), keys.begin(), keys.end());
        }
    }
    log_.info("dataplane: dump of " + std::to_string(legs.size()) +
              " legs: " + std::to_string(known) + " relays known, " + std::to_string(adopted) +
              " rebuilt from the dump, " + std::to_string(stray) + " stray relay legs, " +
              std::to_string(scan.foreign) + " legs of other owners");
}

void DataplaneLink::reconcile(Next next) {
    std::vector<api::LegKey> deletes = std::move(to_delete_);
    to_delete_.clear();
    const auto& wanted = runtime_->config.relays;
    std::vector<RelaySpec> specs;
    for (const auto& w : wanted)
        specs.push_back(spec_of(w));
    std::vector<bool> matched(wanted.size(), false);
    for (auto it = relays_.begin(); it != relays_.end();) {
        Relay& r = it->second;
        if (r.kind != OwnerKind::kConfigRelay) {
            ++it;
            continue;
        }
        size_t i = 0;
        while (i < specs.size() && (matched[i] || specs[i] != r.spec))
            ++i;
        if (i < specs.size()) {
            matched[i] = true;
            r.name = wanted[i].name;
            ++it;
            continue;
        }
        const bool renewed = std::any_of(wanted.begin(), wanted.end(),
                                         [&](const auto& w) { return w.name == r.name; });
        log_.info("dataplane: " + relay_name(r) +
                  (renewed ? " changed in the config; replacing it"
                           : " is no longer in the config; deleting it"));
        if (r.installed) {
            auto keys = leg_keys(r.spec);
            deletes.insert(deletes.end(), keys.begin(), keys.end());
        }
        it = relays_.erase(it);
    }
    for (size_t i = 0; i < wanted.size(); ++i) {
        if (matched[i])
            continue;
        if (next_id_ > kMaxRelayId) {
            log_.error("dataplane: no relay ids left for [[relay]] \"" + wanted[i].name + "\"");
            continue;
        }
        Relay r;
        r.id = next_id_++;
        r.kind = OwnerKind::kConfigRelay;
        r.name = wanted[i].name;
        r.spec = specs[i];
        relays_.emplace(r.id, std::move(r));
    }
    delete_keys(std::move(deletes), false, [this, next] {
        std::vector<uint64_t> ids;
        for (const auto& [id, r] : relays_) {
            if (!r.installed)
                ids.push_back(id);
        }
        install_from(std::move(ids), 0, next);
    });
}

void DataplaneLink::delete_keys(std::vector<api::LegKey> keys, bool singly, Next next) {
    if (keys.empty())
        return next();
    const size_t n =
        singly ? 1 : std::min(MessageBuilder::max_entries(MsgType::kDelLegs), keys.size());
    MessageBuilder b(MsgType::kDelLegs, 0);
    for (size_t i = 0; i < n; ++i)
        b.add(keys[i]);
    const uint64_t epoch = epoch_;
    request(MsgType::kDelLegs, b, [this, epoch, keys, n, next](Result<Replies> r) mutable {
        if (epoch != epoch_)
            return;
        if (!r.ok() && n > 1)
            return delete_keys(std::move(keys), true, next);  // find the one refused
        if (!r.ok())
            log_.warning("dataplane: deleting " +
                         endpoint_from_wire(keys[0].local, keys[0].port).format() + ": " +
                         r.error().message);
        keys.erase(keys.begin(), keys.begin() + static_cast<ptrdiff_t>(n));
        delete_keys(std::move(keys), n == 1, next);
    });
}

void DataplaneLink::install_from(std::vector<uint64_t> ids, size_t i, Next next) {
    while (i < ids.size() && relays_.count(ids[i]) == 0)
        ++i;
    if (i >= ids.size())
        return next();
    MessageBuilder b(MsgType::kAddLegs, 0);
    for (const auto& leg : leg_specs(relays_.at(ids[i])))
        b.add(leg);
    const uint64_t epoch = epoch_;
    request(MsgType::kAddLegs, b, [this, epoch, ids, i, next](Result<Replies> res) {
        if (epoch != epoch_)
            return;
        auto it = relays_.find(ids[i]);
        if (it != relays_.end()) {
            Relay& r = it->second;
            if (res.ok()) {
                r.installed = true;
                r.error.clear();
                log_.info("dataplane: " + relay_name(r) + " added: " + r.spec.describe());
            } else {
                r.error = res.error().message;
                log_.warning("dataplane: " + relay_name(r) + " (" + r.spec.describe() +
                             ") refused: " + r.error);
            }
        }
        install_from(ids, i + 1, next);
    });
}

void DataplaneLink::add_relay(const RelaySpec& spec, Done<uint64_t> done) {
    auto run = [this, spec, done](Next finished) {
        // The rules of [[relay]] tables (configs/derive.h): a local endpoint must
        // be on a port's address and inside its UDP range, so a CLI relay cannot
        // take a port the host uses (SIP on 5060 behind a TAP).
        const configs::Config& cfg = runtime_->config;
        for (const auto& local : spec.local) {
            if (cfg.dataplane.ports.empty())
                break;
            if (auto why = configs::check_relay_local(cfg.dataplane.ports, cfg.media.udp_ports,
                                                      local)) {
                done(make_error(ErrorCode::kInvalidInput, local.format() + ": " + *why));
                return finished();
            }
        }
        for (const auto& [id, r] : relays_) {
            for (const auto& mine : r.spec.local) {
                for (const auto& theirs : spec.local) {
                    if (mine == theirs) {
                        done(make_error(
                            ErrorCode::kInvalidInput,
                            theirs.format() + " is already a local endpoint of " + relay_name(r)));
                        return finished();
                    }
                }
            }
        }
        if (next_id_ > kMaxRelayId) {
            done(make_error(ErrorCode::kLimit, "no relay ids left"));
            return finished();
        }
        Relay r;
        r.id = next_id_++;
        r.kind = OwnerKind::kCliRelay;
        r.spec = spec;
        MessageBuilder b(MsgType::kAddLegs, 0);
        for (const auto& leg : leg_specs(r))
            b.add(leg);
        request(MsgType::kAddLegs, b, [this, r, done, finished](Result<Replies> res) mutable {
            if (!res.ok()) {
                done(res.error());
                return finished();
            }
            r.installed = true;
            log_.info("dataplane: " + relay_name(r) +
                      " added (mediagatectl): " + r.spec.describe());
            relays_[r.id] = r;
            done(r.id);
            finished();
        });
    };
    submit(Job{run, [done](const Error& e) { done(e); }});
}

void DataplaneLink::del_relay(uint64_t id, Done<bool> done) {
    auto run = [this, id, done](Next finished) {
        auto it = relays_.find(id);
        if (it == relays_.end()) {
            done(make_error(ErrorCode::kNotFound, "no relay " + std::to_string(id)));
            return finished();
        }
        const Relay& r = it->second;
        if (r.kind == OwnerKind::kConfigRelay) {
            done(make_error(ErrorCode::kInvalidInput,
                            relay_name(r) + " comes from the config ([[relay]]); remove it "
                                            "there and reload"));
            return finished();
        }
        if (!r.installed) {
            log_.info("dataplane: " + relay_name(r) +
                      " deleted (mediagatectl; it was not in "
                      "the dataplane)");
            relays_.erase(it);
            done(true);
            return finished();
        }
        MessageBuilder b(MsgType::kDelLegs, 0);
        for (const auto& k : leg_keys(r.spec))
            b.add(k);
        request(MsgType::kDelLegs, b,
                [this, id, keys = leg_keys(r.spec), done, finished](Result<Replies> res) {
                    if (res.ok()) {
                        if (relays_.erase(id) != 0)
                            log_.info("dataplane: relay " + std::to_string(id) +
                                      " deleted (mediagatectl)");
                        done(true);
                        return finished();
                    }
                    // A batch is all or nothing: one leg gone already (kNotFound)
                    // left the other in place. Each leg alone, then.
                    if (res.error().code == ErrorCode::kNotFound)
                        return del_legs_singly({keys.begin(), keys.end()}, 0, id, done, finished);
                    del_failed(id, res.error(), done);
                    finished();
                });
    };
    submit(Job{run, [done](const Error& e) { done(e); }});
}

void DataplaneLink::del_legs_singly(
    std::vector<api::LegKey> keys, size_t i, uint64_t id, Done<bool> done, Next finished) {
    if (i >= keys.size()) {
        if (relays_.erase(id) != 0)
            log_.info("dataplane: relay " + std::to_string(id) +
                      " deleted (mediagatectl; some of its legs were gone already)");
        done(true);
        return finished();
    }
    MessageBuilder b(MsgType::kDelLegs, 0);
    b.add(keys[i]);
    request(MsgType::kDelLegs, b, [this, keys, i, id, done, finished](Result<Replies> res) {
        if (!res.ok() && res.error().code != ErrorCode::kNotFound) {
            del_failed(id, res.error(), done);
            return finished();
        }
        del_legs_singly(keys, i + 1, id, done, finished);
    });
}

// A refusal leaves the relay as it was. No answer (kIo: the connection broke or the
// dataplane did not answer in time) may have deleted it or not: control forgets it
// and the next sync, which reads a dump (uncertain_), deletes what is left.
void DataplaneLink::del_failed(uint64_t id, const Error& e, const Done<bool>& done) {
    if (e.code != ErrorCode::kIo)
        return done(e);
    relays_.erase(id);
    deleting_.insert(id);
    log_.warning("dataplane: relay " + std::to_string(id) + " deleted (mediagatectl) without " +
                 "the dataplane's confirmation (" + e.message +
                 "); its legs are deleted when the dataplane is back");
    done(make_error(ErrorCode::kIo, e.message + "; relay " + std::to_string(id) +
                                        " is deleted when the dataplane is back"));
}

void DataplaneLink::list_relays(Done<std::vector<RelayView>> done) {
    auto run = [this, done](Next finished) {
        std::vector<uint64_t> ids;
        for (const auto& [id, r] : relays_) {
            if (r.installed)
                ids.push_back(id);
        }
        query_from(std::move(ids), 0, false, std::make_shared<LegsById>(), done, finished);
    };
    submit(Job{run, [done](const Error& e) { done(e); }});
}

void DataplaneLink::query_from(std::vector<uint64_t> ids,
                               size_t from,
                               bool singly,
                               std::shared_ptr<LegsById> got,
                               Done<std::vector<RelayView>> done,
                               Next finished) {
    while (from < ids.size() && relays_.count(ids[from]) == 0)
        ++from;
    if (from >= ids.size()) {
        std::vector<RelayView> views;
        for (const auto& [id, r] : relays_) {
            RelayView v;
            v.relay = r;
            auto it = got->find(id);
            v.has_legs = it != got->end();
            if (v.has_legs)
                v.legs = it->second;
            views.push_back(std::move(v));
        }
        done(std::move(views));
        return finished();
    }
    const size_t per = singly ? 1 : MessageBuilder::max_entries(MsgType::kLegs) / 2;
    std::vector<uint64_t> chunk;
    std::vector<api::LegKey> keys;
    for (size_t i = from; i < ids.size() && chunk.size() < per; ++i) {
        auto it = relays_.find(ids[i]);
        if (it == relays_.end())
            continue;
        chunk.push_back(ids[i]);
        for (const auto& k : leg_keys(it->second.spec))
            keys.push_back(k);
    }
    MessageBuilder b(MsgType::kQueryLegs, 0);
    for (const auto& k : keys)
        b.add(k);
    const size_t next_from = from + chunk.size();
    request(MsgType::kQueryLegs, b,
            [this, ids, from, next_from, singly, got, done, finished, chunk,
             keys](Result<Replies> res) {
                if (!res.ok() && res.error().code == ErrorCode::kNotFound && !singly)
                    return query_from(ids, from, true, got, done, finished);
                if (!res.ok() && res.error().code == ErrorCode::kNotFound) {
                    Relay& r = relays_.at(chunk[0]);  // its legs are gone from the dataplane
                    r.installed = false;
                    r.error = res.error().message;
                    return query_from(ids, next_from, singly, got, done, finished);
                }
                if (!res.ok()) {
                    done(res.error());
                    return finished();
                }
                auto m = api::parse_message(res->front());
                if (m->header.count != keys.size()) {
                    done(make_error(ErrorCode::kInternal,
                                    "the dataplane answered " + std::to_string(m->header.count) +
                                        " legs to a query of " + std::to_string(keys.size())));
                    return finished();
                }
                for (size_t i = 0; i < chunk.size(); ++i) {
                    std::array<api::LegInfo, 2> legs{m->entry<api::LegInfo>(2 * i),
                                                     m->entry<api::LegInfo>(2 * i + 1)};
                    if (!same_key(keys[2 * i], legs[0].spec) ||
                        !same_key(keys[2 * i + 1], legs[1].spec)) {
                        done(make_error(ErrorCode::kInternal,
                                        "the dataplane answered a query with other legs"));
                        return finished();
                    }
                    (*got)[chunk[i]] = legs;
                }
                query_from(ids, next_from, singly, got, done, finished);
            });
}

void DataplaneLink::stats(Done<DataplaneStats> done) {
    auto run = [this, done](Next finished) {
        request(MsgType::kStats, MessageBuilder(MsgType::kStats, 0),
                [done, finished](Result<Replies> res) {
                    if (!res.ok()) {
                        done(res.error());
                        return finished();
                    }
                    auto m = api::parse_message(res->front());
                    DataplaneStats s;
                    s.body = m->body<api::StatsBody>();
                    for (size_t i = 0; i < m->header.count; ++i)
                        s.ports.push_back(m->entry<api::PortInfo>(i));
                    done(std::move(s));
                    finished();
                });
    };
    submit(Job{run, [done](const Error& e) { done(e); }});
}

}  // namespace mg::control
