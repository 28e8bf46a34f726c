/* Unit tests for imgcheck.c: images of every format are recognised with
 * their virtual size; an image naming another file (a qcow2 backing file
 * or external data file, a qed backing file, a VMDK parent or extent) is
 * refused at once with its name, a FIFO is never waited on, and qemu-img
 * on an image is bounded in time. A secret file stands for /etc/shadow:
 * its content must never come out. */
#include "testutil.h"
#include "imgcheck.h"

#include <sys/stat.h>
#include <unistd.h>

#define SECRET "jeos-secret-0123456789"

static char *dir;

static int setup(void **state)
{
	(void)state;
	dir = test_tmpdir();
	test_shf("cd '%s' && { printf '%s'; head -c 1048000 /dev/zero; } > secret", dir, SECRET);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	test_rmrf(dir);
	free(dir);
	return 0;
}

/* dir/NAME, made by the shell command CMD run in dir (caller frees). */
static char *make(const char *name, const char *cmd)
{
	test_shf("cd '%s' && %s", dir, cmd);
	return xasprintf("%s/%s", dir, name);
}

static void expect_format(const char *name, const char *cmd, const char *format,
			  uint64_t virtual_size)
{
	char *path = make(name, cmd);
	struct img_info info;
	struct jeos_error err = { 0 };

	if (img_check(path, &info, &err) < 0)
		fail_msg("%s: %s", name, err.msg);
	assert_string_equal(info.format, format);
	assert_int_equal(info.virtual_size, virtual_size);
	free(path);
}

/* Refused within a second, exit 2, the message naming the image and
 * `names` (the file it points at), never the secret's content. */
static void expect_refused(const char *name, const char *cmd, const char *names)
{
	char *path = make(name, cmd);
	struct img_info info;
	struct jeos_error err = { 0 };
	double t0 = now_seconds();

	assert_int_equal(img_check(path, &info, &err), -1);
	assert_true(now_seconds() - t0 < 1.0);
	assert_int_equal(err.code, JEOS_EXIT_USAGE);
	if (!strstr(err.msg, path) || !strstr(err.msg, names) || strstr(err.msg, SECRET))
		fail_msg("%s: expected the image and \"%s\" named, got: %s", name, names, err.msg);
	free(path);
}

static void test_formats_and_sizes(void **state)
{
	(void)state;
	expect_format("a.raw", "truncate -s 5M a.raw", "raw", 5 << 20);
	expect_format("b.qcow2", "qemu-img create -q -f qcow2 b.qcow2 64M", "qcow2", 64 << 20);
	expect_format("c.qcow2", "qemu-img create -q -f qcow2 -o compat=0.10 c.qcow2 3M",
		      "qcow2", 3 << 20);
	expect_format("d.vmdk", "qemu-img create -q -f vmdk -o subformat=streamOptimized d.vmdk 2G",
		      "vmdk", 2ULL << 30);
	expect_format("e.vmdk", "qemu-img create -q -f vmdk e.vmdk 10M", "vmdk", 10 << 20);
	expect_format("f.qed", "qemu-img create -q -f qed f.qed 7M", "qed", 7 << 20);
	expect_format("g.vdi", "qemu-img create -q -f vdi g.vdi 9M", "vdi", 9 << 20);
	expect_format("h.vhdx", "qemu-img create -q -f vhdx h.vhdx 9M", "vhdx", 0);
}

/* A text VMDK descriptor is given to qemu as raw: its extents stay closed. */
static void test_vmdk_descriptor_file_is_raw(void **state)
{
	(void)state;
	char *path = make("flat.vmdk", "qemu-img create -q -f vmdk -o subformat=monolithicFlat "
			  "flat.vmdk 1M");
	struct img_info info;
	struct jeos_error err = { 0 };
	struct stat st;

	assert_int_equal(img_check(path, &info, &err), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_string_equal(info.format, "raw");
	assert_int_equal(info.virtual_size, st.st_size);
	free(path);
}

static void test_qcow2_backing_file_refused(void **state)
{
	(void)state;
	char *secret = xasprintf("%s/secret", dir);
	char *cmd = xasprintf("qemu-img create -q -f qcow2 -b '%s' -F raw x.qcow2", secret);
	struct jeos_error err = { 0 };
	const char *format = NULL;

	expect_refused("x.qcow2", cmd, secret);
	free(cmd);
	/* img_format, for jeos's own overlays, only names the format */
	cmd = xasprintf("%s/x.qcow2", dir);
	assert_int_equal(img_format(cmd, &format, &err), 0);
	assert_string_equal(format, "qcow2");
	free(cmd);
	/* version 2, and a relative name */
	expect_refused("y.qcow2", "qemu-img create -q -f qcow2 -o compat=0.10 -b secret -F raw "
		       "y.qcow2", "backing file \"secret\"");
	/* a protocol qemu would connect to instead of a file */
	expect_refused("z.qcow2", "qemu-img create -q -f qcow2 -u -b nbd:127.0.0.1:9 -F raw "
		       "z.qcow2 1M", "nbd:127.0.0.1:9");
	free(secret);
}

static void test_qcow2_data_file_refused(void **state)
{
	(void)state;
	/* qemu-img create would empty the data file: made on a copy */
	expect_refused("d.qcow2", "cp secret data && qemu-img create -q -f qcow2 "
		       "-o data_file=data,data_file_raw=on d.qcow2 1M && cat secret > data",
		       "external data file \"data\"");
}

/* A VMDK sparse header with capacity 0 whose descriptor, one sector on,
 * names EXTENT: qemu opens the extent, wherever it is. */
static void write_vmdk_descriptor(const char *name, const char *extent)
{
	char *path = xasprintf("%s/%s", dir, name);
	unsigned char head[512] = "KDMV";
	char desc[20 * 512] = { 0 };
	FILE *f = fopen(path, "w");

	le32_put(head + 4, 1);
	le32_put(head + 8, 3);
	le64_put(head + 20, 128);  /* granularity */
	le64_put(head + 28, 1);    /* descriptor offset (sectors) */
	le64_put(head + 36, 20);   /* descriptor size */
	snprintf(desc, sizeof(desc), "# Disk DescriptorFile\nversion=1\nCID=12345678\n"
		 "parentCID=ffffffff\ncreateType=\"monolithicFlat\"\n\n"
		 "RW 2048 FLAT \"%s\" 0\n", extent);
	assert_non_null(f);
	assert_int_equal(fwrite(head, 1, sizeof(head), f), sizeof(head));
	assert_int_equal(fwrite(desc, 1, sizeof(desc), f), sizeof(desc));
	assert_int_equal(fclose(f), 0);
	free(path);
}

static void test_vmdk_extents_and_parent_refused(void **state)
{
	(void)state;
	char *secret = xasprintf("%s/secret", dir), *fifo = xasprintf("%s/fifo", dir);

	write_vmdk_descriptor("ext.vmdk", secret);
	expect_refused("ext.vmdk", "true", secret);
	/* qemu would block on it forever */
	assert_int_equal(mkfifo(fifo, 0600), 0);
	write_vmdk_descriptor("fifo.vmdk", fifo);
	expect_refused("fifo.vmdk", "true", fifo);
	/* a control character in the name is not sent to the terminal */
	write_vmdk_descriptor("esc.vmdk", "/tmp/\033[2Jx");
	expect_refused("esc.vmdk", "true", "/tmp/?[2Jx");

	expect_refused("child.vmdk", "qemu-img create -q -f vmdk base.vmdk 1M && "
		       "qemu-img create -q -f vmdk -b base.vmdk -F vmdk child.vmdk",
		       "parent disk (parentFileNameHint) \"base.vmdk\"");
	/* qemu takes the name two characters after the key, whatever they are */
	expect_refused("colon.vmdk", "sed 's/parentFileNameHint=/parentFileNameHint:/' child.vmdk "
		       "> colon.vmdk", "parent disk (parentFileNameHint) \"base.vmdk\"");
	free(fifo);
	free(secret);
}

static void test_qed_backing_file_refused(void **state)
{
	(void)state;
	expect_refused("b.qed", "qemu-img create -q -f qed -b secret -F raw b.qed",
		       "backing file \"secret\"");
}

static void test_not_a_regular_file(void **state)
{
	(void)state;
	char *fifo = xasprintf("%s/image-fifo", dir);
	struct img_info info;
	struct jeos_error err = { 0 };
	double t0 = now_seconds();

	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(img_check(fifo, &info, &err), -1);
	assert_true(now_seconds() - t0 < 1.0);
	assert_int_equal(err.code, JEOS_EXIT_USAGE);
	assert_non_null(strstr(err.msg, "image-fifo is a FIFO: a disk image must be a regular file"));
	assert_int_equal(img_check(dir, &info, &err), -1);
	assert_non_null(strstr(err.msg, "is a directory"));
	assert_int_equal(img_check("/nonexistent/x.img", &info, &err), -1);
	assert_string_equal(err.msg, "cannot open /nonexistent/x.img: No such file or directory");
	free(fifo);
}

static void test_huge_virtual_size_refused(void **state)
{
	(void)state;
	char *path = make("huge.qcow2", "qemu-img create -q -f qcow2 huge.qcow2 17T");
	struct img_info info;
	struct jeos_error err = { 0 };

	assert_int_equal(img_check(path, &info, &err), -1);
	assert_int_equal(err.code, JEOS_EXIT_USAGE);
	assert_non_null(strstr(err.msg, "a qcow2 disk of 18691697672192 bytes: over the 16.0 TiB"));
	free(path);
}

static void test_convert_to_raw(void **state)
{
	(void)state;
	char *path = make("c.qcow2", "truncate -s 2M c.raw && printf hello | dd of=c.raw bs=1 "
			  "seek=1000 conv=notrunc status=none && "
			  "qemu-img convert -q -f raw -O qcow2 c.raw c.qcow2");
	char *raw = xasprintf("%s/back.raw", dir);
	struct img_info info;
	struct jeos_error err = { 0 };

	assert_int_equal(img_check(path, &info, &err), 0);
	if (img_convert_to_raw(path, &info, raw, &err) < 0)
		fail_msg("%s", err.msg);
	test_shf("cmp '%s/c.raw' '%s'", dir, raw);
	free(raw);
	free(path);
}

/* The bound qemu-img runs under: a program that does not finish is killed. */
static void test_bounded_program_killed(void **state)
{
	(void)state;
	char *argv[] = { "sleep", "30", NULL };
	struct jeos_error err = { 0 };
	double t0 = now_seconds();

	assert_int_equal(run_program_bounded(argv, 1, &err), -1);
	assert_true(now_seconds() - t0 < 3.0);
	assert_string_equal(err.msg, "sleep did not finish within 1 s: killed");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_formats_and_sizes),
		cmocka_unit_test(test_vmdk_descriptor_file_is_raw),
		cmocka_unit_test(test_qcow2_backing_file_refused),
		cmocka_unit_test(test_qcow2_data_file_refused),
		cmocka_unit_test(test_vmdk_extents_and_parent_refused),
		cmocka_unit_test(test_qed_backing_file_refused),
		cmocka_unit_test(test_not_a_regular_file),
		cmocka_unit_test(test_huge_virtual_size_refused),
		cmocka_unit_test(test_convert_to_raw),
		cmocka_unit_test(test_bounded_program_killed),
	};
	return cmocka_run_group_tests_name("imgcheck", tests, setup, teardown);
}
