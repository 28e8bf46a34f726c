# jeos kconfig with the real linux-source-6.12 tree (trixie's default
# kernel source): the hardware a recipe's <machine> declares picks exactly
# its drivers, built in; a value Kconfig drops fails, naming the symbol
# and the dependency that is off. The first run fetches and unpacks the
# tree into the shared test cache (~20 s); later runs reuse it. Each
# configuration takes ~10 s (tinyconfig, then olddefconfig).
. "$(dirname "$0")/lib.sh"

# the fragments of this source tree, wherever the binary is
export JEOS_KERNEL_CONFIGS=$JEOS_SRC/kernel-configs

repository=$(sed -n '/<repository /,/<\/repository>/p' "$JEOS_SRC/recipes/minimal/config.xml")
[ -n "$repository" ] || fail "no <repository> in recipes/minimal"

# recipe NAME MACHINE [CONFIG]: $T/NAME/config.xml with that <machine>
# element (may be empty) and <jeos:kernel config="CONFIG">
recipe() {
	mkdir -p "$T/$1"
	cat > "$T/$1/config.xml" <<XML
<?xml version="1.0"?>
<image schemaversion="7.5" name="$1" xmlns:jeos="urn:jeos:1">
<description type="system"><author>t</author><contact>t</contact><specification>t</specification></description>
<preferences>
  <type image="oem" filesystem="ext4" format="raw">$2</type>
  ${3:+<jeos:kernel config=\"$3\"/>}
</preferences>
$repository
<packages type="image"><package name="systemd-sysv"/></packages>
</image>
XML
}

# Disk and NIC drivers of every hardware fragment <machine> can choose.
drivers="VIRTIO_BLK VIRTIO_NET VMWARE_PVSCSI VMXNET3 ATA_PIIX E1000"

# check NAME DRIVER...: jeos kconfig succeeds for $T/NAME with every
# DRIVER =y and no other driver of $drivers in the .config at all
check() {
	local name=$1 d; shift
	"$JEOS" kconfig --cache "$CACHE" "$T/$name" -o "$T/$name.config" \
		> "$T/$name.out" 2> "$T/$name.err" || { cat "$T/$name.err"; fail "jeos kconfig $name failed"; }
	cat "$T/$name.out"
	grep -Eq '^kernel config: [0-9]+ =y, [0-9]+ =m, sha256 [0-9a-f]{64}: /' "$T/$name.out" ||
		fail "$name: no summary line"
	grep -Eq '^fragment base-minimal: [0-9]+ symbols, [0-9]+ new' "$T/$name.out" ||
		fail "$name: what the fragments added is not printed"
	for d in $drivers; do
		if [[ " $* " == *" $d "* ]]; then
			grep -qx "CONFIG_$d=y" "$T/$name.config" || fail "$name: CONFIG_$d is not =y"
		elif grep -q "^CONFIG_$d=" "$T/$name.config"; then
			fail "$name: CONFIG_$d is set, but the machine has no such device"
		fi
	done
}

# no <machine>: a virtio guest
recipe virtio ""
check virtio VIRTIO_BLK VIRTIO_NET
src=$(sed -n 's/^kernel source: //p' "$T/virtio.out")
[ -f "$src/Kconfig" ] || fail "no kernel tree at '$src'"
case $src in "$CACHE"/kernel-source/*/linux-source-6.12) ;; *) fail "the tree is not in the cache: $src" ;; esac
grep -qx 'CONFIG_EXT4_FS=y' "$T/virtio.config" || fail "the root file system is not built in"
grep -qx '# CONFIG_MODULES is not set' "$T/virtio.config" || fail "modules are enabled"

recipe vmware '<machine><vmdisk controller="pvscsi"/><vmnic driver="vmxnet3" interface="0"/></machine>'
check vmware VMWARE_PVSCSI VMXNET3
recipe legacy '<machine><vmdisk controller="ide"/><vmnic driver="e1000" interface="0"/></machine>'
check legacy ATA_PIIX E1000
# the tree is unpacked once, and Kconfig never writes into it
! grep -q 'unpacking' "$T/vmware.err" "$T/legacy.err" || fail "the kernel tree was unpacked again"
[ ! -e "$src/.config" ] && [ ! -e "$src/include/config" ] || fail "make wrote into the source tree"

# A fragment of the recipe turns networking off: the NIC driver cannot
# survive, and the error says which symbol and which dependency
recipe nonet "" "nonet.config"
printf '# A mistake: virtio.config asks for its NIC\n# CONFIG_NET is not set\nCONFIG_VIRTIO_NETT=y\n' \
	> "$T/nonet/nonet.config"
expect_fail 1 'Kconfig did not keep' "$JEOS" kconfig --cache "$CACHE" "$T/nonet" -o "$T/nonet.out"
cat "$T/err"
grep -q 'CONFIG_VIRTIO_NET=y (.*/kernel-configs/virtio.config:[0-9]*): not set in the final config' "$T/err" ||
	fail "the dropped CONFIG_VIRTIO_NET is not named"
grep -q 'unmet "if NETDEVICES" (drivers/net/Kconfig:[0-9]*): NETDEVICES is off' "$T/err" ||
	fail "the unmet dependency of CONFIG_VIRTIO_NET is not named"
grep -q 'unmet "depends on NET" (drivers/net/Kconfig:[0-9]*): NET is off (set by .*/nonet/nonet.config:2)' "$T/err" ||
	fail "the fragment that turned NET off is not named"
grep -q 'CONFIG_VIRTIO_NETT=y .*' "$T/err" && grep -q 'unknown symbol' "$T/err" ||
	fail "an unknown symbol is not reported"
[ ! -e "$T/nonet.out" ] || fail "-o written although the configuration failed"

# A malformed fragment fails before any work, naming file and line
recipe bad "" "bad.config"
printf 'CONFIG_NET=y\nCONFIG_VIRTIO_NET y\n' > "$T/bad/bad.config"
expect_fail 2 'bad/bad.config:2: error: expected CONFIG_NAME=VALUE' \
	"$JEOS" kconfig --cache "$CACHE" "$T/bad"
