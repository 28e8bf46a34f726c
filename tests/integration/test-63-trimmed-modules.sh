# recipes/minimal with the trimmed-modules profile: the stock cloud kernel
# keeps only what a virtio guest needs, and the appliance still boots.
. "$(dirname "$0")/lib.sh"

out=$T/out img=$T/out/jeos-minimal.amd64-1.0.0
"$JEOS" build --profile trimmed-modules --cache "$CACHE" "$JEOS_SRC/recipes/minimal" -o "$out" \
	> "$T/stdout" 2> "$T/stderr" || { cat "$T/stderr"; fail "jeos build failed"; }
grep 'kernel modules trimmed' "$T/stderr" || fail "no trimming reported"

inspect "$img.raw" > "$T/inspect" <<'GF'
echo --kib
sh "du -sk /lib/modules/*/ | cut -f1"
echo --modules
sh "find /lib/modules -name '*.ko*' -printf '%f ' | sed 's/\\.ko\\(\\.[a-z]*\\)\\? /.ko /g'"
echo --builtin
sh "sed 's|.*/||' /lib/modules/*/modules.builtin | tr '\\n' ' '"
echo --end
GF
kib=$(section kib)
# names without the compression suffix (Debian 13 ships .ko.xz); a driver
# built into the kernel (modules.builtin) needs no module
files=$(section modules)
mods="$files $(section builtin)"
echo "/lib/modules: $kib KiB: $mods"
[ "$kib" -lt 10240 ] || fail "/lib/modules still holds $kib KiB"
for m in virtio_blk.ko virtio_net.ko virtio_pci.ko; do
	case " $mods " in *" $m "*) ;; *) fail "$m was trimmed away" ;; esac
done
case " $files " in *" e1000.ko "*|*" vmxnet3.ko "*) fail "drivers for undeclared hardware kept" ;; esac

"$JEOS" boot "$img.qcow2" --expect 'login:' --timeout 400 --log "$T/console" > "$T/boot" ||
	{ tail -20 "$T/console"; fail "no login prompt"; }
cat "$T/boot"
