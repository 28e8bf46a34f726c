/* Unit tests for ovf.c: the descriptor validates against DMTF's OVF 1.1
 * schema and says what the machine is, the manifest matches sha256sum and
 * sha1sum, the OVA is a plain ustar archive, and `jeos inspect` reads a
 * package back and catches a damaged or incomplete one. */
#include "testutil.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>


#include "ovf.h"

#define SCHEMA_DEFAULT SRCDIR "/../shared/reference/ovf-schema/dsp8023_1.1.1.xsd"
#define MTIME 1700000000
#define MAC "00:50:56:01:02:03"

/* A disk whose bytes are easy to find inside an OVA. */
#define DISK_PATTERN "jeos-test-disk-block."

static const char *schema(void)
{
	const char *env = getenv("JEOS_OVF_SCHEMA");
	const char *path = env && *env ? env : SCHEMA_DEFAULT;

	if (access(path, R_OK) < 0)
		fail_msg("OVF schema %s is missing (set JEOS_OVF_SCHEMA to dsp8023_1.1.1.xsd)",
			 path);
	return path;
}

/* xmllint, offline, quiet unless the descriptor is invalid. */
static void assert_validates(const char *ovf)
{
	test_shf("out=$(xmllint --noout --nonet --schema '%s' '%s' 2>&1) || "
		 "{ echo \"$out\" >&2; exit 1; }", schema(), ovf);
}

static void write_disk(const char *dir)
{
	char *path = xasprintf("%s/disk.vmdk", dir);
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	for (int i = 0; i < 200; i++)
		fputs(DISK_PATTERN, f);
	assert_int_equal(fclose(f), 0);
	free(path);
}

static const struct ovf_product product = {
	.name = "jeos-test", .version = "1.2.3", .vendor = "Jane Doe",
	.url = "https://example.org/jeos", .annotation = "A test appliance",
};

static struct recipe_nic two_nics[] = {
	{ .driver = (char *)"vmxnet3", .interface = (char *)"0", .mode = (char *)"nat",
	  .mac = (char *)MAC },
	{ .driver = (char *)"e1000", .interface = (char *)"1", .mode = (char *)"bridged" },
};

static const struct recipe_machine efi_machine = {
	.present = 1, .memory_mib = 2048, .ncpus = 2, .hw_version = 17,
	.guest_os = (char *)"debian12-64", .disk_controller = (char *)"pvscsi",
	.nics = two_nics, .nr_nics = 2,
};

/* The disk as ovf_write needs it, from the file in dir. */
static struct ovf_disk disk_of(const char *dir)
{
	char *path = xasprintf("%s/disk.vmdk", dir);
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	free(path);
	return (struct ovf_disk){ .href = "disk.vmdk", .file_size = (uint64_t)st.st_size,
				  .capacity = 1ULL << 30, .populated_size = 4096 };
}

static char *write_ovf(const char *dir, const struct ovf_product *pr,
		       const struct recipe_machine *m, enum firmware fw)
{
	char *path = xasprintf("%s/x.ovf", dir);
	struct ovf_disk disk = disk_of(dir);
	struct ovf_options o = { .product = pr, .machine = m, .firmware = fw,
				 .disk = &disk, .identity = "jeos-test.amd64-1.2.3" };
	struct jeos_error err = { 0 };

	if (ovf_write(path, &o, &err) < 0)
		fail_msg("ovf_write: %s", err.msg);
	return path;
}

#define VHS "/ovf:Envelope/ovf:VirtualSystem/ovf:VirtualHardwareSection"

static void test_efi_pvscsi_two_nics(void **state)
{
	(void)state;
	char *dir = test_tmpdir(), *ovf;

	write_disk(dir);
	ovf = write_ovf(dir, &product, &efi_machine, FW_EFI);
	assert_validates(ovf);
	assert_xpath(ovf, "namespace-uri(/*)", "http://schemas.dmtf.org/ovf/envelope/1");
	assert_xpath(ovf, "/ovf:Envelope/ovf:VirtualSystem/@ovf:id", "jeos-test");
	assert_xpath(ovf, "/ovf:Envelope/ovf:VirtualSystem/ovf:Name", "jeos-test");
	assert_xpath(ovf, "/ovf:Envelope/ovf:VirtualSystem/ovf:ProductSection/ovf:Version", "1.2.3");
	assert_xpath(ovf, "/ovf:Envelope/ovf:VirtualSystem/ovf:ProductSection/ovf:Vendor", "Jane Doe");
	assert_xpath(ovf, "/ovf:Envelope/ovf:VirtualSystem/ovf:ProductSection/ovf:ProductUrl",
		     "https://example.org/jeos");
	assert_xpath(ovf, "/ovf:Envelope/ovf:VirtualSystem/ovf:AnnotationSection/ovf:Annotation",
		     "A test appliance");
	assert_xpath(ovf, "count(//ovf:EulaSection)", "0");
	assert_xpath(ovf, "/ovf:Envelope/ovf:VirtualSystem/ovf:OperatingSystemSection/@ovf:id", "96");
	assert_xpath(ovf, "/ovf:Envelope/ovf:VirtualSystem/ovf:OperatingSystemSection/@vmw:osType",
		     "debian12_64Guest");
	/* the package's one file and disk */
	assert_xpath(ovf, "/ovf:Envelope/ovf:References/ovf:File/@ovf:href", "disk.vmdk");
	assert_xpath(ovf, "/ovf:Envelope/ovf:References/ovf:File/@ovf:size", "4200");
	assert_xpath(ovf, "/ovf:Envelope/ovf:DiskSection/ovf:Disk/@ovf:capacity", "1073741824");
	assert_xpath(ovf, "/ovf:Envelope/ovf:DiskSection/ovf:Disk/@ovf:capacityAllocationUnits", "byte");
	assert_xpath(ovf, "/ovf:Envelope/ovf:DiskSection/ovf:Disk/@ovf:populatedSize", "4096");
	assert_xpath(ovf, "/ovf:Envelope/ovf:DiskSection/ovf:Disk/@ovf:format",
		     "http://www.vmware.com/interfaces/specifications/vmdk.html#streamOptimized");
	/* the hardware */
	assert_xpath(ovf, VHS "/ovf:System/vssd:VirtualSystemType", "vmx-17");
	assert_xpath(ovf, VHS "/ovf:System/vssd:VirtualSystemIdentifier", "jeos-test.amd64-1.2.3");
	assert_xpath(ovf, VHS "/ovf:Item[rasd:ResourceType=3]/rasd:VirtualQuantity", "2");
	assert_xpath(ovf, VHS "/ovf:Item[rasd:ResourceType=3]/rasd:AllocationUnits", "hertz * 10^6");
	assert_xpath(ovf, VHS "/ovf:Item[rasd:ResourceType=4]/rasd:VirtualQuantity", "2048");
	assert_xpath(ovf, VHS "/ovf:Item[rasd:ResourceType=4]/rasd:AllocationUnits", "byte * 2^20");
	assert_xpath(ovf, VHS "/ovf:Item[rasd:ResourceType=6]/rasd:ResourceSubType", "VirtualSCSI");
	assert_xpath(ovf, VHS "/ovf:Item[rasd:ResourceType=17]/rasd:HostResource", "ovf:/disk/vmdisk1");
	assert_xpath(ovf, VHS "/ovf:Item[rasd:ResourceType=17]/rasd:Parent = "
		     VHS "/ovf:Item[rasd:ResourceType=6]/rasd:InstanceID", "true");
	assert_xpath(ovf, "count(" VHS "/ovf:Item[rasd:ResourceType=10])", "2");
	assert_xpath(ovf, VHS "/ovf:Item[rasd:ResourceType=10][1]/rasd:ResourceSubType", "VmxNet3");
	assert_xpath(ovf, VHS "/ovf:Item[rasd:ResourceType=10][1]/rasd:Connection", "nat");
	assert_xpath(ovf, VHS "/ovf:Item[rasd:ResourceType=10][1]/rasd:Address", MAC);
	assert_xpath(ovf, VHS "/ovf:Item[rasd:ResourceType=10][2]/rasd:ResourceSubType", "E1000");
	assert_xpath(ovf, VHS "/ovf:Item[rasd:ResourceType=10][2]/rasd:Connection", "bridged");
	assert_xpath(ovf, "count(" VHS "/ovf:Item[rasd:ResourceType=10][2]/rasd:Address)", "0");
	assert_xpath(ovf, "count(/ovf:Envelope/ovf:NetworkSection/ovf:Network)", "2");
	assert_xpath(ovf, "/ovf:Envelope/ovf:NetworkSection/ovf:Network[1]/@ovf:name", "nat");
	assert_xpath(ovf, VHS "/vmw:Config[@vmw:key='firmware']/@vmw:value", "efi");
	free(ovf);
	test_rmrf(dir);
	free(dir);
}

static void test_defaults_without_machine(void **state)
{
	(void)state;
	char *dir = test_tmpdir(), *ovf;
	const struct recipe_machine absent = { .present = 0, .ncpus = 8 };

	write_disk(dir);
	ovf = write_ovf(dir, &product, &absent, FW_BIOS);
	assert_validates(ovf);
	assert_xpath(ovf, VHS "/ovf:System/vssd:VirtualSystemType", "vmx-14");
	assert_xpath(ovf, VHS "/ovf:Item[rasd:ResourceType=3]/rasd:VirtualQuantity", "1");
	assert_xpath(ovf, VHS "/ovf:Item[rasd:ResourceType=4]/rasd:VirtualQuantity", "1024");
	assert_xpath(ovf, VHS "/ovf:Item[rasd:ResourceType=6]/rasd:ResourceSubType", "lsilogic");
	assert_xpath(ovf, "count(" VHS "/ovf:Item[rasd:ResourceType=10])", "0");
	assert_xpath(ovf, "count(//ovf:NetworkSection)", "0");
	assert_xpath(ovf, VHS "/vmw:Config[@vmw:key='firmware']/@vmw:value", "bios");
	assert_xpath(ovf, "/ovf:Envelope/ovf:VirtualSystem/ovf:OperatingSystemSection/@ovf:id", "96");
	free(ovf);
	/* no machine at all is the same */
	ovf = write_ovf(dir, &product, NULL, FW_BIOS);
	assert_validates(ovf);
	assert_xpath(ovf, VHS "/ovf:Item[rasd:ResourceType=4]/rasd:VirtualQuantity", "1024");
	free(ovf);
	test_rmrf(dir);
	free(dir);
}

static void test_bios_ide_e1000(void **state)
{
	(void)state;
	char *dir = test_tmpdir(), *ovf;
	struct recipe_nic nic = { .driver = (char *)"e1000" }; /* no mode */
	struct recipe_machine m = {
		.present = 1, .memory_mib = 512, .ncpus = 1, .hw_version = 10,
		.guest_os = (char *)"ubuntu-64", .disk_controller = (char *)"ide",
		.nics = &nic, .nr_nics = 1,
	};
	const struct ovf_product bare = { .name = "bare" };

	write_disk(dir);
	ovf = write_ovf(dir, &bare, &m, FW_BIOS);
	assert_validates(ovf);
	assert_xpath(ovf, VHS "/ovf:System/vssd:VirtualSystemType", "vmx-10");
	assert_xpath(ovf, "count(" VHS "/ovf:Item[rasd:ResourceType=5])", "1");
	assert_xpath(ovf, "count(" VHS "/ovf:Item[rasd:ResourceType=5]/rasd:ResourceSubType)", "0");
	assert_xpath(ovf, VHS "/ovf:Item[rasd:ResourceType=17]/rasd:Parent = "
		     VHS "/ovf:Item[rasd:ResourceType=5]/rasd:InstanceID", "true");
	assert_xpath(ovf, VHS "/ovf:Item[rasd:ResourceType=10]/rasd:ResourceSubType", "E1000");
	assert_xpath(ovf, VHS "/ovf:Item[rasd:ResourceType=10]/rasd:Connection", OVF_DEFAULT_NETWORK);
	assert_xpath(ovf, "/ovf:Envelope/ovf:NetworkSection/ovf:Network/@ovf:name", OVF_DEFAULT_NETWORK);
	assert_xpath(ovf, VHS "/vmw:Config[@vmw:key='firmware']/@vmw:value", "bios");
	assert_xpath(ovf, "/ovf:Envelope/ovf:VirtualSystem/ovf:OperatingSystemSection/@ovf:id", "94");
	assert_xpath(ovf, "/ovf:Envelope/ovf:VirtualSystem/ovf:OperatingSystemSection/@vmw:osType",
		     "ubuntu64Guest");
	/* optional product fields and the annotation are left out */
	assert_xpath(ovf, "count(//ovf:AnnotationSection | //ovf:ProductSection/ovf:Vendor)", "0");
	free(ovf);

	/* sata, and another Linux */
	m.disk_controller = (char *)"sata";
	m.guest_os = (char *)"other5xlinux-64";
	ovf = write_ovf(dir, &bare, &m, FW_EFI);
	assert_validates(ovf);
	assert_xpath(ovf, VHS "/ovf:Item[rasd:ResourceType=20]/rasd:ResourceSubType", "vmware.sata.ahci");
	assert_xpath(ovf, "/ovf:Envelope/ovf:VirtualSystem/ovf:OperatingSystemSection/@ovf:id", "101");
	assert_xpath(ovf, "/ovf:Envelope/ovf:VirtualSystem/ovf:OperatingSystemSection/@vmw:osType",
		     "other5xLinux64Guest");
	free(ovf);

	/* a guest OS VMware has no name for in jeos's table */
	m.guest_os = (char *)"rhel9-64";
	ovf = write_ovf(dir, &bare, &m, FW_EFI);
	assert_xpath(ovf, "/ovf:Envelope/ovf:VirtualSystem/ovf:OperatingSystemSection/@ovf:id", "101");
	assert_xpath(ovf, "/ovf:Envelope/ovf:VirtualSystem/ovf:OperatingSystemSection/@vmw:osType",
		     "otherLinux64Guest");
	free(ovf);
	test_rmrf(dir);
	free(dir);
}

static void test_eula(void **state)
{
	(void)state;
	char *dir = test_tmpdir(), *ovf;
	struct ovf_product pr = product;
	const char *eula = "Terms & conditions:\n  1. <no warranty>\n  2. \"as is\"\n";

	pr.eula = eula;
	write_disk(dir);
	ovf = write_ovf(dir, &pr, &efi_machine, FW_EFI);
	assert_validates(ovf);
	assert_xpath(ovf, "/ovf:Envelope/ovf:VirtualSystem/ovf:EulaSection/ovf:License", eula);
	free(ovf);
	test_rmrf(dir);
	free(dir);
}

static void test_same_input_same_bytes(void **state)
{
	(void)state;
	char *dir = test_tmpdir(), *a, *b, *ta, *tb;

	write_disk(dir);
	a = write_ovf(dir, &product, &efi_machine, FW_EFI);
	ta = test_read_file(a);
	b = write_ovf(dir, &product, &efi_machine, FW_EFI);
	tb = test_read_file(b);
	assert_string_equal(ta, tb);
	free(a);
	free(b);
	free(ta);
	free(tb);
	test_rmrf(dir);
	free(dir);
}

static void expect_bad_machine(const struct recipe_machine *m, const char *want)
{
	char *dir = test_tmpdir(), *path = xasprintf("%s/x.ovf", dir);
	struct ovf_disk disk = { .href = "disk.vmdk", .file_size = 1, .capacity = 1 };
	struct ovf_options o = { .product = &product, .machine = m, .disk = &disk };
	struct jeos_error err = { 0 };

	assert_int_equal(ovf_write(path, &o, &err), -1);
	assert_int_equal(err.code, JEOS_EXIT_USAGE);
	if (!strstr(err.msg, want) || !strstr(err.msg, "expected"))
		fail_msg("expected \"%s\" and what was expected in: %s", want, err.msg);
	assert_int_equal(test_count_entries(dir), 0);
	free(path);
	test_rmrf(dir);
	free(dir);
}

static void test_bad_input(void **state)
{
	(void)state;
	struct recipe_nic nic = { .driver = (char *)"ne2000" };
	struct recipe_machine m = efi_machine;

	m.disk_controller = (char *)"floppy";
	expect_bad_machine(&m, "unknown disk controller 'floppy'");
	m.disk_controller = (char *)"lsilogic";
	m.nics = &nic;
	m.nr_nics = 1;
	expect_bad_machine(&m, "unknown driver 'ne2000'");
	nic.driver = (char *)"e1000";
	nic.mac = (char *)"00:50:56:01:02";
	expect_bad_machine(&m, "bad MAC address '00:50:56:01:02'");
}

/* x.ovf, x.mf and disk.vmdk in dir; returns the OVA's path. */
static char *make_package(const char *dir, const char *ova_name,
			  const char *const *extra, size_t nr_extra)
{
	const char *mf_files[] = { "x.ovf", "disk.vmdk" };
	const char *ova_files[8] = { "x.ovf", "x.mf", "disk.vmdk" };
	char *ovf, *mf = xasprintf("%s/x.mf", dir), *ova = xasprintf("%s/%s", dir, ova_name);
	struct jeos_error err = { 0 };

	write_disk(dir);
	ovf = write_ovf(dir, &product, &efi_machine, FW_EFI);
	if (ovf_write_manifest(mf, dir, mf_files, 2, OVF_DIGEST_SHA256, &err) < 0)
		fail_msg("ovf_write_manifest: %s", err.msg);
	for (size_t i = 0; i < nr_extra; i++)
		ova_files[3 + i] = extra[i];
	if (ova_write(ova, dir, ova_files, 3 + nr_extra, MTIME, &err) < 0)
		fail_msg("ova_write: %s", err.msg);
	free(ovf);
	free(mf);
	return ova;
}

static void test_manifest_matches_sha256sum_and_sha1sum(void **state)
{
	(void)state;
	char *dir = test_tmpdir(), *ovf, *mf = xasprintf("%s/x.mf", dir);
	const char *files[] = { "x.ovf", "disk.vmdk" };
	struct jeos_error err = { 0 };

	write_disk(dir);
	ovf = write_ovf(dir, &product, &efi_machine, FW_EFI);
	assert_int_equal(ovf_write_manifest(mf, dir, files, 2, OVF_DIGEST_SHA256, &err), 0);
	test_shf("cd '%s' && sha256sum x.ovf disk.vmdk | "
		 "sed 's/^\\([0-9a-f]*\\)  \\(.*\\)$/SHA256(\\2)= \\1/' | cmp - x.mf", dir);
	assert_int_equal(ovf_write_manifest(mf, dir, files, 2, OVF_DIGEST_SHA1, &err), 0);
	test_shf("cd '%s' && sha1sum x.ovf disk.vmdk | "
		 "sed 's/^\\([0-9a-f]*\\)  \\(.*\\)$/SHA1(\\2)= \\1/' | cmp - x.mf", dir);
	/* a file that is not there: an error naming it, the old manifest kept */
	files[1] = "missing.vmdk";
	assert_int_equal(ovf_write_manifest(mf, dir, files, 2, OVF_DIGEST_SHA256, &err), -1);
	assert_non_null(strstr(err.msg, "missing.vmdk"));
	test_shf("grep -q '^SHA1(disk.vmdk)= ' '%s'", mf);
	free(ovf);
	free(mf);
	test_rmrf(dir);
	free(dir);
}

static void test_ova_is_plain_ustar(void **state)
{
	(void)state;
	char *dir = test_tmpdir(), *ova = make_package(dir, "x.ova", NULL, 0);
	char *again = xasprintf("%s/again.ova", dir), *disk = xasprintf("%s/disk.vmdk", dir);
	const char *files[] = { "x.ovf", "x.mf", "disk.vmdk" };
	const char *want[] = { "x.ovf", "x.mf", "disk.vmdk" };
	struct archive *a = archive_read_new();
	struct archive_entry *ae;
	struct jeos_error err = { 0 };
	struct strbuf raw = STRBUF_INIT, raw2 = STRBUF_INIT;
	char *disk_data = test_read_file(disk);
	size_t n = 0;

	archive_read_support_format_tar(a);
	assert_int_equal(archive_read_open_filename(a, ova, 10240), ARCHIVE_OK);
	while (archive_read_next_header(a, &ae) == ARCHIVE_OK) {
		assert_true(n < 3);
		assert_string_equal(archive_entry_pathname(ae), want[n]);
		assert_int_equal(archive_format(a), ARCHIVE_FORMAT_TAR_USTAR);
		assert_int_equal(archive_entry_uid(ae), 0);
		assert_int_equal(archive_entry_gid(ae), 0);
		assert_string_equal(archive_entry_uname(ae), "root");
		assert_string_equal(archive_entry_gname(ae), "root");
		assert_int_equal(archive_entry_mode(ae), AE_IFREG | 0644);
		assert_int_equal(archive_entry_mtime(ae), MTIME);
		if (n == 2) {
			char buf[8192];
			la_ssize_t got = archive_read_data(a, buf, sizeof(buf));

			assert_int_equal(got, strlen(disk_data));
			assert_memory_equal(buf, disk_data, (size_t)got);
		}
		n++;
	}
	assert_int_equal(n, 3);
	archive_read_free(a);

	/* the bytes: a ustar magic, and the same archive from the same input */
	assert_int_equal(strbuf_read_file(&raw, ova), 0);
	assert_memory_equal(raw.buf + 257, "ustar\0" "00", 8);
	assert_int_equal(ova_write(again, dir, files, 3, MTIME, &err), 0);
	assert_int_equal(strbuf_read_file(&raw2, again), 0);
	assert_int_equal(raw.len, raw2.len);
	assert_memory_equal(raw.buf, raw2.buf, raw.len);

	/* a member too big for ustar: an error, and no archive left behind */
	test_shf("truncate -s 8G '%s/big.vmdk'", dir);
	files[2] = "big.vmdk";
	assert_int_equal(ova_write(again, dir, files, 3, MTIME, &err), -1);
	assert_non_null(strstr(err.msg, "big.vmdk has 8589934592 bytes"));
	test_shf("rm '%s' '%s/big.vmdk'", again, dir);
	assert_int_equal(test_count_entries(dir), 4);

	/* the descriptor comes first */
	files[0] = "x.mf";
	files[1] = "x.ovf";
	assert_int_equal(ova_write(again, dir, files, 3, MTIME, &err), -1);
	assert_non_null(strstr(err.msg, "first member must be the .ovf"));

	strbuf_release(&raw);
	strbuf_release(&raw2);
	free(disk_data);
	free(disk);
	free(again);
	free(ova);
	test_rmrf(dir);
	free(dir);
}

/* ovf_inspect's output, or NULL with err filled. */
static char *inspect(const char *path, struct jeos_error *err)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	int rc;

	assert_non_null(out);
	rc = ovf_inspect(path, out, err);
	fclose(out);
	if (rc == 0)
		return text;
	free(text);
	return NULL;
}

static void assert_contains(const char *text, const char *want)
{
	if (!strstr(text, want))
		fail_msg("expected \"%s\" in:\n%s", want, text);
}

/* The verdict on a package that does not check out: exit 1. */
static void expect_inspect_error(const char *path, const char *want)
{
	struct jeos_error err = { 0 };
	char *text = inspect(path, &err);

	if (text)
		fail_msg("%s checked out, expected an error with \"%s\":\n%s", path, want, text);
	assert_int_equal(err.code, JEOS_EXIT_FAILED);
	assert_contains(err.msg, want);
}

/* A package jeos refuses to read: exit 2, at once (a FIFO is never waited
 * on), and no secret from the host in the message. */
static void expect_inspect_refused(const char *path, const char *want)
{
	struct jeos_error err = { 0 };
	double t0 = now_seconds();
	char *text = inspect(path, &err);

	if (text)
		fail_msg("%s checked out, expected it refused with \"%s\":\n%s", path, want, text);
	assert_true(now_seconds() - t0 < 1.0);
	assert_int_equal(err.code, JEOS_EXIT_USAGE);
	assert_contains(err.msg, want);
	if (strstr(err.msg, "root:"))
		fail_msg("a host file leaked into: %s", err.msg);
}

static void test_inspect_ova(void **state)
{
	(void)state;
	char *dir = test_tmpdir(), *ova = make_package(dir, "x.ova", NULL, 0);
	char *bad = xasprintf("%s/tampered.ova", dir);
	struct jeos_error err = { 0 };
	struct strbuf raw = STRBUF_INIT;
	char *text = inspect(ova, &err), *hit;
	FILE *f;

	if (!text)
		fail_msg("ovf_inspect: %s", err.msg);
	assert_contains(text, "product:      jeos-test 1.2.3\n");
	assert_contains(text, "os:           Debian 64-bit (96, debian12_64Guest)\n");
	assert_contains(text, "cpus:         2\n");
	assert_contains(text, "memory:       2048 MiB\n");
	assert_contains(text, "firmware:     efi\n");
	assert_contains(text, "controller:   SCSI VirtualSCSI\n");
	assert_contains(text, "disk:         disk.vmdk, 1.0 GiB (1073741824 bytes)\n");
	assert_contains(text, "nic:          VmxNet3 on nat, mac " MAC "\n");
	assert_contains(text, "nic:          E1000 on bridged\n");
	assert_contains(text, "manifest:     x.mf, SHA256: 2 files match\n");
	free(text);

	/* one byte of the disk changed inside a copy of the OVA */
	assert_int_equal(strbuf_read_file(&raw, ova), 0);
	hit = memmem(raw.buf, raw.len, DISK_PATTERN, strlen(DISK_PATTERN));
	assert_non_null(hit);
	hit[100] ^= 1;
	f = fopen(bad, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(raw.buf, 1, raw.len, f), raw.len);
	assert_int_equal(fclose(f), 0);
	expect_inspect_error(bad, "disk.vmdk: SHA256 digest does not match x.mf");

	strbuf_release(&raw);
	free(bad);
	free(ova);
	test_rmrf(dir);
	free(dir);
}

static void test_inspect_ova_with_unlisted_file(void **state)
{
	(void)state;
	char *dir = test_tmpdir(), *notes = xasprintf("%s/notes.txt", dir);
	const char *extra[] = { "notes.txt" };
	char *ova;
	FILE *f = fopen(notes, "w");

	assert_non_null(f);
	fputs("not in the manifest\n", f);
	assert_int_equal(fclose(f), 0);
	ova = make_package(dir, "x.ova", extra, 1);
	expect_inspect_error(ova, "notes.txt is not in the manifest x.mf");
	free(ova);
	free(notes);
	test_rmrf(dir);
	free(dir);
}

static void test_inspect_ovf_beside_its_files(void **state)
{
	(void)state;
	char *dir = test_tmpdir(), *ova = make_package(dir, "x.ova", NULL, 0);
	char *ovf = xasprintf("%s/x.ovf", dir), *mf = xasprintf("%s/x.mf", dir);
	const char *only_ovf[] = { "x.ovf" };
	struct jeos_error err = { 0 };
	char *text = inspect(ovf, &err);

	if (!text)
		fail_msg("ovf_inspect: %s", err.msg);
	assert_contains(text, "cpus:         2\n");
	assert_contains(text, "manifest:     x.mf, SHA256: 2 files match\n");
	free(text);

	test_shf("printf x >> '%s/disk.vmdk'", dir);
	expect_inspect_error(ovf, "disk.vmdk: SHA256 digest does not match x.mf");
	assert_int_equal(ovf_write_manifest(mf, dir, only_ovf, 1, OVF_DIGEST_SHA1, &err), 0);
	expect_inspect_error(ovf, "disk.vmdk is not in the manifest x.mf");
	test_shf("rm '%s/disk.vmdk'", dir);
	expect_inspect_error(ovf, "disk.vmdk (in the descriptor's References) is missing");
	free(ovf);
	free(mf);
	free(ova);
	test_rmrf(dir);
	free(dir);
}

static void test_inspect_not_a_package(void **state)
{
	(void)state;
	char *dir = test_tmpdir(), *path = xasprintf("%s/junk.ova", dir);

	test_shf("echo 'just text' > '%s'", path);
	expect_inspect_refused(path, "not an OVA");
	free(path);
	path = xasprintf("%s/junk.ovf", dir);
	test_shf("echo '<Envelope xmlns=\"http://schemas.dmtf.org/ovf/envelope/2\"/>' > '%s'", path);
	expect_inspect_refused(path, "not an OVF 1.x descriptor");
	free(path);
	test_rmrf(dir);
	free(dir);
}

/* Only regular files in the package's directory are read: a FIFO (which
 * would block the read forever), a symlink, a path are refused. */
static void test_inspect_reads_only_regular_files_beside(void **state)
{
	(void)state;
	char *dir = test_tmpdir(), *ova = make_package(dir, "x.ova", NULL, 0);
	char *ovf = xasprintf("%s/x.ovf", dir), *fifo = xasprintf("%s/fifo.ova", dir);

	test_shf("cd '%s' && mv disk.vmdk disk.real && mkfifo disk.vmdk", dir);
	expect_inspect_refused(ovf, "disk.vmdk is not a regular file");
	test_shf("cd '%s' && rm disk.vmdk && ln -s /etc/passwd disk.vmdk", dir);
	expect_inspect_refused(ovf, "disk.vmdk is a symbolic link");
	test_shf("cd '%s' && rm disk.vmdk && mv disk.real disk.vmdk && mv x.mf x.mf.real && "
		 "mkfifo x.mf", dir);
	expect_inspect_refused(ovf, "x.mf is not a regular file");
	test_shf("cd '%s' && rm x.mf && mv x.mf.real x.mf && "
		 "sed -i 's|ovf:href=\"disk.vmdk\"|ovf:href=\"../../etc/passwd\"|' x.ovf", dir);
	expect_inspect_refused(ovf, "\"../../etc/passwd\" is not a file name in the package's "
			       "directory");
	test_shf("cd '%s' && sed -i 's|ovf:href=\"../../etc/passwd\"|ovf:href=\"/etc/passwd\"|' "
		 "x.ovf", dir);
	expect_inspect_refused(ovf, "\"/etc/passwd\" is not a file name");
	/* the package itself */
	test_shf("mkfifo '%s'", fifo);
	expect_inspect_refused(fifo, "fifo.ova is not a regular file");
	test_shf("cd '%s' && rm x.ovf && mkfifo x.ovf", dir);
	expect_inspect_refused(ovf, "x.ovf is not a regular file");
	free(fifo);
	free(ovf);
	free(ova);
	test_rmrf(dir);
	free(dir);
}

static void test_inspect_empty_manifest(void **state)
{
	(void)state;
	char *dir = test_tmpdir(), *ova = make_package(dir, "x.ova", NULL, 0);
	char *ovf = xasprintf("%s/x.ovf", dir);

	test_shf(": > '%s/x.mf'", dir);
	expect_inspect_refused(ovf, "the manifest x.mf is empty");
	test_shf("printf '\\n \\r\\n\\n' > '%s/x.mf'", dir);
	expect_inspect_refused(ovf, "the manifest x.mf lists no files");
	/* the same inside an OVA */
	test_shf("cd '%s' && : > x.mf && tar --format=ustar -cf empty-mf.ova x.ovf x.mf disk.vmdk",
		 dir);
	free(ova);
	ova = xasprintf("%s/empty-mf.ova", dir);
	expect_inspect_refused(ova, "the manifest x.mf is empty");
	free(ovf);
	free(ova);
	test_rmrf(dir);
	free(dir);
}

/* A descriptor with a DTD is refused before any entity is expanded or
 * loaded: nested entities (a billion laughs) and an external one. */
static void test_inspect_refuses_dtd(void **state)
{
	(void)state;
	char *dir = test_tmpdir(), *ova = make_package(dir, "x.ova", NULL, 0);
	char *ovf = xasprintf("%s/x.ovf", dir);
	char *orig = test_read_file(ovf);
	struct strbuf laughs = STRBUF_INIT;
	FILE *f;

	strbuf_addstr(&laughs, "<!DOCTYPE Envelope [<!ENTITY l0 \"lol\">");
	for (int i = 1; i < 10; i++)
		strbuf_addf(&laughs, "<!ENTITY l%d \"&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;"
			    "&l%d;\">", i, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1,
			    i - 1, i - 1);
	strbuf_addstr(&laughs, "]>\n");
	f = fopen(ovf, "w");
	assert_non_null(f);
	fputs(laughs.buf, f);
	fputs(strstr(orig, "<Envelope"), f);
	assert_int_equal(fclose(f), 0);
	test_shf("sed -i '0,/<Info>/s||<Info>\\&l9;|' '%s'", ovf);
	test_shf("grep -q '<Info>&l9;' '%s'", ovf);
	expect_inspect_refused(ovf, "x.ovf has a DTD (<!DOCTYPE>): refused");

	f = fopen(ovf, "w");
	assert_non_null(f);
	fputs("<?xml version=\"1.0\"?>\n<!DOCTYPE Envelope SYSTEM \"file:///etc/passwd\" "
	      "[<!ENTITY pw SYSTEM \"file:///etc/passwd\">]>\n", f);
	fputs(strstr(orig, "<Envelope"), f);
	assert_int_equal(fclose(f), 0);
	test_shf("sed -i '0,/<Info>/s||<Info>\\&pw;|' '%s'", ovf);
	expect_inspect_refused(ovf, "x.ovf has a DTD");
	strbuf_release(&laughs);
	free(orig);
	free(ovf);
	free(ova);
	test_rmrf(dir);
	free(dir);
}

/* An OVA's members yield no more than the archive holds: a sparse member
 * of 4 GiB in a 20 KiB archive is refused, not hashed for minutes. */
static void test_inspect_sparse_member_bounded(void **state)
{
	(void)state;
	char *dir = test_tmpdir(), *ova = make_package(dir, "x.ova", NULL, 0);
	char *sparse = xasprintf("%s/sparse.ova", dir);

	test_shf("cd '%s' && rm disk.vmdk && truncate -s 4G disk.vmdk && printf x | "
		 "dd of=disk.vmdk bs=1 seek=4000000000 conv=notrunc status=none && "
		 "tar --sparse --format=pax -cf sparse.ova x.ovf x.mf disk.vmdk", dir);
	expect_inspect_refused(sparse, "disk.vmdk yields more data than the archive holds");
	free(sparse);
	free(ova);
	test_rmrf(dir);
	free(dir);
}

/* Thousands of manifest lines or References are refused (the checks
 * compare them pairwise). */
static void test_inspect_too_many_files(void **state)
{
	(void)state;
	char *dir = test_tmpdir(), *ova = make_package(dir, "x.ova", NULL, 0);
	char *ovf = xasprintf("%s/x.ovf", dir);

	test_shf("cd '%s' && for i in $(seq 1100); do printf 'SHA256(f%%d)= %%064d\\n' $i 0; "
		 "done >> x.mf", dir);
	expect_inspect_refused(ovf, "x.mf lists over 1024 files");
	test_shf("cd '%s' && head -n 2 x.mf > x.mf.2 && mv x.mf.2 x.mf && "
		 "refs=$(for i in $(seq 1100); do printf '<File ovf:href=\"f%%d\" ovf:id=\"f%%d\"/>' "
		 "$i $i; done) && sed -i \"s|<References>|<References>$refs|\" x.ovf", dir);
	expect_inspect_refused(ovf, "x.ovf has 1101 File elements, over the 1024");
	free(ovf);
	free(ova);
	test_rmrf(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_efi_pvscsi_two_nics),
		cmocka_unit_test(test_defaults_without_machine),
		cmocka_unit_test(test_bios_ide_e1000),
		cmocka_unit_test(test_eula),
		cmocka_unit_test(test_same_input_same_bytes),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_manifest_matches_sha256sum_and_sha1sum),
		cmocka_unit_test(test_ova_is_plain_ustar),
		cmocka_unit_test(test_inspect_ova),
		cmocka_unit_test(test_inspect_ova_with_unlisted_file),
		cmocka_unit_test(test_inspect_ovf_beside_its_files),
		cmocka_unit_test(test_inspect_not_a_package),
		cmocka_unit_test(test_inspect_reads_only_regular_files_beside),
		cmocka_unit_test(test_inspect_empty_manifest),
		cmocka_unit_test(test_inspect_refuses_dtd),
		cmocka_unit_test(test_inspect_sparse_member_bounded),
		cmocka_unit_test(test_inspect_too_many_files),
	};
	return cmocka_run_group_tests_name("ovf", tests, NULL, NULL);
}
