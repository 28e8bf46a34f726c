# jeos resolve against a local signed repository this test builds:
# resolve, download, verify, cache; then every way it can go wrong.
. "$(dirname "$0")/lib.sh"

repo=$T/repo cache=$T/cache
bash "$JEOS_SRC/tests/integration/make-repo.sh" "$repo" \
	'base-files 12; Priority: required; Essential: yes' \
	'libfoo1 1.0; Priority: optional' \
	'foo 2.0; Depends: libfoo1 (>= 1.0); Recommends: bar' \
	'bar 1.0' \
	'apt 2.6; Priority: important' \
	'enemy 1.0; Conflicts: foo' >/dev/null

recipe() { local_recipe "$1" "$repo" "${@:2}"; } # recipe DIR PACKAGES...

recipe "$T/ok" foo
"$JEOS" resolve --cache "$cache" "$T/ok" > "$T/out"
grep -q '^4 packages, ' "$T/out" || fail "no summary line"
head -n -1 "$T/out" > "$T/set"
diff -u - "$T/set" <<'EOF2' || fail "wrong install set"
apt 2.6 amd64
base-files 12 amd64
foo 2.0 amd64
libfoo1 1.0 amd64
EOF2
# Recommends (bar) stay out; apt and Priority: required are the minbase

"$JEOS" resolve --download --cache "$cache" "$T/ok" > "$T/out"
grep -q 'fetched 4 packages, 0 from the cache' "$T/out" || { cat "$T/out"; fail "expected 4 packages fetched"; }
n=$(ls "$cache/by-sha256" | wc -l)
[ "$n" -ge 4 ] || fail "cache holds $n files"
for f in "$cache"/by-sha256/*; do
	[ "$(basename "$f")" = "$(sha256sum < "$f" | cut -d' ' -f1)" ] || fail "$f is not its own hash"
done
# the second run downloads no package
"$JEOS" resolve --download --cache "$cache" "$T/ok" > "$T/out2"
grep -q '^fetched 0 packages, 4 from the cache' "$T/out2" || { cat "$T/out2"; fail "second run downloaded packages"; }

# no file may sit in the cache under a final name that is not its hash
check_cache() {
	for f in "$cache"/by-sha256/*; do
		[ "$(basename "$f")" = "$(sha256sum < "$f" | cut -d' ' -f1)" ] || fail "bad cached file $f"
	done
}

# an unknown package, with a suggestion
recipe "$T/unknown" fooo
expect_fail 1 "unknown package 'fooo'.*foo" "$JEOS" resolve --cache "$cache" "$T/unknown"

# conflicting packages
recipe "$T/conflict" foo enemy
expect_fail 1 "enemy.*foo|foo.*enemy" "$JEOS" resolve --cache "$cache" "$T/conflict"

# a missing dependency
cp -a "$repo" "$T/broken"
bash "$JEOS_SRC/tests/integration/make-repo.sh" -k "$repo/key/gnupg" "$T/broken" 'needy 1.0; Depends: ghost' >/dev/null
sed -i "s#file://$repo#file://$T/broken#g" "$T/ok/config.xml"
recipe "$T/missing" needy
sed -i "s#file://$repo\"#file://$T/broken\"#" "$T/missing/config.xml"
expect_fail 1 "ghost" "$JEOS" resolve --cache "$cache" "$T/missing"

# a tampered Release: the signature no longer matches
cp -a "$repo" "$T/tampered"
sed -i 's/^Suite: .*/Suite: evil/' "$T/tampered/dists/stable/InRelease"
recipe "$T/t1" foo
sed -i "s#file://$repo\"#file://$T/tampered\"#" "$T/t1/config.xml"
expect_fail 1 "signature" "$JEOS" resolve --cache "$T/cache-t1" "$T/t1"

# a tampered .deb: its SHA256 no longer matches the index
cp -a "$repo" "$T/baddeb"
deb=$(ls "$T/baddeb"/pool/main/f/foo/*.deb)
printf 'X' | dd of="$deb" bs=1 seek=100 conv=notrunc status=none
recipe "$T/t2" foo
sed -i "s#file://$repo\"#file://$T/baddeb\"#" "$T/t2/config.xml"
expect_fail 1 "foo.*(SHA-?256|checksum|hash)" "$JEOS" resolve --download --cache "$T/cache-t2" "$T/t2"
cache=$T/cache-t2 check_cache
! ls "$T/cache-t2/by-sha256" 2>/dev/null | grep -q "$(sha256sum < "$deb" | cut -d' ' -f1)"

# a truncated Packages.xz (and no plain Packages to fall back on)
cp -a "$repo" "$T/trunc"
rm -f "$T/trunc/dists/stable/main/binary-amd64/Packages"
xz=$T/trunc/dists/stable/main/binary-amd64/Packages.xz
head -c 40 "$xz" > "$xz.part" && mv "$xz.part" "$xz"
recipe "$T/t3" foo
sed -i "s#file://$repo\"#file://$T/trunc\"#" "$T/t3/config.xml"
expect_fail 1 "Packages" "$JEOS" resolve --cache "$T/cache-t3" "$T/t3"
cache=$T/cache-t3 check_cache

# an unsigned repository is refused, and used with a warning when asked
cp -a "$repo" "$T/unsigned"
rm -f "$T/unsigned/dists/stable/InRelease" "$T/unsigned/dists/stable/Release.gpg"
recipe "$T/t4" foo
sed -i "s#file://$repo\"#file://$T/unsigned\"#" "$T/t4/config.xml"
expect_fail 1 "(unsigned|no valid OpenPGP signature|signature)" "$JEOS" resolve --cache "$T/cache-t4" "$T/t4"
sed -i 's/alias="local"/alias="local" repository_gpgcheck="false"/' "$T/t4/config.xml"
"$JEOS" resolve --cache "$T/cache-t4" "$T/t4" > "$T/out4" 2> "$T/err4"
grep -q 'warning' "$T/err4" || fail "no warning for an unchecked repository"
grep -q '^foo 2.0' "$T/out4"
