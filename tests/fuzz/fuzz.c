/* fuzz.c - see fuzz.h. */
#define _XOPEN_SOURCE 700
#include "fuzz.h"

#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "util.h"

static char *dir;

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st, (void)type, (void)ftw;
	remove(path);
	return 0;
}

void fuzz_remove(const char *path)
{
	nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* atexit: the scratch directory goes, whatever a target left in it. */
static void remove_dir(void)
{
	fuzz_remove(dir);
	free(dir);
}

const char *fuzz_dir(void)
{
	if (!dir) {
		const char *tmp = getenv("TMPDIR");
		dir = xasprintf("%s/jeos-fuzz-XXXXXX", tmp && *tmp ? tmp : "/tmp");
		if (!mkdtemp(dir)) {
			perror(dir);
			abort();
		}
		atexit(remove_dir);
	}
	return dir;
}

char *fuzz_file(const char *name, const uint8_t *data, size_t size)
{
	char *path = xasprintf("%s/%s", fuzz_dir(), name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size) || close(fd) < 0) {
		perror(path);
		abort();
	}
	return path;
}
