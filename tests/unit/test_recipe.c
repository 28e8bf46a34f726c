/* Unit tests for recipe.c: the shipped recipes, Kiwi's own descriptions,
 * every kind of bad input (message and line), profiles and mirrors. */
#include "testutil.h"

#include <dirent.h>
#include <stdio.h>

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
	assert_non_null(strstr(err.msg, "config.xml:6: error: include of missing file"));
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
	};
	return cmocka_run_group_tests_name("recipe", tests, setup, teardown);
}
