# End to end: jeos build recipes/minimal, check the outputs, inspect the
# image with libguestfs, boot it under qemu to a login prompt.
. "$(dirname "$0")/lib.sh"

out=$T/out base=jeos-minimal.amd64-1.0.0
"$JEOS" build --cache "$CACHE" "$JEOS_SRC/recipes/minimal" -o "$out" > "$T/stdout" 2> "$T/stderr" ||
	{ cat "$T/stderr"; fail "jeos build failed"; }
img=$out/$base
for f in raw qcow2 packages sha256; do [ -s "$img.$f" ] || fail "no $img.$f"; done
ls -A "$out" | grep -q '^\.jeos-build' && fail "scratch directory left"
(cd "$out" && sha256sum --quiet -c "$base.sha256") || fail "checksums do not match"
grep -q " $base.raw\$" "$img.sha256" && grep -q " $base.qcow2\$" "$img.sha256"
qemu-img check -q "$img.qcow2"
qemu-img compare -q "$img.raw" "$img.qcow2" || fail "qcow2 differs from raw"

# NAME.packages: name|version|arch|sha256 for each installed package
grep -Eq '^systemd-sysv\|[^|]+\|amd64\|[0-9a-f]{64}$' "$img.packages" || fail "bad .packages"
grep -Eq '^linux-image-[0-9].*-cloud-amd64\|' "$img.packages"
[ "$(wc -l < "$img.packages")" -ge 100 ]

inspect "$img.raw" > "$T/inspect" <<'GF'
echo --hostname
cat /etc/hostname
echo --shadow
sh "grep '^root:' /etc/shadow | cut -d: -f2 | cut -c1-3"
echo --status
sh "dpkg-query -W -f '${db:Status-Abbrev}\n' | sort | uniq -c"
echo --audit
sh "dpkg --audit; echo audit-exit=$?"
echo --machine-id
filesize /etc/machine-id
echo --hostkeys
glob-expand /etc/ssh/ssh_host_*
echo --fstab
cat /etc/fstab
echo --extlinux
cat /boot/extlinux/extlinux.conf
echo --network
cat /etc/systemd/network/80-jeos-dhcp.network
echo --end
GF
[ "$(section hostname)" = jeos ] || fail "hostname: $(section hostname)"
[ "$(section shadow)" = '$6$' ] || fail "root's password is not a SHA-512 crypt hash"
section status | grep -v '^ *$' | grep -v '^ *[0-9]* ii *$' && fail "packages not 'install ok installed'"
section status | grep -Eq '^ *1[0-9]{2} ii *$' || fail "not 100-199 installed packages: $(section status)"
[ "$(section audit)" = "audit-exit=0" ] || fail "dpkg --audit: $(section audit)"
[ "$(section machine-id)" = 0 ] || fail "machine-id is not empty"
[ -z "$(section hostkeys)" ] || fail "SSH host keys in the image"
section fstab | grep -Eq '^UUID=[0-9a-f-]+\s+/\s+ext4' || fail "fstab: $(section fstab)"
section extlinux | grep -q 'console=ttyS0' || fail "kernel command line"
section network | grep -q 'DHCP=yes'

# the plain password of the recipe ("jeos") is also the host name, so the
# absence of plain passwords is checked on recipes/demo (test-61)

"$JEOS" boot "$img.qcow2" --expect 'login:' --timeout 400 --log "$T/console" > "$T/boot" ||
	{ tail -20 "$T/console"; fail "no login prompt"; }
grep -q 'matched after' "$T/boot"
cat "$T/boot"
