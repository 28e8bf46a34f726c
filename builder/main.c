/* main.c - the jeos command line: parse the command and its options, run
 * the stages, print the error and choose the exit code. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libxml/parser.h>

#include "build.h"
#include "distro.h"
#include "fetch.h"
#include "kconfig.h"
#include "lock.h"
#include "mirror.h"
#include "recipe.h"
#include "resolve.h"
#include "ship.h"
#include "util.h"
#include "vmboot.h"

#define JEOS_VERSION "0.1.0"

/* Options every command that reads a recipe shares. */
struct common_opts {
	const char **profiles;
	size_t nr_profiles;
	struct mirror_map mirrors;
	struct recipe_options recipe;
	const char *recipe_path;
	const char *cache_dir;
	const char *out_dir;
	const char *kernel_source;
	const char *formats;   /* build --format */
	const char *lock_path; /* --lock */
	int download;
	int update;            /* lock --update */
	int check_reproducible; /* build --check-reproducible */
};

static const char usage_main[] =
	"usage: jeos COMMAND [OPTIONS]\n"
	"\n"
	"Build JeOS virtual appliances from Kiwi-style XML recipes.\n"
	"\n"
	"commands:\n"
	"  validate RECIPE   check a recipe and print its normalized summary\n"
	"  resolve RECIPE    print the exact package set; --download fetches it\n"
	"  lock RECIPE       pin the package set in NAME.lock; --update re-resolves\n"
	"  build RECIPE -o OUTDIR   build the appliance\n"
	"  kconfig RECIPE    the trimmed kernel .config for the recipe's machine\n"
	"  boot IMAGE        boot an image in qemu and wait for its login prompt\n"
	"  convert IN -o OUT convert a disk to raw, raw.zst, qcow2, vmdk, ovf or ova\n"
	"  inspect FILE      show an OVA/OVF's hardware and check its manifest\n"
	"\n"
	"Run 'jeos COMMAND --help' for a command's options.\n"
	"options: --help, --version\n"
	"exit codes: 0 ok, 1 the build (or fetch, boot) failed, 2 bad input or usage\n";

static const char usage_validate[] =
	"usage: jeos validate RECIPE [--profile P]... [--mirror NAME=URI]... [--cache DIR]\n"
	"\n"
	"Parse and check RECIPE (a directory with config.xml or one *.kiwi file,\n"
	"or the XML file itself) and print what jeos would build.\n"
	"\n"
	"  -p, --profile P       select profile P (repeatable); default: the\n"
	"                        profiles marked import=\"true\"\n"
	"  -m, --mirror N=URI    resolve mirror://N/ to URI (default: the host's\n"
	"                        apt sources, or $JEOS_MIRROR_N)\n"
	"  -c, --cache DIR       where resolve put the InRelease files the recipe's\n"
	"                        NAME.lock names, for the locked release's version\n"
	"  -q, --quiet           no progress or information messages\n";

static const char usage_resolve[] =
	"usage: jeos resolve RECIPE [--profile P]... [--mirror NAME=URI]... [--download]\n"
	"                    [--lock FILE] [--cache DIR] [--quiet]\n"
	"\n"
	"Verify the recipe's repositories (signed InRelease), solve its package\n"
	"set with libsolv and print it: one 'name version arch' line per package,\n"
	"then the count, the download size and the installed size.\n"
	"\n"
	"  -p, --profile P       select profile P (repeatable)\n"
	"  -m, --mirror N=URI    resolve mirror://N/ to URI\n"
	"  -d, --download        also fetch and verify every package into the cache\n"
	"  -l, --lock FILE       print the set locked in FILE (see jeos lock) instead\n"
	"                        of solving\n"
	"  -c, --cache DIR       the download cache [$XDG_CACHE_HOME/jeos]\n"
	"  -q, --quiet           no progress output\n";

static const char usage_lock[] =
	"usage: jeos lock RECIPE [--update] [--lock FILE] [--profile P]...\n"
	"                 [--mirror NAME=URI]... [--download] [--cache DIR] [--quiet]\n"
	"\n"
	"Pin the recipe's package set: resolve it and write NAME.lock beside the\n"
	"recipe (exact versions, SHA-256s, repositories and InRelease hashes), which\n"
	"jeos build then installs exactly. With the lock already there, check that\n"
	"every locked package is still obtainable (from its repository or the cache)\n"
	"and print a summary; --update re-resolves and rewrites it.\n"
	"\n"
	"  -u, --update          resolve afresh and rewrite the lock\n"
	"  -l, --lock FILE       the lock file [RECIPE-DIR/NAME.lock]\n"
	"  -p, --profile P       select profile P (repeatable)\n"
	"  -m, --mirror N=URI    resolve mirror://N/ to URI\n"
	"  -d, --download        also fetch and verify every package into the cache\n"
	"  -c, --cache DIR       the download cache [$XDG_CACHE_HOME/jeos]\n"
	"  -q, --quiet           no progress output\n";

static const char usage_build[] =
	"usage: jeos build RECIPE -o OUTDIR [--profile P]... [--mirror NAME=URI]...\n"
	"                  [--format LIST] [--lock FILE] [--cache DIR] [--quiet]\n"
	"                  [--check-reproducible]\n"
	"\n"
	"Build the appliance: OUTDIR/NAME.amd64-VERSION.raw plus the recipe's formats\n"
	"(ovf: the directory NAME...-ovf), NAME...libvirt.xml (a KVM domain), NAME...packages\n"
	"(name|version|arch|sha256 per package) and NAME...sha256.\n"
	"Outputs appear under their final names only when the build succeeded.\n"
	"The package set is the one locked in the lock file; without one, it is\n"
	"resolved and the lock file written (see jeos lock).\n"
	"\n"
	"  -o, --output DIR      where the outputs go (required)\n"
	"  -f, --format LIST     formats instead of the recipe's, comma-separated:\n"
	"                        raw, raw.zst, qcow2, vmdk, ovf, ova\n"	"  -k, --kernel-source DIR  with <jeos:kernel build=\"true\">: an unpacked\n"
	"                        kernel tree instead of the recipe's source package\n"
	"  -l, --lock FILE       the lock file [RECIPE-DIR/NAME.lock]\n"
	"  -R, --check-reproducible  build a second time, configuring afresh, in\n"
	"                        another directory, time zone, umask and environment\n"
	"                        order, and compare every output (exit 1 on a difference,\n"
	"                        naming the files that differ)\n"
	"  -p, --profile P       select profile P (repeatable)\n"
	"  -m, --mirror N=URI    resolve mirror://N/ to URI\n"
	"  -c, --cache DIR       the package cache [$XDG_CACHE_HOME/jeos]\n"
	"  -q, --quiet           no progress output\n"
	"environment: LIBGUESTFS_BACKEND_SETTINGS (e.g. force_tcg), JEOS_OVERLAYS\n"
	"(the overlays directory), SOURCE_DATE_EPOCH.\n";

static const char usage_kconfig[] =
	"usage: jeos kconfig RECIPE [--profile P]... [--mirror NAME=URI]... [-o FILE]\n"
	"                    [--kernel-source DIR] [--cache DIR] [--quiet]\n"
	"\n"
	"Merge the kernel-configs/ fragments for the recipe (base, the hardware its\n"
	"<machine> declares, its filesystem, efi, <jeos:kernel config>) onto tinyconfig,\n"
	"resolve them with the kernel's Kconfig (olddefconfig in CACHE/kernel-build/)\n"
	"and check that every value asked for is kept; print what each fragment added\n"
	"and the =y/=m counts. Exit 1 naming each dropped symbol and its unmet\n"
	"dependencies.\n"
	"\n"
	"  -o, --output FILE     also copy the .config to FILE\n"
	"  -k, --kernel-source DIR  an unpacked kernel tree; default: the recipe's\n"
	"                        <jeos:kernel source> package [the release's,\n"
	"                        as jeos validate shows it],\n"
	"                        fetched and unpacked into the cache once\n"
	"  -p, --profile P       select profile P (repeatable)\n"
	"  -m, --mirror N=URI    resolve mirror://N/ to URI\n"
	"  -c, --cache DIR       the cache [$XDG_CACHE_HOME/jeos]\n"
	"  -q, --quiet           no progress output\n"
	"environment: JEOS_KERNEL_CONFIGS (the fragments directory).\n";

static const char usage_boot[] =
	"usage: jeos boot IMAGE [--expect REGEX] [--timeout S] [--log FILE]\n"
	"                 [--memory MiB] [--cpus N] [--net] [--efi]\n"
	"\n"
	"Boot IMAGE (raw, qcow2...) in qemu, KVM when usable, else TCG, never\n"
	"modifying it, and exit 0 as soon as a serial console line matches REGEX\n"
	"(an extended regular expression, default 'login:'), printing the seconds\n"
	"it took. Exit 1 on timeout or when qemu stops first.\n"
	"\n"
	"  -e, --expect REGEX    what to wait for [login:]\n"
	"  -t, --timeout S       give up after S seconds [300]\n"
	"  -l, --log FILE        copy the whole console to FILE\n"
	"      --memory MiB      guest memory [1024]\n"
	"      --cpus N          guest CPUs [1]\n"
	"      --net             a user-mode NIC (outbound only)\n"
	"      --efi             UEFI firmware (OVMF) instead of BIOS\n";

static const char usage_convert[] =
	"usage: jeos convert INPUT -o OUTPUT [--recipe RECIPE [--profile P]...]\n"
	"                    [--machine KEY=VALUE]... [--firmware bios|efi] [--quiet]\n"
	"\n"
	"Convert a disk image (raw, qcow2 or streamOptimized/other vmdk) into the format\n"
	"OUTPUT's name gives: NAME.raw, NAME.raw.zst, NAME.qcow2, NAME.vmdk, NAME.ova,\n"
	"or NAME.ovf (with NAME.mf and NAME-disk1.vmdk beside it). The virtual hardware\n"
	"of an OVF/OVA comes from the recipe's <machine> and then from --machine.\n"
	"\n"
	"  -o, --output FILE     the output (required)\n"
	"  -r, --recipe RECIPE   take the machine, firmware and product from RECIPE\n"
	"  -p, --profile P       select profile P of RECIPE (repeatable)\n"
	"  -M, --machine K=V     memory=MiB, ncpus=N, HWversion=4..21, guestOS=ID,\n"
	"                        controller=ide|sata|lsilogic|lsilogicsas|pvscsi|virtio,\n"
	"                        nic=DRIVER[:NETWORK[:MAC]] (repeatable: one per NIC)\n"
	"      --firmware F      bios or efi [bios, or the recipe's]\n"
	"      --name NAME       the product name [the recipe's, or OUTPUT's NAME]\n"
	"  -q, --quiet           no progress output\n";

static const char usage_inspect[] =
	"usage: jeos inspect FILE\n"
	"\n"
	"Print what an OVA or OVF package holds (product, OS, CPUs, memory, firmware,\n"
	"controller, disks, NICs) and check its manifest. Exit 1 when a file does not\n"
	"match the manifest.\n";

static const struct option common_long[] = {
	{ "profile", required_argument, NULL, 'p' },
	{ "mirror", required_argument, NULL, 'm' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "cache", required_argument, NULL, 'c' },
	{ "download", no_argument, NULL, 'd' },
	{ "output", required_argument, NULL, 'o' },
	{ "format", required_argument, NULL, 'f' },
	{ "kernel-source", required_argument, NULL, 'k' },
	{ "lock", required_argument, NULL, 'l' },
	{ "update", no_argument, NULL, 'u' },
	{ "check-reproducible", no_argument, NULL, 'R' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int usage_error(const char *usage, const char *fmt, const char *arg)
{
	fprintf(stderr, "jeos: error: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n%s", usage);
	return JEOS_EXIT_USAGE;
}

/* Returns -1 to continue, else an exit code. */
static int parse_common(int argc, char **argv, const char *usage, struct common_opts *o)
{
	struct jeos_error err;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "p:m:qc:do:f:l:uk:Rh", common_long, NULL)) != -1) {
		switch (c) {
		case 'p':
			o->profiles = xrealloc(o->profiles, (o->nr_profiles + 2) * sizeof(*o->profiles));
			o->profiles[o->nr_profiles++] = optarg;
			o->profiles[o->nr_profiles] = NULL;
			break;
		case 'm':
			if (mirror_map_add(&o->mirrors, optarg, &err) < 0)
				return usage_error(usage, "%s", err.msg);
			break;
		case 'q':
			log_set_quiet(1);
			break;
		case 'c':
			o->cache_dir = optarg;
			break;
		case 'd':
			o->download = 1;
			break;
		case 'o':
			o->out_dir = optarg;
			break;
		case 'f':
			if (usage != usage_build)
				return usage_error(usage, "%s", "--format is an option of jeos build");
			o->formats = optarg;
			break;
		case 'l':
			if (usage == usage_validate)
				return usage_error(usage, "%s", "--lock is an option of jeos lock,"
						   " resolve and build");
			o->lock_path = optarg;
			break;
		case 'u':
			if (usage != usage_lock)
				return usage_error(usage, "%s", "--update is an option of jeos lock");
			o->update = 1;
			break;
		case 'k':
			o->kernel_source = optarg;
			break;
		case 'R':
			if (usage != usage_build)
				return usage_error(usage, "%s", "--check-reproducible is an option of"
						   " jeos build");
			o->check_reproducible = 1;
			break;
		case 'h':
			fputs(usage, stdout);
			return JEOS_EXIT_OK;
		default:
			fputs(usage, stderr);
			return JEOS_EXIT_USAGE;
		}
	}
	if (optind != argc - 1)
		return usage_error(usage, "%s", optind >= argc ? "a RECIPE is needed" :
				   "only one RECIPE is allowed");
	o->recipe_path = argv[optind];
	o->recipe.profiles = o->profiles;
	o->recipe.mirrors = &o->mirrors;
	o->recipe.apt_sources_root = getenv("JEOS_APT_ROOT") ? getenv("JEOS_APT_ROOT") : "";
	return -1;
}

static void free_common(struct common_opts *o)
{
	free(o->profiles);
	mirror_map_free(&o->mirrors);
}

static int cmd_validate(int argc, char **argv)
{
	struct common_opts o = { 0 };
	struct jeos_error err;
	struct recipe *r = NULL;
	int rc = parse_common(argc, argv, usage_validate, &o);

	if (rc >= 0)
		goto out;
	if (recipe_load(&r, o.recipe_path, &o.recipe, &err) < 0) {
		fprintf(stderr, "%s\n", err.msg);
		rc = err.code;
		goto out;
	}
	recipe_print_summary(r, stdout);
	CLEANUP_FREE char *locked = NULL;
	switch (distro_locked_release(r, o.cache_dir, &locked, &err)) {
	case -1:
		fprintf(stderr, "%s\n", err.msg);
		rc = err.code;
		goto out;
	case 0:
		printf("locked:       %s\n", locked);
	}
	rc = JEOS_EXIT_OK;
out:
	recipe_free(r);
	free_common(&o);
	return rc;
}

static int cmd_resolve(int argc, char **argv)
{
	struct common_opts o = { 0 };
	struct jeos_error err;
	struct recipe *r = NULL;
	struct fetcher *f = NULL;
	struct resolved res = { 0 };
	int rc = parse_common(argc, argv, usage_resolve, &o);

	if (rc >= 0)
		goto out;
	struct fetch_options fo = { .cache_dir = o.cache_dir };
	if (recipe_load(&r, o.recipe_path, &o.recipe, &err) < 0 ||
	    fetcher_new(&f, &fo, &err) < 0 ||
	    (o.lock_path ? resolve_with_lock(r, o.lock_path, LOCK_REQUIRE, f, o.download,
					     &res, NULL, &err)
			 : resolve_recipe(r, f, o.download, &res, &err)) < 0) {
		fprintf(stderr, "%s\n", err.msg);
		rc = err.code;
		goto out;
	}
	resolved_print(&res, stdout);
	if (o.download) {
		char b[32];
		printf("fetched %zu packages, %zu from the cache (%s transferred) into %s\n",
		       res.downloaded, res.cached, human_size(res.bytes, b), fetcher_cache_dir(f));
	}
	rc = JEOS_EXIT_OK;
out:
	resolved_free(&res);
	fetcher_free(f);
	recipe_free(r);
	free_common(&o);
	return rc;
}

static int cmd_lock(int argc, char **argv)
{
	struct common_opts o = { 0 };
	struct jeos_error err;
	struct recipe *r = NULL;
	struct fetcher *f = NULL;
	struct resolved res = { 0 };
	CLEANUP_FREE char *path = NULL;
	int rc = parse_common(argc, argv, usage_lock, &o), wrote;

	if (rc >= 0)
		goto out;
	struct fetch_options fo = { .cache_dir = o.cache_dir };
	if (recipe_load(&r, o.recipe_path, &o.recipe, &err) == 0)
		path = o.lock_path ? xstrdup(o.lock_path) : lock_default_path(r);
	if (!path || fetcher_new(&f, &fo, &err) < 0 ||
	    resolve_with_lock(r, path, o.update ? LOCK_UPDATE : LOCK_USE, f, o.download,
			      &res, &wrote, &err) < 0) {
		fprintf(stderr, "%s\n", err.msg);
		rc = err.code;
		goto out;
	}
	printf("%s %s: ", wrote ? "wrote" : "verified", path);
	resolved_print_summary(&res, stdout);
	rc = JEOS_EXIT_OK;
out:
	resolved_free(&res);
	fetcher_free(f);
	recipe_free(r);
	free_common(&o);
	return rc;
}

static int cmd_build(int argc, char **argv)
{
	struct common_opts o = { 0 };
	struct jeos_error err;
	struct recipe *r = NULL;
	CLEANUP_FREE char *overlays = jeos_data_dir("JEOS_OVERLAYS", "overlays");
	int rc = parse_common(argc, argv, usage_build, &o);

	if (rc >= 0)
		goto out;
	if (!o.out_dir) {
		rc = usage_error(usage_build, "%s", "-o OUTDIR is needed");
		goto out;
	}
	struct build_options bo = {
		.out_dir = o.out_dir, .cache_dir = o.cache_dir, .overlays_dir = overlays,
		.lock_path = o.lock_path, .kernel_source = o.kernel_source,
	};
	if (o.formats && formats_parse(o.formats, &bo.formats, &err) < 0) {
		rc = usage_error(usage_build, "%s", err.msg);
		goto out;
	}
	if (recipe_load(&r, o.recipe_path, &o.recipe, &err) < 0 ||
	    (o.check_reproducible ? build_check_reproducible(r, &bo, &err)
				  : build_appliance(r, &bo, &err)) < 0) {
		fprintf(stderr, "%s%s\n", strstr(err.msg, "error: ") ? "" : "jeos: error: ", err.msg);
		rc = err.code;
		goto out;
	}
	rc = JEOS_EXIT_OK;
out:
	recipe_free(r);
	free_common(&o);
	return rc;
}

static int cmd_kconfig(int argc, char **argv)
{
	struct common_opts o = { 0 };
	struct jeos_error err;
	struct recipe *r = NULL;
	struct kconfig_result res = { 0 };
	int rc = parse_common(argc, argv, usage_kconfig, &o);

	if (rc >= 0)
		goto out;
	struct kconfig_options ko = {
		.cache_dir = o.cache_dir, .kernel_source = o.kernel_source, .output = o.out_dir,
	};
	if (recipe_load(&r, o.recipe_path, &o.recipe, &err) < 0 ||
	    kconfig_for_recipe(r, &ko, &res, &err) < 0) {
		fprintf(stderr, "%s%s\n", strstr(err.msg, "error: ") ? "" : "jeos: error: ", err.msg);
		rc = err.code;
		goto out;
	}
	kconfig_print_summary(&res, stdout);
	rc = JEOS_EXIT_OK;
out:
	kconfig_result_free(&res);
	recipe_free(r);
	free_common(&o);
	return rc;
}

static int cmd_boot(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "expect", required_argument, NULL, 'e' },
		{ "timeout", required_argument, NULL, 't' },
		{ "log", required_argument, NULL, 'l' },
		{ "memory", required_argument, NULL, 'M' },
		{ "cpus", required_argument, NULL, 'C' },
		{ "net", no_argument, NULL, 'N' },
		{ "efi", no_argument, NULL, 'E' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct vmboot_opts vo = { 0 };
	struct vmboot_result res;
	struct jeos_error err;
	char *end;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "e:t:l:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'e': vo.expect = optarg; break;
		case 'l': vo.console_log = optarg; break;
		case 'N': vo.user_net = 1; break;
		case 'E': vo.efi = 1; break;
		case 'q': log_set_quiet(1); break;
		case 'h': fputs(usage_boot, stdout); return JEOS_EXIT_OK;
		case 't': case 'M': case 'C': {
			unsigned long v = strtoul(optarg, &end, 10);
			if (*end || !v)
				return usage_error(usage_boot, "not a positive number: %s", optarg);
			if (c == 't') vo.timeout = (unsigned)v;
			else if (c == 'M') vo.memory_mb = (unsigned)v;
			else vo.cpus = (unsigned)v;
			break;
		}
		default:
			fputs(usage_boot, stderr);
			return JEOS_EXIT_USAGE;
		}
	}
	if (optind != argc - 1)
		return usage_error(usage_boot, "%s", "one IMAGE is needed");
	vo.image = argv[optind];
	if (access(vo.image, R_OK) < 0)
		return usage_error(usage_boot, "cannot read %s", vo.image);
	if (vmboot_run(&vo, &res, &err) < 0) {
		fprintf(stderr, "jeos: error: %s\n", err.msg);
		return err.code;
	}
	printf("matched after %.1f s (%s): %s\n", res.seconds, res.accel, res.line);
	return JEOS_EXIT_OK;
}

static int cmd_convert(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "recipe", required_argument, NULL, 'r' },
		{ "profile", required_argument, NULL, 'p' },
		{ "machine", required_argument, NULL, 'M' },
		{ "firmware", required_argument, NULL, 'F' },
		{ "name", required_argument, NULL, 'n' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct common_opts o = { 0 };
	struct recipe_machine machine = { 0 };
	struct ship_spec spec = { 0 };
	struct recipe *r = NULL;
	struct jeos_error err;
	const char *output = NULL, *recipe = NULL, *firmware = NULL, *name = NULL;
	char **settings = NULL;
	size_t nr_settings = 0;
	int rc = JEOS_EXIT_USAGE, c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:r:p:M:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': output = optarg; break;
		case 'r': recipe = optarg; break;
		case 'F': firmware = optarg; break;
		case 'n': name = optarg; break;
		case 'q': log_set_quiet(1); break;
		case 'p':
			o.profiles = xrealloc(o.profiles, (o.nr_profiles + 2) * sizeof(*o.profiles));
			o.profiles[o.nr_profiles++] = optarg;
			o.profiles[o.nr_profiles] = NULL;
			break;
		case 'M':
			settings = xrealloc(settings, (nr_settings + 1) * sizeof(*settings));
			settings[nr_settings++] = optarg;
			break;
		case 'h':
			fputs(usage_convert, stdout);
			rc = JEOS_EXIT_OK;
			goto out;
		default:
			fputs(usage_convert, stderr);
			goto out;
		}
	}
	if (optind != argc - 1 || !output) {
		rc = usage_error(usage_convert, "%s", optind != argc - 1 ? "one INPUT is needed"
								    : "-o OUTPUT is needed");
		goto out;
	}
	if (firmware && strcmp(firmware, "bios") && strcmp(firmware, "efi")) {
		rc = usage_error(usage_convert, "--firmware must be bios or efi, not '%s'", firmware);
		goto out;
	}
	if (recipe) {
		o.recipe.profiles = o.profiles;
		o.recipe.mirrors = &o.mirrors;
		o.recipe.apt_sources_root = getenv("JEOS_APT_ROOT") ? getenv("JEOS_APT_ROOT") : "";
		if (recipe_load(&r, recipe, &o.recipe, &err) < 0) {
			fprintf(stderr, "%s\n", err.msg);
			rc = err.code;
			goto out;
		}
		ship_spec_from_recipe(&spec, r, NULL, 0);
	} else {
		spec.product.version = "1.0";
		spec.mtime = getenv("SOURCE_DATE_EPOCH") ? strtoll(getenv("SOURCE_DATE_EPOCH"), NULL, 10)
							 : (int64_t)time(NULL);
	}
	/* --machine settings go on top of the recipe's <machine>, or the defaults */
	machine = r ? r->machine : machine;
	if (!machine.present)
		recipe_machine_defaults(&machine);
	for (size_t i = 0; i < nr_settings; i++) {
		CLEANUP_FREE char *key = xstrndup(settings[i], strcspn(settings[i], "="));
		const char *eq = strchr(settings[i], '=');
		if (!eq || recipe_machine_set(&machine, key, eq + 1, &err) < 0) {
			rc = usage_error(usage_convert, "--machine %s", eq ? err.msg :
					 "needs KEY=VALUE");
			goto out;
		}
	}
	spec.machine = &machine;
	if (firmware)
		spec.firmware = !strcmp(firmware, "efi") ? FW_EFI : FW_BIOS;
	if (name)
		spec.product.name = name;
	if (ship_convert(argv[optind], output, &spec, &err) < 0) {
		fprintf(stderr, "jeos: error: %s\n", err.msg);
		rc = err.code;
		goto out;
	}
	printf("%s\n", output);
	rc = JEOS_EXIT_OK;
out:
	if (r) {
		r->machine = machine; /* shared: freed once, with the recipe */
		recipe_free(r);
	} else {
		recipe_machine_free(&machine);
	}
	ship_spec_release(&spec);
	free(settings);
	free_common(&o);
	return rc;
}

static int cmd_inspect(int argc, char **argv)
{
	struct jeos_error err;

	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(usage_inspect, stdout);
		return JEOS_EXIT_OK;
	}
	if (argc != 2)
		return usage_error(usage_inspect, "%s", "one FILE is needed");
	if (ovf_inspect(argv[1], stdout, &err) < 0) {
		fprintf(stderr, "jeos: error: %s\n", err.msg);
		return err.code;
	}
	return JEOS_EXIT_OK;
}

static const struct command {
	const char *name;
	int (*run)(int argc, char **argv);
} commands[] = {
	{ "validate", cmd_validate },
	{ "resolve", cmd_resolve },
	{ "lock", cmd_lock },
	{ "build", cmd_build },
	{ "kconfig", cmd_kconfig },
	{ "boot", cmd_boot },
	{ "convert", cmd_convert },
	{ "inspect", cmd_inspect },
};

int main(int argc, char **argv)
{
	int rc;

	if (argc < 2)
		return usage_error(usage_main, "%s", "a COMMAND is needed");
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(usage_main, stdout);
		return JEOS_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("jeos %s\n", JEOS_VERSION);
		return JEOS_EXIT_OK;
	}
	if (!isatty(STDERR_FILENO) && getenv("CI"))
		log_set_quiet(1);
	xmlInitParser();
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name)) {
			rc = commands[i].run(argc - 1, argv + 1);
			xmlCleanupParser();
			return rc;
		}
	return usage_error(usage_main, "unknown command '%s'", argv[1]);
}
