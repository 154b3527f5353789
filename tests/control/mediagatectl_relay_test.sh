#!/usr/bin/env bash
# `mediagatectl relay ...` argument checks (control/ctl_relay.cc): every usage error
# exits 64 before any daemon is asked (the socket given does not exist, so a
# request would exit 2), and well-formed commands do go to the daemon (exit 2 here).
#   mediagatectl_relay_test.sh PATH_TO_MEDIAGATECTL
set -uo pipefail
ctl=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0 checks=0

# shellcheck source=expect.sh
. "$(dirname "$0")/expect.sh"

C=("$ctl" --socket "$tmp/nobody.sock")
usage='^mediagatectl: .*\(see mediagatectl --help\)$'

expect no-verb 64 /dev/null "$usage" -- "${C[@]}" relay
expect unknown-verb 64 /dev/null "unknown relay command 'show'" -- "${C[@]}" relay show
expect add-3-args 64 /dev/null 'want .relay add LOCAL_A PEER_A LOCAL_B PEER_B \[--latch\].' \
    -- "${C[@]}" relay add 192.0.2.1:20000 any 192.0.2.1:20002
expect add-5-args 64 /dev/null 'want .relay add' \
    -- "${C[@]}" relay add 192.0.2.1:20000 any 192.0.2.1:20002 any any
expect add-bad-option 64 /dev/null "unknown option '--latched'" \
    -- "${C[@]}" relay add 192.0.2.1:20000 any 192.0.2.1:20002 any --latched
expect add-local-any 64 /dev/null 'LOCAL_A: "any" is not allowed here' \
    -- "${C[@]}" relay add any any 192.0.2.1:20002 any
expect add-no-port 64 /dev/null 'PEER_A: expected ADDR:PORT, \[IPV6\]:PORT or "any", got "198.51.100.7"' \
    -- "${C[@]}" relay add 192.0.2.1:20000 198.51.100.7 192.0.2.1:20002 any
expect add-port-0 64 /dev/null 'LOCAL_B: port "0" is not in 1..65535' \
    -- "${C[@]}" relay add 192.0.2.1:20000 any 192.0.2.1:0 any
expect add-port-65536 64 /dev/null 'PEER_B: port "65536" is not in 1..65535' \
    -- "${C[@]}" relay add 192.0.2.1:20000 any 192.0.2.1:20002 198.51.100.7:65536
expect add-v6-no-brackets 64 /dev/null 'needs brackets' \
    -- "${C[@]}" relay add 2001:db8::1:20000 any 192.0.2.1:20002 any
expect add-bad-address 64 /dev/null 'invalid address "192.0.2.300"' \
    -- "${C[@]}" relay add 192.0.2.300:20000 any 192.0.2.1:20002 any
expect add-multicast 64 /dev/null 'is not a unicast address' \
    -- "${C[@]}" relay add 192.0.2.1:20000 224.0.0.1:5004 192.0.2.1:20002 any
expect add-same-locals 64 /dev/null 'LOCAL_A and LOCAL_B are the same' \
    -- "${C[@]}" relay add 192.0.2.1:20000 any 192.0.2.1:20000 any
expect del-no-id 64 /dev/null "want 'relay del ID'" -- "${C[@]}" relay del
expect del-bad-id 64 /dev/null "bad relay id 'abc'" -- "${C[@]}" relay del abc
expect del-zero 64 /dev/null "bad relay id '0'" -- "${C[@]}" relay del 0
expect del-negative 64 /dev/null "bad relay id '-5'" -- "${C[@]}" relay del -5
expect list-extra 64 /dev/null 'relay list takes no arguments' -- "${C[@]}" relay list all

# Well-formed: these go to the daemon, which is not running.
notrunning='^mediagatectl: the control daemon is not running \(no socket at '
expect add-ok-v6 2 /dev/null "$notrunning" \
    -- "${C[@]}" relay add '[2001:db8::1]:20000' any 192.0.2.1:20002 198.51.100.7:5004 --latch
expect add-latch-first 2 /dev/null "$notrunning" \
    -- "${C[@]}" relay add --latch 192.0.2.1:20000 any 192.0.2.1:20002 any
expect del-ok 2 /dev/null "$notrunning" -- "${C[@]}" relay del 17
expect list-ok 2 /dev/null "$notrunning" -- "${C[@]}" relay list
expect list-json-after 2 /dev/null "$notrunning" -- "${C[@]}" relay list --json
expect list-json-before 2 /dev/null "$notrunning" -- "${C[@]}" --json relay list

echo "$checks checks, $failures failed"
[ "$failures" = 0 ]
