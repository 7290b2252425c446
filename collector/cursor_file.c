/*
 * cursor_file.c — the cursor file: one small text file per device,
 *
 *     loghaul-cursor 1
 *     device edge-1            (bytes outside printable ASCII as %XX)
 *     epoch 1768478400
 *     counter 42
 *     flags 1
 *     seq 22703
 *     ts_ms 1768471357000
 *     index 17
 *     entries 18
 *     bytes 2048
 *     win 4 HASH HASH HASH HASH
 *     cut 57 HASH
 *     whole 80 HASH            (optional: older files lack the line)
 *     end HASH                 (64-bit FNV-1a of every byte before it)
 *
 * keys in this order, nothing else. The end line makes a cut file
 * detectable; writes go through a temp file and rename (see cursor.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collector/cursor_int.h"
#include "common/failpoint.h"
#include "common/log.h"
#include "common/util.h"

#define FILE_MAGIC	"loghaul-cursor"
#define FILE_MAX	8192	/* a real cursor file is well under 1 KiB */

/* The device name with anything but printable ASCII (and '%') as %XX. */
static void
s_escape(char *out, size_t outlen, const char *s)
{
	size_t o = 0;

	for (; *s && o + 4 < outlen; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch > 0x20 && ch < 0x7f && ch != '%')
			out[o++] = (char)ch;
		else
			o += (size_t)snprintf(out + o, outlen - o, "%%%02X", ch);
	}
	out[o] = '\0';
}

enum cerr
cursor_encode(const struct cursor_pos *p, const char *device, char *out,
    size_t outlen, size_t *n)
{
	char dev[3 * 256 + 1], win[CURSOR_WINDOW * 17 + 1];
	size_t len, w = 0;
	int r;

	s_escape(dev, sizeof(dev), device);
	win[0] = '\0';
	for (uint32_t i = 0; i < p->nwin && i < CURSOR_WINDOW; i++)
		w += (size_t)snprintf(win + w, sizeof(win) - w, " %016" PRIx64,
		    p->win[i]);
	r = snprintf(out, outlen,
	    FILE_MAGIC " %d\n"
	    "device %s\n"
	    "epoch %" PRIu32 "\n"
	    "counter %" PRIu32 "\n"
	    "flags %" PRIu32 "\n"
	    "seq %" PRIu64 "\n"
	    "ts_ms %" PRId64 "\n"
	    "index %" PRIu64 "\n"
	    "entries %" PRIu64 "\n"
	    "bytes %" PRIu64 "\n"
	    "win %" PRIu32 "%s\n"
	    "cut %" PRIu32 " %016" PRIx64 "\n"
	    "whole %" PRIu32 " %016" PRIx64 "\n",
	    CURSOR_FILE_VERSION, dev, p->epoch, p->counter, p->flags, p->seq,
	    p->ts_ms, p->index, p->buf_entries, p->buf_bytes,
	    p->nwin, win, p->cut_need, p->cut_fp, p->whole_len, p->whole_fp);
	if (r < 0 || (size_t)r >= outlen)
		return CERR_TOOBIG;
	len = (size_t)r;
	r = snprintf(out + len, outlen - len, "end %016" PRIx64 "\n",
	    util_hash64(out, len));
	if (r < 0 || (size_t)r >= outlen - len)
		return CERR_TOOBIG;
	*n = len + (size_t)r;
	return CERR_OK;
}

/* Split the next line of data off at *off into a NUL-terminated copy. */
static int
s_line(const char *data, size_t len, size_t *off, char *line, size_t linelen)
{
	const char *nl;
	size_t n;

	if (*off >= len)
		return -1;
	nl = memchr(data + *off, '\n', len - *off);
	if (nl == NULL)
		return -1;
	n = (size_t)(nl - (data + *off));
	if (n >= linelen || memchr(data + *off, '\0', n) != NULL)
		return -1;
	memcpy(line, data + *off, n);
	line[n] = '\0';
	*off += n + 1;
	return 0;
}

/* "key value": the value after "key ", or NULL. */
static const char *
s_key(const char *line, const char *key)
{
	size_t n = strlen(key);

	if (strncmp(line, key, n) != 0 || line[n] != ' ')
		return NULL;
	return line + n + 1;
}

static int
s_u64(const char *line, const char *key, uint64_t max, uint64_t *v)
{
	const char *s = s_key(line, key);

	return s != NULL && util_parse_u64(s, max, v) == CERR_OK ? 0 : -1;
}

static int
s_unhex(const char *s, unsigned char *out, size_t n)
{
	for (size_t i = 0; i < 2 * n; i++) {
		char ch = s[i];
		int v;

		if (ch >= '0' && ch <= '9')
			v = ch - '0';
		else if (ch >= 'a' && ch <= 'f')
			v = ch - 'a' + 10;
		else
			return -1;
		if (i % 2 == 0)
			out[i / 2] = (unsigned char)(v << 4);
		else
			out[i / 2] |= (unsigned char)v;
	}
	return s[2 * n] == '\0' ? 0 : -1;
}

static int
s_parse_win(const char *s, struct cursor_pos *p)
{
	char *end;
	unsigned long n;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	n = strtoul(s, &end, 10);
	if (errno != 0 || n > CURSOR_WINDOW)
		return -1;
	s = end;
	for (unsigned long i = 0; i < n; i++) {
		unsigned char b[8];

		if (*s++ != ' ' || strlen(s) < 16)
			return -1;
		{
			char h[17];

			memcpy(h, s, 16);
			h[16] = '\0';
			if (s_unhex(h, b, 8) < 0)
				return -1;
		}
		p->win[i] = 0;
		for (int k = 0; k < 8; k++)
			p->win[i] = p->win[i] << 8 | b[k];
		s += 16;
	}
	p->nwin = (uint32_t)n;
	return *s == '\0' ? 0 : -1;
}

/* "LEN HASH" (the cut and whole lines). */
static int
s_parse_len_hash(const char *s, uint32_t *len_out, uint64_t *fp_out)
{
	unsigned char b[8];
	char *end;
	unsigned long n;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	n = strtoul(s, &end, 10);
	if (errno != 0 || n > UINT32_MAX || *end != ' ' || strlen(end + 1) != 16 ||
	    s_unhex(end + 1, b, 8) < 0)
		return -1;
	*len_out = (uint32_t)n;
	*fp_out = 0;
	for (int k = 0; k < 8; k++)
		*fp_out = *fp_out << 8 | b[k];
	return 0;
}

#define BAD(...) do {					\
	snprintf(err, errlen, __VA_ARGS__);		\
	return CERR_PARSE;				\
} while (0)

/* The keys of lines 2 on, in order; an optional "whole" line follows. */
static const char *const keys[] = {
	"device", "epoch", "counter", "flags", "seq", "ts_ms", "index",
	"entries", "bytes", "win", "cut"
};

/* What is refused at a glance, then line 1 (magic, version); *off past it. */
static enum cerr
s_decode_head(const char *data, size_t len, size_t *off, char *err,
    size_t errlen)
{
	char line[1024];
	const char *val;
	uint64_t v;
	size_t i;

	if (len == 0)
		BAD("empty file (truncated)");
	for (i = 0; i < len && data[i] == '\0'; i++)
		;
	if (i == len)
		BAD("zero-filled (%zu bytes)", len);
	if (len > FILE_MAX)
		BAD("too large (%zu bytes): not a cursor file", len);
	if (s_line(data, len, off, line, sizeof(line)) < 0 ||
	    (val = s_key(line, FILE_MAGIC)) == NULL) {
		if (len >= strlen(FILE_MAGIC) &&
		    memcmp(data, FILE_MAGIC, strlen(FILE_MAGIC)) == 0)
			BAD("truncated in its first line");
		BAD("not a loghaul cursor file (garbage at line 1)");
	}
	if (util_parse_u64(val, UINT32_MAX, &v) != CERR_OK)
		BAD("line 1: bad version \"%.32s\"", val);
	if (v != CURSOR_FILE_VERSION)
		BAD("version %" PRIu64 ", this build reads version %d", v,
		    CURSOR_FILE_VERSION);
	return CERR_OK;
}

/* The end line and its checksum; *body_out is where the end line starts. */
static enum cerr
s_decode_end(const char *data, size_t len, size_t *body_out, char *err,
    size_t errlen)
{
	char hex[17];
	unsigned char b[8];
	uint64_t sum = 0;
	size_t body;

	/* The last line is "end HASH": its absence means a cut file. */
	if (data[len - 1] != '\n')
		BAD("truncated (no final line end)");
	for (body = len - 1; body > 0 && data[body - 1] != '\n'; body--)
		;
	if (len - body != 4 + 16 + 1 || memcmp(data + body, "end ", 4) != 0)
		BAD("truncated (no end line)");
	memcpy(hex, data + body + 4, 16);
	hex[16] = '\0';
	if (s_unhex(hex, b, 8) < 0)
		BAD("bad end line");
	for (int k = 0; k < 8; k++)
		sum = sum << 8 | b[k];
	if (sum != util_hash64(data, body))
		BAD("checksum mismatch (damaged)");
	*body_out = body;
	return CERR_OK;
}

/* The value of keys[i] on line, into p. */
static enum cerr
s_decode_key(size_t i, const char *line, const char *device,
    struct cursor_pos *p, char *err, size_t errlen)
{
	char dev[3 * 256 + 1];
	const char *val;
	uint64_t v = 0;
	int64_t iv;
	int bad = 0;

	switch (i) {
	case 0:
		val = s_key(line, "device");
		s_escape(dev, sizeof(dev), device);
		if (val == NULL)
			bad = 1;
		else if (strcmp(val, dev) != 0)
			BAD("belongs to device \"%.64s\", not \"%.64s\"",
			    val, dev);
		break;
	case 1:
		bad = s_u64(line, "epoch", UINT32_MAX, &v) < 0 || v == 0;
		p->epoch = (uint32_t)v;
		break;
	case 2:
		bad = s_u64(line, "counter", UINT32_MAX, &v) < 0;
		p->counter = (uint32_t)v;
		break;
	case 3:
		bad = s_u64(line, "flags", CURSOR_POS_SEQ |
		    CURSOR_POS_GAPDONE, &v) < 0;
		p->flags = (uint32_t)v;
		break;
	case 4:
		bad = s_u64(line, "seq", UINT64_MAX, &p->seq) < 0;
		break;
	case 5:
		val = s_key(line, "ts_ms");
		bad = val == NULL || util_parse_i64(val, INT64_MIN,
		    INT64_MAX, &iv) != CERR_OK;
		p->ts_ms = bad ? 0 : iv;
		break;
	case 6:
		bad = s_u64(line, "index", UINT64_MAX, &p->index) < 0;
		break;
	case 7:
		bad = s_u64(line, "entries", UINT64_MAX, &p->buf_entries) < 0;
		break;
	case 8:
		bad = s_u64(line, "bytes", UINT64_MAX, &p->buf_bytes) < 0;
		break;
	case 9:
		bad = s_parse_win(s_key(line, "win"), p) < 0;
		break;
	case 10:
		bad = s_parse_len_hash(s_key(line, "cut"), &p->cut_need,
		    &p->cut_fp) < 0;
		break;
	}
	if (bad)
		BAD("line %zu: bad \"%s\": \"%.64s\"", i + 2, keys[i], line);
	return CERR_OK;
}

enum cerr
cursor_decode(const char *data, size_t len, const char *device,
    struct cursor_pos *pos, char *err, size_t errlen)
{
	struct cursor_pos p;
	char line[1024];
	size_t off = 0, body, i;
	enum cerr e;

	memset(&p, 0, sizeof(p));
	if ((e = s_decode_head(data, len, &off, err, errlen)) != CERR_OK ||
	    (e = s_decode_end(data, len, &body, err, errlen)) != CERR_OK)
		return e;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (off >= body || s_line(data, body, &off, line, sizeof(line)) < 0)
			BAD("line %zu: missing \"%s\"", i + 2, keys[i]);
		e = s_decode_key(i, line, device, &p, err, errlen);
		if (e != CERR_OK)
			return e;
	}
	/* Optional: files written before the entry-growth check lack it. */
	if (off < body && s_line(data, body, &off, line, sizeof(line)) == 0 &&
	    s_parse_len_hash(s_key(line, "whole"), &p.whole_len,
	    &p.whole_fp) < 0)
		BAD("line %zu: bad \"whole\": \"%.64s\"", i + 2, line);
	if (off != body)
		BAD("line %zu: unexpected \"%.64s\"", i + 3,
		    s_line(data, body, &off, line, sizeof(line)) == 0 ? line : "");
	*pos = p;
	return CERR_OK;
}

#undef BAD

/* Read the whole file (at most FILE_MAX + 1 bytes, enough to refuse it). */
static int
s_read(const char *path, char *out, size_t outlen, size_t *n)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t got = 0;

	if (fd < 0)
		return -1;
	while (got < outlen) {
		ssize_t r = read(fd, out + got, outlen - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;

			close(fd);
			errno = e;
			return -1;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	*n = got;
	return 0;
}

/*
 * Reuse PATH.prev's inode as the temp file: it is about to be replaced by
 * the file being superseded anyway (s_commit_tmp() links PATH there).
 * Creating a new inode for every save, and freeing one, cost a fifth of
 * the collector's CPU in repeated one-pass polls of 200 devices (perf:
 * ext4 scanning its inode bitmap past recently deleted inodes). Only when
 * .prev is a file of its own: after a crash between link() and rename() it
 * is a second name of PATH, and writing into it would write into PATH.
 */
static void
s_recycle_prev(const struct cursor *c)
{
	struct stat st;

	if (lstat(c->prev, &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink == 1)
		(void)rename(c->prev, c->tmp);
}

/* Write data into the temp file; fsync it when sync (else a syncfs of the
 * whole directory's file system follows, see cursor_save_stage()). */
static enum cerr
s_write_tmp(const struct cursor *c, const char *data, size_t len, int sync,
    char *err, size_t errlen)
{
	const char *what = "open";
	size_t done = 0;
	int fd, e;

	s_recycle_prev(c);
	fd = open(c->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		goto fail;
	what = "write";
	while (done < len) {
		ssize_t r = write(fd, data + done, len - done);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				errno = EIO;
			goto fail_close;
		}
		done += (size_t)r;
	}
	what = "fsync";
	if (sync && fsync(fd) < 0)
		goto fail_close;
	what = "close";
	if (close(fd) < 0)
		goto fail_unlink;
	return CERR_OK;

fail_close:
	e = errno;
	close(fd);
	errno = e;
fail_unlink:
	e = errno;
	unlink(c->tmp);
	errno = e;
fail:
	snprintf(err, errlen, "%s %s: %s", what, c->tmp, strerror(errno));
	return CERR_IO;
}

/* Rename the (durable) temp file over path, keeping the old one as prev. */
static enum cerr
s_commit_tmp(const struct cursor *c, char *err, size_t errlen)
{
	int e;

	/* Keep the file being replaced as PATH.prev (a link: no copy, and
	 * PATH itself exists at every moment). */
	if (unlink(c->prev) < 0 && errno != ENOENT)
		log_warn("device=%s unlink %s", c->device, c->prev);
	if (link(c->path, c->prev) < 0 && errno != ENOENT)
		log_warn("device=%s link %s", c->device, c->prev);
	FAILPOINT("cursor.before_rename");
	if (rename(c->tmp, c->path) < 0) {
		e = errno;
		unlink(c->tmp);
		snprintf(err, errlen, "rename %s to %s: %s", c->tmp, c->path,
		    strerror(e));
		return CERR_IO;
	}
	FAILPOINT("cursor.after_rename");
	return CERR_OK;
}

/*
 * Write data to path atomically: a temp file in the same directory,
 * fsync'd, renamed over path, then the directory fsync'd so the rename
 * itself survives a power cut. On any failure the temp file is removed and
 * path is untouched.
 */
static enum cerr
s_write_atomic(const struct cursor *c, const char *data, size_t len,
    char *err, size_t errlen)
{
	enum cerr e;
	int dfd;

	if ((e = s_write_tmp(c, data, len, 1, err, errlen)) != CERR_OK ||
	    (e = s_commit_tmp(c, err, errlen)) != CERR_OK)
		return e;
	if ((dfd = open(c->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		if (fsync(dfd) < 0)
			log_warn("device=%s fsync %s", c->device, c->dir);
		close(dfd);
	}
	return CERR_OK;
}

static enum cerr
s_save_pos(struct cursor *c, char *err, size_t errlen)
{
	char data[FILE_MAX];
	size_t n;

	if (cursor_encode(&c->acked, c->device, data, sizeof(data), &n) != CERR_OK) {
		snprintf(err, errlen, "cursor too large to encode");
		return CERR_TOOBIG;
	}
	return s_write_atomic(c, data, n, err, errlen);
}

enum cerr
cursor_save(struct cursor *c, char *err, size_t errlen)
{
	char why[512];
	enum cerr e;

	if (c->path == NULL)
		c->dirty = 0;
	if (!c->dirty)
		return CERR_OK;
	if ((e = s_save_pos(c, why, sizeof(why))) != CERR_OK) {
		c->stats.save_errors++;
		if (log_ratelimit(&c->save_rl)) {
			log_warnx("device=%s cursor not saved: %s; the cursor "
			    "file on disk (if any) is kept, unchanged (%u more "
			    "suppressed)", c->device, why, c->save_rl.suppressed);
			c->save_rl.suppressed = 0;
		}
		if (errlen > 0)
			snprintf(err, errlen, "%s", why);
		return e;
	}
	c->dirty = 0;
	return CERR_OK;
}

static void
s_save_failed(struct cursor *c, const char *why, char *err, size_t errlen)
{
	c->stats.save_errors++;
	if (log_ratelimit(&c->save_rl)) {
		log_warnx("device=%s cursor not saved: %s; the cursor file on "
		    "disk (if any) is kept, unchanged (%u more suppressed)",
		    c->device, why, c->save_rl.suppressed);
		c->save_rl.suppressed = 0;
	}
	if (errlen > 0)
		snprintf(err, errlen, "%s", why);
}

enum cerr
cursor_save_stage(struct cursor *c, char *err, size_t errlen)
{
	char data[FILE_MAX], why[512];
	size_t n;
	enum cerr e;

	c->staged = 0;
	if (c->path == NULL)
		c->dirty = 0;
	if (!c->dirty)
		return CERR_NOTFOUND;
	if (cursor_encode(&c->acked, c->device, data, sizeof(data), &n) != CERR_OK) {
		s_save_failed(c, "cursor too large to encode", err, errlen);
		return CERR_TOOBIG;
	}
	if ((e = s_write_tmp(c, data, n, 0, why, sizeof(why))) != CERR_OK) {
		s_save_failed(c, why, err, errlen);
		return e;
	}
	c->staged = 1;
	return CERR_OK;
}

enum cerr
cursor_save_commit(struct cursor *c, char *err, size_t errlen)
{
	char why[512];
	enum cerr e;

	if (!c->staged)
		return CERR_NOTFOUND;
	c->staged = 0;
	if ((e = s_commit_tmp(c, why, sizeof(why))) != CERR_OK) {
		s_save_failed(c, why, err, errlen);
		return e;
	}
	c->dirty = 0;
	return CERR_OK;
}

int
cursor_sync_dir(const char *dir, int data)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = 0;

	if (dfd < 0)
		return -1;
	if (data ? syncfs(dfd) < 0 : fsync(dfd) < 0)
		rc = -1;
	close(dfd);
	return rc;
}

/* A new epoch: later than any this device used, so ids keep growing. */
static void
s_fresh(struct cursor *c, int64_t now_ms, uint64_t seen)
{
	uint64_t e = (uint64_t)(now_ms > 0 ? now_ms : util_wallms()) / 1000;

	if (e <= seen)
		e = seen + 1;
	if (e <= c->epoch_floor)
		e = (uint64_t)c->epoch_floor + 1;
	if (e > UINT32_MAX)
		e = UINT32_MAX;
	memset(&c->acked, 0, sizeof(c->acked));
	c->acked.epoch = (uint32_t)e;
	c->sent = c->acked;
	c->epoch_floor = (uint32_t)e;
	c->dirty = 1;
}

/* The epoch a damaged file still shows, so that the new one is larger. */
static uint64_t
s_salvage_epoch(const char *data, size_t len)
{
	static const char key[] = "\nepoch ";
	uint64_t v = 0;

	for (size_t i = 0; i + sizeof(key) - 1 < len; i++)
		if (memcmp(data + i, key, sizeof(key) - 1) == 0) {
			for (i += sizeof(key) - 1; i < len && data[i] >= '0' &&
			    data[i] <= '9' && v < UINT32_MAX; i++)
				v = v * 10 + (uint64_t)(data[i] - '0');
			return v > UINT32_MAX ? UINT32_MAX : v;
		}
	return 0;
}

/* Move a bad file aside as PATH.bad.<unix time>[.N]; returns its name. */
static char *
s_move_aside(const struct cursor *c, int64_t now_ms)
{
	long long t = (long long)((now_ms > 0 ? now_ms : util_wallms()) / 1000);
	struct stat st;
	int e;

	for (int k = 0; k < 100; k++) {
		char *bad = k == 0 ? xasprintf("%s.bad.%lld", c->path, t) :
		    xasprintf("%s.bad.%lld.%d", c->path, t, k);

		if (stat(bad, &st) == 0) {
			free(bad);
			continue;
		}
		if (rename(c->path, bad) == 0)
			return bad;
		e = errno;
		free(bad);
		errno = e;
		break;
	}
	return NULL;
}

/*
 * The current file is gone or unusable: take PATH.prev if it decodes. Its
 * position is older but of the same epoch, so the records re-read from it
 * get the ids they were first sent with and the alert stage ignores them
 * as already applied; a fresh epoch would give them new ids. 1 if used.
 */
static int
s_load_prev(struct cursor *c)
{
	char data[FILE_MAX + 1], why[600];
	struct cursor_pos pos;
	size_t n = 0;

	if (s_read(c->prev, data, sizeof(data), &n) < 0 ||
	    cursor_decode(data, n, c->device, &pos, why, sizeof(why)) != CERR_OK)
		return 0;
	c->acked = c->sent = pos;
	if (pos.epoch > c->epoch_floor)
		c->epoch_floor = pos.epoch;
	c->dirty = 1;
	return 1;
}

/* The cursor file could not be read (errno e): PATH.prev, or a new epoch. */
static enum cerr
s_load_unreadable(struct cursor *c, int64_t now_ms, int e, char *err,
    size_t errlen)
{
	char saverr[256];

	if (e == ENOENT && s_load_prev(c)) {
		c->stats.load_errors++;
		snprintf(err, errlen, "cursor file %s is missing; using the "
		    "previous one, %s (same epoch %" PRIu32 ")", c->path,
		    c->prev, c->acked.epoch);
		log_warnx("device=%s %s", c->device, err);
		if (cursor_save(c, saverr, sizeof(saverr)) != CERR_OK)
			log_warnx("device=%s the cursor was not saved: %s",
			    c->device, saverr);
		return CERR_PARSE;
	}
	s_fresh(c, now_ms, c->acked.epoch);
	if (e == ENOENT) {
		log_info("device=%s no cursor file %s: new epoch %" PRIu32
		    ", reading the whole buffer", c->device, c->path,
		    c->acked.epoch);
		snprintf(err, errlen, "no cursor file %s", c->path);
		if (cursor_save(c, saverr, sizeof(saverr)) != CERR_OK)
			snprintf(err, errlen, "no cursor file %s; saving "
			    "a new one failed: %s", c->path, saverr);
		return CERR_NOTFOUND;
	}
	c->stats.load_errors++;
	snprintf(err, errlen, "read %s: %s", c->path, strerror(e));
	log_warnx("device=%s cursor file unreadable: %s; new epoch %"
	    PRIu32 " in memory", c->device, err, c->acked.epoch);
	return CERR_IO;
}

/*
 * The cursor file data[0..n) did not decode (why): moved aside, then
 * PATH.prev if it decodes, else a new epoch past the one the file shows.
 */
static enum cerr
s_load_unusable(struct cursor *c, int64_t now_ms, const char *data, size_t n,
    const char *why, char *err, size_t errlen)
{
	char saverr[256], *bad;
	int move_errno;

	c->stats.load_errors++;
	bad = s_move_aside(c, now_ms);
	move_errno = errno;
	if (s_load_prev(c)) {
		snprintf(err, errlen, "cursor file %s is unusable: %s; %s%s; using "
		    "the previous one, %s (same epoch %" PRIu32 ")", c->path, why,
		    bad ? "moved to " : "could not move it aside: ",
		    bad ? bad : strerror(move_errno), c->prev, c->acked.epoch);
		log_warnx("device=%s %s", c->device, err);
		free(bad);
		if (cursor_save(c, saverr, sizeof(saverr)) != CERR_OK)
			log_warnx("device=%s the cursor was not saved: %s",
			    c->device, saverr);
		return CERR_PARSE;
	}
	s_fresh(c, now_ms, s_salvage_epoch(data, n));
	snprintf(err, errlen, "cursor file %s is unusable: %s; %s%s; new epoch %"
	    PRIu32 ", the buffer will be re-read", c->path, why,
	    bad ? "moved to " : "could not move it aside: ",
	    bad ? bad : strerror(move_errno), c->acked.epoch);
	log_warnx("device=%s %s", c->device, err);
	free(bad);
	if (cursor_save(c, saverr, sizeof(saverr)) != CERR_OK)
		log_warnx("device=%s the new cursor was not saved: %s", c->device,
		    saverr);
	return CERR_PARSE;
}

enum cerr
cursor_load(struct cursor *c, int64_t now_ms, char *err, size_t errlen)
{
	char data[FILE_MAX + 1], why[600];
	struct cursor_pos pos;
	size_t n = 0;

	c->ninflight = 0;
	c->gen++;
	if (errlen > 0)
		err[0] = '\0';
	if (c->path == NULL) {
		s_fresh(c, now_ms, c->acked.epoch);
		c->dirty = 0;
		snprintf(err, errlen, "memory-only cursor");
		return CERR_NOTFOUND;
	}
	if (unlink(c->tmp) == 0)
		log_warnx("device=%s removed %s left by an interrupted write "
		    "(the cursor file itself was not touched by it)", c->device,
		    c->tmp);

	if (s_read(c->path, data, sizeof(data), &n) < 0)
		return s_load_unreadable(c, now_ms, errno, err, errlen);
	if (cursor_decode(data, n, c->device, &pos, why, sizeof(why)) == CERR_OK) {
		c->acked = c->sent = pos;
		if (pos.epoch > c->epoch_floor)
			c->epoch_floor = pos.epoch;
		c->dirty = 0;
		return CERR_OK;
	}
	return s_load_unusable(c, now_ms, data, n, why, err, errlen);
}
