/* hash.h - SHA-256, SHA-1 and SHA-512 digests (OpenSSL EVP), as lowercase
 * hex strings. One code path serves every algorithm; the sha256_* names
 * are the common case. */
#ifndef JEOS_HASH_H
#define JEOS_HASH_H

#include <stddef.h>
#include "util.h"

enum hash_alg { HASH_SHA256, HASH_SHA1, HASH_SHA512, HASH_NR };

#define SHA256_HEX_LEN 64
#define HASH_HEX_MAX 128 /* SHA-512 */

struct hash {
	void *ctx; /* EVP_MD_CTX; NULL once final */
};

void hash_init(struct hash *h, enum hash_alg alg);
void hash_update(struct hash *h, const void *data, size_t len);
/* Writes the hex digits and a NUL into hex; releases the context. */
void hash_final(struct hash *h, char hex[HASH_HEX_MAX + 1]);
int hash_file(const char *path, enum hash_alg alg, char hex[HASH_HEX_MAX + 1],
	      struct jeos_error *err);
/* "SHA256", "SHA1", "SHA512": as OVF manifests spell them. */
const char *hash_alg_name(enum hash_alg alg);
/* Hex digits a digest has (64 for SHA-256). */
size_t hash_hex_len(enum hash_alg alg);
/* 0 and *alg set if name is one of hash_alg_name()'s, else -1. */
int hash_alg_from_name(const char *name, size_t len, enum hash_alg *alg);

struct sha256 {
	void *ctx; /* EVP_MD_CTX; NULL once final */
};

void sha256_init(struct sha256 *h);
void sha256_update(struct sha256 *h, const void *data, size_t len);
/* Writes 64 hex digits and a NUL into hex; releases the context. */
void sha256_final(struct sha256 *h, char hex[SHA256_HEX_LEN + 1]);

void sha256_buffer(const void *data, size_t len, char hex[SHA256_HEX_LEN + 1]);
int sha256_file(const char *path, char hex[SHA256_HEX_LEN + 1],
		struct jeos_error *err);

#endif
