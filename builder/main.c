/* main.c - the jeos command line: parse the command and its options, run
 * the stages, print the error and choose the exit code. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/parser.h>

#include "mirror.h"
#include "recipe.h"
#include "util.h"

#define JEOS_VERSION "0.1.0"

/* Options every command that reads a recipe shares. */
struct common_opts {
	const char **profiles;
	size_t nr_profiles;
	struct mirror_map mirrors;
	struct recipe_options recipe;
	const char *recipe_path;
};

static const char usage_main[] =
	"usage: jeos COMMAND [OPTIONS]\n"
	"\n"
	"Build JeOS virtual appliances from Kiwi-style XML recipes.\n"
	"\n"
	"commands:\n"
	"  validate RECIPE   check a recipe and print its normalized summary\n"
	"\n"
	"Run 'jeos COMMAND --help' for a command's options.\n"
	"options: --help, --version\n"
	"exit codes: 0 ok, 1 the build (or fetch, boot) failed, 2 bad input or usage\n";

static const char usage_validate[] =
	"usage: jeos validate RECIPE [--profile P]... [--mirror NAME=URI]...\n"
	"\n"
	"Parse and check RECIPE (a directory with config.xml or one *.kiwi file,\n"
	"or the XML file itself) and print what jeos would build.\n"
	"\n"
	"  -p, --profile P       select profile P (repeatable); default: the\n"
	"                        profiles marked import=\"true\"\n"
	"  -m, --mirror N=URI    resolve mirror://N/ to URI (default: the host's\n"
	"                        apt sources, or $JEOS_MIRROR_N)\n"
	"  -q, --quiet           no progress or information messages\n";

enum { OPT_HELP = 'h' };

static const struct option common_long[] = {
	{ "profile", required_argument, NULL, 'p' },
	{ "mirror", required_argument, NULL, 'm' },
	{ "quiet", no_argument, NULL, 'q' },
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
	while ((c = getopt_long(argc, argv, "p:m:qh", common_long, NULL)) != -1) {
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
	rc = JEOS_EXIT_OK;
out:
	recipe_free(r);
	free_common(&o);
	return rc;
}

static const struct command {
	const char *name;
	int (*run)(int argc, char **argv);
} commands[] = {
	{ "validate", cmd_validate },
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
