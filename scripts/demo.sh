#!/usr/bin/env bash
# scripts/demo.sh — the main job. Until the relay exists (dataplane issue), it shows
# the pieces that do: the list engine on the example lists in configs/lists, then
# the control daemon on the embedded demo config (configs/demo.toml) driven with
# mediagatectl: status, list membership, the NAT test and a reload.
#   bash scripts/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
ninja -C build control/mediagatectl control/mediagate-control >/dev/null
ctl=build/control/mediagatectl
daemon=build/control/mediagate-control
for list in configs/lists/*.list; do
    echo "== $list"
    "$ctl" lists check "$list"
    echo "-- canonical form:"
    "$ctl" lists format "$list" | sed 's/^/   /'
    echo "-- matches:"
    "$ctl" lists match "$list" 192.0.2.10 192.0.2.200 198.51.100.7 10.1.2.3 \
        2001:db8::1 ::ffff:192.0.2.10 203.0.113.5 | sed 's/^/   /'
done

echo
echo "== the control daemon on configs/demo.toml"
tmp=$(mktemp -d /tmp/mediagate-demo.XXXXXX)
sock=$tmp/control.sock
pid=
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
"$daemon" --check-config configs/demo.toml
"$daemon" --config configs/demo.toml --socket "$sock" --foreground 2>"$tmp/daemon.log" &
pid=$!
for _ in $(seq 100); do
    [ -S "$sock" ] && break
    sleep 0.05
done
run() {
    echo "\$ mediagatectl $*"
    "$ctl" --socket "$sock" "$@" || echo "(exit $?)"
}
run status
run lists show lan
run lists test 192.0.2.10
run lists test 10.1.2.3
run nat-test 192.168.1.10 203.0.113.5
run nat-test 192.168.1.10 192.168.1.10
run --json lists test 2001:db8:1::7
run reload
kill -TERM "$pid"
wait "$pid" || true
pid=
echo "-- daemon log:"
sed 's/^/   /' "$tmp/daemon.log"
