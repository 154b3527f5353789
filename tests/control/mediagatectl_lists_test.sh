#!/usr/bin/env bash
# End-to-end checks of `mediagatectl lists ...` (control/ctl_lists.cc): exact output
# lines and the exit codes of DESIGN.md (0 ok, 1 invalid input, 64 usage).
#   mediagatectl_lists_test.sh PATH_TO_MEDIAGATECTL
set -uo pipefail
ctl=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0 checks=0

# shellcheck source=expect.sh
. "$(dirname "$0")/expect.sh"

cat >"$tmp/good.list" <<'LIST'
; a list with every line form
192.0.2.0/24
!192.0.2.128/25      ; exclude the upper half
192.0.2.200
  10.0.0.1 - 10.0.0.9
2001:db8::/32
!2001:db8::1
::ffff:198.51.100.0/120
LIST

printf '%s\n' "$tmp/good.list: ok: 8 lines, 4 IPv4 and 2 IPv6 ranges after exclusions" >"$tmp/want"
expect check-ok 0 "$tmp/want" - -- "$ctl" lists check "$tmp/good.list"

cat >"$tmp/want" <<'OUT'
10.0.0.1-10.0.0.9
192.0.2.0/25
192.0.2.200
198.51.100.0/24
2001:db8::
2001:db8::2-2001:db8:ffff:ffff:ffff:ffff:ffff:ffff
OUT
expect format 0 "$tmp/want" - -- "$ctl" lists format "$tmp/good.list"

# The canonical form is itself a list with the same content.
"$ctl" lists format "$tmp/good.list" >"$tmp/canon.list"
expect format-idempotent 0 "$tmp/canon.list" - -- "$ctl" lists format "$tmp/canon.list"

cat >"$tmp/want" <<'OUT'
192.0.2.1 in
192.0.2.127 in
192.0.2.128 out
192.0.2.200 in
10.0.0.0 out
10.0.0.9 in
::ffff:192.0.2.5 in
2001:db8::1 out
2001:db8::2 in
198.51.100.255 in
2001:db9:: out
OUT
expect match 0 "$tmp/want" - -- "$ctl" lists match "$tmp/good.list" 192.0.2.1 192.0.2.127 \
    192.0.2.128 192.0.2.200 10.0.0.0 10.0.0.9 ::ffff:192.0.2.5 2001:db8::1 2001:db8::2 \
    198.51.100.255 2001:db9::

printf '{"file":"%s","ok":true,"results":[{"address":"192.0.2.1","in":true},{"address":"10.0.0.0","in":false}]}\n' \
    "$tmp/good.list" >"$tmp/want"
expect match-json 0 "$tmp/want" - -- "$ctl" --json lists match "$tmp/good.list" 192.0.2.1 10.0.0.0

: >"$tmp/empty"
expect match-bad-addr 1 "$tmp/empty" "invalid address '192.0.2.300'" -- \
    "$ctl" lists match "$tmp/good.list" 192.0.2.1 192.0.2.300

# A long bad argument is echoed cut after 64 bytes, on one short line.
long=$(printf '1%.0s' $(seq 5000))
expect match-long-addr 1 "$tmp/empty" "^mediagatectl: invalid address '1{64}\.\.\.'$" -- \
    "$ctl" lists match "$tmp/good.list" "$long"
expect unknown-sub-long 64 - "^mediagatectl: lists: unknown subcommand 'x1{63}\.\.\.'$" -- \
    "$ctl" lists "x$long"

printf '192.0.2.1\n10.0.0.0/33\n\n1.2.3.4-1.2.3.1 ; reversed\n' >"$tmp/bad.list"
expect check-bad 1 "$tmp/empty" "^$tmp/bad.list:2:10: prefix length 33 out of range 1\.\.32" -- \
    "$ctl" lists check "$tmp/bad.list"
expect check-bad-second 1 - "^$tmp/bad.list:4:1: range first end '1\.2\.3\.4' is greater" -- \
    "$ctl" lists check "$tmp/bad.list"
expect format-bad 1 "$tmp/empty" "bad.list:2:10:" -- "$ctl" lists format "$tmp/bad.list"
expect match-bad-list 1 "$tmp/empty" "bad.list:2:10:" -- "$ctl" lists match "$tmp/bad.list" 1.2.3.4
expect check-json-bad 1 - - -- "$ctl" --json lists check "$tmp/bad.list"
grep -q '"line":2,"column":10' "$tmp/out" || { echo "FAIL check-json-bad: $(cat "$tmp/out")"; failures=$((failures + 1)); }

expect check-missing-file 1 "$tmp/empty" "$tmp/nope.list: cannot open: No such file" -- \
    "$ctl" lists check "$tmp/nope.list"
# What is not a regular file is an error (exit 1), never an abort or an endless read.
expect check-directory 1 "$tmp/empty" "^mediagatectl: $tmp: cannot read: not a regular file$" -- \
    "$ctl" lists check "$tmp"
expect format-device 1 "$tmp/empty" "/dev/zero: cannot read: not a regular file" -- \
    "$ctl" lists format /dev/zero
expect match-directory 1 "$tmp/empty" "$tmp: cannot read: not a regular file" -- \
    "$ctl" lists match "$tmp" 192.0.2.1
# A pipe is a file too (process substitution, a FIFO).
mkfifo "$tmp/fifo"
printf '192.0.2.0/24\n' >"$tmp/fifo" &
printf '%s\n' "$tmp/fifo: ok: 1 lines, 1 IPv4 and 0 IPv6 ranges after exclusions" >"$tmp/want"
expect check-fifo 0 "$tmp/want" - -- "$ctl" lists check "$tmp/fifo"
wait
printf '192.0.2.9\n' >"$tmp/stdin.list"
checks=$((checks + 1))
if [ "$("$ctl" lists match - 192.0.2.9 <"$tmp/stdin.list")" = "192.0.2.9 in" ]; then
    echo "ok   stdin"; else echo "FAIL stdin"; failures=$((failures + 1)); fi

expect usage-none 64 "$tmp/empty" "usage:" -- "$ctl"
expect usage-unknown-command 64 "$tmp/empty" "unknown command 'frobnicate'" -- "$ctl" frobnicate
expect usage-unknown-sub 64 "$tmp/empty" "unknown subcommand 'grok'" -- "$ctl" lists grok
expect usage-check-args 64 "$tmp/empty" "exactly one FILE" -- "$ctl" lists check
expect usage-match-args 64 "$tmp/empty" "at least one ADDR" -- "$ctl" lists match "$tmp/good.list"
expect usage-unknown-option 64 "$tmp/empty" "unknown option '--frob'" -- "$ctl" --frob lists check x
expect help 0 - - -- "$ctl" --help

echo "$checks checks, $failures failed"
[ "$failures" = 0 ]
