# The host report and the accelerator choice, as a user meets them:
# `jeos doctor` says what guests will run under and why; a KVM whose guests
# never print is found within the probe's few seconds, once per host boot.
. "$(dirname "$0")/lib.sh"

"$JEOS" doctor > "$T/doctor" 2> "$T/doctor.err" || { cat "$T/doctor" "$T/doctor.err"; fail "jeos doctor"; }
cat "$T/doctor"
for row in accelerator qemu kernel libguestfs appliance cache locale 'user namespaces' 'can build'; do
	grep -q "^$row " "$T/doctor" || fail "jeos doctor has no '$row' line"
done
grep -Eq '^accelerator +(kvm|tcg) \(.+\)$' "$T/doctor" || fail "no accelerator verdict with its reason"
grep -Eq '^can build +yes$' "$T/doctor" || fail 'the host cannot build'
accel=$("$JEOS" doctor --print-accel 2>/dev/null)
[ "$accel" = kvm ] || [ "$accel" = tcg ] || fail "--print-accel printed '$accel'"
[ "$("$JEOS" doctor --print-accel --accel kvm)" = kvm ] || fail "--accel kvm not obeyed"
[ "$(LIBGUESTFS_BACKEND_SETTINGS=force_tcg "$JEOS" doctor --print-accel)" = tcg ] ||
	fail "LIBGUESTFS_BACKEND_SETTINGS=force_tcg not obeyed"
expect_fail 2 "--accel takes kvm, tcg or auto, not 'fast'" "$JEOS" boot /dev/null --accel fast
expect_fail 2 "--accel is an option of jeos build, boot and doctor" \
	"$JEOS" validate "$JEOS_SRC/recipes/minimal" --accel tcg

# A KVM that runs its guests' first instructions and then never prints
# (tests/integration/fake-kvm-qemu): found by the probe in ~5 s, remembered.
[ -w /dev/kvm ] || { echo "no /dev/kvm here: nothing is probed"; exit 77; }
fake() { LIBGUESTFS_HV=$JEOS_SRC/tests/integration/fake-kvm-qemu FAKE_KVM=hang XDG_RUNTIME_DIR=$T/run "$@"; }
t0=$(date +%s.%N)
fake "$JEOS" doctor > "$T/fake" 2> "$T/fake.err" || { cat "$T/fake" "$T/fake.err"; fail "doctor under a silent KVM"; }
secs=$(echo "$(date +%s.%N) - $t0" | bc)
echo "silent KVM found in $secs s"
grep -q '^accelerator *tcg (.*printed no kernel line under KVM within 5 s)' "$T/fake" || { cat "$T/fake"; fail "verdict"; }
grep -q 'kvm unusable, falling back to TCG (slow)' "$T/fake.err" || fail "no fallback warning"
[ "$(echo "$secs < 10" | bc)" = 1 ] || fail "the probe took $secs s"
t0=$(date +%s.%N)
fake "$JEOS" doctor > "$T/fake2" 2>/dev/null
grep -q "remembered in $T/run/jeos/accel" "$T/fake2" || { cat "$T/fake2"; fail "verdict not remembered"; }
[ "$(echo "$(date +%s.%N) - $t0 < 2" | bc)" = 1 ] || fail "the remembered verdict was probed again"
