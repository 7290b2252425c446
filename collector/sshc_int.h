/*
 * sshc_int.h — private to sshc.c (connection, auth) and sshc_shell.c
 * (shell conversation, exec channel, idle, resolver).
 */
#ifndef LOGHAUL_SSHC_INT_H
#define LOGHAUL_SSHC_INT_H

#include <netdb.h>
#include <stddef.h>
#include <stdint.h>

#include <libssh/libssh.h>

#include "collector/sshc.h"
#include "common/buf.h"

#define SSHC_MAX_OUTPUT	(16u * 1024 * 1024)
#define SSHC_PTY_COLS	511
#define SSHC_PTY_ROWS	24
#define SSHC_PROMPT_MAX	256
#define SSHC_CMD_MAX	400
/* What a session keeps between polls: larger buffers are given back. */
#define SSHC_KEEP_BYTES	(64u * 1024)

/* What a state function returns. */
enum { ST_AGAIN, ST_ADVANCE, ST_DONE, ST_FAIL };

enum sshc_auth_step { AUTH_NONE, AUTH_KEY, AUTH_PASSWORD, AUTH_KBDINT };

enum sshc_setup_step {
	SETUP_BANNER,		/* wait for the first prompt */
	SETUP_ENABLE,		/* sent `enable`: a password prompt or a prompt */
	SETUP_ENABLE_SECRET,	/* sent the secret: wait for the prompt */
	SETUP_CMDS		/* paging off, width: each answered by the prompt */
};

enum sshc_run_step {
	RUN_SEND,		/* shell: send the log command */
	RUN_READ,		/* shell: read to the prompt */
	RUN_X_OPEN,		/* exec: open a channel */
	RUN_X_EXEC,		/* exec: request the command */
	RUN_X_READ,		/* exec: read to EOF */
	RUN_CLOCK		/* shell: read the clock command's answer */
};

struct sshc {
	/* From the inventory and options (secrets wiped on free). */
	char    *name, *hostname, *username, *password, *enable_secret;
	char    *key_file, *known_hosts;
	int      port;
	const struct platform *plat;
	enum hostkey_policy policy;
	int      persistent, exec_mode, legacy;
	uint64_t connect_ms, banner_ms, auth_ms, command_ms, keepalive_ms;
	size_t   max_output;

	enum sshc_state state;
	double   entered;	/* when the state began */
	double   deadline;	/* the state's timeout */
	double   hard_deadline;	/* cap for a command that keeps trickling */
	double   wake;		/* RESOLVE: next look at the resolver */
	double   last_io;	/* IDLE keepalives count from here */
	double   poll_started;
	int      polling, reported, resolve_failed, have_output;

	/* RESOLVE, CONNECT */
	struct gaicb     gcb;
	struct addrinfo  hints;
	int              gai_active;
	char             portstr[8];
	struct addrinfo *ai, *ai_cur;
	int              ai_from_gai;	/* ai belongs to getaddrinfo_a */
	double           connect_started;
	int              conn_errno;
	int              fd;

	ssh_session ssh;
	ssh_channel ch;
	int         connect_called;

	/* AUTH */
	enum sshc_auth_step auth_step;
	int      auth_methods, auth_tried, kbd_rounds;
	ssh_key  key;

	/* SETUP, RUN */
	enum sshc_setup_step setup_step;
	enum sshc_run_step   run_step;
	size_t   setup_idx;
	int      nudges;
	double   quiet_since;
	char     prompt[SSHC_PROMPT_MAX + 1];	/* learned, exact */
	size_t   plen;
	const char *cmd;	/* the command whose answer is being read */
	char     log_cmd[SSHC_CMD_MAX + 1];	/* "": the platform's */
	struct buf in;		/* bytes since the command was sent */
	int      echo_done;	/* echo_end is known */
	size_t   echo_end;	/* where the answer begins in in */
	int      more_pending;	/* read budget spent: step again at once */
	int      residue_pending;	/* a pager was answered at pager_at */
	size_t   pager_at;
	unsigned pages;
	struct buf wq;		/* bytes not yet taken by the channel */
	uint64_t stderr_bytes;

	struct buf out;		/* the last finished poll's output */

	/* The last poll's command: sent, its output complete (wall ms). */
	int64_t  cmd_sent_ms, cmd_done_ms;

	/* The clock command after the log command (sshc_want_clock). */
	int      clock_want, clock_have;
	int64_t  clock_sent_ms, clock_recv_ms;
	size_t   clock_len;
	char     clock_out[512];

	enum cerr err;
	char      errmsg[512];
};

int  sshc_fail(struct sshc *s, enum cerr e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int  sshc_fail_lib(struct sshc *s, const char *what);
void sshc_enter(struct sshc *s, enum sshc_state st, double now);
void sshc_progress(struct sshc *s, double now);
void sshc_close(struct sshc *s);

/* sshc_shell.c */
int  sshc_resolve_start(struct sshc *s);
int  sshc_resolve_poll(struct sshc *s, double now);
void sshc_resolve_cancel(struct sshc *s);
int  sshc_st_setup(struct sshc *s, double now);
int  sshc_st_run(struct sshc *s, double now);
enum sshc_result sshc_idle(struct sshc *s, double now);
int  sshc_idle_alive(struct sshc *s);
void sshc_logout(struct sshc *s);

#endif
