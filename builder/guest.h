/* guest.h - a libguestfs appliance over jeos's disk images, launched with
 * the accelerator vmboot.h chooses (KVM if usable, else TCG; a launch
 * under an automatic KVM that prints nothing is relaunched under TCG),
 * its errors routed into struct jeos_error, and deadlines so a stuck
 * guest command fails with a clear message instead of hanging.
 *
 *	struct guest_drive d = { .path = "disk.raw", .cachemode = "unsafe" };
 *	struct guest *gu;
 *	if (guest_open(&gu, &d, 1, NULL, err) < 0)
 *		return -1;
 *	guest_set_deadline(gu, 600);
 *	if (guestfs_mkfs(guest_handle(gu), "ext4", "/dev/sda1") < 0)
 *		rc = guest_fail(gu, err, "mkfs /dev/sda1");
 *	guest_set_deadline(gu, 0);
 *	if (rc == 0)
 *		rc = guest_shutdown(gu, err);   (flushes; check it before
 *	guest_close(gu);                         trusting a written image)
 *
 * libguestfs itself bounds only the launch (20 minutes); a command that
 * never returns would block forever, hence guest_set_deadline().
 */
#ifndef JEOS_GUEST_H
#define JEOS_GUEST_H

#include <stddef.h>
#include <guestfs.h>

#include "util.h"

/* The qemu format name of a disk image from its magic: "qcow2", "vmdk",
 * "vdi", "vhdx", "qed", else "raw". Fails if the file cannot be read. For
 * jeos's own images: a user's goes through img_check() first. */
int guest_image_format(const char *path, const char **format,
		       struct jeos_error *err);

struct guest_drive {
	const char *path;
	const char *format;    /* NULL: guest_image_format() */
	int readonly;
	const char *cachemode; /* NULL: "writeback"; "unsafe" for images being
				* built (guest_shutdown() still syncs) */
};

struct guest_opts {
	int memsize_mb;               /* 0: libguestfs's default */
	int smp;                      /* 0: 1 vCPU */
	unsigned launch_timeout;      /* seconds; 0: GUEST_LAUNCH_TIMEOUT */
	int verbose;                  /* copy the appliance console to stderr */
};

/* Generous: a warm launch takes ~25 s under TCG, a cold one (supermin
 * builds the appliance first) ~35 s. */
#define GUEST_LAUNCH_TIMEOUT 300

struct guest;

/* Creates the handle, adds the drives (the guest sees them as /dev/sda,
 * /dev/sdb... in order) and launches it. opts may be NULL. On failure
 * *out is NULL and err holds libguestfs's message plus the appliance's
 * last console lines. */
int guest_open(struct guest **out, const struct guest_drive *drives,
	       size_t ndrives, const struct guest_opts *opts,
	       struct jeos_error *err);

/* For guestfs_* calls; use it from the thread that opened the guest. */
guestfs_h *guest_handle(struct guest *gu);

/* Bounds the guest commands that follow: if `seconds` pass before
 * guest_set_deadline() is called again, a watchdog kills qemu, the
 * pending call fails and guest_fail() says it timed out. The guest is
 * unusable afterwards. 0 disarms. */
void guest_set_deadline(struct guest *gu, unsigned seconds);

/* After a guestfs_* call failed: fills err with "<what>: <libguestfs's
 * message>" (or "timed out"), plus the appliance's last console lines if
 * the appliance died, and returns -1. */
int guest_fail(struct guest *gu, struct jeos_error *err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Scripts run with SOURCE_DATE_EPOCH=epoch in their environment (dpkg,
 * shadow, mkinitramfs and friends then stamp that time, not today's). */
void guest_set_script_epoch(struct guest *gu, int64_t epoch);

/* Runs a shell script (sh -e) in the mounted root: a chroot with /dev,
 * /proc and /sys bound by libguestfs. On failure err carries the script's
 * output (it runs with stdout sent to stderr, which libguestfs reports). */
int guest_run_script(struct guest *gu, const char *what, const char *script,
		     struct jeos_error *err);

/* Syncs the disks and stops the appliance, reporting write or qemu
 * errors. A written image is trustworthy only once this returned 0. */
int guest_shutdown(struct guest *gu, struct jeos_error *err);

/* Kills the appliance if still running and frees everything; NULL is a
 * no-op. */
void guest_close(struct guest *gu);

#endif
