/* fuzz_ovf.c - jeos inspect (ovf_inspect) on arbitrary bytes: an OVF
 * descriptor when they start with '<', else an OVA. */
#include <stdio.h>
#include <stdlib.h>

#include "fuzz.h"
#include "ovf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *null;
	const char *name = size && data[0] == '<' ? "x.ovf" : "x.ova";
	CLEANUP_FREE char *path = fuzz_file(name, data, size);
	struct jeos_error err;

	if (!null && !(null = fopen("/dev/null", "we")))
		abort();
	ovf_inspect(path, null, &err);
	remove(path);
	return 0;
}
