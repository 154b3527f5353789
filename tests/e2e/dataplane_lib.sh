# tests/e2e/dataplane_lib.sh — what the dataplane e2e tests share (sourced, not run):
# the namespaces (scripts/netns_lab.sh), cleanup on every exit, check counting, and
# starting the real mediagate-dataplane (in the dp namespace) and mediagate-control.
#
# The sourcing script sets dataplane_bin, control_bin, ctl, and then calls
#   e2e_init NAME           root check (exit 77 to skip), $tag, $tmp, $cfg, $dsock, $csock,
#                           cleanup trap, C=(mediagatectl --socket $csock)
# and uses check / pass / fail, write_config, start_dataplane, start_control, echo_on, echo_done, warm_up,
# e2e_finish (prints the logs on failure, returns the status).
e2e_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
probe=$e2e_here/udp_probe.py
# shellcheck source=../../scripts/netns_lab.sh
. "$e2e_here/../../scripts/netns_lab.sh"

e2e_init() {
    if [ "$(id -u)" != 0 ] || ! command -v ip >/dev/null; then
        echo "SKIP: needs root and iproute2 for network namespaces"
        exit 77
    fi
    tag=$$
    tmp=$(mktemp -d "/tmp/mg-e2e-$1.XXXXXX")
    chmod 755 "$tmp"
    cfg=$tmp/mediagate.toml
    dsock=$tmp/dataplane.sock
    csock=$tmp/control.sock
    dp_pid= dp_wrapper= ctl_pid=
    bg_pids=()
    failures=0 checks=0
    C=("$ctl" --socket "$csock")
    trap e2e_cleanup EXIT
    trap 'exit 1' INT TERM
}

e2e_cleanup() {
    for p in $ctl_pid $dp_pid $dp_wrapper "${bg_pids[@]}"; do
        kill -TERM "$p" 2>/dev/null
    done
    sleep 0.3
    for p in $ctl_pid $dp_pid $dp_wrapper "${bg_pids[@]}"; do
        kill -9 "$p" 2>/dev/null
    done
    wait 2>/dev/null
    lab_down
    rm -rf "$tmp"
}

pass() { checks=$((checks + 1)); echo "ok   $*"; }
fail() { checks=$((checks + 1)); failures=$((failures + 1)); echo "FAIL $*"; }
check() {  # check NAME CMD...: passes when CMD exits 0
    local name=$1
    shift
    if "$@" >"$tmp/out" 2>&1; then pass "$name"; else fail "$name"; sed 's/^/     /' "$tmp/out"; fi
}

# write_config LAN_EXTRA: $cfg for a dataplane on the lab's veth ends (port lan:
# 192.0.2.1/24 2001:db8:1::1/64 on dplan, port wan: 198.51.100.1/24 2001:db8:2::1/64
# on dpwan) and a control, sockets in $tmp; LAN_EXTRA: more keys of port lan.
write_config() {
    cat >"$cfg" <<TOML
[network]
ipv6 = "yes"
wan_ip = "198.51.100.1"

[media]
udp_ports = "30000-30999"

[control]
socket = "$csock"

[dataplane]
socket = "$dsock"
eal_args = ["--no-huge", "-m", "512", "--no-pci", "--file-prefix", "mge2e$tag",
            "--log-level", "*:warning",
            "--vdev", "net_af_packet0,iface=dplan", "--vdev", "net_af_packet1,iface=dpwan"]
workers = 1
idle_sleep_us = 100

[[dataplane.port]]
name = "lan"
role = "lan"
device = "net_af_packet0"
addresses = ["192.0.2.1/24", "2001:db8:1::1/64"]
$1

[[dataplane.port]]
name = "wan"
role = "wan"
device = "net_af_packet1"
addresses = ["198.51.100.1/24", "2001:db8:2::1/64"]
TOML
}

# The dataplane runs under `timeout` (bounded even if the script is killed);
# dp_pid is the dataplane itself, so signals and its exit status are its own.
start_dataplane() {
    ip netns exec "$lab_dp" timeout 170 "$dataplane_bin" --config "$cfg" >>"$tmp/dataplane.log" 2>&1 &
    dp_wrapper=$!
    for _ in $(seq 150); do
        dp_pid=$(pgrep -P $dp_wrapper | head -1)
        [ -n "$dp_pid" ] && [ -S "$dsock" ] && return 0
        kill -0 $dp_wrapper 2>/dev/null || break
        sleep 0.1
    done
    echo "dataplane did not start:"; cat "$tmp/dataplane.log"
    return 1
}
start_control() {
    timeout 170 "$control_bin" --config "$cfg" --foreground >>"$tmp/control.log" 2>&1 &
    ctl_pid=$!
    for _ in $(seq 100); do
        [ -S "$csock" ] && break
        sleep 0.1
    done
    # Connected to the dataplane once status says so.
    for _ in $(seq 50); do
        "${C[@]}" --json status 2>/dev/null | grep -q '"connected": *true' && return 0
        sleep 0.1
    done
    echo "control did not connect to the dataplane:"; cat "$tmp/control.log"
    return 1
}
# warm_up SRC SPORT DST DPORT: one datagram, result ignored. A next hop the
# dataplane has not resolved yet drops the packet (and sends ARP / NS), so the
# first datagram towards a new host may be lost by design.
warm_up() { in_lan python3 "$probe" ping "$1" "$2" "$3" "$4" 1 300 >/dev/null 2>&1; }
# echo_on WAN_ADDR PORT SECONDS: a bounded echo server in the wan namespace.
echo_on() {
    in_wan timeout $(( ${3%.*} + 5 )) python3 "$probe" echo "$1" "$2" "$3" >"$tmp/echo.$2" 2>&1 &
    bg_pids+=($!)
    sleep 0.3
}
# echo_done: the exchange is over: the echo server (the only process in the wan
# namespace) reports and stops now, however long its SECONDS still had to run.
echo_done() {
    ip netns pids "$lab_wan" 2>/dev/null | xargs -r kill -TERM 2>/dev/null
    wait "${bg_pids[-1]}" 2>/dev/null
}

e2e_finish() {
    if [ $failures != 0 ]; then
        echo "--- dataplane log"; cat "$tmp/dataplane.log"
        echo "--- control log"; tail -n 40 "$tmp/control.log"
    fi
    echo "$((checks - failures)) of $checks checks passed"
    [ $failures = 0 ]
}
