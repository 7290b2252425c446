/*
 * devsim.h — private structures of the simulated router fleet.
 *
 * One process serves many devices on 127.0.0.1, one listening port each.
 * The main thread polls every listening socket and the control socket, and
 * hands each accepted connection to a thread of its own that runs libssh in
 * blocking mode (sess.c, then shell.c/cli.c). A generator thread (gen.c)
 * writes log messages into the devices' ring buffers and the ground-truth
 * journal. All device state is guarded by one mutex, fleet.mu: every
 * critical section is short (an append, a buffer snapshot), so one lock is
 * simpler than many and costs nothing measurable at these rates.
 */
#ifndef DEVSIM_H
#define DEVSIM_H

#include <pthread.h>
#include <regex.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <libssh/libssh.h>
#include <libssh/server.h>
#include <libssh/callbacks.h>

#include "common/buf.h"

#define DS_NAME_MAX	16
#define DS_IFACES	8
#define DS_IFNAME_MAX	48
#define DS_MAX_VTY	16	/* concurrent sessions per device, as IOS vty 0 15 */
#define DS_LINE_MAX	512	/* longest command line accepted */

enum plat_id {
	PLAT_IOS, PLAT_XE, PLAT_NXOS, PLAT_EOS, PLAT_JUNOS, PLAT_XR, PLAT__COUNT
};

enum ts_style {
	TS_MSEC_TZ,	/* Nov 22 00:48:05.123 UTC */
	TS_MSEC,	/* Nov 22 00:48:05.123 */
	TS_NOMSEC_TZ,	/* Nov 22 00:48:05 UTC */
	TS_NOMSEC,	/* Nov 22 00:48:05 */
	TS_UNSYNC_STAR,	/* *Mar  1 00:01:23.456 (clock never set) */
	TS_LEADING_DOT,	/* .Nov 22 00:48:05.123 UTC (clock lost sync) */
	TS__COUNT
};

#define FAULT_MAP(X)						\
	X(WRONG_PASSWORD, "wrong_password")			\
	X(SLOW_OUTPUT,    "slow_output")			\
	X(HANG_MID_LINE,  "hang_mid_line")			\
	X(DROP_MID_OUTPUT, "drop_mid_output")			\
	X(GARBAGE_BYTES,  "garbage_bytes")			\
	X(NO_PAGING_OFF,  "no_paging_off")			\
	X(NO_OUTPUT_FILTER, "no_output_filter")			\
	X(NO_IFTABLE,     "no_iftable")

enum fault_bit {
#define FAULT_ENUM(n, s) FAULTB_##n,
	FAULT_MAP(FAULT_ENUM)
#undef FAULT_ENUM
	FAULTB__COUNT
};
#define FAULT(n) (1u << FAULTB_##n)

enum if_state { IF_UP, IF_DOWN, IF_ADMIN_DOWN };

/* Seeded pseudo-random stream (xoshiro256**). */
struct rng {
	uint64_t s[4];
};

/* One buffer entry: the exact text show logging prints, without line end. */
struct ring_entry {
	char    *text;
	uint32_t len;
};

/*
 * The logging buffer, bounded in bytes like IOS's: each entry occupies
 * len + 1 bytes (its line break). In byte mode the printed view is the last
 * `limit` bytes of "\n" + entry for every entry, so the oldest visible entry
 * can be cut (IOS, XE, XR); in line mode whole entries are dropped (log files
 * of NX-OS, EOS, Junos).
 */
struct ring {
	struct ring_entry *v;
	size_t head, count, cap;
	size_t bytes;
	size_t limit;
	int    whole_lines;
};

struct iface {
	char   name[DS_IFNAME_MAX];
	int    state;		/* enum if_state */
	char  *descr;		/* NULL: none; any bytes (ctl `descr`) */
	size_t descr_len;
	double up_at;		/* virtual time of the scripted recovery, 0 = none */
};

struct device {
	char   name[DS_NAME_MAX];
	int    idx;
	int    plat;		/* enum plat_id */
	int    seq_numbers;
	int    ts;		/* enum ts_style */
	size_t buffer_size;
	char  *username;
	char  *password;
	char  *enable_secret;	/* NULL: sessions start privileged */
	double rate;		/* messages per second */
	double flap_every;	/* seconds between scripted flaps, 0 = none */
	unsigned faults;

	int    listen_fd;
	int    port;

	struct ring ring;
	uint64_t n;		/* journal counter of the last entry */
	uint64_t seq;		/* device sequence number of the last entry */
	uint64_t logged;	/* messages logged since boot */
	int64_t  boot_ms;	/* wall clock of the last (simulated) boot */
	unsigned epoch;		/* bumped by reload: sessions of older epochs end */
	double   down_until;	/* monotonic time a reload finishes; 0 = up */
	int      sessions;

	struct rng content;	/* what is logged */
	struct rng timing;	/* when it is logged */
	double next_msg;	/* virtual seconds */
	double next_flap;
	struct iface ifaces[DS_IFACES];
	int    nifaces;

	/* Its clock: ahead of true time by clock_offset_ms, shown in zone tz
	 * (NULL: UTC). The journal keeps true time. */
	int64_t      clock_offset_ms;
	char        *tz;
	struct zone *zone;
	int          xr_admin;	/* the line being logged is the admin plane's */
};

struct opts {
	const char *out;
	unsigned    devices;
	uint64_t    seed;
	double      rate;
	double      flap_every;
	int         plats[PLAT__COUNT];
	int         nplats;
	const char *spec;
	double      duration;
	size_t      buffer_size;
	const char *username;
	const char *password;
	unsigned    prefill;
	unsigned    base_port;
	const char *host_key;
	int         verbose;
};

struct journal;

struct fleet {
	pthread_mutex_t mu;
	pthread_cond_t  gen_cv;
	struct device  *devs;
	size_t          ndevs;
	struct journal *jr;
	uint64_t        seed;
	char           *dir;
	ssh_bind        bind;

	double          t0;		/* monotonic start */
	double          paused_total;	/* seconds spent paused */
	double          pause_started;
	int             paused;

	atomic_int      quit;
	atomic_int      nsessions;
	atomic_ullong   lines;		/* entries logged, all devices */
};

/* ---- zone.c ---- */
struct tm;
/* Give d the zone name (IANA); single-threaded use only (spec loading). */
int     zone_load(struct device *d, const char *name, char *err, size_t errlen);
void    zone_free(struct device *d);
/* The device's clock at true time t_ms: *tm its local date and time,
 * *abbr its zone word; returns the clock's reading in UTC ms. */
int64_t zone_clock(const struct device *d, int64_t t_ms, struct tm *tm,
	    const char **abbr);

/* ---- ring.c ---- */
void   ring_init(struct ring *r, size_t limit, int whole_lines);
void   ring_free(struct ring *r);
void   ring_clear(struct ring *r);
/* Takes a copy of text. */
void   ring_push(struct ring *r, const char *text, size_t len);
/* Append the printed view of the buffer to out. */
void   ring_view(const struct ring *r, struct buf *out);

/* ---- journal.c ---- */
struct journal *journal_open(const char *path, char *err, size_t errlen);
void   journal_close(struct journal **jr);
void   journal_line(struct journal *jr, int64_t t, const char *dev, uint64_t n,
	    const char *text, size_t len);
void   journal_flap(struct journal *jr, int64_t t, const char *dev,
	    const char *iface, const char *state, uint64_t n);
void   journal_event(struct journal *jr, int64_t t, const char *dev, const char *kind);
void   journal_flush(struct journal *jr);
/* JSON string body escaping (no quotes); invalid UTF-8 bytes become \u00XX. */
void   journal_escape(struct buf *out, const char *s, size_t len);

/* ---- gen.c ---- */
void     gen_rng_seed(struct rng *r, uint64_t seed);
uint64_t gen_rng_next(struct rng *r);
uint32_t gen_rng_below(struct rng *r, uint32_t n);
double   gen_rng_unit(struct rng *r);
/* Schedule the device's first events at virtual time vnow. */
void     gen_device_start(struct fleet *fl, struct device *d, double vnow);
/* Next message from vnow (a rate change); flaps_too after a reboot. */
void     gen_device_reschedule(struct device *d, double vnow, int flaps_too);
/* Log `count` messages backdated before now (fleet.mu held). */
void     gen_prefill(struct fleet *fl, struct device *d, unsigned count);
/* Run the generator thread until fl->quit. */
void    *gen_thread(void *arg);

/* ---- plat.c ---- */
enum msg_kind {
	MSG_CONFIG, MSG_ACL, MSG_OSPF, MSG_BGP, MSG_EIGRP, MSG_SSH, MSG_LOGIN,
	MSG_MULTI, MSG__COUNT
};
/* Random parameters drawn by the generator; each platform uses what it needs. */
struct msg {
	int      kind;
	uint32_t p[8];
};
int         plat_parse(const char *name);
const char *plat_name(int plat);
int         plat_whole_lines(int plat);
int         plat_has_enable(int plat);
void        plat_iface_name(int plat, int i, char *out, size_t len);
/* Seq/timestamp/host prefix of an entry. */
void        plat_prefix(const struct device *d, uint64_t seq, int64_t t_ms, struct buf *out);
void        plat_body(const struct device *d, const struct msg *m, struct buf *out);
/* 1 when an IOS XR message m comes from the admin plane (its own node). */
int         plat_xr_admin(const struct msg *m);
/* Bodies for an interface change: 1 or 2, separated by '\0' in out. */
int         plat_flap_bodies(const struct device *d, const char *iface, int ifidx,
		int state, struct buf *out);
void        plat_restart_bodies(const struct device *d, struct buf *out, int *count);
void        plat_prompt(const struct device *d, const char *user, int priv, struct buf *out);
const char *plat_pager(int plat);
/* Header printed before the buffer by the platform's log command. */
void        plat_log_header(const struct device *d, struct buf *out);
void        plat_clock(const struct device *d, int64_t t_ms, struct buf *out);
const char *ts_style_name(int ts);
int         ts_style_parse(const char *s);

/* ---- fleet.c (functions named _locked need fleet.mu held) ---- */
int      fleet_init(struct fleet *fl, const struct opts *o, char *err, size_t errlen);
void     fleet_free(struct fleet *fl);
void     fleet_lock(struct fleet *fl);
void     fleet_unlock(struct fleet *fl);
struct device *fleet_find(struct fleet *fl, const char *name);
double   fleet_vnow_locked(const struct fleet *fl);
/* Log one entry (prefix added unless raw); returns its journal counter. */
uint64_t fleet_log_locked(struct fleet *fl, struct device *d, int64_t t_ms,
	    const char *body, size_t len, int raw);
uint64_t fleet_flap_locked(struct fleet *fl, struct device *d, const char *iface,
	    int state, int64_t t_ms);
void     fleet_clear_locked(struct fleet *fl, struct device *d);
void     fleet_reload_locked(struct fleet *fl, struct device *d, double downtime);
void     fleet_boot_locked(struct fleet *fl, struct device *d);
const char *fleet_fault_name(unsigned bit);
int      fleet_fault_parse(const char *s);

/* ---- iftable.c ---- */
/* The platform's interface table of d (takes fleet.mu); descriptions:
 * Junos's second table (show interfaces descriptions). */
void iftable_show(struct fleet *fl, const struct device *d, int descriptions,
	    struct buf *o);
/* The description interface i starts with (some have none). */
void iftable_default_descr(struct device *d, int i);
/* Set interface i's description to text[0..len) (len 0: none). */
void iftable_set_descr(struct device *d, int i, const char *text, size_t len);

/* ---- spec.c ---- */
int  spec_apply(struct fleet *fl, const char *path, char *err, size_t errlen);

/* ---- inv.c ---- */
int  inv_write(const struct fleet *fl, ssh_key hostkey, char *err, size_t errlen);

/* ---- ctl.c ---- */
/* Execute one control command; reply gets "ok ..." or "err ...". */
void ctl_exec(struct fleet *fl, char *line, struct buf *reply);

/* ---- sess.c ---- */
/* Take over an accepted TCP connection for device d (starts a thread). */
int  sess_start(struct fleet *fl, struct device *d, int fd);

/* One SSH connection to one device, owned by its thread. */
struct sess {
	struct fleet  *fl;
	struct device *dev;
	ssh_session    ss;
	ssh_channel    ch;
	struct ssh_server_callbacks_struct  scb;
	struct ssh_channel_callbacks_struct ccb;
	int      authed;
	int      auth_fails;
	int      want_shell;
	char    *exec_cmd;
	char     user[64];
	unsigned epoch;		/* device epoch at login */
	int      priv;		/* 1 (HOST>) or 15 (HOST#) */
	int      term_len;	/* 0: no paging */
	int      term_width;
	unsigned char in[4096];
	size_t   in_off, in_len;
	int      last_cr;
	double   last_input;	/* monotonic, for the exec-timeout */
	struct buf out;		/* pending output, line ends already CRLF */
	int      dead;		/* connection gone or must end */
};

/* ---- shell.c: terminal I/O, paging, faults ---- */
int  shell_run(struct sess *s);
int  shell_exec(struct sess *s, const char *cmd);

/* ---- cli.c: command parsing and output ---- */
enum cli_action { CLI_NONE, CLI_EXIT, CLI_ENABLE, CLI_CLEAR_CONFIRM };
struct cli_result {
	struct buf out;		/* '\n' line ends */
	int  action;		/* enum cli_action */
	int  is_log;		/* output of the log command: faults apply */
	int  no_more;		/* paging off for this command (Junos | no-more) */
};
void cli_run(struct sess *s, const char *line, struct cli_result *r);

/* ---- filter.c: output filters after '|' ---- */
#define FILTER_MAX	4
struct filter_chain {
	int n;
	int no_more;		/* Junos | no-more */
	struct { int kind; regex_t re; } f[FILTER_MAX];
};
/* The filters after the first '|' for platform plat; 0, or -1 (invalid). */
int  filter_parse(int plat, const char *pipe, struct filter_chain *fc);
/* Apply them to o line by line, in order, and free them. */
void filter_apply(struct filter_chain *fc, struct buf *o);
/* Perform a confirmed `clear logging` from a session. */
void cli_clear_logging(struct sess *s);

#endif
