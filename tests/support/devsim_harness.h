/*
 * devsim_harness.h — start, drive and stop the simulated router fleet from
 * a test, read its ground-truth journal, and run helper programs (Netmiko
 * scripts, the OpenSSH client) under a time limit.
 *
 * A typical test:
 *
 *   const char *args[] = { "--devices", "4", "--rate", "0", NULL };
 *   char err[256];
 *   struct devsim *ds = devsim_start(args, err, sizeof(err));
 *   cr_assert(ds, "%s", err);
 *   devsim_control(ds, "log r001 %LINK-3-UPDOWN: ...", NULL, 0);
 *   ... point the code under test at devsim_dir(ds)/hosts.yaml ...
 *   devsim_journal_load(devsim_dir(ds), "r001", &j, err, sizeof(err));
 *   devsim_stop(&ds);
 *
 * devsim is found as $LOGHAUL_BIN/devsim (build/bin/devsim without it). It
 * runs in its own temporary directory, gets SIGTERM if the test process
 * dies, and devsim_stop() removes the directory (kept when
 * LOGHAUL_KEEP_TMP is set, for post-mortems).
 */
#ifndef LOGHAUL_DEVSIM_HARNESS_H
#define LOGHAUL_DEVSIM_HARNESS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct devsim;

/*
 * mkdtemp a directory, run devsim --out DIR plus extra_args (NULL-terminated,
 * may be NULL) and wait up to 20 s for DIR/ready. Returns NULL with a
 * message in err (including the tail of devsim's log) on failure. Caller
 * owns the result and must devsim_stop() it.
 */
struct devsim *devsim_start(const char *const *extra_args, char *err, size_t errlen);

/* SIGTERM, wait up to 10 s, then SIGKILL; remove the directory. Returns
 * devsim's exit status (0 on a clean stop), -1 if it had to be killed.
 * Accepts NULL and sets *ds to NULL. */
int devsim_stop(struct devsim **ds);

const char *devsim_dir(const struct devsim *ds);
pid_t       devsim_pid(const struct devsim *ds);
/* The device's TCP port on 127.0.0.1, or -1. */
int         devsim_port(const struct devsim *ds, const char *dev);
/* The device's platform name ("cisco_ios", ...), or NULL. */
const char *devsim_platform(const struct devsim *ds, const char *dev);
size_t      devsim_count(const struct devsim *ds);

/*
 * Send one control command (see tests/devsim/ctl.c) and read the reply
 * line into reply (may be NULL). Returns 0 when the reply starts with "ok",
 * -1 otherwise (error reply, or devsim unreachable within 10 s).
 */
int devsim_control(struct devsim *ds, const char *cmd, char *reply, size_t len);
/* The command printf-style (up to 64 KiB); an error reply fails the test. */
void devsim_ctlf(struct devsim *ds, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ---- the journal ---- */

enum devsim_jkind { DEVSIM_J_LINE, DEVSIM_J_FLAP, DEVSIM_J_CLEAR, DEVSIM_J_RELOAD };

struct devsim_jentry {
	int64_t  t;		/* wall clock, ms */
	char     dev[16];
	int      kind;		/* enum devsim_jkind */
	uint64_t n;		/* line: its counter; flap: counter of its first line */
	char    *text;		/* line: exact entry bytes (NUL-terminated, may hold NULs) */
	size_t   len;
	char     iface[64];	/* flap */
	char     state[16];	/* flap: down, up, admin_down */
};

struct devsim_journal {
	struct devsim_jentry *v;
	size_t len, cap;
};

/*
 * Load DIR/journal.jsonl, only the entries of dev (all when dev is NULL).
 * \u00XX escapes of bytes 0x80-0xff decode to that single byte, as devsim
 * writes them. Returns 0, or -1 with err naming the line.
 */
int  devsim_journal_load(const char *dir, const char *dev, struct devsim_journal *j,
	 char *err, size_t errlen);
void devsim_journal_free(struct devsim_journal *j);

/*
 * What the device's buffer holds according to the journal: the entries of
 * dev since its last clear or reload, as printed. Byte mode (whole_lines 0;
 * IOS, IOS XE, IOS XR): the last buffer_size bytes of "\n" + entry for each
 * entry, so it may start mid-entry. Line mode (NX-OS, EOS, Junos): whole
 * entries, each followed by "\n", as many of the newest as fit. Caller
 * frees; *len gets the length.
 */
char *devsim_journal_view(const struct devsim_journal *j, const char *dev,
	 size_t buffer_size, int whole_lines, size_t *len);
/* 1 for platforms whose log is kept in whole lines (see above). */
int   devsim_whole_lines(const char *platform);

/* ---- running helpers ---- */

/*
 * Run argv (argv[0] a path) with extra environment entries ("K=V", may be
 * NULL) in a new session (setsid: no controlling terminal), stdin from
 * /dev/null, stdout to out_path and stderr to err_path (either may be NULL
 * for /dev/null). Kill it after timeout_s. Returns its exit status, 128+sig
 * if it died of a signal, or -1 on timeout or failure to start.
 */
int devsim_run(const char *const *argv, const char *const *env_extra,
	const char *out_path, const char *err_path, int timeout_s);

/*
 * Run one command on dev through Netmiko (tests/integration/netmiko_show.py,
 * with /usr/bin/python3), extra arguments appended ("--command", CMD,
 * "--enable", ...; NULL-terminated, may be NULL). Returns its exit status;
 * *out (caller frees) gets the command's output, or Netmiko's error text.
 */
int devsim_netmiko(const struct devsim *ds, const char *dev,
    const char *const *extra, char **out, size_t *len);

/* Read a whole file; caller frees. NULL on error. */
char *devsim_slurp(const char *path, size_t *len);

#endif
