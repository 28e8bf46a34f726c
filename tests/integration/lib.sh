# lib.sh - sourced by integration tests.
set -euo pipefail
: "${JEOS:?JEOS must point at build/jeos}"
: "${JEOS_SRC:?}"
T=$(mktemp -d /tmp/jeos-it.XXXXXX)
trap 'rm -rf "$T"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

# expect_fail CODE REGEX cmd...: the command must exit CODE and its stderr match REGEX.
expect_fail() {
	local code=$1 re=$2; shift 2
	local rc=0
	"$@" >"$T/out" 2>"$T/err" || rc=$?
	[ "$rc" = "$code" ] || { cat "$T/err" >&2; fail "expected exit $code, got $rc: $*"; }
	grep -Eq -- "$re" "$T/err" || { cat "$T/err" >&2; fail "stderr does not match /$re/: $*"; }
}
