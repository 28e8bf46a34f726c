# File names are bytes: a name that is not UTF-8 and one that is reach the
# image exactly as a package, the recipe's root/ and an <archive> hold
# them, whatever the host's locale: recipes/minimal plus a local package,
# built once with LC_ALL=C and once with no LANG or LC_* set at all.
. "$(dirname "$0")/lib.sh"

cafe=$(printf 'caf\351')                                  # Latin-1
cert=$(printf 'NetLock_F\305\221tan\303\272s\303\255tv\303\241ny.crt') # UTF-8
repo=$T/repo r=$T/r

# names_deb VERSION: the package "names" with both names and a symlink to
# the first, in the repository's pool
names_deb() {
	local s=$T/names-$1
	mkdir -p "$s/DEBIAN" "$s/usr/share/names" "$repo/pool/main/n/names"
	printf 'Package: names\nVersion: %s\nArchitecture: all\nMaintainer: t <t@t>\nDescription: names\n' \
		"$1" > "$s/DEBIAN/control"
	echo latin1 > "$s/usr/share/names/$cafe"
	echo utf8 > "$s/usr/share/names/$cert"
	ln -s "$cafe" "$s/usr/share/names/link"
	dpkg-deb --root-owner-group --build "$s" "$repo/pool/main/n/names/names_$1_all.deb" >/dev/null
}

# the same three in root/ and in a pax archive (GNU tar writes the names
# as bytes, without hdrcharset)
mkdir -p "$r/root/etc/names" "$T/arch/opt/names"
for d in "$r/root/etc/names" "$T/arch/opt/names"; do
	echo latin1 > "$d/$cafe"
	echo utf8 > "$d/$cert"
	ln -s "$cafe" "$d/link"
done
tar --format=pax --owner=0 --group=0 -cf "$r/names.tar" -C "$T/arch" ./opt
sed -e 's|<packages type="image">|<repository type="apt-deb" alias="local" distribution="stable">'"<source path=\"file://$repo\"><signing key=\"file://$repo/key/keyring.gpg\"/></source></repository>"'&<package name="names"/><archive name="names.tar" target_dir="/"/>|' \
	"$JEOS_SRC/recipes/minimal/config.xml" > "$r/config.xml"
grep -q '<package name="names"/>' "$r/config.xml" || fail "the recipe was not extended"

# check_names RAW DIR: DIR in the image holds both names and the link, byte
# for byte
check_names() {
	printf '/%s\0' "$cafe" "$cert" link | sort -z > "$T/want" # find0 starts each with /
	inspect "$1" > "$T/inspect" <<EOF
find0 $2 $T/found
readlink $2/link
cat "$2/$cafe"
EOF
	sort -z "$T/found" | cmp -s - "$T/want" ||
		fail "$2 holds $(tr '\0' ' ' < "$T/found" | od -c | head -3)"
	printf '%s\nlatin1\n\n' "$cafe" | cmp -s - "$T/inspect" || # cat adds a line
		fail "$2/link or $2/$cafe: $(od -c "$T/inspect" | head -3)"
}

# build VERSION ENV...: names VERSION (a new package set each time, so the
# rootfs tar is written again) built with jeos run under env ENV
build() {
	local v=$1 out=$T/out-$1; shift
	rm -rf "$repo/pool/main/n/names" "$r"/*.lock
	names_deb "$v"
	bash "$JEOS_SRC/tests/integration/make-repo.sh" "$repo" 'names-base 1' >/dev/null
	env "$@" "$JEOS" build --format raw --cache "$CACHE" "$r" -o "$out" \
		> "$T/stdout" 2> "$T/stderr" || { cat "$T/stderr"; fail "jeos build ($*) failed"; }
	raw=$(ls "$out"/*.raw)
	check_names "$raw" /usr/share/names
	check_names "$raw" /etc/names
	check_names "$raw" /opt/names
	inspect "$raw" <<<"download /var/lib/dpkg/info/names.list $T/names.list"
	grep -qxF "/usr/share/names/$cafe" "$T/names.list" || fail "dpkg's list lacks $cafe"
	grep -qxF "/usr/share/names/$cert" "$T/names.list" || fail "dpkg's list lacks $cert"
	echo "names byte for byte ($*)"
}

build 1 LC_ALL=C
unset_all=(-u LANG -u LANGUAGE)
for v in $(env | sed -n 's/^\(LC_[A-Z_]*\)=.*/\1/p'); do unset_all+=(-u "$v"); done
build 2 "${unset_all[@]}"
