/* kconfig.h - a trimmed kernel configuration for a recipe's machine.
 *
 * kernel-configs/ holds Kconfig fragments ("CONFIG_X=y", "# CONFIG_X is
 * not set"). For a recipe they are merged, later ones winning, onto the
 * kernel's tinyconfig in this order:
 *   base-minimal, then base-systemd unless the recipe names base-minimal;
 *   the hardware <machine> implies (no <machine>: virtio);
 *   the root filesystem (ext4, xfs, btrfs); efi for EFI firmware;
 *   the fragments <jeos:kernel config="a,b"> names (a name ending in
 *   ".config" is a file in the recipe directory).
 * The kernel's own Kconfig resolves the result (`make olddefconfig` in an
 * O= directory in the cache; the source tree is never written). Kconfig
 * silently drops a symbol whose dependencies are off, and the kernel boots
 * without an initramfs, so every symbol a fragment asks for must come out
 * with that value (absent counts as "not set"); otherwise the step fails,
 * naming the symbol and its unmet dependencies.
 */
#ifndef JEOS_KCONFIG_H
#define JEOS_KCONFIG_H

#include <stddef.h>
#include <stdio.h>

#include "hash.h"
#include "recipe.h"
#include "util.h"

/* One assignment; a .config and a fragment are lists of them. */
struct kconfig_sym {
	char *name;   /* without "CONFIG_" */
	char *value;  /* "y", "m", "n" (not set), a number or a "quoted string" */
	char *where;  /* "file:line" it was read from */
};

struct kconfig_frag {
	struct kconfig_sym *syms; /* in file order */
	size_t nr, alloc;
	size_t *slots;            /* hash index by name: syms index + 1, 0 free */
	size_t nr_slots;
};

/* Parses fragment or .config text; other comments and blank lines are
 * skipped. A malformed line or a symbol set twice fails with
 * "path:line: error: ..." (exit code 2). f must be empty (zeroed). */
int kconfig_frag_parse(struct kconfig_frag *f, const char *text, const char *path,
		       struct jeos_error *err);
int kconfig_frag_load(struct kconfig_frag *f, const char *path, struct jeos_error *err);
/* The value of name ("n" when absent) and the entry itself (NULL). */
const char *kconfig_frag_value(const struct kconfig_frag *f, const char *name);
const struct kconfig_sym *kconfig_frag_get(const struct kconfig_frag *f, const char *name);
/* Sets every symbol of from in into, from winning. Returns how many
 * symbols changed value (absent counts as "n"). With note_overrides, a
 * value into already had from an earlier fragment is logged (log_info). */
size_t kconfig_frag_merge(struct kconfig_frag *into, const struct kconfig_frag *from,
			  int note_overrides);
/* As .config text: "CONFIG_X=v" or "# CONFIG_X is not set" lines. */
void kconfig_frag_format(const struct kconfig_frag *f, struct strbuf *out);
void kconfig_frag_free(struct kconfig_frag *f);

/* The fragment names for r in merge order (see above), NULL-terminated;
 * the caller frees each and the list. Fails (exit code 2) for a
 * <machine> controller or NIC no fragment drives, or a malformed name. */
int kconfig_choose(const struct recipe *r, char ***names, struct jeos_error *err);

/* Every symbol of requested must have its value in final. On a mismatch,
 * fails (exit code 1) with one paragraph per symbol: the value asked for
 * and where, the value Kconfig gave it, and why, from the Kconfig files
 * of srctree (see kconfig_tree.h). */
int kconfig_verify(const struct kconfig_frag *requested, const struct kconfig_frag *final,
		   const char *srctree, struct jeos_error *err);

struct kconfig_options {
	const char *cache_dir;     /* NULL: the fetcher's default */
	const char *kernel_source; /* an unpacked tree; NULL: the recipe's source package */
	const char *configs_dir;   /* NULL: $JEOS_KERNEL_CONFIGS or the source tree's kernel-configs/ */
	const char *output;        /* also copy the final .config here; may be NULL */
};

struct kconfig_fragment_stat {
	char *name, *path;
	size_t set;   /* symbols the fragment sets */
	size_t added; /* of those, how many changed tinyconfig + the fragments before it */
};

struct kconfig_result {
	char *source_dir;  /* the kernel tree (absolute) */
	char *source_id;   /* SHA-256 of the source .deb, or the tree's path */
	char *build_dir;   /* the O= directory in the cache: `make O=build_dir bzImage`
			    * builds this configuration (ARCH=x86) */
	char *config_path; /* build_dir/.config */
	char config_sha256[SHA256_HEX_LEN + 1];
	size_t nr_y, nr_m;
	struct kconfig_fragment_stat *frags;
	size_t nr_frags;
};

/* The whole step: find or unpack the source (<cache>/kernel-source/<sha256
 * of the .deb>/ for a package, fetched from the recipe's repositories),
 * choose and merge the fragments, run tinyconfig and olddefconfig in
 * <cache>/kernel-build/<SHA-256 of source and fragments>/, verify. */
int kconfig_for_recipe(const struct recipe *r, const struct kconfig_options *o,
		       struct kconfig_result *res, struct jeos_error *err);
/* What each fragment added and the =y/=m counts, for `jeos kconfig`. */
void kconfig_print_summary(const struct kconfig_result *res, FILE *out);
void kconfig_result_free(struct kconfig_result *res);

#endif
