/*
 * sshc.h — one SSH session to one device (libssh client), non-blocking, so
 * that a single thread can drive hundreds of them through one poll().
 *
 * A session is a state machine:
 *
 *   INIT ─start_poll─▶ RESOLVE ─▶ CONNECT ─▶ HANDSHAKE ─▶ HOSTKEY ─▶ AUTH
 *        ─▶ CHANNEL ─▶ PTY ─▶ SHELL ─▶ SETUP ─▶ RUN ─▶ DONE ─▶ IDLE (persistent)
 *                                                          └──▶ CLOSED
 *   exec mode:  AUTH ─▶ RUN (channel, exec, read to EOF) ─▶ DONE ─▶ IDLE/CLOSED
 *   any state ─failure─▶ ERROR (connection dropped; the next poll reconnects)
 *
 * How a scheduler drives it (see the collector main loop in STYLE.md §7):
 *
 *   s = sshc_new(host, &opts, err, sizeof err);
 *   sshc_start_poll(s, now);                  when the device is due
 *   loop:
 *     fd = sshc_fd(s); ev = sshc_events(s);   put into the pollfd set
 *     timeout = min(timeout, sshc_deadline(s) - now)
 *     poll(...)
 *     r = sshc_step(s, now);                  when fd is ready OR the
 *                                             deadline has passed
 *     SSHC_AGAIN  keep polling
 *     SSHC_DONE   sshc_output(s, &len) is the poll's output
 *     SSHC_IDLE   nothing to do: the session is open and waits for the next
 *                 start_poll (keep polling its fd: that drains what the
 *                 device prints and notices when it hangs up)
 *     SSHC_CLOSED nothing to do: the connection is closed without a
 *                 failure (non-persistent, or the device logged an idle
 *                 session out); the next start_poll reconnects
 *     SSHC_ERROR  the poll failed: sshc_error(s), sshc_errmsg(s); the
 *                 connection is closed; back off, then start_poll again
 *
 * sshc_step() never blocks: every libssh call it makes runs in libssh's
 * non-blocking mode and returns SSH_AGAIN when it would wait. Two calls are
 * not network I/O but can still take time: ssh_pki_import_privkey_file()
 * (reads the key file; a passphrase-less key from local disk) and the
 * known_hosts lookup/update (local file). After the TCP connect the socket
 * is made blocking, as libssh's own connect does: libssh polls before every
 * read and write, and only a write larger than the free socket buffer
 * could wait (we write commands of a few bytes). Host names that are not numeric
 * addresses are resolved with getaddrinfo_a() (glibc's asynchronous
 * resolver) so that a slow DNS server stalls nobody; the session polls the
 * request every few ms meanwhile (sshc_fd() is -1 then).
 *
 * libssh's own configuration files (~/.ssh/config, /etc/ssh/ssh_config) are
 * never read: SSH_OPTIONS_PROCESS_CONFIG is false and ssh_options_parse_config
 * is not called. Host keys are checked against the known_hosts file in the
 * options only (both the user and the global known_hosts of libssh point at
 * it); an unknown or changed key refuses the device with a log line that
 * shows the key's fingerprint. Under HOSTKEY_ACCEPT_NEW an unknown key (never
 * a changed one) is written to that file.
 *
 * Secrets (password, enable secret) are copied into the session, wiped when
 * it is freed, and never appear in sshc_errmsg() or in logs.
 */
#ifndef LOGHAUL_SSHC_H
#define LOGHAUL_SSHC_H

#include <stddef.h>
#include <stdint.h>

#include "common/cerr.h"
#include "common/conf.h"

struct inv_host;
struct sshc;

#define SSHC_STATE_MAP(X)  \
	X(INIT)            \
	X(RESOLVE)         \
	X(CONNECT)         \
	X(HANDSHAKE)       \
	X(HOSTKEY)         \
	X(AUTH)            \
	X(CHANNEL)         \
	X(PTY)             \
	X(SHELL)           \
	X(SETUP)           \
	X(IDLE)            \
	X(RUN)             \
	X(DONE)            \
	X(CLOSED)          \
	X(ERROR)

enum sshc_state {
#define SSHC_STATE_ENUM(name) SSHC_S_##name,
	SSHC_STATE_MAP(SSHC_STATE_ENUM)
#undef SSHC_STATE_ENUM
	SSHC_S__COUNT
};

enum sshc_result {
	SSHC_AGAIN,	/* in progress: poll sshc_fd() for sshc_events() */
	SSHC_DONE,	/* the poll finished: sshc_output() */
	SSHC_IDLE,	/* open, nothing in progress */
	SSHC_CLOSED,	/* closed, nothing in progress, not a failure */
	SSHC_ERROR	/* the poll failed: sshc_error(), sshc_errmsg() */
};

/* Settings shared by every session; per-device values override them. */
struct sshc_opts {
	const char *known_hosts;	/* required; copied */
	enum hostkey_policy host_key_policy;
	uint64_t connect_ms;	/* TCP connect */
	uint64_t banner_ms;	/* SSH banner + key exchange */
	uint64_t auth_ms;	/* user authentication */
	/*
	 * Each shell command (setup and the log command), and the channel
	 * requests: the device must make progress (send bytes) at least this
	 * often, and finish within 4 times this.
	 */
	uint64_t command_ms;
	uint64_t keepalive_ms;	/* an SSH_MSG_IGNORE when idle this long; 0 off */
	int      persistent;	/* when the host does not say: 1 keep open */
	int      exec_mode;	/* when the host does not say: -1 the platform's */
	int      legacy_algorithms;	/* when the host does not say */
	size_t   max_output;	/* ceiling on one command's output; 0: 16 MiB */
};

/* Defaults: strict host keys, 10 s connect/banner/auth, 30 s command. */
void sshc_opts_init(struct sshc_opts *o);
/* The ssh and collector sections of a loaded config. c must outlive o. */
void sshc_opts_from_conf(struct sshc_opts *o, const struct conf *c);

/*
 * A session for host (copied; host may be freed afterwards). Connects
 * nothing yet: the first sshc_start_poll() does. Returns NULL and a message
 * in err for an unknown platform or missing known_hosts option.
 * Caller owns the session: sshc_free(&s).
 */
struct sshc *sshc_new(const struct inv_host *host, const struct sshc_opts *o,
    char *err, size_t errlen);
/* Closes the connection (no waiting) and frees; NULL-safe, sets *s NULL. */
void         sshc_free(struct sshc **s);

/*
 * Begin a poll at monotonic time now: from IDLE, run the log command on the
 * open session; from INIT, CLOSED or ERROR, connect first. Returns 0, or -1
 * when a poll is already in progress. Then drive it with sshc_step().
 */
int              sshc_start_poll(struct sshc *s, double now);

/*
 * Advance as far as possible without blocking (see the top of this file).
 * now is util_monotime(); a state whose deadline has passed fails with
 * CERR_TIMEOUT. SSHC_DONE, SSHC_ERROR are returned once per poll; stepping
 * again gives SSHC_IDLE or SSHC_CLOSED.
 */
enum sshc_result sshc_step(struct sshc *s, double now);

/* Descriptor to poll, -1 when there is none (not connected, resolving). */
int              sshc_fd(const struct sshc *s);
/* poll() events for sshc_fd(): POLLIN, plus POLLOUT while output is queued. */
short            sshc_events(const struct sshc *s);
/*
 * Monotonic time by which sshc_step() must be called even if the fd stays
 * quiet (a timeout, a keepalive, polling the resolver); HUGE_VAL if none.
 */
double           sshc_deadline(const struct sshc *s);

/*
 * The output of the last finished poll: the log command's output with the
 * echo, pager prompts and their erase residue, and the trailing prompt
 * removed; bytes as the device sent them otherwise (CRLF included). Valid
 * until the next sshc_start_poll() or sshc_free(). NULL before the first
 * SSHC_DONE.
 */
const char      *sshc_output(const struct sshc *s, size_t *len);

/*
 * Have the next poll of a shell session also run the platform's clock
 * command (platform.clock_cmd), right after the log command; exec-channel
 * sessions ignore it. Its answer, and the collector's wall clock (ms) when
 * the command was sent and when the answer was complete, then come from
 * sshc_clock_output() (NULL when the last poll did not run it). The
 * answer is cut to 511 bytes; valid like sshc_output().
 */
void             sshc_want_clock(struct sshc *s);
/* 1 when the session runs its commands on exec channels. */
int              sshc_exec(const struct sshc *s);
/*
 * The collector's wall clock (ms) when the last poll's command was sent
 * and when its output was complete (0: not yet). On an exec channel the
 * clock command is then a poll of its own (sshc_set_command()), measured
 * with these.
 */
void             sshc_cmd_times(const struct sshc *s, int64_t *sent_ms,
    int64_t *done_ms);
const char      *sshc_clock_output(const struct sshc *s, size_t *len,
    int64_t *sent_ms, int64_t *recv_ms);
/*
 * The command the next polls run instead of the platform's log command
 * (an incremental read: platform_incr_cmd()); NULL or "" goes back to the
 * platform's. Returns 0, or -1 when cmd is longer than 400 bytes or holds
 * a line break (the platform's command stays). Takes effect at the next
 * sshc_start_poll().
 */
int              sshc_set_command(struct sshc *s, const char *cmd);
/* The command the last (or current) poll ran. */
const char      *sshc_command(const struct sshc *s);
/*
 * Give back the memory of the last poll's output (and read buffer) when
 * it is large, so that an idle session costs little whatever the size of
 * the device's log buffer. sshc_output() is empty afterwards. Call after
 * the output has been used, never during a poll.
 */
void             sshc_release(struct sshc *s);

enum sshc_state  sshc_state(const struct sshc *s);
const char      *sshc_strstate(enum sshc_state st);
/* The cause of the last SSHC_ERROR (CERR_OK if none). */
enum cerr        sshc_error(const struct sshc *s);
/* "state=AUTH: ..." for the last error; "" if none. Never holds secrets. */
const char      *sshc_errmsg(const struct sshc *s);
/* Pager prompts answered in the last poll (devices that ignore paging-off). */
unsigned         sshc_pages(const struct sshc *s);
/* The exact prompt learned on the shell, "" before SETUP. */
const char      *sshc_prompt(const struct sshc *s);

#endif
