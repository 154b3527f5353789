// Template members of channel.h (included at its end; not included directly).
#pragma once

#include <cstring>
#include <type_traits>

#include "common/check.h"

namespace mg::dataplane::api {

template <typename T>
T MessageView::body() const {
    static_assert(std::is_trivially_copyable_v<T>);
    MG_CHECK(fixed.size() == sizeof(T), "channel: fixed body size mismatch");
    T v;
    std::memcpy(&v, fixed.data(), sizeof v);
    return v;
}

template <typename T>
T MessageView::entry(size_t i) const {
    static_assert(std::is_trivially_copyable_v<T>);
    // i < size / sizeof(T), not (i + 1) * sizeof(T) <= size: that wraps for a huge i.
    MG_CHECK(entry_size(type()) == sizeof(T) && i < entries.size() / sizeof(T),
             "channel: entry out of range");
    T v;
    std::memcpy(&v, entries.data() + i * sizeof(T), sizeof v);
    return v;
}

template <typename T>
MessageBuilder& MessageBuilder::fixed(const T& body) {
    static_assert(std::is_trivially_copyable_v<T>);
    MG_CHECK(fixed_size(static_cast<MsgType>(buf_[6])) == sizeof(T),
             "channel: fixed body size mismatch");
    MG_CHECK(!fixed_set_ && buf_.size() == sizeof(Header) + sizeof(T),
             "channel: fixed body set twice or after entries");
    // The constructor put a zeroed body there; overwrite it.
    std::memcpy(buf_.data() + sizeof(Header), &body, sizeof body);
    fixed_set_ = true;
    return *this;
}

template <typename T>
MessageBuilder& MessageBuilder::add(const T& entry) {
    static_assert(std::is_trivially_copyable_v<T>);
    MsgType type = static_cast<MsgType>(buf_[6]);
    MG_CHECK(entry_size(type) == sizeof(T), "channel: entry size mismatch");
    append(&entry, sizeof entry);
    Header h;
    std::memcpy(&h, buf_.data(), sizeof h);
    ++h.count;
    std::memcpy(buf_.data(), &h, sizeof h);
    return *this;
}

}  // namespace mg::dataplane::api
