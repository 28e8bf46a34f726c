# jeos build failure paths: each has its clear error, a non-zero exit and
# leaves nothing under a final name (and no scratch directory).
. "$(dirname "$0")/lib.sh"

variant() { # variant NAME: a copy of recipes/demo to break
	cp -a "$JEOS_SRC/recipes/demo" "$T/$1"
	rm -f "$T/$1"/*.lock # a lock would pin the very set the variant breaks
	echo "$T/$1"
}

# a package no repository has: fails while resolving
r=$(variant missing)
sed -i 's|<package name="systemd-sysv"/>|<package name="systemd-sysvv"/>|' "$r/config.xml"
expect_fail 1 "unknown package 'systemd-sysvv'.*did you mean 'systemd-sysv'" \
	"$JEOS" build --cache "$CACHE" "$r" -o "$T/out-missing"
no_outputs "$T/out-missing"
grep -q 'resolving and fetching packages' "$T/err" || fail "no progress line outside CI"
# in CI (CI set, stderr not a terminal) only the error is printed
CI=true expect_fail 1 "unknown package 'systemd-sysvv'" \
	"$JEOS" build --cache "$CACHE" "$r" -o "$T/out-missing"
grep -q 'resolving and fetching packages' "$T/err" && fail "progress lines in CI"

# a disk too small for the content: fails before any guest starts
r=$(variant small)
sed -i 's|<bootloader |<size unit="M">100</size><bootloader |' "$r/config.xml"
expect_fail 2 "config.xml:[0-9]+: error: <size> is 100.0 MiB but the packages alone need" \
	"$JEOS" build --cache "$CACHE" "$r" -o "$T/out-small"
no_outputs "$T/out-small"

# config.sh exits 1: the build fails with the script's own output
r=$(variant script)
printf '#!/bin/sh\necho "config.sh says: cannot go on" >&2\nexit 1\n' > "$r/config.sh"
expect_fail 1 "config.sh failed" "$JEOS" build --cache "$CACHE" "$r" -o "$T/out-script"
grep -q 'config.sh says: cannot go on' "$T/err" || fail "the script's output is missing"
no_outputs "$T/out-script"

# an interrupted build: killed once the guest works on the image
r=$(variant killed)
"$JEOS" build --cache "$CACHE" "$r" -o "$T/out-killed" > "$T/killed.out" 2> "$T/killed.err" &
pid=$!
for _ in $(seq 600); do
	grep -q '\[2/5\]' "$T/killed.err" && break
	kill -0 $pid 2>/dev/null || break
	sleep 0.5
done
grep -q '\[2/5\]' "$T/killed.err" || { cat "$T/killed.err"; fail "the build never reached setup"; }
kill -TERM $pid
rc=0; wait $pid || rc=$?
[ $rc -ne 0 ] || fail "an interrupted build exited 0"
sleep 1
no_outputs "$T/out-killed"
