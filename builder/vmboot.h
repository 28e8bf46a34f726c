/* vmboot.h - qemu on this host: which accelerator guests get, and booting
 * a disk image (or a kernel) until its serial console prints a line that
 * matches a regex, the backend of `jeos boot`.
 *
 * The accelerator. KVM where a real kernel runs under it, else TCG; in
 * this order:
 *   1. vm_accel_request() (the --accel option): "kvm" or "tcg" as given;
 *   2. LIBGUESTFS_BACKEND_SETTINGS with force_tcg or force_kvm, as given;
 *   3. /dev/kvm missing or not ours: TCG;
 *   4. the verdict remembered for this host, valid while the boot id, the
 *      qemu binary and the probe kernel are the same ($XDG_RUNTIME_DIR/jeos/
 *      accel, else the jeos cache's accel file);
 *   5. a probe: the kernel libguestfs boots ($SUPERMIN_KERNEL, else the
 *      newest /boot/vmlinuz-*) started under KVM must print its
 *      "Linux version" line within VM_PROBE_TIMEOUT seconds. Where KVM
 *      works that takes ~0.3 s; where qemu aborts ("failed to set MSR"),
 *      less; where the vCPU runs real-mode code and then nothing, the
 *      timeout. Real-mode code is not enough proof: the kernel's own setup
 *      code prints "Probing EDD" from real mode on such hosts.
 * And since a probe can pass where a later guest still hangs, a guest
 * launched under an automatic KVM that prints nothing within
 * VM_KVM_SILENCE seconds of qemu starting (or whose qemu dies before
 * printing) is killed and relaunched under TCG, and the verdict is
 * demoted to TCG for this host (vm_accel_demote). Either way jeos prints
 * "kvm unusable, falling back to TCG (slow)" once.
 *
 * Booting. The image is never modified (qemu's snapshot=on: writes go to
 * a temporary overlay qemu unlinks at once). qemu is killed on every path
 * out.
 */
#ifndef JEOS_VMBOOT_H
#define JEOS_VMBOOT_H

#include "util.h"

enum vm_accel { VM_ACCEL_KVM, VM_ACCEL_TCG };

#define VM_PROBE_TIMEOUT 5 /* seconds */
#define VM_KVM_SILENCE 15  /* seconds; a working KVM guest prints within ~2 */

struct vm_verdict {
	enum vm_accel accel;
	int automatic;        /* jeos chose (probe or remembered), the user did not */
	int remembered;       /* read from the verdict file, no probe ran */
	double probe_seconds; /* what the probe took; 0 when none ran */
	char why[256];        /* e.g. "qemu under KVM: failed to set MSR 0x10a" */
	char file[512];       /* the verdict file, "" when there is none */
};

/* --accel: "kvm", "tcg" or "auto" (the default). JEOS_EXIT_USAGE otherwise. */
int vm_accel_request(const char *name, struct jeos_error *err);

/* The accelerator for the next guest, decided once per process (probing
 * at most once per host boot); v, when not NULL, says how. */
enum vm_accel vm_accel(struct vm_verdict *v);

/* An automatically chosen KVM guest printed nothing (why says so): TCG
 * from now on, remembered for this host. */
void vm_accel_demote(const char *why);

const char *vm_accel_name(enum vm_accel a); /* "kvm", "tcg" */

/* The qemu binary: $LIBGUESTFS_HV (libguestfs obeys it too, so both run
 * the same qemu), else qemu-system-x86_64 from PATH. */
const char *vm_qemu(void);

/* The kernel the probe boots, as supermin picks it for libguestfs's
 * appliance: $SUPERMIN_KERNEL, else the newest readable /boot/vmlinuz-*;
 * NULL when there is none. The caller frees it. */
char *vm_probe_kernel(void);

#define VMBOOT_EXPECT "login:"
#define VMBOOT_TIMEOUT 300 /* seconds */
#define VMBOOT_OVMF "/usr/share/ovmf/OVMF.fd"

struct vmboot_opts {
	const char *image;       /* raw, qcow2... (format from its magic); may
				  * be NULL with kernel */
	const char *kernel;      /* optional direct kernel boot (-kernel) */
	const char *append;      /* its command line, e.g. "console=ttyS0" */
	const char *expect;      /* POSIX extended regex, matched against each
				  * console line (escape sequences and \r
				  * dropped) and against the unfinished last
				  * line, so a prompt matches: "$" may match
				  * where a read ended; NULL: VMBOOT_EXPECT */
	unsigned timeout;        /* seconds; 0: VMBOOT_TIMEOUT */
	unsigned memory_mb;      /* 0: 1024 */
	unsigned cpus;           /* 0: 1 */
	int efi;                 /* boot with UEFI firmware (OVMF) */
	int user_net;            /* 1: a user-mode NIC, outbound only, no host
				  * forwarding; 0: no network */
	const char *console_log; /* the whole console is copied here, or NULL */
};

struct vmboot_result {
	double seconds;          /* from starting qemu to the match */
	const char *accel;       /* "kvm" or "tcg": what the match ran under */
	double fallback_seconds; /* lost to a silent KVM before TCG; 0: none */
	char line[256];          /* the (maybe unfinished) line that matched */
};

/* Boots and waits. Fails (JEOS_EXIT_FAILED) on timeout or if qemu exits
 * first, with the last console lines and qemu's own messages in err;
 * JEOS_EXIT_USAGE for a bad regex. The guest shuts down with -no-reboot:
 * a reboot or a panic before the match ends qemu and fails the boot. The
 * timeout applies to the TCG run again after a KVM fallback. */
int vmboot_run(const struct vmboot_opts *opts, struct vmboot_result *res,
	       struct jeos_error *err);

#endif
