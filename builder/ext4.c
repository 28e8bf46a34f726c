/* ext4.c - see ext4.h. */
#include "ext4.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ext2fs/ext2fs.h>
#include <ext2fs/hashmap.h>

#define BLOCK_SIZE 4096u /* the destination's, set by mke2fs_conf */
#define SECTOR 512u
#define LABEL_MAX 16     /* s_volume_name */
/* The largest file of the destination: an extent maps 32-bit logical
 * blocks (the kernel's s_maxbytes with huge_file). */
#define MAX_FILE_SIZE (((1ull << 32) - 1) * BLOCK_SIZE)
/* Directory levels: each adds at least "/x" to a path, so a deeper one
 * is longer than PATH_MAX and no program could name it. */
#define MAX_DEPTH 2048
/* The copy's deadline, e2fsck included: a minute, plus a second for each
 * 4 MiB the source uses (a real tree copies at ten times that). */
#define DEADLINE_BASE 60.0
#define DEADLINE_RATE (4.0 * 1024 * 1024)
/* e2fsck's part of it: 2 s, plus a second for each 32 MiB (it checks
 * 400 MiB in 0.3 s); a crafted block map keeps it busy for more than ten
 * minutes, deaf to SIGTERM. */
#define FSCK_BASE 2.0
#define FSCK_RATE (32.0 * 1024 * 1024)
#define FSCK_LINES 6     /* of e2fsck's report, in a message... */
#define FSCK_LINE_MAX 160 /* ...and their bytes (a line can list a million blocks) */

/* What mke2fs reads instead of the host's /etc/mke2fs.conf: Debian 12's,
 * for ext4 only. mke2fs picks the usage type from the size (floppy below
 * 3 MiB, small below 512 MiB, big from 4 TiB, huge from 16 TiB) and with
 * it the inode ratio; Debian's 1 KiB blocks for small and floppy are left
 * out, so blocks are always 4096 bytes. */
static const char mke2fs_conf[] =
	"[defaults]\n"
	"\tbase_features = sparse_super,large_file,filetype,resize_inode,dir_index,ext_attr\n"
	"\tdefault_mntopts = acl,user_xattr\n"
	"\tenable_periodic_fsck = 0\n"
	"\tblocksize = 4096\n"
	"\tinode_size = 256\n"
	"\tinode_ratio = 16384\n"
	"\n"
	"[fs_types]\n"
	"\text4 = {\n"
	"\t\tfeatures = has_journal,extent,huge_file,flex_bg,metadata_csum,64bit,dir_nlink,extra_isize\n"
	"\t}\n"
	"\tsmall = {\n\t\tinode_ratio = 4096\n\t}\n"
	"\tfloppy = {\n\t\tinode_ratio = 8192\n\t}\n"
	"\tbig = {\n\t\tinode_ratio = 32768\n\t}\n"
	"\thuge = {\n\t\tinode_ratio = 65536\n\t}\n";

/* What e2fsck reads instead of the host's /etc/e2fsck.conf: the source's
 * times come from the guest's clock and are clamped anyway, so a time
 * "in the future" is no error. */
static const char e2fsck_conf[] = "[options]\n\tbroken_system_clock = 1\n";

/* The inode flags a file keeps; the others (extents, index, huge_file...)
 * describe the source's layout, not the file. */
#define KEPT_FLAGS (EXT2_IMMUTABLE_FL | EXT2_APPEND_FL | EXT2_NODUMP_FL | EXT2_NOATIME_FL)

static int check_epoch(int64_t epoch, struct jeos_error *err)
{
	if (epoch < 1 || epoch > UINT32_MAX)
		return jeos_fail(err, JEOS_EXIT_USAGE,
				 "SOURCE_DATE_EPOCH %" PRId64 " is out of range for ext4 "
				 "(1 to %" PRIu32 ")", epoch, UINT32_MAX);
	return 0;
}

static int open_fs(const char *image, uint64_t offset, int flags, ext2_filsys *fs,
		   struct jeos_error *err)
{
	char opts[32];
	errcode_t rc;

	initialize_ext2_error_table(); /* for error_message(); adds it once */
	snprintf(opts, sizeof(opts), "offset=%" PRIu64, offset);
	rc = ext2fs_open2(image, opts, flags | EXT2_FLAG_64BITS, 0, 0, unix_io_manager, fs);
	if (rc) {
		*fs = NULL;
		return jeos_fail(err, JEOS_EXIT_FAILED,
				 "%s: cannot open the ext4 filesystem at byte %" PRIu64 ": %s",
				 image, offset, error_message(rc));
	}
	return 0;
}

/* Writes the superblock, its backups, the group descriptors and the
 * bitmaps; s_wtime is fs->now. The lifetime-writes counter would count
 * what this process (or mke2fs) wrote, which depends on how the host's
 * filesystem zeroes ranges: it stays 0. On error *fs is still open. */
static int close_fs(ext2_filsys *fs, const char *image, struct jeos_error *err)
{
	errcode_t rc;

	(*fs)->super->s_kbytes_written = 0;
	ext2fs_mark_super_dirty(*fs);
	rc = ext2fs_close2(*fs, 0);
	if (rc)
		return jeos_fail(err, JEOS_EXIT_FAILED, "%s: cannot write the filesystem: %s",
				 image, error_message(rc));
	*fs = NULL;
	return 0;
}

/* ---- ext4_mkfs ---- */

/* "8-4-4-4-12" hex digits, as mke2fs -U and -E hash_seed= take them */
static int is_uuid(const char *s)
{
	for (int i = 0; i < 36; i++) {
		int dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
			return 0;
	}
	return s[36] == '\0';
}

static int check_params(const char *image, uint64_t bytes, const struct ext4_params *p,
			struct jeos_error *err)
{
	if (check_epoch(p->epoch, err) < 0)
		return -1;
	if (strlen(p->label) > LABEL_MAX)
		return jeos_fail(err, JEOS_EXIT_USAGE, "%s: label \"%s\" is longer than %d bytes",
				 image, p->label, LABEL_MAX);
	if (!is_uuid(p->uuid) || !is_uuid(p->hash_seed))
		return jeos_fail(err, JEOS_EXIT_USAGE,
				 "%s: UUID \"%s\" or hash seed \"%s\" is not 8-4-4-4-12 hex digits",
				 image, p->uuid, p->hash_seed);
	if (!bytes || bytes % BLOCK_SIZE)
		return jeos_fail(err, JEOS_EXIT_USAGE,
				 "%s: a filesystem of %" PRIu64 " bytes: not a multiple of %u",
				 image, bytes, BLOCK_SIZE);
	return 0;
}

/* Punches the range out, so that mke2fs can assume it reads as zeros
 * (assume_storage_prezeroed): it then writes neither the inode tables nor
 * the journal, the image stays sparse, and nothing depends on whether the
 * host would let mke2fs discard. */
static int zero_range(const char *image, uint64_t offset, uint64_t bytes,
		      struct jeos_error *err)
{
	struct stat st;
	int ret = -1, fd = open(image, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return jeos_fail(err, JEOS_EXIT_FAILED, "cannot open %s: %s", image,
				 strerror(errno));
	if (fstat(fd, &st) < 0)
		jeos_fail(err, JEOS_EXIT_FAILED, "cannot stat %s: %s", image, strerror(errno));
	else if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size < offset + bytes)
		jeos_fail(err, JEOS_EXIT_FAILED,
			  "%s: not a regular file of at least %" PRIu64 " bytes", image,
			  offset + bytes);
	else if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)offset,
			   (off_t)bytes) < 0)
		jeos_fail(err, JEOS_EXIT_FAILED, "%s: cannot zero bytes %" PRIu64 "-%" PRIu64 ": %s",
			  image, offset, offset + bytes, strerror(errno));
	else
		ret = 0;
	close(fd);
	return ret;
}

int ext4_mkfs(const char *image, uint64_t offset, uint64_t bytes,
	      const struct ext4_params *p, struct jeos_error *err)
{
	CLEANUP_UNLINK_FREE char *conf = tmpname_for(image);
	CLEANUP_FREE char *conf_env = xasprintf("MKE2FS_CONFIG=%s", conf);
	CLEANUP_FREE char *time_env = xasprintf("E2FSPROGS_FAKE_TIME=%" PRId64, p->epoch);
	CLEANUP_FREE char *opts = xasprintf("offset=%" PRIu64 ",hash_seed=%s,nodiscard,"
					    "assume_storage_prezeroed=1", offset, p->hash_seed);
	CLEANUP_FREE char *size = xasprintf("%" PRIu64 "k", bytes / 1024);
	/* env: the variables are for mke2fs only, not for this process */
	char *argv[] = { "env", conf_env, time_env, "mke2fs", "-q", "-F", "-t", "ext4",
			 "-L", (char *)p->label, "-U", (char *)p->uuid, "-E", opts,
			 (char *)image, size, NULL };
	ext2_filsys fs;

	if (check_params(image, bytes, p, err) < 0 || zero_range(image, offset, bytes, err) < 0 ||
	    write_file(conf, mke2fs_conf, sizeof(mke2fs_conf) - 1, err) < 0)
		return -1;
	if (run_program(argv, err) < 0)
		return jeos_fail(err, JEOS_EXIT_FAILED, "%s: mke2fs failed (its message is above)",
				 image);
	/* mke2fs signs directory hashes as the host's char is signed: x86's
	 * choice everywhere (the filesystem has no hashed directory yet) */
	if (open_fs(image, offset, EXT2_FLAG_RW, &fs, err) < 0)
		return -1;
	fs->now = p->epoch;
	fs->super->s_flags = (fs->super->s_flags & ~EXT2_FLAGS_UNSIGNED_HASH) |
			     EXT2_FLAGS_SIGNED_HASH;
	if (close_fs(&fs, image, err) < 0) {
		ext2fs_free(fs);
		return -1;
	}
	return 0;
}

/* ---- ext4_copy_tree ---- */

struct copy {
	ext2_filsys src, dst;
	const char *src_name, *dst_name; /* the images, for messages */
	int64_t epoch;
	struct strbuf path;              /* of the entry being copied; "" is the root */
	struct ext2fs_hashmap *links;    /* source inode -> struct link, for
					  * files with several names */
	/* The source is the guest's: root in it can write any block. Each
	 * inode is copied once (a directory has one name), each block is
	 * mapped by one inode once, and both bound the work. */
	ext2fs_inode_bitmap seen;        /* source inodes copied */
	ext2fs_block_bitmap mapped;      /* source blocks mapped by them */
	unsigned depth;                  /* directories being copied, the root's included */
	double deadline, seconds;        /* a now_seconds() value; how far off it was set */
	char *buf;                       /* BLOCK_SIZE bytes of file data */
	uint64_t done, total;            /* inodes, for progress */
	struct ext4_stats st;
	struct jeos_error *err;
};

struct link {
	ext2_ino_t src, dst;
};

static const char *path_of(const struct copy *c)
{
	return c->path.len ? c->path.buf : "/";
}

/* "root.img: /usr/bin/foo: Could not allocate block in ext2 filesystem" */
static int fs_fail(struct copy *c, int dst, errcode_t rc)
{
	int full = dst && (rc == EXT2_ET_BLOCK_ALLOC_FAIL || rc == EXT2_ET_INODE_ALLOC_FAIL);

	return jeos_fail(c->err, JEOS_EXIT_FAILED, "%s: %s: %s%s",
			 dst ? c->dst_name : c->src_name, path_of(c), error_message(rc),
			 full ? ": the disk is too small: raise <size>" : "");
}

static int src_fail(struct copy *c, errcode_t rc)
{
	return fs_fail(c, 0, rc);
}

static int dst_fail(struct copy *c, errcode_t rc)
{
	return fs_fail(c, 1, rc);
}

/* "root.img: /etc/x: inode 12 has no file type (a damaged filesystem:
 * e2fsck it)": what no filesystem e2fsck passes holds. */
static int damaged(struct copy *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int damaged(struct copy *c, const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return jeos_fail(c->err, JEOS_EXIT_FAILED, "%s: %s: %s (a damaged filesystem: e2fsck it)",
			 c->src_name, path_of(c), what);
}

/* The deadline: every bound of the copy is finite, this one says how far. */
static int out_of_time(struct copy *c)
{
	if (now_seconds() < c->deadline)
		return 0;
	return jeos_fail(c->err, JEOS_EXIT_FAILED, "%s: %s: the copy is not done after %.0f s, "
			 "its limit for a filesystem of this size", c->src_name, path_of(c),
			 c->seconds);
}

/* e2fsck -fn over the source before anything reads it, as insurance: it
 * knows every inconsistency the copy checks for, and more. On failure
 * the message holds the first lines of its report. If it runs out of
 * its SECONDS, the copy's own checks stand alone. */
static int fsck_source(struct copy *c, uint64_t offset, unsigned seconds)
{
	CLEANUP_UNLINK_FREE char *conf = tmpname_for(c->dst_name);
	CLEANUP_UNLINK_FREE char *log = tmpname_for(c->dst_name);
	CLEANUP_FREE char *conf_env = xasprintf("E2FSCK_CONFIG=%s", conf);
	CLEANUP_FREE char *limit = xasprintf("%u", seconds);
	CLEANUP_FREE char *spec = xasprintf("%s?offset=%" PRIu64, c->src_name, offset);
	/* a crafted filesystem may keep e2fsck busy too */
	char *argv[] = { "env", conf_env, "timeout", "-s", "KILL", limit, "e2fsck", "-fn", spec,
			 NULL };
	CLEANUP_STRBUF struct strbuf report = STRBUF_INIT, first = STRBUF_INIT;
	struct jeos_error ignored; /* the report says more */
	char *save = NULL;
	double start = now_seconds();
	int n = 0;

	if (write_file(conf, e2fsck_conf, sizeof(e2fsck_conf) - 1, c->err) < 0)
		return -1;
	if (run_program_logged(argv, log, &ignored) == 0)
		return 0;
	if (now_seconds() - start >= seconds) {
		log_warn("%s: e2fsck -fn did not finish within %s s (its limit for a filesystem of "
			 "this size); the copy checks the filesystem alone", c->src_name, limit);
		return 0;
	}
	strbuf_read_file(&report, log);
	strbuf_addstr(&report, "");
	/* its banner and progress say nothing about this filesystem */
	for (char *line = strtok_r(report.buf, "\n", &save); line && n < FSCK_LINES;
	     line = strtok_r(NULL, "\n", &save))
		if (!str_has_prefix(line, "e2fsck 1.") && !str_has_prefix(line, "Pass "))
			strbuf_addf(&first, "%s%.*s", n++ ? "\n" : "", FSCK_LINE_MAX, line);
	return jeos_fail(c->err, JEOS_EXIT_FAILED, "%s: e2fsck -fn finds the filesystem at byte "
			 "%" PRIu64 " damaged:\n%s", c->src_name, offset, first.buf);
}

static int file_type(unsigned mode)
{
	switch (mode & LINUX_S_IFMT) {
	case LINUX_S_IFREG: return EXT2_FT_REG_FILE;
	case LINUX_S_IFDIR: return EXT2_FT_DIR;
	case LINUX_S_IFCHR: return EXT2_FT_CHRDEV;
	case LINUX_S_IFBLK: return EXT2_FT_BLKDEV;
	case LINUX_S_IFIFO: return EXT2_FT_FIFO;
	case LINUX_S_IFSOCK: return EXT2_FT_SOCK;
	case LINUX_S_IFLNK: return EXT2_FT_SYMLINK;
	}
	return EXT2_FT_UNKNOWN;
}

/* Whether the source inode holds the extra field ending at byte END of
 * struct ext2_inode_large (inodes of 128 bytes have none). */
static int has_extra(const struct ext2_inode_large *in, size_t end)
{
	return EXT2_GOOD_OLD_INODE_SIZE + (size_t)in->i_extra_isize >= end;
}
#define HAS_EXTRA(in, field) \
	has_extra(in, offsetof(struct ext2_inode_large, field) + sizeof((in)->field))

/* A time and its extra field (2 epoch bits, then nanoseconds) become
 * min(time, epoch); a clamped time has no nanoseconds. */
static void clamp_time(__u32 *lo, __u32 *extra, int has, int64_t epoch)
{
	int64_t sec = (int32_t)*lo;
	uint32_t nsec = 0;

	if (has) {
		sec += (int64_t)(*extra & EXT4_EPOCH_MASK) << 32;
		nsec = *extra >> EXT4_EPOCH_BITS;
	}
	if (sec > epoch || (sec == epoch && nsec)) {
		sec = epoch;
		nsec = 0;
	}
	*lo = (uint32_t)sec;
	*extra = (uint32_t)(((sec - (int32_t)(uint32_t)sec) >> 32) & EXT4_EPOCH_MASK) |
		 nsec << EXT4_EPOCH_BITS;
}

/* The destination inode takes the source's mode, owner, kept flags and
 * clamped times; links, size and blocks are its own. */
static int set_attributes(struct copy *c, ext2_ino_t ino, const struct ext2_inode_large *src)
{
	struct ext2_inode_large s = *src, in;
	errcode_t rc;

	clamp_time(&s.i_atime, &s.i_atime_extra, HAS_EXTRA(src, i_atime_extra), c->epoch);
	clamp_time(&s.i_mtime, &s.i_mtime_extra, HAS_EXTRA(src, i_mtime_extra), c->epoch);
	clamp_time(&s.i_ctime, &s.i_ctime_extra, HAS_EXTRA(src, i_ctime_extra), c->epoch);
	memset(&in, 0, sizeof(in));
	rc = ext2fs_read_inode_full(c->dst, ino, (struct ext2_inode *)&in, sizeof(in));
	if (rc)
		return dst_fail(c, rc);
	in.i_mode = s.i_mode;
	in.i_uid = s.i_uid;
	in.i_gid = s.i_gid;
	ext2fs_set_i_uid_high(in, inode_uid(s) >> 16);
	ext2fs_set_i_gid_high(in, inode_gid(s) >> 16);
	in.i_flags = (in.i_flags & ~KEPT_FLAGS) | (s.i_flags & KEPT_FLAGS);
	in.i_atime = s.i_atime;
	in.i_atime_extra = s.i_atime_extra;
	in.i_mtime = s.i_mtime;
	in.i_mtime_extra = s.i_mtime_extra;
	in.i_ctime = s.i_ctime;
	in.i_ctime_extra = s.i_ctime_extra;
	in.i_crtime = s.i_mtime;
	in.i_crtime_extra = s.i_mtime_extra;
	rc = ext2fs_write_inode_full(c->dst, ino, (struct ext2_inode *)&in, sizeof(in));
	return rc ? dst_fail(c, rc) : 0;
}

struct xattr {
	char *name;
	void *value;
	size_t len;
};

struct xattrs {
	struct xattr *v;
	size_t nr, alloc;
};

static int add_xattr(char *name, char *value, size_t len, void *priv)
{
	struct xattrs *x = priv;

	if (!strcmp(name, "system.data"))
		return 0; /* where inline data lives, not an attribute */
	ALLOC_GROW(x->v, x->nr + 1, x->alloc);
	x->v[x->nr].name = xstrdup(name);
	x->v[x->nr].value = xmalloc(len + 1);
	memcpy(x->v[x->nr].value, value, len);
	x->v[x->nr++].len = len;
	return 0;
}

static int cmp_xattr(const void *a, const void *b)
{
	return strcmp(((const struct xattr *)a)->name, ((const struct xattr *)b)->name);
}

/* Values go as stored (iterate gives POSIX ACLs in their disk format;
 * set takes that only RAW), in name order: where each lands (in the
 * inode or its block) depends on the order. */
static int copy_xattrs(struct copy *c, ext2_ino_t src, ext2_ino_t dst)
{
	struct ext2_xattr_handle *h = NULL;
	struct xattrs x = { NULL, 0, 0 };
	unsigned raw = XATTR_HANDLE_FLAG_RAW;
	errcode_t rc;
	int ret = -1;

	if ((rc = ext2fs_xattrs_open(c->src, src, &h)) || (rc = ext2fs_xattrs_read(h)) ||
	    (rc = ext2fs_xattrs_iterate(h, add_xattr, &x))) {
		src_fail(c, rc);
		goto out;
	}
	ext2fs_xattrs_close(&h);
	if (x.nr) {
		qsort(x.v, x.nr, sizeof(*x.v), cmp_xattr);
		if ((rc = ext2fs_xattrs_open(c->dst, dst, &h)) ||
		    (rc = ext2fs_xattrs_flags(h, &raw, NULL)) || (rc = ext2fs_xattrs_read(h))) {
			dst_fail(c, rc);
			goto out;
		}
		for (size_t i = 0; i < x.nr; i++)
			if ((rc = ext2fs_xattr_set(h, x.v[i].name, x.v[i].value, x.v[i].len))) {
				dst_fail(c, rc);
				goto out;
			}
	}
	ret = 0;
out:
	if (h)
		ext2fs_xattrs_close(&h);
	for (size_t i = 0; i < x.nr; i++) {
		free(x.v[i].name);
		free(x.v[i].value);
	}
	free(x.v);
	return ret;
}

/* ---- what the source may hold ---- */

/* As the kernel tells them apart: a fast symlink has no data block, its
 * target is in i_block. */
static int is_fast_symlink(struct copy *c, struct ext2_inode_large *in)
{
	return LINUX_S_ISLNK(in->i_mode) && !(in->i_flags & EXT4_INLINE_DATA_FL) &&
	       !ext2fs_inode_data_blocks2(c->src, (struct ext2_inode *)in);
}

struct claim {
	struct copy *c;
	ext2_ino_t ino;
	e2_blkcnt_t next; /* the lowest logical block the next data block may have */
	int failed;       /* c->err is filled */
};

/* Called for each block of an inode's map, a mapping block (indirect
 * block, extent tree node) before the blocks it maps: each lies in the
 * filesystem, is in use and mapped nowhere else, and data blocks come in
 * rising logical order. A loop in the map or overlapping extents stop at
 * their first repeat, so the copy reads no more than the used blocks. */
static int claim_block(ext2_filsys fs, blk64_t *blocknr, e2_blkcnt_t blockcnt,
		       blk64_t ref_blk, int ref_offset, void *priv)
{
	struct claim *cl = priv;
	blk64_t b = *blocknr;
	const char *why = NULL;

	(void)ref_blk, (void)ref_offset;
	if (b < fs->super->s_first_data_block || b >= ext2fs_blocks_count(fs->super))
		why = "outside the filesystem";
	else if (!ext2fs_test_block_bitmap2(fs->block_map, b))
		why = "free in the block bitmap";
	else if (ext2fs_test_block_bitmap2(cl->c->mapped, b))
		why = "mapped already by it or another inode";
	else if (blockcnt >= 0 && blockcnt < cl->next)
		why = "as a logical block it maps already";
	if (why) {
		damaged(cl->c, "inode %u maps block %llu, %s", cl->ino, (unsigned long long)b, why);
		cl->failed = 1;
		return BLOCK_ABORT;
	}
	ext2fs_mark_block_bitmap2(cl->c->mapped, b);
	if (blockcnt >= 0)
		cl->next = blockcnt + 1;
	return 0;
}

/* Checks a source inode before anything of it is read or written, and
 * marks it copied: its size fits the destination (sizes beyond its
 * blocks are holes), and its blocks are claimed. */
static int check_inode(struct copy *c, ext2_ino_t ino, struct ext2_inode_large *in)
{
	struct claim cl = { .c = c, .ino = ino };
	errcode_t rc;

	if (LINUX_S_ISREG(in->i_mode) && EXT2_I_SIZE(in) > MAX_FILE_SIZE)
		return damaged(c, "inode %u has a size of %llu bytes, more than an ext4 file holds",
			       ino, (unsigned long long)EXT2_I_SIZE(in));
	ext2fs_mark_inode_bitmap2(c->seen, ino);
	/* the others' i_block holds no map: a device number, a target, inline data */
	if (!(LINUX_S_ISREG(in->i_mode) || LINUX_S_ISDIR(in->i_mode) || LINUX_S_ISLNK(in->i_mode)) ||
	    (in->i_flags & EXT4_INLINE_DATA_FL) || is_fast_symlink(c, in))
		return 0;
	rc = ext2fs_block_iterate3(c->src, ino, BLOCK_FLAG_READ_ONLY, NULL, claim_block, &cl);
	if (rc && !cl.failed)
		return src_fail(c, rc);
	return rc || cl.failed ? -1 : 0;
}

/* ---- file data ---- */

struct data {
	struct copy *c;
	ext2_file_t in, out;
	uint64_t size;
	blk64_t run_start, run_end; /* source blocks mapped, not yet copied */
	int failed;                 /* c->err is filled */
	int dense;                  /* zero blocks stay allocated */
};

/* Copies bytes [start, end) destination block by destination block,
 * leaving the blocks that read as zeros unallocated unless d->dense. */
static int copy_bytes(struct data *d, uint64_t start, uint64_t end)
{
	struct copy *c = d->c;
	unsigned got, put;
	errcode_t rc;

	for (uint64_t pos = start, next; pos < end; pos = next) {
		next = (pos / BLOCK_SIZE + 1) * BLOCK_SIZE;
		if (next > end)
			next = end;
		if (out_of_time(c) < 0)
			return -1;
		if ((rc = ext2fs_file_llseek(d->in, pos, EXT2_SEEK_SET, NULL)) ||
		    (rc = ext2fs_file_read(d->in, c->buf, (unsigned)(next - pos), &got)))
			return src_fail(c, rc);
		if (got != next - pos)
			return src_fail(c, EXT2_ET_SHORT_READ);
		if (!d->dense && !c->buf[0] && !memcmp(c->buf, c->buf + 1, got - 1))
			continue;
		if ((rc = ext2fs_file_llseek(d->out, pos, EXT2_SEEK_SET, NULL)) ||
		    (rc = ext2fs_file_write(d->out, c->buf, got, &put)))
			return dst_fail(c, rc);
		if (put != got)
			return dst_fail(c, EXT2_ET_SHORT_WRITE);
	}
	return 0;
}

static int copy_run(struct data *d)
{
	uint64_t bs = d->c->src->blocksize, end = d->run_end * bs;

	return copy_bytes(d, d->run_start * bs, end < d->size ? end : d->size);
}

/* Called for each mapped block of the source file in logical order:
 * gathers runs, so that holes are never read. */
static int data_block(ext2_filsys fs, blk64_t *blocknr, e2_blkcnt_t blockcnt,
		      blk64_t ref_blk, int ref_offset, void *priv)
{
	struct data *d = priv;

	(void)fs, (void)blocknr, (void)ref_blk, (void)ref_offset;
	if ((blk64_t)blockcnt == d->run_end) {
		d->run_end++;
		return 0;
	}
	if (copy_run(d) < 0) {
		d->failed = 1;
		return BLOCK_ABORT;
	}
	d->run_start = (blk64_t)blockcnt;
	d->run_end = d->run_start + 1;
	return 0;
}

static int copy_data(struct copy *c, ext2_ino_t src, struct ext2_inode_large *in,
		     ext2_ino_t dst)
{
	/* A boot loader reads an immutable file by sector (extlinux marks
	 * ldlinux.sys so): a hole would have no sector. */
	struct data d = { .c = c, .size = EXT2_I_SIZE(in),
			  .dense = !!(in->i_flags & EXT2_IMMUTABLE_FL) };
	errcode_t rc;
	int ret = -1;

	if ((rc = ext2fs_file_open2(c->src, src, (struct ext2_inode *)in, 0, &d.in))) {
		src_fail(c, rc);
		goto out;
	}
	if ((rc = ext2fs_file_open2(c->dst, dst, NULL, EXT2_FILE_WRITE, &d.out))) {
		dst_fail(c, rc);
		goto out;
	}
	if (in->i_flags & EXT4_INLINE_DATA_FL) {
		/* no blocks to iterate: the bytes are in the inode */
		if (copy_bytes(&d, 0, d.size) < 0)
			goto out;
	} else {
		rc = ext2fs_block_iterate3(c->src, src, BLOCK_FLAG_READ_ONLY | BLOCK_FLAG_DATA_ONLY,
					   NULL, data_block, &d);
		if (rc && !d.failed)
			src_fail(c, rc);
		if (rc || d.failed || copy_run(&d) < 0)
			goto out;
	}
	rc = ext2fs_file_close(d.out);
	d.out = NULL;
	if (rc) {
		dst_fail(c, rc);
		goto out;
	}
	ret = 0;
out:
	if (d.out) /* on error only: what it writes no longer matters */
		ext2fs_file_close(d.out);
	if (d.in) /* read-only: closing only frees */
		ext2fs_file_close(d.in);
	return ret;
}

/* ---- inodes ---- */

/* A fast symlink keeps its target in i_block; a slow one in a block (or
 * as inline data), which the file API reads. The target is a string of
 * the symlink's size. */
static int read_symlink(struct copy *c, ext2_ino_t ino, struct ext2_inode_large *in,
			char **target)
{
	uint64_t size = EXT2_I_SIZE(in);
	ext2_file_t f;
	unsigned got = 0;
	errcode_t rc = 0;

	if (size >= c->dst->blocksize)
		return src_fail(c, EXT2_ET_INVALID_ARGUMENT);
	*target = xcalloc(1, size + 1);
	if (is_fast_symlink(c, in)) {
		if (size >= sizeof(in->i_block))
			return damaged(c, "inode %u is a symlink of %llu bytes without a data block",
				       ino, (unsigned long long)size);
		memcpy(*target, in->i_block, size);
	} else if (!(rc = ext2fs_file_open2(c->src, ino, (struct ext2_inode *)in, 0, &f))) {
		rc = ext2fs_file_read(f, *target, (unsigned)size, &got);
		ext2fs_file_close(f);
		if (!rc && got != size)
			rc = EXT2_ET_SHORT_READ;
	}
	if (rc)
		return src_fail(c, rc);
	if (strlen(*target) != size)
		return damaged(c, "inode %u is a symlink whose target holds a NUL", ino);
	return 0;
}

/* A new inode of the source's type: its attributes come later. */
static int create_inode(struct copy *c, ext2_ino_t src, struct ext2_inode_large *in,
			ext2_ino_t dir, ext2_ino_t ino)
{
	CLEANUP_FREE char *target = NULL;
	struct ext2_inode new;
	ext2_extent_handle_t h;
	errcode_t rc;

	if (LINUX_S_ISLNK(in->i_mode) && read_symlink(c, src, in, &target) < 0)
		return -1;
	if (LINUX_S_ISDIR(in->i_mode))
		rc = ext2fs_mkdir(c->dst, dir, ino, NULL);
	else if (target)
		rc = ext2fs_symlink(c->dst, dir, ino, NULL, target);
	else {
		memset(&new, 0, sizeof(new));
		new.i_mode = in->i_mode;
		new.i_links_count = 1;
		if (LINUX_S_ISREG(in->i_mode)) {
			/* an empty extent tree, as the kernel starts a file */
			new.i_flags = EXT4_EXTENTS_FL;
			if ((rc = ext2fs_inode_size_set(c->dst, &new, EXT2_I_SIZE(in))) ||
			    (rc = ext2fs_extent_open2(c->dst, ino, &new, &h)))
				return dst_fail(c, rc);
			ext2fs_extent_free(h);
		} else if (LINUX_S_ISCHR(in->i_mode) || LINUX_S_ISBLK(in->i_mode)) {
			/* the device number, in either of its encodings */
			new.i_block[0] = in->i_block[0];
			new.i_block[1] = in->i_block[1];
		}
		rc = ext2fs_write_new_inode(c->dst, ino, &new);
		if (!rc)
			ext2fs_inode_alloc_stats2(c->dst, ino, +1, 0);
	}
	return rc ? dst_fail(c, rc) : 0;
}

static int link_name(struct copy *c, ext2_ino_t dir, const char *name, ext2_ino_t ino,
		     unsigned mode)
{
	errcode_t rc = ext2fs_link(c->dst, dir, name, ino, file_type(mode));

	if (rc == EXT2_ET_DIR_NO_SPACE) {
		rc = ext2fs_expand_dir(c->dst, dir);
		if (!rc)
			rc = ext2fs_link(c->dst, dir, name, ino, file_type(mode));
	}
	return rc ? dst_fail(c, rc) : 0;
}

/* One more name for a destination inode. */
static int add_link(struct copy *c, ext2_ino_t dir, const char *name, ext2_ino_t ino)
{
	struct ext2_inode in;
	errcode_t rc = ext2fs_read_inode(c->dst, ino, &in);

	if (rc)
		return dst_fail(c, rc);
	if (link_name(c, dir, name, ino, in.i_mode) < 0)
		return -1;
	in.i_links_count++;
	rc = ext2fs_write_inode(c->dst, ino, &in);
	return rc ? dst_fail(c, rc) : 0;
}

static int copy_dir(struct copy *c, ext2_ino_t src, ext2_ino_t dst);

/* The destination inode exists and has its name(s): its content, then
 * its attributes (last: copying a directory's entries changes it). */
static int fill_inode(struct copy *c, ext2_ino_t src, struct ext2_inode_large *in,
		      ext2_ino_t dst)
{
	c->done++;
	if (LINUX_S_ISDIR(in->i_mode)) {
		c->st.dirs++;
		if (copy_dir(c, src, dst) < 0)
			return -1;
	} else {
		c->st.files++;
		if (LINUX_S_ISREG(in->i_mode) && copy_data(c, src, in, dst) < 0)
			return -1;
	}
	if (copy_xattrs(c, src, dst) < 0)
		return -1;
	return set_attributes(c, dst, in);
}

static int read_src_inode(struct copy *c, ext2_ino_t ino, struct ext2_inode_large *in)
{
	errcode_t rc;

	memset(in, 0, sizeof(*in)); /* a 128-byte inode leaves the rest */
	rc = ext2fs_read_inode_full(c->src, ino, (struct ext2_inode *)in, sizeof(*in));
	if (rc)
		return src_fail(c, rc);
	if (!file_type(in->i_mode))
		return damaged(c, "inode %u has no file type", ino);
	return 0;
}

static int copy_entry(struct copy *c, ext2_ino_t dir, const char *name, ext2_ino_t src)
{
	struct ext2_inode_large in;
	struct link *l;
	ext2_ino_t ino = 0;
	errcode_t rc;

	if (out_of_time(c) < 0)
		return -1;
	/* the root has its own name, the others are no files */
	if (src < EXT2_FIRST_INO(c->src->super))
		return damaged(c, "the entry names reserved inode %u", src);
	if (read_src_inode(c, src, &in) < 0)
		return -1;
	if (ext2fs_test_inode_bitmap2(c->seen, src)) {
		if (LINUX_S_ISDIR(in.i_mode))
			return damaged(c, "directory inode %u has a second name: a hard link "
				       "or a loop", src);
		l = ext2fs_hashmap_lookup(c->links, &src, sizeof(src));
		if (!l)
			return damaged(c, "inode %u has more names than its %u links", src,
				       in.i_links_count);
		return add_link(c, dir, name, l->dst);
	}
	if (check_inode(c, src, &in) < 0)
		return -1;
	/* mke2fs made lost+found, with blocks reserved for e2fsck */
	if (dir == EXT2_ROOT_INO && !strcmp(name, "lost+found")) {
		rc = ext2fs_lookup(c->dst, dir, name, (int)strlen(name), NULL, &ino);
		if (rc && rc != EXT2_ET_FILE_NOT_FOUND)
			return dst_fail(c, rc);
		if (ino && !LINUX_S_ISDIR(in.i_mode))
			return jeos_fail(c->err, JEOS_EXIT_FAILED,
					 "%s: /lost+found is not a directory", c->src_name);
	}
	if (!ino) {
		rc = ext2fs_new_inode(c->dst, dir, in.i_mode, NULL, &ino);
		if (rc)
			return dst_fail(c, rc);
		if (create_inode(c, src, &in, dir, ino) < 0 ||
		    link_name(c, dir, name, ino, in.i_mode) < 0)
			return -1;
	}
	if (!LINUX_S_ISDIR(in.i_mode) && in.i_links_count > 1) {
		l = xmalloc(sizeof(*l));
		l->src = src;
		l->dst = ino;
		if (ext2fs_hashmap_add(c->links, l, &l->src, sizeof(l->src)) < 0)
			abort(); /* out of memory, as xmalloc would */
	}
	return fill_inode(c, src, &in, ino);
}

struct entry {
	char *name;
	ext2_ino_t ino;
};

struct entries {
	struct copy *c;
	struct entry *v;
	size_t nr, alloc;
	unsigned count; /* entries so far, "." and ".." included */
	int failed;    /* c->err is filled */
};

/* What is wrong with the name of a directory's entry number INDEX, or
 * NULL: "." and ".." are entries 0 and 1 and no others (libext2fs's own
 * numbering differs for inline directories), and a name holds neither
 * '/' nor NUL (the destination would get another path). */
static const char *bad_name(const char *name, int len, unsigned index)
{
	int dots = (len == 1 || len == 2) && !strncmp(name, "..", (size_t)len);

	if (index < 2)
		return dots && len == (int)index + 1 ? NULL : "not the \".\" or \"..\" due here";
	if (dots)
		return "a second \".\" or \"..\"";
	if (!len)
		return "an empty name";
	return memchr(name, '/', (size_t)len) || memchr(name, '\0', (size_t)len) ?
	       "a name holding '/' or NUL" : NULL;
}

static int add_entry(ext2_ino_t dir, int entry, struct ext2_dir_entry *de, int offset,
		     int blocksize, char *buf, void *priv)
{
	struct entries *e = priv;
	int len = ext2fs_dirent_name_len(de);
	const char *bad = bad_name(de->name, len, e->count);

	(void)dir, (void)entry, (void)offset, (void)blocksize, (void)buf;
	if (bad) {
		damaged(e->c, "the entry for inode %u: %s", de->inode, bad);
		e->failed = 1;
		return DIRENT_ABORT;
	}
	if (e->count++ < 2)
		return 0;
	ALLOC_GROW(e->v, e->nr + 1, e->alloc);
	e->v[e->nr].name = xstrndup(de->name, (size_t)len);
	e->v[e->nr++].ino = de->inode;
	return 0;
}

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->name, ((const struct entry *)b)->name);
}

/* The entries of directory src, in strcmp order, each copied whole
 * (depth first) before the next. */
static int copy_dir(struct copy *c, ext2_ino_t src, ext2_ino_t dst)
{
	struct entries e = { .c = c };
	size_t len = c->path.len;
	errcode_t rc;
	int ret = -1;

	/* the recursion's bound: c->depth is this directory's level, the root's 0 */
	if (c->depth > MAX_DEPTH)
		return jeos_fail(c->err, JEOS_EXIT_FAILED, "%s: %s: directories nested deeper "
				 "than %d levels", c->src_name, path_of(c), MAX_DEPTH);
	c->depth++;
	progress("ext4", (size_t)c->done, (size_t)c->total, "%s", path_of(c));
	rc = ext2fs_dir_iterate2(c->src, src, 0, NULL, add_entry, &e);
	if (rc && !e.failed)
		src_fail(c, rc);
	if (rc || e.failed)
		goto out;
	if (e.nr) /* qsort wants an array, even of nothing */
		qsort(e.v, e.nr, sizeof(*e.v), cmp_entry);
	for (size_t i = 0; i < e.nr; i++) {
		strbuf_addf(&c->path, "/%s", e.v[i].name);
		if (copy_entry(c, dst, e.v[i].name, e.v[i].ino) < 0)
			goto out;
		c->path.len = len;
		c->path.buf[len] = '\0';
	}
	ret = 0;
out:
	c->depth--;
	for (size_t i = 0; i < e.nr; i++)
		free(e.v[i].name);
	free(e.v);
	return ret;
}

int ext4_copy_tree(const char *src_image, uint64_t src_offset,
		   const char *dst_image, uint64_t dst_offset, int64_t epoch,
		   struct ext4_stats *st, struct jeos_error *err)
{
	struct copy c = { .src_name = src_image, .dst_name = dst_image, .epoch = epoch,
			  .path = STRBUF_INIT, .err = err };
	struct ext2_inode_large root;
	blk64_t empty_used, blocks, used; /* blocks and used: the source's */
	struct stat sst;
	errcode_t rc;
	int ret = -1;

	if (check_epoch(epoch, err) < 0 ||
	    open_fs(src_image, src_offset, 0, &c.src, err) < 0)
		goto out;
	if (ext2fs_has_feature_journal_needs_recovery(c.src->super)) {
		jeos_fail(err, JEOS_EXIT_FAILED, "%s: the filesystem was not unmounted cleanly "
			  "(its journal needs recovery)", src_image);
		goto out;
	}
	/* the superblock is the guest's word, the file's size is not */
	if (stat(src_image, &sst) < 0) {
		jeos_fail(err, JEOS_EXIT_FAILED, "cannot stat %s: %s", src_image, strerror(errno));
		goto out;
	}
	blocks = ext2fs_blocks_count(c.src->super);
	used = ext2fs_free_blocks_count(c.src->super);
	used = used < blocks ? blocks - used : 0;
	if (blocks > ((uint64_t)sst.st_size - src_offset) / c.src->blocksize) {
		jeos_fail(err, JEOS_EXIT_FAILED, "%s: the filesystem at byte %" PRIu64 " claims %"
			  PRIu64 " blocks of %u bytes, more than its file holds", src_image,
			  src_offset, (uint64_t)blocks, c.src->blocksize);
		goto out;
	}
	c.seconds = DEADLINE_BASE + (double)used * c.src->blocksize / DEADLINE_RATE;
	c.deadline = now_seconds() + c.seconds;
	if (fsck_source(&c, src_offset,
			(unsigned)(FSCK_BASE + (double)used * c.src->blocksize / FSCK_RATE)) < 0)
		goto out;
	if ((rc = ext2fs_read_block_bitmap(c.src)) ||
	    (rc = ext2fs_allocate_subcluster_bitmap(c.src, "mapped", &c.mapped)) ||
	    (rc = ext2fs_allocate_inode_bitmap(c.src, "seen", &c.seen))) {
		src_fail(&c, rc);
		goto out;
	}
	if (open_fs(dst_image, dst_offset, EXT2_FLAG_RW, &c.dst, err) < 0)
		goto out;
	/* mke2fs uses the reserved inodes and lost+found's, nothing more */
	if (c.dst->super->s_inodes_count - c.dst->super->s_free_inodes_count !=
	    EXT2_FIRST_INO(c.dst->super)) {
		jeos_fail(err, JEOS_EXIT_FAILED, "%s: the filesystem at byte %" PRIu64
			  " is not empty", dst_image, dst_offset);
		goto out;
	}
	c.dst->now = epoch; /* what libext2fs stamps, s_wtime included */
	empty_used = ext2fs_blocks_count(c.dst->super) - ext2fs_free_blocks_count(c.dst->super);
	if ((rc = ext2fs_read_bitmaps(c.dst))) {
		dst_fail(&c, rc);
		goto out;
	}
	c.links = ext2fs_hashmap_create(ext2fs_djb2_hash, free, 1024);
	c.buf = xmalloc(BLOCK_SIZE);
	c.total = c.src->super->s_inodes_count - c.src->super->s_free_inodes_count;
	if (read_src_inode(&c, EXT2_ROOT_INO, &root) < 0)
		goto out;
	if (!LINUX_S_ISDIR(root.i_mode)) {
		damaged(&c, "inode %u, the root, is not a directory", EXT2_ROOT_INO);
		goto out;
	}
	if (check_inode(&c, EXT2_ROOT_INO, &root) < 0 ||
	    fill_inode(&c, EXT2_ROOT_INO, &root, EXT2_ROOT_INO) < 0)
		goto out;
	c.st.bytes_used = (ext2fs_blocks_count(c.dst->super) -
			   ext2fs_free_blocks_count(c.dst->super)) * c.dst->blocksize;
	c.st.bytes_tree = c.st.bytes_used - empty_used * c.dst->blocksize;
	if (close_fs(&c.dst, dst_image, err) < 0)
		goto out;
	if (st)
		*st = c.st;
	ret = 0;
out:
	progress_done();
	if (c.dst)
		ext2fs_free(c.dst);
	if (c.seen)
		ext2fs_free_inode_bitmap(c.seen);
	if (c.mapped)
		ext2fs_free_block_bitmap(c.mapped);
	if (c.src)
		ext2fs_free(c.src);
	if (c.links)
		ext2fs_hashmap_free(c.links);
	free(c.buf);
	strbuf_release(&c.path);
	return ret;
}

/* ---- ext4_file_sectors ---- */

int ext4_file_sectors(const char *image, uint64_t offset, const char *path,
		      uint64_t **sectors, size_t *nr, struct jeos_error *err)
{
	ext2_filsys fs;
	ext2_ino_t ino;
	struct ext2_inode in;
	uint64_t *v = NULL, n = 0, per_block;
	errcode_t rc;
	int ret = -1;

	*sectors = NULL;
	*nr = 0;
	if (open_fs(image, offset, 0, &fs, err) < 0)
		return -1;
	per_block = fs->blocksize / SECTOR;
	if ((rc = ext2fs_namei(fs, EXT2_ROOT_INO, EXT2_ROOT_INO, path, &ino)) ||
	    (rc = ext2fs_read_inode(fs, ino, &in))) {
		jeos_fail(err, JEOS_EXIT_FAILED, "%s: %s: %s", image, path, error_message(rc));
		goto out;
	}
	if (!LINUX_S_ISREG(in.i_mode)) {
		jeos_fail(err, JEOS_EXIT_FAILED, "%s: %s: not a regular file", image, path);
		goto out;
	}
	n = (EXT2_I_SIZE(&in) + SECTOR - 1) / SECTOR;
	v = xcalloc(n ? n : 1, sizeof(*v));
	for (uint64_t i = 0; i < n; i += per_block) {
		blk64_t pblk = 0;
		int flags = 0;

		rc = ext2fs_bmap2(fs, ino, &in, NULL, 0, i / per_block, &flags, &pblk);
		if (rc) {
			jeos_fail(err, JEOS_EXIT_FAILED, "%s: %s: %s", image, path,
				  error_message(rc));
			goto out;
		}
		if (!pblk || (flags & BMAP_RET_UNINIT)) {
			jeos_fail(err, JEOS_EXIT_FAILED,
				  "%s: %s: block %" PRIu64 " is a hole (all zeros); a boot "
				  "loader reading sectors needs every block on disk",
				  image, path, i / per_block);
			goto out;
		}
		for (uint64_t j = 0; j < per_block && i + j < n; j++)
			v[i + j] = pblk * per_block + j;
	}
	*sectors = v;
	*nr = (size_t)n;
	v = NULL;
	ret = 0;
out:
	free(v);
	ext2fs_free(fs);
	return ret;
}
