/* Unit tests for libvirt.c (the domain XML, checked with libvirt's own
 * virt-xml-validate) and for recipe_machine_set, which `jeos convert
 * --machine` uses. */
#include "testutil.h"

#include "libvirt.h"

static void set(struct recipe_machine *m, const char *key, const char *value)
{
	struct jeos_error err;
	if (recipe_machine_set(m, key, value, &err) < 0)
		fail_msg("%s=%s: %s", key, value, err.msg);
}

static void test_vmware_machine_with_hostdevs(void **state)
{
	(void)state;
	char *dir = test_tmpdir();
	char *path = xasprintf("%s/vm.libvirt.xml", dir);
	struct recipe_machine m = { 0 };
	struct recipe_hostdev devs[] = {
		{ .address = (char *)"0000:03:00.0", .driver = (char *)"nvme" },
		{ .address = (char *)"0000:81:10.2", .interface = 1, .mac = (char *)"52:54:00:aa:bb:cc" },
	};
	struct libvirt_domain d = {
		.name = "appliance", .machine = &m, .firmware = FW_EFI,
		.disk_path = "/var/lib/images/appliance.qcow2", .disk_format = "qcow2",
	};
	struct jeos_error err;

	recipe_machine_defaults(&m);
	set(&m, "memory", "2048");
	set(&m, "ncpus", "2");
	set(&m, "controller", "pvscsi");
	set(&m, "nic", "vmxnet3:nat:52:54:00:12:34:56");
	set(&m, "nic", "e1000:backend");
	assert_int_equal(libvirt_write(path, &d, &err), 0);
	test_shf("virt-xml-validate %s domain >/dev/null", path);

	assert_xpath(path, "string(/domain/@type)", "kvm");
	assert_xpath(path, "string(/domain/memory)", "2048");
	assert_xpath(path, "string(/domain/memory/@unit)", "MiB");
	assert_xpath(path, "string(/domain/vcpu)", "2");
	assert_xpath(path, "string(/domain/os/@firmware)", "efi");
	assert_xpath(path, "string(/domain/devices/controller[@type='scsi']/@model)", "vmpvscsi");
	assert_xpath(path, "string(/domain/devices/disk/target/@bus)", "scsi");
	assert_xpath(path, "string(/domain/devices/disk/driver/@type)", "qcow2");
	assert_xpath(path, "string(/domain/devices/disk/source/@file)",
		     "/var/lib/images/appliance.qcow2");
	assert_xpath(path, "string(/domain/devices/interface[1]/model/@type)", "vmxnet3");
	assert_xpath(path, "string(/domain/devices/interface[1]/mac/@address)", "52:54:00:12:34:56");
	assert_xpath(path, "string(/domain/devices/interface[1]/source/@network)", "default");
	assert_xpath(path, "string(/domain/devices/interface[2]/source/@network)", "backend");
	assert_xpath(path, "count(/domain/devices/interface[@type='network'])", "2");

	/* now with host devices: a PCI device and an SR-IOV virtual function */
	m.hostdevs = devs;
	m.nr_hostdevs = 2;
	assert_int_equal(libvirt_write(path, &d, &err), 0);
	test_shf("virt-xml-validate %s domain >/dev/null", path);
	assert_xpath(path, "string(/domain/devices/hostdev[@type='pci']/source/address/@bus)", "0x03");
	assert_xpath(path, "string(/domain/devices/hostdev/@managed)", "yes");
	assert_xpath(path, "string(/domain/devices/interface[@type='hostdev']/source/address/@slot)",
		     "0x10");
	assert_xpath(path, "string(/domain/devices/interface[@type='hostdev']/source/address/@function)",
		     "0x2");
	assert_xpath(path, "string(/domain/devices/interface[@type='hostdev']/mac/@address)",
		     "52:54:00:aa:bb:cc");
	m.hostdevs = NULL;
	m.nr_hostdevs = 0;

	recipe_machine_free(&m);
	test_rmrf(dir);
	free(path);
	free(dir);
}

static void test_defaults_bios_and_ide(void **state)
{
	(void)state;
	char *dir = test_tmpdir();
	char *path = xasprintf("%s/vm.libvirt.xml", dir);
	struct recipe_machine none = { 0 }, ide = { 0 };
	struct libvirt_domain d = {
		.name = "plain", .machine = &none, .firmware = FW_BIOS,
		.disk_path = "/srv/plain.raw", .disk_format = "raw",
	};
	struct jeos_error err;

	/* no <machine>: virtio disk, 1 CPU, 1 GiB, BIOS */
	assert_int_equal(libvirt_write(path, &d, &err), 0);
	test_shf("virt-xml-validate %s domain >/dev/null", path);
	assert_xpath(path, "string(/domain/devices/disk/target/@bus)", "virtio");
	assert_xpath(path, "string(/domain/devices/disk/target/@dev)", "vda");
	assert_xpath(path, "string(/domain/vcpu)", "1");
	assert_xpath(path, "string(/domain/memory)", "1024");
	assert_xpath(path, "count(/domain/os/@firmware)", "0");
	assert_xpath(path, "string(/domain/devices/console/target/@type)", "serial");

	/* IDE needs the i440fx machine: q35 has no IDE bus */
	recipe_machine_defaults(&ide);
	set(&ide, "controller", "ide");
	d.machine = &ide;
	assert_int_equal(libvirt_write(path, &d, &err), 0);
	test_shf("virt-xml-validate %s domain >/dev/null", path);
	assert_xpath(path, "string(/domain/os/type/@machine)", "pc");
	assert_xpath(path, "string(/domain/devices/disk/target/@dev)", "hda");

	recipe_machine_free(&ide);
	test_rmrf(dir);
	free(path);
	free(dir);
}

static void expect_bad(const char *key, const char *value, const char *msg)
{
	struct recipe_machine m = { 0 };
	struct jeos_error err;

	recipe_machine_defaults(&m);
	assert_int_equal(recipe_machine_set(&m, key, value, &err), -1);
	assert_int_equal(err.code, JEOS_EXIT_USAGE);
	if (!strstr(err.msg, msg))
		fail_msg("%s=%s: '%s' does not say '%s'", key, value, err.msg, msg);
	recipe_machine_free(&m);
}

static void test_machine_settings_checked(void **state)
{
	(void)state;
	expect_bad("memory", "lots", "memory must be a number of MiB");
	expect_bad("memory", "8", "at least 16");
	expect_bad("ncpus", "0", "ncpus must be a number from 1 to 256");
	expect_bad("HWversion", "22", "HWversion must be a VMware hardware version from 4 to 21");
	expect_bad("controller", "floppy", "invalid disk controller 'floppy': expected ide, sata,");
	expect_bad("nic", "rtl8139", "invalid NIC driver 'rtl8139'");
	expect_bad("nic", "e1000:nat:52:54:00", "invalid MAC address");
	expect_bad("colour", "blue", "unknown machine setting 'colour'");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vmware_machine_with_hostdevs),
		cmocka_unit_test(test_defaults_bios_and_ide),
		cmocka_unit_test(test_machine_settings_checked),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
