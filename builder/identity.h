/* identity.h - what makes two builds of one recipe and one lock file the
 * same appliance, bit for bit: a seed for every identifier a build would
 * otherwise draw at random, and the time every timestamp is clamped to.
 *
 * The seed is SHA-256("jeos identity 1", recipe name, version, the lock
 * file's bytes) unless the recipe gives <jeos:identity seed="..."/>. From
 * it come the filesystem UUID and hash seed, the GPT disk and partition
 * GUIDs, the EFI partition's volume id and the password salts, each as
 * SHA-256(seed, purpose): another purpose, an unrelated value. Two
 * appliances built from different recipes or locks never share them.
 *
 * The epoch is SOURCE_DATE_EPOCH from the environment, else the lock's
 * "epoch" (the newest InRelease Date of its repositories), else, for a
 * lock written by an older jeos, the current time (with a warning: such a
 * build is not reproducible).
 */
#ifndef JEOS_IDENTITY_H
#define JEOS_IDENTITY_H

#include <stddef.h>
#include <stdint.h>
#include "recipe.h"
#include "util.h"

struct identity {
	unsigned char seed[32];
	int64_t epoch;
};

/* lock_epoch: the lock's "epoch" (0 if none). A SOURCE_DATE_EPOCH that is
 * not a number of seconds fails (JEOS_EXIT_USAGE). */
int identity_init(struct identity *id, const struct recipe *r, const char *lock_path,
		  int64_t lock_epoch, struct jeos_error *err);

/* n bytes (at most 32) for purpose, e.g. "salt root" */
void identity_bytes(const struct identity *id, const char *purpose, unsigned char *out,
		    size_t n);
/* A random-looking (version 4) UUID for purpose, "8-4-4-4-12" lowercase. */
void identity_uuid(const struct identity *id, const char *purpose, char out[37]);

#endif
