/* disk.c - see disk.h. */
#include "disk.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ALIGN 2048           /* sectors: 1 MiB */
#define GPT_BACKUP 33        /* sectors the backup GPT takes at the end */
#define ESP_SECTORS (64 * 2048)
#define BIOS_BOOT_SECTORS 2048

static const struct {
	const char *type, *name;
} part_kinds[] = {
	[PART_BIOS_BOOT] = { "21686148-6449-6E6F-744E-656564454649", "BIOS boot" },
	[PART_ESP] = { "C12A7328-F81F-11D2-BA4B-00A0C93EC93B", "EFI" },
	[PART_ROOT] = { "4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709", "root" },
};

static void add_part(struct disk_layout *d, enum part_role role, uint64_t start,
		     uint64_t size, const struct identity *id)
{
	struct partition *p = &d->parts[d->nr++];
	CLEANUP_FREE char *purpose = xasprintf("partition %s", part_kinds[role].name);

	p->role = role;
	p->number = (int)d->nr;
	p->start = start;
	p->size = size;
	identity_uuid(id, purpose, p->guid);
}

void disk_layout_init(struct disk_layout *d, const struct recipe *r, uint64_t bytes,
		      const struct identity *id)
{
	uint64_t next = ALIGN, last = bytes / DISK_SECTOR - GPT_BACKUP - 1;
	unsigned char vol[4];

	memset(d, 0, sizeof(*d));
	d->bytes = bytes;
	identity_uuid(id, "disk", d->disk_guid);
	if (r->type.firmware == FW_EFI) {
		add_part(d, PART_ESP, next, ESP_SECTORS, id);
		next += ESP_SECTORS;
	} else if (r->type.bootloader == BL_EXTLINUX) {
		d->legacy_bootable = 1;
	} else {
		add_part(d, PART_BIOS_BOOT, next, BIOS_BOOT_SECTORS, id);
		next += BIOS_BOOT_SECTORS;
	}
	add_part(d, PART_ROOT, next, (last + 1 - next) / ALIGN * ALIGN, id);
	identity_uuid(id, "root filesystem", d->root_uuid);
	identity_uuid(id, "root filesystem hash seed", d->root_hash_seed);
	identity_bytes(id, "EFI volume id", vol, sizeof(vol));
	snprintf(d->esp_volid, sizeof(d->esp_volid), "%02X%02X-%02X%02X", vol[0], vol[1],
		 vol[2], vol[3]);
}

const struct partition *disk_partition(const struct disk_layout *d, enum part_role role)
{
	for (size_t i = 0; i < d->nr; i++)
		if (d->parts[i].role == role)
			return &d->parts[i];
	return NULL;
}

void disk_layout_describe(const struct disk_layout *d, struct strbuf *sb)
{
	strbuf_addf(sb, "gpt %llu %s", (unsigned long long)d->bytes, d->disk_guid);
	for (size_t i = 0; i < d->nr; i++)
		strbuf_addf(sb, " %s:%llu+%llu:%s", part_kinds[d->parts[i].role].name,
			    (unsigned long long)d->parts[i].start,
			    (unsigned long long)d->parts[i].size, d->parts[i].guid);
	strbuf_addf(sb, " bootable=%d root=%s/%s esp=%s\n", d->legacy_bootable, d->root_uuid,
		    d->root_hash_seed, d->esp_volid);
}

int disk_create(const struct disk_layout *d, const char *path, const char *work_dir,
		struct jeos_error *err)
{
	CLEANUP_FREE char *script_path = xasprintf("%s/sfdisk.script", work_dir);
	CLEANUP_FREE char *log = xasprintf("%s/sfdisk.log", work_dir);
	CLEANUP_STRBUF struct strbuf script = STRBUF_INIT;
	char *const argv[] = { "sfdisk", "--quiet", "--no-reread", "--no-tell-kernel",
			       (char *)path, NULL };
	int fd;

	if (d->bytes < (8u << 20) || d->bytes % (1u << 20))
		return jeos_fail(err, JEOS_EXIT_USAGE, "a disk of %llu bytes: expected whole"
				 " MiB, at least 8", (unsigned long long)d->bytes);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || ftruncate(fd, (off_t)d->bytes) < 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return jeos_fail(err, JEOS_EXIT_FAILED, "cannot create %s: %s", path, strerror(e));
	}
	close(fd);
	strbuf_addf(&script, "label: gpt\nlabel-id: %s\nunit: sectors\nfirst-lba: %d\n\n",
		    d->disk_guid, ALIGN);
	for (size_t i = 0; i < d->nr; i++) {
		const struct partition *p = &d->parts[i];
		strbuf_addf(&script, "start=%llu, size=%llu, type=%s, uuid=%s, name=\"%s\"%s\n",
			    (unsigned long long)p->start, (unsigned long long)p->size,
			    part_kinds[p->role].type, p->guid, part_kinds[p->role].name,
			    p->role == PART_ROOT && d->legacy_bootable
			    ? ", attrs=\"LegacyBIOSBootable\"" : "");
	}
	if (write_file(script_path, script.buf, script.len, err) < 0 ||
	    run_program_io(argv, script_path, log, err) < 0) {
		jeos_error_prefix(err, "partitioning %s: ", path);
		return -1;
	}
	return 0;
}

/* "mtools-command -i IMAGE@@OFFSET ...": mtools reads a partition inside
 * a disk file; TZ and SOURCE_DATE_EPOCH make its FAT times fixed. */
static int mtools(const char *const *args, const char *image, const struct partition *esp,
		  int64_t epoch, const char *log, struct jeos_error *err)
{
	CLEANUP_FREE char *sde = xasprintf("SOURCE_DATE_EPOCH=%lld", (long long)epoch);
	CLEANUP_FREE char *where = xasprintf("%s@@%llu", image,
					     (unsigned long long)esp->start * DISK_SECTOR);
	const char *argv[16] = { "env", "TZ=UTC", "MTOOLS_SKIP_CHECK=1", sde, args[0], "-i",
				 where };
	size_t n = 7;

	for (size_t i = 1; args[i] && n < 15; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	return run_program_logged((char *const *)argv, log, err);
}

int disk_make_esp(const struct disk_layout *d, const char *path, const char *work_dir,
		  struct jeos_error *err)
{
	const struct partition *esp = disk_partition(d, PART_ESP);
	CLEANUP_FREE char *log = xasprintf("%s/mkfs.fat.log", work_dir);
	char volid[9], offset[32], kib[32];

	if (!esp)
		return 0;
	snprintf(volid, sizeof(volid), "%.4s%.4s", d->esp_volid, d->esp_volid + 5);
	snprintf(offset, sizeof(offset), "%llu", (unsigned long long)esp->start);
	snprintf(kib, sizeof(kib), "%llu", (unsigned long long)esp->size / 2);
	/* FAT16 named, or mkfs.fat would size the FAT by the whole disk file */
	char *const argv[] = { "mkfs.fat", "--invariant", "-F", "16", "-i", volid, "-n", "EFI",
			       "--offset", offset, (char *)path, kib, NULL };
	if (run_program_logged(argv, log, err) < 0) {
		jeos_error_prefix(err, "making the EFI system partition: ");
		return -1;
	}
	return 0;
}

/* Recreates dir's tree at :/rel in the ESP, entries in byte order. */
static int put_tree(const char *dir, const char *rel, const char *image,
		    const struct partition *esp, int64_t epoch, const char *log,
		    struct jeos_error *err)
{
	struct dirent **list;
	int n = scandir(dir, &list, NULL, alphasort), rc = 0;

	if (n < 0)
		return jeos_fail(err, JEOS_EXIT_FAILED, "cannot read %s: %s", dir, strerror(errno));
	for (int i = 0; i < n; i++) {
		const char *name = list[i]->d_name;
		CLEANUP_FREE char *host = xasprintf("%s/%s", dir, name);
		CLEANUP_FREE char *target = xasprintf("::%s/%s", rel, name);
		struct stat st;

		if (rc < 0 || !strcmp(name, ".") || !strcmp(name, ".."))
			goto next;
		if (lstat(host, &st) < 0) {
			rc = jeos_fail(err, JEOS_EXIT_FAILED, "%s: %s", host, strerror(errno));
		} else if (S_ISDIR(st.st_mode)) {
			const char *mmd[] = { "mmd", target, NULL };
			CLEANUP_FREE char *sub = xasprintf("%s/%s", rel, name);
			rc = mtools(mmd, image, esp, epoch, log, err) < 0 ? -1
			     : put_tree(host, sub, image, esp, epoch, log, err);
		} else {
			/* mcopy -m keeps the file's time: clamp it first */
			struct timespec t[2] = { { .tv_sec = st.st_mtime < epoch ? st.st_mtime : epoch },
						 { .tv_sec = st.st_mtime < epoch ? st.st_mtime : epoch } };
			const char *mcopy[] = { "mcopy", "-m", host, target, NULL };
			if (utimensat(AT_FDCWD, host, t, AT_SYMLINK_NOFOLLOW) < 0)
				rc = jeos_fail(err, JEOS_EXIT_FAILED, "%s: %s", host, strerror(errno));
			else
				rc = mtools(mcopy, image, esp, epoch, log, err);
		}
next:
		free(list[i]);
	}
	free(list);
	return rc;
}

int disk_copy_esp(const struct disk_layout *d, const char *src, const char *dst,
		  const char *work_dir, int64_t epoch, struct jeos_error *err)
{
	const struct partition *esp = disk_partition(d, PART_ESP);
	CLEANUP_FREE char *tree = xasprintf("%s/esp", work_dir);
	CLEANUP_FREE char *log = xasprintf("%s/mtools.log", work_dir);
	const char *out[] = { "mcopy", "-s", "-n", "-m", "::", tree, NULL };

	if (!esp)
		return 0;
	if (mkdir_p(tree, 0755, err) < 0 || mtools(out, src, esp, epoch, log, err) < 0 ||
	    put_tree(tree, "", dst, esp, epoch, log, err) < 0) {
		jeos_error_prefix(err, "copying the EFI system partition: ");
		return -1;
	}
	return 0;
}

int disk_copy_bytes(const char *src, const char *dst, uint64_t offset, uint64_t len,
		    struct jeos_error *err)
{
	CLEANUP_FREE char *buf = xmalloc(len);
	int in, out, rc = 0;

	errno = 0; /* a short read leaves it alone */
	in = open(src, O_RDONLY | O_CLOEXEC);
	out = open(dst, O_WRONLY | O_CLOEXEC);

	if (in < 0 || out < 0 || pread(in, buf, len, (off_t)offset) != (ssize_t)len ||
	    pwrite(out, buf, len, (off_t)offset) != (ssize_t)len)
		rc = jeos_fail(err, JEOS_EXIT_FAILED, "copying %llu bytes at %llu from %s to %s: %s",
			       (unsigned long long)len, (unsigned long long)offset, src, dst,
			       errno ? strerror(errno) : "short read");
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	return rc;
}
