/* fuzz.h - what every fuzz target shares: libFuzzer's entry point and a
 * private scratch directory for the files the readers under test insist
 * on (they take paths, not buffers).
 *
 * A target is built twice: with libFuzzer (make fuzz), and with replay.c's
 * main (make unit), which feeds it every file of its corpus directory. */
#ifndef JEOS_FUZZ_H
#define JEOS_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The process's scratch directory, made on first use under $TMPDIR (or
 * /tmp) and removed, with everything in it, at exit. */
const char *fuzz_dir(void);
/* fuzz_dir()/NAME holding exactly DATA (replaced); the caller frees the
 * path. Aborts if it cannot be written: a harness failure, not a finding. */
char *fuzz_file(const char *name, const uint8_t *data, size_t size);
/* Removes path and, if a directory, everything below it. */
void fuzz_remove(const char *path);

#endif
