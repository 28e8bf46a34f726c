/* ship.h - the last stage: turn the raw disk into the formats users import.
 *
 *   qcow2     qemu-img convert (compressed and -o options from formatoptions)
 *   raw.zst   zstd, multithreaded, frame content size set
 *   vmdk      streamOptimized, written by vmdk.c
 *   ovf       a directory BASE-ovf/ with BASE.ovf, BASE.mf, BASE-disk1.vmdk
 *   ova       BASE.ova: the same three files in a ustar archive (ovf.c)
 *   and always BASE.libvirt.xml (libvirt.c) when the disk is kept as raw/qcow2.
 *
 * Everything is written into a scratch directory; the caller renames the
 * names ship_formats() adds to `outs` once the whole build succeeded.
 */
#ifndef JEOS_SHIP_H
#define JEOS_SHIP_H

#include <stdint.h>

#include "ovf.h"
#include "recipe.h"
#include "util.h"

/* File (or directory) names inside a scratch directory. */
struct outputs {
	char **names;
	size_t nr;
};
void outputs_add(struct outputs *o, const char *name);
void outputs_free(struct outputs *o);

struct ship_spec {
	const char *base;          /* file stem, e.g. jeos-minimal.amd64-1.0.0 */
	unsigned formats;          /* enum format bits */
	const struct recipe_machine *machine;
	enum firmware firmware;
	struct ovf_product product;
	enum ovf_digest digest;
	int qcow2_compressed;
	const char *qcow2_options; /* qemu-img -o, or NULL */
	int64_t mtime;             /* OVA member times */
	const char *final_dir;     /* where the outputs end up: the libvirt XML's disk path */
	int libvirt;               /* write BASE.libvirt.xml */
};

/* The shipping details a recipe gives (formats, machine, product, options). */
void ship_spec_from_recipe(struct ship_spec *s, const struct recipe *r, const char *base,
			   unsigned formats);
void ship_spec_release(struct ship_spec *s);

/* DIR/RAW is the finished raw disk. Writes every format in s->formats
 * (FMT_RAW: RAW itself is an output) into DIR and adds the names. */
int ship_formats(const char *dir, const char *raw, const struct ship_spec *s,
		 struct outputs *outs, struct jeos_error *err);

/* `jeos convert`: INPUT (raw, qcow2 or vmdk, passed by img_check(): an
 * image naming another file is refused) to OUTPUT, whose name gives
 * the format (NAME.qcow2, NAME.ova, ...; NAME.ovf writes NAME.ovf, NAME.mf
 * and NAME-disk1.vmdk beside each other). s gives the hardware and product;
 * base, formats and libvirt are set here. Nothing appears under a final
 * name unless the whole conversion succeeded. */
int ship_convert(const char *input, const char *output, struct ship_spec *s,
		 struct jeos_error *err);

#endif
