# recipes/tiny end to end: a kernel compiled from kernel-configs/ (once:
# the cache keeps it by the hash of source and config), busybox as init,
# no dpkg and no initramfs; the image is small and boots to a shell.
. "$(dirname "$0")/lib.sh"

out=$T/out img=$T/out/jeos-tiny.amd64-1.0.0
"$JEOS" build --lock "$T/tiny.lock" --cache "$CACHE" "$JEOS_SRC/recipes/tiny" -o "$out" \
	> "$T/stdout" 2> "$T/stderr" || { cat "$T/stderr"; fail "jeos build failed"; }
grep -E 'kernel .* (compiled|from the cache)' "$T/stderr" || fail "no word on the kernel"
"$JEOS" kconfig --cache "$CACHE" "$JEOS_SRC/recipes/tiny" -o "$T/trimmed.config" > "$T/kconfig"

inspect "$img.raw" > "$T/inspect" <<'GF'
echo --boot
sh "cd /boot && ls"
echo --config
sh "cat /boot/config-*"
echo --programs
sh "find /usr/bin /usr/sbin -type f"
echo --missing
sh "for f in /usr/bin/apt /usr/bin/systemctl /lib/modules /boot/initrd.img-*; do [ -e $f ] || echo $f; done"
echo --init
sh "readlink /sbin/init"
echo --extlinux
cat /boot/extlinux/extlinux.conf
echo --end
GF
section boot | grep -q '^vmlinuz-' || fail "no kernel in /boot: $(section boot)"
section boot | grep -q '^initrd' && fail "an initramfs in /boot"
section config | grep -v '^#' | grep . | sort > "$T/image.config"
grep -v '^#' "$T/trimmed.config" | grep . | sort | cmp -s - "$T/image.config" ||
	fail "/boot/config-* is not the trimmed config"
# busybox's applets are symlinks (its dpkg applet too): the one program is busybox
[ "$(section programs)" = /usr/bin/busybox ] || fail "programs besides busybox: $(section programs)"
[ "$(section missing | wc -l)" = 4 ] || fail "tiny holds more than busybox: $(section missing)"
section init | grep -q busybox || fail "/sbin/init is not busybox: $(section init)"
section extlinux | grep -q 'root=PARTUUID=' || fail "the kernel cannot find root without PARTUUID"

qcow2=$(stat -c %s "$img.qcow2")
echo "qcow2: $qcow2 bytes"
[ "$qcow2" -lt $((16 << 20)) ] || fail "the tiny image is $qcow2 bytes, not under 16 MiB"

"$JEOS" boot "$img.qcow2" --memory 256 --expect 'jeos: tiny is up' --timeout 120 \
	--log "$T/console" > "$T/boot" || { tail -20 "$T/console"; fail "tiny did not come up"; }
cat "$T/boot"
