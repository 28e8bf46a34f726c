# make deb: the Debian package builds from the tree (dpkg-buildpackage,
# debhelper), lintian finds no error in it, apt can install it on a Debian
# 12 with nothing installed, and the jeos it holds runs from where it is
# unpacked and finds the data it carries. About 2 minutes: it compiles jeos
# afresh.
. "$(dirname "$0")/lib.sh"

command -v dpkg-buildpackage > /dev/null && command -v dh > /dev/null ||
	{ echo "dpkg-buildpackage or debhelper missing (make deps installs them)"; exit 77; }

version=$(dpkg-parsechangelog -l "$JEOS_SRC/debian/changelog" -S Version)
make -s -C "$JEOS_SRC" deb BUILD="$T/build" > "$T/make.log" 2>&1 || { tail -n 40 "$T/make.log"; fail "make deb"; }
deb=$T/build/deb/jeos_${version}_amd64.deb
[ -f "$deb" ] || { ls "$T/build/deb"; fail "no $deb"; }
echo "$(basename "$deb"): $(stat -c %s "$deb") bytes"
# nothing of the package build left in the tree
[ -z "$(git -C "$JEOS_SRC" status --porcelain --ignored debian 2>/dev/null)" ] || fail "make deb left files in debian/"

# lintian: no error (make deb checks it too; this shows what it says)
lintian --fail-on error "$deb" > "$T/lintian" 2>&1 || { cat "$T/lintian"; fail "lintian errors"; }
cat "$T/lintian"

# Depends: the libraries it links (shlibs) and every program jeos runs
depends=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $depends"
for p in libguestfs0 libsolv1 libxml2 libext2fs2 libguestfs-tools qemu-utils qemu-system-x86 gpgv gpg \
	mtools dosfstools e2fsprogs fdisk linux-image-amd64 ovmf debian-archive-keyring; do
	echo "$depends" | tr ',' '\n' | grep -Eq "^ *$p( |$)" || fail "Depends lacks $p"
done

# what it holds
dpkg-deb -c "$deb" | awk '{print $6}' > "$T/contents"
for f in ./usr/bin/jeos ./usr/share/man/man1/jeos.1.gz ./usr/share/man/man5/jeos-recipe.5.gz \
	./usr/share/bash-completion/completions/jeos ./usr/share/jeos/overlays/serial-console/ \
	./usr/share/jeos/kernel-configs/base-minimal.config ./usr/share/doc/jeos/copyright; do
	grep -qxF "$f" "$T/contents" || fail "the package lacks $f"
done

# apt installs it on a Debian 12 that has nothing installed yet (an empty
# dpkg status; the host's package lists are Debian 12's)
: > "$T/status"
apt-get -s -o Dir::State::status="$T/status" install "$deb" > "$T/apt" 2>&1 || { tail -n 20 "$T/apt"; fail "apt cannot install it"; }
grep -q "^Inst jeos ($version " "$T/apt" || { tail -n 20 "$T/apt"; fail "apt would not install jeos"; }
for p in libguestfs-tools qemu-system-x86 linux-image-amd64; do
	grep -q "^Inst $p " "$T/apt" || fail "apt would not bring $p"
done

# unpacked into a throwaway root: it runs, says its version, and finds
# the overlays and kernel-configs it carries, under that root
dpkg -x "$deb" "$T/root"
env -i PATH=/usr/bin:/bin HOME="$HOME" "$T/root/usr/bin/jeos" --version > "$T/version"
cat "$T/version"
grep -Eq "^jeos $version( \(git [0-9a-f]+(-dirty)?\))?$" "$T/version" || fail "--version: $(cat "$T/version")"
if rev=$(git -C "$JEOS_SRC" rev-parse --short HEAD 2>/dev/null); then
	grep -q "(git $rev" "$T/version" || fail "the package's jeos does not name revision $rev"
fi
env -i PATH=/usr/bin:/bin HOME="$HOME" "$T/root/usr/bin/jeos" doctor --accel tcg > "$T/doctor" ||
	{ cat "$T/doctor"; fail "doctor from the package"; }
grep -Eq "^overlays +$T/root/usr/share/jeos/overlays, 2 entries$" "$T/doctor" || fail "$(grep overlays "$T/doctor")"
grep -Eq "^kernel-configs +$T/root/usr/share/jeos/kernel-configs, [0-9]+ entries$" "$T/doctor" ||
	fail "$(grep kernel-configs "$T/doctor")"
zcat "$T/root/usr/share/man/man1/jeos.1.gz" | grep -q '/usr/share/jeos/overlays' || fail "jeos.1 names another data dir"
echo "jeos $version packaged: $(stat -c %s "$deb") bytes"
