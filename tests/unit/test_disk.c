/* Unit tests for the disk layout (disk.c) and the identities it takes
 * (identity.c): real sfdisk, mkfs.fat and mtools on files the test makes. */
#include "testutil.h"
#include "disk.h"
#include "identity.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define MiB (1ull << 20)

struct fixture {
	char *dir;
	char *lock;
	struct recipe r;
	struct jeos_error err;
};

static int setup(void **state)
{
	struct fixture *fx = xcalloc(1, sizeof(*fx));

	fx->dir = test_tmpdir();
	fx->lock = xasprintf("%s/x.lock", fx->dir);
	assert_int_equal(write_file(fx->lock, "# jeos lock 1\n", 14, &fx->err), 0);
	fx->r.name = "app";
	fx->r.version = "1.0";
	fx->r.type.firmware = FW_BIOS;
	fx->r.type.bootloader = BL_EXTLINUX;
	unsetenv("SOURCE_DATE_EPOCH");
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	test_rmrf(fx->dir);
	free(fx->dir);
	free(fx->lock);
	free(fx);
	return 0;
}

static void identity_ok(struct fixture *fx, struct identity *id, int64_t lock_epoch)
{
	if (identity_init(id, &fx->r, fx->lock, lock_epoch, &fx->err) < 0)
		fail_msg("identity_init: %s", fx->err.msg);
}

static void test_identity(void **state)
{
	struct fixture *fx = *state;
	struct identity a, b;
	char ua[37], ub[37], other[37];

	identity_ok(fx, &a, 1700000000);
	identity_ok(fx, &b, 1700000000);
	identity_uuid(&a, "root filesystem", ua);
	identity_uuid(&b, "root filesystem", ub);
	assert_string_equal(ua, ub);                 /* same inputs, same id */
	assert_int_equal(ua[14], '4');               /* a version 4 UUID */
	assert_non_null(strchr("89ab", ua[19]));     /* RFC 4122 variant */
	identity_uuid(&a, "disk", other);
	assert_string_not_equal(ua, other);          /* another purpose */
	assert_int_equal(a.epoch, 1700000000);

	/* another lock, version or seed: another identity */
	assert_int_equal(write_file(fx->lock, "# jeos lock 1\nx\n", 16, &fx->err), 0);
	identity_ok(fx, &b, 1700000000);
	identity_uuid(&b, "root filesystem", ub);
	assert_string_not_equal(ua, ub);
	fx->r.version = "1.1";
	identity_ok(fx, &b, 1700000000);
	identity_uuid(&b, "root filesystem", other);
	assert_string_not_equal(ub, other);
	fx->r.identity_seed = "vendor-release-7";
	identity_ok(fx, &a, 1700000000);
	fx->r.version = "9";
	identity_ok(fx, &b, 1700000000);
	identity_uuid(&a, "root filesystem", ua);
	identity_uuid(&b, "root filesystem", ub);
	assert_string_equal(ua, ub);                 /* the seed alone decides */
	fx->r.identity_seed = NULL;

	/* the environment's SOURCE_DATE_EPOCH wins; a bad one is refused */
	setenv("SOURCE_DATE_EPOCH", "1600000000", 1);
	identity_ok(fx, &a, 1700000000);
	assert_int_equal(a.epoch, 1600000000);
	setenv("SOURCE_DATE_EPOCH", "16e8", 1);
	assert_int_equal(identity_init(&a, &fx->r, fx->lock, 0, &fx->err), -1);
	assert_int_equal(fx->err.code, JEOS_EXIT_USAGE);
	assert_non_null(strstr(fx->err.msg, "SOURCE_DATE_EPOCH=16e8"));
	unsetenv("SOURCE_DATE_EPOCH");
}

/* sfdisk -d of path, without its "device:" line (it names the file) */
static char *table_of(const char *path)
{
	CLEANUP_FREE char *out = xasprintf("%s.table", path);
	test_shf("sfdisk -d '%s' | grep -v '^device:' | sed 's|^.*\\.raw\\([0-9]\\) :|\\1 :|' > '%s'",
		 path, out);
	return test_read_file(out);
}

static void test_layouts(void **state)
{
	struct fixture *fx = *state;
	struct identity id;
	struct disk_layout d;
	CLEANUP_FREE char *a = xasprintf("%s/a.raw", fx->dir);
	CLEANUP_FREE char *b = xasprintf("%s/b.raw", fx->dir);
	CLEANUP_FREE char *ta = NULL, *tb = NULL, *grub = NULL, *efi = NULL;
	struct stat st;

	identity_ok(fx, &id, 1700000000);
	/* BIOS + extlinux: one legacy-bootable root partition */
	disk_layout_init(&d, &fx->r, 100 * MiB, &id);
	assert_int_equal(d.nr, 1);
	assert_int_equal(disk_create(&d, a, fx->dir, &fx->err), 0);
	assert_int_equal(disk_create(&d, b, fx->dir, &fx->err), 0);
	test_shf("cmp '%s' '%s'", a, b);             /* byte for byte */
	assert_int_equal(stat(a, &st), 0);
	assert_int_equal(st.st_size, 100 * MiB);
	assert_true((uint64_t)st.st_blocks * 512 < MiB); /* sparse */
	ta = table_of(a);
	assert_non_null(strstr(ta, "label: gpt"));
	assert_non_null(strcasestr(ta, d.disk_guid));
	assert_non_null(strstr(ta, "1 : start=        2048"));
	assert_non_null(strstr(ta, "type=4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709"));
	assert_non_null(strstr(ta, "attrs=\"LegacyBIOSBootable\""));
	assert_non_null(strcasestr(ta, disk_partition(&d, PART_ROOT)->guid));
	/* the partition ends on a MiB boundary before the backup GPT */
	const struct partition *root = disk_partition(&d, PART_ROOT);
	assert_int_equal((root->start + root->size) % 2048, 0);
	assert_true((root->start + root->size) * 512 <= 100 * MiB - 33 * 512);

	/* BIOS + grub2: a BIOS boot partition first */
	fx->r.type.bootloader = BL_GRUB2;
	disk_layout_init(&d, &fx->r, 100 * MiB, &id);
	assert_int_equal(disk_create(&d, a, fx->dir, &fx->err), 0);
	grub = table_of(a);
	assert_non_null(strstr(grub, "1 : start=        2048, size=        2048, "
				     "type=21686148-6449-6E6F-744E-656564454649"));
	assert_non_null(strstr(grub, "2 : start=        4096"));
	assert_null(strstr(grub, "LegacyBIOSBootable"));
	assert_int_equal(disk_partition(&d, PART_ROOT)->number, 2);

	/* EFI: a 64 MiB ESP, then root */
	fx->r.type.firmware = FW_EFI;
	disk_layout_init(&d, &fx->r, 100 * MiB, &id);
	assert_int_equal(disk_create(&d, a, fx->dir, &fx->err), 0);
	efi = table_of(a);
	assert_non_null(strstr(efi, "1 : start=        2048, size=      131072, "
				    "type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B"));
	assert_non_null(strstr(efi, "2 : start=      133120"));

	/* a size jeos cannot lay out */
	disk_layout_init(&d, &fx->r, 100 * MiB + 512, &id);
	assert_int_equal(disk_create(&d, a, fx->dir, &fx->err), -1);
	assert_int_equal(fx->err.code, JEOS_EXIT_USAGE);
}

/* The same ESP files, written at different times, in another order and
 * time zone, give the same FAT. */
static void test_esp(void **state)
{
	struct fixture *fx = *state;
	struct identity id;
	struct disk_layout d;
	CLEANUP_FREE char *src = xasprintf("%s/src.raw", fx->dir);
	CLEANUP_FREE char *a = xasprintf("%s/a.raw", fx->dir);
	CLEANUP_FREE char *b = xasprintf("%s/b.raw", fx->dir);
	CLEANUP_FREE char *work_a = xasprintf("%s/wa", fx->dir);
	CLEANUP_FREE char *work_b = xasprintf("%s/wb", fx->dir);
	CLEANUP_FREE char *listing = NULL;
	char off[32];

	fx->r.type.firmware = FW_EFI;
	identity_ok(fx, &id, 1700000000);
	disk_layout_init(&d, &fx->r, 100 * MiB, &id);
	snprintf(off, sizeof(off), "%llu",
		 (unsigned long long)disk_partition(&d, PART_ESP)->start * 512);
	assert_int_equal(disk_create(&d, src, fx->dir, &fx->err), 0);
	assert_int_equal(disk_make_esp(&d, src, fx->dir, &fx->err), 0);
	/* the scratch ESP, as a guest would fill it: now, in any order */
	test_shf("cd '%s' && mkdir -p t/EFI/BOOT t/loader && echo boot > t/EFI/BOOT/BOOTX64.EFI && "
		 "echo conf > t/loader/loader.conf && export MTOOLS_SKIP_CHECK=1 && "
		 "mmd -i src.raw@@%s ::/loader ::/EFI ::/EFI/BOOT && "
		 "mcopy -i src.raw@@%s t/loader/loader.conf ::/loader/ && "
		 "mcopy -i src.raw@@%s t/EFI/BOOT/BOOTX64.EFI ::/EFI/BOOT/", fx->dir, off, off, off);
	assert_int_equal(mkdir_p(work_a, 0755, &fx->err), 0);
	assert_int_equal(mkdir_p(work_b, 0755, &fx->err), 0);
	assert_int_equal(disk_create(&d, a, work_a, &fx->err), 0);
	assert_int_equal(disk_make_esp(&d, a, work_a, &fx->err), 0);
	assert_int_equal(disk_copy_esp(&d, src, a, work_a, id.epoch, &fx->err), 0);
	sleep(2); /* FAT times have 2 s steps */
	setenv("TZ", "Pacific/Chatham", 1);
	assert_int_equal(disk_create(&d, b, work_b, &fx->err), 0);
	assert_int_equal(disk_make_esp(&d, b, work_b, &fx->err), 0);
	assert_int_equal(disk_copy_esp(&d, src, b, work_b, id.epoch, &fx->err), 0);
	unsetenv("TZ");
	test_shf("cmp '%s' '%s'", a, b);
	/* the files are there, with the epoch's time; the volume id is the layout's */
	CLEANUP_FREE char *out = xasprintf("%s/mdir", fx->dir);
	test_shf("MTOOLS_SKIP_CHECK=1 TZ=UTC mdir -i '%s@@%s' ::/EFI/BOOT > '%s'", a, off, out);
	listing = test_read_file(out);
	assert_non_null(strstr(listing, "BOOTX64  EFI"));
	assert_non_null(strstr(listing, "2023-11-14  22:13"));
	CLEANUP_FREE char *id_hex = xasprintf("Volume Serial Number is %s", d.esp_volid);
	assert_non_null(strstr(listing, id_hex));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_identity, setup, teardown),
		cmocka_unit_test_setup_teardown(test_layouts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_esp, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
