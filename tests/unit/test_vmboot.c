/* Unit tests for vmboot.c. On a real qemu: the host's kernel booted with
 * no root filesystem and earlyprintk prints its first line in ~0.5 s even
 * under TCG (then spends ~10 s decompressing itself), enough for matching,
 * timeouts and qemu failures. A fake qemu on PATH prints a login prompt
 * without a newline. The accelerator: the user's choice, and the probe and
 * the fallback against tests/integration/fake-kvm-qemu, a qemu whose KVM
 * never prints (so they run the same on hosts where KVM works, aborts or
 * hangs). */
#include "testutil.h"
#include "vmboot.h"

#include <errno.h>
#include <glob.h>
#include <sys/wait.h>

static char *tmpdir;
static char *kernel;

static int setup(void **state)
{
	glob_t gl;

	(void)state;
	tmpdir = test_tmpdir();
	if (glob("/boot/vmlinuz-*", 0, NULL, &gl) == 0) {
		kernel = xstrdup(gl.gl_pathv[gl.gl_pathc - 1]);
		globfree(&gl);
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	test_rmrf(tmpdir);
	free(tmpdir);
	free(kernel);
	return 0;
}

/* qemu was reaped on the way out: no child is left behind. */
static void assert_no_children(void)
{
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
}

static void test_kernel_line_matches(void **state)
{
	(void)state;
	CLEANUP_FREE char *img = xasprintf("%s/disk.qcow2", tmpdir);
	CLEANUP_FREE char *log = xasprintf("%s/console.log", tmpdir);
	CLEANUP_FREE char *cmd = xasprintf("qemu-img create -q -f qcow2 %s 16M", img);
	CLEANUP_STRBUF struct strbuf text = STRBUF_INIT;
	struct vmboot_opts o = {
		.image = img, /* attached, not booted: -kernel comes first */
		.kernel = kernel,
		.append = "console=ttyS0 earlyprintk=ttyS0",
		.expect = "^Probing EDD",
		.timeout = 120,
		.console_log = log,
	};
	struct vmboot_result res;
	struct jeos_error err;

	if (!kernel)
		skip();
	test_sh(cmd);
	if (vmboot_run(&o, &res, &err) < 0)
		fail_msg("%s", err.msg);
	print_message("first kernel line after %.2f s (%s)\n", res.seconds, res.accel);
	assert_true(res.seconds > 0 && res.seconds < 120);
	assert_true(str_has_prefix(res.line, "Probing EDD"));
	assert_int_equal(strbuf_read_file(&text, log), 0);
	assert_non_null(strstr(text.buf, "Probing EDD"));
	assert_no_children();
}

static void test_never_printed_times_out(void **state)
{
	(void)state;
	struct vmboot_opts o = {
		.kernel = kernel,
		.append = "console=ttyS0 earlyprintk=ttyS0",
		.expect = "^this is never printed$",
		.timeout = 3,
	};
	struct vmboot_result res;
	struct jeos_error err;
	double t0 = now_seconds();

	if (!kernel)
		skip();
	assert_int_equal(vmboot_run(&o, &res, &err), -1);
	assert_true(now_seconds() - t0 < 10);
	assert_int_equal(err.code, JEOS_EXIT_FAILED);
	CLEANUP_FREE char *want = xasprintf(
		"booting %s: no console line matched /^this is never printed$/ within 3 s",
		kernel);
	assert_true(str_has_prefix(err.msg, want));
	/* What the console did print is in the message. */
	assert_non_null(strstr(err.msg, "\nlast console lines:\n  Probing EDD"));
	assert_no_children();
}

static void test_qemu_failure_reported(void **state)
{
	(void)state;
	struct vmboot_opts o = { .kernel = "/nonexistent/vmlinuz", .timeout = 30 };
	struct vmboot_result res;
	struct jeos_error err;

	assert_int_equal(vmboot_run(&o, &res, &err), -1);
	assert_true(str_has_prefix(err.msg,
		"booting /nonexistent/vmlinuz: qemu exited with status 1 before the console matched /login:/"));
	assert_non_null(strstr(err.msg, "qemu said: "));
	assert_non_null(strstr(err.msg, "/nonexistent/vmlinuz"));
	assert_no_children();
}

/* A getty prompt ends without a newline, after escape sequences. */
static void test_prompt_without_newline(void **state)
{
	(void)state;
	CLEANUP_FREE char *bin = xasprintf("%s/bin", tmpdir);
	CLEANUP_FREE char *cmd = xasprintf(
		"mkdir -p %s && printf '%%s\\n' '#!/bin/sh' "
		"\"printf '\\033c\\033[2JDebian GNU/Linux 12 jeos ttyS0\\r\\n\\r\\njeos login: '\" "
		"'exec sleep 60' > %s/qemu-system-x86_64 && chmod +x %s/qemu-system-x86_64",
		bin, bin, bin);
	CLEANUP_FREE char *old_path = xstrdup(getenv("PATH"));
	CLEANUP_FREE char *path = xasprintf("%s:%s", bin, old_path);
	struct vmboot_opts o = { .kernel = "/fake", .timeout = 20 };
	struct vmboot_result res;
	struct jeos_error err;
	int rc;

	test_sh(cmd);
	setenv("PATH", path, 1);
	assert_int_equal(vm_accel_request("tcg", &err), 0); /* no KVM probe of the fake */
	rc = vmboot_run(&o, &res, &err);
	assert_int_equal(vm_accel_request("auto", &err), 0);
	setenv("PATH", old_path, 1);
	if (rc < 0)
		fail_msg("%s", err.msg);
	assert_string_equal(res.line, "jeos login: ");
	assert_string_equal(res.accel, "tcg");
	assert_true(res.seconds < 10); /* returned at once, sleep 60 killed */
	assert_no_children();
}

static void test_bad_input(void **state)
{
	(void)state;
	struct vmboot_opts o = { .image = "/nonexistent/disk.img" };
	struct vmboot_result res;
	struct jeos_error err;

	assert_int_equal(vmboot_run(&o, &res, &err), -1);
	assert_string_equal(err.msg,
			    "cannot open /nonexistent/disk.img: No such file or directory");

	o.expect = "(unclosed";
	assert_int_equal(vmboot_run(&o, &res, &err), -1);
	assert_int_equal(err.code, JEOS_EXIT_USAGE);
	assert_true(str_has_prefix(err.msg, "invalid regex /(unclosed/: "));

	o.image = NULL;
	assert_int_equal(vmboot_run(&o, &res, &err), -1);
	assert_int_equal(err.code, JEOS_EXIT_USAGE);
}


/* The user's choice wins, and nothing is probed for it. */
static void test_accel_user_choice(void **state)
{
	(void)state;
	struct vm_verdict v;
	struct jeos_error err;

	assert_int_equal(vm_accel_request("tcg", &err), 0);
	assert_int_equal(vm_accel(&v), VM_ACCEL_TCG);
	assert_false(v.automatic);
	assert_string_equal(v.why, "--accel tcg");
	assert_int_equal(vm_accel_request("kvm", &err), 0);
	assert_int_equal(vm_accel(&v), VM_ACCEL_KVM);
	assert_int_equal(vm_accel_request("kvm:tcg", &err), -1);
	assert_int_equal(err.code, JEOS_EXIT_USAGE);
	assert_string_equal(err.msg, "--accel takes kvm, tcg or auto, not 'kvm:tcg'");

	assert_int_equal(vm_accel_request("auto", &err), 0);
	setenv("LIBGUESTFS_BACKEND_SETTINGS", "gdb:force_tcg=1", 1);
	assert_int_equal(vm_accel(&v), VM_ACCEL_TCG);
	assert_false(v.automatic);
	setenv("LIBGUESTFS_BACKEND_SETTINGS", "force_kvm", 1);
	assert_int_equal(vm_accel_request("auto", &err), 0);
	assert_int_equal(vm_accel(&v), VM_ACCEL_KVM);
	assert_false(v.automatic);
	unsetenv("LIBGUESTFS_BACKEND_SETTINGS");
	assert_int_equal(vm_accel_request("auto", &err), 0);
}

/* Runs the accelerator choice against the fake qemu in `mode`, with a
 * verdict file of the test's own. */
static void use_fake_kvm(const char *mode)
{
	CLEANUP_FREE char *fake = realpath("tests/integration/fake-kvm-qemu", NULL);
	CLEANUP_FREE char *run = xasprintf("%s/run-%s", tmpdir, mode);
	struct jeos_error err;

	assert_non_null(fake);
	setenv("LIBGUESTFS_HV", fake, 1);
	setenv("FAKE_KVM", mode, 1);
	setenv("XDG_RUNTIME_DIR", run, 1);
	assert_int_equal(vm_accel_request("auto", &err), 0);
}

static void stop_fake_kvm(void)
{
	struct jeos_error err;

	unsetenv("LIBGUESTFS_HV");
	unsetenv("FAKE_KVM");
	unsetenv("XDG_RUNTIME_DIR");
	assert_int_equal(vm_accel_request("auto", &err), 0);
}

/* A KVM whose guest never prints: the probe says TCG within its timeout,
 * remembers it, and the next process takes the verdict without probing. */
static void test_accel_probe_catches_silent_kvm(void **state)
{
	(void)state;
	struct vm_verdict v;
	struct jeos_error err;
	double t0;

	if (!kernel || access("/dev/kvm", R_OK | W_OK) < 0)
		skip(); /* without /dev/kvm nothing is probed */
	use_fake_kvm("hang");
	t0 = now_seconds();
	assert_int_equal(vm_accel(&v), VM_ACCEL_TCG);
	print_message("silent KVM found in %.2f s: %s\n", now_seconds() - t0, v.why);
	assert_true(now_seconds() - t0 < VM_PROBE_TIMEOUT + 2);
	assert_true(v.automatic);
	assert_false(v.remembered);
	assert_non_null(strstr(v.why, "printed no kernel line under KVM within 5 s"));
	assert_int_equal(access(v.file, R_OK), 0);

	assert_int_equal(vm_accel_request("auto", &err), 0); /* as a new process */
	t0 = now_seconds();
	assert_int_equal(vm_accel(&v), VM_ACCEL_TCG);
	assert_true(now_seconds() - t0 < 0.5);
	assert_true(v.remembered);

	/* Another boot of the host (or another qemu, kernel) probes again. */
	CLEANUP_FREE char *cmd = xasprintf("sed -i 's/^[0-9a-f]*/0000/' '%s'", v.file);
	test_sh(cmd);
	assert_int_equal(vm_accel_request("auto", &err), 0);
	assert_int_equal(vm_accel(&v), VM_ACCEL_TCG);
	assert_false(v.remembered);
	stop_fake_kvm();
}

/* The probe passes but the image's boot stays silent under KVM: killed
 * after VM_KVM_SILENCE s, booted again under TCG, verdict demoted. */
static void test_boot_falls_back_from_silent_kvm(void **state)
{
	(void)state;
	CLEANUP_FREE char *img = xasprintf("%s/fallback.qcow2", tmpdir);
	CLEANUP_FREE char *cmd = xasprintf("qemu-img create -q -f qcow2 %s 16M", img);
	struct vmboot_opts o = {
		.image = img, /* a disk: the fake stalls this guest */
		.kernel = kernel,
		.append = "console=ttyS0 earlyprintk=ttyS0",
		.expect = "^Probing EDD",
		.timeout = 120,
	};
	struct vmboot_result res;
	struct vm_verdict v;
	struct jeos_error err;

	if (!kernel || access("/dev/kvm", R_OK | W_OK) < 0)
		skip();
	test_sh(cmd);
	use_fake_kvm("late");
	assert_int_equal(vm_accel(&v), VM_ACCEL_KVM); /* the fake's probe passes */
	if (vmboot_run(&o, &res, &err) < 0)
		fail_msg("%s", err.msg);
	print_message("fell back after %.1f s; TCG matched in %.1f s\n",
		      res.fallback_seconds, res.seconds);
	assert_string_equal(res.accel, "tcg");
	assert_true(res.fallback_seconds >= VM_KVM_SILENCE &&
		    res.fallback_seconds < VM_KVM_SILENCE + 5);
	assert_int_equal(vm_accel(&v), VM_ACCEL_TCG);
	assert_non_null(strstr(v.why, "printed nothing"));
	assert_int_equal(vm_accel_request("auto", &err), 0);
	assert_int_equal(vm_accel(&v), VM_ACCEL_TCG); /* remembered */
	assert_true(v.remembered);
	assert_no_children();
	stop_fake_kvm();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_qemu_failure_reported),
		cmocka_unit_test(test_prompt_without_newline),
		cmocka_unit_test(test_kernel_line_matches),
		cmocka_unit_test(test_never_printed_times_out),
		cmocka_unit_test(test_accel_user_choice),
		cmocka_unit_test(test_accel_probe_catches_silent_kvm),
		cmocka_unit_test(test_boot_falls_back_from_silent_kvm),
	};
	return cmocka_run_group_tests_name("vmboot", tests, setup, teardown);
}
