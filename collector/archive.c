/* archive.c — see archive.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collector/archive.h"
#include "common/buf.h"
#include "common/util.h"

int
archive_open(const char *dir, const char *device, char *err, size_t errlen)
{
	char *safe = util_safe_name(device);
	char *path = xasprintf("%s/%s.log", dir, safe);
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);

	if (fd < 0)
		snprintf(err, errlen, "archive %s: %s", path, strerror(errno));
	free(path);
	free(safe);
	return fd;
}

static void
s_snapshot(struct buf *b, const struct wire_rec *r)
{
	size_t admin = 0, down = 0;

	for (size_t i = 0; i < r->nifs; i++) {
		if (r->ifs[i].admin == WIRE_IFROW_DOWN)
			admin++;
		else if (r->ifs[i].oper == WIRE_IFROW_DOWN)
			down++;
	}
	buf_printf(b, "--- loghaul: snapshot: %.*s, %zu interfaces (%zu admin "
	    "down, %zu down) ---\n", (int)r->tag.len, r->tag.ptr, r->nifs,
	    admin, down);
}

int
archive_write(int fd, const struct wire_rec *recs, size_t n)
{
	struct buf b;
	size_t off = 0;
	int rc = 0;

	if (fd < 0 || n == 0)
		return 0;
	buf_init(&b, 0);
	for (size_t i = 0; i < n; i++) {
		const struct wire_rec *r = &recs[i];

		if (r->kind == REC_SNAPSHOT) {
			s_snapshot(&b, r);
		} else if (r->kind == REC_GAP) {
			buf_printf(&b, "--- loghaul: gap: %.*s ---\n",
			    (int)r->line.len, r->line.ptr);
		} else {
			buf_append(&b, r->line.ptr, r->line.len);
			buf_appendc(&b, '\n');
		}
	}
	/* One write per poll: O_APPEND keeps it whole beside other writers. */
	while (off < b.len) {
		ssize_t w = write(fd, b.data + off, b.len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			rc = -1;
			break;
		}
		off += (size_t)w;
	}
	buf_free(&b);
	return rc;
}

void
archive_close(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}
