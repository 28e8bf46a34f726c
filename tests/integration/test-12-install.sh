# make install as a user does it: the installed jeos runs with nothing but
# PATH and HOME, on a recipe outside the tree, and finds its installed
# overlays and kernel configs (not the tree's); the man pages lint clean and
# list exactly the options each command's --help prints; the installed bash
# completion is found by bash-completion and completes commands, options,
# formats and the recipe's profiles; make uninstall removes it all.
. "$(dirname "$0")/lib.sh"

root=$T/root
make -s -C "$JEOS_SRC" install DESTDIR="$root"
prefix=$root/usr/local
jeos=$prefix/bin/jeos
run() { env -i PATH="$prefix/bin:/usr/bin:/bin" HOME="$HOME" "$@"; }

# what is installed: the binary, the data it reads, two pages, the completion
(cd "$root" && find . -type f | sort) > "$T/files"
for f in ./usr/local/bin/jeos ./usr/local/share/man/man1/jeos.1 ./usr/local/share/man/man5/jeos-recipe.5 \
	./usr/local/share/bash-completion/completions/jeos; do
	grep -qxF "$f" "$T/files" || fail "not installed: $f"
done
for d in overlays kernel-configs; do
	diff -r "$JEOS_SRC/$d" "$prefix/share/jeos/$d" || fail "$d installed differs from the tree's"
done
[ -x "$prefix/share/jeos/overlays/hardening/etc/profile.d/jeos-umask.sh" ] ||
	[ ! -x "$JEOS_SRC/overlays/hardening/etc/profile.d/jeos-umask.sh" ] || fail "an overlay lost its x bit"

# the version: debian/changelog's, and the revision when built from git
version=$(dpkg-parsechangelog -l "$JEOS_SRC/debian/changelog" -S Version)
run jeos --version > "$T/version"
cat "$T/version"
if rev=$(git -C "$JEOS_SRC" rev-parse --short HEAD 2>/dev/null); then
	grep -Eqx "jeos $version \(git $rev[0-9a-f]*(-dirty)?\)" "$T/version" || fail "--version: $(cat "$T/version")"
else
	grep -qx "jeos $version" "$T/version" || fail "--version: $(cat "$T/version")"
fi

# a recipe copied out of the tree, with an overlay
cp -r "$JEOS_SRC/recipes/minimal" "$T/recipe"
sed -i 's|</image>|<jeos:overlay name="serial-console"/></image>|' "$T/recipe/config.xml"
(cd "$T" && run jeos validate recipe) > "$T/summary" || fail "the installed jeos cannot validate"
grep -q '^name: *jeos-minimal' "$T/summary" || fail "summary: $(cat "$T/summary")"
grep -q '^overlay: *overlays/serial-console' "$T/summary" || fail "no overlay in the summary"

# the data it finds: the installed copies (jeos doctor names them), and no
# others: with the installed overlays gone, doctor says so
run jeos doctor --accel tcg > "$T/doctor" || { cat "$T/doctor"; fail "doctor with the installed jeos"; }
grep -Eq "^overlays +$prefix/share/jeos/overlays, 2 entries$" "$T/doctor" || fail "$(grep overlays "$T/doctor")"
grep -Eq "^kernel-configs +$prefix/share/jeos/kernel-configs, $(ls "$JEOS_SRC/kernel-configs"/*.config | wc -l) entries$" \
	"$T/doctor" || fail "$(grep kernel-configs "$T/doctor")"
mv "$prefix/share/jeos/overlays" "$T/overlays.moved"
expect_fail 1 "no overlays in $prefix/share/jeos/overlays: install jeos .* or set JEOS_OVERLAYS" run jeos doctor --accel tcg
# the environment variables still override
JEOS_OVERLAYS=$T/overlays.moved "$jeos" doctor --accel tcg | grep -q "^overlays .*$T/overlays.moved, 2 entries from \$JEOS_OVERLAYS" ||
	fail "JEOS_OVERLAYS is not obeyed"
mv "$T/overlays.moved" "$prefix/share/jeos/overlays"
expect_fail 1 "no kernel-configs in $T/nowhere, which .JEOS_KERNEL_CONFIGS names" \
	env JEOS_KERNEL_CONFIGS="$T/nowhere" "$jeos" doctor --accel tcg

# --- the man pages: lint clean, as man(1), mandoc and lintian read them ---
man1=$prefix/share/man/man1/jeos.1 man5=$prefix/share/man/man5/jeos-recipe.5
for page in "$man1" "$man5"; do
	out=$(groff -ww -z -man "$page" 2>&1) && [ -z "$out" ] || fail "groff: $out"
	out=$(mandoc -T lint "$page" 2>&1) && [ -z "$out" ] || fail "mandoc: $out"
	for width in 80 100 120; do # lintian renders at 80
		out=$(LC_ALL=C.UTF-8 MANWIDTH=$width man --warnings -E UTF-8 -l -Tutf8 -Z "$page" 2>&1 >/dev/null) &&
			[ -z "$out" ] || fail "man at $width columns: $out"
	done
done
grep -q "^\.TH JEOS 1 [0-9-]* \"jeos $version\"" "$man1" || fail "jeos.1 does not carry version $version"
MANWIDTH=200 man -l "$man1" 2>/dev/null | col -bx > "$T/jeos.1.txt"
grep -q "$prefix/share/jeos/overlays\|/usr/local/share/jeos/overlays" "$T/jeos.1.txt" || fail "FILES lacks the data dir"

# each command's options: "--long -x" or "--long", sorted, from its --help
# and from its section of jeos(1)
help_opts() { "$jeos" "$1" --help | sed -nE 's/^  (-[a-zA-Z]), (--[a-z-]+).*/\2 \1/p; s/^      (--[a-z-]+).*/\1/p' | sort; }
man_opts() {
	sed -En "/^   jeos $1\\b/,/^(   )?[^ ]/p" "$T/jeos.1.txt" | sed '1d' |
		sed -nE 's/^       (-[a-zA-Z]), (--[a-z-]+).*/\2 \1/p; s/^       (--[a-z-]+).*/\1/p' | sort
}
commands=$("$jeos" --help | sed -n '/^commands:/,/^$/s/^  \([a-z][a-z]*\) .*/\1/p')
[ "$(echo $commands)" = "validate resolve lock build kconfig boot convert inspect doctor" ] || fail "commands: $commands"
for c in $commands; do
	grep -q "^   jeos $c\\b" "$T/jeos.1.txt" || fail "jeos.1 has no section for $c"
	diff <(help_opts "$c") <(man_opts "$c") > "$T/diff" ||
		{ cat "$T/diff"; fail "jeos $c: --help (<) and jeos.1 (>) list other options"; }
done
help_opts build | grep -qx -- '--check-reproducible -R' || fail "the option parser of this test is broken"

# jeos-recipe(5)'s example recipe is one the installed jeos accepts
mkdir "$T/example"
MANWIDTH=80 man -l "$man5" 2>/dev/null | col -bx | sed -n '/^ *<?xml/,/^ *<\/image>/p' | sed 's/^ \{14\}//' \
	> "$T/example/config.xml"
run jeos validate "$T/example" > "$T/example.out" || { cat "$T/example/config.xml"; fail "the man page's example"; }
grep -q '^overlay: *overlays/serial-console' "$T/example.out" || fail "example: $(cat "$T/example.out")"

# --- bash completion, as bash-completion loads it from the installed tree ---
# (it searches $XDG_DATA_DIRS, by default /usr/local/share:/usr/share, for
# bash-completion/completions/jeos)
# complete WORD...: COMPREPLY for the command line "WORD... <TAB>"
complete_words() {
	run XDG_DATA_DIRS="$prefix/share" bash -c '
		. /usr/share/bash-completion/bash_completion
		__load_completion jeos || exit 3
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=()
		_jeos
		echo "${COMPREPLY[*]}"' complete "$@"
}
[ "$(complete_words jeos bu)" = build ] || fail "jeos bu<TAB>: $(complete_words jeos bu)"
[ "$(complete_words jeos '')" = "$(echo $commands)" ] || fail "jeos <TAB>: $(complete_words jeos '')"
formats=$("$jeos" build --help | grep -A1 -- '--format LIST' | tail -n 1 | tr -d ' ' | tr , ' ')
[ "$(complete_words jeos build "$T/recipe" --format '')" = "$formats" ] ||
	fail "--format <TAB>: '$(complete_words jeos build "$T/recipe" --format '')', --help says '$formats'"
[ "$(complete_words jeos build "$T/recipe" -f qcow2,r)" = "qcow2,raw qcow2,raw.zst" ] || fail "--format qcow2,r<TAB>"
[ "$(complete_words jeos build -o out "$T/recipe" --profile '')" = "trimmed-modules built-kernel" ] ||
	fail "--profile <TAB>: $(complete_words jeos build -o out "$T/recipe" --profile '')"
mv "$T/recipe/config.xml" "$T/recipe/appliance.kiwi"
[ "$(complete_words jeos validate "$T/recipe" -p b)" = "built-kernel" ] || fail "--profile from a .kiwi"
[ "$(complete_words jeos doctor --accel '')" = "kvm tcg auto" ] || fail "--accel <TAB>"
words() { tr ' ' '\n' | sed '/^$/d' | sort; }
for c in $commands; do
	diff <({ help_opts "$c" | cut -d' ' -f1; echo --help; } | sort) <(complete_words jeos "$c" -- | words) > "$T/diff" ||
		{ cat "$T/diff"; fail "jeos $c --<TAB>: not the options of --help (<)"; }
done

# make uninstall leaves no file behind
make -s -C "$JEOS_SRC" uninstall DESTDIR="$root"
left=$(find "$root" -type f)
[ -z "$left" ] || fail "left after make uninstall: $left"
echo "installed, run, documented and completed from $prefix"
