/*
 * out_jsonl.c — one JSON object per line, to a file or stdout (output.h).
 *
 * Lines are written with one write(2) each and made durable with
 * fdatasync before the stage acks. A crash can still leave the file a line
 * ahead of the persisted cursor, or with half a line: at open the last
 * complete line's "seq" says what is already there (those changes are not
 * written twice) and a half line is cut off.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "analyzer/alerts/output.h"
#include "common/log.h"
#include "common/util.h"

#define TAIL_SCAN 65536

struct jsonl {
	char                *path;	/* NULL: stdout */
	int                  fd;
	int                  regular;	/* a regular file: fdatasync, truncate */
	uint64_t             skip;	/* seqs up to here are in the file */
	struct log_ratelimit rl;
};

/* The seq at the start of a line we wrote, or 0. */
static uint64_t
s_line_seq(const char *p, size_t len)
{
	static const char pfx[] = "{\"seq\":";
	uint64_t v = 0;
	size_t i = sizeof pfx - 1;

	if (len < i || memcmp(p, pfx, i) != 0)
		return 0;
	for (; i < len && p[i] >= '0' && p[i] <= '9'; i++) {
		if (v > (UINT64_MAX - 9) / 10)
			return 0;
		v = v * 10 + (uint64_t)(p[i] - '0');
	}
	return v;
}

/*
 * Find the seq of the last complete line and cut an incomplete one.
 * Errors only cost the dedupe, never the start.
 */
static void
s_scan_tail(struct jsonl *j)
{
	struct stat sb;
	char *chunk;
	off_t size, from;
	ssize_t n;
	size_t end, start;

	if (fstat(j->fd, &sb) < 0 || !S_ISREG(sb.st_mode) || sb.st_size == 0)
		return;
	size = sb.st_size;
	from = size > TAIL_SCAN ? size - TAIL_SCAN : 0;
	chunk = xmalloc(TAIL_SCAN);
	n = pread(j->fd, chunk, (size_t)(size - from), from);
	if (n != size - from)
		goto out;
	end = (size_t)n;
	if (chunk[end - 1] != '\n') {
		/* A line cut by a crash: drop it, its change is re-sent. */
		char *nl = memrchr(chunk, '\n', end);
		off_t keep;
		if (nl == NULL && from > 0)
			goto out;	/* a 64 KiB line is not ours: leave it */
		keep = nl ? from + (off_t)(nl - chunk) + 1 : 0;
		if (ftruncate(j->fd, keep) < 0) {
			log_warn("output jsonl: file=%s cannot cut an incomplete last "
			    "line", j->path);
			goto out;
		}
		log_warnx("output jsonl: file=%s cut an incomplete last line "
		    "bytes=%lld left by a crash", j->path, (long long)(size - keep));
		end = nl ? (size_t)(nl - chunk) + 1 : 0;
	}
	if (end == 0)
		goto out;
	/* chunk[end-1] is '\n': the last line starts after the one before. */
	start = end - 1;
	while (start > 0 && chunk[start - 1] != '\n')
		start--;
	if (start == 0 && from > 0)
		goto out;
	j->skip = s_line_seq(chunk + start, end - 1 - start);
out:
	free(chunk);
}

static int
s_open(struct jsonl *j, char *err, size_t errlen)
{
	struct stat sb;

	if (j->path == NULL) {
		j->fd = STDOUT_FILENO;
	} else {
		/* Read too: the tail says what a previous run wrote. */
		j->fd = open(j->path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC,
		    0640);
		if (j->fd < 0) {
			snprintf(err, errlen, "jsonl %s: %s", j->path,
			    strerror(errno));
			return -1;
		}
	}
	j->regular = fstat(j->fd, &sb) == 0 && S_ISREG(sb.st_mode);
	return 0;
}

static int
s_emit(struct output *o, const struct alert_change *c, const char *json,
    size_t len)
{
	struct jsonl *j = o->priv;
	struct iovec iov[2] = {
		{ (void *)(uintptr_t)json, len },
		{ (void *)(uintptr_t)"\n", 1 },
	};
	off_t before = 0;
	size_t total = len + 1, done = 0;

	if (c->seq <= j->skip)
		return 0;		/* already in the file */
	if (j->regular)
		before = lseek(j->fd, 0, SEEK_END);
	while (done < total) {
		ssize_t w;
		if (done < len) {
			iov[0].iov_base = (void *)(uintptr_t)(json + done);
			iov[0].iov_len = len - done;
			w = writev(j->fd, iov, 2);
		} else {
			w = write(j->fd, "\n", 1);
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			if (log_ratelimit(&j->rl))
				log_warn("output jsonl: file=%s write",
				    j->path ? j->path : "-");
			/* Never leave half a line for the next one to follow. */
			if (j->regular && done > 0 && before >= 0 &&
			    ftruncate(j->fd, before) < 0)
				log_warn("output jsonl: file=%s truncate", j->path);
			return -1;
		}
		done += (size_t)w;
	}
	return 0;
}

static int
s_flush(struct output *o)
{
	struct jsonl *j = o->priv;

	if (j->regular && fdatasync(j->fd) < 0) {
		if (log_ratelimit(&j->rl))
			log_warn("output jsonl: file=%s fdatasync",
			    j->path ? j->path : "-");
		return -1;
	}
	return 0;
}

static void
s_reopen(struct output *o)
{
	struct jsonl *j = o->priv;
	struct jsonl nj = *j;
	char err[256];

	if (j->path == NULL)
		return;
	if (s_open(&nj, err, sizeof err) < 0) {
		log_warnx("output jsonl: file=%s reopen failed reason=\"%s\" "
		    "keeping the old file", j->path, err);
		return;
	}
	close(j->fd);
	j->fd = nj.fd;
	j->regular = nj.regular;
	log_info("output jsonl: file=%s reopened", j->path);
}

static void
s_free(struct output *o)
{
	struct jsonl *j = o->priv;

	if (j == NULL)
		return;
	if (j->path != NULL && j->fd >= 0)
		close(j->fd);
	free(j->path);
	free(j);
	o->priv = NULL;
}

static const struct output_ops s_ops = {
	.type = "jsonl",
	.emit = s_emit,
	.flush = s_flush,
	.reopen = s_reopen,
	.free = s_free,
};

/* The plugin: {type: jsonl, path: FILE} */
struct jsonl_conf {
	char *path;	/* file or "-" */
};

static const struct conf_key s_keys[] = {
	CONF_K("path", CK_OUTPATH, offsetof(struct jsonl_conf, path), "-", 0, 0,
	    "file to append alerts to; - is stdout"),
	{ 0 }
};

static char *
s_key(const void *opts)
{
	const struct jsonl_conf *c = opts;

	return xasprintf("jsonl:%s", c->path ? c->path : "-");
}

static struct output *
s_new(const void *opts, const struct mq_opts *zopts, char *err, size_t errlen)
{
	const struct jsonl_conf *c = opts;
	struct output *o;
	struct jsonl *j = xcalloc(1, sizeof *j);

	(void)zopts;
	j->path = (c->path && strcmp(c->path, "-") != 0) ? xstrdup(c->path) : NULL;
	j->rl.interval = 10;
	if (s_open(j, err, errlen) < 0) {
		free(j->path);
		free(j);
		return NULL;
	}
	s_scan_tail(j);
	o = xcalloc(1, sizeof *o);
	o->ops = &s_ops;
	o->priv = j;
	return o;
}

static const struct output_impl s_impl = { .key = s_key, .make = s_new };
const struct conf_plugin out_jsonl_plugin = {
	.name = "jsonl", .keys = s_keys, .size = sizeof(struct jsonl_conf),
	.impl = &s_impl,
};
