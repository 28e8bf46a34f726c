# File names are bytes: a name that is not UTF-8 and one that is reach the
# image exactly as a package, the recipe's root/ and an <archive> hold
# them, whatever the host's locale: recipes/minimal plus a local package,
# built once with LC_ALL=C and once with no LANG or LC_* set at all.
. "$(dirname "$0")/lib.sh"

cafe=$(printf 'caf\351')                                  # Latin-1
cert=$(printf 'NetLock_F\305\221tan\303\272s\303\255tv\303\241ny.crt') # UTF-8
repo=$T/repo r=$T/r

# the package "names": both names and a symlink to the first
s=$T/names
mkdir -p "$s/DEBIAN" "$s/usr/share/names" "$repo/pool/main/n/names"
printf 'Package: names\nVersion: 1\nArchitecture: all\nMaintainer: t <t@t>\nDescription: names\n' \
	> "$s/DEBIAN/control"
echo latin1 > "$s/usr/share/names/$cafe"
echo utf8 > "$s/usr/share/names/$cert"
ln -s "$cafe" "$s/usr/share/names/link"
dpkg-deb --root-owner-group --build "$s" "$repo/pool/main/n/names/names_1_all.deb" >/dev/null
bash "$JEOS_SRC/tests/integration/make-repo.sh" "$repo" 'names-base 1' >/dev/null

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

# check_names DIR: DIR in the image holds both names and the link, byte
# for byte (in $T/inspect, the output of inspect with `echo --ID` markers,
# and $T/found-ID, find0's list; ID is DIR with _ for /)
check_names() {
	local id=${1//\//_}
	local f=$T/found-$id
	printf '/%s\0' "$cafe" "$cert" link | sort -z > "$T/want" # find0 starts each with /
	sort -z "$f" | cmp -s - "$T/want" || fail "$1 holds $(tr '\0' ' ' < "$f" | od -c | head -3)"
	section "$id" > "$T/got"
	printf '%s\nlatin1\n' "$cafe" | cmp -s - "$T/got" ||
		fail "$1/link or $1/$cafe: $(od -c "$T/got" | head -3)"
}

# build ENV...: the recipe built with jeos run under env ENV, checked
build() {
	local out=$T/out-$#
	env "$@" "$JEOS" build --format raw --cache "$CACHE" "$r" -o "$out" \
		> "$T/stdout" 2> "$T/stderr" || { cat "$T/stderr"; fail "jeos build ($*) failed"; }
	for d in /usr/share/names /etc/names /opt/names; do
		printf 'echo --%s\nfind0 %s %s\nreadlink %s/link\ncat "%s/%s"\n' \
			"${d//\//_}" "$d" "$T/found-${d//\//_}" "$d" "$d" "$cafe"
	done > "$T/gf"
	echo "echo --" >> "$T/gf"
	echo "download /var/lib/dpkg/info/names.list $T/names.list" >> "$T/gf"
	inspect "$(ls "$out"/*.raw)" < "$T/gf" > "$T/inspect"
	for d in /usr/share/names /etc/names /opt/names; do check_names "$d"; done
	grep -qxF "/usr/share/names/$cafe" "$T/names.list" || fail "dpkg's list lacks $cafe"
	grep -qxF "/usr/share/names/$cert" "$T/names.list" || fail "dpkg's list lacks $cert"
	echo "names byte for byte ($*)"
}

# The second build finds the configured root of the first in the cache (as
# every build does once the set has been built): the package's names come
# through the rootfs tar and the guest's tar when a cache first makes the
# set; root/ and the archive are tarred and unpacked by each build.
build LC_ALL=C
unset_all=(-u LANG -u LANGUAGE)
for v in $(env | sed -n 's/^\(LC_[A-Z_]*\)=.*/\1/p'); do unset_all+=(-u "$v"); done
build "${unset_all[@]}"
