# Shared by the mediagatectl test scripts (sourced, not run). Needs $tmp, and the
# counters `checks` and `failures` set to 0 by the caller.
#
# expect NAME WANT_STATUS WANT_STDOUT_FILE_OR_- WANT_STDERR_REGEX_OR_- -- CMD...
expect() {
    local name=$1 want_status=$2 want_out=$3 want_err=$4
    shift 5
    checks=$((checks + 1))
    "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
    local status=$?
    local ok=1
    [ "$status" = "$want_status" ] || { echo "FAIL $name: exit $status, want $want_status"; ok=0; }
    if [ "$want_out" != - ] && ! diff -u "$want_out" "$tmp/out"; then
        echo "FAIL $name: stdout differs"; ok=0
    fi
    if [ "$want_err" != - ] && ! grep -qE -- "$want_err" "$tmp/err"; then
        echo "FAIL $name: stderr does not match /$want_err/:"; cat "$tmp/err"; ok=0
    fi
    [ $ok = 1 ] && echo "ok   $name" || failures=$((failures + 1))
}
