// DataplaneFacts: what `mediagatectl status` shows about the dataplane. Plain data,
// filled in by the daemon from its DataplaneLink (control/dataplane_link.h) and a
// Stats request; rendered by control/dataplane_commands.h.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "dataplane/api/channel.h"

namespace mg::control {

struct DataplaneFacts {
    std::string socket;
    std::string state = "disconnected";  // to_string(LinkState)
    std::string error;                   // why it is not connected, or why the stats request failed
    std::optional<dataplane::api::HelloReplyBody> hello;  // of the current connection
    std::optional<dataplane::api::StatsBody> stats;       // when the Stats request worked
    std::vector<dataplane::api::PortInfo> ports;
    size_t relays = 0;          // static relays control keeps
    size_t config_relays = 0;   // of which from [[relay]] tables
    size_t relays_refused = 0;  // of which not in the dataplane (refused, or not pushed yet)
};

}  // namespace mg::control
