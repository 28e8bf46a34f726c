# jeos convert and jeos inspect on a disk this test makes: every format
# holds the same bytes, the OVF/OVA carry the hardware asked for and pass
# DMTF's schema, a tampered OVA is caught, bad settings write nothing.
. "$(dirname "$0")/lib.sh"

XSD=${JEOS_OVF_SCHEMA:-$JEOS_SRC/../shared/reference/ovf-schema/dsp8023_1.1.1.xsd}
[ -f "$XSD" ] || fail "no OVF schema at $XSD"

# a sparse 80 MiB disk with data in a few places, one beyond 32 MiB
in=$T/in.raw
truncate -s 80M "$in"
for mib in 0 5 33 79; do
	head -c 300000 /usr/bin/qemu-img | dd of="$in" bs=1M seek=$mib conv=notrunc status=none
done

same() { qemu-img compare -q -f raw "$in" "$1" || fail "$1 differs from the input"; }

mkdir "$T/conv"
"$JEOS" convert "$in" -o "$T/conv/a.vmdk" > /dev/null
qemu-img check -q -f vmdk "$T/conv/a.vmdk"
qemu-img info "$T/conv/a.vmdk" | grep -q 'create type: streamOptimized' || fail "not streamOptimized"
same "$T/conv/a.vmdk"
"$JEOS" convert "$T/conv/a.vmdk" -o "$T/conv/b.qcow2" > /dev/null
same "$T/conv/b.qcow2"
"$JEOS" convert "$T/conv/b.qcow2" -o "$T/conv/c.raw" > /dev/null
cmp -s "$in" "$T/conv/c.raw" || fail "raw -> vmdk -> qcow2 -> raw changed the disk"
"$JEOS" convert "$in" -o "$T/conv/d.raw.zst" > /dev/null
zstd -q -d -c "$T/conv/d.raw.zst" | cmp -s - "$in" || fail "raw.zst does not decompress to the input"
zstd -lv "$T/conv/d.raw.zst" 2>&1 | grep -q 'Decompressed Size: .*(83886080 B)' ||
	fail "raw.zst does not record the content size"
# the same disk gives the same VMDK, byte for byte (the descriptor names
# the file, so the second goes elsewhere under the same name)
mkdir "$T/again"
"$JEOS" convert "$in" -o "$T/again/a.vmdk" > /dev/null
cmp -s "$T/conv/a.vmdk" "$T/again/a.vmdk" || fail "two conversions differ"

# an OVA with the hardware from flags
"$JEOS" convert "$T/conv/b.qcow2" -o "$T/conv/e.ova" --firmware efi --name e-appliance \
	--machine memory=2048 --machine ncpus=4 --machine controller=lsilogicsas \
	--machine nic=vmxnet3:nat --machine nic=e1000:backend:52:54:00:12:34:56 > /dev/null
[ "$(tar tf "$T/conv/e.ova" | tr '\n' ' ')" = "e.ovf e.mf e-disk1.vmdk " ] ||
	fail "OVA members: $(tar tf "$T/conv/e.ova")"
od -A n -c -j 257 -N 8 "$T/conv/e.ova" | tr -d ' ' | grep -q '^ustar\\0' || fail "not a POSIX ustar archive"
tar xf "$T/conv/e.ova" -C "$T" e.ovf e.mf
xmllint --noout --nonet --schema "$XSD" "$T/e.ovf" 2> "$T/xsd" || { cat "$T/xsd"; fail "e.ovf is not valid OVF"; }
grep -q 'xmlns="http://schemas.dmtf.org/ovf/envelope/1"' "$T/e.ovf" || fail "not the OVF 1.x namespace"
"$JEOS" inspect "$T/conv/e.ova" > "$T/inspect"
cat "$T/inspect"
grep -Eqi 'cpus?:? *4' "$T/inspect" || fail "inspect: CPUs"
grep -Eqi 'memory:? *2048' "$T/inspect" || fail "inspect: memory"
grep -qi 'efi' "$T/inspect" || fail "inspect: firmware"
grep -qi 'vmxnet3' "$T/inspect" && grep -qi 'e1000' "$T/inspect" || fail "inspect: NICs"
grep -Eq '^manifest: .*2 files match' "$T/inspect" || fail "inspect: manifest not checked"

# virt-v2v, the importer of KVM platforms, reads the hardware asked for
v2v_expect "$T/conv/e.ova" 'memory: 2147483648 (bytes)' 'nr vCPUs: 4' 'firmware: uefi' \
	'0 [scsi]' 'Bridge "nat" [vmxnet3]' 'Bridge "backend" mac: 52:54:00:12:34:56 [e1000]'

# one byte changed in the disk: the manifest check fails and names the file
cp "$T/conv/e.ova" "$T/bad.ova"
blocks() { echo $(( ($(tar xOf "$T/conv/e.ova" "$1" | wc -c) + 511) / 512 * 512 )); }
disk_at=$(( 512 + $(blocks e.ovf) + 512 + $(blocks e.mf) + 512 ))
printf 'X' | dd of="$T/bad.ova" bs=1 seek=$((disk_at + 1000)) conv=notrunc status=none
cmp -s "$T/conv/e.ova" "$T/bad.ova" && fail "the tampering changed nothing"
expect_fail 1 "e-disk1.vmdk" "$JEOS" inspect "$T/bad.ova"

# an OVF package with the hardware, firmware and EULA of a recipe
mkdir "$T/ovf"
"$JEOS" convert "$in" -o "$T/ovf/p.ovf" --recipe "$JEOS_SRC/recipes/demo" > /dev/null
[ "$(ls "$T/ovf" | tr '\n' ' ')" = "p-disk1.vmdk p.mf p.ovf " ] || fail "OVF files: $(ls "$T/ovf")"
xmllint --noout --nonet --schema "$XSD" "$T/ovf/p.ovf" 2> "$T/xsd" || { cat "$T/xsd"; fail "p.ovf is not valid OVF"; }
grep -q 'end user license agreement' "$T/ovf/p.ovf" || fail "no EULA from the recipe"
sed -E 's/^SHA256\((.*)\)= (.*)$/\2  \1/' "$T/ovf/p.mf" | (cd "$T/ovf" && sha256sum --quiet -c) ||
	fail "manifest does not match the files"
"$JEOS" inspect "$T/ovf/p.ovf" | grep -Eqi 'cpus?:? *2' || fail "the recipe's 2 CPUs"
same "$T/ovf/p-disk1.vmdk"

# bad input: a clear error, exit 2, nothing written
mkdir "$T/empty"
expect_fail 2 "invalid disk controller 'floppy'" \
	"$JEOS" convert "$in" -o "$T/empty/x.ova" --machine controller=floppy
expect_fail 2 "invalid NIC driver 'rtl8139'" \
	"$JEOS" convert "$in" -o "$T/empty/x.ova" --machine nic=rtl8139
expect_fail 2 "memory must be a number of MiB" \
	"$JEOS" convert "$in" -o "$T/empty/x.ova" --machine memory=lots
expect_fail 2 "HWversion must be a VMware hardware version from 4 to 21" \
	"$JEOS" convert "$in" -o "$T/empty/x.ova" --machine HWversion=3
expect_fail 2 "the output's name says its format" "$JEOS" convert "$in" -o "$T/empty/x.img"
expect_fail 2 "cannot open .*/missing.raw" "$JEOS" convert "$T/missing.raw" -o "$T/empty/x.qcow2"
no_outputs "$T/empty"

# Hostile images: each names a host file (a backing file, an external data
# file, a VMDK extent or parent) that qemu would read into the output or
# the guest. Refused at once, exit 2, the image and the file named, nothing
# written, the secret's content nowhere.
SECRET=jeos-it-secret-$$
{ printf '%s' "$SECRET"; head -c 1048000 /dev/zero; } > "$T/secret"
refused() {
	local t0; t0=$(date +%s%N)
	expect_fail 2 "$@"
	[ $(( ($(date +%s%N) - t0) / 1000000 )) -lt 5000 ] || fail "took over 5 s: $*"
	! grep -rqF "$SECRET" "$T/out" "$T/err" "$T/empty" || fail "the secret came out: $*"
	no_outputs "$T/empty"
}
mkdir "$T/bad"
qemu-img create -q -f qcow2 -b "$T/secret" -F raw "$T/bad/backing.qcow2"
refused "backing.qcow2 names a backing file \"$T/secret\"" \
	"$JEOS" convert "$T/bad/backing.qcow2" -o "$T/empty/x.raw"
refused "backing.qcow2 names a backing file" "$JEOS" convert "$T/bad/backing.qcow2" -o "$T/empty/x.ova"
# qemu-img create empties the data file: made with a copy, refilled after
cp "$T/secret" "$T/data"
qemu-img create -q -f qcow2 -o data_file="$T/data",data_file_raw=on "$T/bad/data.qcow2" 1M
cp "$T/secret" "$T/data"
refused "data.qcow2 names an external data file \"$T/data\"" \
	"$JEOS" convert "$T/bad/data.qcow2" -o "$T/empty/x.qcow2"
# a VMDK sparse header with capacity 0: its descriptor, one sector on,
# names a FLAT extent anywhere (here the secret), which qemu-img reads
{
	printf 'KDMV\001\0\0\0\003\0\0\0'; head -c 8 /dev/zero
	printf '\200\0\0\0\0\0\0\0\001\0\0\0\0\0\0\0\024\0\0\0\0\0\0\0'
} > "$T/bad/extent.vmdk"
truncate -s 512 "$T/bad/extent.vmdk"
printf '# Disk DescriptorFile\nversion=1\nCID=12345678\nparentCID=ffffffff\ncreateType="monolithicFlat"\n\nRW 2048 FLAT "%s" 0\n' \
	"$T/secret" >> "$T/bad/extent.vmdk"
truncate -s 10752 "$T/bad/extent.vmdk"
qemu-img convert -f vmdk -O raw "$T/bad/extent.vmdk" "$T/leak.raw"
grep -qF "$SECRET" "$T/leak.raw" || fail "the crafted VMDK does not reach the secret"
refused "extent.vmdk names an extent file \"$T/secret\"" \
	"$JEOS" convert "$T/bad/extent.vmdk" -o "$T/empty/x.vmdk"
# jeos boot opens the same chain: refused before qemu starts
qemu-img create -q -f vmdk "$T/bad/base.vmdk" 1M
qemu-img create -q -f vmdk -b base.vmdk -F vmdk "$T/bad/child.vmdk"
refused "child.vmdk names a parent disk \(parentFileNameHint\) \"base.vmdk\"" \
	env LIBGUESTFS_BACKEND_SETTINGS=force_tcg "$JEOS" boot "$T/bad/child.vmdk" --timeout 30
refused "backing.qcow2 names a backing file \"$T/secret\"" \
	env LIBGUESTFS_BACKEND_SETTINGS=force_tcg "$JEOS" boot "$T/bad/backing.qcow2" --timeout 30
mkfifo "$T/bad/fifo.qcow2"
refused "fifo.qcow2 is a FIFO: a disk image must be a regular file" \
	"$JEOS" convert "$T/bad/fifo.qcow2" -o "$T/empty/x.raw"

# Hostile OVF packages: a FIFO as a referenced file (a read would block
# forever), an empty manifest, a DTD; each refused with exit 2 at once.
cp -r "$T/ovf" "$T/fifo-ovf"
rm "$T/fifo-ovf/p-disk1.vmdk"
mkfifo "$T/fifo-ovf/p-disk1.vmdk"
refused "p-disk1.vmdk is not a regular file" timeout 10 "$JEOS" inspect "$T/fifo-ovf/p.ovf"
cp -r "$T/ovf" "$T/empty-mf"
: > "$T/empty-mf/p.mf"
refused "the manifest p.mf is empty" "$JEOS" inspect "$T/empty-mf/p.ovf"
cp -r "$T/ovf" "$T/dtd"
sed -i "1a <!DOCTYPE Envelope [<!ENTITY s SYSTEM \"file://$T/secret\">]>" "$T/dtd/p.ovf"
sed -i '0,/<Info>/s||<Info>\&s;|' "$T/dtd/p.ovf"
refused "p.ovf has a DTD" "$JEOS" inspect "$T/dtd/p.ovf"
