/* ship.c - see ship.h. */
#include "ship.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <zstd.h>

#include "imgcheck.h"
#include "libvirt.h"
#include "vmdk.h"

void outputs_add(struct outputs *o, const char *name)
{
	o->names = xrealloc(o->names, (o->nr + 1) * sizeof(*o->names));
	o->names[o->nr++] = xstrdup(name);
}

void outputs_free(struct outputs *o)
{
	for (size_t i = 0; i < o->nr; i++)
		free(o->names[i]);
	free(o->names);
	o->names = NULL;
	o->nr = 0;
}

/* The text of the recipe's license file: the EULA shown on import. A
 * license that is only a name (GPL-2.0) has none. */
static char *read_eula(const struct recipe *r)
{
	struct strbuf sb = STRBUF_INIT;

	if (!r->license_file || strbuf_read_file(&sb, r->license_file) < 0) {
		strbuf_release(&sb);
		return NULL;
	}
	return strbuf_detach(&sb);
}

void ship_spec_from_recipe(struct ship_spec *s, const struct recipe *r, const char *base,
			   unsigned formats)
{
	const char *contact = r->contact;
	int is_url = contact && (str_has_prefix(contact, "http://") ||
				 str_has_prefix(contact, "https://"));
	const char *sde = getenv("SOURCE_DATE_EPOCH");

	*s = (struct ship_spec){
		.base = base,
		.formats = formats,
		.machine = &r->machine,
		.firmware = r->type.firmware,
		.product = {
			.name = r->name, .version = r->version, .vendor = r->author,
			.url = is_url ? contact : NULL, .annotation = r->specification,
			.eula = read_eula(r),
		},
		.digest = r->type.manifest_sha1 ? OVF_DIGEST_SHA1 : OVF_DIGEST_SHA256,
		.qcow2_compressed = r->type.qcow2_compressed,
		.qcow2_options = r->type.qcow2_options,
		.mtime = sde ? strtoll(sde, NULL, 10) : (int64_t)time(NULL),
		.libvirt = 1,
	};
}

void ship_spec_release(struct ship_spec *s)
{
	free((char *)s->product.eula);
	s->product.eula = NULL;
}

static int to_qcow2(const char *src, const char *dst, const struct ship_spec *s,
		    struct jeos_error *err)
{
	char *argv[16];
	size_t n = 0;

	argv[n++] = "qemu-img";
	argv[n++] = "convert";
	argv[n++] = "-q";
	argv[n++] = "-f";
	argv[n++] = "raw";
	argv[n++] = "-O";
	argv[n++] = "qcow2";
	if (s->qcow2_compressed)
		argv[n++] = "-c";
	if (s->qcow2_options) {
		argv[n++] = "-o";
		argv[n++] = (char *)s->qcow2_options;
	}
	argv[n++] = (char *)src;
	argv[n++] = (char *)dst;
	argv[n] = NULL;
	return run_program(argv, err);
}

/* zstd level 3 (zstd's default: ~10x faster than xz here, and the
 * zero-filled free space costs nothing) on two worker threads. The frame
 * records the content size, so `zstd -l` and decompressors know it. */
static int to_zst(const char *src, const char *dst, struct jeos_error *err)
{
	ZSTD_CCtx *cctx = ZSTD_createCCtx();
	size_t in_size = ZSTD_CStreamInSize(), out_size = ZSTD_CStreamOutSize();
	CLEANUP_FREE char *in = xmalloc(in_size);
	CLEANUP_FREE char *out = xmalloc(out_size);
	int in_fd = open(src, O_RDONLY | O_CLOEXEC), out_fd = -1;
	struct stat st;
	uint64_t done = 0;
	int rc = -1;

	if (in_fd < 0 || fstat(in_fd, &st) < 0) {
		jeos_fail(err, JEOS_EXIT_FAILED, "cannot read %s: %s", src, strerror(errno));
		goto out;
	}
	out_fd = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out_fd < 0) {
		jeos_fail(err, JEOS_EXIT_FAILED, "cannot write %s: %s", dst, strerror(errno));
		goto out;
	}
	ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, 3);
	ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1);
	ZSTD_CCtx_setParameter(cctx, ZSTD_c_nbWorkers, 2); /* ignored by a single-thread libzstd */
	ZSTD_CCtx_setPledgedSrcSize(cctx, (unsigned long long)st.st_size);
	for (;;) {
		ssize_t got = read(in_fd, in, in_size);
		if (got < 0) {
			jeos_fail(err, JEOS_EXIT_FAILED, "cannot read %s: %s", src, strerror(errno));
			goto out;
		}
		done += (uint64_t)got;
		ZSTD_EndDirective mode = got == 0 ? ZSTD_e_end : ZSTD_e_continue;
		ZSTD_inBuffer ib = { in, (size_t)got, 0 };
		size_t left;
		do {
			ZSTD_outBuffer ob = { out, out_size, 0 };
			left = ZSTD_compressStream2(cctx, &ob, &ib, mode);
			if (ZSTD_isError(left)) {
				jeos_fail(err, JEOS_EXIT_FAILED, "zstd: %s: %s", dst, ZSTD_getErrorName(left));
				goto out;
			}
			if (write(out_fd, out, ob.pos) != (ssize_t)ob.pos) {
				jeos_fail(err, JEOS_EXIT_FAILED, "cannot write %s: %s", dst, strerror(errno));
				goto out;
			}
		} while (mode == ZSTD_e_end ? left != 0 : ib.pos < ib.size);
		progress("raw.zst", (size_t)(done >> 20), (size_t)(st.st_size >> 20), "MiB");
		if (got == 0)
			break;
	}
	progress_done();
	if (close(out_fd) < 0) {
		out_fd = -1;
		jeos_fail(err, JEOS_EXIT_FAILED, "cannot write %s: %s", dst, strerror(errno));
		goto out;
	}
	out_fd = -1;
	rc = 0;
out:
	if (in_fd >= 0)
		close(in_fd);
	if (out_fd >= 0)
		close(out_fd);
	ZSTD_freeCCtx(cctx);
	return rc;
}

/* BASE-ovf/{BASE.ovf, BASE.mf, BASE-disk1.vmdk}: the OVF package, and the
 * directory the OVA is rolled from. */
static int make_ovf_dir(const char *pkg, const char *vmdk, const struct vmdk_info *vi,
			const struct ship_spec *s, struct jeos_error *err)
{
	CLEANUP_FREE char *disk_name = xasprintf("%s-disk1.vmdk", s->base);
	CLEANUP_FREE char *ovf_name = xasprintf("%s.ovf", s->base);
	CLEANUP_FREE char *mf_name = xasprintf("%s.mf", s->base);
	CLEANUP_FREE char *disk = xasprintf("%s/%s", pkg, disk_name);
	CLEANUP_FREE char *ovf = xasprintf("%s/%s", pkg, ovf_name);
	CLEANUP_FREE char *mf = xasprintf("%s/%s", pkg, mf_name);
	const char *members[] = { ovf_name, disk_name };
	struct ovf_disk od = {
		.href = disk_name, .file_size = vi->file_size, .capacity = vi->capacity,
		.populated_size = vi->populated,
	};
	struct ovf_options oo = {
		.product = &s->product, .machine = s->machine, .firmware = s->firmware,
		.disk = &od, .identity = s->base,
	};

	if (mkdir(pkg, 0755) < 0 || link(vmdk, disk) < 0)
		return jeos_fail(err, JEOS_EXIT_FAILED, "cannot make %s: %s", disk, strerror(errno));
	if (ovf_write(ovf, &oo, err) < 0 ||
	    ovf_write_manifest(mf, pkg, members, 2, s->digest, err) < 0)
		return -1;
	return 0;
}

static int write_libvirt(const char *dir, const char *name, const char *raw,
			 const struct ship_spec *s, struct jeos_error *err)
{
	int qcow2 = (s->formats & FMT_QCOW2) != 0;
	CLEANUP_FREE char *disk_name = qcow2 ? xasprintf("%s.qcow2", s->base) : xstrdup(raw);
	CLEANUP_FREE char *final_dir = realpath(s->final_dir, NULL);
	CLEANUP_FREE char *disk_path = NULL;
	CLEANUP_FREE char *path = xasprintf("%s/%s", dir, name);
	struct libvirt_domain d = {
		.name = s->product.name, .machine = s->machine, .firmware = s->firmware,
		.disk_format = qcow2 ? "qcow2" : "raw",
	};

	if (!final_dir)
		return jeos_fail(err, JEOS_EXIT_FAILED, "%s: %s", s->final_dir, strerror(errno));
	d.disk_path = disk_path = xasprintf("%s/%s", final_dir, disk_name);
	return libvirt_write(path, &d, err);
}

/* ddb.adapterType: VMware knows ide, buslogic, lsilogic and legacyESX here;
 * the SAS, paravirtual and SATA controllers come from the OVF, not from it. */
static const char *vmdk_adapter(const struct recipe_machine *m)
{
	return m->present && !strcmp(m->disk_controller, "ide") ? "ide" : "lsilogic";
}

int ship_formats(const char *dir, const char *raw, const struct ship_spec *s,
		 struct outputs *outs, struct jeos_error *err)
{
	CLEANUP_FREE char *src = xasprintf("%s/%s", dir, raw);
	CLEANUP_FREE char *pkg = xasprintf("%s/%s-ovf", dir, s->base);

	if (s->formats & FMT_RAW)
		outputs_add(outs, raw);
	if (s->formats & FMT_QCOW2) {
		CLEANUP_FREE char *name = xasprintf("%s.qcow2", s->base);
		CLEANUP_FREE char *path = xasprintf("%s/%s", dir, name);
		log_info("writing qcow2%s", s->qcow2_compressed ? " (compressed)" : "");
		if (to_qcow2(src, path, s, err) < 0)
			return -1;
		outputs_add(outs, name);
	}
	if (s->formats & FMT_RAW_ZST) {
		CLEANUP_FREE char *name = xasprintf("%s.raw.zst", s->base);
		CLEANUP_FREE char *path = xasprintf("%s/%s", dir, name);
		log_info("writing raw.zst");
		if (to_zst(src, path, err) < 0)
			return -1;
		outputs_add(outs, name);
	}
	if (s->formats & (FMT_VMDK | FMT_OVF | FMT_OVA)) {
		struct vmdk_options vo = {
			.adapter_type = vmdk_adapter(s->machine),
			.hw_version = s->machine->present ? s->machine->hw_version : 0,
		};
		struct vmdk_info vi;
		CLEANUP_FREE char *name = xasprintf("%s.vmdk", s->base);
		CLEANUP_FREE char *path = xasprintf("%s/%s", dir, name);
		log_info("writing streamOptimized vmdk");
		if (vmdk_write(src, path, &vo, &vi, err) < 0)
			return -1;
		if (s->formats & FMT_VMDK)
			outputs_add(outs, name);
		if (s->formats & (FMT_OVF | FMT_OVA) && make_ovf_dir(pkg, path, &vi, s, err) < 0)
			return -1;
	}
	if (s->formats & FMT_OVF) {
		CLEANUP_FREE char *name = xasprintf("%s-ovf", s->base);
		outputs_add(outs, name);
	}
	if (s->formats & FMT_OVA) {
		CLEANUP_FREE char *name = xasprintf("%s.ova", s->base);
		CLEANUP_FREE char *path = xasprintf("%s/%s", dir, name);
		CLEANUP_FREE char *ovf_name = xasprintf("%s.ovf", s->base);
		CLEANUP_FREE char *mf_name = xasprintf("%s.mf", s->base);
		CLEANUP_FREE char *disk_name = xasprintf("%s-disk1.vmdk", s->base);
		const char *members[] = { ovf_name, mf_name, disk_name };
		log_info("writing ova");
		if (ova_write(path, pkg, members, 3, s->mtime, err) < 0)
			return -1;
		outputs_add(outs, name);
	}
	if (s->libvirt && s->formats & (FMT_RAW | FMT_QCOW2)) {
		CLEANUP_FREE char *name = xasprintf("%s.libvirt.xml", s->base);
		if (write_libvirt(dir, name, raw, s, err) < 0)
			return -1;
		outputs_add(outs, name);
	}
	return 0;
}

/* OUTPUT's format from its name: NAME.raw.zst, NAME.qcow2, ... */
static unsigned format_of_output(const char *output, char **stem)
{
	const char *slash = strrchr(output, '/');
	const char *base = slash ? slash + 1 : output;

	for (unsigned i = FMT_COUNT; i-- > 0;) {
		CLEANUP_FREE char *ext = xasprintf(".%s", format_name(1u << i));
		if (str_has_suffix(base, ext) && strlen(base) > strlen(ext)) {
			*stem = xstrndup(base, strlen(base) - strlen(ext));
			return 1u << i;
		}
	}
	return 0;
}

int ship_convert(const char *input, const char *output, struct ship_spec *s,
		 struct jeos_error *err)
{
	CLEANUP_FREE char *stem = NULL, *out_dir = NULL, *in_abs = NULL;
	CLEANUP_FREE char *raw = NULL, *raw_path = NULL;
	struct outputs outs = { 0 };
	struct img_info in;
	const char *scratch;
	unsigned fmt = format_of_output(output, &stem);
	int rc = -1;

	if (!fmt) {
		return jeos_fail(err, JEOS_EXIT_USAGE, "%s: the output's name says its format: "
				 "NAME.raw, .raw.zst, .qcow2, .vmdk, .ovf or .ova", output);
	}
	if (img_check(input, &in, err) < 0)
		return -1;
	if (strcmp(in.format, "raw") && strcmp(in.format, "qcow2") && strcmp(in.format, "vmdk"))
		return jeos_fail(err, JEOS_EXIT_USAGE, "%s is a %s image: jeos convert reads "
				 "raw, qcow2 and vmdk", input, in.format);
	if (!(in_abs = realpath(input, NULL)))
		return jeos_fail(err, JEOS_EXIT_USAGE, "%s: %s", input, strerror(errno));
	out_dir = strrchr(output, '/') ? xstrndup(output, (size_t)(strrchr(output, '/') - output))
				       : xstrdup(".");
	if (!(scratch = scratch_create(out_dir, ".jeos-convert", err)))
		return -1;
	s->base = stem;
	if (!s->product.name)
		s->product.name = stem;
	s->formats = fmt;
	s->libvirt = 0;
	raw = xasprintf("%s.raw", stem);
	raw_path = xasprintf("%s/%s", scratch, raw);
	if (!strcmp(in.format, "raw") && fmt != FMT_RAW) {
		if (symlink(in_abs, raw_path) < 0) {
			jeos_fail(err, JEOS_EXIT_FAILED, "%s: %s", raw_path, strerror(errno));
			goto out;
		}
	} else {
		log_info("reading %s (%s)", input, in.format);
		if (img_convert_to_raw(in_abs, &in, raw_path, err) < 0)
			goto out;
	}
	if (ship_formats(scratch, raw, s, &outs, err) < 0)
		goto out;
	if (fmt == FMT_OVF) {
		/* the package's files land beside each other, as ovftool writes them */
		static const char *const exts[] = { ".ovf", ".mf", "-disk1.vmdk" };
		for (size_t i = 0; i < 3; i++) {
			CLEANUP_FREE char *from = xasprintf("%s/%s-ovf/%s%s", scratch, stem, stem, exts[i]);
			CLEANUP_FREE char *to = xasprintf("%s/%s%s", out_dir, stem, exts[i]);
			if (rename(from, to) < 0) {
				jeos_fail(err, JEOS_EXIT_FAILED, "cannot rename %s: %s", from, strerror(errno));
				goto out;
			}
		}
	} else {
		CLEANUP_FREE char *from = xasprintf("%s/%s", scratch, outs.names[0]);
		if (rename(from, output) < 0) {
			jeos_fail(err, JEOS_EXIT_FAILED, "cannot rename %s: %s", from, strerror(errno));
			goto out;
		}
	}
	rc = 0;
out:
	scratch_remove();
	outputs_free(&outs);
	return rc;
}
