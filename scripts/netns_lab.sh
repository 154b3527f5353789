# scripts/netns_lab.sh — the three network namespaces a dataplane demo or e2e test
# runs in (sourced, not run; needs root and iproute2, ethtool):
#
#   $lab_lan: a "lan" host, interface lan0 with LAN_ADDRS, default route via LAN_GW
#       |  veth
#   $lab_dp:  the dataplane's interfaces DP_LAN and DP_WAN: up, no addresses, IPv6
#       |  veth  off, so the host kernel stays out of what DPDK (net_af_packet) owns
#   $lab_wan: a "wan" host, interface wan0 with WAN_ADDRS
#
# Checksum offload is switched off on lan0 and wan0 (ethtool -K tx off): veth would
# otherwise hand the dataplane UDP datagrams with partial checksums.
#
#   lab_up NAME DP_LAN DP_WAN "LAN_ADDRS" LAN_GW "WAN_ADDRS"   (IPv6 addresses: nodad)
#   lab_down                                                    (idempotent)
#   in_lan CMD... / in_wan CMD... / in_dp CMD...

lab_up() {
    lab_lan=$1-lan lab_wan=$1-wan lab_dp=$1-dp
    local dp_lan=$2 dp_wan=$3 lan_addrs=$4 lan_gw=$5 wan_addrs=$6 a
    ip netns add "$lab_lan" && ip netns add "$lab_wan" && ip netns add "$lab_dp" || return 1
    ip netns exec "$lab_dp" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
        net.ipv6.conf.default.disable_ipv6=1 || return 1
    ip link add lan0 netns "$lab_lan" type veth peer name "$dp_lan" netns "$lab_dp" || return 1
    ip link add wan0 netns "$lab_wan" type veth peer name "$dp_wan" netns "$lab_dp" || return 1
    ip -n "$lab_dp" link set lo up && ip -n "$lab_dp" link set "$dp_lan" up &&
        ip -n "$lab_dp" link set "$dp_wan" up || return 1
    ip -n "$lab_lan" link set lo up && ip -n "$lab_lan" link set lan0 up || return 1
    ip -n "$lab_wan" link set lo up && ip -n "$lab_wan" link set wan0 up || return 1
    for a in $lan_addrs; do
        case $a in *:*) ip -n "$lab_lan" addr add "$a" dev lan0 nodad ;;
                   *) ip -n "$lab_lan" addr add "$a" dev lan0 ;; esac || return 1
    done
    for a in $wan_addrs; do
        case $a in *:*) ip -n "$lab_wan" addr add "$a" dev wan0 nodad ;;
                   *) ip -n "$lab_wan" addr add "$a" dev wan0 ;; esac || return 1
    done
    [ -z "$lan_gw" ] || ip -n "$lab_lan" route add default via "$lan_gw" || return 1
    ip netns exec "$lab_lan" ethtool -K lan0 tx off >/dev/null || return 1
    ip netns exec "$lab_wan" ethtool -K wan0 tx off >/dev/null || return 1
}

# Processes still in the namespaces get SIGTERM first (the dataplane then stops
# cleanly and removes its runtime files), SIGKILL after a second.
lab_down() {
    local ns pids _
    for ns in ${lab_lan:-} ${lab_wan:-} ${lab_dp:-}; do
        ip netns pids "$ns" 2>/dev/null | xargs -r kill -TERM 2>/dev/null
    done
    for _ in $(seq 10); do
        pids=
        for ns in ${lab_lan:-} ${lab_wan:-} ${lab_dp:-}; do
            pids+=$(ip netns pids "$ns" 2>/dev/null)
        done
        [ -z "$pids" ] && break
        sleep 0.1
    done
    for ns in ${lab_lan:-} ${lab_wan:-} ${lab_dp:-}; do
        ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null
        ip netns del "$ns" 2>/dev/null
    done
    return 0
}

in_lan() { ip netns exec "$lab_lan" "$@"; }
in_wan() { ip netns exec "$lab_wan" "$@"; }
in_dp() { ip netns exec "$lab_dp" "$@"; }
