# jeos lock against a local signed repository this test builds: the lock
# pins the package set while the repository moves on, --update moves with
# it, and a tampered lock, a stale lock or a locked package nobody has any
# more fail clearly.
. "$(dirname "$0")/lib.sh"

repo=$T/repo cache=$T/cache
mkrepo() { bash "$JEOS_SRC/tests/integration/make-repo.sh" "$@" >/dev/null; }
sha() { sha256sum < "$1" | cut -d' ' -f1; }
mkrepo "$repo" \
	'base-files 12; Priority: required; Essential: yes' \
	'libfoo1 1.0; Priority: optional' \
	'foo 2.0; Depends: libfoo1 (>= 1.0)' \
	'bar 1.0' \
	'apt 2.6; Priority: important'
local_recipe "$T/r" "$repo" foo
lock=$T/r/local.lock
deb20=$repo/pool/main/f/foo/foo_2.0_amd64.deb
inrelease1=$(sha "$repo/dists/stable/InRelease")

# jeos lock writes NAME.lock beside the recipe
"$JEOS" lock --cache "$cache" "$T/r" > "$T/out"
grep -q "^wrote $lock: 4 packages, " "$T/out" || { cat "$T/out"; fail "no summary line"; }
head -n 1 "$lock" | grep -qx '# jeos lock 1' || fail "no format header"
grep -qx "repo local stable $inrelease1" "$lock" || fail "no repo line with the InRelease hash"
[ "$(grep '^pkg ' "$lock" | cut -d' ' -f2 | xargs)" = "apt base-files foo libfoo1" ] ||
	fail "packages missing or not sorted by name"
grep -qx "pkg foo 2.0 amd64 $(sha "$deb20") local pool/main/f/foo/foo_2.0_amd64.deb $(stat -c %s "$deb20")" \
	"$lock" || { cat "$lock"; fail "wrong line for foo"; }
# nothing time- or host-dependent: another run with another cache, same bytes
cp "$lock" "$T/lock.1"
"$JEOS" lock --update --cache "$T/cache-other" "$T/r" >/dev/null
cmp "$lock" "$T/lock.1" || fail "the lock changed on a rewrite"
# an existing lock is verified, not rewritten
"$JEOS" lock --cache "$cache" "$T/r" > "$T/out"
grep -q "^verified $lock: 4 packages, " "$T/out" || { cat "$T/out"; fail "not verified"; }

# the repository gains foo 2.1 (foo 2.0 stays in its pool and index)
mkrepo -k "$repo/key/gnupg" "$repo" 'foo 2.1; Depends: libfoo1 (>= 1.0)'
"$JEOS" resolve --cache "$cache" "$T/r" | grep -qx 'foo 2.1 amd64' || fail "no foo 2.1 without the lock"
# the locked resolution keeps foo 2.0, fetched by its hash, and warns that
# the repository moved on
"$JEOS" resolve --lock "$lock" --download --cache "$T/cache2" "$T/r" > "$T/out" 2> "$T/err"
grep -qx 'foo 2.0 amd64' "$T/out" || { cat "$T/out"; fail "the lock did not keep foo 2.0"; }
grep -q '^fetched 4 packages, 0 from the cache' "$T/out" || { cat "$T/out"; fail "expected 4 downloads"; }
[ -f "$T/cache2/by-sha256/$(sha "$deb20")" ] || fail "foo 2.0 is not in the cache under its hash"
grep -q 'warning: repository local: its InRelease changed' "$T/err" || { cat "$T/err"; fail "no warning"; }

# --update moves to foo 2.1: the diff is that line and the InRelease hash
"$JEOS" lock --update --cache "$cache" "$T/r" > "$T/out"
grep -q "^wrote $lock: 4 packages" "$T/out" || fail "not rewritten"
deb21=$repo/pool/main/f/foo/foo_2.1_amd64.deb
diff --unchanged-line-format= --old-line-format='-%L' --new-line-format='+%L' \
	"$T/lock.1" "$lock" > "$T/diff" || true
diff -u - "$T/diff" <<EOF || fail "unexpected lock diff"
-repo local stable $inrelease1
+repo local stable $(sha "$repo/dists/stable/InRelease")
-pkg foo 2.0 amd64 $(sha "$deb20") local pool/main/f/foo/foo_2.0_amd64.deb $(stat -c %s "$deb20")
+pkg foo 2.1 amd64 $(sha "$deb21") local pool/main/f/foo/foo_2.1_amd64.deb $(stat -c %s "$deb21")
EOF

# a tampered lock entry: one hex digit of foo's SHA-256 changed
good=$(sha "$deb20")
bad=$([ "${good:0:1}" = 0 ] && echo 1 || echo 0)${good:1}
sed "/^pkg foo /s/ $good / $bad /" "$T/lock.1" > "$T/tampered.lock"
expect_fail 1 "tampered.lock:[0-9]+: error: foo 2.0 \(amd64\): the lock says SHA-256 $bad, repository local's index says $good" \
	"$JEOS" resolve --lock "$T/tampered.lock" --cache "$cache" "$T/r"

# the recipe asks for more than was locked: the lock is refused, not used
local_recipe "$T/r2" "$repo" foo bar
cp "$T/lock.1" "$T/r2/local.lock"
expect_fail 2 "local.lock: error: out of date: .*jeos lock --update" \
	"$JEOS" resolve --lock "$T/r2/local.lock" --cache "$cache" "$T/r2"

# a damaged lock names the line and what was expected
sed '7s/^pkg \([^ ]*\) [^ ]*/pkg \1/' "$T/lock.1" > "$T/short.lock"
expect_fail 2 "short.lock:7: error: expected 'pkg NAME VERSION ARCH SHA256 ALIAS FILENAME SIZE'" \
	"$JEOS" resolve --lock "$T/short.lock" --cache "$cache" "$T/r"
expect_fail 2 "cannot read lock file" "$JEOS" resolve --lock "$T/none.lock" --cache "$cache" "$T/r"
expect_fail 2 "--update is an option of jeos lock" "$JEOS" resolve --update "$T/r"

# foo 2.0 leaves the repository: a cache that has it still serves the lock...
rm "$deb20"
mkrepo -k "$repo/key/gnupg" "$repo"
"$JEOS" resolve --lock "$T/lock.1" --download --cache "$T/cache2" "$T/r" > "$T/out" 2> "$T/err"
grep -qx 'foo 2.0 amd64' "$T/out" || fail "foo 2.0 not taken from the cache"
grep -q '^fetched 0 packages, 4 from the cache' "$T/out" || { cat "$T/out"; fail "expected no download"; }
grep -q 'foo 2.0: no longer in repository local, taken from the cache' "$T/err" || { cat "$T/err"; fail "no note"; }
# ...and without it the lock fails, naming the package and the way out
expect_fail 1 "lock.1:[0-9]+: error: foo 2.0 \(amd64\) is no longer in repository local, nor in the cache" \
	"$JEOS" resolve --lock "$T/lock.1" --cache "$T/cache3" "$T/r"
grep -q "run \`jeos lock --update $T/r/config.xml\`" "$T/err" || { cat "$T/err"; fail "no hint"; }
