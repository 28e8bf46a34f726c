/* Unit tests for ext4.c: source filesystems made here without root (a
 * directory tree through mke2fs -d, then debugfs for what a directory
 * cannot carry: device nodes, flags, times, attributes), copies checked
 * as a user would, with debugfs, dumpe2fs, e2fsck, diff and cmp. */
#include "testutil.h"
#include "ext4.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define KiB 1024ull
#define MiB (1024 * KiB)
#define EPOCH 1600000000          /* Sun Sep 13 12:26:40 2020 UTC */
#define EPOCH_TEXT "Sun Sep 13 12:26:40 2020"
#define OLD 978307200             /* 2001: older than EPOCH, kept */
#define OLD_EXTRA 493827156u      /* 123456789 ns << 2 */
#define FUTURE 2000000000         /* clamped */
#define DST_OFFSET MiB            /* the destination sits between markers */
#define DST_BYTES (64 * MiB)
#define DST_FILE (DST_OFFSET + DST_BYTES + MiB)
#define MARKER 4096               /* bytes of marker before and after it */
#define B_OFFSET (512 * KiB)      /* source B sits at an offset too */
#define MANY 300                  /* entries of one directory: 3 blocks */
#define UUID "5b3c6d2e-1f4a-4b8c-9d0e-2f3a4b5c6d7e"
#define SEED "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"

static const struct ext4_params params = { "root", UUID, SEED, EPOCH };

enum kind { DIR_, FILE_, SYMLINK_, HARDLINK_, CHR_, BLK_, FIFO_, SOCK_ };
enum content { TEXT, RANDOM, ZAPPED, SPARSE };

/* The tree, parents before children. */
struct node {
	enum kind kind;
	const char *path;
	unsigned mode, uid, gid;
	const char *text;     /* content, symlink target, hard link's first name */
	enum content content;
	size_t size;          /* of RANDOM and ZAPPED content */
	unsigned major, minor;
};

#define LONG_TARGET "../../a/target/path/longer/than/the/sixty/bytes/of/i_block/so/a/slow/symlink"

static const struct node tree[] = {
	{ DIR_, "boot", .mode = 0755 },
	{ FILE_, "boot/ldlinux.sys", .mode = 0444, .content = RANDOM, .size = 3 * 4096 + 1000 },
	{ DIR_, "dev", .mode = 0755 },
	{ CHR_, "dev/null", .mode = 0666, .major = 1, .minor = 3 },
	{ BLK_, "dev/nvme0n1p300", .mode = 0660, .gid = 6, .major = 259, .minor = 300 },
	{ BLK_, "dev/sda", .mode = 0660, .gid = 6, .major = 8, .minor = 0 },
	{ DIR_, "etc", .mode = 0755 },
	{ FILE_, "etc/hostname", .mode = 0644, .text = "jeos\n" },
	{ FILE_, "etc/immutable", .mode = 0644, .text = "cannot change\n" },
	{ FILE_, "etc/shadow", .mode = 0640, .gid = 42, .text = "root:*:19000:0:99999:7:::\n" },
	{ DIR_, "home", .mode = 0755 },
	{ DIR_, "home/user", .mode = 0700, .uid = 1000, .gid = 1000 },
	{ FILE_, "home/user/big-uid", .mode = 0600, .uid = 100000, .gid = 100001, .text = "high bits\n" },
	{ DIR_, "run", .mode = 0755 },
	{ FIFO_, "run/initctl", .mode = 0600 },
	{ SOCK_, "sock", .mode = 0666 },
	{ DIR_, "usr", .mode = 0755 },
	{ DIR_, "usr/bin", .mode = 0755 },
	/* block 1 is all zeros in the tree, allocated in source A */
	{ FILE_, "usr/bin/ping", .mode = 0755, .content = ZAPPED, .size = 4 * 4096 + 100 },
	{ HARDLINK_, "usr/bin/ping6", .text = "usr/bin/ping" },
	{ SYMLINK_, "usr/bin/short", .mode = 0777, .text = "ping" },
	{ DIR_, "usr/lib", .mode = 0755 },
	{ FILE_, "usr/lib/empty", .mode = 0644, .text = "" },
	{ FILE_, "usr/lib/future", .mode = 0644, .text = "future\n" },
	{ SYMLINK_, "usr/lib/long", .mode = 0777, .text = LONG_TARGET },
	{ FILE_, "usr/lib/old", .mode = 0644, .text = "old\n" },
	/* 64 MiB, data in its first and last blocks */
	{ FILE_, "usr/lib/sparse", .mode = 0644, .content = SPARSE },
	{ DIR_, "usr/share", .mode = 0755 },
	{ DIR_, "usr/share/many", .mode = 0755 }, /* + MANY empty files */
};
#define NR_NODES (sizeof(tree) / sizeof(*tree))
#define ZAP_MARK "ZEROED-IN-SOURCE"

/* Source B's */
#define B_UUID "11111111-2222-4333-8444-555555555555"
#define B_SEED "99999999-8888-4777-8666-555555555555"

struct fixture {
	char *dir;
	char *tree;       /* the tree as files: what every copy must hold */
	char *a;          /* source A: mke2fs -d tree, then debugfs */
	char *cap, *acl;  /* attribute values */
	unsigned n;       /* for file names */
};

/* ---- helpers ---- */

/* A command's stdout; the test fails if it fails. */
static char *capture(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *capture(const char *fmt, ...)
{
	struct strbuf cmd = STRBUF_INIT, out = STRBUF_INIT;
	char buf[4096];
	size_t n;
	va_list ap;
	FILE *p;

	va_start(ap, fmt);
	strbuf_vaddf(&cmd, fmt, ap);
	va_end(ap);
	p = popen(cmd.buf, "r");
	assert_non_null(p);
	while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
		strbuf_add(&out, buf, n);
	if (pclose(p) != 0)
		fail_msg("command failed: %s", cmd.buf);
	strbuf_release(&cmd);
	strbuf_addstr(&out, "");
	return strbuf_detach(&out);
}

/* debugfs -R: its answer (the banner goes to stderr). */
static char *debugfs(const char *img, const char *request)
{
	return capture("debugfs -R '%s' '%s' 2>/dev/null", request, img);
}

/* debugfs -w -f SCRIPT: every command must succeed, i.e. print nothing
 * on stderr but the banner. */
static void debugfs_script(const struct fixture *fx, const char *img, const char *script)
{
	CLEANUP_FREE char *file = xasprintf("%s/script", fx->dir);
	CLEANUP_FREE char *errors = NULL;
	struct jeos_error err;

	if (write_file(file, script, strlen(script), &err) < 0)
		fail_msg("%s", err.msg);
	errors = capture("debugfs -w -f '%s' '%s' 2>&1 >/dev/null | grep -v '^debugfs [0-9]' || true",
			 file, img);
	if (*errors)
		fail_msg("debugfs on %s: %s", img, errors);
}

/* "path?offset=N", as e2fsprogs' tools open an image at an offset */
static char *at(const char *img, uint64_t offset)
{
	return xasprintf("%s?offset=%llu", img, (unsigned long long)offset);
}

static char *next_name(struct fixture *fx, const char *what)
{
	return xasprintf("%s/%s-%u", fx->dir, what, fx->n++);
}

static void write_bytes(const char *path, uint64_t off, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY);

	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, data, len, (off_t)off), (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

static void read_bytes(const char *path, uint64_t off, void *data, size_t len)
{
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, data, len, (off_t)off), (ssize_t)len);
	close(fd);
}

static void create_file(const char *path, uint64_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)size), 0);
	assert_int_equal(close(fd), 0);
}

/* Incompressible bytes, the same every run. */
static void fill_random(unsigned char *buf, size_t len, uint32_t seed)
{
	for (size_t i = 0; i < len; i++) {
		seed ^= seed << 13;
		seed ^= seed >> 17;
		seed ^= seed << 5;
		buf[i] = (unsigned char)seed;
	}
}

static char *many_name(unsigned i)
{
	return xasprintf("usr/share/many/entry-%03u-with-a-name-that-takes-room", i);
}

/* ---- the sources ---- */

static void make_node(const struct fixture *fx, const struct node *n)
{
	CLEANUP_FREE char *path = xasprintf("%s/%s", fx->tree, n->path);
	CLEANUP_FREE char *other = NULL;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	unsigned char *buf;
	int fd;

	switch (n->kind) {
	case DIR_:
		assert_int_equal(mkdir(path, 0700), 0);
		break;
	case FILE_:
		if (n->content == SPARSE) {
			create_file(path, 64 * MiB);
			write_bytes(path, 0, "head\n", 5);
			write_bytes(path, 64 * MiB - 5, "tail\n", 5);
			break;
		}
		create_file(path, 0);
		if (n->content == TEXT) {
			write_bytes(path, 0, n->text, strlen(n->text));
			break;
		}
		buf = xmalloc(n->size);
		fill_random(buf, n->size, (uint32_t)n->size);
		if (n->content == ZAPPED) {
			memset(buf + 4096, 0, 4096);
			memcpy(buf + 4096, ZAP_MARK, strlen(ZAP_MARK));
		}
		write_bytes(path, 0, buf, n->size);
		free(buf);
		break;
	case SYMLINK_:
		assert_int_equal(symlink(n->text, path), 0);
		return;
	case HARDLINK_:
		other = xasprintf("%s/%s", fx->tree, n->text);
		assert_int_equal(link(other, path), 0);
		return;
	case FIFO_:
		assert_int_equal(mkfifo(path, 0600), 0);
		break;
	case SOCK_:
		assert_true(strlen(path) < sizeof(sa.sun_path));
		strcpy(sa.sun_path, path);
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		assert_true(fd >= 0);
		assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
		close(fd);
		break;
	case CHR_:
	case BLK_:
		return; /* debugfs makes them: mknod needs root */
	}
	assert_int_equal(chmod(path, n->mode), 0);
}

static void make_tree(const struct fixture *fx)
{
	assert_int_equal(mkdir(fx->tree, 0755), 0);
	for (size_t i = 0; i < NR_NODES; i++)
		make_node(fx, &tree[i]);
	for (unsigned i = 0; i < MANY; i++) {
		CLEANUP_FREE char *name = many_name(i);
		CLEANUP_FREE char *path = xasprintf("%s/%s", fx->tree, name);

		create_file(path, 0);
		assert_int_equal(chmod(path, 0644), 0);
	}
}

static unsigned type_bits(enum kind k)
{
	static const unsigned bits[] = { [DIR_] = S_IFDIR, [FILE_] = S_IFREG, [SYMLINK_] = S_IFLNK,
					 [CHR_] = S_IFCHR, [BLK_] = S_IFBLK, [FIFO_] = S_IFIFO,
					 [SOCK_] = S_IFSOCK };
	return bits[k];
}

static void add_mknod(struct strbuf *sb, const struct node *n)
{
	CLEANUP_FREE char *dir = xstrdup(n->path);
	char *slash = strrchr(dir, '/');

	*slash = '\0';
	if (n->kind == FIFO_)
		strbuf_addf(sb, "cd /%s\nmknod %s p\ncd /\n", dir, slash + 1);
	else
		strbuf_addf(sb, "cd /%s\nmknod %s %c %u %u\ncd /\n", dir, slash + 1,
			    n->kind == CHR_ ? 'c' : 'b', n->major, n->minor);
}

/* What both sources get last, whoever made them: every owner and mode,
 * then the flags, times and attributes the test checks; ping's two
 * attributes are set in either order. */
static void add_fixups(const struct fixture *fx, struct strbuf *sb, int reverse)
{
	CLEANUP_FREE char *cap = xasprintf("ea_set -f %s /usr/bin/ping security.capability\n",
					   fx->cap);
	const char *note = "ea_set /usr/bin/ping user.note set-by-the-test\n";

	/* the root and lost+found differ from what mke2fs makes */
	strbuf_addstr(sb, "sif / mode 040751\nsif / uid 0\nsif / gid 10\n"
		      "sif /lost+found mode 040750\nsif /lost+found gid 10\n");
	for (size_t i = 0; i < NR_NODES; i++) {
		const struct node *n = &tree[i];

		if (n->kind != HARDLINK_)
			strbuf_addf(sb, "sif /%s mode 0%o\nsif /%s uid %u\nsif /%s gid %u\n",
				    n->path, type_bits(n->kind) | n->mode, n->path, n->uid,
				    n->path, n->gid);
	}
	for (unsigned i = 0; i < MANY; i++) {
		CLEANUP_FREE char *name = many_name(i);

		strbuf_addf(sb, "sif /%s uid 0\nsif /%s gid 0\n", name, name);
	}
	strbuf_addf(sb,
		    "sif /etc/immutable flags 0x80010\n"
		    "sif /usr/lib/old mtime @%d\n"
		    "sif /usr/lib/old mtime_extra %u\n"
		    "sif /usr/lib/future mtime @%d\n"
		    "ea_set -f %s /etc/shadow system.posix_acl_access\n"
		    "%s%s",
		    OLD, OLD_EXTRA, FUTURE, fx->acl, reverse ? note : cap, reverse ? cap : note);
}

/* Source A, the way a directory becomes a filesystem (4 KiB blocks, the
 * host's mke2fs.conf), then: device nodes; block 1 of ping turned into
 * allocated zeros; unwritten (uninit) extents in the sparse file. The
 * tree then gets ping's zeros too. */
static void make_source_a(struct fixture *fx)
{
	struct strbuf sb = STRBUF_INIT;
	CLEANUP_FREE char *ping = xasprintf("%s/usr/bin/ping", fx->tree);
	static const char zeros[sizeof(ZAP_MARK)];

	test_shf("mke2fs -q -F -t ext4 -b 4096 -d '%s' '%s' 64M >/dev/null", fx->tree, fx->a);
	for (size_t i = 0; i < NR_NODES; i++)
		if (tree[i].kind == CHR_ || tree[i].kind == BLK_)
			add_mknod(&sb, &tree[i]);
	strbuf_addf(&sb, "zap_block -f /usr/bin/ping -o 0 -l %zu -p 0 1\n"
		    "fallocate /usr/lib/sparse 100 200\n", strlen(ZAP_MARK));
	add_fixups(fx, &sb, 0);
	debugfs_script(fx, fx->a, sb.buf);
	strbuf_release(&sb);
	write_bytes(ping, 4096, zeros, strlen(ZAP_MARK));
}

/* Source B holds the same tree made the other way round: an empty
 * filesystem of 1 KiB blocks with another UUID and hash seed, made and
 * filled "later" (E2FSPROGS_FAKE_TIME), at an offset in its file; a junk
 * file first (removed at the end), directories, then everything else in
 * reverse order, hard links last. Only the socket comes from mke2fs -d:
 * debugfs cannot make one. */
static char *make_source_b(struct fixture *fx)
{
	CLEANUP_FREE char *socks = next_name(fx, "socktree");
	char *img = next_name(fx, "b.img");
	CLEANUP_FREE char *tree_sock = xasprintf("%s/sock", fx->tree);
	CLEANUP_FREE char *spec = at(img, B_OFFSET);
	struct strbuf sb = STRBUF_INIT;

	test_shf("mkdir '%s' && cp -a '%s' '%s/'", socks, tree_sock, socks);
	create_file(img, B_OFFSET + 64 * MiB);
	test_shf("E2FSPROGS_FAKE_TIME=1900000000 mke2fs -q -F -t ext4 -b 1024 -U %s "
		 "-E hash_seed=%s,offset=%llu -d '%s' '%s' 65536k >/dev/null",
		 B_UUID, B_SEED, (unsigned long long)B_OFFSET, socks, img);
	strbuf_addf(&sb, "write %s/usr/bin/ping /junk\n", fx->tree);
	for (size_t i = 0; i < NR_NODES; i++)
		if (tree[i].kind == DIR_)
			strbuf_addf(&sb, "mkdir /%s\n", tree[i].path);
	for (unsigned i = MANY; i-- > 0;) {
		CLEANUP_FREE char *name = many_name(i);

		strbuf_addf(&sb, "write %s/%s /%s\n", fx->tree, name, name);
	}
	for (size_t i = NR_NODES; i-- > 0;) {
		const struct node *n = &tree[i];

		if (n->kind == FILE_)
			strbuf_addf(&sb, "write %s/%s /%s\n", fx->tree, n->path, n->path);
		else if (n->kind == SYMLINK_)
			strbuf_addf(&sb, "symlink /%s %s\n", n->path, n->text);
		else if (n->kind == CHR_ || n->kind == BLK_ || n->kind == FIFO_)
			add_mknod(&sb, n);
	}
	for (size_t i = 0; i < NR_NODES; i++)
		if (tree[i].kind == HARDLINK_)
			strbuf_addf(&sb, "ln /%s /%s\nsif /%s links_count 2\n", tree[i].text,
				    tree[i].path, tree[i].text);
	add_fixups(fx, &sb, 1);
	strbuf_addstr(&sb, "rm /junk\n");
	setenv("E2FSPROGS_FAKE_TIME", "1900000000", 1);
	debugfs_script(fx, spec, sb.buf);
	unsetenv("E2FSPROGS_FAKE_TIME");
	strbuf_release(&sb);
	return img;
}

/* A destination file: DST_BYTES at DST_OFFSET between markers. */
static char *make_dst(struct fixture *fx)
{
	char *img = next_name(fx, "dst.img");
	unsigned char marks[MARKER];
	struct jeos_error err;

	create_file(img, DST_FILE);
	memset(marks, 0xa5, sizeof(marks));
	write_bytes(img, DST_OFFSET - MARKER, marks, MARKER);
	memset(marks, 0x5a, sizeof(marks));
	write_bytes(img, DST_OFFSET + DST_BYTES, marks, MARKER);
	if (ext4_mkfs(img, DST_OFFSET, DST_BYTES, &params, &err) < 0)
		fail_msg("%s", err.msg);
	return img;
}

static void copy_ok(const char *src, uint64_t src_offset, const char *dst, int64_t epoch,
		    struct ext4_stats *st)
{
	struct jeos_error err;

	if (ext4_copy_tree(src, src_offset, dst, DST_OFFSET, epoch, st, &err) < 0)
		fail_msg("%s", err.msg);
}

/* A copy of source A, made as jeos makes one. */
static char *copy_of_a(struct fixture *fx, struct ext4_stats *st)
{
	char *dst = make_dst(fx);

	copy_ok(fx->a, 0, dst, EPOCH, st);
	return dst;
}

static int setup(void **state)
{
	struct fixture *fx = xcalloc(1, sizeof(*fx));
	/* vfs_cap_data revision 2: cap_net_raw permitted and effective */
	static const unsigned char cap[20] = { 0x01, 0x00, 0x00, 0x02, 0x00, 0x20 };
	/* user::rw- user:1000:r-- group::r-- mask::r-- other::--- */
	static const unsigned char acl[] = {
		0x02, 0, 0, 0,
		0x01, 0, 0x06, 0, 0xff, 0xff, 0xff, 0xff,
		0x02, 0, 0x04, 0, 0xe8, 0x03, 0, 0,
		0x04, 0, 0x04, 0, 0xff, 0xff, 0xff, 0xff,
		0x10, 0, 0x04, 0, 0xff, 0xff, 0xff, 0xff,
		0x20, 0, 0x00, 0, 0xff, 0xff, 0xff, 0xff,
	};
	struct jeos_error err;

	fx->dir = test_tmpdir();
	fx->tree = xasprintf("%s/tree", fx->dir);
	fx->a = xasprintf("%s/a.img", fx->dir);
	fx->cap = xasprintf("%s/cap", fx->dir);
	fx->acl = xasprintf("%s/acl", fx->dir);
	if (write_file(fx->cap, cap, sizeof(cap), &err) < 0 ||
	    write_file(fx->acl, acl, sizeof(acl), &err) < 0)
		fail_msg("%s", err.msg);
	make_tree(fx);
	make_source_a(fx);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	test_rmrf(fx->dir);
	free(fx->dir);
	free(fx->tree);
	free(fx->a);
	free(fx->cap);
	free(fx->acl);
	free(fx);
	return 0;
}

/* ---- what a user checks ---- */

/* What a copy keeps of an inode, from debugfs stat: type, mode, flags,
 * owner, size (not a directory's: that is its layout), links, device
 * number, fast symlink target and extended attributes. */
static char *summary(const char *img, const char *path)
{
	CLEANUP_FREE char *req = xasprintf("stat %s", path);
	CLEANUP_FREE char *out = debugfs(img, req);
	struct strbuf sb = STRBUF_INIT;
	int dir = strstr(out, "Type: directory") != NULL, xattrs = 0;
	char *save = NULL, *cut;

	for (char *line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (xattrs && str_has_prefix(line, "  ")) {
			strbuf_addf(&sb, "%s\n", line);
			continue;
		}
		xattrs = !strcmp(line, "Extended attributes:");
		if (str_has_prefix(line, "Inode:"))
			line = strstr(line, "Type:");
		else if (str_has_prefix(line, "User:") && dir && (cut = strstr(line, "   Size:")))
			*cut = '\0';
		else if (str_has_prefix(line, "Links:") && (cut = strstr(line, "   Blockcount:")))
			*cut = '\0';
		else if (!xattrs && !str_has_prefix(line, "User:") &&
			 !str_has_prefix(line, "Device major") && !str_has_prefix(line, "Fast link"))
			continue;
		strbuf_addf(&sb, "%s\n", line);
	}
	if (!sb.len)
		fail_msg("%s: no %s", img, path);
	return strbuf_detach(&sb);
}

/* A time of debugfs stat, " mtime: 0x3a4fc880:1d6f3454 -- ...": the
 * seconds (with the extra field's epoch bits) and the extra field. */
static int64_t stat_time(const char *stat, const char *name, unsigned *extra)
{
	CLEANUP_FREE char *key = xasprintf("%6s: 0x", name); /* " mtime", "crtime" */
	const char *p = strstr(stat, key);
	unsigned lo;

	if (!p)
		fail_msg("no %s in %s", name, stat);
	assert_int_equal(sscanf(p + strlen(key), "%x:%x", &lo, extra), 2);
	return (int32_t)lo + ((int64_t)(*extra & 3) << 32);
}

static char *stat_of(const char *img, const char *path)
{
	CLEANUP_FREE char *req = xasprintf("stat /%s", path);

	return debugfs(img, req);
}

/* No time after the epoch; the creation time is the modification time. */
static void check_times(const char *img, const char *path)
{
	CLEANUP_FREE char *st = stat_of(img, path);
	unsigned m_extra, cr_extra, extra;
	int64_t mtime = stat_time(st, "mtime", &m_extra);

	assert_true(mtime <= EPOCH);
	assert_true(stat_time(st, "ctime", &extra) <= EPOCH);
	assert_true(stat_time(st, "atime", &extra) <= EPOCH);
	assert_int_equal(stat_time(st, "crtime", &cr_extra), mtime);
	assert_int_equal(cr_extra, m_extra);
}

static int inode_of(const char *img, const char *path)
{
	CLEANUP_FREE char *st = stat_of(img, path);
	int ino = 0;

	assert_int_equal(sscanf(st, "Inode: %d", &ino), 1);
	return ino;
}

static size_t count_words(const char *s)
{
	size_t n = 0;

	for (const char *p = s; *p;) {
		p += strspn(p, " \n");
		if (*p)
			n++;
		p += strcspn(p, " \n");
	}
	return n;
}

/* The data blocks of a file, as debugfs lists them (caller frees). */
static char *blocks_of(const char *img, const char *path)
{
	CLEANUP_FREE char *req = xasprintf("blocks /%s", path);

	return debugfs(img, req);
}

/* "Key:   value" of dumpe2fs -h, times in UTC */
static char *dumpe2fs_field(const char *img, const char *key)
{
	CLEANUP_FREE char *out = capture("echo; TZ=UTC dumpe2fs -h '%s' 2>/dev/null", img);
	CLEANUP_FREE char *pattern = xasprintf("\n%s:", key);
	const char *p = strstr(out, pattern);

	if (!p)
		fail_msg("dumpe2fs %s: no %s", img, key);
	p += strlen(pattern);
	p += strspn(p, " \t");
	return xstrndup(p, strcspn(p, "\n"));
}

static void assert_field(const char *img, const char *key, const char *want)
{
	CLEANUP_FREE char *got = dumpe2fs_field(img, key);

	if (strcmp(got, want))
		fail_msg("%s: %s is \"%s\", expected \"%s\"", img, key, got, want);
}

static void e2fsck_clean(const char *img)
{
	test_shf("e2fsck -fn '%s' >/dev/null 2>&1", img);
}

/* Names, types, content and symlink targets, read back with rdump
 * (which skips device nodes, fifos and sockets). */
static void assert_same_files(struct fixture *fx, const char *img)
{
	CLEANUP_FREE char *out = next_name(fx, "rdump");

	test_shf("mkdir '%s' && debugfs -R 'rdump / %s' '%s' 2>/dev/null", out, out, img);
	test_shf("diff -r --no-dereference -x lost+found -x initctl -x sock '%s' '%s'",
		 fx->tree, out);
	test_rmrf(out);
}

/* ---- tests ---- */

/* The copy holds the tree of source A with every attribute; the
 * filesystem is the one asked for, clean, and at its place in the file. */
static void test_copy(void **state)
{
	struct fixture *fx = *state;
	struct ext4_stats st;
	CLEANUP_FREE char *dst = copy_of_a(fx, &st);
	CLEANUP_FREE char *img = at(dst, DST_OFFSET);
	CLEANUP_FREE char *shadow = stat_of(img, "etc/shadow");
	CLEANUP_FREE char *ping = stat_of(img, "usr/bin/ping");
	CLEANUP_FREE char *null = stat_of(img, "dev/null");
	CLEANUP_FREE char *nvme = stat_of(img, "dev/nvme0n1p300");
	CLEANUP_FREE char *lost_found = stat_of(img, "lost+found");
	CLEANUP_FREE char *old = stat_of(img, "usr/lib/old");
	CLEANUP_FREE char *future = stat_of(img, "usr/lib/future");
	CLEANUP_FREE char *user = stat_of(img, "home/user/big-uid");
	CLEANUP_FREE char *ping_blocks = blocks_of(img, "usr/bin/ping");
	CLEANUP_FREE char *sparse_blocks = blocks_of(img, "usr/lib/sparse");
	CLEANUP_FREE char *total = dumpe2fs_field(img, "Block count");
	CLEANUP_FREE char *free_blocks = dumpe2fs_field(img, "Free blocks");
	uint64_t dirs = 2, files = MANY; /* the root and lost+found */
	unsigned extra;

	e2fsck_clean(img);
	assert_same_files(fx, img);
	for (size_t i = 0; i < NR_NODES + 2; i++) {
		CLEANUP_FREE char *path = xasprintf("/%s", i < NR_NODES ? tree[i].path :
							   i == NR_NODES ? "lost+found" : "");
		CLEANUP_FREE char *want = summary(fx->a, path);
		CLEANUP_FREE char *got = summary(img, path);

		if (strcmp(want, got))
			fail_msg("%s differs:\n%s---\n%s", path, want, got);
		check_times(img, path + 1);
	}
	/* what the summaries compared, spelt out */
	assert_non_null(strstr(shadow, "Mode:  0640"));
	assert_non_null(strstr(lost_found, "Mode:  0750"));
	assert_non_null(strstr(shadow, "system.posix_acl_access (28) = 01 00 00 00 01 00 06 00 02 00 04 00 e8 03 00 00"));
	assert_non_null(strstr(ping, "Links: 2"));
	assert_non_null(strstr(ping, "security.capability (20) = 01 00 00 02 00 20 00 00"));
	assert_non_null(strstr(ping, "user.note (15) = \"set-by-the-test\""));
	assert_int_equal(inode_of(img, "usr/bin/ping"), inode_of(img, "usr/bin/ping6"));
	assert_non_null(strstr(null, "Type: character special"));
	assert_non_null(strstr(null, "Device major/minor number: 01:03"));
	assert_non_null(strstr(nvme, "Device major/minor number: 259:300"));
	assert_non_null(strstr(user, "User: 100000   Group: 100001"));
	/* ping's block 1 and the unwritten extents are holes */
	assert_int_equal(count_words(ping_blocks), 4);
	assert_int_equal(count_words(sparse_blocks), 2);
	/* an old time is kept to the nanosecond, a later one clamped */
	assert_int_equal(stat_time(old, "mtime", &extra), OLD);
	assert_int_equal(extra, OLD_EXTRA);
	assert_int_equal(stat_time(future, "mtime", &extra), EPOCH);
	assert_int_equal(extra, 0);
	/* a file with two names counts once */
	for (size_t i = 0; i < NR_NODES; i++)
		tree[i].kind == DIR_ ? dirs++ : tree[i].kind != HARDLINK_ ? files++ : 0;
	assert_int_equal(st.dirs, dirs);
	assert_int_equal(st.files, files);
	assert_int_equal(st.bytes_used, (strtoull(total, NULL, 10) - strtoull(free_blocks, NULL, 10)) * 4096);
	/* what the tree took: the used blocks beyond an empty filesystem's */
	CLEANUP_FREE char *empty = make_dst(fx);
	CLEANUP_FREE char *empty_img = at(empty, DST_OFFSET);
	CLEANUP_FREE char *empty_free = dumpe2fs_field(empty_img, "Free blocks");
	assert_int_equal(st.bytes_tree, (strtoull(empty_free, NULL, 10) -
					 strtoull(free_blocks, NULL, 10)) * 4096);
}

static void test_superblock(void **state)
{
	struct fixture *fx = *state;
	CLEANUP_FREE char *dst = copy_of_a(fx, NULL);
	CLEANUP_FREE char *img = at(dst, DST_OFFSET);

	assert_field(img, "Filesystem volume name", "root");
	assert_field(img, "Filesystem UUID", UUID);
	assert_field(img, "Directory Hash Seed", SEED);
	assert_field(img, "Filesystem features",
		     "has_journal ext_attr resize_inode dir_index filetype extent 64bit "
		     "flex_bg sparse_super large_file huge_file dir_nlink extra_isize metadata_csum");
	assert_field(img, "Filesystem flags", "signed_directory_hash ");
	assert_field(img, "Filesystem state", "clean");
	assert_field(img, "Block size", "4096");
	assert_field(img, "Inode size", "256");
	assert_field(img, "Block count", "16384");
	assert_field(img, "Filesystem created", EPOCH_TEXT);
	assert_field(img, "Last write time", EPOCH_TEXT);
	assert_field(img, "Last checked", EPOCH_TEXT);
	assert_field(img, "Last mount time", "n/a");
	assert_field(img, "Mount count", "0");
}

/* Only the range is written, and sparsely. */
static void test_in_place(void **state)
{
	struct fixture *fx = *state;
	CLEANUP_FREE char *dst = copy_of_a(fx, NULL);
	unsigned char got[MARKER], want[MARKER];
	struct stat st;

	memset(want, 0xa5, sizeof(want));
	read_bytes(dst, DST_OFFSET - MARKER, got, MARKER);
	assert_memory_equal(got, want, MARKER);
	memset(want, 0x5a, sizeof(want));
	read_bytes(dst, DST_OFFSET + DST_BYTES, got, MARKER);
	assert_memory_equal(got, want, MARKER);
	assert_int_equal(stat(dst, &st), 0);
	assert_int_equal(st.st_size, DST_FILE);
	/* the content is some 160 KiB, the metadata mke2fs writes some 300 */
	assert_true((uint64_t)st.st_blocks * 512 < 2 * MiB);
}

/* Same tree, same bytes, however the source was made; another epoch or
 * another byte of content gives another image. */
static void test_deterministic(void **state)
{
	struct fixture *fx = *state;
	CLEANUP_FREE char *a1 = copy_of_a(fx, NULL);
	CLEANUP_FREE char *b = make_source_b(fx);
	CLEANUP_FREE char *b1 = NULL, *later = NULL, *changed = NULL, *c1 = NULL;
	CLEANUP_FREE char *c = next_name(fx, "c.img");
	mode_t old_umask;

	/* B's copy as on another host: another umask, another fake time
	 * about, a filesystem that cannot zero ranges (mke2fs writes zeros) */
	old_umask = umask(077);
	setenv("E2FSPROGS_FAKE_TIME", "1234567890", 1);
	setenv("UNIX_IO_NOZEROOUT", "1", 1);
	b1 = make_dst(fx);
	copy_ok(b, B_OFFSET, b1, EPOCH, NULL);
	unsetenv("UNIX_IO_NOZEROOUT");
	unsetenv("E2FSPROGS_FAKE_TIME");
	umask(old_umask);
	test_shf("cmp '%s' '%s'", a1, b1);

	later = make_dst(fx);
	copy_ok(fx->a, 0, later, EPOCH + 1, NULL);
	test_shf("! cmp -s '%s' '%s'", a1, later);

	/* jeos -> Keos in /etc/hostname */
	test_shf("cp --sparse=always '%s' '%s'", fx->a, c);
	debugfs_script(fx, c, "zap_block -f /etc/hostname -o 0 -l 1 -p 0x4b 0\n");
	c1 = make_dst(fx);
	copy_ok(c, 0, c1, EPOCH, NULL);
	test_shf("! cmp -s '%s' '%s'", a1, c1);
	changed = capture("debugfs -R 'cat /etc/hostname' '%s?offset=%llu' 2>/dev/null", c1,
			  (unsigned long long)DST_OFFSET);
	assert_string_equal(changed, "Keos\n");
}

/* Sources of other kinds: 1 KiB blocks with inline data (small files,
 * directories and symlinks inside their inodes); ext3's block maps and
 * 128-byte inodes (no nanoseconds, no creation time). */
static void test_other_sources(void **state)
{
	struct fixture *fx = *state;
	static const char *const kinds[] = { "-t ext4 -b 1024 -O inline_data", "-t ext3 -I 128" };

	for (size_t i = 0; i < sizeof(kinds) / sizeof(*kinds); i++) {
		CLEANUP_FREE char *src = next_name(fx, "other.img");
		CLEANUP_FREE char *dst = make_dst(fx);
		CLEANUP_FREE char *img = at(dst, DST_OFFSET);
		CLEANUP_FREE char *ping = NULL;

		test_shf("mke2fs -q -F %s -d '%s' '%s' 64M >/dev/null 2>&1", kinds[i], fx->tree, src);
		copy_ok(src, 0, dst, EPOCH, NULL);
		e2fsck_clean(img);
		assert_same_files(fx, img);
		ping = stat_of(img, "usr/bin/ping6");
		assert_non_null(strstr(ping, "Links: 2"));
		check_times(img, "etc/hostname");
	}
}

/* A file of 1 TiB with two blocks of data: holes are never read. */
static void test_huge_sparse(void **state)
{
	struct fixture *fx = *state;
	CLEANUP_FREE char *dir = next_name(fx, "huge");
	CLEANUP_FREE char *file = xasprintf("%s/huge", dir);
	CLEANUP_FREE char *src = next_name(fx, "huge.img");
	CLEANUP_FREE char *dst = make_dst(fx);
	CLEANUP_FREE char *img = at(dst, DST_OFFSET);
	CLEANUP_FREE char *st = NULL, *blocks = NULL;
	const uint64_t size = 1024ull * 1024 * MiB;
	unsigned long long last = 0;
	char tail[5];
	double t;

	assert_int_equal(mkdir(dir, 0755), 0);
	create_file(file, size);
	write_bytes(file, 0, "head", 4);
	write_bytes(file, size - 4, "tail", 4);
	test_shf("mke2fs -q -F -t ext4 -d '%s' '%s' 64M >/dev/null", dir, src);
	t = now_seconds();
	copy_ok(src, 0, dst, EPOCH, NULL);
	assert_true(now_seconds() - t < 30); /* reading the holes takes hours */
	st = stat_of(img, "huge");
	assert_non_null(strstr(st, "Size: 1099511627776\n"));
	blocks = blocks_of(img, "huge");
	assert_int_equal(count_words(blocks), 2);
	assert_int_equal(sscanf(strchr(blocks, ' '), " %llu", &last), 1);
	read_bytes(dst, DST_OFFSET + last * 4096 + 4092, tail, 4);
	assert_memory_equal(tail, "tail", 4);
	e2fsck_clean(img);
}

/* A destination too small names the file that did not fit. */
static void test_too_small(void **state)
{
	struct fixture *fx = *state;
	CLEANUP_FREE char *dir = next_name(fx, "big");
	CLEANUP_FREE char *file = xasprintf("%s/big", dir);
	CLEANUP_FREE char *src = next_name(fx, "big.img");
	CLEANUP_FREE char *dst = next_name(fx, "small.img");
	CLEANUP_FREE char *want = xasprintf("%s: /big: Could not allocate block in ext2 "
					    "filesystem: the disk is too small: raise <size>", dst);
	unsigned char *buf = xmalloc(12 * MiB);
	struct jeos_error err;

	assert_int_equal(mkdir(dir, 0755), 0);
	create_file(file, 0);
	fill_random(buf, 12 * MiB, 7);
	write_bytes(file, 0, buf, 12 * MiB);
	free(buf);
	test_shf("mke2fs -q -F -t ext4 -d '%s' '%s' 32M >/dev/null", dir, src);
	create_file(dst, 8 * MiB);
	if (ext4_mkfs(dst, 0, 8 * MiB, &params, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(ext4_copy_tree(src, 0, dst, 0, EPOCH, NULL, &err), -1);
	assert_string_equal(err.msg, want);
	assert_int_equal(err.code, JEOS_EXIT_FAILED);
}

static void expect_copy_error(const char *src, const char *dst, int64_t epoch,
			      const char *want, int code)
{
	struct jeos_error err;

	assert_int_equal(ext4_copy_tree(src, 0, dst, DST_OFFSET, epoch, NULL, &err), -1);
	assert_string_equal(err.msg, want);
	assert_int_equal(err.code, code);
}

/* ---- hostile sources ---- */

/* Seconds a refusal may take: the images below took minutes or forever;
 * the slowest refusals take 0.2 s (2048 levels of directories copied
 * first; ten times that under ASan on a loaded machine) and e2fsck's
 * limit of 2 s (the block map that stalls it). */
#define REFUSED_WITHIN 5

/* Root in the guest can write the scratch disk's blocks: what it can make
 * is refused within seconds, naming the path and the inode, and the copy
 * leaves no file behind. Each message is the copy's own, e2fsck -fn
 * missing it (a PATH whose e2fsck finds nothing), and e2fsck's report
 * when it runs (FSCK, a phrase of it; NULL: e2fsck finds nothing). */
static void expect_refused(struct fixture *fx, const char *src, const char *want,
			   const char *fsck)
{
	CLEANUP_FREE char *dst = make_dst(fx), *dst2 = make_dst(fx);
	CLEANUP_FREE char *bin = xasprintf("%s/no-e2fsck", fx->dir);
	CLEANUP_FREE char *e2fsck = xasprintf("%s/e2fsck", bin);
	CLEANUP_FREE char *path = xstrdup(getenv("PATH"));
	CLEANUP_FREE char *fake_path = xasprintf("%s:%s", bin, path);
	CLEANUP_FREE char *fsck_head = xasprintf("%s: e2fsck -fn finds the filesystem at byte 0 "
						 "damaged:\n", src);
	CLEANUP_FREE char *before = NULL, *after = NULL;
	struct jeos_error err;
	double t;

	if (access(e2fsck, X_OK) < 0)
		test_shf("mkdir -p '%s' && printf '#!/bin/sh\\nexit 0\\n' >'%s' && chmod +x '%s'",
			 bin, e2fsck, e2fsck);
	before = capture("ls -A '%s'", fx->dir);
	setenv("PATH", fake_path, 1);
	t = now_seconds();
	assert_int_equal(ext4_copy_tree(src, 0, dst, DST_OFFSET, EPOCH, NULL, &err), -1);
	setenv("PATH", path, 1);
	assert_true(now_seconds() - t < REFUSED_WITHIN);
	assert_string_equal(err.msg, want);
	assert_int_equal(err.code, JEOS_EXIT_FAILED);

	t = now_seconds();
	assert_int_equal(ext4_copy_tree(src, 0, dst2, DST_OFFSET, EPOCH, NULL, &err), -1);
	assert_true(now_seconds() - t < REFUSED_WITHIN);
	if (!fsck)
		assert_string_equal(err.msg, want);
	else if (!str_has_prefix(err.msg, fsck_head) || !strstr(err.msg, fsck))
		fail_msg("not e2fsck's \"%s\": %s", fsck, err.msg);
	after = capture("ls -A '%s'", fx->dir);
	assert_string_equal(after, before);
}

/* A small source as the guest would leave it, then changed with debugfs
 * SCRIPT: 4 KiB blocks; no metadata_csum, or the test would write the
 * checksums as root in the guest could. */
static char *make_hostile(struct fixture *fx, const char *script)
{
	CLEANUP_FREE char *dir = next_name(fx, "hostile");
	CLEANUP_FREE char *big = xasprintf("%s/big", dir);
	char *img = next_name(fx, "hostile.img");
	unsigned char *buf = xmalloc(MiB);

	/* big: 1 MiB, 256 blocks in one extent */
	test_shf("mkdir -p '%s/a/b' '%s/d' && echo f >'%s/a/b/f' && echo 1 >'%s/d/aXb' && "
		 "echo 2 >'%s/d/zzz' && ln -s a/b/f '%s/l'", dir, dir, dir, dir, dir, dir);
	fill_random(buf, MiB, 11);
	create_file(big, 0);
	write_bytes(big, 0, buf, MiB);
	free(buf);
	test_shf("mke2fs -q -F -t ext4 -b 4096 -O ^metadata_csum -d '%s' '%s' 32M >/dev/null",
		 dir, img);
	test_rmrf(dir);
	if (script)
		debugfs_script(fx, img, script);
	return img;
}

/* "img: path: what (a damaged filesystem: e2fsck it)" */
static char *damaged_msg(const char *img, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static char *damaged_msg(const char *img, const char *path, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	strbuf_addf(&sb, "%s: %s: ", img, path);
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	strbuf_addstr(&sb, " (a damaged filesystem: e2fsck it)");
	return strbuf_detach(&sb);
}

/* A directory loop, a directory's second name, a file with more names
 * than links, an entry for the root: every inode is copied once. */
static void test_hostile_names_of_inodes(void **state)
{
	struct fixture *fx = *state;
	CLEANUP_FREE char *loop = make_hostile(fx, "ln /a /a/b/loop\n");
	CLEANUP_FREE char *twice = make_hostile(fx, "ln /a /c\n");
	CLEANUP_FREE char *file = make_hostile(fx, "ln /a/b/f /e\n");
	CLEANUP_FREE char *root = make_hostile(fx, "ln <2> /a/up\n");
	CLEANUP_FREE char *want_loop = damaged_msg(loop, "/a/b/loop", "directory inode %d has a "
						   "second name: a hard link or a loop",
						   inode_of(loop, "a"));
	CLEANUP_FREE char *want_twice = damaged_msg(twice, "/c", "directory inode %d has a second "
						    "name: a hard link or a loop",
						    inode_of(twice, "a"));
	CLEANUP_FREE char *want_file = damaged_msg(file, "/e", "inode %d has more names than "
						   "its 1 links", inode_of(file, "a/b/f"));
	CLEANUP_FREE char *want_root = damaged_msg(root, "/a/up", "the entry names reserved "
						   "inode 2");

	expect_refused(fx, loop, want_loop, "is a link to directory /a");
	expect_refused(fx, twice, want_twice, "is a link to directory /a");
	expect_refused(fx, file, want_file, "ref count is 1, should be 2");
	expect_refused(fx, root, want_root, "is a link to the root inode");
}

/* Writes an extent tree node of ENTRIES entries at block BLK: each maps
 * logical block 0 to block TO, through an index (DEPTH > 0) or as an
 * extent of LEN blocks. */
static void write_extent_node(const char *img, uint64_t blk, unsigned entries, unsigned depth,
			      uint32_t to, unsigned len)
{
	unsigned char buf[4096] = { 0 };

	le16_put(buf, 0xf30a);
	le16_put(buf + 2, entries);
	le16_put(buf + 4, 340);
	le16_put(buf + 6, depth);
	for (unsigned i = 0; i < entries; i++) {
		unsigned char *e = buf + 12 + 12 * i;

		if (depth) {
			le32_put(e + 4, to);
		} else {
			le16_put(e + 4, len);
			le32_put(e + 8, to);
		}
	}
	write_bytes(img, blk * 4096, buf, sizeof(buf));
}

/* Extents that map one range three times; an extent tree whose three
 * root entries lead to one node of 340 entries leading to one leaf: 1 MiB
 * would read as 1 GiB, and more with each level; a node whose entry is
 * itself. The copy reads each block once. */
static void test_hostile_extents(void **state)
{
	struct fixture *fx = *state;
	CLEANUP_FREE char *thrice = make_hostile(fx, NULL);
	CLEANUP_FREE char *tree = make_hostile(fx, NULL);
	CLEANUP_FREE char *blocks = blocks_of(thrice, "big");
	unsigned long long p = strtoull(blocks, NULL, 10);
	struct strbuf sb = STRBUF_INIT;
	CLEANUP_FREE char *self = next_name(fx, "self.img");
	CLEANUP_FREE char *want_thrice = NULL, *want_tree = NULL, *want_self = NULL;

	/* in i_block: a header, then 3 extents of 256 blocks from p */
	strbuf_addstr(&sb, "sif /big block[0] 0x0003f30a\nsif /big block[1] 4\n"
		      "sif /big size 3145728\n");
	for (int i = 0; i < 3; i++)
		strbuf_addf(&sb, "sif /big block[%d] %d\nsif /big block[%d] 256\n"
			    "sif /big block[%d] %llu\n", 3 + 3 * i, 256 * i, 4 + 3 * i, 5 + 3 * i, p);
	debugfs_script(fx, thrice, sb.buf);
	strbuf_reset(&sb);
	/* a root of depth 2 -> p -> p + 1 -> the 254 blocks from p + 2 */
	strbuf_addstr(&sb, "sif /big block[0] 0x0003f30a\nsif /big block[1] 0x00020004\n");
	for (int i = 0; i < 3; i++)
		strbuf_addf(&sb, "sif /big block[%d] %llu\nsif /big block[%d] 0\n", 4 + 3 * i, p,
			    5 + 3 * i);
	debugfs_script(fx, tree, sb.buf);
	strbuf_release(&sb);
	write_extent_node(tree, p, 340, 1, (uint32_t)p + 1, 0);
	write_extent_node(tree, p + 1, 1, 0, (uint32_t)p + 2, 254);
	test_shf("cp --sparse=always '%s' '%s'", tree, self);
	write_extent_node(self, p, 1, 1, (uint32_t)p, 0);

	want_thrice = damaged_msg(thrice, "/big", "inode %d maps block %llu, mapped already by it "
				  "or another inode", inode_of(thrice, "big"), p);
	want_tree = damaged_msg(tree, "/big", "inode %d maps block %llu, mapped already by it "
				"or another inode", inode_of(tree, "big"), p + 1);
	expect_refused(fx, thrice, want_thrice, "Multiply-claimed block");
	want_self = damaged_msg(self, "/big", "inode %d maps block %llu, mapped already by it "
				"or another inode", inode_of(self, "big"), p);
	expect_refused(fx, tree, want_tree, "has a duplicate extent mapping");
	expect_refused(fx, self, want_self, "Found cyclic loop in extent tree");
}

/* ext3's block map: a double indirect block that maps itself as an
 * indirect block. e2fsck -fn stalls on it (ten minutes and more) and is
 * stopped at its limit: the copy's own check refuses it. */
static void test_hostile_block_map(void **state)
{
	struct fixture *fx = *state;
	CLEANUP_FREE char *src = next_name(fx, "ext3.img");
	CLEANUP_FREE char *st = NULL, *want = NULL;
	uint32_t map[1024];
	unsigned long long dind;

	/* the sparse file's last block is beyond 12 + 1024: double indirect */
	test_shf("mke2fs -q -F -t ext3 -b 4096 -d '%s' '%s' 64M >/dev/null", fx->tree, src);
	st = stat_of(src, "usr/lib/sparse");
	assert_non_null(strstr(st, "(DIND):"));
	dind = strtoull(strstr(st, "(DIND):") + 7, NULL, 10);
	for (size_t i = 0; i < 1024; i++)
		le32_put((unsigned char *)&map[i], (uint32_t)dind);
	write_bytes(src, dind * 4096, map, sizeof(map));
	want = damaged_msg(src, "/usr/lib/sparse", "inode %d maps block %llu, mapped already by "
			   "it or another inode", inode_of(src, "usr/lib/sparse"), dind);
	expect_refused(fx, src, want, NULL);
}

/* A file larger than ext4 holds; a symlink longer than its inode holds;
 * the largest file ext4 holds is copied. */
static void test_hostile_sizes(void **state)
{
	struct fixture *fx = *state;
	CLEANUP_FREE char *huge = make_hostile(fx, "sif /a/b/f size 0x1000000000000000\n");
	CLEANUP_FREE char *link = make_hostile(fx, "sif /l size 100\n");
	CLEANUP_FREE char *max = make_hostile(fx, "sif /a/b/f size 17592186040320\n");
	CLEANUP_FREE char *dst = make_dst(fx);
	CLEANUP_FREE char *img = at(dst, DST_OFFSET);
	CLEANUP_FREE char *st = NULL;
	CLEANUP_FREE char *want_huge = damaged_msg(huge, "/a/b/f", "inode %d has a size of "
						   "1152921504606846976 bytes, more than an ext4 "
						   "file holds", inode_of(huge, "a/b/f"));
	CLEANUP_FREE char *want_link = damaged_msg(link, "/l", "inode %d is a symlink of 100 "
						   "bytes without a data block", inode_of(link, "l"));

	expect_refused(fx, huge, want_huge, "i_size is 1152921504606846976");
	expect_refused(fx, link, want_link, "Symlink /l");
	copy_ok(max, 0, dst, EPOCH, NULL);
	e2fsck_clean(img);
	st = stat_of(img, "a/b/f");
	assert_non_null(strstr(st, "Size: 17592186040320\n"));
}

/* Gives the entry OLD of directory DIR a name of LEN bytes, as root
 * writing the directory's block could. */
static void rename_entry(const char *img, const char *dir, const char *old, const char *name,
			 size_t len)
{
	CLEANUP_FREE char *blocks = blocks_of(img, dir);
	uint64_t blk = strtoull(blocks, NULL, 10) * 4096;
	unsigned char buf[4096], *p;

	read_bytes(img, blk, buf, sizeof(buf));
	p = memmem(buf, sizeof(buf), old, strlen(old));
	assert_non_null(p);
	p[-2] = (unsigned char)len; /* the entry's name_len */
	memcpy(p, name, len);
	write_bytes(img, blk, buf, sizeof(buf));
}

/* Names with '/' or NUL, and "." or ".." as other entries' names. */
static void test_hostile_entry_names(void **state)
{
	struct fixture *fx = *state;
	static const struct {
		const char *name, *why, *fsck;
		size_t len;
	} bad[] = {
		{ "a/b", "a name holding '/' or NUL", "has illegal characters in its name", 3 },
		{ "a\0b", "a name holding '/' or NUL", "has illegal characters in its name", 3 },
		{ ".", "a second \".\" or \"..\"", "is duplicate '.' entry", 1 },
		{ "..", "a second \".\" or \"..\"", "is duplicate '..' entry", 2 },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		CLEANUP_FREE char *img = make_hostile(fx, NULL);
		CLEANUP_FREE char *want = damaged_msg(img, "/d", "the entry for inode %d: %s",
						      inode_of(img, "d/aXb"), bad[i].why);

		rename_entry(img, "d", "aXb", bad[i].name, bad[i].len);
		expect_refused(fx, img, want, bad[i].fsck);
	}
}

/* The recursion's bound: 2048 levels of directories are copied, not
 * 2049 (their paths are longer than PATH_MAX already). */
static void test_hostile_depth(void **state)
{
	struct fixture *fx = *state;
	CLEANUP_FREE char *src = make_hostile(fx, NULL);
	CLEANUP_FREE char *dst = make_dst(fx);
	CLEANUP_FREE char *img = at(dst, DST_OFFSET);
	struct strbuf sb = STRBUF_INIT, want = STRBUF_INIT;

	for (int i = 0; i < 2048; i++)
		strbuf_addstr(&sb, "mkdir n\ncd n\n");
	debugfs_script(fx, src, sb.buf);
	copy_ok(src, 0, dst, EPOCH, NULL);
	e2fsck_clean(img);
	strbuf_reset(&sb);
	strbuf_addf(&want, "%s: ", src);
	for (int i = 0; i < 2048; i++) {
		strbuf_addstr(&sb, "cd n\n");
		strbuf_addstr(&want, "/n");
	}
	strbuf_addstr(&sb, "mkdir n\n");
	strbuf_addstr(&want, "/n: directories nested deeper than 2048 levels");
	debugfs_script(fx, src, sb.buf);
	expect_refused(fx, src, want.buf, NULL);
	strbuf_release(&sb);
	strbuf_release(&want);
}

/* A superblock claiming more than the file holds; a root that is no
 * directory. */
static void test_hostile_geometry(void **state)
{
	struct fixture *fx = *state;
	CLEANUP_FREE char *dst = make_dst(fx);
	CLEANUP_FREE char *cut = make_hostile(fx, NULL);
	CLEANUP_FREE char *root = make_hostile(fx, "sif / mode 0100644\n");
	CLEANUP_FREE char *want_cut = xasprintf("%s: the filesystem at byte 0 claims 8192 blocks of "
						"4096 bytes, more than its file holds", cut);
	CLEANUP_FREE char *want_root = damaged_msg(root, "/", "inode 2, the root, is not a "
						   "directory");

	assert_int_equal(truncate(cut, 32 * MiB - 4096), 0);
	expect_copy_error(cut, dst, EPOCH, want_cut, JEOS_EXIT_FAILED);
	expect_refused(fx, root, want_root, "Root inode is not a directory");
}

static void test_bad_source(void **state)
{
	struct fixture *fx = *state;
	CLEANUP_FREE char *dst = make_dst(fx);
	CLEANUP_FREE char *missing = xasprintf("%s/missing.img", fx->dir);
	CLEANUP_FREE char *not_ext4 = next_name(fx, "zeros.img");
	CLEANUP_FREE char *want_missing = xasprintf("%s: cannot open the ext4 filesystem at "
						    "byte 0: No such file or directory", missing);
	CLEANUP_FREE char *want_not = xasprintf("%s: cannot open the ext4 filesystem at byte 0: "
						"Bad magic number in super-block", not_ext4);
	CLEANUP_FREE char *want_full = xasprintf("%s: the filesystem at byte %llu is not empty",
						 dst, (unsigned long long)DST_OFFSET);
	CLEANUP_FREE char *damaged = next_name(fx, "damaged.img");
	CLEANUP_FREE char *want_damaged = NULL;
	CLEANUP_FREE char *want_dirty = xasprintf("%s: the filesystem was not unmounted cleanly "
						  "(its journal needs recovery)", damaged);

	create_file(not_ext4, MiB);
	expect_copy_error(missing, dst, EPOCH, want_missing, JEOS_EXIT_FAILED);
	expect_copy_error(not_ext4, dst, EPOCH, want_not, JEOS_EXIT_FAILED);
	expect_copy_error(fx->a, dst, 0, "SOURCE_DATE_EPOCH 0 is out of range for ext4 "
			  "(1 to 4294967295)", JEOS_EXIT_USAGE);
	/* a damaged inode; a filesystem still mounted, or crashed */
	test_shf("cp --sparse=always '%s' '%s'", fx->a, damaged);
	debugfs_script(fx, damaged, "sif /etc/hostname mode 0644\n");
	want_damaged = damaged_msg(damaged, "/etc/hostname", "inode %d has no file type",
				   inode_of(damaged, "etc/hostname"));
	expect_refused(fx, damaged, want_damaged, "has invalid mode (0644)");
	debugfs_script(fx, damaged, "feature needs_recovery\n");
	expect_copy_error(damaged, dst, EPOCH, want_dirty, JEOS_EXIT_FAILED);
	/* a tree copied twice into one filesystem */
	copy_ok(fx->a, 0, dst, EPOCH, NULL);
	expect_copy_error(fx->a, dst, EPOCH, want_full, JEOS_EXIT_FAILED);
}

static void test_bad_target(void **state)
{
	struct fixture *fx = *state;
	CLEANUP_FREE char *img = next_name(fx, "short.img");
	CLEANUP_FREE char *want_short = xasprintf("%s: not a regular file of at least %llu bytes",
						  img, (unsigned long long)(DST_OFFSET + DST_BYTES));
	CLEANUP_FREE char *want_label = xasprintf("%s: label \"seventeen-bytes-x\" is longer "
						  "than 16 bytes", img);
	CLEANUP_FREE char *want_uuid = xasprintf("%s: UUID \"5b3c6d2e\" or hash seed \"%s\" is "
						 "not 8-4-4-4-12 hex digits", img, SEED);
	CLEANUP_FREE char *want_size = xasprintf("%s: a filesystem of 1000 bytes: not a multiple "
						 "of 4096", img);
	struct ext4_params p = params;
	struct jeos_error err;

	create_file(img, DST_OFFSET + DST_BYTES - 1);
	assert_int_equal(ext4_mkfs(img, DST_OFFSET, DST_BYTES, &p, &err), -1);
	assert_string_equal(err.msg, want_short);
	p.label = "seventeen-bytes-x";
	assert_int_equal(ext4_mkfs(img, 0, MiB, &p, &err), -1);
	assert_string_equal(err.msg, want_label);
	assert_int_equal(err.code, JEOS_EXIT_USAGE);
	p = params;
	p.uuid = "5b3c6d2e";
	assert_int_equal(ext4_mkfs(img, 0, MiB, &p, &err), -1);
	assert_string_equal(err.msg, want_uuid);
	p = params;
	assert_int_equal(ext4_mkfs(img, 0, 1000, &p, &err), -1);
	assert_string_equal(err.msg, want_size);
	p.epoch = 1ll << 32;
	assert_int_equal(ext4_mkfs(img, 0, MiB, &p, &err), -1);
	assert_string_equal(err.msg, "SOURCE_DATE_EPOCH 4294967296 is out of range for ext4 "
			    "(1 to 4294967295)");
}

/* What extlinux patches into its boot sector: every sector of the file,
 * in order. */
static void test_file_sectors(void **state)
{
	struct fixture *fx = *state;
	CLEANUP_FREE char *dst = copy_of_a(fx, NULL);
	CLEANUP_FREE char *img = at(dst, DST_OFFSET);
	CLEANUP_FREE char *blocks = blocks_of(img, "boot/ldlinux.sys");
	CLEANUP_FREE uint64_t *sectors = NULL;
	CLEANUP_FREE char *want_hole = xasprintf("%s: /usr/bin/ping: block 1 is a hole (all "
						 "zeros); a boot loader reading sectors needs "
						 "every block on disk", dst);
	CLEANUP_FREE char *want_dir = xasprintf("%s: /etc: not a regular file", dst);
	CLEANUP_FREE char *want_missing = xasprintf("%s: /etc/none: File not found by "
						    "ext2_lookup", dst);
	const size_t size = 3 * 4096 + 1000;
	unsigned char from_sectors[3 * 4096 + 1000], from_file[3 * 4096 + 1000];
	CLEANUP_FREE char *file = xasprintf("%s/boot/ldlinux.sys", fx->tree);
	struct jeos_error err;
	size_t nr = 0, i = 0;
	char *p = blocks, *end;

	if (ext4_file_sectors(dst, DST_OFFSET, "/boot/ldlinux.sys", &sectors, &nr, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(nr, (size + 511) / 512);
	assert_int_equal(count_words(blocks), 4);
	/* debugfs's block numbers x 8, as far as the size goes */
	for (uint64_t b; (b = strtoull(p, &end, 10)), end != p; p = end)
		for (unsigned s = 0; s < 8 && i < nr; s++, i++)
			assert_int_equal(sectors[i], b * 8 + s);
	assert_int_equal(i, nr);
	/* and they hold the file */
	for (i = 0; i < nr; i++) {
		size_t n = i + 1 < nr ? 512 : size - i * 512;

		read_bytes(dst, DST_OFFSET + sectors[i] * 512, from_sectors + i * 512, n);
	}
	read_bytes(file, 0, from_file, size);
	assert_memory_equal(from_sectors, from_file, size);
	free(sectors);

	assert_int_equal(ext4_file_sectors(dst, DST_OFFSET, "/usr/bin/ping", &sectors, &nr, &err), -1);
	assert_string_equal(err.msg, want_hole);
	assert_int_equal(ext4_file_sectors(dst, DST_OFFSET, "/etc", &sectors, &nr, &err), -1);
	assert_string_equal(err.msg, want_dir);
	assert_int_equal(ext4_file_sectors(dst, DST_OFFSET, "/etc/none", &sectors, &nr, &err), -1);
	assert_string_equal(err.msg, want_missing);
	assert_null(sectors);
}

/* An immutable file (extlinux's ldlinux.sys) keeps its zero blocks: the
 * boot sector loads it sector by sector, and a hole has none. */
static void test_immutable_dense(void **state)
{
	struct fixture *fx = *state;
	CLEANUP_FREE char *src = next_name(fx, "immutable-src.img");
	CLEANUP_FREE char *dst = make_dst(fx);
	CLEANUP_FREE char *img = at(dst, DST_OFFSET);
	CLEANUP_FREE char *blocks = NULL;
	CLEANUP_FREE uint64_t *sectors = NULL;
	struct jeos_error err;
	size_t nr = 0;

	test_shf("cp --sparse=always '%s' '%s'", fx->a, src);
	/* ping's block 1 is allocated zeros in source A */
	debugfs_script(fx, src, "sif /usr/bin/ping flags 0x80010\n");
	copy_ok(src, 0, dst, EPOCH, NULL);
	blocks = blocks_of(img, "usr/bin/ping");
	assert_int_equal(count_words(blocks), 5);
	if (ext4_file_sectors(dst, DST_OFFSET, "/usr/bin/ping", &sectors, &nr, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(nr, (4 * 4096 + 100 + 511) / 512);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_copy),
		cmocka_unit_test(test_superblock),
		cmocka_unit_test(test_in_place),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_other_sources),
		cmocka_unit_test(test_huge_sparse),
		cmocka_unit_test(test_too_small),
		cmocka_unit_test(test_hostile_names_of_inodes),
		cmocka_unit_test(test_hostile_extents),
		cmocka_unit_test(test_hostile_block_map),
		cmocka_unit_test(test_hostile_sizes),
		cmocka_unit_test(test_hostile_entry_names),
		cmocka_unit_test(test_hostile_depth),
		cmocka_unit_test(test_hostile_geometry),
		cmocka_unit_test(test_bad_source),
		cmocka_unit_test(test_bad_target),
		cmocka_unit_test(test_file_sectors),
		cmocka_unit_test(test_immutable_dense),
	};
	return cmocka_run_group_tests_name("ext4", tests, setup, teardown);
}
