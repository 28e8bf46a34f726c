/* disk.h - the appliance disk's layout, written on the host: sfdisk and
 * mkfs.fat/mtools work on a regular file, so no root, no loop device and
 * no guest is needed, and every identifier comes from identity.h, so two
 * builds give the same bytes.
 *
 * Always GPT, partitions aligned to 1 MiB:
 *   BIOS, grub2     1 BIOS boot (1 MiB: grub's core.img), 2 root
 *   BIOS, extlinux  1 root, legacy BIOS bootable (syslinux's gptmbr.bin
 *                   in the first 440 bytes boots it)
 *   EFI             1 EFI system partition (64 MiB, FAT), 2 root
 * Root has the Discoverable Partitions type for x86-64 root.
 */
#ifndef JEOS_DISK_H
#define JEOS_DISK_H

#include <stdint.h>
#include "identity.h"
#include "recipe.h"
#include "util.h"

#define DISK_SECTOR 512

enum part_role { PART_BIOS_BOOT, PART_ESP, PART_ROOT };

struct partition {
	enum part_role role;
	int number;           /* 1-based: /dev/sdaN in the guest */
	uint64_t start, size; /* 512-byte sectors */
	char guid[37];        /* its PARTUUID */
};

struct disk_layout {
	uint64_t bytes;
	char disk_guid[37];
	struct partition parts[3];
	size_t nr;
	int legacy_bootable;  /* extlinux: root has the legacy BIOS bootable attribute */
	char root_uuid[37];   /* the root filesystem's UUID and directory hash seed */
	char root_hash_seed[37];
	char esp_volid[10];   /* "1A2B-3C4D", as fstab names a FAT volume */
};

void disk_layout_init(struct disk_layout *d, const struct recipe *r, uint64_t bytes,
		      const struct identity *id);
/* The partition with that role, or NULL. */
const struct partition *disk_partition(const struct disk_layout *d, enum part_role role);
/* Everything that makes the layout, one line: for cache keys. */
void disk_layout_describe(const struct disk_layout *d, struct strbuf *sb);

/* path: a new sparse file of d->bytes with just the partition table.
 * work_dir takes sfdisk's script and log. */
int disk_create(const struct disk_layout *d, const char *path, const char *work_dir,
		struct jeos_error *err);
/* An empty FAT file system in the EFI system partition of path, with the
 * layout's volume id and fixed times (mkfs.fat --invariant). */
int disk_make_esp(const struct disk_layout *d, const char *path, const char *work_dir,
		  struct jeos_error *err);
/* Copies every file of src's EFI system partition into dst's (empty, from
 * disk_make_esp), directories first and each in byte order, times clamped
 * to epoch: the same files give the same FAT. */
int disk_copy_esp(const struct disk_layout *d, const char *src, const char *dst,
		  const char *work_dir, int64_t epoch, struct jeos_error *err);
/* Copies len bytes at offset from the file src into dst (boot code). */
int disk_copy_bytes(const char *src, const char *dst, uint64_t offset, uint64_t len,
		    struct jeos_error *err);

#endif
