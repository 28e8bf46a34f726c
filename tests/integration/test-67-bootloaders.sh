# The other bootloaders on recipes/minimal's packages: grub2 on BIOS (GPT
# with a BIOS boot partition for core.img) and systemd-boot on UEFI (the
# kernel and initramfs in the EFI system partition). Each is built, its
# layout checked and booted to a login prompt.
. "$(dirname "$0")/lib.sh"

base=jeos-minimal.amd64-1.0.0

# variant NAME SED: a copy of recipes/minimal, edited, built as raw
variant() {
	mkdir -p "$T/$1"
	sed "$2" "$JEOS_SRC/recipes/minimal/config.xml" > "$T/$1/config.xml"
	"$JEOS" build --format raw --cache "$CACHE" "$T/$1" -o "$T/$1/out" > /dev/null 2> "$T/$1.log" ||
		{ cat "$T/$1.log"; fail "building the $1 variant failed"; }
}

variant grub 's/name="extlinux"/name="grub2"/'
img=$T/grub/out/$base.raw
sfdisk -d "$img" > "$T/table"
grep -q 'raw1 : start= *2048, size= *2048, type=21686148-6449-6E6F-744E-656564454649' "$T/table" ||
	fail "no BIOS boot partition first: $(cat "$T/table")"
grep -q 'raw2 : .*type=4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709' "$T/table" || fail "root is not partition 2"
grep -q '^grub-pc-bin|' "$T/grub/out/$base.packages" || fail "grub-pc-bin is not in the image"
"$JEOS" boot "$img" --expect 'jeos login:' --timeout 400 --log "$T/grub.console" > "$T/boot" ||
	{ tail -20 "$T/grub.console"; fail "the grub2 BIOS image did not boot to login"; }
grep -q 'GRUB' "$T/grub.console" || fail "grub did not boot it"

variant sdboot 's/firmware="bios"/firmware="efi"/; s/name="extlinux"/name="systemd_boot"/'
img=$T/sdboot/out/$base.raw
inspect "$img" /dev/sda2 > "$T/inspect" <<'GF'
mount /dev/sda1 /boot/efi
echo --entry
cat /boot/efi/loader/entries/jeos.conf
echo --files
find /boot/efi
GF
section files | grep -qx '/EFI/BOOT/BOOTX64.EFI' || fail "no systemd-boot at the removable path: $(section files)"
section files | grep -qx '/jeos/vmlinuz' || fail "no kernel in the ESP"
section entry | grep -Eq '^options root=UUID=[0-9a-f-]+ ro console=ttyS0' || fail "entry: $(section entry)"
grep -q '^systemd-boot-efi|' "$T/sdboot/out/$base.packages" || fail "systemd-boot-efi is not in the image"
grep -q '^grub' "$T/sdboot/out/$base.packages" && fail "grub in a systemd-boot image"
"$JEOS" boot --efi "$img" --expect 'jeos login:' --timeout 400 --log "$T/sdboot.console" > "$T/boot" ||
	{ tail -20 "$T/sdboot.console"; fail "the systemd-boot UEFI image did not boot to login"; }
echo "ok: grub2 on BIOS and systemd-boot on UEFI boot"
