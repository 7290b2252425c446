/*
 * archive.h — keep the logs, not only the alerts: every record a device's
 * poll adds is appended to DIR/<device name made safe>.log, one line per
 * log line (a multi-line message keeps its continuation lines), as the
 * device wrote it. A gap is written as a marker line, so a reader of the
 * file sees where lines were lost:
 *     --- loghaul: gap: <reason> ---
 * An interface-table snapshot is one marker line with its counts, not its
 * rows (the archive is the device's log, not its state; --print and the
 * alert stage have the rows):
 *     --- loghaul: snapshot: <reason>, <n> interfaces (<a> admin down,
 *         <d> down) ---   (one line)
 * Files are opened O_APPEND and reopened on SIGHUP (the collector restarts
 * on its new configuration), so logrotate's default create/move works;
 * deploy/logrotate/loghaul has an example. Records re-read after a crash
 * (sent but never acknowledged) may appear twice.
 */
#ifndef LOGHAUL_ARCHIVE_H
#define LOGHAUL_ARCHIVE_H

#include <stddef.h>

#include "common/wire.h"

/* Open (create) the device's archive file; fd, or -1 with err filled. */
int  archive_open(const char *dir, const char *device, char *err, size_t errlen);
/* Append records; 0, or -1 (errno) when the write failed. */
int  archive_write(int fd, const struct wire_rec *recs, size_t n);
void archive_close(int *fd);

#endif
