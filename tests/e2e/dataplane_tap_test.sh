#!/usr/bin/env bash
# End to end: the host keeps its own traffic on a port the dataplane owns. Port
# "lan" has `tap = "mgtap"`: the dataplane creates that TAP interface (with the
# port's MAC) in its namespace, and the test gives it addresses as an operator
# would, the dataplane's own LAN addresses plus one only the host has.
#
#   lan ns: lan0 192.0.2.10/24 2001:db8:1::10/64
#       |  veth
#   dp ns:  dplan, dpwan (DPDK on net_af_packet; no addresses, IPv6 off)
#           mgtap: 192.0.2.1/24, 192.0.2.5/24, 2001:db8:1::1/64 (IPv6 on for it)
#       |  veth
#   wan ns: wan0 198.51.100.20/24
#
# Checks: ping of the dataplane's IPv4 and IPv6 address and of the host-only
# address, answered by the host's kernel through the TAP; UDP to 5060 (SIP) and a
# TCP connection reach listeners in the dp namespace and their answers come back;
# a relay on the same address carries media at the same time, and media sent to
# the relay port never reaches the host; status shows the TAP and its counters; a
# second TAP of the same name is refused at start; SIGTERM removes the TAP.
#
#   dataplane_tap_test.sh MEDIAGATE_DATAPLANE MEDIAGATE_CONTROL MEDIAGATECTL
set -uo pipefail
dataplane_bin=$1
control_bin=$2
ctl=$3
# shellcheck source=dataplane_lib.sh
. "$(cd "$(dirname "$0")" && pwd)/dataplane_lib.sh"
e2e_init dataplane-tap

if ! lab_up "mt$tag" dplan dpwan "192.0.2.10/24 2001:db8:1::10/64" 192.0.2.1 \
        "198.51.100.20/24"; then
    echo "FAIL cannot set up the namespaces"
    exit 1
fi
# The TAP gives this namespace's kernel the dataplane's addresses, and a veth end
# (unlike a NIC bound to DPDK) also feeds that kernel: it would take the frames
# arriving on dplan for those addresses itself, besides the dataplane. Strict
# reverse-path filtering makes it refuse them (the LAN is reached through mgtap,
# not dplan); net_af_packet's packet socket still gets every frame. (IPv6 is off
# on the veth ends.)
keep_kernel_off() {
    in_dp sysctl -qw net.ipv4.conf.all.rp_filter=1 net.ipv4.conf.dplan.rp_filter=1 \
        net.ipv4.conf.dpwan.rp_filter=1
}
check "the dp namespace's kernel ignores the dataplane's veth ends" keep_kernel_off

write_config 'tap = "mgtap"'

check "dataplane starts with a TAP" start_dataplane
check "the TAP exists in the dataplane's namespace" in_dp ip link show mgtap
lan_mac=$(in_dp cat /sys/class/net/mgtap/address)
grep -qi "port lan (lan): device net_af_packet0, MAC $lan_mac" "$tmp/dataplane.log" \
    && pass "the TAP has the port's MAC ($lan_mac)" \
    || { fail "the TAP has the port's MAC"; cat "$tmp/dataplane.log"; }
# The operator's part: addresses on the TAP (IPv6 is off in this namespace by
# default; on for the TAP only). nodad: the dataplane answers for 2001:db8:1::1 too.
setup_tap() {
    in_dp sysctl -qw net.ipv6.conf.mgtap.disable_ipv6=0 &&
        in_dp ip addr add 192.0.2.1/24 dev mgtap &&
        in_dp ip addr add 192.0.2.5/24 dev mgtap &&
        in_dp ip addr add 2001:db8:1::1/64 dev mgtap nodad &&
        in_dp ip link set mgtap up
}
check "the host's addresses on the TAP" setup_tap
check "control connects to the dataplane" start_control

# --- the host's own traffic -----------------------------------------------------------
check "ping of the dataplane's IPv4 address" in_lan ping -c 3 -i 0.2 -W 2 192.0.2.1
check "ping of an address only the host has" in_lan ping -c 3 -i 0.2 -W 2 192.0.2.5
check "ping of the dataplane's IPv6 address" in_lan ping -6 -c 3 -i 0.2 -W 2 2001:db8:1::1
in_dp timeout 9 python3 "$probe" echo 192.0.2.1 5060 4 >"$tmp/sip" 2>&1 &
bg_pids+=($!)
sleep 0.3
check "UDP to 5060 (SIP) reaches the host and is answered" \
    in_lan python3 "$probe" ping 192.0.2.10 5062 192.0.2.1 5060 5 50
in_dp timeout 9 python3 "$probe" tcp-echo 192.0.2.1 5061 4 >"$tmp/tcp" 2>&1 &
bg_pids+=($!)
sleep 0.3
check "a TCP connection to the host (SIP over TCP, ssh)" in_lan python3 "$probe" tcp-ping 192.0.2.1 5061

# --- media on the same address at the same time ----------------------------------------
id=$("${C[@]}" relay add 192.0.2.1:30000 192.0.2.10:4000 198.51.100.1:30002 198.51.100.20:5000)
[ -n "$id" ] && pass "relay add ($id)" || fail "relay add"
in_dp timeout 9 python3 "$probe" echo 192.0.2.1 30000 4 >"$tmp/stolen" 2>&1 &
bg_pids+=($!)
echo_on 198.51.100.20 5000 4
warm_up 192.0.2.10 4000 192.0.2.1 30000
check "media through the relay while the host has the same address" \
    in_lan python3 "$probe" ping 192.0.2.10 4000 192.0.2.1 30000 5 50
for p in "${bg_pids[@]}"; do wait "$p" 2>/dev/null; done
grep -q "^echoed 0$" "$tmp/stolen" && pass "media to the relay port never reaches the host" \
    || { fail "media to the relay port reached the host"; cat "$tmp/stolen"; }

# --- status --------------------------------------------------------------------------
"${C[@]}" --json status >"$tmp/status" 2>&1
to_host=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["dataplane"]["host"]["to_host"])' <"$tmp/status" 2>/dev/null)
tap_name=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["dataplane"]["ports"][0]["tap"])' <"$tmp/status" 2>/dev/null)
[ "$tap_name" = mgtap ] && [ "${to_host:-0}" -gt 10 ] \
    && pass "status shows the TAP and what went to the host ($to_host frames)" \
    || { fail "status shows the TAP and its counters"; cat "$tmp/status"; }
"${C[@]}" status >"$tmp/status.txt" 2>&1
grep -q "mgtap (to host" "$tmp/status.txt" && pass "status text shows the TAP" \
    || { fail "status text shows the TAP"; cat "$tmp/status.txt"; }

# --- a TAP name that is taken --------------------------------------------------------
cat >"$tmp/taken.toml" <<TOML
[dataplane]
socket = "$tmp/dp2.sock"
eal_args = ["--no-huge", "-m", "256", "--no-pci", "--file-prefix", "mgtap2$tag",
            "--log-level", "*:error", "--vdev", "net_null0"]
[[dataplane.port]]
name = "lan"
role = "lan"
device = "net_null0"
addresses = ["192.0.2.1/24"]
tap = "mgtap"
TOML
in_dp timeout 20 "$dataplane_bin" --config "$tmp/taken.toml" >"$tmp/taken.log" 2>&1
st=$?
[ $st != 0 ] && grep -q "tap 'mgtap'" "$tmp/taken.log" \
    && grep -q "an interface of that name exists already" "$tmp/taken.log" \
    && pass "a second dataplane asking for the same TAP is refused at start (exit $st)" \
    || { fail "a TAP name in use is refused at start (exit $st)"; cat "$tmp/taken.log"; }

# --- SIGTERM removes the TAP -----------------------------------------------------------
kill -TERM $dp_pid
for _ in $(seq 50); do kill -0 $dp_pid 2>/dev/null || break; sleep 0.1; done
wait $dp_wrapper 2>/dev/null
st=$?
dp_pid= dp_wrapper=
[ $st = 0 ] && pass "dataplane stops on SIGTERM with status 0" || fail "dataplane exit status $st on SIGTERM"
in_dp ip link show mgtap >/dev/null 2>&1 && fail "the TAP is left behind" || pass "the TAP is removed"

e2e_finish
