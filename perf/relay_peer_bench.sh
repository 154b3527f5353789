#!/usr/bin/env bash
# perf/relay_peer_bench.sh — mediagate beside rtpengine (DESIGN.md "Measuring": the
# peer for relaying), relaying the same RTP-like stream between two hosts in network
# namespaces, in the same run.
#
#   perf/relay_peer_bench.sh [--smoke] [--build-dir DIR] [--calls N] [--rate PPS]
#                            [--seconds S] [--rounds N] [--only mediagate|rtpengine]
#   perf/relay_peer_bench.sh --dataplane BIN --control BIN --ctl BIN --load BIN [...]
#
#   phone A (ns -lan, 192.0.2.10:4000) -> relay (ns -dp: LAN 192.0.2.1, WAN
#   198.51.100.1) -> phone B (ns -wan, 198.51.100.20:5000)
#
# mediagate: mediagate-dataplane on net_af_packet (the lab of scripts/netns_lab.sh),
# one worker on lcore 1 (CPU 1), the main lcore on CPU 0; mediagate-control; N relays
# added with mediagatectl. rtpengine (Debian's rtpengine-daemon, user-space
# forwarding: --table=-1, the kernel module cannot be built for this kernel) on the
# same veth ends with the same addresses, pinned to CPU 1 (taskset), --num-threads=1;
# N calls set up with ng offer / answer (perf/rtpengine_ng.py). Each relay gets fresh
# namespaces. relay_load (on CPU 0) sends 172-byte RTP-like datagrams from phone A
# to the N calls in turn; phone B's interface counts what the relay delivered.
#
# Per relay and round: a fixed rate (--rate, default 20000/s, for --seconds) and a
# rate ladder (below). Figures: packets per second delivered to phone B, loss, and
# the relay process's CPU time per delivered packet (all its threads, exact, from
# schedstat; this kernel has no IRQ time accounting, so softirq work done on the
# relay's threads, e.g. delivering its sends to phone B, is in it). Rounds alternate
# mediagate and rtpengine; each figure is the median over the rounds; ratio =
# mediagate / rtpengine. --only runs one relay. perf/relay_peer_report.py prints it.
#
# Needs root, iproute2, ethtool, rtpengine (scripts/setup.sh --peers) and 2 CPUs.
# The relays and mediagate-control run under `timeout`, relay_load for --seconds, the
# ng client with 3 tries of 1 s; namespaces and processes are removed on every exit.
# --smoke: 1 round, 1 s per load, 10 calls (CI: checks that both relays deliver the
# fixed rate; no timing is judged). Exit status: 0, or 1 when a relay could not be
# set up, a load failed, or a relay delivered less than 90% of the fixed rate; 64
# usage; 77 skip.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
build=$top/build
dataplane_bin= control_bin= ctl_bin= load_bin=
calls=100 rate=20000 seconds=5 step_seconds=2 rounds=3 relays="mediagate rtpengine"

usage() { sed -n '2,36p' "$0" >&2; echo "relay_peer_bench.sh: $1" >&2; exit 64; }
number() { [[ $2 =~ ^[1-9][0-9]*$ ]] && [ "$2" -ge "$3" ] && [ "$2" -le "$4" ] ||
    usage "$1: '$2' is not a whole number in [$3, $4]"; }
while [ $# -gt 0 ]; do
    case $1 in
        --smoke) calls=10 seconds=1 step_seconds=1 rounds=1; shift; continue ;;
        --build-dir | --dataplane | --control | --ctl | --load | --calls | --rate | --seconds | \
            --rounds | --only) [ $# -ge 2 ] || usage "$1 needs a value" ;;
        *) usage "unknown option $1" ;;
    esac
    case $1 in
        --build-dir) build=$(cd "$2" && pwd) || usage "--build-dir: no directory $2" ;;
        --dataplane) dataplane_bin=$2 ;;
        --control) control_bin=$2 ;;
        --ctl) ctl_bin=$2 ;;
        --load) load_bin=$2 ;;
        --calls) number "$1" "$2" 1 200; calls=$2 ;;
        --rate) number "$1" "$2" 100 1000000; rate=$2 ;;
        --seconds) number "$1" "$2" 1 30; seconds=$2 ;;
        --rounds) number "$1" "$2" 1 9; rounds=$2 ;;
        --only) [[ $2 == mediagate || $2 == rtpengine ]] || usage "--only: mediagate or rtpengine, not '$2'"
                relays=$2 ;;
    esac
    shift 2
done
dataplane_bin=${dataplane_bin:-$build/dataplane/mediagate-dataplane}
control_bin=${control_bin:-$build/control/mediagate-control}
ctl_bin=${ctl_bin:-$build/control/mediagatectl}
load_bin=${load_bin:-$build/perf/relay_load}
for b in "$dataplane_bin" "$control_bin" "$ctl_bin" "$load_bin"; do
    [ -x "$b" ] || usage "no executable $b (build it, or give --build-dir)"
done
if [ "$(id -u)" != 0 ] || ! command -v ip >/dev/null || ! command -v ethtool >/dev/null; then
    echo "SKIP: needs root, iproute2 and ethtool for network namespaces"; exit 77
fi
if ! command -v rtpengine >/dev/null; then
    echo "relay_peer_bench.sh: rtpengine is not installed (bash scripts/setup.sh --peers)" >&2
    exit 1
fi
[ "$(nproc)" -ge 2 ] || { echo "SKIP: needs 2 CPUs (relay on CPU 1, load on CPU 0)"; exit 77; }

# shellcheck source=../scripts/netns_lab.sh
. "$top/scripts/netns_lab.sh"
tmp=$(mktemp -d /tmp/mg-relaybench.XXXXXX)
chmod 755 "$tmp"
relay_pid= control_pid=
# The relays run inside the namespaces (lab_down stops them, TERM first); control
# runs outside.
# control_pid is control's `timeout` wrapper: TERM reaches control through it; what
# is still there after 2 s is killed, control first.
stop_relay() {
    local _
    [ -n "$control_pid" ] && kill -TERM "$control_pid" 2>/dev/null
    lab_down
    if [ -n "$control_pid" ]; then
        for _ in $(seq 20); do kill -0 "$control_pid" 2>/dev/null || break; sleep 0.1; done
        pkill -9 -P "$control_pid" 2>/dev/null
        kill -9 "$control_pid" 2>/dev/null
    fi
    control_pid= relay_pid=
    wait 2>/dev/null
}
cleanup() {
    stop_relay
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
failed=0

# The lab for one relay: phone A, the relay's namespace, phone B.
new_lab() {
    lab_down
    lab_up "mgrb$$$1" dplan dpwan "192.0.2.10/24" 192.0.2.1 "198.51.100.20/24" || {
        echo "relay_peer_bench.sh: cannot create the namespaces"; return 1; }
}
counter() { ip netns exec "$1" cat "/sys/class/net/$2/statistics/$3"; }

start_mediagate() {
    new_lab m || return 1
    local cfg=$tmp/mediagate.toml
    cat >"$cfg" <<TOML
[network]
wan_ip = "198.51.100.1"
[media]
udp_ports = "30000-30999"
[control]
socket = "$tmp/control.sock"
log_level = "warning"
[dataplane]
socket = "$tmp/dataplane.sock"
eal_args = ["--no-huge", "-m", "512", "--no-pci", "-l", "0,1", "--main-lcore", "0",
            "--file-prefix", "mgrb$$", "--log-level", "*:warning",
            "--vdev", "net_af_packet0,iface=dplan,framecnt=4096", "--vdev", "net_af_packet1,iface=dpwan,framecnt=4096"]
workers = 1
idle_sleep_us = 50
[[dataplane.port]]
name = "lan"
role = "lan"
device = "net_af_packet0"
addresses = ["192.0.2.1/24"]
[[dataplane.port]]
name = "wan"
role = "wan"
device = "net_af_packet1"
addresses = ["198.51.100.1/24"]
TOML
    rm -f "$tmp/dataplane.sock" "$tmp/control.sock"
    ip netns exec "$lab_dp" timeout 600 "$dataplane_bin" --config "$cfg" >"$tmp/relay.log" 2>&1 &
    local wrapper=$! _
    for _ in $(seq 150); do
        relay_pid=$(pgrep -P "$wrapper" | head -1)
        [ -n "$relay_pid" ] && [ -S "$tmp/dataplane.sock" ] && break
        kill -0 "$wrapper" 2>/dev/null || break
        sleep 0.1
    done
    [ -S "$tmp/dataplane.sock" ] || { cat "$tmp/relay.log"; echo "mediagate-dataplane did not start"; return 1; }
    timeout 600 "$control_bin" --config "$cfg" --foreground >"$tmp/control.log" 2>&1 &
    control_pid=$!
    for _ in $(seq 100); do
        "$ctl_bin" --socket "$tmp/control.sock" --json status 2>/dev/null |
            grep -q '"connected": *true' && break
        sleep 0.1
    done
    local i
    : >"$tmp/dests"
    for ((i = 0; i < calls; i++)); do
        "$ctl_bin" --socket "$tmp/control.sock" relay add "192.0.2.1:$((30000 + 4 * i))" 192.0.2.10:4000 \
            "198.51.100.1:$((30002 + 4 * i))" 198.51.100.20:5000 >/dev/null ||
            { echo "mediagatectl relay add failed"; cat "$tmp/control.log"; return 1; }
        echo "192.0.2.1:$((30000 + 4 * i))" >>"$tmp/dests"
    done
}

start_rtpengine() {
    new_lab r || return 1
    ip -n "$lab_dp" addr add 192.0.2.1/24 dev dplan && ip -n "$lab_dp" addr add 198.51.100.1/24 dev dpwan ||
        return 1
    ip netns exec "$lab_dp" taskset -c 1 timeout 600 rtpengine --foreground --log-stderr --table=-1 \
        --interface=lan/192.0.2.1 --interface=wan/198.51.100.1 --listen-ng=127.0.0.1:22222 \
        --num-threads=1 --port-min=40000 --port-max=49999 --log-level=4 \
        --pidfile="$tmp/rtpengine.pid" >"$tmp/relay.log" 2>&1 &
    local wrapper=$! _
    for _ in $(seq 50); do
        relay_pid=$(pgrep -P "$wrapper" | head -1)
        [ -n "$relay_pid" ] && ip netns exec "$lab_dp" ss -uln | grep -q 127.0.0.1:22222 && break
        kill -0 "$wrapper" 2>/dev/null || break
        sleep 0.1
    done
    ip netns exec "$lab_dp" python3 "$here/rtpengine_ng.py" calls 127.0.0.1:22222 "$calls" \
        192.0.2.10 4000 198.51.100.20 5000 lan wan >"$tmp/calls" ||
        { cat "$tmp/relay.log"; echo "rtpengine: the calls could not be set up"; return 1; }
    awk '{print $1 ":" $2}' "$tmp/calls" >"$tmp/dests"
}

# measure NAME LOAD RATE SECONDS: one load through the running relay; appends a
# result line "NAME LOAD RATE ROUND sent delivered send_s window_s relay_cpu_s" to
# $tmp/results (delivered: phone B's interface counter; relay_cpu_s over window_s,
# from the first send to 20 ms after the last).
measure() {
    local rx0 rx1 out pair
    local -A kv
    rx0=$(counter "$lab_wan" wan0 rx_packets)
    out=$("$load_bin" --tx-netns "$lab_lan" --src 192.0.2.10:4000 --dests "$tmp/dests" \
        --rx-netns "$lab_wan" --rx 198.51.100.20:5000 --rate "$3" --seconds "$4" \
        --cpu 0 --relay-pid "$relay_pid") || return 1
    rx1=$(counter "$lab_wan" wan0 rx_packets)
    for pair in $out; do kv[${pair%%=*}]=${pair#*=}; done
    last="$1 $2 $3 $round ${kv[sent]} $((rx1 - rx0)) ${kv[send_s]} ${kv[window_s]} ${kv[relay_cpu_s]}"
    echo "$last" >>"$tmp/results"
}

# The ladder: offered rates from 40000/s, x1.25 per step, $step_seconds each, until a
# step loses 0.1% or more, or the sender could not offer the rate (it shares CPU 0
# with the sink). rtpengine, once a socket's queue has overflowed a few times,
# discards that stream's packets from then on, so the ladder stops at the first
# lossy step rather than go on with poisoned calls. Appends "NAME ladder BEST END STEP
# ROUND":
# BEST = packets/s delivered in the last step with loss < 0.1%; END = relay (the next
# step lost packets) or sender (the sender reached its own limit first, so the
# relay's is higher); STEP = the offered rate of that last clean step.
ladder() {
    local name=$1 step=40000 best=0 best_step=0 end=relay sent delivered send_s
    while [ $step -le 1000000 ]; do
        measure "$name" step $step "$step_seconds" || return 1
        read -r _ _ _ _ sent delivered send_s _ <<<"$last"
        [ $(((sent - delivered) * 1000)) -lt "$sent" ] || break
        best=$(awk -v d="$delivered" -v s="$send_s" 'BEGIN { printf "%d", d / s }')
        best_step=$step
        if [ $((sent * 100)) -lt $((step * step_seconds * 97)) ]; then
            end=sender; break
        fi
        step=$((step * 5 / 4))
    done
    echo "$name ladder $best $end $best_step $round" >>"$tmp/results"
}

relay_failed() {
    failed=1
    echo "relay_peer_bench.sh: $1 failed (round $round); its log:"
    tail -n 20 "$tmp/relay.log" 2>/dev/null | sed 's/^/   /'
}

run_relay() {
    local name=$1
    relay_pid=
    if ! "start_$name"; then
        relay_failed "setting up $name"
        stop_relay
        return
    fi
    # Warm-up: ARP both ways, the relay's first packets (not counted).
    "$load_bin" --tx-netns "$lab_lan" --src 192.0.2.10:4000 --dests "$tmp/dests" \
        --rx-netns "$lab_wan" --rx 198.51.100.20:5000 --rate 2000 --seconds 0.5 >/dev/null &&
        measure "$name" fixed "$rate" "$seconds" && ladder "$name" ||
        relay_failed "a load through $name"
    stop_relay
}

: >"$tmp/results"
echo "relay_peer_bench: $calls calls, 172-byte datagrams; fixed rate $rate/s for $seconds s," \
     "then a rate ladder ($step_seconds s per step); $rounds round(s)"
echo "mediagate: $(basename "$dataplane_bin") on net_af_packet, 1 worker; rtpengine" \
     "$(rtpengine --version 2>&1 | head -1 | sed 's/Version: //'), user space, 1 thread"
for ((round = 1; round <= rounds; round++)); do
    for relay in $relays; do run_relay "$relay"; done
done
# RELAY_BENCH_RESULTS=FILE keeps the raw result lines.
[ -n "${RELAY_BENCH_RESULTS:-}" ] && cp "$tmp/results" "$RELAY_BENCH_RESULTS"

python3 "$here/relay_peer_report.py" "$tmp/results" "$rate" || failed=1
exit $failed
