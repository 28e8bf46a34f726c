/* vmboot.h - boot a disk image in qemu and wait for its serial console to
 * print a line matching a regex: the backend of `jeos boot` and of the
 * boot check after a build.
 *
 * The image is never modified (qemu's snapshot=on: writes go to a
 * temporary overlay qemu unlinks at once). KVM is used when guest_accel()
 * says it works, else TCG. qemu is killed on every path out.
 */
#ifndef JEOS_VMBOOT_H
#define JEOS_VMBOOT_H

#include "util.h"

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
	const char *backend_settings; /* --backend-settings, as guest_accel() */
};

struct vmboot_result {
	double seconds;          /* from starting qemu to the match */
	const char *accel;       /* "kvm", "tcg" or "kvm:tcg" */
	char line[256];          /* the (maybe unfinished) line that matched */
};

/* Boots and waits. Fails (JEOS_EXIT_FAILED) on timeout or if qemu exits
 * first, with the last console lines and qemu's own messages in err;
 * JEOS_EXIT_USAGE for a bad regex. The guest shuts down with -no-reboot:
 * a reboot or a panic before the match ends qemu and fails the boot. */
int vmboot_run(const struct vmboot_opts *opts, struct vmboot_result *res,
	       struct jeos_error *err);

#endif
