/* Unit tests for guest.c: image formats, failures
 * before and during the launch, and two real libguestfs launches (~20-25 s
 * each under TCG): one writes a filesystem, the other reads it back
 * through a qcow2 overlay and checks that a stuck command is killed by
 * its deadline. */
#include "testutil.h"
#include "guest.h"
#include "vmboot.h"

#include <unistd.h>

static char *tmpdir;

static int setup(void **state)
{
	(void)state;
	tmpdir = test_tmpdir();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	test_rmrf(tmpdir);
	free(tmpdir);
	return 0;
}

static void test_image_format(void **state)
{
	(void)state;
	CLEANUP_FREE char *raw = xasprintf("%s/f.raw", tmpdir);
	CLEANUP_FREE char *qcow = xasprintf("%s/f.qcow2", tmpdir);
	CLEANUP_FREE char *cmd = xasprintf(
		"qemu-img create -q -f raw %s 1M && qemu-img create -q -f qcow2 %s 1M",
		raw, qcow);
	struct jeos_error err;
	const char *fmt = NULL;

	test_sh(cmd);
	assert_int_equal(guest_image_format(raw, &fmt, &err), 0);
	assert_string_equal(fmt, "raw");
	assert_int_equal(guest_image_format(qcow, &fmt, &err), 0);
	assert_string_equal(fmt, "qcow2");
	assert_int_equal(guest_image_format("/nonexistent/x.img", &fmt, &err), -1);
	assert_string_equal(err.msg,
			    "cannot open /nonexistent/x.img: No such file or directory");
}

static void test_nonexistent_image_fails_before_launch(void **state)
{
	(void)state;
	struct guest_drive d = { .path = "/nonexistent/disk.img" };
	struct guest *gu = (struct guest *)&d; /* must be reset to NULL */
	struct jeos_error err;
	double t0 = now_seconds();

	assert_int_equal(guest_open(&gu, &d, 1, NULL, &err), -1);
	assert_null(gu);
	assert_string_equal(err.msg,
			    "cannot open /nonexistent/disk.img: No such file or directory");

	/* With the format given, libguestfs itself refuses the drive. */
	d.format = "raw";
	assert_int_equal(guest_open(&gu, &d, 1, NULL, &err), -1);
	assert_int_equal(err.code, JEOS_EXIT_FAILED);
	assert_true(str_has_prefix(err.msg, "adding /nonexistent/disk.img: "));
	assert_non_null(strstr(err.msg, "No such file or directory"));
	assert_null(strstr(err.msg, "appliance output")); /* nothing was launched */
	assert_true(now_seconds() - t0 < 5);
}

/* Where KVM is broken (the probe says so), forcing it must fail fast with
 * qemu's own words in the message, not hang. */
static void test_forced_broken_kvm_fails_with_console_hint(void **state)
{
	(void)state;
	/* before anything is allocated: skip() leaves without cleanups */
	if (getenv("LIBGUESTFS_BACKEND_SETTINGS") ||
	    vm_accel(NULL) != VM_ACCEL_TCG || access("/dev/kvm", F_OK) < 0)
		skip(); /* KVM works (or is absent): nothing to fail */
	CLEANUP_FREE char *img = xasprintf("%s/kvm.raw", tmpdir);
	CLEANUP_FREE char *cmd = xasprintf("qemu-img create -q -f raw %s 1M", img);
	struct guest_drive d = { .path = img };
	struct guest *gu;
	struct jeos_error err;
	double t0;
	int rc;

	test_sh(cmd);
	t0 = now_seconds();
	assert_int_equal(vm_accel_request("kvm", &err), 0);
	rc = guest_open(&gu, &d, 1, NULL, &err);
	assert_int_equal(vm_accel_request("auto", &err), 0);
	assert_int_equal(rc, -1);
	assert_null(gu);
	assert_true(now_seconds() - t0 < 60);
	assert_true(str_has_prefix(err.msg, "launching the libguestfs appliance: "));
	assert_non_null(strstr(err.msg, "last appliance output:"));
	assert_non_null(strstr(err.msg, "--accel tcg"));
}

/* Before the launch returns there is no pid: the watchdog finds qemu. */
static void test_launch_deadline(void **state)
{
	(void)state;
	if (vm_accel(NULL) == VM_ACCEL_KVM)
		skip(); /* a KVM launch may well take less than 2 s */
	CLEANUP_FREE char *img = xasprintf("%s/slow.raw", tmpdir);
	CLEANUP_FREE char *cmd = xasprintf("qemu-img create -q -f raw %s 1M", img);
	struct guest_drive d = { .path = img };
	struct guest_opts o = { .launch_timeout = 2 };
	struct guest *gu;
	struct jeos_error err;
	double t0;

	test_sh(cmd);
	t0 = now_seconds();
	assert_int_equal(guest_open(&gu, &d, 1, &o, &err), -1);
	assert_null(gu);
	assert_true(now_seconds() - t0 < 15);
	assert_true(str_has_prefix(err.msg, "launching the libguestfs appliance: "
				   "timed out after 2 s (jeos killed the appliance)"));
}

static void test_launch_partition_mkfs_write_read(void **state)
{
	(void)state;
	CLEANUP_FREE char *img = xasprintf("%s/disk.raw", tmpdir);
	CLEANUP_FREE char *cmd = xasprintf("qemu-img create -q -f raw %s 64M", img);
	struct guest_drive d = { .path = img, .cachemode = "unsafe" };
	struct guest *gu;
	struct jeos_error err;
	guestfs_h *g;
	CLEANUP_FREE char *content = NULL;
	size_t size = 0;
	double t0;

	test_sh(cmd);
	t0 = now_seconds();
	if (guest_open(&gu, &d, 1, NULL, &err) < 0)
		fail_msg("%s", err.msg);
	print_message("launch: %.1f s\n", now_seconds() - t0);
	g = guest_handle(gu);

	guest_set_deadline(gu, 120);
	assert_int_equal(guestfs_part_disk(g, "/dev/sda", "mbr"), 0);
	assert_int_equal(guestfs_mkfs(g, "ext4", "/dev/sda1"), 0);
	assert_int_equal(guestfs_mount(g, "/dev/sda1", "/"), 0);
	assert_int_equal(guestfs_write(g, "/hello", "hello from jeos\n", 16), 0);
	content = guestfs_read_file(g, "/hello", &size);
	assert_non_null(content);
	assert_int_equal(size, 16);
	assert_memory_equal(content, "hello from jeos\n", 16);

	/* A command error names the command and carries libguestfs's text,
	 * without console noise: the appliance is fine. */
	assert_int_equal(guestfs_mkdir(g, "/no/such/parent"), -1);
	assert_int_equal(guest_fail(gu, &err, "mkdir %s", "/no/such/parent"), -1);
	assert_true(str_has_prefix(err.msg, "mkdir /no/such/parent: "));
	assert_non_null(strstr(err.msg, "No such file or directory"));
	assert_null(strstr(err.msg, "appliance output"));

	assert_int_equal(guestfs_umount_all(g), 0);
	guest_set_deadline(gu, 0);
	if (guest_shutdown(gu, &err) < 0)
		fail_msg("%s", err.msg);
	guest_close(gu);
	print_message("launch + work + shutdown: %.1f s\n", now_seconds() - t0);
}

/* Second launch: the filesystem written above, seen read-only through a
 * qcow2 overlay (format found by magic), then a command that never
 * returns in time. */
static void test_readback_and_deadline(void **state)
{
	(void)state;
	CLEANUP_FREE char *overlay = xasprintf("%s/overlay.qcow2", tmpdir);
	CLEANUP_FREE char *cmd = xasprintf(
		"qemu-img create -q -f qcow2 -b %s/disk.raw -F raw %s", tmpdir, overlay);
	struct guest_drive d = { .path = overlay, .readonly = 1 };
	struct guest *gu;
	struct jeos_error err;
	guestfs_h *g;
	CLEANUP_FREE char *content = NULL;
	double t0;

	test_sh(cmd);
	if (guest_open(&gu, &d, 1, NULL, &err) < 0)
		fail_msg("%s", err.msg);
	g = guest_handle(gu);
	assert_int_equal(guestfs_mount_ro(g, "/dev/sda1", "/"), 0);
	content = guestfs_cat(g, "/hello");
	assert_non_null(content);
	assert_string_equal(content, "hello from jeos\n");

	t0 = now_seconds();
	guest_set_deadline(gu, 2);
	assert_int_equal(guestfs_sleep(g, 600), -1);
	guest_set_deadline(gu, 0);
	assert_int_equal(guest_fail(gu, &err, "sleep"), -1);
	assert_true(now_seconds() - t0 < 20);
	assert_true(str_has_prefix(err.msg,
		"sleep: timed out after 2 s (jeos killed the appliance)"));
	guest_close(gu);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_image_format),
		cmocka_unit_test(test_nonexistent_image_fails_before_launch),
		cmocka_unit_test(test_forced_broken_kvm_fails_with_console_hint),
		cmocka_unit_test(test_launch_deadline),
		cmocka_unit_test(test_launch_partition_mkfs_write_read),
		cmocka_unit_test(test_readback_and_deadline),
	};
	return cmocka_run_group_tests_name("guest", tests, setup, teardown);
}
