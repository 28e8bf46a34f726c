/* hash.c - see hash.h. */
#include "hash.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct {
	const char *name;
	const EVP_MD *(*md)(void);
	size_t hex_len;
} algs[HASH_NR] = {
	[HASH_SHA256] = { "SHA256", EVP_sha256, 64 },
	[HASH_SHA1] = { "SHA1", EVP_sha1, 40 },
	[HASH_SHA512] = { "SHA512", EVP_sha512, 128 },
};

/* The one code path: struct hash and struct sha256 both hold a context. */
static void md_init(void **ctx, const EVP_MD *md)
{
	*ctx = EVP_MD_CTX_new();
	if (!*ctx || !EVP_DigestInit_ex(*ctx, md, NULL))
		abort();
}

static void md_final(void **ctx, char *hex)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	EVP_DigestFinal_ex(*ctx, md, &n);
	EVP_MD_CTX_free(*ctx);
	*ctx = NULL;
	for (unsigned int i = 0; i < n; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

void hash_init(struct hash *h, enum hash_alg alg)
{
	md_init(&h->ctx, algs[alg].md());
}

void hash_update(struct hash *h, const void *data, size_t len)
{
	EVP_DigestUpdate(h->ctx, data, len);
}

void hash_final(struct hash *h, char hex[HASH_HEX_MAX + 1])
{
	md_final(&h->ctx, hex);
}

int hash_file(const char *path, enum hash_alg alg, char hex[HASH_HEX_MAX + 1],
	      struct jeos_error *err)
{
	char chunk[1 << 16];
	struct hash h;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return jeos_fail(err, JEOS_EXIT_FAILED, "cannot open %s: %s", path,
				 strerror(errno));
	hash_init(&h, alg);
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		hash_update(&h, chunk, (size_t)n);
	hash_final(&h, hex);
	if (n < 0) {
		int saved = errno;
		close(fd);
		return jeos_fail(err, JEOS_EXIT_FAILED, "cannot read %s: %s", path,
				 strerror(saved));
	}
	close(fd);
	return 0;
}

const char *hash_alg_name(enum hash_alg alg)
{
	return algs[alg].name;
}

size_t hash_hex_len(enum hash_alg alg)
{
	return algs[alg].hex_len;
}

int hash_alg_from_name(const char *name, size_t len, enum hash_alg *alg)
{
	for (int i = 0; i < HASH_NR; i++)
		if (strlen(algs[i].name) == len && !memcmp(algs[i].name, name, len)) {
			*alg = (enum hash_alg)i;
			return 0;
		}
	return -1;
}

void sha256_init(struct sha256 *h)
{
	md_init(&h->ctx, algs[HASH_SHA256].md());
}

void sha256_update(struct sha256 *h, const void *data, size_t len)
{
	EVP_DigestUpdate(h->ctx, data, len);
}

void sha256_final(struct sha256 *h, char hex[SHA256_HEX_LEN + 1])
{
	md_final(&h->ctx, hex);
}

void sha256_buffer(const void *data, size_t len, char hex[SHA256_HEX_LEN + 1])
{
	struct sha256 h;

	sha256_init(&h);
	sha256_update(&h, data, len);
	sha256_final(&h, hex);
}

int sha256_file(const char *path, char hex[SHA256_HEX_LEN + 1],
		struct jeos_error *err)
{
	char full[HASH_HEX_MAX + 1];

	if (hash_file(path, HASH_SHA256, full, err) < 0)
		return -1;
	memcpy(hex, full, SHA256_HEX_LEN + 1);
	return 0;
}
