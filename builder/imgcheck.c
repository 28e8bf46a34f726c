/* imgcheck.c - see imgcheck.h.
 *
 * Offsets are those of the formats' specifications and of qemu's drivers
 * (block/qcow2.c, block/vmdk.c, block/qed.c), which decide what qemu opens.
 */
#include "imgcheck.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Everything looked at lies in the first 64 KiB: qcow2's header
 * extensions, the VMDK header and the descriptor text after it. */
#define HEAD_SIZE (64 * 1024)
/* qemu keeps the names it follows in 1 KiB buffers. */
#define NAME_MAX_LEN 1023

#define QCOW2_INCOMPAT_DATA_FILE (1ULL << 2)
#define QCOW2_EXT_END 0
#define QCOW2_EXT_DATA_FILE 0x44415441u
#define QED_F_BACKING_FILE 1u
/* qemu looks for "parentFileNameHint" in these 20 sectors after a VMDK's
 * sparse header, whatever the header says about its descriptor. */
#define VMDK_DESC_AT 512
#define VMDK_DESC_SIZE (20 * 512)
#define VMDK_GD_AT_END UINT64_MAX

struct image {
	const char *path;
	int fd;
	uint64_t size;
};

static uint32_t be32_get(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64_get(const unsigned char *p)
{
	return (uint64_t)be32_get(p) << 32 | be32_get(p + 4);
}

/* len bytes at off into buf; what lies past the end of the file reads as
 * zeroes, as in a header qemu would refuse anyway. */
static int read_at(const struct image *im, uint64_t off, void *buf, size_t len,
		   struct jeos_error *err)
{
	size_t done = 0;

	memset(buf, 0, len);
	while (off < im->size && done < len) {
		ssize_t n = pread(im->fd, (char *)buf + done, len - done, (off_t)(off + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return jeos_fail(err, JEOS_EXIT_USAGE, "cannot read %s: %s", im->path,
					 strerror(errno));
		if (n == 0)
			break;
		done += (size_t)n;
	}
	return 0;
}

/* A name from the image, for a message: up to a NUL or len bytes, at most
 * NAME_MAX_LEN, control characters shown as '?' (it goes to a terminal). */
static void add_name(struct strbuf *sb, const unsigned char *s, size_t len)
{
	for (size_t i = 0; i < len && i < NAME_MAX_LEN && s[i]; i++)
		strbuf_addch(sb, s[i] < 0x20 || s[i] == 0x7f ? '?' : (char)s[i]);
}

/* The refusal: the image names another file, which qemu would open. */
static int refuse(const struct image *im, const char *what, const unsigned char *name,
		  size_t len, struct jeos_error *err)
{
	CLEANUP_STRBUF struct strbuf sb = STRBUF_INIT;

	add_name(&sb, name, len);
	return jeos_fail(err, JEOS_EXIT_USAGE,
			 "%s names %s \"%s\": refused, jeos opens only self-contained images "
			 "(flatten it with qemu-img convert where that file can be trusted)",
			 im->path, what, sb.len ? sb.buf : "");
}

/* The name stored at off (len bytes) in the image, then the refusal. */
static int refuse_stored(const struct image *im, const char *what, uint64_t off,
			 uint64_t len, struct jeos_error *err)
{
	unsigned char name[NAME_MAX_LEN];
	size_t n = len < sizeof(name) ? (size_t)len : sizeof(name);

	if (read_at(im, off, name, n, err) < 0)
		return -1;
	return refuse(im, what, name, n, err);
}

/* qcow2: a backing file (header offset 8), an external data file
 * (incompatible feature bit 2, named by a header extension). */
static int check_qcow2(const struct image *im, const unsigned char *h,
		       struct img_info *info, struct jeos_error *err)
{
	uint32_t version = be32_get(h + 4);
	uint64_t incompat = version >= 3 ? be64_get(h + 72) : 0;
	uint64_t ext = version >= 3 ? be32_get(h + 100) : 72;

	if (version != 2 && version != 3)
		return jeos_fail(err, JEOS_EXIT_USAGE,
				 "%s: qcow2 version %" PRIu32 ": jeos reads versions 2 and 3",
				 im->path, version);
	info->virtual_size = be64_get(h + 24);
	if (be64_get(h + 8))
		return refuse_stored(im, "a backing file", be64_get(h + 8), be32_get(h + 16), err);
	while (ext + 8 <= HEAD_SIZE) {
		uint32_t type = be32_get(h + ext), len = be32_get(h + ext + 4);

		if (type == QCOW2_EXT_END)
			break;
		if (type == QCOW2_EXT_DATA_FILE)
			return refuse_stored(im, "an external data file", ext + 8, len, err);
		ext += 8 + (((uint64_t)len + 7) & ~(uint64_t)7);
	}
	if (incompat & QCOW2_INCOMPAT_DATA_FILE)
		return refuse(im, "an external data file", (const unsigned char *)"(unnamed)", 9, err);
	return 0;
}

/* The first extent file a VMDK descriptor names (qemu's extent line
 * syntax), or "" when none can be read. */
static void first_extent(const char *desc, char name[512])
{
	const char *p = desc;

	while (p && *p) {
		char access[11], type[11];
		int64_t sectors;

		if (sscanf(p, "%10s %" SCNd64 " %10s \"%511[^\n\r\"]\"", access, &sectors, type,
			   name) == 4)
			return;
		p = strchr(p, '\n');
		p = p ? p + 1 : NULL;
	}
	*name = '\0';
}

/* A VMDK sparse extent ("KDMV"): a parent named in the descriptor text
 * after the header, or, with capacity 0 and a descriptor offset, a
 * descriptor whose extents are other files. */
static int check_vmdk(const struct image *im, const unsigned char *h,
		      struct img_info *info, struct jeos_error *err)
{
	static const char hint[] = "parentFileNameHint";
	uint64_t capacity = le64_get(h + 12), desc_at = le64_get(h + 28);
	const unsigned char *end = h + VMDK_DESC_AT + VMDK_DESC_SIZE;
	const unsigned char *parent = memmem(h + VMDK_DESC_AT, VMDK_DESC_SIZE, hint,
					     sizeof(hint) - 1);

	if (parent) {
		/* as qemu: the name starts two characters on (="), whatever they are */
		const unsigned char *name = parent + sizeof(hint) - 1 + 2;
		const unsigned char *quote = name < end ? memchr(name, '"', (size_t)(end - name))
							: NULL;
		return refuse(im, "a parent disk (parentFileNameHint)", name,
			      name < end ? (size_t)((quote ? quote : end) - name) : 0, err);
	}
	if (capacity == 0 && desc_at) {
		CLEANUP_FREE char *desc = xmalloc(HEAD_SIZE + 1);
		char name[512];

		if (read_at(im, desc_at > UINT64_MAX / 512 ? UINT64_MAX : desc_at * 512, desc,
			    HEAD_SIZE, err) < 0)
			return -1;
		desc[HEAD_SIZE] = '\0';
		first_extent(desc, name);
		return refuse(im, "an extent file", (unsigned char *)name,
			      strlen(name), err);
	}
	/* streamOptimized: the footer's header takes precedence */
	if (le64_get(h + 56) == VMDK_GD_AT_END && im->size >= 1536) {
		unsigned char footer[512];
		if (read_at(im, im->size - 1024, footer, sizeof(footer), err) < 0)
			return -1;
		if (!memcmp(footer, "KDMV", 4))
			capacity = le64_get(footer + 12);
	}
	info->virtual_size = capacity > UINT64_MAX / 512 ? UINT64_MAX : capacity * 512;
	return 0;
}

/* qed: a backing file (feature bit 0; its name's offset and size). */
static int check_qed(const struct image *im, const unsigned char *h,
		     struct img_info *info, struct jeos_error *err)
{
	info->virtual_size = le64_get(h + 48);
	if (le64_get(h + 16) & QED_F_BACKING_FILE)
		return refuse_stored(im, "a backing file", le32_get(h + 56), le32_get(h + 60), err);
	return 0;
}

/* The format from the magic in the first FORMAT_MAGIC_SIZE bytes. */
#define FORMAT_MAGIC_SIZE 0x44
static const char *format_of(const unsigned char *h)
{
	return !memcmp(h, "QFI\xfb", 4) ? "qcow2" : !memcmp(h, "KDMV", 4) ? "vmdk" :
	       !memcmp(h, "QED\0", 4) ? "qed" : !memcmp(h, "vhdxfile", 8) ? "vhdx" :
	       !memcmp(h + 0x40, "\x7f\x10\xda\xbe", 4) ? "vdi" :
	       "raw"; /* explicit, so qemu never probes a raw disk */
}

/* That format's check, and the virtual size its header gives. */
static int check_format(const struct image *im, const unsigned char *h,
			struct img_info *info, struct jeos_error *err)
{
	info->format = format_of(h);
	info->virtual_size = 0;
	if (!strcmp(info->format, "qcow2"))
		return check_qcow2(im, h, info, err);
	if (!strcmp(info->format, "vmdk"))
		return check_vmdk(im, h, info, err);
	if (!strcmp(info->format, "qed"))
		return check_qed(im, h, info, err);
	if (!strcmp(info->format, "vdi"))
		info->virtual_size = le64_get(h + 368);
	else if (!strcmp(info->format, "raw"))
		info->virtual_size = im->size;
	return 0;
}

static const char *file_kind(mode_t mode)
{
	return S_ISDIR(mode) ? "a directory" : S_ISFIFO(mode) ? "a FIFO" :
	       S_ISCHR(mode) ? "a character device" : S_ISBLK(mode) ? "a block device" :
	       S_ISSOCK(mode) ? "a socket" : "not a regular file";
}

int img_check(const char *path, struct img_info *info, struct jeos_error *err)
{
	/* O_NONBLOCK: opening a FIFO must not wait for a writer */
	struct image im = { .path = path, .fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC) };
	CLEANUP_FREE unsigned char *h = NULL;
	struct stat st;
	char size[32];
	int rc = -1;

	if (im.fd < 0)
		return jeos_fail(err, JEOS_EXIT_USAGE, "cannot open %s: %s", path, strerror(errno));
	if (fstat(im.fd, &st) < 0) {
		jeos_fail(err, JEOS_EXIT_USAGE, "cannot read %s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		jeos_fail(err, JEOS_EXIT_USAGE, "%s is %s: a disk image must be a regular file",
			  path, file_kind(st.st_mode));
		goto out;
	}
	im.size = (uint64_t)st.st_size;
	h = xmalloc(HEAD_SIZE);
	if (read_at(&im, 0, h, HEAD_SIZE, err) < 0 || check_format(&im, h, info, err) < 0)
		goto out;
	if (info->virtual_size > IMG_MAX_VIRTUAL_SIZE) {
		jeos_fail(err, JEOS_EXIT_USAGE,
			  "%s: a %s disk of %" PRIu64 " bytes: over the %s jeos accepts", path,
			  info->format, info->virtual_size, human_size(IMG_MAX_VIRTUAL_SIZE, size));
		goto out;
	}
	rc = 0;
out:
	close(im.fd);
	return rc;
}

int img_format(const char *path, const char **format, struct jeos_error *err)
{
	unsigned char h[FORMAT_MAGIC_SIZE] = { 0 };
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return jeos_fail(err, JEOS_EXIT_FAILED, "cannot open %s: %s", path, strerror(errno));
	n = read(fd, h, sizeof(h));
	close(fd);
	if (n < 0 && errno != EAGAIN)
		return jeos_fail(err, JEOS_EXIT_FAILED, "cannot read %s: %s", path, strerror(errno));
	*format = format_of(h);
	return 0;
}

int img_convert_to_raw(const char *path, const struct img_info *info, const char *raw,
		       struct jeos_error *err)
{
	char *argv[] = { "qemu-img", "convert", "-q", "-f", (char *)info->format, "-O", "raw",
			 (char *)path, (char *)raw, NULL };
	/* qemu-img reads far faster than 16 MiB/s (holes cost nothing); one
	 * that is slower is stuck on a hostile image */
	unsigned seconds = 60 + (unsigned)(info->virtual_size >> 24);

	if (run_program_bounded(argv, seconds, err) < 0) {
		jeos_error_prefix(err, "reading %s: ", path);
		return -1;
	}
	return 0;
}
