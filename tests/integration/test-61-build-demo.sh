# End to end with everything a recipe directory can hold: root/ overlay,
# config.sh, shared overlays, users with plain passwords, a delete package.
. "$(dirname "$0")/lib.sh"

out=$T/out base=jeos-demo.amd64-1.2.3
"$JEOS" build --cache "$CACHE" "$JEOS_SRC/recipes/demo" -o "$out" > "$T/stdout" 2> "$T/stderr" ||
	{ cat "$T/stderr"; fail "jeos build failed"; }
img=$out/$base

# plain passwords appear nowhere: not in the image, not in the outputs or logs
for secret in Demo-Secret-4711 Root-Secret-8815; do
	grep -a -q -F "$secret" "$img.raw" && fail "plain password in the image"
	grep -r -a -q -F "$secret" "$out" "$T/stdout" "$T/stderr" && fail "plain password in outputs/logs"
done

inspect "$img.raw" /dev/sda2 > "$T/inspect" <<'GF'
echo --hostname
cat /etc/hostname
echo --passwd
sh "getent passwd demo | cut -d: -f1,5,6,7"
echo --groups
sh "id -nG demo"
echo --shadow
sh "cut -d: -f1,2 /etc/shadow | grep -E '^(root|demo):' | cut -c1-8"
echo --motd
cat /etc/motd
echo --modes
sh "stat -c '%a %U %n' /usr/local/bin/demo-hello /etc/demo/token /var/lib/demo/configured"
echo --configured
cat /var/lib/demo/configured
echo --apt
sh "dpkg-query -W -f '${db:Status-Abbrev}' apt 2>&1 || true"
echo --tz
readlink /etc/localtime
echo --overlays
sh "ls /etc/sysctl.d/90-jeos-hardening.conf '/etc/systemd/system/serial-getty@ttyS0.service.d/jeos.conf' /etc/profile.d/jeos-umask.sh"
echo --audit
sh "dpkg --audit; echo audit-exit=$?"
echo --esp
part-get-gpt-type /dev/sda 1
mount /dev/sda1 /boot/efi
is-file /boot/efi/EFI/BOOT/BOOTX64.EFI
echo --fstab
cat /etc/fstab
echo --end
GF
[ "$(section hostname)" = demo ] || fail "hostname: $(section hostname)"
[ "$(section passwd)" = "demo:Demo User:/home/demo:/bin/bash" ] || fail "passwd: $(section passwd)"
section groups | grep -qw users && section groups | grep -qw adm || fail "groups: $(section groups)"
[ "$(section shadow | sort)" = "$(printf 'demo:$6$\nroot:$6$')" ] || fail "shadow: $(section shadow)"
section motd | grep -q 'jeos demo appliance'
section modes | grep -q '^755 root /usr/local/bin/demo-hello$' || fail "modes: $(section modes)"
section modes | grep -q '^600 root /etc/demo/token$' || fail "modes: $(section modes)"
section modes | grep -q '^644 demo /var/lib/demo/configured$' || fail "modes: $(section modes)"
[ "$(section configured)" = "configured by config.sh" ]
section apt | grep -q '^ii' && fail "apt (a delete package) is still installed"
[ "$(section tz)" = /usr/share/zoneinfo/Europe/Berlin ] || fail "timezone: $(section tz)"
[ "$(section overlays | wc -l)" = 3 ] || fail "overlay files: $(section overlays)"
[ "$(section audit)" = "audit-exit=0" ] || fail "dpkg --audit: $(section audit)"
! grep -q '^apt|' "$img.packages" || fail "apt listed in .packages"
[ "$(section esp)" = "$(printf 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B\ntrue')" ] || fail "ESP: $(section esp)"
section fstab | grep -Eq '^UUID=[0-9A-F-]+\s+/boot/efi\s+vfat' || fail "fstab: $(section fstab)"

# UEFI firmware (OVMF) boots it through grub2 on the EFI system partition
grep -q '^grub-efi-amd64-bin|' "$img.packages" || fail "grub-efi-amd64-bin missing from .packages"
"$JEOS" boot --efi "$img.qcow2" --expect 'demo login:' --timeout 400 --log "$T/console" > "$T/boot" ||
	{ tail -20 "$T/console"; fail "no login prompt"; }
grep -q 'GRUB\|Booting' "$T/console" || fail "grub did not show on the console"
cat "$T/boot"

# the OVA, as a vendor ships it: virt-v2v reads the recipe's <machine>
v2v_expect "$img.ova" 'memory: 1610612736 (bytes)' 'nr vCPUs: 2' 'firmware: uefi' '0 [scsi]' \
	'Bridge "nat" [vmxnet3]' 'Bridge "management" [e1000]'
"$JEOS" inspect "$img.ova" > "$T/inspect-ova" || { cat "$T/inspect-ova"; fail "jeos inspect"; }
tar xf "$img.ova" -C "$T" "$base.ovf" "$base-disk1.vmdk"
grep -q 'end user license agreement' "$T/$base.ovf" || fail "no EULA (recipes/demo/EULA.txt) in the OVF"
qemu-img compare -q -f raw -F vmdk "$img.raw" "$T/$base-disk1.vmdk" || fail "the OVA's disk differs from the raw image"
# the pvscsi controller's driver is in the initramfs, so VMware finds the root disk
inspect "$img.raw" /dev/sda2 > "$T/inspect" <<'GF'
echo --initramfs
sh "lsinitramfs /boot/initrd.img-* | grep -o '[a-z_]*pvscsi[a-z_.]*'"
echo --end
GF
section initramfs | grep -q '^vmw_pvscsi.ko' || fail "vmw_pvscsi is not in the initramfs: $(section initramfs)"
