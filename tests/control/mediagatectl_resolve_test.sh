#!/usr/bin/env bash
# End-to-end checks of `mediagatectl resolve|rbl --local ...` (control/ctl_resolve.cc)
# against a real DNS server: dnsmasq on 127.0.0.X:PORT serving the zone in
# dnsmasq/zone.conf. Exit codes per DESIGN.md: 0 answer, 1 unknown host / not listed,
# 2 no response, 64 usage. Skips (77) when dnsmasq is not installed.
#   mediagatectl_resolve_test.sh PATH_TO_MEDIAGATECTL PATH_TO_ZONE_CONF
set -uo pipefail
ctl=$1
zone_conf=$2
dnsmasq=$(command -v dnsmasq || ls /usr/sbin/dnsmasq 2>/dev/null)
if [ -z "$dnsmasq" ]; then
    echo "SKIP: dnsmasq is not installed (apt-get install dnsmasq-base)"
    exit 77
fi
tmp=$(mktemp -d)
dns_pid=
cleanup() {
    [ -n "$dns_pid" ] && kill "$dns_pid" 2>/dev/null && wait "$dns_pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
failures=0 checks=0

# shellcheck source=dnsmasq.sh
. "$(dirname "$0")/dnsmasq.sh"
# many.test: 90 A records (1440 bytes of answer), from a hosts file.
for i in $(seq 1 90); do echo "198.51.100.$i many.test"; done >"$tmp/many.hosts"
start_dnsmasq "$zone_conf" --addn-hosts="$tmp/many.hosts" || { echo "FAIL: dnsmasq did not start"; exit 1; }
echo "dnsmasq on $server"

# shellcheck source=expect.sh
. "$(dirname "$0")/expect.sh"
# lines LINE... : writes the wanted stdout to $tmp/want.
lines() { printf '%s\n' "$@" >"$tmp/want"; }
fail() { echo "FAIL $1"; failures=$((failures + 1)); }
R=("$ctl" resolve --local --server "$server")

# --- every record type ---------------------------------------------------------------
lines "192.0.2.10 ttl=600"
expect a 0 "$tmp/want" - -- "${R[@]}" A host.test
lines "2001:db8::10 ttl=600"
expect aaaa 0 "$tmp/want" - -- "${R[@]}" AAAA host.test
lines "10 mx1.test. ttl=300"
expect mx 0 "$tmp/want" - -- "${R[@]}" MX mail.test
lines "0 5 5060 sip.test. ttl=300"
expect srv 0 "$tmp/want" - -- "${R[@]}" SRV _sip._udp.test
lines '"hello world" "second" ttl=300'
expect txt 0 "$tmp/want" - -- "${R[@]}" TXT txt.test
lines '100 10 "S" "SIP+D2U" "" _sip._udp.test. ttl=300'
expect naptr 0 "$tmp/want" - -- "${R[@]}" NAPTR naptr.test
lines "host.test. ttl=600"
expect ptr-v4 0 "$tmp/want" - -- "${R[@]}" PTR 192.0.2.10
lines "other.test. ttl=300"
expect ptr-v4-record 0 "$tmp/want" - -- "${R[@]}" PTR 192.0.2.20
lines "host.test. ttl=600"
expect ptr-v6 0 "$tmp/want" - -- "${R[@]}" PTR 2001:db8::10
lines "192.0.2.10 ttl=600"
expect a-via-cname 0 "$tmp/want" - -- "${R[@]}" A alias.test
lines "192.0.2.10 ttl=600"
expect type-lowercase 0 "$tmp/want" - -- "${R[@]}" a host.test
lines "192.0.2.10 ttl=600"
expect server-equals 0 "$tmp/want" - -- "$ctl" resolve --local --server="$server" A host.test
# Options after the positionals, and a dead server first: the resend goes round robin.
lines "192.0.2.10 ttl=600"
expect options-anywhere 0 "$tmp/want" - -- "$ctl" resolve A host.test --local \
    --server 127.0.0.1:9 --server "$server" --timeout 100 --retries 2

# --- answers too big for UDP: TC set, asked again over TCP -------------------------
# Records may come in any order: compared sorted. -v shows the switch to TCP, and no
# resend (the TCP answer ended the query).
sorted_out() { LC_ALL=C sort "$tmp/out"; }
x100=$(printf 'x%.0s' $(seq 100))
for i in $(seq -w 1 12); do echo "\"record $i $x100\" ttl=300"; done | LC_ALL=C sort >"$tmp/want"
expect tcp-txt 0 - \
    "^DNR tcp id=[0-9]+ name=big.test type=TXT .*truncated UDP answer, asking over TCP" \
    -- "${R[@]}" -v TXT big.test
sorted_out | diff -u "$tmp/want" - || fail "tcp-txt: not the 12 TXT records"
grep -q '^DNR resend' "$tmp/err" && fail "tcp-txt: resent instead of the TCP answer"
for i in $(seq 1 90); do echo "198.51.100.$i ttl=300"; done | LC_ALL=C sort >"$tmp/want"
expect tcp-many-a 0 - \
    "^DNR tcp id=[0-9]+ name=many.test type=A .*truncated UDP answer, asking over TCP" \
    -- "${R[@]}" -v A many.test
sorted_out | diff -u "$tmp/want" - || fail "tcp-many-a: not the 90 A records"
grep -q '^DNR resend' "$tmp/err" && fail "tcp-many-a: resent instead of the TCP answer"

# --- negative answers ----------------------------------------------------------------
expect nxdomain 1 /dev/null 'unknown host' -- "${R[@]}" A nope.test
expect nodata 1 /dev/null 'unknown host' -- "${R[@]}" MX host.test
expect ptr-unknown 1 /dev/null 'unknown host' -- "${R[@]}" PTR 192.0.2.77

# --- dummy IPs -----------------------------------------------------------------------
lines "192.0.2.99 ttl=300"
expect wildcard 0 "$tmp/want" - -- "${R[@]}" A anything.wild.test
printf '; wildcard answers\n192.0.2.99\n' >"$tmp/dummy.list"
expect wildcard-dummy 1 /dev/null 'unknown host' -- \
    "${R[@]}" --dummy-ips "$tmp/dummy.list" A anything.wild.test
lines "192.0.2.10 ttl=600"
expect dummy-other-address 0 "$tmp/want" - -- \
    "${R[@]}" --dummy-ips "$tmp/dummy.list" A host.test
printf '192.0.2.99\n192.0.2.300\n' >"$tmp/bad.list"
expect dummy-bad-list 1 /dev/null 'bad.list:2:' -- \
    "${R[@]}" --dummy-ips "$tmp/bad.list" A host.test
expect dummy-missing-file 1 /dev/null 'cannot open' -- \
    "${R[@]}" --dummy-ips "$tmp/nonexistent.list" A host.test
expect dummy-directory 1 /dev/null 'cannot read: not a regular file' -- \
    "${R[@]}" --dummy-ips "$tmp" A host.test

# --- no response ---------------------------------------------------------------------
# A port nobody listens on (dnsmasq's address, next port): T=100 ms, one resend waiting
# 200 ms -> about 0.3 s.
start=$(date +%s%N)
expect no-response 2 /dev/null 'no response' -- \
    "$ctl" resolve --local --server "$ip:$((port + 1))" --timeout 100 --retries 1 A host.test
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
if [ "$elapsed_ms" -gt 1500 ]; then fail "no-response took ${elapsed_ms} ms, want about 300"; fi
echo "     (no-response took ${elapsed_ms} ms)"

# --- -v and --json -------------------------------------------------------------------
lines "192.0.2.10 ttl=600"
expect verbose 0 "$tmp/want" '^DNR send ' -- "${R[@]}" -v A host.test
grep -v '^DNR ' "$tmp/err" | grep -q . && fail "verbose: stderr has lines not starting DNR"
expect verbose-timeout 2 /dev/null '^DNR resend ' -- "$ctl" resolve --local -v \
    --server "$ip:$((port + 1))" --timeout 50 --retries 1 A host.test
expect json 0 - - -- "$ctl" --json resolve --local --server "$server" MX mail.test
python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["status"]=="answer", d
assert d["records"][0]["data"]=="10 mx1.test." and d["records"][0]["ttl"]==300, d' \
    <"$tmp/out" || fail "json: $(cat "$tmp/out")"
expect json-after-command 1 - 'unknown host' -- "${R[@]}" --json A nope.test
python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["status"]=="unknown_host", d' \
    <"$tmp/out" || fail "json-after-command: $(cat "$tmp/out")"
expect json-txt 0 - - -- "${R[@]}" --json TXT txt.test
python3 -c 'import json,sys; d=json.load(sys.stdin)
assert d["records"][0]["data"]=="\"hello world\" \"second\"", d' \
    <"$tmp/out" || fail "json-txt: $(cat "$tmp/out")"

# --- rbl -----------------------------------------------------------------------------
B=("$ctl" rbl --local --server "$server")
lines "listed 127.0.0.2 ttl=300" 'reason "listed for testing" ttl=300'
expect rbl-listed 0 "$tmp/want" - -- "${B[@]}" rbl.test 127.0.0.2
lines "listed 127.0.0.2 ttl=300" 'reason "listed for testing" ttl=300'
expect rbl-listed-zone-dot 0 "$tmp/want" - -- "${B[@]}" rbl.test. 127.0.0.2
lines "not listed"
expect rbl-not-listed 1 "$tmp/want" - -- "${B[@]}" rbl.test 127.0.0.3
lines "not listed"
expect rbl-not-listed-v6 1 "$tmp/want" - -- "${B[@]}" rbl.test 2001:db8::1
expect rbl-json 0 - - -- "$ctl" --json rbl --local --server "$server" rbl.test 127.0.0.2
python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["status"]=="listed", d
assert d["reasons"][0]["data"]=="\"listed for testing\"", d' \
    <"$tmp/out" || fail "rbl-json: $(cat "$tmp/out")"
expect rbl-no-response 2 /dev/null 'no response' -- "$ctl" rbl --local \
    --server "$ip:$((port + 1))" --timeout 100 rbl.test 127.0.0.2

# --- without --local: the daemon answers; here none is running ----------------------
expect no-daemon 2 /dev/null 'the control daemon is not running \(no socket at /nonexistent/c.sock\)' \
    -- "$ctl" --socket /nonexistent/c.sock resolve A host.test
expect no-daemon-rbl 2 /dev/null 'the control daemon is not running' \
    -- "$ctl" --socket /nonexistent/c.sock rbl rbl.test 127.0.0.2
expect local-only-option 64 /dev/null "'--timeout' only works with --local" \
    -- "$ctl" --socket /nonexistent/c.sock resolve --timeout 100 A host.test

# --- usage errors --------------------------------------------------------------------
expect usage-type 64 /dev/null 'unknown TYPE' -- "${R[@]}" CNAME host.test
expect usage-type-number 64 /dev/null 'unknown TYPE' -- "${R[@]}" TYPE1 host.test
expect usage-missing-name 64 /dev/null 'want TYPE NAME' -- "${R[@]}" A
expect usage-no-args 64 /dev/null 'want TYPE NAME' -- "$ctl" resolve --local
expect usage-extra 64 /dev/null 'too many' -- "${R[@]}" A host.test extra
expect usage-server 64 /dev/null 'bad --server' -- "$ctl" resolve --local --server 1.2.3 A x.test
expect usage-server-port 64 /dev/null 'bad --server' -- \
    "$ctl" resolve --local --server 127.0.0.1:99999 A x.test
expect usage-server-missing 64 /dev/null 'needs a value' -- "$ctl" resolve --local A x.test --server
expect usage-timeout 64 /dev/null 'bad --timeout' -- "${R[@]}" --timeout 1s A host.test
expect usage-timeout-zero 64 /dev/null 'bad --timeout' -- "${R[@]}" --timeout 0 A host.test
expect usage-retries 64 /dev/null 'bad --retries' -- "${R[@]}" --retries -1 A host.test
expect usage-option 64 /dev/null "unknown option '--bogus'" -- "${R[@]}" --bogus A host.test
expect usage-flag-value 64 /dev/null 'takes no value' -- "$ctl" resolve --local=yes A host.test
expect usage-name 64 /dev/null 'bad NAME' -- "${R[@]}" A 'a..b'
expect usage-ptr-addr 64 /dev/null 'PTR wants' -- "${R[@]}" PTR host.test
expect usage-rbl-addr 64 /dev/null 'bad ADDR' -- "${B[@]}" rbl.test 127.0.0.256
expect usage-rbl-addr-long 64 /dev/null "bad ADDR '1{64}\.\.\.': want" -- \
    "${B[@]}" rbl.test "$(printf '1%.0s' $(seq 5000))"
expect usage-timeout-long 64 /dev/null "bad --timeout '9{64}\.\.\.': want" -- \
    "${R[@]}" --timeout "$(printf '9%.0s' $(seq 300))" A host.test
expect usage-rbl-missing 64 /dev/null 'want ZONE ADDR' -- "${B[@]}" rbl.test
expect usage-rbl-zone 64 /dev/null 'bad ZONE' -- "${B[@]}" 'bad..zone' 127.0.0.2
# Usage is checked before the missing --local.
expect usage-before-daemon 64 /dev/null 'unknown TYPE' -- "$ctl" resolve SOA x.test

echo "$checks checks, $failures failed"
[ "$failures" = 0 ]
