/* Unit tests for extlinux_repatch(): the format on synthetic images (runs,
 * the 127-sector cap, 64-bit sectors, checksum, bad input), then against
 * the real installer. One libguestfs launch (~25 s under TCG) installs
 * extlinux as jeos does; repatching for the sectors it chose must give
 * its bytes back. Then the filesystem goes to another partition start
 * with ldlinux.sys in other, fragmented blocks, and two qemu boots (under
 * a second each, TCG) show that the repatched disk reads its
 * configuration and the unrepatched one does not. */
#include "testutil.h"
#include "boot.h"
#include "extlinux.h"
#include "guest.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAGIC 0x3eb202fe
#define MARKER "jeos-extlinux-ok"
#define DISK_MIB 64
#define PART_START 2048
#define MOVED_MIB 80
#define MOVED_START 4096
/* GPT as jeos lays disks out, leaving room for the backup table */
#define MOVED_SECTORS (MOVED_MIB * 2048 - MOVED_START - 2048)
#define BOOT_SECONDS 60

static void repatch_ok(unsigned char *ld, size_t len, unsigned char *vbr,
		       const struct extlinux_place *pl)
{
	struct jeos_error err;

	if (extlinux_repatch(ld, len, vbr, pl, &err) < 0)
		fail_msg("%s", err.msg);
}

/* ---- synthetic images ---- */

/* syslinux 6's layout with made-up offsets: the patch area at 16, the
 * extended one at 64 pointing to the ADV pointers at 100 and SLOTS extent
 * slots at 200, the boot sector's sector-1 pointer at 0x11a and 0x120
 * (Debian's offsets). Other bytes hold a pattern, to see they stay. */
#define SYN_PA 16
#define SYN_EPA 64
#define SYN_ADV 100
#define SYN_EXT 200
#define SYN_SECT1_LO 0x11a
#define SYN_SECT1_HI 0x120

static unsigned char *synthetic(size_t nr_sectors, unsigned slots, unsigned char vbr[512])
{
	size_t len = nr_sectors * 512, image = len - 1024;
	unsigned char *ld = xmalloc(len);

	for (size_t i = 0; i < len; i++)
		ld[i] = (unsigned char)(i * 7 + 3);
	le32_put(ld + SYN_PA, MAGIC);
	le16_put(ld + SYN_PA + 8, (uint32_t)(image / 512));
	le16_put(ld + SYN_PA + 10, 2);
	le32_put(ld + SYN_PA + 12, (uint32_t)(image / 4));
	le16_put(ld + SYN_PA + 22, SYN_EPA);
	le16_put(ld + SYN_EPA, SYN_ADV);
	le16_put(ld + SYN_EPA + 10, SYN_EXT);
	le16_put(ld + SYN_EPA + 12, slots);
	le16_put(ld + SYN_EPA + 14, SYN_SECT1_LO);
	le16_put(ld + SYN_EPA + 16, SYN_SECT1_HI);
	for (size_t i = 0; i < 512; i++)
		vbr[i] = (unsigned char)(i * 5 + 1);
	le32_put(vbr + 0x1f8, MAGIC);
	le16_put(vbr + 0x1fc, 0x3600 | 0x118);
	le16_put(vbr + 0x1fe, 0xaa55);
	return ld;
}

/* Bytes outside [a, a + n) are unchanged. */
static int outside(size_t i, size_t a, size_t n)
{
	return i < a || i >= a + n;
}

static void test_synthetic_patch(void **state)
{
	(void)state;
	enum { N = 142, SLOTS = 192 }; /* 140 data sectors + the ADV */
	unsigned char vbr[512], vbr0[512];
	CLEANUP_FREE unsigned char *ld = synthetic(N, SLOTS, vbr);
	CLEANUP_FREE unsigned char *ld0 = xmalloc(N * 512);
	uint64_t s[N];
	struct extlinux_place pl = {
		.part_start = 0x100000800ull, .part_sectors = 1ull << 40,
		.sectors = s, .nr_sectors = N,
	};
	uint32_t sum = 0;

	memcpy(ld0, ld, N * 512);
	memcpy(vbr0, vbr, 512);
	s[0] = 0x100000010ull;            /* past 2 TiB: both halves */
	for (int i = 1; i <= 130; i++)    /* 130 in a row: 127 + 3 */
		s[i] = 2000 + (uint64_t)i - 1;
	for (int i = 131; i < 140; i++)   /* backwards: one run each */
		s[i] = 3000 - 2 * (uint64_t)(i - 131);
	s[140] = 5000;
	s[141] = 7000;
	repatch_ok(ld, N * 512, vbr, &pl);

	assert_int_equal(le32_get(vbr + SYN_SECT1_LO), 0x10);
	assert_int_equal(le32_get(vbr + SYN_SECT1_HI), 1);
	assert_int_equal(le32_get(vbr + 0x1c), 0x800); /* truncated, as extlinux does */
	assert_int_equal(le16_get(vbr + 0x13), 0);
	assert_int_equal(le32_get(vbr + 0x20), 0);
	for (size_t i = 0; i < 512; i++)
		if (outside(i, SYN_SECT1_LO, 4) && outside(i, SYN_SECT1_HI, 4) &&
		    outside(i, 0x1c, 4) && outside(i, 0x13, 2) && outside(i, 0x20, 4))
			assert_int_equal(vbr[i], vbr0[i]);

	assert_int_equal(le64_get(ld + SYN_EXT), 2000);
	assert_int_equal(le16_get(ld + SYN_EXT + 8), 127);
	assert_int_equal(le64_get(ld + SYN_EXT + 10), 2127);
	assert_int_equal(le16_get(ld + SYN_EXT + 18), 3);
	for (int k = 0; k < 9; k++) {
		assert_int_equal(le64_get(ld + SYN_EXT + 20 + 10 * k), 3000 - 2 * k);
		assert_int_equal(le16_get(ld + SYN_EXT + 28 + 10 * k), 1);
	}
	for (size_t i = SYN_EXT + 110; i < SYN_EXT + SLOTS * 10; i++)
		assert_int_equal(ld[i], 0);
	assert_int_equal(le64_get(ld + SYN_ADV), 5000);
	assert_int_equal(le64_get(ld + SYN_ADV + 8), 7000);
	/* The checksum: the dwords before the ADV add up to the magic. */
	for (size_t off = 0; off < (N - 2) * 512; off += 4)
		sum += le32_get(ld + off);
	assert_int_equal(sum, MAGIC);
	for (size_t i = 0; i < N * 512; i++)
		if (outside(i, SYN_EXT, SLOTS * 10) && outside(i, SYN_ADV, 16) &&
		    outside(i, SYN_PA + 16, 4))
			assert_int_equal(ld[i], ld0[i]);

	/* A small partition: the 16-bit total is used too. */
	pl.part_start = 63;
	pl.part_sectors = 60000;
	for (int i = 0; i < N; i++)
		s[i] = 100 + (uint64_t)i;
	repatch_ok(ld, N * 512, vbr, &pl);
	assert_int_equal(le32_get(vbr + SYN_SECT1_LO), 100);
	assert_int_equal(le32_get(vbr + SYN_SECT1_HI), 0);
	assert_int_equal(le32_get(vbr + 0x1c), 63);
	assert_int_equal(le16_get(vbr + 0x13), 60000);
	assert_int_equal(le32_get(vbr + 0x20), 60000);
	assert_int_equal(le64_get(ld + SYN_EXT + 10), 228);
	assert_int_equal(le16_get(ld + SYN_EXT + 18), 12);
	assert_int_equal(le16_get(ld + SYN_EXT + 28), 0);
}

/* Fails with a message starting with `want`, leaving both buffers alone. */
static void repatch_fails(unsigned char *ld, size_t len, unsigned char *vbr,
			  const struct extlinux_place *pl, const char *want)
{
	CLEANUP_FREE unsigned char *ld0 = xmalloc(len);
	unsigned char vbr0[512];
	struct jeos_error err;

	memcpy(ld0, ld, len);
	memcpy(vbr0, vbr, 512);
	assert_int_equal(extlinux_repatch(ld, len, vbr, pl, &err), -1);
	if (!str_has_prefix(err.msg, want))
		fail_msg("error \"%s\", expected \"%s...\"", err.msg, want);
	assert_int_equal(err.code, JEOS_EXIT_FAILED);
	assert_memory_equal(ld, ld0, len);
	assert_memory_equal(vbr, vbr0, 512);
}

static void test_bad_input(void **state)
{
	(void)state;
	enum { N = 12 };
	unsigned char vbr[512];
	CLEANUP_FREE unsigned char *ld = synthetic(N, 2, vbr);
	CLEANUP_FREE unsigned char *zeros = xcalloc(N, 512);
	uint64_t s[N];
	struct extlinux_place pl = { .part_start = 2048, .part_sectors = 100000,
				     .sectors = s, .nr_sectors = N };

	for (int i = 0; i < N; i++)
		s[i] = 1000 + (uint64_t)i;
	repatch_fails(zeros, N * 512, vbr, &pl,
		      "ldlinux.sys is not syslinux 6's: no patch area (magic 0x3eb202fe) "
		      "in its first sector");
	repatch_fails(ld, N * 512 - 4, vbr, &pl,
		      "ldlinux.sys: 6140 bytes is not a whole number of sectors, at least 3");
	repatch_fails(ld, (N - 1) * 512, vbr, &pl,
		      "ldlinux.sys: its patch area describes 10 + 2 sectors (5120 bytes "
		      "checksummed), not this 5632-byte file: not as extlinux installed it");
	pl.nr_sectors = N - 1;
	repatch_fails(ld, N * 512, vbr, &pl, "11 sectors given for a 12-sector ldlinux.sys");
	pl.nr_sectors = N;
	s[5] = 0;
	repatch_fails(ld, N * 512, vbr, &pl,
		      "sector 5 of ldlinux.sys is 0, the boot sector's: a hole? "
		      "ldlinux.sys must be fully allocated");
	s[5] = 100000 + 2048; /* an absolute LBA, say */
	repatch_fails(ld, N * 512, vbr, &pl,
		      "sector 5 of ldlinux.sys (102048) is past the end of the "
		      "100000-sector partition (sectors are partition-relative)");
	s[5] = 5000; /* data sectors 1-4, 5, 6-9: three runs, two slots */
	repatch_fails(ld, N * 512, vbr, &pl,
		      "ldlinux.sys's sectors make 3 runs; its patch area holds 2: too fragmented");
	s[5] = 1005;
	le16_put(vbr + 0x1fc, 0x3400 | 0x118); /* another syslinux version's */
	repatch_fails(ld, N * 512, vbr, &pl, "the boot sector is not syslinux 6's");
	le16_put(vbr + 0x1fc, 0x3600 | 0x118);
	le16_put(ld + SYN_EPA + 12, 600); /* slots past the end of the file */
	repatch_fails(ld, N * 512, vbr, &pl,
		      "ldlinux.sys: its extended patch area points past its end");
	le16_put(ld + SYN_EPA + 12, 2);
	repatch_ok(ld, N * 512, vbr, &pl);
}

/* ---- the real installer ---- */

struct install {
	char *dir;
	char *part;                 /* the partition as extlinux left it */
	unsigned char *ldlinux;     /* ldlinux.sys as installed */
	size_t ldlinux_len;
	unsigned char vbr[512];
	uint64_t part_sectors;
	uint64_t *sectors;          /* partition-relative, as debugfs maps them */
	size_t nr_sectors;
	unsigned long block_size;
};

/* A command's standard output (caller frees); fails the test unless it
 * exits 0. */
static char *capture(const char *cmd)
{
	struct strbuf sb = STRBUF_INIT;
	char buf[4096];
	size_t n;
	FILE *p = popen(cmd, "r");

	assert_non_null(p);
	while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
		strbuf_add(&sb, buf, n);
	if (pclose(p) != 0)
		fail_msg("command failed: %s", cmd);
	strbuf_addstr(&sb, "");
	return strbuf_detach(&sb);
}

/* The 512-byte sectors of FILE (len bytes) in the ext filesystem image
 * FS, partition-relative, from debugfs's block list (sparse files fail:
 * fewer blocks than the size needs); *bsp is the block size. */
static uint64_t *sectors_of(const char *fs, const char *file, size_t len, size_t *nr,
			    unsigned long *bsp)
{
	CLEANUP_FREE char *cmd = xasprintf("dumpe2fs -h '%s' 2>/dev/null", fs);
	CLEANUP_FREE char *info = capture(cmd);
	CLEANUP_FREE char *cmd2 = xasprintf("debugfs -R 'blocks %s' '%s' 2>/dev/null", file, fs);
	CLEANUP_FREE char *blocks = capture(cmd2);
	const char *bs_line = strstr(info, "\nBlock size:");
	unsigned long bs;
	uint64_t *s = xcalloc(len / 512, sizeof(*s));
	size_t k = 0;
	char *p = blocks, *end;

	assert_non_null(bs_line);
	bs = strtoul(bs_line + strlen("\nBlock size:"), NULL, 10);
	assert_true(bs >= 1024 && bs % 512 == 0);
	while (k < len / 512) {
		unsigned long long b = strtoull(p, &end, 10);

		if (end == p)
			fail_msg("%s: %zu blocks of %lu bytes for %zu bytes: %s", file,
				 k * 512 / bs, bs, len, blocks);
		for (unsigned long i = 0; i < bs / 512 && k < len / 512; i++)
			s[k++] = b * (bs / 512) + i;
		p = end;
	}
	*nr = k;
	*bsp = bs;
	return s;
}

static void pread_ok(const char *path, void *buf, size_t len, uint64_t off)
{
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, buf, len, (off_t)off), (ssize_t)len);
	close(fd);
}

static void pwrite_ok(const char *path, const void *buf, size_t len, uint64_t off)
{
	int fd = open(path, O_WRONLY);

	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, buf, len, (off_t)off), (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

/* SAY prints while ldlinux.c32 parses the file, before it connects its
 * serial output: only the BIOS console shows it (see boot_disk()). */
static const char conf[] =
	"SERIAL 0 115200\n"
	"SAY " MARKER "\n"
	"DEFAULT missing\n"
	"PROMPT 0\n"
	"LABEL missing\n"
	"  KERNEL /boot/vmlinuz-missing\n";

/* Installs extlinux as builder/boot.c does, on a disk partitioned as
 * builder/assemble.c does, and reads back what the installer wrote. */
static int setup_install(void **state)
{
	struct install *in = xcalloc(1, sizeof(*in));
	CLEANUP_FREE char *disk = NULL;
	struct guest_drive d = { .cachemode = "unsafe" };
	struct guest *gu;
	struct jeos_error err;
	guestfs_h *g;
	CLEANUP_FREE char *ld = NULL;
	size_t len = 0;
	int64_t part_sectors = -1;
	double t0 = now_seconds();

	in->dir = test_tmpdir();
	disk = xasprintf("%s/installed.raw", in->dir);
	in->part = xasprintf("%s/installed-part.img", in->dir);
	test_shf("truncate -s %dM '%s'", DISK_MIB, disk);
	d.path = disk;
	if (guest_open(&gu, &d, 1, NULL, &err) < 0)
		fail_msg("%s", err.msg);
	g = guest_handle(gu);
	guest_set_deadline(gu, 300);
	if (guestfs_part_init(g, "/dev/sda", "mbr") < 0 ||
	    guestfs_part_add(g, "/dev/sda", "p", PART_START, -1) < 0 ||
	    guestfs_part_set_bootable(g, "/dev/sda", 1, 1) < 0 ||
	    guestfs_mkfs(g, "ext4", "/dev/sda1") < 0 ||
	    guestfs_mount(g, "/dev/sda1", "/") < 0 ||
	    guestfs_mkdir_p(g, "/boot/extlinux") < 0 ||
	    guestfs_write(g, "/boot/extlinux/extlinux.conf", conf, strlen(conf)) < 0 ||
	    guestfs_extlinux(g, "/boot/extlinux") < 0 ||
	    !(ld = guestfs_read_file(g, "/boot/extlinux/ldlinux.sys", &len)) ||
	    (part_sectors = guestfs_blockdev_getsz(g, "/dev/sda1")) < 0 ||
	    guestfs_umount_all(g) < 0) {
		guest_fail(gu, &err, "installing extlinux");
		guest_close(gu);
		fail_msg("%s", err.msg);
	}
	guest_set_deadline(gu, 0);
	if (guest_shutdown(gu, &err) < 0)
		fail_msg("%s", err.msg);
	guest_close(gu);
	print_message("install (one libguestfs launch): %.1f s\n", now_seconds() - t0);

	in->ldlinux = xmalloc(len);
	memcpy(in->ldlinux, ld, len);
	in->ldlinux_len = len;
	in->part_sectors = (uint64_t)part_sectors;
	test_shf("dd if='%s' of='%s' bs=512 skip=%d status=none", disk, in->part, PART_START);
	pread_ok(in->part, in->vbr, 512, 0);
	in->sectors = sectors_of(in->part, "/boot/extlinux/ldlinux.sys", len, &in->nr_sectors,
				 &in->block_size);
	*state = in;
	return 0;
}

static int teardown_install(void **state)
{
	struct install *in = *state;

	if (!in)
		return 0;
	test_rmrf(in->dir);
	free(in->dir);
	free(in->part);
	free(in->ldlinux);
	free(in->sectors);
	free(in);
	return 0;
}

/* Repatching for the sectors the installer chose gives back its bytes;
 * so its sector list is partition-relative (the boot sector's holds
 * 2 * block, not 2048 + 2 * block). */
static void test_reproduces_installer(void **state)
{
	struct install *in = *state;
	CLEANUP_FREE unsigned char *ld = xmalloc(in->ldlinux_len);
	CLEANUP_FREE uint64_t *shifted = xcalloc(in->nr_sectors, sizeof(*shifted));
	unsigned char vbr[512];
	struct extlinux_place pl = { PART_START, in->part_sectors, in->sectors, in->nr_sectors };
	struct extlinux_place other = { MOVED_START, MOVED_SECTORS, shifted, in->nr_sectors };

	memcpy(ld, in->ldlinux, in->ldlinux_len);
	memcpy(vbr, in->vbr, 512);
	for (size_t i = 0; i < in->nr_sectors; i++)
		shifted[i] = in->sectors[i] + 8 + 100 * (i % 2); /* a run per sector */

	/* Away first, so that reproducing means rewriting every field. */
	repatch_ok(ld, in->ldlinux_len, vbr, &other);
	assert_memory_not_equal(ld, in->ldlinux, in->ldlinux_len);
	assert_memory_not_equal(vbr, in->vbr, 512);
	repatch_ok(ld, in->ldlinux_len, vbr, &pl);
	assert_memory_equal(vbr, in->vbr, 512);
	assert_memory_equal(ld, in->ldlinux, in->ldlinux_len);
}

/* Drops the terminal escapes from s, in place: SeaBIOS's sercon puts
 * cursor moves anywhere, even inside a word ("jeos-e\e[05;06Hxtlinux"). */
static void strip_escapes(char *s)
{
	char *d = s;

	while (*s) {
		if (*s != '\033') {
			*d++ = *s++;
			continue;
		}
		if (*++s == '[') {
			while (*++s && !(*s >= 0x40 && *s <= 0x7e))
				;
		}
		if (*s)
			s++;
	}
	*d = '\0';
}

/* Boots DISK under qemu (TCG, no display) until its console shows one of
 * NEEDLES or BOOT_SECONDS pass, and returns what it showed, escapes
 * dropped. The BIOS (SeaBIOS's sercon, enabled by etc/sercon-port) copies
 * the screen to the serial port: the boot sector's "Boot error" and SAY
 * appear only there. */
static char *boot_disk(const char *dir, const char *disk, const char *const *needles)
{
	CLEANUP_FREE char *log = xasprintf("%s/serial.log", dir);
	CLEANUP_FREE char *qlog = xasprintf("%s/qemu.log", dir);
	CLEANUP_FREE char *port = xasprintf("%s/sercon-port", dir);
	CLEANUP_FREE char *serial = xasprintf("file:%s", log);
	CLEANUP_FREE char *drive = xasprintf("file=%s,format=raw,if=ide", disk);
	CLEANUP_FREE char *fwcfg = xasprintf("name=etc/sercon-port,file=%s", port);
	char *out = NULL;
	double t0 = now_seconds();
	int status, done = 0, fd;
	pid_t pid;

	test_shf("printf '\\370\\003' > '%s' && : > '%s'", port, log); /* 0x3f8, COM1 */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		fd = open(qlog, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			_exit(127);
		execlp("qemu-system-x86_64", "qemu-system-x86_64", "-accel", "tcg",
		       "-m", "64", "-nodefaults", "-display", "none", "-no-reboot",
		       "-monitor", "none", "-drive", drive, "-serial", serial,
		       "-fw_cfg", fwcfg, (char *)NULL);
		_exit(127);
	}
	while (!done && now_seconds() - t0 < BOOT_SECONDS) {
		usleep(100 * 1000);
		free(out);
		out = test_read_file(log);
		strip_escapes(out);
		for (const char *const *n = needles; *n; n++)
			done |= strstr(out, *n) != NULL;
		if (waitpid(pid, &status, WNOHANG) == pid) {
			CLEANUP_FREE char *q = test_read_file(qlog);
			fail_msg("qemu exited early (status %d): %s", status, q);
		}
	}
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	print_message("boot: %.1f s\n", now_seconds() - t0);
	return out;
}

/* The filesystem at sector 4096 of a bigger GPT disk (gptmbr.bin, as jeos
 * lays disks out), with ldlinux.sys moved to other blocks, scattered by a
 * filesystem-level writer (debugfs) as a rewrite would, and nothing left
 * at its old place. */
static void test_moved_boots(void **state)
{
	struct install *in = *state;
	CLEANUP_FREE char *fs = xasprintf("%s/moved-part.img", in->dir);
	CLEANUP_FREE char *disk = xasprintf("%s/moved.raw", in->dir);
	CLEANUP_FREE char *filler = xasprintf("%s/filler", in->dir);
	CLEANUP_FREE char *placeholder = xasprintf("%s/placeholder", in->dir);
	CLEANUP_FREE char *cmds = xasprintf("%s/debugfs.cmds", in->dir);
	CLEANUP_FREE char *testb = xasprintf("%s/testb.cmds", in->dir);
	CLEANUP_FREE char *cmd = NULL, *used = NULL, *out = NULL, *out2 = NULL;
	CLEANUP_FREE uint64_t *s = NULL;
	CLEANUP_FREE unsigned char *ld = xmalloc(in->ldlinux_len);
	unsigned char vbr[512], zero[512] = { 0 };
	FILE *f;
	size_t nr, runs = 1;
	unsigned long bs;
	struct extlinux_place pl;
	const char *const ok[] = { MARKER, NULL };
	const char *const ok_or_error[] = { MARKER, "Boot error", NULL };

	/* 100 one-block files, every other one removed, then a fully
	 * allocated (no zero block) file of ldlinux.sys's size into the holes. */
	test_shf("cp '%s' '%s' && head -c %lu /dev/zero | tr '\\0' 'f' > '%s' && "
		 "head -c %zu /dev/zero | tr '\\0' '\\377' > '%s'",
		 in->part, fs, in->block_size, filler, in->ldlinux_len, placeholder);
	f = fopen(cmds, "w");
	assert_non_null(f);
	fprintf(f, "rm /boot/extlinux/ldlinux.sys\nmkdir /fill\n");
	for (int i = 0; i < 100; i++)
		fprintf(f, "write %s /fill/%d\n", filler, i);
	for (int i = 1; i < 100; i += 2)
		fprintf(f, "rm /fill/%d\n", i);
	fprintf(f, "write %s /boot/extlinux/ldlinux.sys\n", placeholder);
	assert_int_equal(fclose(f), 0);
	test_shf("debugfs -w -f '%s' '%s' >/dev/null 2>&1 && e2fsck -fn '%s' >/dev/null 2>&1",
		 cmds, fs, fs);
	s = sectors_of(fs, "/boot/extlinux/ldlinux.sys", in->ldlinux_len, &nr, &bs);
	assert_int_equal(nr, in->nr_sectors);
	assert_int_equal(bs, in->block_size);
	for (size_t i = 1; i < nr; i++)
		runs += s[i] != s[i - 1] + 1;
	assert_true(runs > 10);
	/* The old place is free now; clear it, as a rewrite from an empty
	 * image would (else the unpatched boot sector finds the old copy). */
	f = fopen(testb, "w");
	assert_non_null(f);
	for (size_t i = 0; i < nr; i++) {
		for (size_t j = 0; j < nr; j++)
			assert_true(s[j] != in->sectors[i]);
		fprintf(f, "testb %llu\n", (unsigned long long)(in->sectors[i] / (bs / 512)));
		pwrite_ok(fs, zero, 512, in->sectors[i] * 512);
	}
	assert_int_equal(fclose(f), 0);
	cmd = xasprintf("debugfs -f '%s' '%s' 2>&1", testb, fs);
	used = capture(cmd);
	assert_null(strstr(used, "marked in use"));
	assert_non_null(strstr(used, "not in use"));

	test_shf("truncate -s %dM '%s' && printf 'label: gpt\\nstart=%d, size=%d, "
		 "attrs=LegacyBIOSBootable\\n' | sfdisk -q '%s' && dd if='%s' of='%s' bs=440 count=1 "
		 "conv=notrunc status=none && dd if='%s' of='%s' bs=512 seek=%d conv=notrunc "
		 "status=none", MOVED_MIB, disk, MOVED_START, MOVED_SECTORS, disk,
		 EXTLINUX_MBR, disk, fs, disk, MOVED_START);

	/* As the installer left them, at the new place: no boot. */
	pwrite_ok(disk, in->vbr, 512, (uint64_t)MOVED_START * 512);
	for (size_t i = 0; i < nr; i++)
		pwrite_ok(disk, in->ldlinux + i * 512, 512, (MOVED_START + s[i]) * 512);
	out = boot_disk(in->dir, disk, ok_or_error);
	if (strstr(out, MARKER))
		fail_msg("the unpatched disk booted: %s", out);
	assert_non_null(strstr(out, "Boot error"));

	memcpy(ld, in->ldlinux, in->ldlinux_len);
	memcpy(vbr, in->vbr, 512);
	pl = (struct extlinux_place){ MOVED_START, MOVED_SECTORS, s, nr };
	repatch_ok(ld, in->ldlinux_len, vbr, &pl);
	pwrite_ok(disk, vbr, 512, (uint64_t)MOVED_START * 512);
	for (size_t i = 0; i < nr; i++)
		pwrite_ok(disk, ld + i * 512, 512, (MOVED_START + s[i]) * 512);
	out2 = boot_disk(in->dir, disk, ok);
	if (!strstr(out2, MARKER))
		fail_msg("no %s on the repatched disk's console: %s", MARKER, out2);
}

int main(void)
{
	const struct CMUnitTest format[] = {
		cmocka_unit_test(test_synthetic_patch),
		cmocka_unit_test(test_bad_input),
	};
	const struct CMUnitTest real[] = {
		cmocka_unit_test(test_reproduces_installer),
		cmocka_unit_test(test_moved_boots),
	};
	int rc = cmocka_run_group_tests_name("extlinux format", format, NULL, NULL);

	return rc | cmocka_run_group_tests_name("extlinux install", real, setup_install,
						teardown_install);
}
