/* vmdk.c - see vmdk.h. */
#include "vmdk.h"

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "hash.h"

#define SECTOR 512u
#define GRAIN_SECTORS 128u /* 64 KiB grains, as VMware and qemu write them */
#define GRAIN_BYTES (GRAIN_SECTORS * SECTOR)
#define GT_ENTRIES 512u    /* so a grain table maps 32 MiB */
#define GT_SECTORS (GT_ENTRIES * 4 / SECTOR)
/* qemu and open-vmdk reserve as much, so tools that rewrite the descriptor
 * in place have room; the longest one we write is some 700 bytes. */
#define DESC_SECTORS 20u
/* The first grain starts on a grain boundary, as in the files VMware,
 * VirtualBox and FreeBSD's mkimg write; the gap stays a hole. */
#define OVERHEAD_SECTORS GRAIN_SECTORS
#define GD_AT_END UINT64_MAX
#define GRAIN_MARKER 12u   /* lba (8 bytes), size (4), then the deflated data */
#define BATCH_GRAINS 64u   /* 4 MiB read, then deflated by all threads */
#define MAX_THREADS 8u

/* Level 1, not zlib's default 6 (qemu-img's). A 650 MiB ext4 image
 * holding 337 MiB of /usr/lib (gcc, python3.11, git-core, udev) on 2
 * shared cores: level 1 gives 125.1 MiB for 4.8 s of CPU, 2 122.3 MiB
 * for 5.4 s, 4 117.0 MiB for 8.5 s, 6 113.5 MiB for 14.0 s: 10% more
 * bytes for a third of the time. Wall clock on 1 and 2 threads: level 1
 * 5.0 and 2.8 s, level 6 13.6 and 7.9 s; qemu-img convert takes 14 s. */
#define DEFLATE_LEVEL 1

#define FLAG_NEWLINE_TEST (1u << 0)
#define FLAG_COMPRESSED (1u << 16)
#define FLAG_MARKERS (1u << 17)
#define COMPRESS_DEFLATE 1

enum marker_type { MARKER_EOS = 0, MARKER_GT = 1, MARKER_GD = 2, MARKER_FOOTER = 3 };

/* The sparse extent header, little-endian on disk; the footer is a copy. */
struct sparse_header {
	uint32_t magic;
	uint32_t version;
	uint32_t flags;
	uint64_t capacity;       /* all sizes and offsets in sectors */
	uint64_t grain_size;
	uint64_t desc_offset;
	uint64_t desc_size;
	uint32_t gtes_per_gt;
	uint64_t rgd_offset;
	uint64_t gd_offset;
	uint64_t overhead;
	uint8_t unclean_shutdown;
	char newline_test[4];    /* "\n \r\n": a text-mode transfer shows */
	uint16_t compress_algorithm;
	uint8_t pad[433];
} __attribute__((packed));
_Static_assert(sizeof(struct sparse_header) == SECTOR, "a sparse header is a sector");

/* Before a grain table, the grain directory, the footer; alone, the end. */
struct metadata_marker {
	uint64_t sectors;        /* of the block that follows */
	uint32_t size;           /* 0: not a grain */
	uint32_t type;           /* enum marker_type */
	uint8_t pad[496];
} __attribute__((packed));
_Static_assert(sizeof(struct metadata_marker) == SECTOR, "a marker is a sector");

/* Grains read and not yet written. All threads deflate a batch, each
 * taking the next grain, into a slot per grain: the order of the output
 * never depends on which thread did what. */
struct batch {
	unsigned char *in;             /* BATCH_GRAINS x GRAIN_BYTES */
	unsigned char *out;            /* BATCH_GRAINS x slot_bytes */
	size_t slot_bytes;             /* marker + deflate's bound, in sectors */
	uint64_t grain[BATCH_GRAINS];  /* grain numbers */
	size_t in_len[BATCH_GRAINS];   /* GRAIN_BYTES, or less for the last grain */
	size_t out_len[BATCH_GRAINS];  /* marker + data + padding; 0: failed */
	unsigned count;
	atomic_uint next;              /* the next grain to take */
	pthread_t helpers[MAX_THREADS];
	unsigned helpers_started;
};

struct deflater {
	struct batch *batch;
	z_stream zs;
};

struct writer {
	const char *raw, *out;         /* for messages */
	int in, fd;
	uint64_t capacity;             /* bytes */
	uint64_t sector;               /* where the next block goes */
	uint32_t gt[GT_ENTRIES];       /* the grain table being filled */
	uint64_t gt_number;
	int gt_used;
	uint32_t *gd;                  /* one entry per grain table; 0: none */
	uint64_t gd_sectors;
	struct sha256 hash;            /* of what the disk holds */
	uint64_t populated;
	/* While the helper threads deflate one batch, the main thread reads
	 * the next and writes the one before; it joins in the deflating
	 * (deflaters[0]) when the batch it fills is full. */
	struct batch batches[2], *filling, *deflating;
	struct deflater deflaters[MAX_THREADS];
	unsigned threads, deflaters_ready;
	struct jeos_error *err;
};

static uint64_t div_round_up(uint64_t n, uint64_t d)
{
	return (n + d - 1) / d;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

static int write_failed(struct writer *w)
{
	return jeos_fail(w->err, JEOS_EXIT_FAILED, "cannot write %s: %s", w->out,
			 strerror(errno));
}

static int write_all(struct writer *w, const void *buf, size_t len)
{
	const char *p = buf;
	size_t done = 0;

	while (done < len) {
		ssize_t n = write(w->fd, p + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return write_failed(w);
		done += (size_t)n;
	}
	return 0;
}

/* Appends whole sectors. */
static int write_sectors(struct writer *w, const void *buf, size_t len)
{
	if (write_all(w, buf, len) < 0)
		return -1;
	w->sector += len / SECTOR;
	return 0;
}

static int write_metadata(struct writer *w, enum marker_type type,
			  const void *block, uint64_t sectors)
{
	struct metadata_marker m = { .sectors = htole64(sectors), .type = htole32(type) };

	if (write_sectors(w, &m, sizeof(m)) < 0)
		return -1;
	return sectors ? write_sectors(w, block, sectors * SECTOR) : 0;
}

/* Grain tables and the directory hold 32-bit sector numbers. */
static int sector_entry(struct writer *w, uint64_t sector, uint32_t *entry)
{
	if (sector > UINT32_MAX)
		return jeos_fail(w->err, JEOS_EXIT_FAILED,
				 "cannot write %s: over 2 TiB, more than a VMDK addresses",
				 w->out);
	*entry = htole32((uint32_t)sector);
	return 0;
}

static int flush_gt(struct writer *w)
{
	if (!w->gt_used)
		return 0;
	if (sector_entry(w, w->sector + 1, &w->gd[w->gt_number]) < 0 ||
	    write_metadata(w, MARKER_GT, w->gt, GT_SECTORS) < 0)
		return -1;
	memset(w->gt, 0, sizeof(w->gt));
	w->gt_used = 0;
	return 0;
}

static void *deflate_grains(void *arg)
{
	struct deflater *d = arg;
	struct batch *b = d->batch;
	unsigned i;

	while ((i = atomic_fetch_add(&b->next, 1)) < b->count) {
		unsigned char *slot = b->out + i * b->slot_bytes;
		uint64_t lba = htole64(b->grain[i] * GRAIN_SECTORS);
		uint32_t size;
		size_t end;

		b->out_len[i] = 0;
		if (deflateReset(&d->zs) != Z_OK)
			continue;
		d->zs.next_in = b->in + (size_t)i * GRAIN_BYTES;
		d->zs.avail_in = (uInt)b->in_len[i];
		d->zs.next_out = slot + GRAIN_MARKER;
		d->zs.avail_out = (uInt)(b->slot_bytes - GRAIN_MARKER);
		if (deflate(&d->zs, Z_FINISH) != Z_STREAM_END)
			continue;
		size = htole32((uint32_t)d->zs.total_out);
		memcpy(slot, &lba, sizeof(lba));
		memcpy(slot + sizeof(lba), &size, sizeof(size));
		end = GRAIN_MARKER + d->zs.total_out;
		b->out_len[i] = div_round_up(end, SECTOR) * SECTOR;
		memset(slot + end, 0, b->out_len[i] - end);
	}
	return NULL;
}

/* A helper that cannot start leaves its grains to the others. */
static void start_helpers(struct writer *w, struct batch *b)
{
	atomic_store(&b->next, 0);
	for (unsigned t = 1; t < w->threads && t < b->count; t++) {
		w->deflaters[t].batch = b;
		if (pthread_create(&b->helpers[b->helpers_started], NULL, deflate_grains,
				   &w->deflaters[t]) == 0)
			b->helpers_started++;
	}
}

static void join_helpers(struct batch *b)
{
	for (unsigned t = 0; t < b->helpers_started; t++)
		pthread_join(b->helpers[t], NULL);
	b->helpers_started = 0;
}

static int write_deflated(struct writer *w, struct batch *b)
{
	char sz[32];

	if (!b->count)
		return 0;
	for (unsigned i = 0; i < b->count; i++) {
		uint64_t g = b->grain[i];

		if (!b->out_len[i])
			return jeos_fail(w->err, JEOS_EXIT_FAILED,
					 "cannot write %s: deflate failed", w->out);
		if (g / GT_ENTRIES != w->gt_number) {
			if (flush_gt(w) < 0)
				return -1;
			w->gt_number = g / GT_ENTRIES;
		}
		if (sector_entry(w, w->sector, &w->gt[g % GT_ENTRIES]) < 0 ||
		    write_sectors(w, b->out + i * b->slot_bytes, b->out_len[i]) < 0)
			return -1;
		w->gt_used = 1;
	}
	progress("vmdk", (size_t)((b->grain[b->count - 1] + 1) * GRAIN_BYTES >> 20),
		 (size_t)(w->capacity >> 20), "MiB read, %s written",
		 human_size(w->sector * SECTOR, sz));
	b->count = 0;
	return 0;
}

/* The batch being filled is full, or the input ended: finish deflating
 * the one before, set the helpers on this one and write the one before
 * while they work. */
static int next_batch(struct writer *w)
{
	struct batch *done = w->deflating;

	w->deflaters[0].batch = done;
	deflate_grains(&w->deflaters[0]);
	join_helpers(done);
	start_helpers(w, w->filling);
	w->deflating = w->filling;
	w->filling = done;
	return write_deflated(w, done);
}

/* Reads len bytes at off; past the end of the file (the last sector may
 * be short) they are zeros. */
static int read_at(struct writer *w, unsigned char *buf, size_t len, uint64_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(w->in, buf + done, len - done, (off_t)(off + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return jeos_fail(w->err, JEOS_EXIT_FAILED, "cannot read %s: %s",
					 w->raw, strerror(errno));
		if (n == 0)
			break;
		done += (size_t)n;
	}
	memset(buf + done, 0, len - done);
	return 0;
}

static int all_zero(const unsigned char *p, size_t len)
{
	return p[0] == 0 && memcmp(p, p + 1, len - 1) == 0;
}

static int add_grain(struct writer *w, uint64_t g)
{
	struct batch *b = w->filling;
	unsigned char *buf = b->in + (size_t)b->count * GRAIN_BYTES;
	uint64_t off = g * GRAIN_BYTES, le = htole64(g);
	size_t len = w->capacity - off < GRAIN_BYTES ? (size_t)(w->capacity - off)
						     : GRAIN_BYTES;

	if (read_at(w, buf, len, off) < 0)
		return -1;
	if (all_zero(buf, len))
		return 0;
	sha256_update(&w->hash, &le, sizeof(le));
	sha256_update(&w->hash, buf, len);
	w->populated += GRAIN_BYTES;
	b->grain[b->count] = g;
	b->in_len[b->count] = len;
	return ++b->count == BATCH_GRAINS ? next_batch(w) : 0;
}

/* Every grain the file has data in, in order; holes are never read. */
static int write_grains(struct writer *w)
{
	uint64_t grains = div_round_up(w->capacity, GRAIN_BYTES), g = 0;

	while (g < grains) {
		off_t data = lseek(w->in, (off_t)(g * GRAIN_BYTES), SEEK_DATA), hole = 0;

		if (data < 0 && errno == ENXIO)
			break; /* holes to the end */
		if (data < 0 || (hole = lseek(w->in, data, SEEK_HOLE)) < 0)
			return jeos_fail(w->err, JEOS_EXIT_FAILED, "cannot read %s: %s",
					 w->raw, strerror(errno));
		/* g < grains too: the file may have grown since fstat */
		for (g = (uint64_t)data / GRAIN_BYTES;
		     g < grains && g * GRAIN_BYTES < (uint64_t)hole; g++)
			if (add_grain(w, g) < 0)
				return -1;
	}
	/* twice: the last batch goes to the threads, then to the file */
	if (next_batch(w) < 0 || next_batch(w) < 0)
		return -1;
	return flush_gt(w);
}

static void descriptor(struct strbuf *sb, const char *out, uint64_t capacity,
		       const char *adapter, unsigned hw_version,
		       const char hex[SHA256_HEX_LEN + 1])
{
	uint64_t sectors = capacity / SECTOR;
	/* VMware's geometry: 16 heads for IDE, 255 for SCSI, cylinders
	 * capped where the BIOS geometry ends */
	int ide = !strcmp(adapter, "ide");
	unsigned heads = ide ? 16 : 255;
	uint64_t cylinders = div_round_up(sectors, heads * 63u), max = ide ? 16383 : 65535;
	char tail[9];
	unsigned long cid;

	/* The CID is the tail of the longContentID, as VMware writes them;
	 * ffffffff (no parent) and fffffffe are reserved. */
	memcpy(tail, hex + 24, 8);
	tail[8] = '\0';
	cid = strtoul(tail, NULL, 16);
	if (cid >= 0xfffffffeUL)
		cid -= 2;
	strbuf_addf(sb,
		    "# Disk DescriptorFile\n"
		    "version=1\n"
		    "encoding=\"UTF-8\"\n"
		    "CID=%08lx\n"
		    "parentCID=ffffffff\n"
		    "createType=\"streamOptimized\"\n"
		    "\n"
		    "# Extent description\n"
		    "RW %llu SPARSE \"%s\"\n"
		    "\n"
		    "# The Disk Data Base\n"
		    "#DDB\n"
		    "\n"
		    "ddb.adapterType = \"%s\"\n"
		    "ddb.geometry.cylinders = \"%llu\"\n"
		    "ddb.geometry.heads = \"%u\"\n"
		    "ddb.geometry.sectors = \"63\"\n"
		    "ddb.longContentID = \"%.32s\"\n"
		    "ddb.toolsVersion = \"2147483647\"\n"
		    "ddb.virtualHWVersion = \"%u\"\n",
		    cid, (unsigned long long)sectors, base_name(out), adapter,
		    (unsigned long long)(cylinders < max ? cylinders : max), heads, hex,
		    hw_version);
}

static int check_options(const struct vmdk_options *o, const char *out,
			 struct jeos_error *err)
{
	static const char *const adapters[] = { "ide", "lsilogic", "buslogic", "legacyESX" };
	size_t i = 0, n = sizeof(adapters) / sizeof(*adapters);

	while (i < n && strcmp(o->adapter_type, adapters[i]))
		i++;
	if (i == n)
		return jeos_fail(err, JEOS_EXIT_USAGE,
				 "%s: unknown adapter type \"%s\" (ide, lsilogic, buslogic or legacyESX)",
				 out, o->adapter_type);
	/* the descriptor quotes the name and has no escapes */
	if (strpbrk(base_name(out), "\"\r\n"))
		return jeos_fail(err, JEOS_EXIT_USAGE,
				 "%s: a VMDK name cannot hold '\"' or a line break", out);
	return 0;
}

static unsigned thread_count(unsigned wanted)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	if (!wanted)
		wanted = cpus > 0 ? (unsigned)cpus : 1;
	return wanted < MAX_THREADS ? wanted : MAX_THREADS;
}

/* Header, descriptor space and padding; the descriptor comes last, when
 * the content's hash is known. */
static int start_output(struct writer *w, struct sparse_header *h)
{
	memset(h, 0, sizeof(*h));
	h->magic = htole32(0x564d444b); /* "KDMV" on disk */
	h->version = htole32(3);
	h->flags = htole32(FLAG_NEWLINE_TEST | FLAG_COMPRESSED | FLAG_MARKERS);
	h->capacity = htole64(w->capacity / SECTOR);
	h->grain_size = htole64(GRAIN_SECTORS);
	h->desc_offset = htole64(1);
	h->desc_size = htole64(DESC_SECTORS);
	h->gtes_per_gt = htole32(GT_ENTRIES);
	h->gd_offset = htole64(GD_AT_END);
	h->overhead = htole64(OVERHEAD_SECTORS);
	memcpy(h->newline_test, "\n \r\n", 4);
	h->compress_algorithm = htole16(COMPRESS_DEFLATE);
	if (write_sectors(w, h, sizeof(*h)) < 0)
		return -1;
	if (lseek(w->fd, (off_t)OVERHEAD_SECTORS * SECTOR, SEEK_SET) < 0)
		return write_failed(w);
	w->sector = OVERHEAD_SECTORS;
	return 0;
}

/* The grain directory, the footer (the header with the directory's
 * offset), the end-of-stream marker, and now that the content's hash is
 * known, the descriptor. */
static int finish_output(struct writer *w, struct sparse_header *h,
			 const struct vmdk_options *o)
{
	CLEANUP_STRBUF struct strbuf desc = STRBUF_INIT;
	char hex[SHA256_HEX_LEN + 1];

	h->gd_offset = htole64(w->sector + 1);
	if (write_metadata(w, MARKER_GD, w->gd, w->gd_sectors) < 0 ||
	    write_metadata(w, MARKER_FOOTER, h, 1) < 0 ||
	    write_metadata(w, MARKER_EOS, NULL, 0) < 0)
		return -1;
	sha256_final(&w->hash, hex);
	descriptor(&desc, w->out, w->capacity, o->adapter_type, o->hw_version, hex);
	if (lseek(w->fd, SECTOR, SEEK_SET) < 0)
		return write_failed(w);
	return write_all(w, desc.buf, desc.len);
}

int vmdk_write(const char *raw, const char *out, const struct vmdk_options *o,
	       struct vmdk_info *info, struct jeos_error *err)
{
	static const struct vmdk_options none;
	struct vmdk_options opts = o ? *o : none;
	struct writer w = { .raw = raw, .out = out, .in = -1, .fd = -1, .err = err };
	CLEANUP_UNLINK_FREE char *tmp = NULL;
	struct sparse_header h;
	struct stat st;
	uint64_t le;
	int fd, rc = -1;

	if (!opts.adapter_type)
		opts.adapter_type = "lsilogic";
	if (!opts.hw_version)
		opts.hw_version = 4;
	if (check_options(&opts, out, err) < 0)
		goto out;
	w.in = open(raw, O_RDONLY | O_CLOEXEC);
	if (w.in < 0 || fstat(w.in, &st) < 0) {
		jeos_fail(err, JEOS_EXIT_FAILED, "cannot open %s: %s", raw, strerror(errno));
		goto out;
	}
	if (st.st_size <= 0) {
		/* a capacity of 0 would make readers take the file for a
		 * descriptor */
		jeos_fail(err, JEOS_EXIT_FAILED, "%s: empty file", raw);
		goto out;
	}
	w.capacity = div_round_up((uint64_t)st.st_size, SECTOR) * SECTOR;
	w.gd_sectors = div_round_up(div_round_up(w.capacity, (uint64_t)GRAIN_BYTES * GT_ENTRIES) * 4,
				    SECTOR);
	w.gd = xcalloc(w.gd_sectors, SECTOR);
	w.threads = thread_count(opts.threads);
	for (size_t i = 0; i < 2; i++) {
		struct batch *b = &w.batches[i];
		b->slot_bytes = div_round_up(GRAIN_MARKER + compressBound(GRAIN_BYTES), SECTOR) * SECTOR;
		b->in = xmalloc((size_t)BATCH_GRAINS * GRAIN_BYTES);
		b->out = xmalloc(BATCH_GRAINS * b->slot_bytes);
	}
	w.filling = &w.batches[0];
	w.deflating = &w.batches[1];
	for (; w.deflaters_ready < w.threads; w.deflaters_ready++) {
		if (deflateInit(&w.deflaters[w.deflaters_ready].zs, DEFLATE_LEVEL) != Z_OK) {
			jeos_fail(err, JEOS_EXIT_FAILED, "cannot initialise zlib");
			goto out;
		}
	}

	tmp = tmpname_for(out);
	w.fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (w.fd < 0) {
		jeos_fail(err, JEOS_EXIT_FAILED, "cannot create %s: %s", out, strerror(errno));
		goto out;
	}
	sha256_init(&w.hash);
	le = htole64(w.capacity);
	sha256_update(&w.hash, &le, sizeof(le));
	if (start_output(&w, &h) < 0 || write_grains(&w) < 0 ||
	    finish_output(&w, &h, &opts) < 0)
		goto out;
	fd = w.fd;
	w.fd = -1;
	if (close(fd) < 0) {
		write_failed(&w);
		goto out;
	}
	if (commit_file(&tmp, out, err) < 0)
		goto out;
	if (info) {
		info->capacity = w.capacity;
		info->file_size = w.sector * SECTOR;
		info->populated = w.populated;
	}
	rc = 0;
out:
	progress_done();
	if (w.hash.ctx) {
		char discard[SHA256_HEX_LEN + 1];
		sha256_final(&w.hash, discard);
	}
	for (size_t i = 0; i < 2; i++)
		join_helpers(&w.batches[i]); /* an error leaves them running */
	for (unsigned t = 0; t < w.deflaters_ready; t++)
		deflateEnd(&w.deflaters[t].zs);
	if (w.fd >= 0)
		close(w.fd);
	if (w.in >= 0)
		close(w.in);
	for (size_t i = 0; i < 2; i++) {
		free(w.batches[i].in);
		free(w.batches[i].out);
	}
	free(w.gd);
	return rc;
}
