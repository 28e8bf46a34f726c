/* fuzz_recipe.c - the recipe parser (recipe_load, then the summary
 * `jeos validate` prints) on an arbitrary config.xml. mirror:// looks in
 * an empty apt root, so the host's sources play no part. */
#include <stdio.h>
#include <stdlib.h>

#include "fuzz.h"
#include "recipe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *null;
	CLEANUP_FREE char *path = fuzz_file("config.xml", data, size);
	struct recipe_options opts = { .apt_sources_root = fuzz_dir() };
	struct recipe *r = NULL;
	struct jeos_error err;

	if (!null && !(null = fopen("/dev/null", "we")))
		abort();
	if (recipe_load(&r, path, &opts, &err) == 0)
		recipe_print_summary(r, null);
	recipe_free(r);
	return 0;
}
