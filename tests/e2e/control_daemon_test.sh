#!/usr/bin/env bash
# End to end: the real mediagate-control on a temporary socket and config, driven by
# the real mediagatectl. Covers status/lists/nat-test/resolve/rbl/reload (text and
# JSON), relay commands and status without a dataplane (--dataplane-socket), SIGHUP
# reload, a bad reload, two daemons on one socket, a stale socket, a daemon killed
# mid-request, a stuck daemon, a refused client, detaching, SIGTERM.
#   control_daemon_test.sh MEDIAGATE_CONTROL MEDIAGATECTL ZONE_CONF
set -uo pipefail
daemon_bin=$1
ctl=$2
zone_conf=$3
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d /tmp/mg-e2e-control.XXXXXX)
chmod 755 "$tmp"
sock=$tmp/control.sock
cfg=$tmp/mediagate.toml
pids=()
dns_pid=
# Daemons run under `timeout` and dnsmasq too: TERM the wrappers (timeout passes it
# on to its child; killing a wrapper with -9 would orphan the child), then make sure.
cleanup() {
    for p in "${pids[@]}" $dns_pid; do
        kill -CONT "$p" 2>/dev/null
        kill -TERM "$p" 2>/dev/null
    done
    sleep 0.2
    for p in "${pids[@]}" $dns_pid; do
        kill -9 "$p" 2>/dev/null
    done
    wait 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
failures=0 checks=0
# shellcheck source=../control/expect.sh
. "$here/../control/expect.sh"
# shellcheck source=../control/dnsmasq.sh
. "$here/../control/dnsmasq.sh"
lines() { printf '%s\n' "$@" >"$tmp/want"; }
fail() { echo "FAIL $*"; failures=$((failures + 1)); }
C=("$ctl" --socket "$sock")

dns_server=127.0.0.1:9
have_dns=0
if start_dnsmasq "$zone_conf"; then
    dns_server=$server
    have_dns=1
    echo "dnsmasq on $dns_server"
else
    echo "note: no dnsmasq; the positive look-ups through the daemon are skipped"
fi

write_config() {  # write_config LAN_LIST [EXTRA_TOML]
    cat >"$cfg" <<TOML
[network]
ipv6 = "no"
wan_ip = "203.0.113.1"
lan_ips = """
$1
"""
client_ips = "198.51.100.0/24"
debug_ips = "203.0.113.9"

[resolver]
servers = ["$dns_server"]
initial_timeout_ms = 300
retries = 1
dummy_ips = "192.0.2.99"

[control]
socket = "$sock"
log_level = "info"
${2:-}
TOML
}

# start_daemon LOG: starts a foreground daemon (under `timeout`, so it cannot outlive
# a killed test for long), waits for its socket; sets daemon_pid to the daemon's own
# pid (from status), not timeout's.
start_daemon() {
    timeout 600 "$daemon_bin" --config "$cfg" --foreground \
        --dataplane-socket "$tmp/dataplane.sock" 2>>"$1" &
    local wrapper=$!
    pids+=("$wrapper")
    for _ in $(seq 100); do
        if [ -S "$sock" ] && "${C[@]}" --json status >"$tmp/start.json" 2>/dev/null; then
            daemon_pid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["pid"])' \
                "$tmp/start.json")
            pids+=("$daemon_pid")
            return 0
        fi
        kill -0 "$wrapper" 2>/dev/null || break
        sleep 0.05
    done
    echo "daemon did not start:"; cat "$1"
    return 1
}

# --- config check ---------------------------------------------------------------------
write_config "192.0.2.0/24"
expect check-config-ok 0 - - -- "$daemon_bin" --check-config "$cfg"
grep -q 'configuration OK' "$tmp/out" || fail "check-config-ok: $(cat "$tmp/out")"
write_config "192.0.2.0/24
10.0.0.1/8"
expect check-config-bad 1 /dev/null "^$cfg:6:1: .*" -- "$daemon_bin" --check-config "$cfg"
expect start-bad-config 1 /dev/null "$cfg:6:1: " -- "$daemon_bin" --config "$cfg" --foreground
[ -e "$sock" ] && fail "a daemon with a bad config left a socket"
expect usage-ipv6 64 /dev/null 'wants YES or NO' -- "$daemon_bin" --IPv6 maybe --check-config "$cfg"
expect usage-version-unknown 64 /dev/null "unknown argument '--frob'" -- "$daemon_bin" --version --frob
expect usage-help-unknown 64 /dev/null "unknown argument '--frob'" -- "$daemon_bin" --frob --help
expect usage-socket-relative 64 /dev/null '^mediagate-control: --socket: must be an absolute path' -- \
    "$daemon_bin" --socket rel.sock --foreground
write_config "192.0.2.0/24"
expect start-same-sockets 1 /dev/null 'the control socket and the dataplane socket are the same path' \
    -- "$daemon_bin" --config "$cfg" --socket "$tmp/same.sock" --dataplane-socket "$tmp/same.sock" \
    --foreground
expect start-same-sockets-spelt 1 /dev/null 'the control socket and the dataplane socket are the same path' \
    -- "$daemon_bin" --config "$cfg" --socket "$tmp/same.sock" --dataplane-socket "$tmp/./x/..//same.sock" \
    --foreground

# --- a running daemon -----------------------------------------------------------------
write_config "192.0.2.0/24"
start_daemon "$tmp/daemon.log" || exit 1
[ "$(stat -c %a "$sock")" = 660 ] || fail "socket mode $(stat -c %a "$sock"), want 660"

expect status-json 0 - - -- "${C[@]}" --json status
python3 - "$tmp/out" "$cfg" "$sock" <<'PY' || fail "status-json: $(cat "$tmp/out")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["config"]["file"] == sys.argv[2], d
assert d["control"]["socket"] == sys.argv[3], d
assert d["ipv6"] == {"on": False, "reason": 'forced off by [network] ipv6 = "no"'}, d
assert d["wan_ip"] == "203.0.113.1", d
assert [l["name"] for l in d["lists"]] == ["lan", "client", "nated", "debug", "dummy"], d
assert {l["name"]: l["entries"] for l in d["lists"]}["nated"] == 6, d
assert d["server_lan_ip"]["source"] in ("host interfaces", "none"), d
assert isinstance(d["uptime_s"], int) and d["pid"] > 0
PY
expect status-text 0 - - -- "${C[@]}" status
grep -Eq '^ipv6 +off \(forced off' "$tmp/out" || fail "status-text: $(cat "$tmp/out")"
grep -Eq '^lan +1 +1 +0 +config$' "$tmp/out" || fail "status-text lists: $(cat "$tmp/out")"

# No dataplane runs: status says so (exit 0); relay commands have no answer (2).
grep -Eq '^dataplane +not connected \(.*dataplane.sock: no dataplane is listening' "$tmp/out" ||
    fail "status-text dataplane: $(cat "$tmp/out")"
expect relay-list-no-dataplane 2 /dev/null '^mediagatectl: relay list: dataplane not connected \(' \
    -- "${C[@]}" relay list
expect relay-add-no-dataplane 2 /dev/null 'relay add: dataplane not connected' \
    -- "${C[@]}" relay add 192.0.2.1:20000 any 192.0.2.1:20002 any
expect relay-add-usage 64 /dev/null 'port "0" is not in 1..65535' \
    -- "${C[@]}" relay add 192.0.2.1:0 any 192.0.2.1:20002 any
expect status-json-dataplane 0 - - -- "${C[@]}" --json status
python3 - "$tmp/out" "$tmp/dataplane.sock" <<'PY' || fail "status-json dataplane: $(cat "$tmp/out")"
import json, sys
d = json.load(open(sys.argv[1]))["dataplane"]
assert d["socket"] == sys.argv[2] and d["connected"] is False, d
assert d["state"] == "disconnected" and "no dataplane is listening" in d["error"], d
PY
grep -c 'no dataplane is listening' "$tmp/daemon.log" | grep -qx 1 ||
    fail "the missing dataplane is logged more than once: $(grep -c 'no dataplane' "$tmp/daemon.log")"

lines 192.0.2.0/24
expect lists-show 0 "$tmp/want" - -- "${C[@]}" lists show lan
expect lists-show-unknown 1 /dev/null "unknown list 'wan'" -- "${C[@]}" lists show wan
lines "192.0.2.99: lan dummy"
expect lists-test 0 "$tmp/want" - -- "${C[@]}" lists test 192.0.2.99
lines "8.8.8.8: none"
expect lists-test-none 1 "$tmp/want" - -- "${C[@]}" lists test 8.8.8.8
expect lists-test-bad 1 /dev/null "invalid address '1.2.3'" -- "${C[@]}" lists test 1.2.3
lines '{"address":"198.51.100.7","lists":["client"]}'
expect lists-test-json 0 "$tmp/want" - -- "${C[@]}" --json lists test ::ffff:198.51.100.7

lines "behind-nat: claimed address 192.168.1.10 is inside NATed IPs and the request came from 203.0.113.5, outside NATed IPs"
expect nat-behind 0 "$tmp/want" - -- "${C[@]}" nat-test 192.168.1.10 203.0.113.5
expect nat-not 1 - - -- "${C[@]}" nat-test 203.0.113.5 203.0.113.6
grep -q '^not-behind-nat: claimed address 203.0.113.5 is not inside NATed IPs$' "$tmp/out" ||
    fail "nat-not: $(cat "$tmp/out")"
expect nat-json 0 - - -- "${C[@]}" --json nat-test fd00::1 2001:db8::1
grep -q '"verdict":"behind-nat","rule":"behind-nat"' "$tmp/out" || fail "nat-json: $(cat "$tmp/out")"
expect nat-bad 1 /dev/null "invalid SOURCE address 'x'" -- "${C[@]}" nat-test 10.0.0.1 x
expect nat-usage 64 /dev/null "want 'nat-test CLAIMED SOURCE'" -- "${C[@]}" nat-test 10.0.0.1
expect usage-status 64 /dev/null 'takes no arguments' -- "${C[@]}" status now

# Debug IPs are logged whatever the level (info here; the lists test line is debug).
"${C[@]}" lists test 203.0.113.9 >/dev/null
sleep 0.2
grep -q '\[debug-ip 203.0.113.9\] cli: lists test 203.0.113.9 -> 203.0.113.9: debug' "$tmp/daemon.log" ||
    fail "debug-ip line missing from the log"
grep -q 'cli: lists test 192.0.2.99' "$tmp/daemon.log" &&
    fail "a non-debug address was logged at debug level while the level is info"

# --- look-ups through the daemon print what --local prints ---------------------------
if [ $have_dns = 1 ]; then
    for q in "A host.test" "AAAA host.test" "MX mail.test" "SRV _sip._udp.test" \
        "TXT txt.test" "NAPTR naptr.test" "PTR 192.0.2.10"; do
        # shellcheck disable=SC2086
        "$ctl" resolve --local --server "$dns_server" $q >"$tmp/want" 2>/dev/null
        # shellcheck disable=SC2086
        expect "resolve-daemon $q" 0 "$tmp/want" - -- "${C[@]}" resolve $q
    done
    expect resolve-dummy 1 /dev/null 'unknown host \(dummy IP 192.0.2.99\)' -- \
        "${C[@]}" resolve A x.wild.test
    lines "listed 127.0.0.2 ttl=300" 'reason "listed for testing" ttl=300'
    expect rbl-daemon 0 "$tmp/want" - -- "${C[@]}" rbl rbl.test 127.0.0.2
    expect resolve-json 0 - - -- "${C[@]}" --json resolve A host.test
    grep -q '"status":"answer"' "$tmp/out" || fail "resolve-json: $(cat "$tmp/out")"
    # --local --config takes the same [resolver] section (servers, dummy IPs).
    # The daemon may answer from its cache (asked above), a second or more later: its
    # TTL may be below the zone's local-ttl (300) that the uncached --local sees.
    "${C[@]}" resolve MX mail.test | sed 's/ ttl=[0-9]*$/ ttl=300/' >"$tmp/want"
    expect local-config 0 "$tmp/want" - -- "$ctl" resolve --local --config "$cfg" MX mail.test
    expect local-config-dummy 1 /dev/null 'dummy IP 192.0.2.99' -- \
        "$ctl" resolve --local --config "$cfg" A x.wild.test
fi
printf '[resolver]\nretries = "3"\n' >"$tmp/bad.toml"
expect local-config-bad 1 /dev/null "^$tmp/bad.toml:2:11: " -- \
    "$ctl" resolve --local --config "$tmp/bad.toml" A host.test
expect resolve-local-only 64 /dev/null "'--server' only works with --local" -- \
    "${C[@]}" resolve --server 127.0.0.1 A host.test
expect resolve-usage 64 /dev/null 'unknown TYPE' -- "${C[@]}" resolve SOA host.test

# --- reload ---------------------------------------------------------------------------
write_config "198.18.0.0/15"
kill -HUP "$daemon_pid"
ok=0
for _ in $(seq 50); do
    [ "$("${C[@]}" lists show lan 2>/dev/null)" = 198.18.0.0/15 ] && { ok=1; break; }
    sleep 0.05
done
checks=$((checks + 1))
[ $ok = 1 ] && echo "ok   sighup-reload" || fail "sighup-reload: lan is $("${C[@]}" lists show lan)"

"${C[@]}" --json status >"$tmp/before.json"
write_config "203.0.113.0/24
203.0.113.0/33" 'client_ips = "x"'
expect reload-bad 1 /dev/null "^$cfg:6:13: \\[network\\] lan_ips: prefix length 33" -- \
    "${C[@]}" reload
grep -q 'running configuration is unchanged' "$tmp/err" || fail "reload-bad: $(cat "$tmp/err")"
grep -q "^$cfg:20:1: \\[control\\] unknown key \"client_ips\"" "$tmp/err" ||
    fail "reload-bad: every error is reported: $(cat "$tmp/err")"
lines 198.18.0.0/15
expect reload-bad-kept 0 "$tmp/want" - -- "${C[@]}" lists show lan
"${C[@]}" --json status >"$tmp/after.json"
python3 - "$tmp/before.json" "$tmp/after.json" <<'PY' || fail "reload-bad changed the status"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
for k in ("lists", "resolver", "wan_ip", "ipv6", "server_lan_ip", "media"):
    if k == "resolver":
        a[k] = a[k]["servers"]; b[k] = b[k]["servers"]
    assert a[k] == b[k], (k, a[k], b[k])
assert a["config"]["loaded_at"] == b["config"]["loaded_at"]
assert b["config"]["last_reload_error"].startswith(sys.argv[1].rsplit("/", 1)[0]), b
PY
write_config "192.0.2.0/24"
lines "reloaded $cfg"
expect reload-good 0 "$tmp/want" - -- "${C[@]}" reload

# --- two daemons, stuck daemon, killed daemon, stale socket ----------------------------
expect second-daemon 1 /dev/null 'already running on' -- \
    "$daemon_bin" --config "$cfg" --foreground
expect still-serving 0 - - -- "${C[@]}" lists show lan

kill -STOP "$daemon_pid"
expect stuck-daemon 2 /dev/null 'no reply from the control daemon within 1 s' -- \
    "${C[@]}" --wait 1 status
kill -CONT "$daemon_pid"

# Killed while a request is in flight: a look-up of a server that never answers.
write_config "192.0.2.0/24"
sed -i 's/^servers = .*/servers = ["127.0.0.1:9"]/; s/^initial_timeout_ms = .*/initial_timeout_ms = 5000/' "$cfg"
"${C[@]}" reload >/dev/null || fail "reload for the mid-request test"
"${C[@]}" resolve A host.test >"$tmp/mid.out" 2>"$tmp/mid.err" &
mid=$!
sleep 0.5
kill -9 "$daemon_pid"
wait "$mid"
status=$?
checks=$((checks + 1))
if [ $status = 2 ] && grep -q 'closed the connection before replying' "$tmp/mid.err"; then
    echo "ok   killed-mid-request"
else
    fail "killed-mid-request: exit $status, $(cat "$tmp/mid.err")"
fi
[ -S "$sock" ] || fail "expected a stale socket after kill -9"
expect not-running 2 /dev/null 'not running \(nobody listens on' -- "${C[@]}" status

# A new daemon replaces the stale socket.
start_daemon "$tmp/daemon2.log" || exit 1
grep -q 'removed the stale control socket' "$tmp/daemon2.log" || fail "stale socket not logged"
expect restarted 0 - - -- "${C[@]}" lists show lan

# A client without access to the socket.
if command -v setpriv >/dev/null; then
    expect permission-denied 2 /dev/null 'permission denied on' -- \
        setpriv --reuid=65534 --regid=65534 --clear-groups "${C[@]}" status
fi

# SIGTERM: clean stop, socket removed.
kill -TERM "$daemon_pid"
wait "${pids[-2]}"  # the timeout wrapper passes the daemon's exit status on
status=$?
checks=$((checks + 1))
[ $status = 0 ] && [ ! -e "$sock" ] && echo "ok   sigterm" ||
    fail "sigterm: exit $status, socket $(ls -l "$sock" 2>&1)"
grep -q 'stopping on Terminated' "$tmp/daemon2.log" || fail "sigterm not logged"
expect no-socket 2 /dev/null 'not running \(no socket at' -- "${C[@]}" status

# Detached (no --foreground): the parent exits 0 once the daemon listens.
expect detach 0 - - -- "$daemon_bin" --config "$cfg"
pid=$("${C[@]}" --json status | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')
pids+=("$pid")
checks=$((checks + 1))
kill -TERM "$pid" && for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
[ ! -e "$sock" ] && echo "ok   detached-stop" || fail "detached daemon did not stop cleanly"

echo "$checks checks, $failures failed"
[ "$failures" = 0 ]
