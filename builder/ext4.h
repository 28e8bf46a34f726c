/* ext4.h - the appliance's final ext4 filesystem, written on the host.
 *
 * The root filesystem is built in the libguestfs VM on a scratch ext4,
 * which a kernel mounts read-write: where inodes and blocks land, the
 * timestamps and the journal differ from build to build. The image that
 * ships is made here instead, without root and without mounting: an empty
 * filesystem made by the host's mke2fs from fixed parameters, then the
 * scratch filesystem's tree copied into it with libext2fs in a fixed
 * order, every time clamped to SOURCE_DATE_EPOCH. The same tree gives the
 * same bytes, whatever the scratch filesystem's layout, the host, the
 * time or the umask (with the same e2fsprogs release: another one may lay
 * the filesystem out differently).
 *
 * Messages name the image and the path: "root.img: /usr/bin/foo: Could
 * not allocate block in ext2 filesystem: the disk is too small: raise
 * <size>". On error the destination filesystem is left half-written.
 */
#ifndef JEOS_EXT4_H
#define JEOS_EXT4_H

#include <stddef.h>
#include <stdint.h>
#include "util.h"

struct ext4_params {
	const char *label;     /* at most 16 bytes, e.g. "root" */
	const char *uuid;      /* the filesystem's UUID, "8-4-4-4-12" hex digits */
	const char *hash_seed; /* the directory hash seed, in the same form */
	int64_t epoch;         /* SOURCE_DATE_EPOCH, 1 to 2^32-1: the
				* superblock's times (libext2fs takes 0 as
				* "now" and keeps them in 32 bits) */
};

struct ext4_stats {
	uint64_t files;       /* inodes other than directories (a file with
			       * several names counts once) */
	uint64_t dirs;        /* directories, the root and lost+found included */
	uint64_t bytes_used;  /* the destination's blocks in use, metadata included */
	uint64_t bytes_tree;  /* what the tree added to the empty filesystem: df's
			       * "used" (no journal, inode tables, bitmaps) */
};

/* Makes an empty ext4 filesystem of BYTES (a multiple of 4096) at byte
 * OFFSET of IMAGE, a regular file at least OFFSET + BYTES long; the range
 * is zeroed (punched out, so it stays sparse) and the bytes around it are
 * left alone. mke2fs runs with jeos's own configuration, not the host's
 * /etc/mke2fs.conf: Debian 12's ext4 features (has_journal, extent,
 * huge_file, flex_bg, metadata_csum, 64bit, dir_nlink, extra_isize over
 * sparse_super, large_file, filetype, resize_inode, dir_index, ext_attr;
 * no orphan_file or metadata_csum_seed, which grub 2.06 cannot read),
 * 4096-byte blocks, 256-byte inodes, Debian's inode ratios, every time set
 * to p->epoch; what mke2fs takes from the host (the directory hash's
 * signedness follows the CPU's char, the lifetime-writes counter how the
 * host's filesystem zeroes ranges) is then set to fixed values. */
int ext4_mkfs(const char *image, uint64_t offset, uint64_t bytes,
	      const struct ext4_params *p, struct jeos_error *err);

/* Copies the whole tree of the ext4 (or ext2/ext3) filesystem at byte
 * SRC_OFFSET of SRC_IMAGE (clean, unmounted; only read) into the empty
 * filesystem ext4_mkfs made at DST_OFFSET of DST_IMAGE, and closes it.
 * Directories are walked depth first, their entries in strcmp order. Each
 * inode keeps its type, mode, owner, size, data, symlink target, device
 * number, extended attributes (POSIX ACLs and security.capability among
 * them) and its immutable, append-only, nodump and noatime flags; names of
 * one inode stay hard links. atime, mtime and ctime become min(time,
 * epoch), a clamped time losing its nanoseconds, and the creation time is
 * the clamped mtime. All-zero 4 KiB blocks of files become holes, except
 * in immutable files: extlinux marks ldlinux.sys so, and its boot sector
 * loads it by sector (the source's holes stay holes). The
 * root directory and lost+found take the source's attributes. st may be
 * NULL.
 *
 * The source is not trusted (root in the guest can write its blocks):
 * e2fsck -fn checks it first (the error quotes its report; if it does
 * not finish within 2 s plus 1 s per 32 MiB used, a warning says so),
 * then the copy checks what it reads itself. The filesystem lies within
 * its file, the root is a directory, no entry names a reserved inode.
 * Every inode is copied once (a directory with a second name or inside
 * itself is an error; a file's names up to its link count are hard
 * links), every block is mapped
 * once and in use (overlapping extents or a loop in an extent tree are
 * errors, so no more than the used blocks are read), a file's size fits
 * ext4 and a fast symlink's its inode, names hold no '/' or NUL and "."
 * and ".." come first and only there, directories nest at most 2048
 * deep, and the whole runs under a deadline of a minute plus a second
 * per 4 MiB of the source. Errors name the path and the inode. */
int ext4_copy_tree(const char *src_image, uint64_t src_offset,
		   const char *dst_image, uint64_t dst_offset, int64_t epoch,
		   struct ext4_stats *st, struct jeos_error *err);

/* The 512-byte sectors holding the data of the regular file PATH (e.g.
 * "/boot/syslinux/ldlinux.sys") in the filesystem at byte OFFSET of IMAGE,
 * numbered from the filesystem's first byte, in file order: one for every
 * 512 bytes of its size, rounded up. extlinux patches this list into its
 * boot sector to load ldlinux.sys, so a file with a hole is an error.
 * The caller frees *sectors. */
int ext4_file_sectors(const char *image, uint64_t offset, const char *path,
		      uint64_t **sectors, size_t *nr, struct jeos_error *err);

#endif
