/* imgcheck.h - the gate for disk images users hand to jeos (`jeos convert`,
 * `jeos boot`; no command adds a user's image to libguestfs): what format
 * an image is, and that opening it reads that one file and nothing else.
 *
 * Such images are not trusted. qemu follows what their headers name: a
 * qcow2 or qed backing file, a qcow2 external data file, a VMDK parent
 * (parentFileNameHint) or the extent files of a VMDK descriptor, each of
 * them any path on the host (/etc/shadow, ~/.ssh/id_ed25519, a FIFO that
 * blocks forever), whose bytes then end up in the converted disk or in the
 * booted guest. So the headers are read here, natively and bounded (a few
 * KiB at fixed offsets, from a descriptor opened O_NONBLOCK, never
 * following a name), and any image that names another file is refused;
 * `qemu-img info` cannot decide this, as it opens a VMDK's extents itself.
 * vdi and vhdx name no file qemu opens (it refuses their differencing
 * images).
 */
#ifndef JEOS_IMGCHECK_H
#define JEOS_IMGCHECK_H

#include <stdint.h>

#include "util.h"

/* The largest virtual disk accepted: the largest file ext4 holds (the
 * conversions go through a sparse raw file); no appliance comes near. */
#define IMG_MAX_VIRTUAL_SIZE (16ULL << 40)

struct img_info {
	const char *format;     /* qemu's name: "raw", "qcow2", "vmdk", "qed",
				 * "vdi", "vhdx"; raw for anything else, so
				 * qemu never probes */
	uint64_t virtual_size;  /* bytes of disk; 0 where the header does not
				 * say it (vhdx) */
};

/* Checks PATH, a regular file, and fills info. Fails with JEOS_EXIT_USAGE
 * and a message naming PATH and what it names (sanitized, bounded) for a
 * backing file, an external data file, a VMDK parent or extent files, a
 * qcow2 version other than 2 or 3, a virtual size over
 * IMG_MAX_VIRTUAL_SIZE, or a file that is not a regular file (a FIFO is
 * never waited on); "cannot open PATH: ..." when it cannot be opened. */
int img_check(const char *path, struct img_info *info, struct jeos_error *err);

/* Only the format, by the same magic: for jeos's own images (an overlay
 * it made names its backing file on purpose), never for a user's. */
int img_format(const char *path, const char **format, struct jeos_error *err);

/* qemu-img convert of a checked image to the raw file RAW, killed if it
 * runs longer than a minute plus one second per 16 MiB of virtual disk. */
int img_convert_to_raw(const char *path, const struct img_info *info, const char *raw,
		       struct jeos_error *err);

#endif
