/* hash.h - SHA-256 digests (OpenSSL EVP), as lowercase hex strings. */
#ifndef JEOS_HASH_H
#define JEOS_HASH_H

#include <stddef.h>
#include "util.h"

#define SHA256_HEX_LEN 64

struct sha256 {
	void *ctx; /* EVP_MD_CTX */
};

void sha256_init(struct sha256 *h);
void sha256_update(struct sha256 *h, const void *data, size_t len);
/* Writes 64 hex digits and a NUL into hex; releases the context. */
void sha256_final(struct sha256 *h, char hex[SHA256_HEX_LEN + 1]);

void sha256_buffer(const void *data, size_t len, char hex[SHA256_HEX_LEN + 1]);
int sha256_file(const char *path, char hex[SHA256_HEX_LEN + 1],
		struct jeos_error *err);

#endif
