/* doctor.h - `jeos doctor`: what this host gives jeos, for a user whose
 * build is slow or fails: the accelerator and why, qemu, libguestfs and
 * whether its appliance is built, the kernel it boots, the cache and free
 * space, the overlays and kernel-configs it found, the locale, user
 * namespaces; and whether the host can build.
 */
#ifndef JEOS_DOCTOR_H
#define JEOS_DOCTOR_H

#include <stdio.h>
#include "util.h"

/* Free space below which a build will not fit: the package cache, a
 * scratch disk and the rootfs tar of a small appliance. */
#define DOCTOR_MIN_FREE (2ULL << 30)

/* Prints the report to out, one "name  value" line per fact. cache_dir is
 * --cache or NULL (the default cache). Returns 0 if this host can build;
 * -1 with err (JEOS_EXIT_FAILED) naming what is missing and how to fix it. */
int doctor_report(FILE *out, const char *cache_dir, struct jeos_error *err);

#endif
