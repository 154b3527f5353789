#!/usr/bin/env bash
# End to end: a relayed call through the real mediagate-dataplane (DPDK on
# net_af_packet) and mediagate-control, driven by mediagatectl, between a "lan"
# host and a "wan" host, each in its own network namespace.
#
#   lan ns: lan0 192.0.2.10/24 2001:db8:1::10/64
#       |  veth
#   dp ns:  dplan, dpwan (no addresses, IPv6 off: the kernel stays out; the
#       |  veth     dataplane owns 192.0.2.1, 2001:db8:1::1, 198.51.100.1, 2001:db8:2::1)
#   wan ns: wan0 198.51.100.20/24 2001:db8:2::20/64
#
# Checks: a relay added with mediagatectl carries UDP both ways from the relay's
# address and port; latching with `any`; an IPv4 host talking to an IPv6 host;
# control restarted while traffic flows (no loss, relays still there); the dataplane
# restarted (control pushes the relays again, traffic flows again); relay
# del/list; the dataplane's status; SIGTERM. Checksum offload is switched off on
# the hosts' veth ends (ethtool -K tx off) so their datagrams leave complete.
#
#   dataplane_relay_test.sh MEDIAGATE_DATAPLANE MEDIAGATE_CONTROL MEDIAGATECTL
set -uo pipefail
dataplane_bin=$1
control_bin=$2
ctl=$3
# shellcheck source=dataplane_lib.sh
. "$(cd "$(dirname "$0")" && pwd)/dataplane_lib.sh"
e2e_init dataplane

# --- the namespaces -----------------------------------------------------------
if ! lab_up "mg$tag" dplan dpwan "192.0.2.10/24 2001:db8:1::10/64" 192.0.2.1 \
        "198.51.100.20/24 2001:db8:2::20/64"; then
    echo "FAIL cannot set up the namespaces"
    exit 1
fi

write_config ""
check "--check-config accepts the config" "$dataplane_bin" --check-config "$cfg"
default_cfg="$(cd "$(dirname "$0")/../.." && pwd)/configs/mediagate.toml"
check "--check-config refuses a config without ports, as a start would" sh -c \
    "! '$dataplane_bin' --check-config '$default_cfg' 2>'$tmp/err' && grep -q 'nothing to relay on' '$tmp/err'"

check "--version after an unknown argument is a usage error (64)" sh -c \
    "'$dataplane_bin' --version --frob 2>'$tmp/err'; [ \$? = 64 ] && grep -q \"unknown argument '--frob'\" '$tmp/err'"
check "--version alone prints the version" sh -c "'$dataplane_bin' --version | grep -q '^mediagate-dataplane '"
check "dataplane starts on net_af_packet in its namespace" start_dataplane
check "control connects to the dataplane" start_control
check "dataplane reports its ports" grep -q "port wan" "$tmp/dataplane.log"

# --- a relay, IPv4 both sides ---------------------------------------------------
id1=$("${C[@]}" relay add 192.0.2.1:30000 192.0.2.10:4000 198.51.100.1:30002 198.51.100.20:5000)
[ -n "$id1" ] && pass "relay add prints an id ($id1)" || fail "relay add prints an id"
echo_on 198.51.100.20 5000 15
warm_up 192.0.2.10 4000 192.0.2.1 30000
check "lan -> relay -> wan and back" in_lan python3 "$probe" ping 192.0.2.10 4000 192.0.2.1 30000 5 50
cp "$tmp/out" "$tmp/ping1"
check "the lan host hears the relay's LAN address" grep -q "reply from 192.0.2.1 30000" "$tmp/ping1"
echo_done
check "the wan host hears the relay's WAN address and port" grep -q "from 198.51.100.1 30002" "$tmp/echo.5000"

# --- latching with any -------------------------------------------------------------
id2=$("${C[@]}" relay add 192.0.2.1:30010 any 198.51.100.1:30012 198.51.100.20:5002 --latch)
[ -n "$id2" ] && pass "relay add with any ($id2)" || fail "relay add with any"
echo_on 198.51.100.20 5002 15
warm_up 192.0.2.10 4002 192.0.2.1 30010
check "a latching leg learns the lan host" in_lan python3 "$probe" ping 192.0.2.10 4002 192.0.2.1 30010 5 50
echo_done
check "relay list shows the learned peer" sh -c "'${C[0]}' --socket '$csock' relay list | grep -q '192.0.2.10:4002'"

# --- IPv4 host <-> IPv6 host ----------------------------------------------------------
id3=$("${C[@]}" relay add 192.0.2.1:30020 192.0.2.10:4004 '[2001:db8:2::1]:30022' '[2001:db8:2::20]:5004')
[ -n "$id3" ] && pass "relay add v4 <-> v6 ($id3)" || fail "relay add v4 <-> v6"
echo_on 2001:db8:2::20 5004 15
warm_up 192.0.2.10 4004 192.0.2.1 30020
check "an IPv4 host talks to an IPv6 host" in_lan python3 "$probe" ping 192.0.2.10 4004 192.0.2.1 30020 5 50
echo_done
check "the IPv6 host hears the relay's IPv6 address" grep -q "from 2001:db8:2::1 30022" "$tmp/echo.5004"

# --- control restarted while traffic flows ---------------------------------------------
echo_on 198.51.100.20 5000 12
in_lan timeout 15 python3 "$probe" ping 192.0.2.10 4000 192.0.2.1 30000 150 40 >"$tmp/flow" 2>&1 &
flow_pid=$!
sleep 1
kill -TERM $ctl_pid
wait $ctl_pid 2>/dev/null
ctl_pid=
sleep 0.5
check "control restarts" start_control
wait $flow_pid
flow_status=$?
echo_done  # port 5000 is bound again below
[ $flow_status = 0 ] && pass "no datagram lost while control restarted ($(tail -1 "$tmp/flow"))" \
    || { fail "datagrams lost while control restarted"; cat "$tmp/flow"; }
"${C[@]}" relay list >"$tmp/list" 2>&1
for id in $id1 $id2 $id3; do
    grep -qw -- "$id" "$tmp/list" && pass "relay $id rebuilt after the control restart" \
        || { fail "relay $id missing after the control restart"; cat "$tmp/list"; }
done

# --- del, status, errors -------------------------------------------------------------
check "relay del" "${C[@]}" relay del "$id2"
"${C[@]}" relay list >"$tmp/list" 2>&1
grep -q '30010' "$tmp/list" && fail "deleted relay still listed" || pass "deleted relay gone"
"${C[@]}" relay del "$id2" >/dev/null 2>&1
[ $? = 1 ] && pass "deleting an unknown relay exits 1" || fail "deleting an unknown relay exits 1"
"${C[@]}" relay add 192.0.2.77:30040 192.0.2.10:1 198.51.100.1:30042 198.51.100.20:1 >/dev/null 2>"$tmp/err"
[ $? = 1 ] && grep -q "192.0.2.77 is not an address of" "$tmp/err" \
    && pass "a relay on a foreign address is refused with the reason" \
    || { fail "a relay on a foreign address is refused with the reason"; cat "$tmp/err"; }
"${C[@]}" status >"$tmp/status" 2>&1
grep -q "net_af_packet1" "$tmp/status" && pass "status shows the dataplane ports" \
    || { fail "status shows the dataplane ports"; cat "$tmp/status"; }

# --- the dataplane restarted: control pushes the lists and relays again ---------------
kill -TERM $dp_pid
wait $dp_wrapper 2>/dev/null
dp_pid= dp_wrapper=
check "dataplane restarts" start_dataplane
legs_back() {  # relays 1 and 3 (4 legs) pushed to the new dataplane
    for _ in $(seq 50); do
        "${C[@]}" --json status 2>/dev/null | grep -q '"legs": *4[,}]' && return 0
        sleep 0.1
    done
    "${C[@]}" --json status
    return 1
}
check "control pushes the relays to the restarted dataplane" legs_back
echo_on 198.51.100.20 5000 15
# The new dataplane knows no neighbour: the first datagram resolves the wan host,
# the second's answer the lan host (whose own ARP cache still has our MAC).
warm_up 192.0.2.10 4000 192.0.2.1 30000
warm_up 192.0.2.10 4000 192.0.2.1 30000
check "relay 1 carries traffic again after the dataplane restart" \
    in_lan python3 "$probe" ping 192.0.2.10 4000 192.0.2.1 30000 5 50
echo_done

# --- SIGTERM ------------------------------------------------------------------------
kill -TERM $dp_pid
for _ in $(seq 50); do kill -0 $dp_pid 2>/dev/null || break; sleep 0.1; done
if kill -0 $dp_pid 2>/dev/null; then fail "dataplane stops on SIGTERM"; else
    wait $dp_wrapper; st=$?
    [ $st = 0 ] && pass "dataplane stops on SIGTERM with status 0" || fail "dataplane exit status $st on SIGTERM"
fi
dp_pid=
[ -S "$dsock" ] && fail "dataplane socket left behind" || pass "dataplane socket removed"

e2e_finish
