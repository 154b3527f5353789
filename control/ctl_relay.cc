// mediagatectl relay add|del|list: checked here (a usage error never reaches the
// daemon), run by the daemon on the dataplane (control/dataplane_commands.h).
#include <cstdio>

#include "control/ctl.h"
#include "control/relay.h"

namespace mg::ctl {

int run_relay(const Options& opts, const std::vector<std::string>& args) {
    Options o = opts;
    std::vector<std::string> words;
    for (const auto& a : args) {
        if (a == "--json")
            o.json = true;  // also after the command: `relay list --json`
        else
            words.push_back(a);
    }
    auto cmd = control::parse_relay_words(words);
    if (!cmd.ok()) {
        std::fprintf(stderr, "mediagatectl: %s (see mediagatectl --help)\n",
                     cmd.error().message.c_str());
        return kExitUsage;
    }
    words.insert(words.begin(), "relay");
    return run_remote(o, words);
}

}  // namespace mg::ctl
