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
