/* Unit tests for the streamOptimized VMDK writer: raw images made here,
 * sparse, with data where the format has edges (the last, short grain; a
 * grain table boundary), checked with qemu-img as a user would. */
#include "testutil.h"
#include "vmdk.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#define KiB 1024ull
#define MiB (1024 * KiB)
#define GRAIN (64 * KiB)
/* Two grain tables (32 MiB each) and a last grain of 5632 bytes. */
#define LAYOUT_SIZE (40 * MiB + 5632)

struct fixture {
	char *dir;
	char *in, *out; /* inputs; outputs, nothing else */
};

static int setup(void **state)
{
	struct fixture *fx = xcalloc(1, sizeof(*fx));

	fx->dir = test_tmpdir();
	fx->in = xasprintf("%s/in", fx->dir);
	fx->out = xasprintf("%s/out", fx->dir);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	test_rmrf(fx->dir);
	free(fx->dir);
	free(fx->in);
	free(fx->out);
	free(fx);
	return 0;
}

/* Every test starts with empty in/ and out/. */
static int clean(void **state)
{
	struct fixture *fx = *state;

	test_shf("rm -rf '%s' '%s' && mkdir '%s' '%s'", fx->in, fx->out, fx->in, fx->out);
	return 0;
}

/* Incompressible bytes, the same every run. */
static void fill_random(unsigned char *buf, size_t len, uint32_t seed)
{
	for (size_t i = 0; i < len; i++) {
		seed ^= seed << 13;
		seed ^= seed >> 17;
		seed ^= seed << 5;
		buf[i] = (unsigned char)seed;
	}
}

static void put(int fd, uint64_t off, const void *buf, size_t len)
{
	assert_int_equal(pwrite(fd, buf, len, (off_t)off), (ssize_t)len);
}

/* A sparse file of size bytes: holes but for the writes below. */
static int create_sparse(const char *path, uint64_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)size), 0);
	return fd;
}

/* Data in grains 0, 16, 511 and 512 (one write across the grain table
 * boundary at 32 MiB), 576 (random: deflates to more than a grain) and
 * 640 (the last, short one); grains 608-609 hold written zeros. */
#define LAYOUT_GRAINS 6
static char *make_layout(const struct fixture *fx, const char *name, uint32_t seed)
{
	char *path = xasprintf("%s/%s", fx->in, name);
	static unsigned char buf[2 * GRAIN];
	const char *text = "jeos streamOptimized test\n";
	int fd = create_sparse(path, LAYOUT_SIZE);

	memset(buf, 0, sizeof(buf));
	memset(buf, 0xeb, 512);
	put(fd, 0, buf, 512);
	put(fd, 1 * MiB + 100, text, strlen(text));
	memset(buf, 'x', 6000);
	put(fd, 32 * MiB - 3000, buf, 6000);
	fill_random(buf, GRAIN, seed);
	put(fd, 36 * MiB, buf, GRAIN);
	memset(buf, 0, sizeof(buf));
	put(fd, 38 * MiB, buf, 2 * GRAIN);
	put(fd, LAYOUT_SIZE - strlen(text), text, strlen(text));
	assert_int_equal(close(fd), 0);
	return path;
}

static void write_ok(const char *raw, const char *out, const struct vmdk_options *o,
		     struct vmdk_info *info)
{
	struct jeos_error err;

	if (vmdk_write(raw, out, o, info, &err) < 0)
		fail_msg("%s", err.msg);
}

static uint64_t file_size(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return (uint64_t)st.st_size;
}

/* The embedded descriptor: text from sector 1, padded with zeros. */
static char *descriptor_of(const char *vmdk)
{
	char buf[20 * 512 + 1] = "";
	int fd = open(vmdk, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, buf, sizeof(buf) - 1, 512), (ssize_t)sizeof(buf) - 1);
	close(fd);
	return xstrdup(buf);
}

static unsigned long descriptor_cid(const char *vmdk)
{
	CLEANUP_FREE char *desc = descriptor_of(vmdk);
	const char *p = strstr(desc, "\nCID=");
	unsigned long cid;

	assert_non_null(p);
	assert_int_equal(sscanf(p, "\nCID=%lx", &cid), 1);
	return cid;
}

/* The value after "key": in qemu-img's JSON (strings keep their quotes);
 * the first one, i.e. the image's rather than an extent's. */
static char *json_value(const char *json, const char *key)
{
	CLEANUP_FREE char *pattern = xasprintf("\"%s\":", key);
	const char *p = strstr(json, pattern);

	if (!p)
		fail_msg("no %s in %s", key, json);
	p += strlen(pattern);
	p += strspn(p, " ");
	return xstrndup(p, strcspn(p, ",\n"));
}

/* qemu-img reads it as the same disk, finds nothing wrong, and sees a
 * streamOptimized VMDK of the raw file's size. */
static void check_with_qemu(const struct fixture *fx, const char *raw, const char *vmdk,
			    uint64_t capacity)
{
	CLEANUP_FREE char *json_path = xasprintf("%s/info.json", fx->dir);
	CLEANUP_FREE char *json = NULL, *format = NULL, *type = NULL, *size = NULL,
			  *cid = NULL, *want_size = xasprintf("%llu", (unsigned long long)capacity);

	test_shf("qemu-img check -q -f vmdk '%s'", vmdk);
	test_shf("qemu-img compare -q -f raw -F vmdk '%s' '%s'", raw, vmdk);
	test_shf("qemu-img info --output=json '%s' > '%s'", vmdk, json_path);
	json = test_read_file(json_path);
	format = json_value(json, "format");
	type = json_value(json, "create-type");
	size = json_value(json, "virtual-size");
	cid = json_value(json, "cid");
	assert_string_equal(format, "\"vmdk\"");
	assert_string_equal(type, "\"streamOptimized\"");
	assert_string_equal(size, want_size);
	assert_int_equal(strtoul(cid, NULL, 10), descriptor_cid(vmdk));
}

static void test_layout(void **state)
{
	struct fixture *fx = *state;
	CLEANUP_FREE char *raw = make_layout(fx, "disk.raw", 1);
	CLEANUP_FREE char *vmdk = xasprintf("%s/disk.vmdk", fx->out);
	CLEANUP_FREE char *desc = NULL;
	CLEANUP_FREE char *extent = xasprintf("\nRW %llu SPARSE \"disk.vmdk\"\n",
					      (unsigned long long)LAYOUT_SIZE / 512);
	struct vmdk_info info;

	write_ok(raw, vmdk, NULL, &info);
	assert_int_equal(info.capacity, LAYOUT_SIZE);
	assert_int_equal(info.populated, LAYOUT_GRAINS * GRAIN);
	assert_int_equal(info.file_size, file_size(vmdk));
	check_with_qemu(fx, raw, vmdk, LAYOUT_SIZE);
	/* the defaults, and only the file's own name */
	desc = descriptor_of(vmdk);
	assert_true(str_has_prefix(desc, "# Disk DescriptorFile\nversion=1\n"));
	assert_non_null(strstr(desc, "\ncreateType=\"streamOptimized\"\n"));
	assert_non_null(strstr(desc, "\nparentCID=ffffffff\n"));
	assert_non_null(strstr(desc, extent));
	assert_non_null(strstr(desc, "\nddb.adapterType = \"lsilogic\"\n"));
	assert_non_null(strstr(desc, "\nddb.geometry.heads = \"255\"\n"));
	assert_non_null(strstr(desc, "\nddb.geometry.cylinders = \"6\"\n"));
	assert_non_null(strstr(desc, "\nddb.virtualHWVersion = \"4\"\n"));
	assert_int_equal(test_count_entries(fx->out), 1);
}

/* Sizes that are no multiple of a grain or even of a sector: the
 * capacity is rounded up to 512, the rest reads as zeros. */
static void test_odd_sizes(void **state)
{
	struct fixture *fx = *state;
	CLEANUP_FREE char *raw = xasprintf("%s/small.raw", fx->in);
	CLEANUP_FREE char *vmdk = xasprintf("%s/small.vmdk", fx->out);
	unsigned char buf[1000];
	struct vmdk_info info;
	int fd = create_sparse(raw, sizeof(buf));

	fill_random(buf, sizeof(buf), 7);
	put(fd, 0, buf, sizeof(buf));
	close(fd);
	write_ok(raw, vmdk, NULL, &info);
	assert_int_equal(info.capacity, 1024);
	assert_int_equal(info.populated, GRAIN);
	check_with_qemu(fx, raw, vmdk, 1024);
}

/* Holes are skipped and zero grains not stored: the file is the 64 KiB
 * before the first grain, one grain and a few sectors of metadata. */
static void test_mostly_empty(void **state)
{
	struct fixture *fx = *state;
	CLEANUP_FREE char *raw = xasprintf("%s/big.raw", fx->in);
	CLEANUP_FREE char *vmdk = xasprintf("%s/big.vmdk", fx->out);
	struct vmdk_info info;
	int fd = create_sparse(raw, 1024 * MiB);
	static unsigned char zeros[GRAIN];

	put(fd, 700 * MiB + 3, "data", 4);
	put(fd, 900 * MiB, zeros, sizeof(zeros));
	close(fd);
	write_ok(raw, vmdk, NULL, &info);
	assert_int_equal(info.capacity, 1024 * MiB);
	assert_int_equal(info.populated, GRAIN);
	assert_int_equal(info.file_size, file_size(vmdk));
	assert_true(info.file_size < 72 * KiB);
	check_with_qemu(fx, raw, vmdk, 1024 * MiB);
}

/* The same content gives the same bytes, whatever the number of threads;
 * other content gives another CID. */
static void test_deterministic(void **state)
{
	struct fixture *fx = *state;
	CLEANUP_FREE char *raw = make_layout(fx, "disk.raw", 1);
	CLEANUP_FREE char *other = make_layout(fx, "other.raw", 2);
	CLEANUP_FREE char *a = xasprintf("%s/a", fx->out), *b = xasprintf("%s/b", fx->out);
	CLEANUP_FREE char *a_vmdk = xasprintf("%s/disk.vmdk", a);
	CLEANUP_FREE char *b_vmdk = xasprintf("%s/disk.vmdk", b);
	CLEANUP_FREE char *c_vmdk = xasprintf("%s/disk.vmdk", fx->out);
	struct vmdk_options one = { .threads = 1 }, three = { .threads = 3 };
	struct vmdk_info info;

	test_shf("mkdir '%s' '%s'", a, b);
	write_ok(raw, a_vmdk, &one, &info);
	write_ok(raw, b_vmdk, &three, &info);
	test_shf("cmp '%s' '%s'", a_vmdk, b_vmdk);
	write_ok(raw, a_vmdk, NULL, &info); /* replaces it */
	test_shf("cmp '%s' '%s'", a_vmdk, b_vmdk);
	write_ok(other, c_vmdk, NULL, &info);
	assert_int_equal(info.populated, LAYOUT_GRAINS * GRAIN);
	assert_int_not_equal(descriptor_cid(c_vmdk), descriptor_cid(a_vmdk));
	check_with_qemu(fx, other, c_vmdk, LAYOUT_SIZE);
}

static void test_options(void **state)
{
	struct fixture *fx = *state;
	CLEANUP_FREE char *raw = make_layout(fx, "disk.raw", 1);
	CLEANUP_FREE char *ide = xasprintf("%s/ide.vmdk", fx->out);
	CLEANUP_FREE char *bad = xasprintf("%s/bad.vmdk", fx->out);
	CLEANUP_FREE char *want = xasprintf("%s: unknown adapter type \"scsi\" "
					    "(ide, lsilogic, buslogic or legacyESX)", bad);
	CLEANUP_FREE char *quoted = xasprintf("%s/a\"b.vmdk", fx->out);
	CLEANUP_FREE char *want_quoted = xasprintf("%s: a VMDK name cannot hold '\"' "
						   "or a line break", quoted);
	CLEANUP_FREE char *desc = NULL;
	struct vmdk_options o = { .adapter_type = "ide", .hw_version = 10 };
	struct vmdk_info info;
	struct jeos_error err;

	write_ok(raw, ide, &o, &info);
	desc = descriptor_of(ide);
	assert_non_null(strstr(desc, "\nddb.adapterType = \"ide\"\n"));
	assert_non_null(strstr(desc, "\nddb.geometry.heads = \"16\"\n"));
	assert_non_null(strstr(desc, "\nddb.geometry.cylinders = \"82\"\n"));
	assert_non_null(strstr(desc, "\nddb.virtualHWVersion = \"10\"\n"));
	check_with_qemu(fx, raw, ide, LAYOUT_SIZE);

	o.adapter_type = "scsi";
	assert_int_equal(vmdk_write(raw, bad, &o, &info, &err), -1);
	assert_string_equal(err.msg, want);
	assert_int_equal(err.code, JEOS_EXIT_USAGE);
	/* the descriptor quotes the file's name */
	assert_int_equal(vmdk_write(raw, quoted, NULL, &info, &err), -1);
	assert_string_equal(err.msg, want_quoted);
	assert_int_equal(err.code, JEOS_EXIT_USAGE);
	assert_int_equal(test_count_entries(fx->out), 1);
}

static void expect_failure(const struct fixture *fx, const char *raw, const char *out,
			   const char *want)
{
	struct vmdk_info info;
	struct jeos_error err;

	assert_int_equal(vmdk_write(raw, out, NULL, &info, &err), -1);
	assert_string_equal(err.msg, want);
	assert_int_equal(err.code, JEOS_EXIT_FAILED);
	assert_int_equal(test_count_entries(fx->out), 0);
}

static void test_bad_input(void **state)
{
	struct fixture *fx = *state;
	CLEANUP_FREE char *missing = xasprintf("%s/missing.raw", fx->in);
	CLEANUP_FREE char *empty = xasprintf("%s/empty.raw", fx->in);
	CLEANUP_FREE char *raw = make_layout(fx, "disk.raw", 1);
	CLEANUP_FREE char *vmdk = xasprintf("%s/disk.vmdk", fx->out);
	CLEANUP_FREE char *no_dir = xasprintf("%s/no/disk.vmdk", fx->out);
	CLEANUP_FREE char *want_missing = xasprintf("cannot open %s: No such file or directory",
						    missing);
	CLEANUP_FREE char *want_empty = xasprintf("%s: empty file", empty);
	CLEANUP_FREE char *want_dir = xasprintf("cannot create %s: No such file or directory",
						no_dir);

	close(create_sparse(empty, 0));
	expect_failure(fx, missing, vmdk, want_missing);
	expect_failure(fx, empty, vmdk, want_empty);
	expect_failure(fx, raw, no_dir, want_dir);
}

/* A disk that fills up: here a file size limit, which write() reports
 * as EFBIG; the half-written file goes away. */
static void test_write_error(void **state)
{
	struct fixture *fx = *state;
	CLEANUP_FREE char *raw = make_layout(fx, "disk.raw", 1);
	CLEANUP_FREE char *vmdk = xasprintf("%s/disk.vmdk", fx->out);
	CLEANUP_FREE char *want = xasprintf("cannot write %s: File too large", vmdk);
	struct rlimit saved, limit;
	struct vmdk_info info;
	struct jeos_error err;
	void (*old_handler)(int);
	int rc;

	assert_int_equal(getrlimit(RLIMIT_FSIZE, &saved), 0);
	limit = saved;
	limit.rlim_cur = 100 * KiB; /* past the header, in the grains */
	old_handler = signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &limit), 0);
	rc = vmdk_write(raw, vmdk, NULL, &info, &err);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &saved), 0);
	signal(SIGXFSZ, old_handler);
	assert_int_equal(rc, -1);
	assert_string_equal(err.msg, want);
	assert_int_equal(test_count_entries(fx->out), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_layout, clean),
		cmocka_unit_test_setup(test_odd_sizes, clean),
		cmocka_unit_test_setup(test_mostly_empty, clean),
		cmocka_unit_test_setup(test_deterministic, clean),
		cmocka_unit_test_setup(test_options, clean),
		cmocka_unit_test_setup(test_bad_input, clean),
		cmocka_unit_test_setup(test_write_error, clean),
	};
	return cmocka_run_group_tests_name("vmdk", tests, setup, teardown);
}
