# The command line: help, version, exit codes, validate on the shipped recipes.
. "$(dirname "$0")/lib.sh"

"$JEOS" --version | grep -Eq '^jeos [0-9]+\.[0-9]+'
"$JEOS" --help | grep -q 'validate RECIPE'
for c in validate resolve lock build boot convert inspect kconfig; do
	"$JEOS" $c --help | grep -q "usage: jeos $c" || fail "jeos $c --help"
done
expect_fail 2 "unknown command 'frob'" "$JEOS" frob
expect_fail 2 'a RECIPE is needed' "$JEOS" validate
expect_fail 2 'no such recipe' "$JEOS" validate "$T/nothing"

# the default appliance validates and its summary names what matters
"$JEOS" validate "$JEOS_SRC/recipes/minimal" > "$T/summary"
grep -q '^name: *jeos-minimal' "$T/summary"
grep -q 'filesystem=ext4' "$T/summary"
grep -q 'format=qcow2' "$T/summary"
grep -q '^release: *Debian 13 (trixie)$' "$T/summary" || fail "release: $(grep release "$T/summary")"
grep -q '^repository: *debian .* trixie main' "$T/summary"
grep -q '^repository: *debian-updates .* trixie-updates main' "$T/summary"
grep -q '^repository: *debian-security .*/debian-security trixie-security main' "$T/summary"
"$JEOS" validate "$JEOS_SRC/recipes/minimal-bookworm" | grep -q '^release: *Debian 12 (bookworm)$' ||
	fail "minimal-bookworm's release"
grep -q 'password=plain, hashed at build time' "$T/summary"
# never a password, not even a plain one from the recipe
"$JEOS" validate "$JEOS_SRC/recipes/demo" > "$T/demo"
grep -q '^user: *demo .*password=plain, hashed at build time' "$T/demo"
! grep -q 'Secret' "$T/demo" || fail "validate printed a password"

# every shipped recipe validates; tiny is a custom bootstrap set with a built kernel
for r in "$JEOS_SRC"/recipes/*/; do "$JEOS" validate "$r" > /dev/null || fail "$r does not validate"; done
"$JEOS" validate "$JEOS_SRC/recipes/tiny" > "$T/tiny"
grep -q '^packages: *bootstrap=1 ' "$T/tiny" || fail "tiny: $(grep packages "$T/tiny")"
grep -q '^kernel: *built from linux-source-6.12, fragments base-minimal' "$T/tiny" || fail "tiny's kernel"

# host devices for passthrough: PCI addresses are checked
mkdir "$T/hostdev"
sed 's|<vmnic driver="virtio" interface="0" mode="nat"/>|&<jeos:hostdev type="pci" address="0000:03:00.0" driver="ixgbevf"/><jeos:hostdev type="pci" address="0000:81:10.2" interface="true"/>|' \
	"$JEOS_SRC/recipes/minimal/config.xml" > "$T/hostdev/config.xml"
"$JEOS" validate "$T/hostdev" | grep -q 'hostdev=0000:03:00.0 hostdev=0000:81:10.2(nic)' || fail "hostdev summary"
sed -i 's|0000:03:00.0|03:00|' "$T/hostdev/config.xml"
expect_fail 2 "config.xml:[0-9]+: error: .*address" "$JEOS" validate "$T/hostdev"

# --mirror overrides the host's apt sources
"$JEOS" validate --mirror debian=file:///srv/mirror "$JEOS_SRC/recipes/minimal" | grep -q 'file:///srv/mirror trixie'

# bad input: file:line: error: ..., exit 2
mkdir "$T/bad"
cat > "$T/bad/config.xml" <<'XML'
<?xml version="1.0"?>
<image schemaversion="7.5" name="bad">
<preferences><type image="oem" filesystem="ext9"/></preferences>
</image>
XML
expect_fail 2 "config.xml:3: error: invalid filesystem \"ext9\" on <type>" "$JEOS" validate "$T/bad"

# hostile recipe values: refused by validate at their line, saying what is
# expected; build and lock refuse them too (exit 2) and write nothing
hostile() { # NAME SED-EXPRESSION REGEX: minimal's recipe edited, then refused
	mkdir -p "$T/h-$1"
	sed "$2" "$JEOS_SRC/recipes/minimal/config.xml" > "$T/h-$1/config.xml"
	cmp -s "$JEOS_SRC/recipes/minimal/config.xml" "$T/h-$1/config.xml" && fail "hostile $1: the edit did nothing"
	expect_fail 2 "config.xml:[0-9]+: error: $3" "$JEOS" validate "$T/h-$1"
}
hostile tz 's|<timezone>UTC</timezone>|<timezone>UTC; touch /tmp/pwned</timezone>|' 'invalid <timezone> .*expected a tzdata zone name'
hostile tzdots 's|<timezone>UTC</timezone>|<timezone>../../../etc/shadow</timezone>|' 'invalid <timezone>'
hostile locale "s|<locale>C.UTF-8</locale>|<locale>C.UTF-8'\$(reboot)'</locale>|" 'invalid <locale> .*expected a locale name'
hostile keytable "s|<keytable>us</keytable>|<keytable>us' ; reboot #</keytable>|" 'invalid <keytable> .*expected a console keymap name'
hostile cmdline 's|console=ttyS0 quiet|console=ttyS0 \&quot;$(touch /tmp/pwned)\&quot;|' 'invalid kernelcmdline .*no quotes, backslashes, \$'
hostile cmdline-nl 's|console=ttyS0 quiet|console=ttyS0\&#10;EOF\&#10;touch /tmp/pwned|' 'invalid kernelcmdline "console=ttyS0\\x0aEOF'
hostile hostname 's|<jeos:hostname>jeos</jeos:hostname>|<jeos:hostname>jeos;reboot</jeos:hostname>|' 'invalid <jeos:hostname> .*RFC 1123'
hostile user "s|<user name=\"root\"|<user name=\"x'y\"|" "invalid user name \"x'y\": expected"
hostile home 's|home="/root"|home="/root:/x"|' 'invalid home .*absolute path'
hostile size 's|<bootloader |<size unit="G">99999999999999999999</size>&|' '<size> must be a whole number of GiB from 1 to 16384'
hostile archive 's|<packages type="image">|&<archive name="../../../../etc/hostname"/>|' "archive '../../../../etc/hostname' is /etc/hostname, outside the recipe directory"
hostile overlay 's|</image>|<jeos:overlay name=".."/>&|' 'invalid overlay name ".."'
echo '<image/>' > "$T/outside.xml"
hostile include 's|</image>|<include from="this://../outside.xml"/>&|' "include '../outside.xml' is .*, outside the recipe directory"
hostile dtd '1a<!DOCTYPE image [<!ENTITY pw "x">]>' 'a DTD \(<!DOCTYPE ...>\) is not allowed'
# root/ as a link out of the recipe directory
mkdir -p "$T/h-root" "$T/elsewhere"
cp "$JEOS_SRC/recipes/minimal/config.xml" "$T/h-root/"
ln -s ../elsewhere "$T/h-root/root"
expect_fail 2 "config.xml:[0-9]+: error: recipe file 'root' is .*/elsewhere, outside the recipe directory" "$JEOS" validate "$T/h-root"
# nothing written: neither outputs nor a lock
expect_fail 2 'invalid <timezone>' "$JEOS" build "$T/h-tz" -o "$T/h-out"
[ ! -e "$T/h-out" ] || fail "a refused build wrote $T/h-out"
expect_fail 2 'invalid <timezone>' "$JEOS" lock "$T/h-tz"
[ -z "$(ls "$T/h-tz" | grep -v '^config.xml$')" ] || fail "a refused lock wrote $(ls "$T/h-tz")"
# a billion laughs is refused at once
{ echo '<?xml version="1.0"?>'; echo '<!DOCTYPE image ['; echo '<!ENTITY l0 "ha">'
  for i in 1 2 3 4 5 6 7 8 9; do p=$((i - 1)); echo "<!ENTITY l$i \"&l$p;&l$p;&l$p;&l$p;&l$p;&l$p;&l$p;&l$p;&l$p;&l$p;\">"; done
  echo ']>'; echo '<image schemaversion="7.5" name="&l9;"/>'; } > "$T/laughs.xml"
start=$(date +%s%N)
expect_fail 2 'laughs.xml:2: error: a DTD' "$JEOS" validate "$T/laughs.xml"
[ $(( ($(date +%s%N) - start) / 1000000 )) -lt 1000 ] || fail "the billion laughs took a second or more"
