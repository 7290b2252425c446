/*
 * sshc_shell.c — the conversation once a session is authenticated: the
 * interactive shell (SETUP: first prompt, enable, paging off; RUN: the log
 * command up to the prompt, answering pagers), the exec-channel variant,
 * IDLE between polls, and the asynchronous resolver the session starts with.
 *
 * A shell has no message boundaries: an answer is complete when the device
 * has gone quiet (nothing more to read right now) and the text ends with the
 * prompt. Decisions are therefore only taken after a read has drained
 * everything that had arrived.
 */
#include <errno.h>
#include <math.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <libssh/libssh.h>

#include "collector/platform.h"
#include "collector/sshc.h"
#include "collector/sshc_int.h"
#include "collector/sshc_text.h"
#include "common/log.h"
#include "common/util.h"

/* Bytes read from one session in one step before yielding to the others. */
#define STEP_READ_BUDGET	(1024 * 1024)
/* No prompt after a banner this long quiet: press return. */
#define NUDGE_AFTER		1.5
#define NUDGE_MAX		3

/* ---- resolver --------------------------------------------------------- */

int
sshc_resolve_start(struct sshc *s)
{
	struct addrinfo hints, *res = NULL;
	struct gaicb *list[1];
	int rc;

	snprintf(s->portstr, sizeof s->portstr, "%d", s->port);
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	/* An address needs no resolver. */
	rc = getaddrinfo(s->hostname, s->portstr, &hints, &res);
	if (rc == 0) {
		s->ai = res;
		s->wake = 0;
		return 0;
	}
	if (rc != EAI_NONAME)
		return sshc_fail(s, CERR_CONNECT, "address %s: %s", s->hostname,
		    gai_strerror(rc)), -1;
	memset(&s->hints, 0, sizeof s->hints);
	s->hints.ai_family = AF_UNSPEC;
	s->hints.ai_socktype = SOCK_STREAM;
	s->hints.ai_flags = AI_NUMERICSERV;
	memset(&s->gcb, 0, sizeof s->gcb);
	s->gcb.ar_name = s->hostname;
	s->gcb.ar_service = s->portstr;
	s->gcb.ar_request = &s->hints;
	list[0] = &s->gcb;
	/* glibc runs the lookup in its own thread; we look at it now and then. */
	rc = getaddrinfo_a(GAI_NOWAIT, list, 1, NULL);
	if (rc != 0)
		return sshc_fail(s, CERR_CONNECT, "resolving %s: %s", s->hostname,
		    gai_strerror(rc)), -1;
	s->gai_active = 1;
	return 0;
}

int
sshc_resolve_poll(struct sshc *s, double now)
{
	int rc;

	if (s->ai != NULL)
		return ST_ADVANCE;
	if (!s->gai_active)
		return sshc_fail(s, CERR_CONNECT, "resolver not started");
	rc = gai_error(&s->gcb);
	if (rc == EAI_INPROGRESS) {
		s->wake = now + 0.005;
		return ST_AGAIN;
	}
	s->gai_active = 0;
	s->wake = 0;
	if (rc != 0)
		return sshc_fail(s, CERR_CONNECT, "resolving %s: %s", s->hostname,
		    gai_strerror(rc));
	s->ai = s->gcb.ar_result;
	s->gcb.ar_result = NULL;
	return ST_ADVANCE;
}

void
sshc_resolve_cancel(struct sshc *s)
{
	const struct gaicb *list[1] = { &s->gcb };

	if (!s->gai_active)
		return;
	/*
	 * A lookup already running cannot be cancelled, and its result is
	 * written into s->gcb: wait for it (bounded by the resolver's own
	 * timeout; only on free or reconnect of a session mid-lookup).
	 */
	if (gai_cancel(&s->gcb) == EAI_NOTCANCELED)
		while (gai_error(&s->gcb) == EAI_INPROGRESS)
			gai_suspend(list, 1, NULL);
	if (s->gcb.ar_result != NULL)
		freeaddrinfo(s->gcb.ar_result);
	s->gcb.ar_result = NULL;
	s->gai_active = 0;
}

/* ---- reading and writing ---------------------------------------------- */

static int
s_flush(struct sshc *s)
{
	while (s->wq.len > 0) {
		int n = ssh_channel_write(s->ch, s->wq.data, (uint32_t)s->wq.len);

		if (n == SSH_ERROR)
			return sshc_fail_lib(s, "writing to the channel");
		if (n <= 0)
			break;	/* the device's window is full: later */
		/* What was sent may have been a secret: leave no copy. */
		explicit_bzero(s->wq.data, (size_t)n);
		buf_consume(&s->wq, (size_t)n);
	}
	return ST_AGAIN;
}

static int
s_write(struct sshc *s, const char *a, const char *b)
{
	if (buf_append(&s->wq, a, strlen(a)) != CERR_OK ||
	    (b && buf_append(&s->wq, b, strlen(b)) != CERR_OK))
		return sshc_fail(s, CERR_TOOBIG, "write queue full");
	return s_flush(s);
}

/* Send cmd and start reading its answer afresh. */
static int
s_send_cmd(struct sshc *s, const char *cmd, double now)
{
	buf_reset(&s->in);
	s->cmd = cmd;
	s->residue_pending = 0;
	s->pager_at = 0;
	s->echo_done = 0;
	s->echo_end = 0;
	s->deadline = now + s->command_ms / 1000.0;
	s->hard_deadline = now + 4 * (s->command_ms / 1000.0);
	/* Read again at once: writing may have pulled in the answer. */
	return s_write(s, cmd, "\n") == ST_FAIL ? ST_FAIL : ST_ADVANCE;
}

/*
 * Read what has arrived on the channel into s->in (stderr is counted and
 * dropped: a pty merges it anyway). Sets *eof when the device closed its
 * side. Stops after STEP_READ_BUDGET so that one fast device cannot starve
 * the others; s->more_pending then asks to be stepped again at once.
 */
static int
s_read(struct sshc *s, double now, int *eof, int discard)
{
	char tmp[16384];
	size_t total = 0;
	int n;

	*eof = 0;
	s->more_pending = 0;
	if (s_flush(s) == ST_FAIL)
		return ST_FAIL;
	/*
	 * stderr first, stdout last: a read on an empty buffer makes libssh
	 * pull whatever the socket holds, into either buffer. Ending on a
	 * stdout read that found nothing guarantees no answer is left in
	 * libssh's buffers while the socket looks quiet to poll().
	 */
	for (;;) {
		int progress = 0;

		if (total >= STEP_READ_BUDGET) {
			s->more_pending = 1;
			break;
		}
		n = ssh_channel_read_nonblocking(s->ch, tmp, sizeof tmp, 1);
		if (n > 0) {
			total += (size_t)n;
			s->stderr_bytes += (uint64_t)n;
			progress = 1;
		}
		n = ssh_channel_read_nonblocking(s->ch, tmp, sizeof tmp, 0);
		if (n > 0) {
			total += (size_t)n;
			sshc_progress(s, now);
			if (!discard && buf_append(&s->in, tmp, (size_t)n) != CERR_OK)
				return sshc_fail(s, CERR_TOOBIG, "output of '%s' "
				    "passed %zu bytes", s->cmd ? s->cmd : "?",
				    s->max_output);
			continue;
		}
		if (n == SSH_EOF) {
			*eof = 1;
			break;
		}
		if (n < 0)
			return sshc_fail_lib(s, "reading the channel");
		if (!progress)
			break;
	}
	if (!*eof && (ssh_channel_is_closed(s->ch) || !ssh_is_connected(s->ssh)))
		*eof = 1;
	return ST_AGAIN;
}

static void
s_learn_prompt(struct sshc *s, const char *line, size_t len)
{
	if (len > SSHC_PROMPT_MAX)
		len = SSHC_PROMPT_MAX;
	memcpy(s->prompt, line, len);
	s->prompt[len] = '\0';
	s->plen = len;
}

/* The last line of s->in, and whether it is a prompt of the platform. */
static int
s_last_line(struct sshc *s, const char **line, size_t *len)
{
	size_t ls = sshc_text_last_line(s->in.data ? s->in.data : "", s->in.len);

	*line = s->in.data + ls;
	*len = s->in.len - ls;
	return platform_match_prompt(s->plat, *line, *len);
}

/* Decide where the answer starts once its first line is in. */
static int
s_echo(struct sshc *s)
{
	if (!s->echo_done && s->cmd != NULL)
		s->echo_done = sshc_text_find_echo(s->in.data, s->in.len, s->cmd,
		    s->prompt, &s->echo_end);
	return s->echo_done;
}

/* ---- SETUP ------------------------------------------------------------ */

static int
s_setup_next_cmd(struct sshc *s, double now)
{
	const char *cmd = s->plat->setup_cmds[s->setup_idx];

	if (cmd == NULL) {
		sshc_enter(s, SSHC_S_RUN, now);
		s->run_step = RUN_SEND;
		return ST_ADVANCE;
	}
	s->setup_idx++;
	s->setup_step = SETUP_CMDS;
	return s_send_cmd(s, cmd, now);
}

/* The first prompt is in: enable if it asks for it, else paging off. */
static int
s_setup_after_prompt(struct sshc *s, double now)
{
	if (platform_wants_enable(s->plat, s->prompt, s->plen)) {
		if (s->enable_secret != NULL) {
			s->setup_step = SETUP_ENABLE;
			return s_send_cmd(s, "enable", now);
		}
		log_debug("device=%s state=SETUP unprivileged prompt and no "
		    "enable secret: staying in user mode", s->name);
	}
	s->setup_idx = 0;
	return s_setup_next_cmd(s, now);
}

int
sshc_st_setup(struct sshc *s, double now)
{
	const char *line;
	size_t len;
	int eof, is_prompt;

	if (s_read(s, now, &eof, 0) == ST_FAIL)
		return ST_FAIL;
	if (eof)
		return sshc_fail(s, CERR_EOF, "device closed the shell during "
		    "setup (%zu bytes: banner or command answer)", s->in.len);
	if (s->more_pending)
		return ST_AGAIN;
	is_prompt = s_last_line(s, &line, &len);

	switch (s->setup_step) {
	case SETUP_BANNER:
		if (is_prompt) {
			s_learn_prompt(s, line, len);
			s->wake = 0;
			return s_setup_after_prompt(s, now);
		}
		/* Some devices print no prompt until return is pressed. */
		if (now - s->last_io >= NUDGE_AFTER && s->nudges < NUDGE_MAX) {
			s->nudges++;
			s->last_io = now;
			return s_write(s, "\n", NULL) == ST_FAIL ? ST_FAIL :
			    ST_ADVANCE;
		}
		s->wake = s->last_io + NUDGE_AFTER;
		return ST_AGAIN;
	case SETUP_ENABLE:
		if (!s_echo(s))
			return ST_AGAIN;
		if (platform_is_password_prompt(line, len)) {
			s->setup_step = SETUP_ENABLE_SECRET;
			buf_reset(&s->in);
			s->cmd = NULL;
			/* The secret goes to the device only, never to a log. */
			return s_write(s, s->enable_secret, "\n") == ST_FAIL ?
			    ST_FAIL : ST_ADVANCE;
		}
		/* No password asked: a prompt is the answer. */
		/* FALLTHROUGH */
	case SETUP_ENABLE_SECRET:
		if (platform_is_password_prompt(line, len) &&
		    s->setup_step == SETUP_ENABLE_SECRET)
			return sshc_fail(s, CERR_AUTH, "enable secret refused "
			    "(asked again)");
		if (!is_prompt)
			return ST_AGAIN;
		s_learn_prompt(s, line, len);
		if (platform_wants_enable(s->plat, s->prompt, s->plen))
			return sshc_fail(s, CERR_AUTH, "enable refused: still at "
			    "an unprivileged prompt");
		s->setup_idx = 0;
		return s_setup_next_cmd(s, now);
	case SETUP_CMDS:
		if (!s_echo(s))
			return ST_AGAIN;
		if (!sshc_text_ends_with_prompt(s->in.data, s->in.len, s->prompt,
		    s->plen) || s->in.len < s->echo_end + s->plen)
			return ST_AGAIN;
		return s_setup_next_cmd(s, now);
	}
	return sshc_fail(s, CERR_PROTO, "impossible setup step");
}

/* ---- RUN (shell) ------------------------------------------------------- */

/* Remove the pager's erase bytes once they are all in (or final). */
static void
s_strip_residue(struct sshc *s, int final)
{
	size_t r;
	int more;

	if (!s->residue_pending || (!final && s->in.len == s->pager_at))
		return;
	r = sshc_text_pager_residue(s->in.data + s->pager_at,
	    s->in.len - s->pager_at, final, &more);
	if (more)
		return;
	if (r > 0) {
		memmove(s->in.data + s->pager_at, s->in.data + s->pager_at + r,
		    s->in.len - s->pager_at - r);
		s->in.len -= r;
		s->in.data[s->in.len] = '\0';
	}
	s->residue_pending = 0;
}

/* The clock command's answer, read to the prompt after the log command. */
static int
s_run_clock(struct sshc *s, double now)
{
	size_t olen;
	int eof;

	if (s_read(s, now, &eof, 0) == ST_FAIL)
		return ST_FAIL;
	if (eof)
		return sshc_fail(s, CERR_EOF, "device closed the session during "
		    "'%s'", s->plat->clock_cmd);
	if (s->more_pending || !s_echo(s))
		return ST_AGAIN;
	if (!sshc_text_ends_with_prompt(s->in.data, s->in.len, s->prompt,
	    s->plen) || s->in.len < s->echo_end + s->plen)
		return ST_AGAIN;
	s->clock_recv_ms = util_wallms();
	olen = s->in.len - s->plen - s->echo_end;
	s->clock_len = olen < sizeof(s->clock_out) ? olen :
	    sizeof(s->clock_out) - 1;
	memcpy(s->clock_out, s->in.data + s->echo_end, s->clock_len);
	s->clock_out[s->clock_len] = '\0';
	s->clock_have = 1;
	buf_reset(&s->in);
	return ST_DONE;
}

int
sshc_exec(const struct sshc *s)
{
	return s->exec_mode;
}

void
sshc_cmd_times(const struct sshc *s, int64_t *sent_ms, int64_t *done_ms)
{
	*sent_ms = s->cmd_sent_ms;
	*done_ms = s->cmd_done_ms;
}

void
sshc_want_clock(struct sshc *s)
{
	s->clock_want = 1;
}

const char *
sshc_clock_output(const struct sshc *s, size_t *len, int64_t *sent_ms,
    int64_t *recv_ms)
{
	if (!s->clock_have)
		return NULL;
	*len = s->clock_len;
	*sent_ms = s->clock_sent_ms;
	*recv_ms = s->clock_recv_ms;
	return s->clock_out;
}

static int
s_run_shell(struct sshc *s, double now)
{
	size_t at, olen;
	int eof;

	if (s->run_step == RUN_CLOCK)
		return s_run_clock(s, now);
	if (s->run_step == RUN_SEND) {
		s->clock_have = 0;
		/* Whatever the device said while idle is not our answer. */
		if (s_read(s, now, &eof, 1) == ST_FAIL)
			return ST_FAIL;
		if (eof)
			return sshc_fail(s, CERR_EOF, "device closed the idle "
			    "session");
		s->pages = 0;
		s->run_step = RUN_READ;
		s->cmd_sent_ms = util_wallms();
		s->cmd_done_ms = 0;
		if (s_send_cmd(s, sshc_command(s), now) == ST_FAIL)
			return ST_FAIL;
	}
	if (s_read(s, now, &eof, 0) == ST_FAIL)
		return ST_FAIL;
	if (eof)
		return sshc_fail(s, CERR_EOF, "device closed the session in the "
		    "middle of the output (after %zu bytes)", s->in.len);
	if (s->more_pending || !s_echo(s))
		return ST_AGAIN;
	s_strip_residue(s, 0);
	if (s->residue_pending)
		return ST_AGAIN;
	if (sshc_text_find_pager(s->in.data, s->in.len, &at) &&
	    at >= s->echo_end) {
		/* The device ignored paging-off: page on, keep the text. */
		s->in.len = at;
		s->in.data[at] = '\0';
		s->pager_at = at;
		s->residue_pending = 1;
		s->pages++;
		return s_write(s, " ", NULL) == ST_FAIL ? ST_FAIL : ST_ADVANCE;
	}
	if (!sshc_text_ends_with_prompt(s->in.data, s->in.len, s->prompt,
	    s->plen) || s->in.len < s->echo_end + s->plen)
		return ST_AGAIN;
	olen = s->in.len - s->plen - s->echo_end;
	buf_reset(&s->out);
	if (buf_append(&s->out, s->in.data + s->echo_end, olen) != CERR_OK)
		return sshc_fail(s, CERR_NOMEM, "copying output");
	buf_reset(&s->in);
	s->cmd_done_ms = util_wallms();
	if (s->clock_want && s->plat->clock_cmd != NULL) {
		/* at the prompt already: the clock command goes right after */
		s->clock_want = 0;
		s->run_step = RUN_CLOCK;
		s->clock_sent_ms = util_wallms();
		return s_send_cmd(s, s->plat->clock_cmd, now);
	}
	return ST_DONE;
}

/* ---- RUN (exec channel) ------------------------------------------------ */

static int
s_run_exec(struct sshc *s, double now)
{
	int rc, eof;

	switch (s->run_step) {
	case RUN_X_OPEN:
		if (s->ch == NULL && (s->ch = ssh_channel_new(s->ssh)) == NULL)
			return sshc_fail_lib(s, "channel");
		rc = ssh_channel_open_session(s->ch);
		if (rc == SSH_AGAIN)
			return ST_AGAIN;
		if (rc != SSH_OK)
			return sshc_fail_lib(s, "opening a session channel");
		s->run_step = RUN_X_EXEC;
		/* the request's first try; an SSH_AGAIN retry is no later send */
		s->cmd_sent_ms = util_wallms();
		s->cmd_done_ms = 0;
		/* fallthrough */
	case RUN_X_EXEC:
		rc = ssh_channel_request_exec(s->ch, s->log_cmd[0] ?
		    s->log_cmd : s->plat->exec_cmd);
		if (rc == SSH_AGAIN)
			return ST_AGAIN;
		if (rc != SSH_OK)
			return sshc_fail_lib(s, "exec request");
		s->run_step = RUN_X_READ;
		s->cmd = s->log_cmd[0] ? s->log_cmd : s->plat->exec_cmd;
		s->stderr_bytes = 0;
		buf_reset(&s->in);
		/* fallthrough */
	case RUN_X_READ:
		if (s_read(s, now, &eof, 0) == ST_FAIL)
			return ST_FAIL;
		if (!eof)
			return ST_AGAIN;
		if (!ssh_is_connected(s->ssh))
			return sshc_fail(s, CERR_EOF, "connection lost in the "
			    "middle of the output (after %zu bytes)", s->in.len);
		s->cmd_done_ms = util_wallms();
		if (s->stderr_bytes > 0)
			log_debug("device=%s state=RUN exec: %llu bytes on stderr "
			    "dropped", s->name, (unsigned long long)s->stderr_bytes);
		buf_reset(&s->out);
		if (buf_append(&s->out, s->in.data, s->in.len) != CERR_OK)
			return sshc_fail(s, CERR_NOMEM, "copying output");
		buf_reset(&s->in);
		ssh_channel_close(s->ch);
		ssh_channel_free(s->ch);
		s->ch = NULL;
		return ST_DONE;
	default:
		return sshc_fail(s, CERR_PROTO, "impossible run step");
	}
}

int
sshc_st_run(struct sshc *s, double now)
{
	return s->exec_mode ? s_run_exec(s, now) : s_run_shell(s, now);
}

/* ---- IDLE, logout ------------------------------------------------------ */

int
sshc_idle_alive(struct sshc *s)
{
	if (s->ssh == NULL || !ssh_is_connected(s->ssh))
		return 0;
	if (s->exec_mode)
		return 1;
	return s->ch != NULL && ssh_channel_is_open(s->ch) &&
	    !ssh_channel_is_eof(s->ch);
}

enum sshc_result
sshc_idle(struct sshc *s, double now)
{
	int eof = 0;

	if (s->ssh == NULL)
		goto closed;
	if (s->ch != NULL) {
		/* Console noise, an exec-timeout notice: not ours, dropped. */
		if (s_read(s, now, &eof, 1) == ST_FAIL)
			goto closed;
	} else if (ssh_blocking_flush(s->ssh, 0) == SSH_ERROR) {
		goto closed;
	}
	if (eof || !sshc_idle_alive(s))
		goto closed;
	if (s->keepalive_ms > 0 && now - s->last_io >= s->keepalive_ms / 1000.0) {
		/* Keeps NAT and firewall state alive; needs no answer. */
		if (ssh_send_ignore(s->ssh, "loghaul") != SSH_OK)
			goto closed;
		s->last_io = now;
	}
	return SSHC_IDLE;
closed:
	log_debug("device=%s state=IDLE the device closed the idle session",
	    s->name);
	sshc_close(s);
	s->state = SSHC_S_CLOSED;
	return SSHC_CLOSED;
}

void
sshc_logout(struct sshc *s)
{
	/* Polite on a shell (frees the vty at once); no waiting either way. */
	if (s->ch != NULL && !s->exec_mode && ssh_channel_is_open(s->ch))
		(void)s_write(s, "exit", "\n");
	sshc_close(s);
}
