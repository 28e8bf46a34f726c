#!/bin/bash
# make-repo.sh - build (or extend) a small signed apt repository for tests.
#
#   make-repo.sh [options] DIR [PKG...]
#
# PKG is one package: "name version" and optional control fields after
# semicolons, e.g.  'foo 1.0-1; Depends: bar (>= 2), libc6; Priority: required'
#   -f SPEC    read more PKG lines from SPEC (blank lines and # comments skipped)
#   -d DIST    distribution (default stable)
#   -c COMP    component the new packages go to (default main)
#   -a ARCHS   architectures to index, space separated (default amd64); the
#              first is the Architecture of packages that do not set one
#   -z FORMS   index files to publish: any of "plain xz gz" (default
#              "plain xz"); Release always lists the plain Packages hash, as
#              Debian's does, even when the plain file is not published
#   -k HOME    sign with the key in this GnuPG home (default DIR/key/gnupg,
#              created with a fresh throwaway key when missing)
#   -V DATE    add "Valid-Until: DATE" (RFC 2822) to Release
#   -D         sign with a detached Release.gpg only (no InRelease)
#   -U         leave the repository unsigned (no InRelease, no Release.gpg)
#
# Running it again on the same DIR adds packages and re-indexes and re-signs
# everything in DIR/pool. Result:
#   DIR/pool/COMP/x/name/name_version_arch.deb
#   DIR/dists/DIST/{Release,InRelease,Release.gpg}
#   DIR/dists/DIST/COMP/binary-ARCH/Packages{,.xz,.gz}
#   DIR/key/keyring.gpg (binary) and DIR/key/keyring.asc (armored): the
#   public key of HOME, to use as signing_key (not written with -U).
# Each .deb holds /usr/share/doc/NAME/README ("NAME VERSION").
set -euo pipefail

usage() { sed -n '2,/^set -e/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//' >&2; exit 2; }

dist=stable comp=main archs=amd64 forms="plain xz" home= valid_until= sign=inline
specs=()
while getopts f:d:c:a:z:k:V:DUh opt; do
	case $opt in
	f) while IFS= read -r line; do
		[[ $line =~ ^[[:space:]]*(#|$) ]] || specs+=("$line")
	   done <"$OPTARG" ;;
	d) dist=$OPTARG ;;
	c) comp=$OPTARG ;;
	a) archs=$OPTARG ;;
	z) forms=$OPTARG ;;
	k) home=$OPTARG ;;
	V) valid_until=$OPTARG ;;
	D) sign=detached ;;
	U) sign=none ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || usage
dir=$1; shift
specs+=("$@")
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
default_arch=${archs%% *}
# Fixed timestamps so the same spec always gives the same bytes.
export SOURCE_DATE_EPOCH=1700000000

trim() { local s=$1; s=${s#"${s%%[![:space:]]*}"}; printf '%s' "${s%"${s##*[![:space:]]}"}"; }

build_deb() {
	local spec=$1 head fields name version arch stage field
	head=$(trim "${spec%%;*}")
	fields=; [[ $spec == *";"* ]] && fields=${spec#*;}
	read -r name version <<<"$head"
	[ -n "$name" ] && [ -n "$version" ] || { echo "make-repo.sh: bad package spec: $spec" >&2; exit 2; }
	arch=$default_arch
	stage=$(mktemp -d)
	mkdir -p "$stage/DEBIAN" "$stage/usr/share/doc/$name"
	printf '%s %s\n' "$name" "$version" >"$stage/usr/share/doc/$name/README"
	{
		printf 'Package: %s\nVersion: %s\n' "$name" "$version"
		local IFS=';'
		for field in $fields; do
			field=$(trim "$field")
			[ -z "$field" ] && continue
			case ${field%%:*} in
			Architecture) arch=$(trim "${field#*:}") ;;
			*) printf '%s\n' "$field" ;;
			esac
		done
		printf 'Architecture: %s\nMaintainer: jeos tests <t@t>\n' "$arch"
		printf 'Description: test package %s\n' "$name"
	} >"$stage/DEBIAN/control"
	find "$stage" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
	local pool="pool/$comp/${name:0:1}/$name"
	mkdir -p "$dir/$pool"
	dpkg-deb --build --root-owner-group -Zxz "$stage" \
		"$dir/$pool/${name}_${version#*:}_$arch.deb" >/dev/null
	rm -rf "$stage"
}

for spec in ${specs[@]+"${specs[@]}"}; do
	build_deb "$spec"
done

# Indexes for every component in the pool and every architecture.
d=$dir/dists/$dist
comps=$(cd "$dir/pool" 2>/dev/null && ls -d -- */ 2>/dev/null | tr -d / | xargs) || true
[ -n "$comps" ] || comps=$comp
for c in $comps; do
	for a in $archs; do
		out=$d/$c/binary-$a
		mkdir -p "$out"
		rm -f "$out"/Packages*
		if [ -d "$dir/pool/$c" ]; then
			(cd "$dir" && dpkg-scanpackages -m -a "$a" "pool/$c" /dev/null 2>/dev/null) >"$out/Packages"
		else
			: >"$out/Packages"
		fi
		for f in $forms; do
			case $f in
			xz) xz -9 -k -c "$out/Packages" >"$out/Packages.xz" ;;
			gz) gzip -9 -n -c "$out/Packages" >"$out/Packages.gz" ;;
			plain) ;;
			*) echo "make-repo.sh: unknown index form $f" >&2; exit 2 ;;
			esac
		done
		# Keep the plain file only long enough to hash it for Release.
		[[ " $forms " == *" plain "* ]] || mv "$out/Packages" "$out/.Packages.unpublished"
	done
done

rm -f "$d/Release" "$d/InRelease" "$d/Release.gpg"
{
	printf 'Origin: jeos-test\nLabel: jeos-test\nSuite: %s\nCodename: %s\n' "$dist" "$dist"
	printf 'Date: %s\n' "$(LC_ALL=C date -u -d "@$SOURCE_DATE_EPOCH" '+%a, %d %b %Y %H:%M:%S UTC')"
	[ -n "$valid_until" ] && printf 'Valid-Until: %s\n' "$valid_until"
	printf 'Architectures: %s\nComponents: %s\n' "$archs" "$comps"
	printf 'SHA256:\n'
	(cd "$d" && find . -type f -name '*Packages*' | sed 's|^\./||' | sort | while read -r f; do
		name=${f/.Packages.unpublished/Packages}
		printf ' %s %16s %s\n' "$(sha256sum <"$f" | cut -d' ' -f1)" "$(stat -c %s "$f")" "$name"
	done)
} >"$d/Release"
find "$d" -name .Packages.unpublished -delete

[ "$sign" = none ] && exit 0
[ -n "$home" ] || home=$dir/key/gnupg
gpg=(gpg --batch --quiet --homedir "$home" --pinentry-mode loopback --passphrase '')
if [ ! -d "$home" ]; then
	mkdir -p -m 700 "$home"
	"${gpg[@]}" --quick-gen-key 'jeos test <t@t>' ed25519 sign never 2>/dev/null
fi
mkdir -p "$dir/key"
"${gpg[@]}" --export >"$dir/key/keyring.gpg"
"${gpg[@]}" --export --armor >"$dir/key/keyring.asc"
case $sign in
inline) "${gpg[@]}" --yes --clearsign -o "$d/InRelease" "$d/Release" ;;
detached) "${gpg[@]}" --yes --armor --detach-sign -o "$d/Release.gpg" "$d/Release" ;;
esac
# Signing started an agent for this home: do not leave it running.
gpgconf --homedir "$home" --kill gpg-agent 2>/dev/null || true
