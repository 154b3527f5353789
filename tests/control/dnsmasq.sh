# Starts dnsmasq on a random 127.0.0.X and high port with a test zone (sourced, not
# run). Needs $tmp and $ctl (a mediagatectl, used to probe). Sets dns_pid, ip, port and
# server=IP:PORT; returns 1 (with the log printed) if it would not start. Each try's
# dnsmasq runs under `timeout 300`, so it cannot outlive a killed test for long.
#   start_dnsmasq ZONE_CONF [EXTRA_DNSMASQ_OPTION...]
start_dnsmasq() {
    local zone_conf=$1 dnsmasq up
    shift
    dnsmasq=$(command -v dnsmasq || ls /usr/sbin/dnsmasq 2>/dev/null)
    [ -n "$dnsmasq" ] || return 1
    for _try in 1 2 3 4 5 6 7 8; do
        ip=127.0.0.$((RANDOM % 200 + 20))
        port=$((RANDOM % 20000 + 30000))
        timeout 300 "$dnsmasq" --no-daemon --no-resolv --no-hosts --conf-file="$zone_conf" \
            --port="$port" --listen-address="$ip" --bind-interfaces --pid-file= \
            --log-facility=- "$@" >"$tmp/dnsmasq.log" 2>&1 &
        dns_pid=$!
        up=0
        for _ in $(seq 50); do
            kill -0 "$dns_pid" 2>/dev/null || break
            if "$ctl" resolve --local --server "$ip:$port" --timeout 100 --retries 0 A host.test \
                >/dev/null 2>&1; then
                up=1
                break
            fi
            sleep 0.1
        done
        if [ $up = 1 ]; then
            server=$ip:$port
            return 0
        fi
        kill "$dns_pid" 2>/dev/null
        wait "$dns_pid" 2>/dev/null
        dns_pid=
    done
    echo "dnsmasq did not start:"
    cat "$tmp/dnsmasq.log"
    return 1
}
