/* extlinux.c - see extlinux.h. The layout is syslinux 6's (its installer's
 * libinstaller/syslxint.h and syslxmod.c, extlinux/main.c), checked
 * byte for byte against Debian's extlinux 6.04 by tests/unit/test_extlinux.c.
 * All fields are little-endian and may be unaligned. */
#include "extlinux.h"

#include <string.h>

#define SECTOR 512u
#define LDLINUX_MAGIC 0x3eb202fe
#define ADV_SECTORS 2u

/* The patch area: at a 4-byte aligned offset of ldlinux.sys's first
 * sector, the only one the boot sector loads before it is used. */
#define PA_MAGIC 0
#define PA_DATA_SECTORS 8  /* u16: sectors before the ADV */
#define PA_ADV_SECTORS 10  /* u16 */
#define PA_DWORDS 12       /* u32: the checksummed length / 4 (ADV excluded) */
#define PA_CHECKSUM 16     /* u32: makes the dwords sum to LDLINUX_MAGIC */
#define PA_EPA_OFFSET 22   /* u16: the extended patch area, from the file's start */
#define PA_SIZE 24

/* The extended patch area: offsets of the other fields. */
#define EPA_ADV_PTRS 0     /* u16: -> two u64 LBAs */
#define EPA_EXTENTS 10     /* u16: -> extent slots */
#define EPA_NR_EXTENTS 12  /* u16: how many slots */
#define EPA_SECT1_LO 14    /* u16: boot sector offset of the u32 low half */
#define EPA_SECT1_HI 16    /* u16: ... and of the high half */
#define EPA_SIZE 20
#define EXTENT_SIZE 10     /* u64 first LBA, u16 sector count */
/* The installer keeps each run under 64 KiB (127 sectors, also the most
 * one EDD read may ask for). Its other test, that a run not cross a
 * 64 KiB boundary of the load address, compares the address of a sector's
 * first and last bytes, which are never 64 KiB apart: it never splits. */
#define EXTENT_MAX 127u

/* The boot sector: a FAT-style BPB and a syslinux signature at the end. */
#define VBR_TOTAL16 0x13   /* u16: total sectors, 0 if they need more bits */
#define VBR_HIDDEN 0x1c    /* u32: the partition's start */
#define VBR_TOTAL32 0x20   /* u32 */
#define VBR_MAGIC 0x1f8    /* u32 LDLINUX_MAGIC */
#define VBR_LINK 0x1fc     /* u16: version bits | offset of the loader code */
#define VBR_SIGNATURE 0x1fe
#define VBR_VERSION_MASK 0xfe00u
#define VBR_VERSION (0x1bu << 9) /* syslinux 6's BS_MAGIC_VER */

/* Writes the runs of sectors[0..n) into slots (if not NULL) and returns
 * how many there are. */
static size_t make_extents(const uint64_t *sectors, size_t n, unsigned char *slots)
{
	size_t nr = 0;

	for (size_t i = 0; i < n;) {
		size_t len = 1;

		while (i + len < n && len < EXTENT_MAX && sectors[i + len] == sectors[i] + len)
			len++;
		if (slots) {
			le64_put(slots + nr * EXTENT_SIZE, sectors[i]);
			le16_put(slots + nr * EXTENT_SIZE + 8, (uint32_t)len);
		}
		nr++;
		i += len;
	}
	return nr;
}

int extlinux_repatch(unsigned char *ldlinux, size_t ldlinux_len, unsigned char vbr[512],
		     const struct extlinux_place *place, struct jeos_error *err)
{
	size_t pa, epa, image_len, ext, nr_slots, adv, sect1_lo, sect1_hi, nr_extents;
	const uint64_t *s = place->sectors;
	size_t n = place->nr_sectors;
	uint32_t sum = 0;

	if (ldlinux_len % SECTOR || ldlinux_len < (ADV_SECTORS + 1) * SECTOR)
		return jeos_fail(err, JEOS_EXIT_FAILED,
				 "ldlinux.sys: %zu bytes is not a whole number of sectors, "
				 "at least 3", ldlinux_len);
	for (pa = 0; pa + PA_SIZE <= SECTOR; pa += 4)
		if (le32_get(ldlinux + pa + PA_MAGIC) == LDLINUX_MAGIC)
			break;
	if (pa + PA_SIZE > SECTOR)
		return jeos_fail(err, JEOS_EXIT_FAILED,
				 "ldlinux.sys is not syslinux 6's: no patch area (magic 0x%08x) "
				 "in its first sector", LDLINUX_MAGIC);
	image_len = ldlinux_len - ADV_SECTORS * SECTOR;
	/* Checked rather than rewritten: a mismatch means a truncated read
	 * or a file extlinux did not install. */
	if (le32_get(ldlinux + pa + PA_DWORDS) != image_len / 4 ||
	    le16_get(ldlinux + pa + PA_DATA_SECTORS) != image_len / SECTOR ||
	    le16_get(ldlinux + pa + PA_ADV_SECTORS) != ADV_SECTORS)
		return jeos_fail(err, JEOS_EXIT_FAILED,
				 "ldlinux.sys: its patch area describes %u + %u sectors "
				 "(%u bytes checksummed), not this %zu-byte file: not as "
				 "extlinux installed it",
				 (unsigned)le16_get(ldlinux + pa + PA_DATA_SECTORS),
				 (unsigned)le16_get(ldlinux + pa + PA_ADV_SECTORS),
				 (unsigned)le32_get(ldlinux + pa + PA_DWORDS) * 4, ldlinux_len);
	epa = le16_get(ldlinux + pa + PA_EPA_OFFSET);
	if (epa + EPA_SIZE > image_len)
		return jeos_fail(err, JEOS_EXIT_FAILED,
				 "ldlinux.sys: extended patch area at %zu is past its end", epa);
	ext = le16_get(ldlinux + epa + EPA_EXTENTS);
	nr_slots = le16_get(ldlinux + epa + EPA_NR_EXTENTS);
	adv = le16_get(ldlinux + epa + EPA_ADV_PTRS);
	sect1_lo = le16_get(ldlinux + epa + EPA_SECT1_LO);
	sect1_hi = le16_get(ldlinux + epa + EPA_SECT1_HI);
	if (ext + nr_slots * EXTENT_SIZE > image_len || adv + 16 > image_len ||
	    sect1_lo + 4 > SECTOR || sect1_hi + 4 > SECTOR)
		return jeos_fail(err, JEOS_EXIT_FAILED,
				 "ldlinux.sys: its extended patch area points past its end "
				 "or the boot sector's");
	if (le32_get(vbr + VBR_MAGIC) != LDLINUX_MAGIC ||
	    (le16_get(vbr + VBR_LINK) & VBR_VERSION_MASK) != VBR_VERSION ||
	    le16_get(vbr + VBR_SIGNATURE) != 0xaa55)
		return jeos_fail(err, JEOS_EXIT_FAILED,
				 "the boot sector is not syslinux 6's (no magic 0x%08x, "
				 "version 0x%04x and 0xaa55 at its end)", LDLINUX_MAGIC, VBR_VERSION);
	if (n != ldlinux_len / SECTOR)
		return jeos_fail(err, JEOS_EXIT_FAILED,
				 "%zu sectors given for a %zu-sector ldlinux.sys", n,
				 ldlinux_len / SECTOR);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == 0)
			return jeos_fail(err, JEOS_EXIT_FAILED,
					 "sector %zu of ldlinux.sys is 0, the boot sector's: "
					 "a hole? ldlinux.sys must be fully allocated", i);
		if (s[i] >= place->part_sectors)
			return jeos_fail(err, JEOS_EXIT_FAILED,
					 "sector %zu of ldlinux.sys (%llu) is past the end of the "
					 "%llu-sector partition (sectors are partition-relative)",
					 i, (unsigned long long)s[i],
					 (unsigned long long)place->part_sectors);
	}
	/* Sector 0 is the boot sector's to load; the ADV is not loaded. */
	nr_extents = make_extents(s + 1, n - 1 - ADV_SECTORS, NULL);
	if (nr_extents > nr_slots)
		return jeos_fail(err, JEOS_EXIT_FAILED,
				 "ldlinux.sys's sectors make %zu runs; its patch area holds "
				 "%zu: too fragmented", nr_extents, nr_slots);

	le32_put(vbr + sect1_lo, (uint32_t)s[0]);
	le32_put(vbr + sect1_hi, (uint32_t)(s[0] >> 32));
	le32_put(vbr + VBR_HIDDEN, (uint32_t)place->part_start);
	le16_put(vbr + VBR_TOTAL16, place->part_sectors < 65536 ? (uint32_t)place->part_sectors : 0);
	le32_put(vbr + VBR_TOTAL32, (uint32_t)place->part_sectors);

	memset(ldlinux + ext, 0, nr_slots * EXTENT_SIZE);
	make_extents(s + 1, n - 1 - ADV_SECTORS, ldlinux + ext);
	le64_put(ldlinux + adv, s[n - 2]);
	le64_put(ldlinux + adv + 8, s[n - 1]);
	le32_put(ldlinux + pa + PA_CHECKSUM, 0);
	for (size_t off = 0; off < image_len; off += 4)
		sum += le32_get(ldlinux + off);
	le32_put(ldlinux + pa + PA_CHECKSUM, LDLINUX_MAGIC - sum);
	return 0;
}
