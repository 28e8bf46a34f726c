# lib.sh - sourced by integration tests.
set -euo pipefail
: "${JEOS:?JEOS must point at build/jeos}"
: "${JEOS_SRC:?}"
# jeos stays quiet when CI is set and stderr is not a terminal; the tests
# read its progress and information lines, so they run it as a user would.
# (test-62 checks the quiet mode itself.) Nothing else is forced: no locale,
# no accelerator; jeos must cope with the environment it is given.
unset CI
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

# local_recipe DIR REPO PACKAGE...: DIR/config.xml, a recipe named "local"
# that installs PACKAGEs from the signed repository make-repo.sh built in REPO
local_recipe() {
	local dir=$1 repo=$2 p; shift 2
	mkdir -p "$dir"
	{
	cat <<XML
<?xml version="1.0"?>
<image schemaversion="7.5" name="local">
<description type="system"><author>t</author><contact>t</contact><specification>t</specification></description>
<preferences><type image="oem" format="raw"/></preferences>
<repository type="apt-deb" alias="local" distribution="stable">
  <source path="file://$repo"><signing key="file://$repo/key/keyring.gpg"/></source>
</repository>
<packages type="image">
XML
	for p in "$@"; do echo "  <package name=\"$p\"/>"; done
	echo '</packages></image>'
	} > "$dir/config.xml"
}

# Builds share a package cache and the configured-root cache across test
# scripts and runs (as a user's ~/.cache/jeos would), so only the first
# build of a package set pays for dpkg in the guest.
CACHE=${JEOS_TEST_CACHE:-/var/tmp/jeos-test-cache}

# guestfs_accel: LIBGUESTFS_BACKEND_SETTINGS for libguestfs's own tools
# (guestfish, virt-v2v), which do not probe KVM as jeos does and would
# hang or abort on a broken one: jeos's verdict, as `jeos doctor` tells a
# user, unless the caller set the variable.
guestfs_accel() {
	[ -n "${LIBGUESTFS_BACKEND_SETTINGS:-}" ] && { echo "$LIBGUESTFS_BACKEND_SETTINGS"; return; }
	echo "force_$("$JEOS" doctor --print-accel 2>/dev/null || echo tcg)"
}

# inspect IMAGE [ROOT]: guestfish on a built image, read-only (libguestfs,
# never a host mount), with ROOT (default /dev/sda1) mounted at /
inspect() {
	LIBGUESTFS_BACKEND_SETTINGS=$(guestfs_accel) guestfish --ro -a "$1" -m "${2:-/dev/sda1}"
}

# no_outputs DIR: nothing under a final name, no scratch directory left
no_outputs() {
	local left
	left=$(ls -A "$1" 2>/dev/null || true)
	[ -z "$left" ] || fail "left in $1: $left"
}

# section NAME: the lines between "--NAME" and the next "--" marker in
# $T/inspect (the output of inspect with `echo --NAME` markers)
section() { sed -n "/^--$1\$/,/^--/p" "$T/inspect" | sed '1d;$d' | sed '/^$/d'; }

# v2v_expect OVA TEXT...: virt-v2v (the importer of KVM platforms) reads the
# OVA, and its --print-source report holds each TEXT
v2v_expect() {
	local ova=$1 text; shift
	LIBGUESTFS_BACKEND_SETTINGS=$(guestfs_accel) virt-v2v -i ova "$ova" -o null --print-source \
		> "$T/v2v" 2>&1 || { cat "$T/v2v"; fail "virt-v2v cannot read $ova"; }
	for text in "$@"; do
		grep -qF -- "$text" "$T/v2v" || { cat "$T/v2v"; fail "virt-v2v did not report: $text"; }
	done
}
