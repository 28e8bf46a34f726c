/* identity.c - see identity.h. */
#include "identity.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hash.h"

/* SHA-256 over the parts, each followed by a NUL (so "ab"+"c" is not
 * "a"+"bc"), as 32 bytes. */
static void digest(const char *const *parts, size_t nr, const void *extra, size_t extra_len,
		   unsigned char out[32])
{
	struct sha256 h;
	char hex[SHA256_HEX_LEN + 1];

	sha256_init(&h);
	for (size_t i = 0; i < nr; i++)
		sha256_update(&h, parts[i], strlen(parts[i]) + 1);
	if (extra_len)
		sha256_update(&h, extra, extra_len);
	sha256_final(&h, hex);
	for (size_t i = 0; i < 32; i++)
		out[i] = (unsigned char)strtoul((char[]){ hex[2 * i], hex[2 * i + 1], 0 }, NULL, 16);
}

int identity_init(struct identity *id, const struct recipe *r, const char *lock_path,
		  int64_t lock_epoch, struct jeos_error *err)
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");

	memset(id, 0, sizeof(*id));
	if (r->identity_seed) {
		const char *parts[] = { "jeos identity seed", r->identity_seed };
		digest(parts, 2, NULL, 0, id->seed);
	} else {
		CLEANUP_STRBUF struct strbuf lock = STRBUF_INIT;
		const char *parts[] = { "jeos identity 1", r->name, r->version };
		if (strbuf_read_file(&lock, lock_path) < 0)
			return jeos_fail(err, JEOS_EXIT_FAILED, "cannot read lock file %s: %s",
					 lock_path, strerror(errno));
		digest(parts, 3, lock.buf, lock.len, id->seed);
	}
	if (sde) {
		char *end;
		errno = 0;
		id->epoch = strtoll(sde, &end, 10);
		if (!*sde || *end || errno || id->epoch < 0)
			return jeos_fail(err, JEOS_EXIT_USAGE, "SOURCE_DATE_EPOCH=%s: expected"
					 " seconds since 1970-01-01 UTC", sde);
	} else if (lock_epoch > 0) {
		id->epoch = lock_epoch;
	} else {
		log_warn("%s has no epoch line (an older jeos wrote it): timestamps are today's,"
			 " so this build is not reproducible; set SOURCE_DATE_EPOCH or"
			 " `jeos lock --update`", lock_path);
		id->epoch = (int64_t)time(NULL);
	}
	return 0;
}

void identity_bytes(const struct identity *id, const char *purpose, unsigned char *out,
		    size_t n)
{
	unsigned char d[32];
	const char *parts[] = { purpose };

	digest(parts, 1, id->seed, sizeof(id->seed), d);
	memcpy(out, d, n < sizeof(d) ? n : sizeof(d));
}

void identity_uuid(const struct identity *id, const char *purpose, char out[37])
{
	unsigned char u[16];

	identity_bytes(id, purpose, u, sizeof(u));
	u[6] = (u[6] & 0x0f) | 0x40; /* version 4 */
	u[8] = (u[8] & 0x3f) | 0x80; /* RFC 4122 variant */
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11],
		 u[12], u[13], u[14], u[15]);
}
