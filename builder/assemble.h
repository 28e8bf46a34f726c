/* assemble.h - the appliance's disk, assembled through libguestfs: every
 * privileged step (partitioning, mkfs, unpacking, dpkg, users, bootloader)
 * runs inside libguestfs's own small VM, so a build needs no root, no loop
 * devices and no mounts on the host.
 *
 * Stages (each reported as progress):
 *   disk      sparse raw file, MBR partition table, one bootable root
 *             partition, the recipe's filesystem with a label and UUID
 *   rootfs    the host-made tar of all packages (rootfs.h) streamed in
 *   configure preinst, then dpkg --configure -a (services blocked)
 *   setup     users, hostname, hosts, fstab, locale, timezone, network,
 *             overlays, root/, archives, config.sh
 *   boot      kernel command line and bootloader (boot.h)
 *   finish    images.sh, hygiene, fstrim, unmount
 */
#ifndef JEOS_ASSEMBLE_H
#define JEOS_ASSEMBLE_H

#include <stdint.h>
#include "pkgset.h"
#include "recipe.h"
#include "util.h"

struct image {
	char *raw_path;       /* the finished raw disk */
	uint64_t disk_bytes;  /* its virtual size */
	uint64_t used_bytes;  /* used in the root filesystem */
	char *root_uuid;
	char *kernel_version; /* e.g. "6.1.0-28-cloud-amd64" */
};

struct assemble_options {
	const char *overlays_dir;  /* the project's overlays/ */
	const char *work_dir;      /* scratch space for the rootfs tar */
	int64_t mtime;             /* stamps files jeos writes */
};

/* Builds raw_path (written under a temporary name, renamed when complete)
 * for recipe r from the fetched package set. */
int assemble_image(const struct recipe *r, const struct pkgset *set,
		   const struct assemble_options *opts, const char *raw_path,
		   struct image *img, struct jeos_error *err);
void image_free(struct image *img);

#endif
