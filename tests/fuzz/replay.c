/* replay.c - a fuzz target without libFuzzer: runs it over every regular
 * file directly in each directory given (a corpus: seeds and the inputs
 * that once crashed), so that `make unit` (and make check-asan) replays
 * them, and fails when an input leaves a file descriptor open (libFuzzer
 * runs millions). Subdirectories are not entered: crashes-found/ holds
 * inputs that still crash, until their module is fixed. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "fuzz.h"
#include "util.h"

/* How many file descriptors the process has open. */
static size_t open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	size_t n = 0;

	while (d && readdir(d))
		n++;
	if (d)
		closedir(d);
	return n;
}

/* Feeds path to the target: 1 if it was a regular file, 0 if skipped. */
static int replay_file(const char *path)
{
	struct strbuf sb = STRBUF_INIT;
	struct stat st;

	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
		return 0;
	if (strbuf_read_file(&sb, path) < 0) {
		perror(path);
		exit(1);
	}
	LLVMFuzzerTestOneInput((const uint8_t *)sb.buf, sb.len);
	strbuf_release(&sb);
	return 1;
}

int main(int argc, char **argv)
{
	size_t fds = 0; /* open after the first input (which may open for good) */

	for (int i = 1; i < argc; i++) {
		struct dirent **names;
		int n = scandir(argv[i], &names, NULL, alphasort);
		size_t done = 0;

		if (n < 0) {
			perror(argv[i]);
			return 1;
		}
		for (int j = 0; j < n; j++) {
			char *path = xasprintf("%s/%s", argv[i], names[j]->d_name);
			done += (size_t)replay_file(path);
			if (done == 1 && !fds)
				fds = open_fds();
			if (fds && open_fds() > fds) {
				fprintf(stderr, "%s: the target left a file descriptor open\n", path);
				return 1;
			}
			free(path);
			free(names[j]);
		}
		free(names);
		printf("[ replay ] %s: %zu inputs\n", argv[i], done);
	}
	return 0;
}
