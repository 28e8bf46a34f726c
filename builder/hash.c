/* hash.c - see hash.h. */
#include "hash.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void sha256_init(struct sha256 *h)
{
	h->ctx = EVP_MD_CTX_new();
	if (!h->ctx || !EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL))
		abort();
}

void sha256_update(struct sha256 *h, const void *data, size_t len)
{
	EVP_DigestUpdate(h->ctx, data, len);
}

void sha256_final(struct sha256 *h, char hex[SHA256_HEX_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	EVP_DigestFinal_ex(h->ctx, md, &n);
	EVP_MD_CTX_free(h->ctx);
	h->ctx = NULL;
	for (unsigned int i = 0; i < n; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
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
	char chunk[1 << 16];
	struct sha256 h;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return jeos_fail(err, JEOS_EXIT_FAILED, "cannot open %s: %s", path,
				 strerror(errno));
	sha256_init(&h);
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		sha256_update(&h, chunk, (size_t)n);
	sha256_final(&h, hex);
	if (n < 0) {
		int saved = errno;
		close(fd);
		return jeos_fail(err, JEOS_EXIT_FAILED, "cannot read %s: %s", path,
				 strerror(saved));
	}
	close(fd);
	return 0;
}
