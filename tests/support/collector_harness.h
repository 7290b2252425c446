/*
 * collector_harness.h — run loghaul-collector from a test, read what it
 * printed (--print JSON lines), and hold it against devsim's journal.
 *
 *   struct devsim *ds = devsim_start(args, err, sizeof err);
 *   struct ch_conf o = { .interval = "1s" };
 *   char *cfg = ch_config(devsim_dir(ds), "c.yaml", &o);
 *   ch_once(cfg, out, log, 60);                 one --once --print run
 *   pid_t pid = ch_spawn("loghaul-collector", args, dir, out, log);
 *   ...  ch_term(pid, 30);                      SIGTERM, exit status
 *   struct ch_recs r = { 0 };  ch_recs_load(out, &r);
 *   ch_dev_recs(&r, "r001", &v);  ... compare with the journal ...
 *
 * Every process runs with PR_SET_PDEATHSIG (it dies with the test) and is
 * stopped by its pid.
 */
#ifndef LOGHAUL_COLLECTOR_HARNESS_H
#define LOGHAUL_COLLECTOR_HARNESS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct devsim_journal;

/* A configuration over devsim's inventory in dir; NULL fields: defaults. */
struct ch_conf {
	const char *interval;		/* collector.interval ("1s") */
	const char *command;		/* ssh.timeouts.command ("5s") */
	const char *ack_timeout;	/* collector.ack_timeout ("3s") */
	int         max_sessions;	/* 32 */
	int         max_backlog;	/* 0: the default */
	const char *state_dir;		/* collector.state_dir ("state") */
	const char *known_hosts;	/* ssh.known_hosts ("known_hosts") */
	const char *hosts;		/* inventory hosts file ("hosts.yaml") */
	int         processes;		/* collector.processes (1) */
	/* collector.push, and the analyzers' only collector (ipc in dir) */
	const char *push;
	/* collector.acks, named in the analyzers' entry too (NULL: derived) */
	const char *acks;
	/* More lines for the collector section, each "  key: value\n". */
	const char *collector_extra;
};

/*
 * Write dir/name: the collector section from o, and analyzer and alerts
 * sections laid out as tests/support/pipeline.c does (ipc endpoints in
 * dir, alerts.jsonl), so the file can replace pipeline_config(). Returns
 * the path (caller frees), NULL if it cannot be written.
 */
char *ch_config(const char *dir, const char *name, const struct ch_conf *o);

/* $LOGHAUL_BIN/name (build/bin/name without it); caller frees. */
char *ch_bin(const char *name);

/*
 * Start $LOGHAUL_BIN/prog with args (NULL-terminated, may be NULL) in cwd,
 * stdout to out_path and stderr to err_path (appended; NULL: /dev/null).
 * Returns the pid or -1.
 */
pid_t ch_spawn(const char *prog, const char *const *args, const char *cwd,
    const char *out_path, const char *err_path);
/* Wait up to timeout_s: exit status, 128+signal, or -1 (then SIGKILLed). */
int   ch_wait(pid_t pid, double timeout_s);
/* The same, with the child's peak RSS (KiB) in *maxrss_kb. */
int   ch_wait_rss(pid_t pid, double timeout_s, long *maxrss_kb);
/* SIGTERM, then ch_wait(). */
int   ch_term(pid_t pid, double timeout_s);
/* VmRSS of pid in KiB, -1 if unknown. */
long  ch_rss_kb(pid_t pid);
/*
 * For tests that bound a daemon's RSS: under ASan, children started from
 * now on keep at most 8 MiB of freed memory in quarantine (default 256
 * MiB, which an RSS bound would measure instead of the daemon). No-op in
 * other builds.
 */
void  ch_asan_small_quarantine(void);

/* One `loghaul-collector --config cfg --once --print` run; its status. */
int   ch_once(const char *cfg, const char *out_path, const char *err_path,
    int timeout_s);

/* One record as --print wrote it; line holds the exact bytes. */
struct ch_rec {
	char     dev[32];
	uint64_t id;
	int      gap;
	char     reason[16];	/* gap records */
	char     tag[64];
	int64_t  ts_ms;
	uint64_t seq;
	char    *line;		/* NUL-terminated, may hold NULs */
	size_t   len;
};

struct ch_recs {
	struct ch_rec *v;
	size_t len, cap;
	size_t bad;		/* lines that were not a valid record */
	char   badmsg[256];	/* the first of them */
};

/* Append the records of a --print output file; -1 if it cannot be read. */
int    ch_recs_load(const char *path, struct ch_recs *r);
void   ch_recs_free(struct ch_recs *r);
/* dev's records in order, as pointers into r (caller frees *out). */
size_t ch_dev_recs(const struct ch_recs *r, const char *dev,
    const struct ch_rec ***out);
/* How many of dev's records are gaps; reason (may be NULL) filters. */
size_t ch_count_gaps(const struct ch_rec *const *v, size_t n,
    const char *reason);

/* Indices into j->v of dev's line entries, in order (caller frees). */
size_t ch_jlines(const struct devsim_journal *j, const char *dev,
    size_t **out);

/*
 * The entries of dev whole in its buffer as the journal leaves it (since
 * its last clear or reload), as devsim prints it (devsim_journal_view):
 * indices into j->v, oldest first (caller frees *out). In byte mode the
 * entry whose text is there but not the line break before it may or may
 * not be taken as whole: its index in *maybe (SIZE_MAX when none), and it
 * is not in *out.
 */
size_t ch_view(const struct devsim_journal *j, const char *dev,
    size_t bsize, int whole_lines, size_t **out, size_t *maybe);

/*
 * Hold dev's line records v[0..n) (gaps among them are skipped) against
 * the journal: each equals, byte for byte, a line of dev later than the
 * previous one's (from journal index from on). map[i] gets the journal
 * index of v[i] (SIZE_MAX for a gap). Returns 0, or -1 with msg naming
 * the first record that matches nothing.
 */
int    ch_map(const struct ch_rec *const *v, size_t n,
    const struct devsim_journal *j, const char *dev, size_t from,
    size_t *map, char *msg, size_t msglen);

/* Whether a record holds pager, echo or prompt residue; what, or NULL. */
const char *ch_residue(const struct ch_rec *r);

/* Read a file (NUL-terminated); NULL if it cannot be read. */
char  *ch_slurp(const char *path, size_t *len);
/* Occurrences of needle in the file. */
size_t ch_count_in(const char *path, const char *needle);
/*
 * Wait up to timeout_s for needle to appear in the file (a daemon's log);
 * 1 when it did, 0 when not. For events whose time follows from the
 * configuration (a timeout that must fire), with timeout_s its bound.
 */
int    ch_wait_in(const char *path, const char *needle, double timeout_s);
/* Unix ms of a log line's "2026-11-22T02:16:39.237Z" prefix; -1 if none. */
int64_t ch_log_ms(const char *line);

/* A byte string made readable for assertion messages (static buffer). */
const char *ch_show(const char *p, size_t len);

void   ch_msleep(long ms);

/*
 * Interface-table snapshots as --print writes them (collector/print.c):
 * a "snapshot" line, then one "ifrow" line per interface. ch_recs_load()
 * leaves both out; ch_snaps_load() reads them.
 */
struct ch_ifrow {
	char   name[128];
	char   admin[16], oper[16];	/* "up", "down", "unknown" */
	char  *descr;			/* exact bytes, NUL-terminated */
	size_t descr_len;
};

struct ch_snap {
	char     dev[32];
	uint64_t id;
	char     reason[16];	/* start, periodic, wrap, cleared, reload */
	int64_t  ts_ms;
	size_t   interfaces;	/* as the record line says */
	size_t   line;		/* its line number in the file, from 1 */
	struct ch_ifrow *rows;
	size_t   nrows;
};

struct ch_snaps {
	struct ch_snap *v;
	size_t len;
	size_t bad;		/* snapshot lines that did not parse */
};

/* 1 when a --print line is a snapshot's or one of its rows. */
int    ch_snapshot_line(const char *line);
/* Append the snapshots of a --print output file; -1 if unreadable. */
int    ch_snaps_load(const char *path, struct ch_snaps *s);
void   ch_snaps_free(struct ch_snaps *s);
/* The row for interface name, or NULL. */
const struct ch_ifrow *ch_snap_row(const struct ch_snap *sn, const char *name);

/* dev's records and snapshots (not their rows) in file order. */
struct ch_order {
	char     kind;		/* 'l' line, 'g' gap, 's' snapshot */
	uint64_t id;
	char     reason[16];
};
/* How many; *out is malloc'd (caller frees). */
size_t ch_order_load(const char *path, const char *dev, struct ch_order **out);

#endif
