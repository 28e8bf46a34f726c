/* fuzz_ext4.c - the ext4 copier (ext4_copy_tree, ext4_file_sectors) with
 * arbitrary bytes as the source filesystem image. The destination is an
 * empty 16 MiB filesystem, made by ext4_mkfs once and restored from
 * memory before every input (mke2fs per input would be the whole run). */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ext4.h"
#include "fuzz.h"

#define DST_BYTES (16u << 20)
#define BLOCK 4096u

static const unsigned char zero[BLOCK];

static unsigned char *empty_fs; /* the fresh destination, DST_BYTES */
static size_t *used, nr_used;   /* the offsets of its non-zero blocks */

/* Makes the destination filesystem once and keeps its bytes. */
static void make_empty_fs(const char *dst)
{
	const struct ext4_params p = {
		.label = "root",
		.uuid = "5b1e7d3c-2f4a-4c8e-9d61-0a7b3c2e1f00",
		.hash_seed = "0c2d4e6f-8a1b-4c3d-9e5f-7a8b9c0d1e2f",
		.epoch = 1700000000,
	};
	struct jeos_error err;
	int fd = open(dst, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	empty_fs = xmalloc(DST_BYTES);
	if (fd < 0 || ftruncate(fd, DST_BYTES) < 0 || close(fd) < 0 ||
	    ext4_mkfs(dst, 0, DST_BYTES, &p, &err) < 0 || (fd = open(dst, O_RDONLY)) < 0 ||
	    pread(fd, empty_fs, DST_BYTES, 0) != DST_BYTES || close(fd) < 0)
		abort();
	used = xcalloc(DST_BYTES / BLOCK, sizeof(*used));
	for (size_t off = 0; off < DST_BYTES; off += BLOCK)
		if (memcmp(empty_fs + off, zero, BLOCK))
			used[nr_used++] = off;
}

/* dst becomes the empty filesystem again: its non-zero blocks written
 * over a sparse file. */
static void restore_empty_fs(const char *dst)
{
	int fd = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0 || ftruncate(fd, DST_BYTES) < 0)
		abort();
	for (size_t i = 0; i < nr_used; i++)
		if (pwrite(fd, empty_fs + used[i], BLOCK, (off_t)used[i]) != BLOCK)
			abort();
	if (close(fd) < 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	CLEANUP_FREE char *src = fuzz_file("src.img", data, size);
	CLEANUP_FREE char *dst = xasprintf("%s/dst.img", fuzz_dir());
	CLEANUP_FREE uint64_t *sectors = NULL;
	struct ext4_stats st;
	struct jeos_error err;
	size_t nr;

	if (!empty_fs)
		make_empty_fs(dst);
	restore_empty_fs(dst);
	ext4_copy_tree(src, 0, dst, 0, 1700000000, &st, &err);
	ext4_file_sectors(src, 0, "/boot/syslinux/ldlinux.sys", &sectors, &nr, &err);
	return 0;
}
