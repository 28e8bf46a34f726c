/* fuzz_lock.c - the lock file reader (lock_read) on arbitrary bytes. */
#include <stdlib.h>

#include "fuzz.h"
#include "lock.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	CLEANUP_FREE char *path = fuzz_file("x.lock", data, size);
	struct jeos_error err;
	struct lock lk;

	lock_read(path, &lk, &err);
	lock_free(&lk);
	return 0;
}
