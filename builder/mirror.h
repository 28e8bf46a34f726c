/* mirror.h - resolving a repository source to a base URI.
 *
 *   mirror://NAME/path  NAME from --mirror NAME=URI, else the environment
 *                       (JEOS_MIRROR_<NAME>, '-' as '_', upper case), else
 *                       the host's apt sources: the URI whose last path
 *                       component is NAME (".../debian" for "debian").
 *   this://path         relative to the recipe directory, as file://
 *   file://, http://, https://  as they are
 *
 * No archive host name is ever written into jeos: recipes say mirror://.
 */
#ifndef JEOS_MIRROR_H
#define JEOS_MIRROR_H

#include "recipe.h"

/* Adds NAME=URI (from --mirror); returns -1 if the text has no '='. */
int mirror_map_add(struct mirror_map *m, const char *name_eq_uri,
		   struct jeos_error *err);
void mirror_map_free(struct mirror_map *m);

/* Resolves source into a newly allocated base URI without trailing '/'.
 * apt_root is "/" normally (tests use a fake root). On failure err->msg
 * says what was unknown, without the file:line (the caller adds it). */
int mirror_resolve(const char *source, const char *recipe_dir,
		   const struct mirror_map *m, const char *apt_root,
		   char **uri_out, struct jeos_error *err);

/* The host's apt source URIs, in the order apt reads them. */
int mirror_host_uris(const char *apt_root, char ***uris_out, size_t *n,
		     struct jeos_error *err);

#endif
