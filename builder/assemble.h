/* assemble.h - the appliance's disk, assembled through libguestfs: every
 * privileged step (partitioning, mkfs, unpacking, dpkg, users, bootloader)
 * runs inside libguestfs's own small VM, so a build needs no root, no loop
 * devices and no mounts on the host.
 *
 * Stages (each reported as progress):
 *   packages  a sparse scratch disk laid out as disk.h says (GPT, ESP or
 *             BIOS boot partition, root), ext4 and the ESP made on the
 *             host with the identity's UUIDs (identity.h);
 *             the host-made tar of all packages (rootfs.h) streamed in;
 *             preinst, then dpkg --configure -a (services blocked). The
 *             result is cached under a hash of exactly what made it, and
 *             the next build with the same packages starts from a copy.
 *   setup     users, hostname, hosts, fstab, locale, timezone, network,
 *             overlays, root/, archives, config.sh, then the recipe's
 *             uninstall (with dependents) and delete (alone) packages
 *   boot      kernel command line and bootloader (boot.h)
 *   finish    images.sh, hygiene, unmount; then, on the host, the final
 *             disk: a fresh partition table, the root filesystem rewritten
 *             from the scratch one in byte order with every time clamped
 *             to the epoch (ext4.h), the ESP likewise, the bootloader's
 *             boot code carried over (boot_finish). The scratch disk was
 *             mounted read-write by a kernel and is never reproducible;
 *             the final disk is, byte for byte. xfs and btrfs images are
 *             the scratch disk itself (fstrimmed), and not reproducible.
 * Guest scripts (dpkg's, config.sh, images.sh) see SOURCE_DATE_EPOCH.
 */
#ifndef JEOS_ASSEMBLE_H
#define JEOS_ASSEMBLE_H

#include <stdint.h>
#include "identity.h"
#include "kernel.h"
#include "pkgset.h"
#include "recipe.h"
#include "util.h"

struct image {
	char *raw_path;       /* the finished raw disk */
	uint64_t disk_bytes;  /* its virtual size */
	uint64_t used_bytes;  /* used in the root filesystem */
	char *root_uuid;
	char *root_partuuid;  /* the root partition's GPT GUID */
	char *esp_uuid;       /* EFI firmware: the EFI system partition's */
	char *kernel_version; /* e.g. "6.1.0-28-cloud-amd64" */
	char *installed;      /* "name version arch\n" per package in the image */
};

struct assemble_options {
	const char *overlays_dir;  /* the project's overlays/ */
	const char *work_dir;      /* scratch space for the rootfs tar */
	const char *cache_dir;     /* keeps configured roots; NULL: none */
	const struct identity *id; /* seeds and the epoch every time is clamped to */
	const struct built_kernel *kernel; /* <jeos:kernel build="true">, else NULL */
};

/* Builds raw_path (written under a temporary name, renamed when complete)
 * for recipe r from the fetched package set. */
int assemble_image(const struct recipe *r, const struct pkgset *set,
		   const struct assemble_options *opts, const char *raw_path,
		   struct image *img, struct jeos_error *err);
void image_free(struct image *img);

/* The setup stage's script (hostname, hosts, fstab, time zone, locale,
 * keymap, network, users) for sh -e in the image. Every recipe value in it
 * is a word quoted by strbuf_add_sh_quoted, never script text. */
int assemble_setup_script(struct strbuf *sh, const struct recipe *r, const struct image *img,
			  const struct identity *id, struct jeos_error *err);

#endif
