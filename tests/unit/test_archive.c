#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collector/archive.h"
#include "common/util.h"
#include "tests/support/devsim_harness.h"

Test(archive, appends_lines_gaps_and_bytes)
{
	char dir[] = "/tmp/lh-archive-XXXXXX", err[256], *path, *data, cmd[64];
	static const char bin[] = "x: a\0b\xff\x1b[2J";
	struct wire_rec recs[3] = {
		{ .id = 1, .kind = REC_LINE, .line = { "000001: one\n  continued", 23 } },
		{ .id = 2, .kind = REC_GAP, .line = { "the buffer wrapped", 18 } },
		{ .id = 3, .kind = REC_LINE, .line = { bin, sizeof bin - 1 } },
	};
	static const char want[] = "000001: one\n  continued\n"
	    "--- loghaul: gap: the buffer wrapped ---\nx: a\0b\xff\x1b[2J\n"
	    "000001: one\n  continued\n";
	size_t len;
	int fd;

	cr_assert_not_null(mkdtemp(dir));
	fd = archive_open(dir, "edge-1", err, sizeof err);
	cr_assert_geq(fd, 0, "%s", err);
	cr_assert_eq(archive_write(fd, recs, 3), 0);
	archive_close(&fd);
	cr_assert_eq(fd, -1);
	/* reopened (as after SIGHUP), it appends */
	fd = archive_open(dir, "edge-1", err, sizeof err);
	cr_assert_eq(archive_write(fd, recs, 1), 0);
	archive_close(&fd);
	path = xasprintf("%s/edge-1.log", dir);
	data = devsim_slurp(path, &len);
	cr_assert_not_null(data);
	cr_assert_eq(len, sizeof want - 1);
	cr_assert_eq(memcmp(data, want, len), 0);
	free(data);
	free(path);

	/* a hostile device name stays inside the directory */
	fd = archive_open(dir, "../evil", err, sizeof err);
	cr_assert_geq(fd, 0, "%s", err);
	archive_close(&fd);
	path = xasprintf("%s/%%2E.%%2Fevil.log", dir);
	cr_assert_eq(access(path, F_OK), 0, "expected %s", path);
	free(path);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

Test(archive, unwritable_dir_is_an_error)
{
	char err[256] = "";
	int fd = archive_open("/nonexistent/loghaul", "edge-1", err, sizeof err);

	cr_assert_eq(fd, -1);
	cr_assert_not_null(strstr(err, "/nonexistent/loghaul/edge-1.log"), "%s", err);
}

/* A snapshot is one marker line with its counts, between the lines. */
Test(archive, snapshot_is_one_marker_line)
{
	char dir[] = "/tmp/lh-archive-XXXXXX", err[256], *path, *data, cmd[64];
	struct wire_ifrow rows[3] = {
		{ .name = { "Gi0/1", 5 }, .admin = WIRE_IFROW_UP,
		  .oper = WIRE_IFROW_UP },
		{ .name = { "Gi0/2", 5 }, .admin = WIRE_IFROW_UP,
		  .oper = WIRE_IFROW_DOWN },
		{ .name = { "Gi0/3", 5 }, .descr = { "spare", 5 },
		  .admin = WIRE_IFROW_DOWN, .oper = WIRE_IFROW_DOWN },
	};
	struct wire_rec recs[2] = {
		{ .id = 1, .kind = REC_LINE, .line = { "000001: one", 11 } },
		{ .id = 2, .kind = REC_SNAPSHOT, .tag = { "cleared", 7 },
		  .nifs = 3, .ifs = rows },
	};
	static const char want[] = "000001: one\n--- loghaul: snapshot: "
	    "cleared, 3 interfaces (1 admin down, 1 down) ---\n";
	size_t len;
	int fd;

	cr_assert_not_null(mkdtemp(dir));
	fd = archive_open(dir, "edge-1", err, sizeof err);
	cr_assert_geq(fd, 0, "%s", err);
	cr_assert_eq(archive_write(fd, recs, 2), 0);
	archive_close(&fd);
	path = xasprintf("%s/edge-1.log", dir);
	data = devsim_slurp(path, &len);
	cr_assert_not_null(data);
	cr_assert_eq(len, sizeof want - 1, "%.*s", (int)len, data);
	cr_assert_eq(memcmp(data, want, len), 0, "%.*s", (int)len, data);
	free(data);
	free(path);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}
