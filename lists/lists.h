// lists/: Network Address Lists (SPEC.md §1) parsed, compiled and matched.
//
//   parse_list(text)       -> ordered add/exclude operations, or every error with
//                             LINE:COL (parser.h)
//   compile(ops)           -> AddressSet: disjoint intervals per family (compiler.h)
//   AddressList(set)       -> one list ready for lookups (classifier.h)
//   Classifier::build(...) -> several named lists, one bitmask per lookup
//   format_list(set)       -> the canonical text (printer.h)
//
// Depends on the C++ standard library only (no DPDK), so control, resolver and
// dataplane all use it.
#pragma once

#include "lists/address.h"
#include "lists/classifier.h"
#include "lists/compiler.h"
#include "lists/lookup_table.h"
#include "lists/parser.h"
#include "lists/printer.h"
