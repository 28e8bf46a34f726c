/* Unit tests for kernel.c: which modules a recipe's hardware keeps. */
#include "testutil.h"

#include "kernel.h"

static void test_wanted_follows_machine(void **state)
{
	(void)state;
	struct recipe r = { 0 };
	struct recipe_nic nics[] = { { .driver = (char *)"vmxnet3", .interface = (char *)"0" } };
	char *drivers[] = { (char *)"kernel/drivers/char/hw_random/virtio-rng.ko", (char *)"dummy" };
	char **w;

	/* no <machine>: a virtio guest */
	w = kernel_wanted_modules(&r);
	assert_true(test_list_has(w, "virtio_blk") && test_list_has(w, "virtio_net") && test_list_has(w, "ext4"));
	assert_false(test_list_has(w, "vmxnet3"));
	test_list_free(w);

	/* a VMware machine: pvscsi and vmxnet3, no virtio_net */
	r.machine.present = 1;
	r.machine.disk_controller = (char *)"pvscsi";
	r.machine.nics = nics;
	r.machine.nr_nics = 1;
	r.type.filesystem = FS_XFS;
	r.drivers = drivers;
	r.nr_drivers = 2;
	w = kernel_wanted_modules(&r);
	assert_true(test_list_has(w, "vmw_pvscsi") && test_list_has(w, "vmxnet3") && test_list_has(w, "xfs"));
	assert_false(test_list_has(w, "virtio_net"));
	assert_false(test_list_has(w, "e1000"));
	assert_true(test_list_has(w, "virtio-rng") && test_list_has(w, "dummy")); /* <drivers>, as named */
	test_list_free(w);
}

static void test_closure_follows_modules_dep(void **state)
{
	(void)state;
	const char *dep =
		"kernel/drivers/net/virtio_net.ko: kernel/drivers/net/net_failover.ko kernel/net/core/failover.ko\n"
		"kernel/drivers/net/net_failover.ko: kernel/net/core/failover.ko\n"
		"kernel/net/core/failover.ko:\n"
		"kernel/drivers/net/vmxnet3/vmxnet3.ko:\n"
		"kernel/drivers/virtio/virtio_pci.ko: kernel/drivers/virtio/virtio_pci_modern_dev.ko\n"
		"kernel/drivers/virtio/virtio_pci_modern_dev.ko:\n"
		"kernel/fs/btrfs/btrfs.ko: kernel/lib/raid6/raid6_pq.ko\n"
		"kernel/lib/raid6/raid6_pq.ko:\n";
	char *wanted[] = { (char *)"virtio_net", (char *)"virtio-pci", (char *)"ext4", NULL };
	char **missing = NULL;
	size_t nr_missing = 0;
	char **keep = kernel_module_closure(dep, wanted, &missing, &nr_missing);

	assert_true(test_list_has(keep, "kernel/drivers/net/virtio_net.ko"));
	assert_true(test_list_has(keep, "kernel/drivers/net/net_failover.ko"));
	assert_true(test_list_has(keep, "kernel/net/core/failover.ko"));
	/* '-' and '_' are the same to modprobe */
	assert_true(test_list_has(keep, "kernel/drivers/virtio/virtio_pci.ko"));
	assert_true(test_list_has(keep, "kernel/drivers/virtio/virtio_pci_modern_dev.ko"));
	assert_false(test_list_has(keep, "kernel/drivers/net/vmxnet3/vmxnet3.ko"));
	assert_false(test_list_has(keep, "kernel/fs/btrfs/btrfs.ko"));
	/* ext4 is built into this kernel: reported missing from modules.dep */
	assert_int_equal(nr_missing, 1);
	assert_string_equal(missing[0], "ext4");
	test_list_free(keep);
	test_list_free(missing);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wanted_follows_machine),
		cmocka_unit_test(test_closure_follows_modules_dep),
	};
	return cmocka_run_group_tests_name("kernel", tests, NULL, NULL);
}
