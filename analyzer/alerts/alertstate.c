/*
 * alertstate.c — snapshot + journal persistence of the alert stage
 * (alertstate.h explains the layout and the recovery rules).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "analyzer/alerts/alert_int.h"
#include "analyzer/alerts/alertrec.h"
#include "analyzer/alerts/alertstate.h"
#include "common/buf.h"
#include "common/log.h"
#include "common/util.h"

#define SNAP_MAGIC   "LHAS"
#define JRNL_MAGIC   "LHAJ"
#define REC_MAGIC    0x5241484cu	/* "LHAR" little-endian */
#define STATE_VER    ALERTREC_VER	/* written; ALERTREC_VER_MIN.. read */
#define SNAP_HDR     32u		/* magic ver gen len hash */
#define JRNL_HDR     16u		/* magic ver gen */
#define REC_HDR      16u		/* magic len hash */

struct alertstate {
	char    *dir;
	char    *snap, *snaptmp, *jrnl, *jrnltmp, *lock;
	int      lockfd;
	int      jfd;		/* journal, O_APPEND; -1 when none */
	uint64_t gen;
	uint64_t jsize;		/* bytes known good in the journal */
	uint64_t snapsize;
	int      need_compact;
	int      failing;
};

/* ---- cursors ---- */

void
alertstate_cursor_set(struct alertstate_cursors *c, const char *key,
    uint64_t seq)
{
	for (size_t i = 0; i < c->n; i++) {
		if (strcmp(c->v[i].key, key) == 0) {
			c->v[i].seq = seq;
			return;
		}
	}
	c->v = xrealloc(c->v, (c->n + 1) * sizeof *c->v);
	c->v[c->n].key = xstrdup(key);
	c->v[c->n].seq = seq;
	c->n++;
}

uint64_t
alertstate_cursor_get(const struct alertstate_cursors *c, const char *key,
    int *found)
{
	for (size_t i = 0; i < c->n; i++) {
		if (strcmp(c->v[i].key, key) == 0) {
			if (found)
				*found = 1;
			return c->v[i].seq;
		}
	}
	if (found)
		*found = 0;
	return 0;
}

void
alertstate_cursors_free(struct alertstate_cursors *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->v[i].key);
	free(c->v);
	c->v = NULL;
	c->n = 0;
}

/* ---- files ---- */

static int
s_write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n > 0) {
		ssize_t w = write(fd, c, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
s_fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/*
 * Read a whole file: 1 read, 0 absent, 2 not something we could have
 * written (not a regular file, too large: set it aside), -1 an I/O error
 * (err set).
 */
static int
s_slurp(const char *path, struct buf *out, char *err, size_t errlen)
{
	struct stat sb;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char tmp[65536];

	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(sb.st_mode) || (uint64_t)sb.st_size > ALERTSTATE_MAX_FILE) {
		close(fd);
		return 2;
	}
	for (;;) {
		ssize_t n = read(fd, tmp, sizeof tmp);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			close(fd);
			return -1;
		}
		if (n == 0)
			break;
		if (buf_append(out, tmp, (size_t)n) != CERR_OK) {
			snprintf(err, errlen, "%s: too large", path);
			close(fd);
			return -1;
		}
	}
	close(fd);
	return 1;
}

/*
 * Keep a bad file for a human to look at, out of the stage's way. Returns
 * 0, or -1 when it cannot be moved (then the stage must not go on: it would
 * trip over the same file at every start).
 */
static int
s_move_aside(const char *path, const char *why, char *err, size_t errlen)
{
	char dst[PATH_MAX];
	long now = (long)time(NULL);

	for (int i = 0; i < 100; i++) {
		if (i == 0)
			snprintf(dst, sizeof dst, "%s.bad.%ld", path, now);
		else
			snprintf(dst, sizeof dst, "%s.bad.%ld.%d", path, now, i);
		if (access(dst, F_OK) == 0)
			continue;
		if (rename(path, dst) == 0) {
			log_warnx("alert state: file=%s problem=\"%s\": moved aside to %s",
			    path, why, dst);
			if (snprintf(err, errlen, "%s: %s (moved aside to %s)",
			    path, why, dst) >= (int)errlen)
				err[errlen - 1] = '\0';	/* cut; still a string */
			return 0;
		}
		break;
	}
	snprintf(err, errlen, "%s: %s, and it cannot be moved aside: %s", path,
	    why, strerror(errno));
	log_warnx("alert state: %s", err);
	return -1;
}

static char *
s_join(const char *dir, const char *name)
{
	return xasprintf("%s/%s", dir, name);
}

struct alertstate *
alertstate_open(const char *dir, char *err, size_t errlen)
{
	struct alertstate *st;
	struct stat sb;

	if (dir == NULL || *dir == '\0') {
		snprintf(err, errlen, "no state directory configured");
		return NULL;
	}
	if (stat(dir, &sb) < 0) {
		if (errno != ENOENT || util_mkdir_p(dir, 0750) < 0) {
			snprintf(err, errlen, "state directory %s: %s", dir,
			    strerror(errno));
			return NULL;
		}
	} else if (!S_ISDIR(sb.st_mode)) {
		snprintf(err, errlen, "state directory %s: not a directory", dir);
		return NULL;
	}
	st = xcalloc(1, sizeof *st);
	st->dir = xstrdup(dir);
	st->snap = s_join(dir, "alerts.snap");
	st->snaptmp = s_join(dir, "alerts.snap.tmp");
	st->jrnl = s_join(dir, "alerts.journal");
	st->jrnltmp = s_join(dir, "alerts.journal.tmp");
	st->lock = s_join(dir, "alerts.lock");
	st->jfd = -1;
	st->lockfd = open(st->lock, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
	if (st->lockfd < 0) {
		snprintf(err, errlen, "%s: %s", st->lock, strerror(errno));
		alertstate_free(&st);
		return NULL;
	}
	if (flock(st->lockfd, LOCK_EX | LOCK_NB) < 0) {
		snprintf(err, errlen, "%s: %s", st->lock,
		    errno == EWOULDBLOCK ?
		    "another alert stage is using this state directory" :
		    strerror(errno));
		alertstate_free(&st);
		return NULL;
	}
	return st;
}

void
alertstate_free(struct alertstate **stp)
{
	struct alertstate *st;

	if (stp == NULL || (st = *stp) == NULL)
		return;
	if (st->jfd >= 0)
		close(st->jfd);
	if (st->lockfd >= 0)
		close(st->lockfd);	/* releases the flock */
	free(st->dir);
	free(st->snap);
	free(st->snaptmp);
	free(st->jrnl);
	free(st->jrnltmp);
	free(st->lock);
	free(st);
	*stp = NULL;
}

uint64_t
alertstate_journal_size(const struct alertstate *st)
{
	return st->jsize;
}

int
alertstate_failing(const struct alertstate *st)
{
	return st->failing;
}

static uint64_t
s_rd64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static uint32_t
s_rd32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

/* Clear what a failed load put in place. */
static void
s_load_reset(struct alertrec_load *ld)
{
	alert_reset(ld->e);
	alert_changes_clear(ld->outbox);
	alertstate_cursors_free(ld->cursors);
}

/* 0 loaded, 1 absent, -1 bad (why set). */
static int
s_load_snap(struct alertstate *st, const struct buf *b, struct alertrec_load *ld,
    const char **why)
{
	const unsigned char *p = (const unsigned char *)b->data;
	uint64_t len;
	struct alertrec_load check = { NULL, NULL, NULL, 0 };

	if (b->len < SNAP_HDR) {
		*why = b->len == 0 ? "empty file" : "truncated header";
		return -1;
	}
	if (memcmp(p, SNAP_MAGIC, 4) != 0) {
		*why = "not a loghaul alert snapshot (bad magic; zeroed or garbage)";
		return -1;
	}
	if (s_rd32(p + 4) < ALERTREC_VER_MIN || s_rd32(p + 4) > STATE_VER) {
		*why = "unsupported snapshot version";
		return -1;
	}
	check.ver = ld->ver = s_rd32(p + 4);
	len = s_rd64(p + 16);
	if (len != b->len - SNAP_HDR) {
		*why = len > b->len - SNAP_HDR ? "truncated (shorter than its header says)" :
		    "trailing bytes after the snapshot";
		return -1;
	}
	if (util_hash64(p + SNAP_HDR, len) != s_rd64(p + 24)) {
		*why = "checksum mismatch (corrupt contents)";
		return -1;
	}
	if (alertrec_items(p + SNAP_HDR, len, &check) < 0) {
		*why = "undecodable contents";
		return -1;
	}
	if (alertrec_items(p + SNAP_HDR, len, ld) < 0) {
		s_load_reset(ld);
		*why = "contents refused (invalid values)";
		return -1;
	}
	st->gen = s_rd64(p + 8);
	return 0;
}

/*
 * Replay the journal. Returns 0 (clean or torn tail dropped), or -1 when
 * it is bad from some offset on (why set; what came before is applied).
 */
static int
s_load_journal(struct alertstate *st, const struct buf *b, struct alertrec_load *ld,
    const char **why, int *stale)
{
	const unsigned char *p = (const unsigned char *)b->data;
	size_t off = JRNL_HDR;
	struct alertrec_load check = { NULL, NULL, NULL, 0 };
	uint64_t gen;

	*stale = 0;
	if (b->len < JRNL_HDR) {
		if (b->len == 0)
			return 0;
		*why = "truncated header";
		return -1;
	}
	if (memcmp(p, JRNL_MAGIC, 4) != 0) {
		*why = "not a loghaul alert journal (bad magic; zeroed or garbage)";
		return -1;
	}
	if (s_rd32(p + 4) < ALERTREC_VER_MIN || s_rd32(p + 4) > STATE_VER) {
		*why = "unsupported journal version";
		return -1;
	}
	/* A compaction writes both: the journal's version is its own. */
	check.ver = ld->ver = s_rd32(p + 4);
	gen = s_rd64(p + 8);
	if (gen < st->gen) {
		*stale = 1;	/* a compaction finished its snapshot */
		return 0;
	}
	if (gen > st->gen) {
		*why = "journal is newer than the snapshot (snapshot replaced?)";
		return -1;
	}
	while (off < b->len) {
		size_t left = b->len - off;
		uint32_t len;

		if (left < REC_HDR)
			goto torn;
		if (s_rd32(p + off) != REC_MAGIC) {
			*why = "bad record marker (corrupt)";
			return -1;
		}
		len = s_rd32(p + off + 4);
		if (len > left - REC_HDR)
			goto torn;
		if (util_hash64(p + off + REC_HDR, len) != s_rd64(p + off + 8)) {
			if (off + REC_HDR + len == b->len)
				goto torn;
			*why = "record checksum mismatch (corrupt)";
			return -1;
		}
		if (alertrec_items(p + off + REC_HDR, len, &check) < 0) {
			*why = "undecodable record";
			return -1;
		}
		alertrec_items(p + off + REC_HDR, len, ld);
		off += REC_HDR + len;
	}
	return 0;
torn:
	/* A commit cut short: its message was not acked and comes again. */
	log_warnx("alert state: file=%s dropped an incomplete last record "
	    "bytes=%zu offset=%zu", st->jrnl, b->len - off, off);
	return 0;
}

/*
 * A temp file is a write that never reached its rename: set it aside.
 * -1: could not (msg says why); 1: something was set aside; 0: nothing.
 */
static int
s_temps_aside(struct alertstate *st, char *msg, size_t msglen)
{
	int status = 0;

	if (access(st->snaptmp, F_OK) == 0) {
		if (s_move_aside(st->snaptmp, "temp file left by an interrupted "
		    "snapshot write (the previous snapshot is used)", msg,
		    msglen) < 0)
			return -1;
		status = 1;
	}
	if (access(st->jrnltmp, F_OK) == 0) {
		if (s_move_aside(st->jrnltmp, "temp file left by an interrupted "
		    "compaction", msg, msglen) < 0)
			return -1;
		status = 1;
	}
	return status;
}

/* A bad snapshot and its journal go aside together: the stage starts empty. */
static int
s_snap_aside(struct alertstate *st, const char *why, char *msg, size_t msglen)
{
	if (s_move_aside(st->snap, why, msg, msglen) < 0)
		return -1;
	if (access(st->jrnl, F_OK) == 0 &&
	    s_move_aside(st->jrnl, "journal of a bad snapshot", msg,
	    msglen) < 0)
		return -1;
	st->gen = 0;
	return 1;
}

/* The journal on top of a loaded snapshot; returns as s_temps_aside(). */
static int
s_read_journal(struct alertstate *st, struct buf *b, struct alertrec_load *ld,
    char *msg, size_t msglen)
{
	const char *why = NULL;
	int rc, stale = 0;

	buf_reset(b);
	if ((rc = s_slurp(st->jrnl, b, msg, msglen)) < 0)
		return -1;
	if (rc == 2)
		return s_move_aside(st->jrnl, "bad journal: not a regular file "
		    "or too large; the snapshot is kept", msg, msglen) < 0 ?
		    -1 : 1;
	if (rc > 0 && s_load_journal(st, b, ld, &why, &stale) < 0) {
		char w[256];

		snprintf(w, sizeof w, "bad journal: %s; the state up to "
		    "that point is kept", why);
		return s_move_aside(st->jrnl, w, msg, msglen) < 0 ? -1 : 1;
	}
	if (rc > 0 && stale)
		log_info("alert state: file=%s is older than the snapshot "
		    "(compaction was interrupted); ignored", st->jrnl);
	return 0;
}

/* The snapshot, then its journal; returns as s_temps_aside(). */
static int
s_read_files(struct alertstate *st, struct buf *b, struct alertrec_load *ld,
    char *msg, size_t msglen)
{
	const char *why = NULL;
	char w[256];
	int rc;

	if ((rc = s_slurp(st->snap, b, msg, msglen)) < 0)
		return -1;
	if (rc == 2)
		return s_snap_aside(st, "bad snapshot: not a regular file or "
		    "too large; starting with an empty alert state", msg,
		    msglen);
	if (rc == 0) {
		/* No snapshot: first start, unless a journal says otherwise. */
		if (access(st->jrnl, F_OK) != 0)
			return 0;
		return s_move_aside(st->jrnl, "journal without a snapshot; "
		    "starting empty", msg, msglen) < 0 ? -1 : 1;
	}
	if (s_load_snap(st, b, ld, &why) < 0) {
		snprintf(w, sizeof w, "bad snapshot: %s; starting with an empty "
		    "alert state", why);
		return s_snap_aside(st, w, msg, msglen);
	}
	return s_read_journal(st, b, ld, msg, msglen);
}

int
alertstate_load(struct alertstate *st, struct alert_engine *e,
    struct alert_changes *outbox, struct alertstate_cursors *cursors,
    char *err, size_t errlen)
{
	struct alertrec_load ld = { e, outbox, cursors, STATE_VER };
	size_t renamed, merged;
	struct buf b;
	int status, rc;
	char msg[1024] = "";

	buf_init(&b, ALERTSTATE_MAX_FILE);
	st->gen = 0;
	if ((status = s_temps_aside(st, msg, sizeof msg)) < 0 ||
	    (rc = s_read_files(st, &b, &ld, msg, sizeof msg)) < 0) {
		buf_free(&b);
		snprintf(err, errlen, "%s", msg);
		return -1;
	}
	status |= rc;
	buf_free(&b);
	alert_canon_all(e, &renamed, &merged);
	if (renamed || merged)
		log_info("alert state: dir=%s interface names made canonical "
		    "renamed=%zu merged=%zu", st->dir, renamed, merged);
	st->need_compact = 1;
	if (alertstate_compact(st, e, outbox->v, outbox->n, cursors, err,
	    errlen) < 0)
		return -1;
	if (status && err && errlen)
		snprintf(err, errlen, "%s", msg);
	log_info("alert state: dir=%s interfaces=%zu outbox=%zu next_seq=%llu%s",
	    st->dir, alert_count_ifaces(e), outbox->n,
	    (unsigned long long)alert_next_seq(e),
	    status ? " (recovered from a bad file)" : "");
	return status;
}

/* Write tmp, fsync, rename over path, fsync the directory. */
static int
s_write_atomic(struct alertstate *st, const char *tmp, const char *path,
    const void *hdr, size_t hlen, const void *body, size_t blen,
    char *err, size_t errlen)
{
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);

	if (fd < 0)
		goto fail;
	if (s_write_all(fd, hdr, hlen) < 0 ||
	    (blen && s_write_all(fd, body, blen) < 0) || fsync(fd) < 0) {
		int saved = errno;
		close(fd);
		unlink(tmp);
		errno = saved;
		goto fail;
	}
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		int saved = errno;
		unlink(tmp);
		errno = saved;
		goto fail;
	}
	if (s_fsync_dir(st->dir) < 0)
		goto fail;
	return 0;
fail:
	snprintf(err, errlen, "%s: %s", path, strerror(errno));
	return -1;
}

int
alertstate_compact(struct alertstate *st, struct alert_engine *e,
    struct alert_change *const *outbox, size_t noutbox,
    const struct alertstate_cursors *cursors, char *err, size_t errlen)
{
	struct buf body, hdr;
	uint64_t gen = st->gen + 1;
	int fd, rc = -1;

	buf_init(&body, 0);
	buf_init(&hdr, 0);
	alert_foreach_device(e, alertrec_put_dev, &body);
	alert_foreach_iface(e, alertrec_put_iface, &body);
	for (size_t i = 0; i < noutbox; i++) {
		alertrec_put_u8(&body, IT_CHANGE);
		alertrec_put_change(&body, outbox[i]);
	}
	alertrec_put_tail(&body, e, cursors);

	alertrec_put(&hdr, SNAP_MAGIC, 4);
	alertrec_put_u32(&hdr, STATE_VER);
	alertrec_put_u64(&hdr, gen);
	alertrec_put_u64(&hdr, body.len);
	alertrec_put_u64(&hdr, util_hash64(body.data, body.len));
	if (s_write_atomic(st, st->snaptmp, st->snap, hdr.data, hdr.len,
	    body.data, body.len, err, errlen) < 0)
		goto out;
	st->gen = gen;
	st->snapsize = hdr.len + body.len;

	/* The new snapshot holds everything: start an empty journal. */
	buf_reset(&hdr);
	alertrec_put(&hdr, JRNL_MAGIC, 4);
	alertrec_put_u32(&hdr, STATE_VER);
	alertrec_put_u64(&hdr, gen);
	if (st->jfd >= 0) {
		close(st->jfd);
		st->jfd = -1;
	}
	if (s_write_atomic(st, st->jrnltmp, st->jrnl, hdr.data, hdr.len, NULL,
	    0, err, errlen) < 0)
		goto out;
	fd = open(st->jrnl, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", st->jrnl, strerror(errno));
		goto out;
	}
	st->jfd = fd;
	st->jsize = hdr.len;
	st->need_compact = 0;
	alert_clear_dirty(e);
	rc = 0;
out:
	if (rc < 0) {
		st->need_compact = 1;
		st->failing = 1;
	} else {
		st->failing = 0;
	}
	buf_free(&body);
	buf_free(&hdr);
	return rc;
}

static void
s_put_dirty_iface(const struct alert_iface *f, void *arg)
{
	alertrec_put_iface(f, arg);
}

int
alertstate_commit(struct alertstate *st, struct alert_engine *e,
    struct alert_change *const *fresh, size_t nfresh,
    struct alert_change *const *outbox, size_t noutbox,
    const struct alertstate_cursors *cursors, char *err, size_t errlen)
{
	struct buf rec;
	unsigned char hdr[REC_HDR];
	uint64_t h;
	int rc = -1;

	if (st->need_compact || st->jfd < 0 ||
	    st->jsize > (st->snapsize > ALERTSTATE_JOURNAL_MIN ? st->snapsize :
	    ALERTSTATE_JOURNAL_MIN))
		return alertstate_compact(st, e, outbox, noutbox, cursors, err,
		    errlen);

	buf_init(&rec, 0);
	alertrec_put(&rec, hdr, REC_HDR);	/* room for the header */
	alert_foreach_dirty(e, s_put_dirty_iface, alertrec_put_dev, &rec);
	for (size_t i = 0; i < nfresh; i++) {
		alertrec_put_u8(&rec, IT_CHANGE);
		alertrec_put_change(&rec, fresh[i]);
	}
	alertrec_put_tail(&rec, e, cursors);
	if (rec.len - REC_HDR > UINT32_MAX) {
		buf_free(&rec);
		return alertstate_compact(st, e, outbox, noutbox, cursors, err,
		    errlen);
	}
	h = util_hash64(rec.data + REC_HDR, rec.len - REC_HDR);
	for (int i = 0; i < 4; i++) {
		hdr[i] = (unsigned char)(REC_MAGIC >> (8 * i));
		hdr[4 + i] = (unsigned char)((rec.len - REC_HDR) >> (8 * i));
	}
	for (int i = 0; i < 8; i++)
		hdr[8 + i] = (unsigned char)(h >> (8 * i));
	memcpy(rec.data, hdr, REC_HDR);

	if (s_write_all(st->jfd, rec.data, rec.len) < 0 ||
	    fdatasync(st->jfd) < 0) {
		snprintf(err, errlen, "%s: %s", st->jrnl, strerror(errno));
		/* Never leave half a record for the next append to follow. */
		if (ftruncate(st->jfd, (off_t)st->jsize) < 0)
			log_warn("alert state: file=%s truncate after failed write",
			    st->jrnl);
		st->need_compact = 1;
		st->failing = 1;
		goto out;
	}
	st->jsize += rec.len;
	st->failing = 0;
	alert_clear_dirty(e);
	rc = 0;
out:
	buf_free(&rec);
	return rc;
}
