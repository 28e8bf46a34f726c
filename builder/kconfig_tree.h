/* kconfig_tree.h - reading a kernel tree's Kconfig files far enough to say
 * why a symbol did not get the value a fragment asked for.
 *
 * The files are walked from the top-level Kconfig through "source" lines
 * (ARCH x86), keeping the conditions every definition sits under: its own
 * "depends on", the enclosing "if", "menu" and "choice" blocks (across
 * files), and its prompt's "if"; and who "select"s it. These expressions
 * are evaluated against the final .config. This is not a Kconfig
 * implementation: values are never computed (Kconfig did that), defaults
 * and ranges are not read, and $(macros) count as true.
 */
#ifndef JEOS_KCONFIG_TREE_H
#define JEOS_KCONFIG_TREE_H

#include <stddef.h>

#include "kconfig.h"
#include "util.h"

/* The kernel's name for the architecture jeos builds for (SRCARCH). */
#define KCONFIG_SRCARCH "x86"

/* Appends to out, for each of names (without "CONFIG_"), a line with the
 * value requested asked for (and where) and the value final has, then
 * indented lines: where the symbol is defined and, for a symbol asked to
 * be on, the conditions final leaves unmet with the symbols responsible
 * ("NET is off (set by x.config:3)"); for one asked to be off, the enabled
 * symbols that select it; for a name no Kconfig file defines, that it is
 * unknown. Fails only when srctree's Kconfig files cannot be read. */
int kconfig_explain(const char *srctree, char *const *names, size_t nr,
		    const struct kconfig_frag *requested, const struct kconfig_frag *final,
		    struct strbuf *out, struct jeos_error *err);

#endif
