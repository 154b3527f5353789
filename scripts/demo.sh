#!/usr/bin/env bash
# scripts/demo.sh — the main job. Until the relay exists (dataplane issue), it shows
# the list engine on the example lists in configs/lists: each list checked, printed
# in canonical form, and a few addresses matched against it.
#   bash scripts/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
ninja -C build control/mediagatectl >/dev/null
ctl=build/control/mediagatectl
for list in configs/lists/*.list; do
    echo "== $list"
    "$ctl" lists check "$list"
    echo "-- canonical form:"
    "$ctl" lists format "$list" | sed 's/^/   /'
    echo "-- matches:"
    "$ctl" lists match "$list" 192.0.2.10 192.0.2.200 198.51.100.7 10.1.2.3 \
        2001:db8::1 ::ffff:192.0.2.10 203.0.113.5 | sed 's/^/   /'
done
