#!/usr/bin/env bash
# scripts/demo.sh — the main job: a relayed call in private network namespaces, on
# the embedded default config configs/demo.toml.
#
#   phone A (namespace -lan, 192.0.2.10)  ⇄  mediagate-dataplane (namespace -dp,
#   DPDK on net_af_packet: LAN 192.0.2.1, WAN 203.0.113.1)  ⇄  phone B (namespace
#   -wan, 203.0.113.20)
#
# mediagate-control pushes the lists; mediagatectl adds a relay for the call; phone A
# sends 20 ms RTP-like packets for 4 seconds, phone B answers each one; then the
# relay's counters, the dataplane status and both daemons' logs are shown. Also
# shows the list engine on the example lists. Everything is removed at the end.
# Needs root (namespaces).
#   bash scripts/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
ninja -C build control/mediagatectl control/mediagate-control dataplane/mediagate-dataplane >/dev/null
ctl=$PWD/build/control/mediagatectl
control=$PWD/build/control/mediagate-control
dataplane=$PWD/build/dataplane/mediagate-dataplane
probe=$PWD/tests/e2e/udp_probe.py
config=$PWD/configs/demo.toml
# shellcheck source=netns_lab.sh
. scripts/netns_lab.sh

echo "== the list engine on configs/lists"
for list in configs/lists/*.list; do
    echo "-- $list"
    "$ctl" lists check "$list"
    "$ctl" lists match "$list" 192.0.2.10 198.51.100.7 10.1.2.3 2001:db8::1 | sed 's/^/   /'
done

tmp=$(mktemp -d /tmp/mediagate-demo.XXXXXX)
chmod 755 "$tmp"
csock=$tmp/control.sock
dsock=$tmp/dataplane.sock
dp_pid= ctl_pid= echo_pid=
# The dataplane and phone B run inside the namespaces: lab_down stops them (TERM
# first); $dp_pid / $echo_pid are their `ip netns exec` wrappers.
cleanup() {
    [ -n "$ctl_pid" ] && kill -TERM "$ctl_pid" 2>/dev/null
    lab_down
    for p in $ctl_pid $dp_pid $echo_pid; do kill -9 "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

echo
echo "== namespaces: phone A (lan), the dataplane (dp), phone B (wan)"
lab_up "mgdemo$$" veth-lan veth-wan "192.0.2.10/24" 192.0.2.1 "203.0.113.20/24"
"$control" --check-config "$config"

echo
echo "== mediagate-dataplane and mediagate-control on configs/demo.toml"
in_dp timeout 120 "$dataplane" --config "$config" --socket "$dsock" >"$tmp/dataplane.log" 2>&1 &
dp_pid=$!
for _ in $(seq 150); do [ -S "$dsock" ] && break; sleep 0.1; done
[ -S "$dsock" ] || { cat "$tmp/dataplane.log"; echo "demo: the dataplane did not start"; exit 1; }
timeout 120 "$control" --config "$config" --socket "$csock" --dataplane-socket "$dsock" \
    --foreground 2>"$tmp/control.log" &
ctl_pid=$!
for _ in $(seq 100); do [ -S "$csock" ] && break; sleep 0.1; done
run() {
    echo "\$ mediagatectl $*"
    "$ctl" --socket "$csock" "$@"
}
for _ in $(seq 50); do
    "$ctl" --socket "$csock" --json status 2>/dev/null | grep -q '"connected": *true' && break
    sleep 0.1
done

echo
echo "== a call: phone A 192.0.2.10:4000 <-> relay <-> phone B 203.0.113.20:5000"
id=$(run relay add 192.0.2.1:20000 192.0.2.10:4000 203.0.113.1:20002 203.0.113.20:5000 | tail -1)
echo "relay id: $id"
# Phone B answers until the call is over (SIGTERM below), 30 s at most.
in_wan timeout 35 python3 "$probe" echo 203.0.113.20 5000 30 >"$tmp/phone-b.log" 2>&1 &
echo_pid=$!
sleep 0.3
# The first packet towards a host the dataplane has not resolved yet is dropped while
# it sends its ARP request (by design): one warm-up packet, then the call.
in_lan python3 "$probe" ping 192.0.2.10 4000 192.0.2.1 20000 1 300 >/dev/null 2>&1 || true
echo "phone A sends 200 packets (20 ms apart), phone B answers each:"
if in_lan python3 "$probe" ping 192.0.2.10 4000 192.0.2.1 20000 200 20 | sed 's/^/   A: /'; then
    call=OK
else
    call=FAILED
fi
# The call is over: phone B (the only processes in its namespace) reports and stops.
ip netns pids "$lab_wan" 2>/dev/null | xargs -r kill -TERM 2>/dev/null || true
wait $echo_pid || true
echo_pid=
sed 's/^/   B: /' "$tmp/phone-b.log"

echo
run relay list
echo
run status
echo
echo "-- dataplane log:"
sed 's/^/   /' "$tmp/dataplane.log"
echo "-- control log (last 15 lines):"
tail -n 15 "$tmp/control.log" | sed 's/^/   /'
echo
echo "demo: call $call"
[ "$call" = OK ]
