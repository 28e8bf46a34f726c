# jeos resolve recipes/minimal (Debian 13) against the real Debian archive (the host's
# mirror) installs exactly what mmdebstrap --variant=minbase installs with
# the same extra packages.
. "$(dirname "$0")/lib.sh"

command -v mmdebstrap >/dev/null || fail "mmdebstrap is not installed (make deps)"
mirror=$(awk '$1=="URIs:" && $2 ~ /\/debian$/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
[ -n "$mirror" ] || mirror=$(awk '$1=="deb" && $2 ~ /\/debian\/?$/ {print $2; exit}' /etc/apt/sources.list)
[ -n "$mirror" ] || { echo "no Debian mirror in the host's apt sources"; exit 77; }
security=$(awk '$1=="URIs:" && $2 ~ /\/debian-security$/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
[ -n "$security" ] || { echo "no debian-security mirror in the host's apt sources"; exit 77; }
# the suites recipes/minimal builds from (trixie, -updates, -security)
suite=$(sed -n 's/.*distribution="\([a-z]*\)".*/\1/p' "$JEOS_SRC/recipes/minimal/config.xml" | head -1)

"$JEOS" resolve --cache "$T/cache" "$JEOS_SRC/recipes/minimal" > "$T/jeos.out"
head -n -1 "$T/jeos.out" | awk '{print $1}' | sort > "$T/jeos.names"
extra=$(sed -n 's/.*<package name="\([^"]*\)".*/\1/p' "$JEOS_SRC/recipes/minimal/config.xml" | paste -sd,)

mmdebstrap --verbose --variant=minbase --include="$extra" --simulate \
	"$suite" /dev/null "deb $mirror $suite main" "deb $mirror $suite-updates main" \
	"deb $security $suite-security main" > "$T/mm.out" 2>&1 ||
	{ tail -20 "$T/mm.out"; fail "mmdebstrap --simulate failed"; }
grep -E '^Inst ' "$T/mm.out" | awk '{print $2}' | sort -u > "$T/mm.names"
[ "$(wc -l < "$T/mm.names")" -gt 50 ] || fail "mmdebstrap listed too few packages"
diff -u "$T/mm.names" "$T/jeos.names" || fail "jeos and mmdebstrap minbase differ"
echo "same $(wc -l < "$T/jeos.names") packages as mmdebstrap minbase + $extra"
