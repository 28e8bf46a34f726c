/* extlinux.h - re-pointing an installed extlinux (syslinux 6) at the place
 * ldlinux.sys occupies after jeos rewrote its filesystem, without running
 * extlinux again.
 *
 * `extlinux --install DIR` writes DIR/ldlinux.sys, maps its sectors and
 * patches two things with that map: ldlinux.sys itself (the sector
 * extents its first sector loads the rest from, the two ADV sector
 * pointers, a checksum) and the boot sector it writes at the start of the
 * filesystem (the "VBR": the address of ldlinux.sys's first sector, plus
 * the partition's start and length). Moving the file's blocks, or the
 * filesystem to another partition start, invalidates that patch;
 * extlinux_repatch() redoes it for the new place.
 *
 * The sector numbers are partition-relative (filesystem block * (block
 * size / 512) + k), as the installer gets them from FIEMAP on the
 * partition: the boot sector's code adds the partition's start at run
 * time, taken from the partition entry the MBR code (mbr.bin, gptmbr.bin)
 * hands over, or, failing that, from the boot sector's hidden-sectors
 * field. So moving a whole filesystem to another partition start changes
 * only that field; MBR or GPT partitioning makes no other difference.
 */
#ifndef JEOS_EXTLINUX_H
#define JEOS_EXTLINUX_H

#include <stddef.h>
#include <stdint.h>
#include "util.h"

struct extlinux_place {
	uint64_t part_start;     /* the partition's first LBA on the disk */
	uint64_t part_sectors;   /* the partition's length, in 512-byte sectors */
	const uint64_t *sectors; /* every 512-byte sector of ldlinux.sys, in file
				  * order, the two trailing ADV sectors included:
				  * partition-relative LBAs (see above) */
	size_t nr_sectors;       /* = ldlinux_len / 512 */
};

/* ldlinux (ldlinux_len bytes) is /boot/.../ldlinux.sys as the installer
 * left it (patched for its old place, ADV included); vbr is the first 512
 * bytes of the filesystem as the installer wrote them. Rewrites both in
 * place for `place`, so they equal what extlinux --install would have
 * written had ldlinux.sys been there:
 *   ldlinux.sys: the sector extents (runs of consecutive sectors, at most
 *     127 each, for file sectors 1 to n-3), the two ADV sector pointers
 *     (sectors n-2, n-1) and the checksum;
 *   boot sector: the pointer to file sector 0 (in its code), the hidden
 *     sectors (part_start) and the total sectors (part_sectors); the
 *     32-bit fields are truncated as extlinux does (the partition start
 *     the MBR hands over is 64-bit, and ext filesystems ignore the size).
 * Everything else is kept: the geometry extlinux guessed (the boot code
 * asks the BIOS instead), the install directory, the ADV's content, the
 * RAID and "stupid" options.
 * Fails, touching nothing, if ldlinux is not an installed syslinux 6
 * ldlinux.sys (no patch area magic in its first sector, or a length its
 * patch area does not describe), vbr is not syslinux 6's boot sector, the
 * sector count is not the file's, a sector is 0 (a hole: ldlinux.sys must
 * be fully allocated, which mke2fs -d and debugfs's write, skipping zero
 * blocks, do not guarantee) or past the partition's end, or the runs do
 * not fit the extent slots of the patch area. */
int extlinux_repatch(unsigned char *ldlinux, size_t ldlinux_len, unsigned char vbr[512],
		     const struct extlinux_place *place, struct jeos_error *err);

#endif
