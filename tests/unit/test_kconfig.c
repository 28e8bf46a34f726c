/* Unit tests for kconfig.c and kconfig_tree.c: fragments, the choice of
 * fragments per <machine>, and verification with its explanation against
 * a small Kconfig tree the test writes. */
#include "testutil.h"

#include "kconfig.h"

/* Writes text to dir/rel. */
static void write_at(const char *dir, const char *rel, const char *text)
{
	char *path = xasprintf("%s/%s", dir, rel);
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	assert_true(fputs(text, fp) >= 0);
	assert_int_equal(fclose(fp), 0);
	free(path);
}

static void parse(struct kconfig_frag *f, const char *text, const char *path)
{
	struct jeos_error err;

	if (kconfig_frag_parse(f, text, path, &err) < 0)
		fail_msg("%s", err.msg);
}

static void test_parse(void **state)
{
	(void)state;
	struct kconfig_frag f = { 0 };
	struct strbuf out = STRBUF_INIT;

	parse(&f,
	      "# a comment\n"
	      "\n"
	      "CONFIG_NET=y\n"
	      "# CONFIG_VT is not set\n"
	      "CONFIG_NAME=\"jeos \\\"x\\\"\"   \n"
	      "CONFIG_START=0x1000000\n"
	      "CONFIG_OFFSET=-3\n"
	      "CONFIG_OFF=n\n", "a.config");
	assert_int_equal(f.nr, 6);
	assert_string_equal(kconfig_frag_value(&f, "NET"), "y");
	assert_string_equal(kconfig_frag_value(&f, "VT"), "n");
	assert_string_equal(kconfig_frag_value(&f, "NAME"), "\"jeos \\\"x\\\"\"");
	assert_string_equal(kconfig_frag_value(&f, "START"), "0x1000000");
	assert_string_equal(kconfig_frag_value(&f, "OFF"), "n");
	/* absent is "not set" */
	assert_string_equal(kconfig_frag_value(&f, "ABSENT"), "n");
	assert_null(kconfig_frag_get(&f, "ABSENT"));
	assert_string_equal(kconfig_frag_get(&f, "VT")->where, "a.config:4");

	kconfig_frag_format(&f, &out);
	assert_non_null(strstr(out.buf, "CONFIG_NET=y\n# CONFIG_VT is not set\n"));
	assert_non_null(strstr(out.buf, "# CONFIG_OFF is not set\n"));
	strbuf_release(&out);
	kconfig_frag_free(&f);
}

static void expect_parse_error(const char *text, const char *msg)
{
	struct kconfig_frag f = { 0 };
	struct jeos_error err;

	assert_int_equal(kconfig_frag_parse(&f, text, "k/bad.config", &err), -1);
	assert_int_equal(err.code, JEOS_EXIT_USAGE);
	if (!strstr(err.msg, msg))
		fail_msg("'%s' does not contain '%s'", err.msg, msg);
	kconfig_frag_free(&f);
}

static void test_parse_errors(void **state)
{
	(void)state;
	expect_parse_error("CONFIG_A=y\n\nCONFIG_B y\n", "k/bad.config:3: error: expected CONFIG_NAME=VALUE");
	expect_parse_error("NET=y\n", "k/bad.config:1: error: expected CONFIG_NAME=VALUE");
	expect_parse_error("CONFIG_A=yes\n", "k/bad.config:1: error: CONFIG_A: expected y, m, n, a number");
	expect_parse_error("CONFIG_A=\"open\n", "k/bad.config:1: error: CONFIG_A: expected");
	expect_parse_error("CONFIG_A-B=y\n", "k/bad.config:1: error: 'A-B' is not a Kconfig symbol");
	expect_parse_error("# CONFIG_ is not set\n", "k/bad.config:1: error: '' is not a Kconfig symbol");
	expect_parse_error("CONFIG_A=y\n# CONFIG_A is not set\n",
			   "k/bad.config:2: error: CONFIG_A is set again (first at k/bad.config:1)");
}

static void test_load(void **state)
{
	(void)state;
	char *dir = test_tmpdir();
	char *path = xasprintf("%s/x.config", dir);
	struct kconfig_frag f = { 0 };
	struct jeos_error err;

	write_at(dir, "x.config", "CONFIG_X=y\nCONFIG_Y=m");
	assert_int_equal(kconfig_frag_load(&f, path, &err), 0);
	assert_string_equal(kconfig_frag_value(&f, "Y"), "m");
	kconfig_frag_free(&f);
	assert_int_equal(kconfig_frag_load(&f, "/nonexistent/y.config", &err), -1);
	assert_non_null(strstr(err.msg, "/nonexistent/y.config"));
	test_rmrf(dir);
	free(path);
	free(dir);
}

static void test_merge_overrides(void **state)
{
	(void)state;
	struct kconfig_frag base = { 0 }, over = { 0 };

	parse(&base, "CONFIG_A=y\n# CONFIG_B is not set\nCONFIG_D=y\n", "base.config");
	parse(&over, "CONFIG_B=y\nCONFIG_C=y\nCONFIG_A=y\n# CONFIG_E is not set\n# CONFIG_D is not set\n",
	      "over.config");
	/* B and D change, C is new; A is the same and E was absent (not set) */
	assert_int_equal(kconfig_frag_merge(&base, &over, 1), 3);
	assert_string_equal(kconfig_frag_value(&base, "A"), "y");
	assert_string_equal(kconfig_frag_value(&base, "B"), "y");
	assert_string_equal(kconfig_frag_value(&base, "C"), "y");
	assert_string_equal(kconfig_frag_value(&base, "D"), "n");
	/* the later fragment is where the value now comes from */
	assert_string_equal(kconfig_frag_get(&base, "B")->where, "over.config:1");
	assert_int_equal(base.nr, 5);
	kconfig_frag_free(&base);
	kconfig_frag_free(&over);
}

/* Many symbols: the index must find every one after it grew. */
static void test_many_symbols(void **state)
{
	(void)state;
	struct kconfig_frag f = { 0 };
	struct strbuf text = STRBUF_INIT;

	for (int i = 0; i < 3000; i++)
		strbuf_addf(&text, "CONFIG_S%d=%d\n", i, i);
	parse(&f, text.buf, "big.config");
	assert_int_equal(f.nr, 3000);
	for (int i = 0; i < 3000; i += 7) {
		char name[16], value[16];
		snprintf(name, sizeof(name), "S%d", i);
		snprintf(value, sizeof(value), "%d", i);
		assert_string_equal(kconfig_frag_value(&f, name), value);
	}
	strbuf_release(&text);
	kconfig_frag_free(&f);
}

static char **choose(const struct recipe *r)
{
	struct jeos_error err;
	char **names = NULL;

	if (kconfig_choose(r, &names, &err) < 0)
		fail_msg("%s", err.msg);
	return names;
}

static const char *const hardware_fragments[] = { "virtio", "vmware", "legacy", "hyperv", "xen", "sriov" };

/* Exactly `want` among the hardware fragments. */
static void assert_hardware(char **names, const char *want)
{
	for (size_t i = 0; i < sizeof(hardware_fragments) / sizeof(hardware_fragments[0]); i++)
		if (test_list_has(names, hardware_fragments[i]) != !strcmp(hardware_fragments[i], want))
			fail_msg("%s %s", hardware_fragments[i], strcmp(hardware_fragments[i], want) ?
				 "chosen though the machine does not have it" : "not chosen");
}

static void test_choose_by_machine(void **state)
{
	(void)state;
	struct recipe r = { .path = (char *)"r/config.xml" };
	struct recipe_nic vmxnet3 = { .driver = (char *)"vmxnet3" };
	struct recipe_nic e1000 = { .driver = (char *)"e1000" };
	struct recipe_nic virtio = { .driver = NULL }; /* no driver: virtio */
	char **n;

	/* no <machine>: a systemd virtio guest on ext4 */
	n = choose(&r);
	assert_string_equal(n[0], "base-minimal");
	assert_string_equal(n[1], "base-systemd");
	assert_string_equal(n[2], "virtio");
	assert_string_equal(n[3], "ext4");
	assert_null(n[4]);
	test_list_free(n);

	r.machine.present = 1;
	r.machine.disk_controller = (char *)"pvscsi";
	r.machine.nics = &vmxnet3;
	r.machine.nr_nics = 1;
	n = choose(&r);
	assert_hardware(n, "vmware");
	test_list_free(n);

	r.machine.disk_controller = (char *)"virtio";
	r.machine.nics = &virtio;
	n = choose(&r);
	assert_hardware(n, "virtio");
	test_list_free(n);

	r.machine.disk_controller = (char *)"ide";
	r.machine.nics = &e1000;
	r.type.filesystem = FS_XFS;
	r.type.firmware = FW_EFI;
	n = choose(&r);
	assert_hardware(n, "legacy");
	assert_true(test_list_has(n, "xfs") && test_list_has(n, "efi"));
	assert_false(test_list_has(n, "ext4"));
	test_list_free(n);
}

static void test_choose_recipe_fragments(void **state)
{
	(void)state;
	struct recipe r = { .path = (char *)"r/config.xml" };
	struct jeos_error err;
	char **n;

	/* base-minimal means busybox: no base-systemd; names are not repeated */
	r.kernel.config = (char *)" nftables, base-minimal,,virtio , mine.config";
	n = choose(&r);
	assert_string_equal(n[0], "base-minimal");
	assert_string_equal(n[1], "virtio");
	assert_string_equal(n[2], "ext4");
	assert_string_equal(n[3], "nftables");
	assert_string_equal(n[4], "mine.config");
	assert_null(n[5]);
	test_list_free(n);

	r.kernel.config = (char *)"../etc/passwd";
	assert_int_equal(kconfig_choose(&r, &n, &err), -1);
	assert_int_equal(err.code, JEOS_EXIT_USAGE);
	assert_non_null(strstr(err.msg, "r/config.xml: error: <jeos:kernel config>: '../etc/passwd'"));

	/* a controller no fragment drives is an error, not a kernel without it */
	r.kernel.config = NULL;
	r.machine.present = 1;
	r.machine.disk_controller = (char *)"buslogic";
	assert_int_equal(kconfig_choose(&r, &n, &err), -1);
	assert_int_equal(err.code, JEOS_EXIT_USAGE);
	assert_non_null(strstr(err.msg, "disk controller 'buslogic'"));
}

/* A Kconfig tree in the shape of the kernel's: a source line with
 * $(SRCARCH), if/menu/choice blocks across files, help text that looks
 * like syntax, a prompt with a condition, select. */
static void write_tree(const char *dir)
{
	test_shf("mkdir -p '%s/arch/x86' '%s/drivers/net'", dir, dir);
	write_at(dir, "Kconfig",
		   "mainmenu \"Linux/$(ARCH) Kernel Configuration\"\n"
		   "source \"arch/$(SRCARCH)/Kconfig\"\n"
		   "config NET\n"
		   "\tbool \"Networking support\"\n"
		   "menu \"Device Drivers\"\n"
		   "\tdepends on !NO_DRIVERS\n"
		   "source \"drivers/net/Kconfig\"\n"
		   "endmenu\n"
		   "config NO_DRIVERS\n"
		   "\tbool\n");
	write_at(dir, "arch/x86/Kconfig",
		   "config X86\n"
		   "\tdef_bool y\n"
		   "\tselect SELECTED_BY_X86 if NET || \\\n"
		   "\t\t64BIT\n"
		   "config 64BIT\n"
		   "\tbool \"64-bit kernel\" if \"$(ARCH)\" = \"x86\"\n"
		   "config SELECTED_BY_X86\n"
		   "\tbool \"a symbol X86 selects\"\n");
	write_at(dir, "drivers/net/Kconfig",
		   "menuconfig NETDEVICES\n"
		   "\tbool \"Network device support\"\n"
		   "\tdepends on NET\n"
		   "\thelp\n"
		   "\t  Say Y here.\n"
		   "\n"
		   "\t  config NOT_A_SYMBOL\n"
		   "\t  endif\n"
		   "if NETDEVICES\n"
		   "config VIRTIO\n"
		   "\ttristate\n"
		   "config VIRTIO_NET # the driver\n"
		   "\ttristate \"Virtio network driver\"\n"
		   "\tdepends on VIRTIO && !NO_DRIVERS\n"
		   "\tdepends on PAGE_SHIFT >= 12\n"
		   "endif # NETDEVICES\n");
}

static void test_verify(void **state)
{
	(void)state;
	char *dir = test_tmpdir();
	struct kconfig_frag req = { 0 }, ok = { 0 }, final = { 0 };
	struct jeos_error err;

	write_tree(dir);
	parse(&req,
	      "# CONFIG_NET is not set\n"
	      "CONFIG_NETDEVICES=y\n"
	      "CONFIG_VIRTIO_NET=y\n"
	      "CONFIG_VIRTIO_NETT=y\n"
	      "# CONFIG_SELECTED_BY_X86 is not set\n"
	      "CONFIG_64BIT=y\n", "k/nonet.config");

	/* every value kept (absent counts as not set) */
	parse(&ok, "CONFIG_X86=y\nCONFIG_64BIT=y\nCONFIG_NETDEVICES=y\nCONFIG_VIRTIO_NET=y\n"
	      "CONFIG_VIRTIO_NETT=y\n", "ok/.config");
	assert_int_equal(kconfig_verify(&req, &ok, dir, &err), 0);

	parse(&final, "CONFIG_X86=y\nCONFIG_64BIT=y\n# CONFIG_NET is not set\n"
	      "CONFIG_SELECTED_BY_X86=y\nCONFIG_PAGE_SHIFT=12\n", "o/.config");
	assert_int_equal(kconfig_verify(&req, &final, dir, &err), -1);
	assert_int_equal(err.code, JEOS_EXIT_FAILED);
	const char *expect[] = {
		"did not keep 4 values",
		"  CONFIG_NETDEVICES=y (k/nonet.config:2): not set in the final config\n"
		"    defined at drivers/net/Kconfig:1\n"
		"      unmet \"depends on NET\" (drivers/net/Kconfig:3): NET is off (set by k/nonet.config:1)\n",
		"  CONFIG_VIRTIO_NET=y (k/nonet.config:3): not set in the final config\n"
		"    defined at drivers/net/Kconfig:12\n"
		"      unmet \"if NETDEVICES\" (drivers/net/Kconfig:9): NETDEVICES is off "
		"(k/nonet.config:2 asks for y: see CONFIG_NETDEVICES)\n"
		"      unmet \"depends on VIRTIO && !NO_DRIVERS\" (drivers/net/Kconfig:14): "
		"VIRTIO is off (no fragment sets it)\n",
		"  CONFIG_VIRTIO_NETT=y (k/nonet.config:4): not set in the final config\n"
		"    no Kconfig file of this tree defines it (unknown symbol)\n",
		"  # CONFIG_SELECTED_BY_X86 is not set (k/nonet.config:5): =y in the final config\n"
		"    defined at arch/x86/Kconfig:7\n"
		"    selected by CONFIG_X86 (arch/x86/Kconfig:3)",
	};
	for (size_t i = 0; i < sizeof(expect) / sizeof(expect[0]); i++)
		if (!strstr(err.msg, expect[i])) {
			fprintf(stderr, "%s\n", err.msg); /* longer than fail_msg prints */
			fail_msg("missing:\n%s", expect[i]);
		}
	/* kept values are not reported; help text is not syntax */
	assert_null(strstr(err.msg, "CONFIG_64BIT"));
	assert_null(strstr(err.msg, "NOT_A_SYMBOL"));
	assert_null(strstr(err.msg, "PAGE_SHIFT"));

	test_rmrf(dir);
	free(dir);
	kconfig_frag_free(&req);
	kconfig_frag_free(&ok);
	kconfig_frag_free(&final);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_merge_overrides),
		cmocka_unit_test(test_many_symbols),
		cmocka_unit_test(test_choose_by_machine),
		cmocka_unit_test(test_choose_recipe_fragments),
		cmocka_unit_test(test_verify),
	};
	return cmocka_run_group_tests_name("kconfig", tests, NULL, NULL);
}
