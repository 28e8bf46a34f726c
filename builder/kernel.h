/* kernel.h - the distribution kernel, trimmed to the appliance.
 *
 * With <jeos:kernel modules="trim"/>, only the modules the declared
 * hardware needs stay in /lib/modules: the disk controller and NIC
 * drivers <machine> names (virtio when there is no <machine>), the
 * filesystem, what systemd loads by name (autofs4), the recipe's
 * <drivers>, and everything those depend on (modules.dep). The rest is
 * deleted inside the image and depmod runs again.
 */
#ifndef JEOS_KERNEL_H
#define JEOS_KERNEL_H

#include <stddef.h>
#include <stdint.h>

#include "guest.h"
#include "hash.h"
#include "recipe.h"
#include "util.h"

/* The module names (as modprobe spells them) the recipe's hardware needs;
 * a NULL-terminated list the caller frees with each string. */
char **kernel_wanted_modules(const struct recipe *r);

/* The initramfs's module list (initramfs-tools modules.d): what finds the
 * root disk on the declared controller, and the filesystem. */
char *kernel_initramfs_modules(const struct recipe *r);

/* Given modules.dep's text, the paths (relative to /lib/modules/VER) of
 * the wanted modules and their dependencies, NULL-terminated. Names not
 * found (built in, or not in this kernel) are appended to *missing
 * (NULL-terminated; may be NULL to ignore). The caller frees both. */
char **kernel_module_closure(const char *modules_dep, char *const *wanted,
			     char ***missing, size_t *nr_missing);

struct kernel_trim {
	size_t kept, removed;          /* modules */
	uint64_t kib_before, kib_after; /* size of /lib/modules/VER */
};

/* Trims /lib/modules/version in the mounted image. */
int kernel_trim_modules(struct guest *gu, const struct recipe *r, const char *version,
			struct kernel_trim *res, struct jeos_error *err);

/* A kernel compiled on the host from the recipe's trimmed configuration
 * (<jeos:kernel build="true">, see kconfig.h), kept in the cache under the
 * hash of its source and .config, so it is compiled once. */
struct built_kernel {
	char *dir;            /* <cache>/kernels/<hash>: vmlinuz, config, System.map, [modules.tar] */
	char *release;        /* `make kernelrelease`, e.g. 6.1.192-jeos */
	char config_sha256[SHA256_HEX_LEN + 1];
	int has_modules;
	double build_seconds; /* 0 when it came from the cache */
};

/* Configures (kconfig_for_recipe) and, unless cached, compiles:
 * `make bzImage [modules]` with every CPU, output in the build's log. */
int kernel_build(const struct recipe *r, const char *cache_dir, const char *kernel_source,
		 struct built_kernel *k, struct jeos_error *err);
void built_kernel_free(struct built_kernel *k);

/* Copies the built kernel into the mounted image: /boot/vmlinuz-REL,
 * /boot/config-REL (the trimmed config), /boot/System.map-REL and, if it
 * has modules, /lib/modules/REL. */
int kernel_install_built(struct guest *gu, const struct built_kernel *k, struct jeos_error *err);

#endif
