/* Unit tests for recipe.c: the shipped recipes, Kiwi's own descriptions,
 * every kind of bad input (message and line), profiles and mirrors. */
#include "testutil.h"

#include <dirent.h>
#include <stdio.h>
#include <time.h>

#include "mirror.h"
#include "recipe.h"

#define KIWI_EXAMPLES SRCDIR "/../shared/reference/kiwi-examples"

/* A fake host root whose apt sources name the mirrors a Debian host has,
 * ".../debian" and, unless without_security, ".../debian-security". */
static char *apt_root;

static char *make_apt_root(int without_security)
{
	char *root = test_tmpdir();
	char *cmd = xasprintf("mkdir -p %s/etc/apt/sources.list.d && "
			      "printf 'Types: deb\\nURIs: http://mirror.invalid/debian\\n"
			      "Suites: trixie trixie-updates\\nComponents: main\\n%s' > %s/etc/apt/sources.list.d/debian.sources",
			      root, without_security ? "" :
			      "\\nTypes: deb\\nURIs: http://mirror.invalid/debian-security\\n"
			      "Suites: trixie-security\\nComponents: main\\n", root);
	test_sh(cmd);
	free(cmd);
	return root;
}

static int setup(void **state)
{
	(void)state;
	apt_root = make_apt_root(0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	test_rmrf(apt_root);
	free(apt_root);
	return 0;
}

/* Head of a valid recipe; LINE numbers in tests count from here. */
#define HEAD \
	"<?xml version=\"1.0\"?>\n"                                     /* 1 */ \
	"<image schemaversion=\"7.5\" name=\"t\" xmlns:jeos=\"urn:jeos:1\">\n" /* 2 */ \
	"<description type=\"system\"><author>a</author><contact>c</contact>" \
	"<specification>s</specification></description>\n"                   /* 3 */
#define PREFS \
	"<preferences><type image=\"oem\" filesystem=\"ext4\" format=\"qcow2\"/></preferences>\n"
#define REPO \
	"<repository type=\"apt-deb\" distribution=\"bookworm\"><source path=\"mirror://debian\"/></repository>\n"
#define TAIL "</image>\n"

static char *write_recipe(const char *dir, const char *name, const char *xml)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(xml, f);
	fclose(f);
	return path;
}

static int load(const char *xml, const char **profiles, struct recipe **r,
		struct jeos_error *err)
{
	char *dir = test_tmpdir();
	char *path = write_recipe(dir, "config.xml", xml);
	struct recipe_options opts = { .profiles = profiles, .apt_sources_root = apt_root };
	int rc = recipe_load(r, dir, &opts, err);
	free(path);
	test_rmrf(dir);
	free(dir);
	return rc;
}

/* The load must fail with exit code 2 and a message containing want. */
static void expect_error(const char *xml, const char *want)
{
	struct recipe *r = NULL;
	struct jeos_error err = { 0 };

	assert_int_equal(load(xml, NULL, &r, &err), -1);
	assert_null(r);
	assert_int_equal(err.code, JEOS_EXIT_USAGE);
	if (!strstr(err.msg, want))
		fail_msg("expected \"%s\" in:\n%s", want, err.msg);
}

static void test_shipped_recipes_validate(void **state)
{
	(void)state;
	DIR *d = opendir(SRCDIR "/recipes");
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d))) {
		struct recipe *r = NULL;
		struct jeos_error err = { 0 };
		struct recipe_options opts = { .apt_sources_root = apt_root };
		char *path;

		if (de->d_name[0] == '.')
			continue;
		path = xasprintf(SRCDIR "/recipes/%s", de->d_name);
		if (recipe_load(&r, path, &opts, &err) < 0)
			fail_msg("%s does not validate:\n%s", path, err.msg);
		assert_non_null(r->name);
		assert_true(r->nr_repos > 0);
		recipe_free(r);
		free(path);
		n++;
	}
	closedir(d);
	assert_true(n >= 1);
}

static void test_minimal_recipe_model(void **state)
{
	(void)state;
	struct recipe *r = NULL;
	struct jeos_error err = { 0 };
	struct recipe_options opts = { .apt_sources_root = apt_root };

	assert_int_equal(recipe_load(&r, SRCDIR "/recipes/minimal", &opts, &err), 0);
	assert_string_equal(r->name, "jeos-minimal");
	assert_string_equal(r->type.image, "oem");
	assert_int_equal(r->type.filesystem, FS_EXT4);
	assert_int_equal(r->type.firmware, FW_BIOS);
	assert_int_equal(r->type.bootloader, BL_EXTLINUX);
	assert_int_equal(r->type.formats, FMT_QCOW2);
	assert_int_equal(r->type.size_bytes, 0);
	assert_string_equal(r->repos[0].uri, "http://mirror.invalid/debian");
	assert_string_equal(r->repos[0].distribution, "trixie");
	assert_true(r->repos[0].gpgcheck);
	/* with its updates and security updates */
	assert_int_equal(r->nr_repos, 3);
	assert_string_equal(r->repos[1].distribution, "trixie-updates");
	assert_string_equal(r->repos[2].uri, "http://mirror.invalid/debian-security");
	assert_string_equal(r->repos[2].distribution, "trixie-security");
	assert_int_equal(r->nr_packages[PKGS_IMAGE], 2);
	assert_string_equal(r->packages[PKGS_IMAGE][0].name, "linux-image-cloud-amd64");
	assert_string_equal(r->packages[PKGS_IMAGE][1].name, "systemd-sysv");
	assert_string_equal(r->users[0].name, "root");
	assert_true(r->users[0].password_plain);
	assert_string_equal(r->hostname, "jeos");
	recipe_free(r);
}

/* Kiwi's own descriptions: rejected only for what jeos does not build. */
static void check_kiwi_example(const char *file, const char *const *want, size_t nr_want)
{
	struct recipe *r = NULL;
	struct jeos_error err = { 0 };
	struct recipe_options opts = { .apt_sources_root = apt_root };
	char *path = xasprintf(KIWI_EXAMPLES "/%s", file);
	size_t lines = 0;

	assert_int_equal(recipe_load(&r, path, &opts, &err), -1);
	for (char *line = err.msg; line && *line; lines++) {
		char *eol = strchr(line, '\n');
		if (!strstr(line, "error: unsupported by jeos: "))
			fail_msg("not an 'unsupported by jeos' error: %s", line);
		line = eol ? eol + 1 : NULL;
	}
	for (size_t i = 0; i < nr_want; i++)
		if (!strstr(err.msg, want[i]))
			fail_msg("expected \"%s\" in:\n%s", want[i], err.msg);
	assert_int_equal(lines, nr_want);
	free(path);
}

static void test_kiwi_debian_example(void **state)
{
	(void)state;
	static const char *const want[] = {
		".kiwi:20: error: unsupported by jeos: element <bootsplash-theme>",
		".kiwi:21: error: unsupported by jeos: element <bootloader-theme>",
		".kiwi:27: error: unsupported by jeos: image=\"iso\" on <type>",
		".kiwi:27: error: unsupported by jeos: attribute flags on <type>",
		".kiwi:27: error: unsupported by jeos: attribute hybridpersistent_filesystem on <type>",
		".kiwi:27: error: unsupported by jeos: attribute hybridpersistent on <type>",
		".kiwi:40: error: unsupported by jeos: attribute installiso on <type>",
		".kiwi:40: error: unsupported by jeos: attribute installboot on <type>",
		".kiwi:66: error: unsupported by jeos: repository source scheme obs://",
		".kiwi:69: error: unsupported by jeos: repository source scheme obs://",
		".kiwi:72: error: unsupported by jeos: repository source scheme obs://",
		".kiwi:75: error: unsupported by jeos: repository source scheme obs://",
		".kiwi:78: error: unsupported by jeos: repository source scheme obs://",
	};
	check_kiwi_example("debian-trixie_test-image-live-disk.appliance.kiwi", want,
			   sizeof(want) / sizeof(want[0]));
}

static void test_kiwi_ubuntu_example(void **state)
{
	(void)state;
	static const char *const want[] = {
		":20: error: unsupported by jeos: element <bootsplash-theme>",
		":21: error: unsupported by jeos: element <bootloader-theme>",
		":25: error: unsupported by jeos: image=\"iso\" on <type>",
		":25: error: unsupported by jeos: attribute flags on <type>",
		":25: error: unsupported by jeos: attribute hybridpersistent_filesystem on <type>",
		":25: error: unsupported by jeos: attribute hybridpersistent on <type>",
		":38: error: unsupported by jeos: attribute installiso on <type>",
		":38: error: unsupported by jeos: attribute installboot on <type>",
		":52: error: unsupported by jeos: repository source scheme obs://",
		":55: error: unsupported by jeos: repository source scheme obs://",
		":58: error: unsupported by jeos: repository source scheme obs://",
	};
	check_kiwi_example("ubuntu-resolute_test-image-live-disk.appliance.kiwi", want,
			   sizeof(want) / sizeof(want[0]));
}

static void test_malformed_xml(void **state)
{
	(void)state;
	expect_error(HEAD PREFS "<repository type=\"apt-deb\">\n</image>\n",
		     "config.xml:6: error: malformed XML: Opening and ending tag mismatch: repository line 5 and image");
}

static void test_unknown_element(void **state)
{
	(void)state;
	expect_error(HEAD PREFS REPO "<frobnicate/>\n" TAIL,
		     "config.xml:6: error: unknown element <frobnicate> in <image>");
}

static void test_unknown_attribute(void **state)
{
	(void)state;
	expect_error(HEAD "<preferences><type image=\"oem\" colour=\"blue\"/></preferences>\n" REPO TAIL,
		     "config.xml:4: error: unknown attribute colour on <type>");
}

static void test_unsupported_kiwi_element(void **state)
{
	(void)state;
	expect_error(HEAD PREFS REPO "<containerconfig name=\"x\"/>\n" TAIL,
		     "config.xml:6: error: unsupported by jeos: element <containerconfig>");
}

static void test_bad_enum_values(void **state)
{
	(void)state;
	expect_error(HEAD "<preferences><type image=\"oem\" filesystem=\"ext5\"/></preferences>\n" REPO TAIL,
		     "config.xml:4: error: invalid filesystem \"ext5\" on <type>: expected ext4, xfs or btrfs");
	expect_error(HEAD "<preferences><type image=\"oem\" format=\"qcow2,vhdz\"/></preferences>\n" REPO TAIL,
		     "config.xml:4: error: invalid format \"vhdz\" on <type>: expected raw, raw.zst, qcow2, vmdk, ovf or ova");
	expect_error(HEAD "<preferences><type image=\"oem\" firmware=\"coreboot\"/></preferences>\n" REPO TAIL,
		     "config.xml:4: error: invalid firmware \"coreboot\" on <type>: expected bios, efi or uefi");
	/* Kiwi knows these, jeos does not build them */
	expect_error(HEAD "<preferences><type image=\"oem\" filesystem=\"squashfs\"/></preferences>\n" REPO TAIL,
		     "config.xml:4: error: unsupported by jeos: filesystem=\"squashfs\" on <type>");
	expect_error(HEAD "<preferences><type image=\"oem\" format=\"vagrant\"/></preferences>\n" REPO TAIL,
		     "config.xml:4: error: unsupported by jeos: format=\"vagrant\" on <type>");
}

static void test_formats_and_machine(void **state)
{
	(void)state;
	struct recipe *r = NULL;
	struct jeos_error err;
	const char *xml = HEAD
		"<preferences><type image=\"oem\" format=\"qcow2, ova raw.zst\" "
		"formatoptions=\"compressed,cluster_size=2M,manifest=sha1\">\n"
		"<machine memory=\"2048\" ncpus=\"2\" HWversion=\"19\"><vmdisk controller=\"pvscsi\"/>"
		"<vmnic driver=\"vmxnet3\" interface=\"0\" mode=\"nat\"/><vmnic interface=\"1\"/>"
		"<jeos:hostdev type=\"pci\" address=\"0000:03:00.0\" driver=\"ixgbevf\"/>"
		"</machine></type></preferences>\n" REPO TAIL;

	if (load(xml, NULL, &r, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(r->type.formats, FMT_QCOW2 | FMT_OVA | FMT_RAW_ZST);
	assert_true(r->type.qcow2_compressed);
	assert_string_equal(r->type.qcow2_options, "cluster_size=2M");
	assert_true(r->type.manifest_sha1);
	assert_int_equal(r->machine.memory_mib, 2048);
	assert_int_equal(r->machine.hw_version, 19);
	assert_string_equal(r->machine.disk_controller, "pvscsi");
	assert_int_equal(r->machine.nr_nics, 2);
	/* a NIC without driver or mode: virtio on "bridged" */
	assert_string_equal(r->machine.nics[1].driver, "virtio");
	assert_string_equal(r->machine.nics[1].mode, "bridged");
	assert_int_equal(r->machine.nr_hostdevs, 1);
	assert_string_equal(r->machine.hostdevs[0].driver, "ixgbevf");
	recipe_free(r);

	expect_error(HEAD "<preferences><type image=\"oem\" formatoptions=\"fast\"/></preferences>\n" REPO TAIL,
		     "config.xml:4: error: invalid formatoptions entry \"fast\"");
	expect_error(HEAD "<preferences><type image=\"oem\"><machine memory=\"lots\"/></type></preferences>\n"
		     REPO TAIL, "config.xml:4: error: memory must be a number of MiB");
	expect_error(HEAD "<preferences><type image=\"oem\"><machine HWversion=\"3\"/></type></preferences>\n"
		     REPO TAIL, "config.xml:4: error: HWversion must be a VMware hardware version from 4 to 21");
	expect_error(HEAD "<preferences><type image=\"oem\"><machine><vmdisk controller=\"floppy\"/>"
		     "</machine></type></preferences>\n" REPO TAIL,
		     "config.xml:4: error: invalid controller \"floppy\" on <vmdisk>");
}

static void test_schema_structure(void **state)
{
	(void)state;
	/* <package> belongs inside <packages>: the RELAX NG schema says so */
	expect_error(HEAD PREFS REPO "<packages type=\"image\"><package/></packages>\n" TAIL,
		     "config.xml:6: error: schema: ");
	expect_error(HEAD "<preferences><type image=\"oem\"><size unit=\"M\">big</size></type></preferences>\n"
		     REPO TAIL, "config.xml:4: error: schema: ");
}

static void test_undefined_profile(void **state)
{
	(void)state;
	expect_error(HEAD "<profiles><profile name=\"a\" description=\"A\"/></profiles>\n" PREFS REPO
		     "<packages type=\"image\" profiles=\"a,b\"><package name=\"x\"/></packages>\n" TAIL,
		     "config.xml:7: error: undefined profile 'b' referenced by <packages> (defined: a)");
	/* and on the command line */
	struct recipe *r = NULL;
	struct jeos_error err = { 0 };
	const char *profiles[] = { "nope", NULL };
	assert_int_equal(load(HEAD PREFS REPO TAIL, profiles, &r, &err), -1);
	assert_non_null(strstr(err.msg, "--profile nope: no such profile"));
	assert_int_equal(err.code, JEOS_EXIT_USAGE);
}

static void test_includes(void **state)
{
	(void)state;
	char *dir = test_tmpdir();
	struct recipe *r = NULL;
	struct jeos_error err = { 0 };
	struct recipe_options opts = { .apt_sources_root = apt_root };
	char *a, *main_xml;

	/* a working include brings its packages in */
	a = write_recipe(dir, "pkgs.xml", "<image>\n<packages type=\"image\">\n<package name=\"vim\"/>\n"
			 "</packages>\n</image>\n");
	main_xml = write_recipe(dir, "config.xml", HEAD PREFS REPO "<include from=\"this://pkgs.xml\"/>\n" TAIL);
	assert_int_equal(recipe_load(&r, dir, &opts, &err), 0);
	assert_int_equal(r->nr_packages[PKGS_IMAGE], 1);
	assert_string_equal(r->packages[PKGS_IMAGE][0].name, "vim");
	recipe_free(r);
	free(main_xml);

	/* an error inside an included file names that file and its line */
	free(write_recipe(dir, "bad.xml", "<image>\n\n<bogus/>\n</image>\n"));
	main_xml = write_recipe(dir, "config.xml", HEAD PREFS REPO "<include from=\"this://bad.xml\"/>\n" TAIL);
	assert_int_equal(recipe_load(&r, dir, &opts, &err), -1);
	assert_non_null(strstr(err.msg, "bad.xml:3: error: unknown element <bogus> in <image>"));
	free(main_xml);

	/* a missing file */
	main_xml = write_recipe(dir, "config.xml", HEAD PREFS REPO "<include from=\"this://gone.xml\"/>\n" TAIL);
	assert_int_equal(recipe_load(&r, dir, &opts, &err), -1);
	assert_non_null(strstr(err.msg, "config.xml:6: error: include 'gone.xml' not found in the recipe directory"));
	assert_non_null(strstr(err.msg, "gone.xml"));
	free(main_xml);

	/* a loop: config.xml -> loop1.xml -> loop2.xml -> loop1.xml */
	free(write_recipe(dir, "loop1.xml", "<image>\n<include from=\"this://loop2.xml\"/>\n</image>\n"));
	free(write_recipe(dir, "loop2.xml", "<image>\n\n<include from=\"this://loop1.xml\"/>\n</image>\n"));
	main_xml = write_recipe(dir, "config.xml", HEAD PREFS REPO "<include from=\"this://loop1.xml\"/>\n" TAIL);
	assert_int_equal(recipe_load(&r, dir, &opts, &err), -1);
	if (!strstr(err.msg, "loop2.xml:3: error: include loop: ")) fail_msg("%s", err.msg);
	free(main_xml);
	free(a);
	test_rmrf(dir);
	free(dir);
}

static void test_user_without_name(void **state)
{
	(void)state;
	expect_error(HEAD PREFS REPO "<users>\n<user password=\"x\" pwdformat=\"plain\"/>\n</users>\n" TAIL,
		     "config.xml:7: error: <user> needs a name attribute");
}

static void test_plain_password_needs_pwdformat(void **state)
{
	(void)state;
	expect_error(HEAD PREFS REPO "<users>\n<user name=\"bob\" password=\"secret\"/>\n</users>\n" TAIL,
		     "config.xml:7: error: user bob: password is not a crypt(3) hash");
}

static void test_repository_without_source(void **state)
{
	(void)state;
	expect_error(HEAD PREFS "<repository type=\"apt-deb\" alias=\"x\" distribution=\"bookworm\"/>\n" TAIL,
		     "config.xml:5: error: <repository alias=x> has no <source path=\"...\"/>");
}

static void test_unknown_mirror(void **state)
{
	(void)state;
	expect_error(HEAD PREFS "<repository type=\"apt-deb\" distribution=\"jammy\">\n"
		     "<source path=\"mirror://ubuntu\"/></repository>\n" TAIL,
		     "config.xml:6: error: unknown mirror 'ubuntu': give --mirror ubuntu=URI");
}

/* A built kernel's source is the release's (distro.c) unless the recipe
 * names one; a release without a known default needs it named. */
static void test_kernel_source_per_release(void **state)
{
	(void)state;
	static const struct { const char *dist, *attrs, *want; } cases[] = {
		{ "bookworm", "", "linux-source-6.1" },
		{ "trixie", "", "linux-source-6.12" },
		{ "trixie-security", "", "linux-source-6.12" },
		{ "trixie", " source=\"linux-source-6.16\"", "linux-source-6.16" },
		{ "forky", " source=\"linux-source-6.18\"", "linux-source-6.18" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct recipe *r = NULL;
		struct jeos_error err = { 0 };
		char *xml = xasprintf(HEAD "<preferences><type image=\"oem\" filesystem=\"ext4\"/>"
				      "<jeos:kernel build=\"true\"%s/></preferences>\n"
				      "<repository type=\"apt-deb\" distribution=\"%s\"><source path=\"mirror://debian\"/>"
				      "</repository>\n" TAIL, cases[i].attrs, cases[i].dist);
		if (load(xml, NULL, &r, &err) < 0)
			fail_msg("%s: %s", cases[i].dist, err.msg);
		assert_string_equal(r->kernel.source, cases[i].want);
		recipe_free(r);
		free(xml);
	}
	expect_error(HEAD "<preferences><type image=\"oem\" filesystem=\"ext4\"/>\n"
		     "<jeos:kernel build=\"true\"/></preferences>\n"
		     "<repository type=\"apt-deb\" distribution=\"sid\"><source path=\"mirror://debian\"/>"
		     "</repository>\n" TAIL,
		     "config.xml:5: error: <jeos:kernel build=\"true\"> needs source=\"linux-source-X.Y\": "
		     "jeos knows no default kernel source for sid");
}

/* A host whose apt sources have no security archive: the error says how
 * to name one. */
static void test_unknown_security_mirror(void **state)
{
	(void)state;
	char *host = apt_root;

	apt_root = make_apt_root(1);
	expect_error(HEAD PREFS REPO "<repository type=\"apt-deb\" distribution=\"trixie-security\">\n"
		     "<source path=\"mirror://debian-security\"/></repository>\n" TAIL,
		     "config.xml:7: error: unknown mirror 'debian-security': give --mirror "
		     "debian-security=URI or set JEOS_MIRROR_DEBIAN_SECURITY (the host's apt sources offer: debian)");
	test_rmrf(apt_root);
	free(apt_root);
	apt_root = host;
}

static void test_mirror_override(void **state)
{
	(void)state;
	char *dir = test_tmpdir();
	char *path = write_recipe(dir, "config.xml", HEAD PREFS REPO TAIL);
	struct mirror_map m = { 0 };
	struct recipe_options opts = { .apt_sources_root = apt_root, .mirrors = &m };
	struct recipe *r = NULL;
	struct jeos_error err = { 0 };

	assert_int_equal(mirror_map_add(&m, "debian=file:///srv/debian/", &err), 0);
	assert_int_equal(recipe_load(&r, path, &opts, &err), 0);
	assert_string_equal(r->repos[0].uri, "file:///srv/debian");
	recipe_free(r);
	assert_int_equal(mirror_map_add(&m, "novalue", &err), -1);
	mirror_map_free(&m);
	free(path);
	test_rmrf(dir);
	free(dir);
}

static void test_profiles_select_type_and_packages(void **state)
{
	(void)state;
	const char *xml = HEAD
		"<profiles><profile name=\"small\" description=\"s\" import=\"true\"/>"
		"<profile name=\"vmware\" description=\"v\"/></profiles>\n"
		"<preferences profiles=\"small\"><type image=\"oem\" filesystem=\"ext4\" format=\"qcow2\"/></preferences>\n"
		"<preferences profiles=\"vmware\"><type image=\"oem\" filesystem=\"xfs\" format=\"vmdk,ova\" firmware=\"efi\"/></preferences>\n"
		REPO
		"<packages type=\"image\"><package name=\"base\"/></packages>\n"
		"<packages type=\"image\" profiles=\"vmware\"><package name=\"open-vm-tools\"/></packages>\n"
		"<packages type=\"delete\" profiles=\"small\"><package name=\"man-db\"/></packages>\n"
		TAIL;
	struct recipe *r = NULL;
	struct jeos_error err = { 0 };
	const char *vmware[] = { "vmware", NULL };

	/* default: the import="true" profile */
	assert_int_equal(load(xml, NULL, &r, &err), 0);
	assert_string_equal(r->profiles[0], "small");
	assert_int_equal(r->type.filesystem, FS_EXT4);
	assert_int_equal(r->type.formats, FMT_QCOW2);
	assert_int_equal(r->nr_packages[PKGS_IMAGE], 1);
	assert_int_equal(r->nr_packages[PKGS_DELETE], 1);
	recipe_free(r);

	assert_int_equal(load(xml, vmware, &r, &err), 0);
	assert_string_equal(r->profiles[0], "vmware");
	assert_int_equal(r->type.filesystem, FS_XFS);
	assert_int_equal(r->type.formats, FMT_VMDK | FMT_OVA);
	assert_int_equal(r->type.firmware, FW_EFI);
	/* base, open-vm-tools, then grub2's EFI packages (EFI's default bootloader) */
	assert_int_equal(r->nr_packages[PKGS_IMAGE], 4);
	assert_string_equal(r->packages[PKGS_IMAGE][1].name, "open-vm-tools");
	assert_int_equal(r->nr_packages[PKGS_DELETE], 0);
	recipe_free(r);
}

static void test_machine_checks(void **state)
{
	(void)state;
	expect_error(HEAD "<preferences><type image=\"oem\"><machine memory=\"lots\"/></type></preferences>\n" REPO TAIL,
		     "config.xml:4: error: memory must be a number of MiB");
	expect_error(HEAD "<preferences><type image=\"oem\"><machine HWversion=\"99\"/></type></preferences>\n" REPO TAIL,
		     "config.xml:4: error: HWversion must be a VMware hardware version from 4 to 21");
	expect_error(HEAD "<preferences><type image=\"oem\"><machine><vmdisk controller=\"floppy\"/></machine></type></preferences>\n" REPO TAIL,
		     "config.xml:4: error: invalid controller \"floppy\" on <vmdisk>");
	expect_error(HEAD "<preferences><type image=\"oem\"><machine><vmnic driver=\"ne2000\" interface=\"0\"/></machine></type></preferences>\n" REPO TAIL,
		     "config.xml:4: error: invalid driver \"ne2000\" on <vmnic>");
}

static void test_schemaversion_and_namedcollection(void **state)
{
	(void)state;
	expect_error("<?xml version=\"1.0\"?>\n<image schemaversion=\"6.2\" name=\"t\">\n" PREFS REPO TAIL,
		     "config.xml:2: error: schemaversion \"6.2\" is not supported: jeos reads 7.4 to 8.x");
	expect_error(HEAD PREFS REPO "<packages type=\"image\">\n<namedCollection name=\"base\"/>\n</packages>\n" TAIL,
		     "config.xml:7: error: namedCollection 'base': apt has no package patterns");
}

static void test_bootloader_defaults_and_packages(void **state)
{
	(void)state;
	struct recipe *r = NULL;
	struct jeos_error err = { 0 };

	/* no <bootloader>, BIOS: extlinux, nothing added to the image */
	assert_int_equal(load(HEAD PREFS REPO TAIL, NULL, &r, &err), 0);
	assert_int_equal(r->type.bootloader, BL_EXTLINUX);
	assert_int_equal(r->nr_packages[PKGS_IMAGE], 0);
	recipe_free(r);
	/* EFI defaults to grub2 */
	assert_int_equal(load(HEAD "<preferences><type image=\"oem\" firmware=\"efi\"/></preferences>\n"
			      REPO TAIL, NULL, &r, &err), 0);
	assert_int_equal(r->type.bootloader, BL_GRUB2);
	assert_int_equal(r->nr_packages[PKGS_IMAGE], 2);
	assert_string_equal(r->packages[PKGS_IMAGE][0].name, "grub-efi-amd64-bin");
	recipe_free(r);
	/* grub2 on BIOS brings its packages, once */
	assert_int_equal(load(HEAD "<preferences><type image=\"oem\"><bootloader name=\"grub2\"/></type></preferences>\n"
			      REPO "<packages type=\"image\"><package name=\"grub2-common\"/></packages>\n"
			      TAIL, NULL, &r, &err), 0);
	assert_int_equal(r->type.bootloader, BL_GRUB2);
	assert_int_equal(r->nr_packages[PKGS_IMAGE], 2);
	assert_string_equal(r->packages[PKGS_IMAGE][0].name, "grub2-common");
	assert_string_equal(r->packages[PKGS_IMAGE][1].name, "grub-pc-bin");
	recipe_free(r);
}

/* An arch list is kept as written; the solver decides (a list naming
 * x86_64 among others must not be dropped here). */
static void test_package_arch_kept(void **state)
{
	(void)state;
	struct recipe *r = NULL;
	struct jeos_error err = { 0 };

	assert_int_equal(load(HEAD PREFS REPO "<packages type=\"image\">"
			      "<package name=\"a\" arch=\"x86_64,aarch64\"/><package name=\"b\" arch=\"aarch64\"/>"
			      "<package name=\"c\"/></packages>\n" TAIL, NULL, &r, &err), 0);
	assert_int_equal(r->nr_packages[PKGS_IMAGE], 3);
	assert_string_equal(r->packages[PKGS_IMAGE][0].arch, "x86_64,aarch64");
	assert_string_equal(r->packages[PKGS_IMAGE][1].arch, "aarch64");
	assert_null(r->packages[PKGS_IMAGE][2].arch);
	recipe_free(r);
}

/* Every hostile value is refused at validate time, at its line, saying
 * what the value may be. */
static void test_hostile_values_refused(void **state)
{
	(void)state;
	static const struct { const char *prefs, *type_attrs, *sections, *want; } cases[] = {
		{ "<timezone>UTC; touch /tmp/pwned</timezone>", "", "", "config.xml:4: error: invalid <timezone> \"UTC; touch /tmp/pwned\": expected a tzdata zone name" },
		{ "<timezone>../../etc/shadow</timezone>", "", "", "config.xml:4: error: invalid <timezone>" },
		{ "<timezone>Europe/../../etc</timezone>", "", "", "config.xml:4: error: invalid <timezone>" },
		{ "<timezone>$(reboot)</timezone>", "", "", "config.xml:4: error: invalid <timezone>" },
		{ "<locale>en_US'$(id)'</locale>", "", "", "config.xml:4: error: invalid <locale> \"en_US'$(id)'\": expected a locale name" },
		{ "<locale>C.UTF-8&#10;x</locale>", "", "", "config.xml:4: error: invalid <locale> \"C.UTF-8\\x0ax\"" },
		{ "<keytable>us' ; reboot #</keytable>", "", "", "config.xml:4: error: invalid <keytable> \"us' ; reboot #\": expected a console keymap name" },
		{ "<keytable>../x</keytable>", "", "", "config.xml:4: error: invalid <keytable>" },
		{ "<jeos:hostname>a;b</jeos:hostname>", "", "", "config.xml:4: error: invalid <jeos:hostname> \"a;b\": expected a host name (RFC 1123" },
		{ "<jeos:hostname>-x</jeos:hostname>", "", "", "config.xml:4: error: invalid <jeos:hostname>" },
		{ "<jeos:hostname>a..b</jeos:hostname>", "", "", "config.xml:4: error: invalid <jeos:hostname>" },
		{ "<version>../../x</version>", "", "", "config.xml:4: error: invalid <version> \"../../x\"" },
		{ "", "kernelcmdline=\"quiet&quot; $(touch /x) &quot;\"", "", "config.xml:4: error: invalid kernelcmdline \"quiet\" $(touch /x) \"\": expected kernel parameters" },
		{ "", "kernelcmdline=\"quiet&#10;EOF&#10;touch /x\"", "", "config.xml:4: error: invalid kernelcmdline \"quiet\\x0aEOF\\x0atouch /x\"" },
		{ "", "kernelcmdline=\"a;reboot\"", "", "config.xml:4: error: invalid kernelcmdline" },
		{ "", "kernelcmdline=\"`id`\"", "", "config.xml:4: error: invalid kernelcmdline" },
		{ "", "kernelcmdline=\"a\\b\"", "", "config.xml:4: error: invalid kernelcmdline" },
		{ "", "kernelcmdline=\"a'b\"", "", "config.xml:4: error: invalid kernelcmdline" },
		{ "", "", "<users><user name=\"x'y\"/></users>", "config.xml:6: error: invalid user name \"x'y\": expected a lower-case letter" },
		{ "", "", "<users><user name=\"-o\"/></users>", "config.xml:6: error: invalid user name" },
		{ "", "", "<users><user name=\"u\" home=\"home\"/></users>", "config.xml:6: error: invalid home \"home\": expected an absolute path" },
		{ "", "", "<users><user name=\"u\" home=\"/h:x\"/></users>", "config.xml:6: error: invalid home" },
		{ "", "", "<users><user name=\"u\" shell=\"/bin/sh;x\"/></users>", "config.xml:6: error: invalid shell" },
		{ "", "", "<users><user name=\"u\" groups=\"a b\"/></users>", "config.xml:6: error: invalid groups \"a b\": expected group names" },
		{ "", "", "<users><user name=\"u\" groups=\"wheel,$(id)\"/></users>", "config.xml:6: error: invalid groups" },
		{ "", "", "<users><user name=\"u\" realname=\"a:b\"/></users>", "config.xml:6: error: invalid realname \"a:b\": expected text without ':'" },
		{ "", "", "<users><user name=\"u\" realname=\"a&#10;b\"/></users>", "config.xml:6: error: invalid realname" },
		{ "", "", "<users><user name=\"u\" password=\"$6$a:b\"/></users>", "config.xml:6: error: user u: password is not a crypt(3) hash" },
		{ "", "", "<users><user name=\"u\" id=\"4294967295\"/></users>", "config.xml:6: error: user u: id must be a number from 0 to 4294967294, got '4294967295'" },
		{ "", "", "<users><user name=\"u\" id=\"99999999999999999999\"/></users>", "config.xml:6: error: user u: id must be a number" },
		{ "", "", "<packages type=\"delete\"><package name=\"-oAPT::Update=x\"/></packages>", "config.xml:6: error: invalid package name \"-oAPT::Update=x\"" },
		{ "", "", "<jeos:overlay name=\"..\"/>", "config.xml:6: error: invalid overlay name \"..\": expected the name of a directory of overlays/" },
		{ "", "", "<jeos:overlay name=\".git\"/>", "config.xml:6: error: invalid overlay name" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *xml = xasprintf(HEAD "<preferences>%s<type image=\"oem\" %s/></preferences>\n"
				      REPO "%s\n" TAIL, cases[i].prefs, cases[i].type_attrs,
				      cases[i].sections);
		expect_error(xml, cases[i].want);
		free(xml);
	}
}

/* Numbers: one checked parser with ranges; no overflow, no wrap. */
static void test_numbers_in_range(void **state)
{
	(void)state;
	struct recipe *r = NULL;
	struct jeos_error err = { 0 };

	expect_error(HEAD "<preferences><type image=\"oem\"><size unit=\"G\">99999999999999999</size>"
		     "</type></preferences>\n" REPO TAIL,
		     "config.xml:4: error: <size> must be a whole number of GiB from 1 to 16384 (16 TiB)");
	expect_error(HEAD "<preferences><type image=\"oem\"><size unit=\"G\">17179869184</size>"
		     "</type></preferences>\n" REPO TAIL, "config.xml:4: error: <size> must be");
	expect_error(HEAD "<preferences><type image=\"oem\"><size>16777217</size>"
		     "</type></preferences>\n" REPO TAIL, "config.xml:4: error: <size> must be a whole number of MiB");
	expect_error(HEAD PREFS "<repository type=\"apt-deb\" distribution=\"bookworm\" priority=\"4294967297\">"
		     "<source path=\"mirror://debian\"/></repository>\n" TAIL,
		     "config.xml:5: error: repository repo1: priority must be a whole number from -32768 to 32767");
	expect_error(HEAD PREFS "<repository type=\"apt-deb\" distribution=\"bookworm\" priority=\"-32769\">"
		     "<source path=\"mirror://debian\"/></repository>\n" TAIL,
		     "config.xml:5: error: repository repo1: priority must be");
	expect_error(HEAD "<preferences><type image=\"oem\"><bootloader name=\"grub2\" timeout=\"4294967306\"/>"
		     "</type></preferences>\n" REPO TAIL,
		     "config.xml:4: error: <bootloader timeout> must be a number of seconds from 0 to 3599");
	expect_error(HEAD "<preferences><type image=\"oem\"><machine memory=\"18446744073709551617\"/>"
		     "</type></preferences>\n" REPO TAIL, "config.xml:4: error: memory must be a number of MiB");

	/* the largest of each is still taken, exactly */
	assert_int_equal(load(HEAD "<preferences><type image=\"oem\"><size unit=\"G\">16384</size>"
			      "</type></preferences>\n"
			      "<repository type=\"apt-deb\" distribution=\"bookworm\" priority=\"-32768\">"
			      "<source path=\"mirror://debian\"/></repository>\n"
			      "<users><user name=\"u\" id=\"4294967294\"/></users>\n" TAIL, NULL, &r, &err), 0);
	assert_true(r->type.size_bytes == 16ull << 40);
	assert_int_equal(r->repos[0].priority, -32768);
	assert_true(r->users[0].id == 4294967294l);
	recipe_free(r);
}

/* What a real appliance writes passes, and comes out as written. */
static void test_ordinary_values_accepted(void **state)
{
	(void)state;
	static const char *const zones[] = { "UTC", "Europe/Berlin", "Etc/GMT+5",
					     "America/Argentina/Buenos_Aires", NULL };
	struct recipe *r = NULL;
	struct jeos_error err = { 0 };

	for (const char *const *z = zones; *z; z++) {
		char *xml = xasprintf(HEAD "<preferences><timezone>%s</timezone>"
				      "<type image=\"oem\"/></preferences>\n" REPO TAIL, *z);
		if (load(xml, NULL, &r, &err) < 0)
			fail_msg("%s refused: %s", *z, err.msg);
		assert_string_equal(r->timezone, *z);
		recipe_free(r);
		free(xml);
	}
	assert_int_equal(load(HEAD "<preferences><locale>sr_RS.UTF-8@latin</locale>"
			      "<keytable>de-latin1-nodeadkeys</keytable>"
			      "<jeos:hostname>web-1.example.com</jeos:hostname><version>2.1.0~rc1</version>"
			      "<type image=\"oem\" kernelcmdline=\"console=ttyS0,115200n8 quiet net.ifnames=0 "
			      "acpi_osi=!Linux\"/></preferences>\n" REPO
			      "<users><user name=\"demo\" id=\"1000\" home=\"/home/demo\" shell=\"/bin/bash\" "
			      "groups=\"sudo,adm\" realname=\"D\xc3\xabmo User, room 1\" "
			      "password=\"$6$rounds=5000$salt$hash.Vx/Y\"/></users>\n"
			      "<packages type=\"image\"><package name=\"libstdc++6\"/></packages>\n" TAIL,
			      NULL, &r, &err), 0);
	assert_string_equal(r->locale, "sr_RS.UTF-8@latin");
	assert_string_equal(r->keytable, "de-latin1-nodeadkeys");
	assert_string_equal(r->hostname, "web-1.example.com");
	assert_string_equal(r->type.kernelcmdline, "console=ttyS0,115200n8 quiet net.ifnames=0 acpi_osi=!Linux");
	assert_string_equal(r->users[0].realname, "D\xc3\xabmo User, room 1");
	assert_int_equal(r->users[0].id, 1000);
	recipe_free(r);
}

/* A recipe directory with extra files; the recipe is DIR/r/config.xml and
 * DIR/outside.xml lies beside it. */
static char *make_recipe_dir(void)
{
	char *dir = test_tmpdir();
	test_shf("cd %s && mkdir -p r/sub/tree outside-tree && echo secret > outside.txt && "
		 "printf '<image/>\\n' > outside.xml && echo x > r/sub/file.tar && "
		 "printf '<image/>\\n' > r/sub/in.xml", dir);
	return dir;
}

static void expect_error_in(const char *dir, const char *xml, const char *want)
{
	char *rdir = xasprintf("%s/r", dir);
	char *path = write_recipe(rdir, "config.xml", xml);
	struct recipe_options opts = { .apt_sources_root = apt_root };
	struct recipe *r = NULL;
	struct jeos_error err = { 0 };

	assert_int_equal(recipe_load(&r, rdir, &opts, &err), -1);
	assert_null(r);
	assert_int_equal(err.code, JEOS_EXIT_USAGE);
	if (!strstr(err.msg, want))
		fail_msg("expected \"%s\" in:\n%s", want, err.msg);
	free(path);
	free(rdir);
}

/* No path a recipe names leads out of its directory, links included. */
static void test_paths_stay_in_recipe_dir(void **state)
{
	(void)state;
	char *dir = make_recipe_dir();
	char *rdir = xasprintf("%s/r", dir);
	struct recipe_options opts = { .apt_sources_root = apt_root };
	struct recipe *r = NULL;
	struct jeos_error err = { 0 };

	expect_error_in(dir, HEAD PREFS REPO "<packages type=\"image\"><archive name=\"../../../../etc/hostname\"/></packages>\n" TAIL,
			"config.xml:6: error: archive '../../../../etc/hostname' is /etc/hostname, outside the recipe directory");
	expect_error_in(dir, HEAD PREFS REPO "<packages type=\"image\"><archive name=\"../outside.txt\"/></packages>\n" TAIL,
			"config.xml:6: error: archive '../outside.txt' is ");
	expect_error_in(dir, HEAD PREFS REPO "<include from=\"this://../outside.xml\"/>\n" TAIL,
			"config.xml:6: error: include '../outside.xml' is ");
	expect_error_in(dir, HEAD PREFS REPO "<include from=\"this://sub/../../outside.xml\"/>\n" TAIL,
			"config.xml:6: error: include 'sub/../../outside.xml' is ");
	/* a link inside the directory that leads out */
	test_shf("ln -s ../outside.txt %s/r/link.tar && ln -s ../../outside.xml %s/r/sub/link.xml", dir, dir);
	expect_error_in(dir, HEAD PREFS REPO "<packages type=\"image\"><archive name=\"link.tar\"/></packages>\n" TAIL,
			"config.xml:6: error: archive 'link.tar' is ");
	expect_error_in(dir, HEAD PREFS REPO "<include from=\"this://sub/link.xml\"/>\n" TAIL,
			"config.xml:6: error: include 'sub/link.xml' is ");
	expect_error_in(dir, HEAD PREFS "<repository type=\"apt-deb\" distribution=\"bookworm\">"
			"<source path=\"mirror://debian\"><signing key=\"this://../outside.txt\"/></source>"
			"</repository>\n" TAIL, "config.xml:5: error: keyring '../outside.txt' is ");
	expect_error_in(dir, HEAD PREFS "<repository type=\"apt-deb\" distribution=\"bookworm\">"
			"<source path=\"this://../outside-tree\"/></repository>\n" TAIL,
			"config.xml:5: error: repository '../outside-tree' is ");
	expect_error_in(dir, HEAD "<preferences><jeos:kernel build=\"true\" config=\"base,../outside.config\"/>"
			"<type image=\"oem\"/></preferences>\n" REPO TAIL,
			"config.xml:4: error: kernel config fragment '../outside.config'");
	/* root/, config.sh or the license file as links out of the directory */
	test_shf("ln -s ../outside-tree %s/r/root", dir);
	expect_error_in(dir, HEAD PREFS REPO TAIL, "config.xml:2: error: recipe file 'root' is ");
	test_shf("rm %s/r/root && ln -s ../outside.txt %s/r/config.sh", dir, dir);
	expect_error_in(dir, HEAD PREFS REPO TAIL, "config.xml:2: error: recipe file 'config.sh' is ");
	test_shf("rm %s/r/config.sh && ln -s ../outside.txt %s/r/EULA", dir, dir);
	expect_error_in(dir, "<?xml version=\"1.0\"?>\n<image schemaversion=\"7.5\" name=\"t\">\n"
			"<description type=\"system\"><author>a</author><contact>c</contact>"
			"<specification>s</specification>\n<license>EULA</license></description>\n"
			PREFS REPO TAIL, "config.xml:4: error: license file 'EULA' is ");

	/* inside, they are followed: root/ is taken from the tree it names */
	test_shf("rm %s/r/EULA && ln -s sub/tree %s/r/root && ln -s sub/file.tar %s/r/a.tar", dir, dir, dir);
	free(write_recipe(rdir, "config.xml", HEAD PREFS REPO
			  "<packages type=\"image\"><archive name=\"a.tar\"/></packages>\n"
			  "<include from=\"this://sub/in.xml\"/>\n" TAIL));
	if (recipe_load(&r, rdir, &opts, &err) < 0)
		fail_msg("%s", err.msg);
	assert_non_null(r->root_overlay);
	assert_true(str_has_suffix(r->root_overlay, "/r/sub/tree"));
	recipe_free(r);
	test_rmrf(dir);
	free(rdir);
	free(dir);
}

/* No DTD, so no entity: an attribute is read whole, and what the schema
 * validated is what jeos uses. */
static void test_dtd_refused_attributes_whole(void **state)
{
	(void)state;
	struct recipe *r = NULL;
	struct jeos_error err = { 0 };
	double start;

	expect_error("<?xml version=\"1.0\"?>\n<!DOCTYPE image [ <!ENTITY pw \"secret\"> ]>\n"
		     "<image schemaversion=\"7.5\" name=\"t\"><users><user name=\"root\" "
		     "password=\"a&pw;b\" pwdformat=\"plain\"/></users></image>\n",
		     "config.xml:2: error: a DTD (<!DOCTYPE ...>) is not allowed");
	expect_error("<?xml version=\"1.0\"?>\n<!DOCTYPE image SYSTEM \"file:///etc/passwd\">\n"
		     "<image schemaversion=\"7.5\" name=\"t\"/>\n", "config.xml:2: error: a DTD");
	/* predefined and character references are part of the one value */
	assert_int_equal(load(HEAD PREFS REPO "<users><user name=\"root\" pwdformat=\"plain\" "
			      "password=\"a&amp;b&lt;c&#65;d\" realname=\"Tom &amp; Jerry\"/></users>\n" TAIL,
			      NULL, &r, &err), 0);
	assert_string_equal(r->users[0].password, "a&b<cAd");
	assert_string_equal(r->users[0].realname, "Tom & Jerry");
	recipe_free(r);

	/* a billion laughs, and a quadratic blow-up: refused at once */
	struct strbuf xml = STRBUF_INIT;
	strbuf_addstr(&xml, "<?xml version=\"1.0\"?>\n<!DOCTYPE image [\n<!ENTITY l0 \"ha\">\n");
	for (int i = 1; i < 10; i++)
		strbuf_addf(&xml, "<!ENTITY l%d \"&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;\">\n",
			    i, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1);
	strbuf_addstr(&xml, "]>\n<image schemaversion=\"7.5\" name=\"&l9;\"/>\n");
	start = now_seconds();
	expect_error(xml.buf, "config.xml:2: error: a DTD");
	assert_true(now_seconds() - start < 1.0);
	strbuf_reset(&xml);
	strbuf_addstr(&xml, "<?xml version=\"1.0\"?>\n<!DOCTYPE image [<!ENTITY x \"");
	for (int i = 0; i < 30000; i++)
		strbuf_addch(&xml, 'x');
	strbuf_addstr(&xml, "\">]>\n<image schemaversion=\"7.5\" name=\"t\" id=\"");
	for (int i = 0; i < 20000; i++)
		strbuf_addstr(&xml, "&x;");
	strbuf_addstr(&xml, "\"/>\n");
	start = now_seconds();
	expect_error(xml.buf, "config.xml:2: error: a DTD");
	assert_true(now_seconds() - start < 1.0);
	strbuf_release(&xml);
}

/* CPU seconds this process has used */
static double cpu_seconds(void)
{
	return (double)clock() / CLOCKS_PER_SEC;
}

/* A recipe's size, its includes and its elements are bounded, so that
 * validation takes well under a second whatever the recipe. */
static void test_recipe_bounded(void **state)
{
	(void)state;
	char *dir = make_recipe_dir();
	char *rdir = xasprintf("%s/r", dir);
	struct strbuf xml = STRBUF_INIT;
	struct recipe *r = NULL;
	struct jeos_error err = { 0 };
	double start;

	/* 4 MiB is fine, one byte more is not */
	strbuf_addstr(&xml, HEAD PREFS REPO "<!--");
	while (xml.len < (4u << 20) - strlen("-->" TAIL))
		strbuf_addch(&xml, 'x');
	strbuf_addstr(&xml, "-->" TAIL);
	assert_int_equal(xml.len, 4u << 20);
	assert_int_equal(load(xml.buf, NULL, &r, &err), 0);
	recipe_free(r);
	strbuf_reset(&xml);
	strbuf_addstr(&xml, HEAD PREFS REPO "<!--");
	while (xml.len < (4u << 20) + 1 - strlen("-->" TAIL))
		strbuf_addch(&xml, 'x');
	strbuf_addstr(&xml, "-->" TAIL);
	expect_error(xml.buf, "config.xml: a recipe and its includes may be 4 MiB together at most");

	/* includes nested deeper than 8 */
	for (int i = 0; i < 10; i++) {
		char *name = xasprintf("i%d.xml", i);
		char *text = xasprintf("<image>\n<include from=\"this://i%d.xml\"/>\n</image>\n", i + 1);
		free(write_recipe(rdir, name, i < 9 ? text : "<image/>\n"));
		free(name);
		free(text);
	}
	expect_error_in(dir, HEAD PREFS REPO "<include from=\"this://i0.xml\"/>\n" TAIL,
			"i7.xml:2: error: more than 256 includes, or nested more than 8 deep");
	/* a million includes (a.xml includes b.xml a thousand times) */
	strbuf_reset(&xml);
	strbuf_addstr(&xml, "<image>\n");
	for (int i = 0; i < 1000; i++)
		strbuf_addstr(&xml, "<include from=\"this://b.xml\"/>");
	strbuf_addstr(&xml, "\n</image>\n");
	free(write_recipe(rdir, "a.xml", xml.buf));
	free(write_recipe(rdir, "b.xml", "<image><packages type=\"image\"><package name=\"aa\"/></packages></image>\n"));
	strbuf_reset(&xml);
	strbuf_addstr(&xml, HEAD PREFS REPO);
	for (int i = 0; i < 1000; i++)
		strbuf_addstr(&xml, "<include from=\"this://a.xml\"/>");
	strbuf_addstr(&xml, "\n" TAIL);
	start = cpu_seconds();
	expect_error_in(dir, xml.buf, "a.xml:2: error: more than 256 includes");
	assert_true(cpu_seconds() - start < 1.0);

	/* elements: 4000 are read in well under a second, 5000 refused */
	for (int n = 4000; n <= 5000; n += 1000) {
		strbuf_reset(&xml);
		strbuf_addstr(&xml, HEAD PREFS REPO);
		for (int i = 0; i < n / 2; i++)
			strbuf_addstr(&xml, "<packages type=\"image\"><package name=\"aa\"/></packages>");
		strbuf_addstr(&xml, "\n" TAIL);
		start = cpu_seconds();
		if (n == 4000) {
			assert_int_equal(load(xml.buf, NULL, &r, &err), 0);
			assert_int_equal(r->nr_packages[PKGS_IMAGE], 2000);
			recipe_free(r);
		} else {
			expect_error(xml.buf, "config.xml:6: error: more than 4096 elements");
		}
		assert_true(cpu_seconds() - start < 1.0);
	}
	strbuf_release(&xml);
	test_rmrf(dir);
	free(rdir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shipped_recipes_validate),
		cmocka_unit_test(test_minimal_recipe_model),
		cmocka_unit_test(test_kiwi_debian_example),
		cmocka_unit_test(test_kiwi_ubuntu_example),
		cmocka_unit_test(test_malformed_xml),
		cmocka_unit_test(test_unknown_element),
		cmocka_unit_test(test_unknown_attribute),
		cmocka_unit_test(test_unsupported_kiwi_element),
		cmocka_unit_test(test_bad_enum_values),
		cmocka_unit_test(test_formats_and_machine),
		cmocka_unit_test(test_schema_structure),
		cmocka_unit_test(test_undefined_profile),
		cmocka_unit_test(test_includes),
		cmocka_unit_test(test_user_without_name),
		cmocka_unit_test(test_plain_password_needs_pwdformat),
		cmocka_unit_test(test_repository_without_source),
		cmocka_unit_test(test_unknown_mirror),
		cmocka_unit_test(test_unknown_security_mirror),
		cmocka_unit_test(test_kernel_source_per_release),
		cmocka_unit_test(test_mirror_override),
		cmocka_unit_test(test_profiles_select_type_and_packages),
		cmocka_unit_test(test_machine_checks),
		cmocka_unit_test(test_schemaversion_and_namedcollection),
		cmocka_unit_test(test_bootloader_defaults_and_packages),
		cmocka_unit_test(test_package_arch_kept),
		cmocka_unit_test(test_hostile_values_refused),
		cmocka_unit_test(test_numbers_in_range),
		cmocka_unit_test(test_ordinary_values_accepted),
		cmocka_unit_test(test_paths_stay_in_recipe_dir),
		cmocka_unit_test(test_dtd_refused_attributes_whole),
		cmocka_unit_test(test_recipe_bounded),
	};
	return cmocka_run_group_tests_name("recipe", tests, setup, teardown);
}
