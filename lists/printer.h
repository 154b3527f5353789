// Canonical printer: a compiled list back as text, one line per interval.
//
// Each interval becomes the shortest line that states it exactly: a single address,
// a prefix (when the interval is one aligned power-of-two block), or a range. The
// output is itself a valid list that compiles to the same set, IPv4 first, then
// IPv6, ascending. "Everything" is printed as a range because /0 is not a list form.
#pragma once

#include <string>
#include <vector>

#include "lists/compiler.h"

namespace mg::lists {

std::string format_interval4(const Interval4& iv);
std::string format_interval6(const Interval6& iv);
std::vector<std::string> canonical_lines(const AddressSet& set);
// canonical_lines joined, each line ending in '\n'.
std::string format_list(const AddressSet& set);

}  // namespace mg::lists
