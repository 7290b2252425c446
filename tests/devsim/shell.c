/*
 * shell.c — the terminal side of a session: MOTD banner, prompt, character
 * echo and line editing, the enable password, the --More-- pager, and the
 * faults that make the log command's output slow, hang, break off or drop
 * the connection. Output is written with CRLF line ends, as IOS does.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "common/log.h"
#include "common/util.h"
#include "tests/devsim/devsim.h"

#define SHELL_EXEC_TIMEOUT 600.0	/* IOS exec-timeout 10 0 */
#define SHELL_FLUSH_AT     16384
#define SHELL_WRITE_MAX    32768
#define SLOW_CHUNK         64		/* slow_output: 64 bytes ... */
#define SLOW_PAUSE_NS      62500000L	/* ... every 62.5 ms, 1 KiB/s */

/* Write pending output to the channel; -1 once the peer is gone. */
static int
s_flush(struct sess *s)
{
	size_t off = 0;

	if (s->dead) {
		buf_reset(&s->out);
		return -1;
	}
	while (off < s->out.len) {
		size_t n = s->out.len - off;
		int w;

		if (n > SHELL_WRITE_MAX)
			n = SHELL_WRITE_MAX;
		w = ssh_channel_write(s->ch, s->out.data + off, (uint32_t)n);
		if (w <= 0) {
			s->dead = 1;
			buf_reset(&s->out);
			return -1;
		}
		off += (size_t)w;
	}
	if (s->out.cap > SHELL_FLUSH_AT * 2) {
		buf_free(&s->out);
		buf_init(&s->out, 0);
	} else {
		buf_reset(&s->out);
	}
	return 0;
}

static void
s_put_raw(struct sess *s, const char *p, size_t n)
{
	buf_append(&s->out, p, n);
	if (s->out.len >= SHELL_FLUSH_AT)
		s_flush(s);
}

/* Append with '\n' turned into CRLF. */
static void
s_put(struct sess *s, const char *p, size_t n)
{
	size_t i, start = 0;

	for (i = 0; i < n; i++) {
		if (p[i] != '\n')
			continue;
		buf_append(&s->out, p + start, i - start);
		buf_append(&s->out, "\r\n", 2);
		start = i + 1;
	}
	buf_append(&s->out, p + start, n - start);
	if (s->out.len >= SHELL_FLUSH_AT)
		s_flush(s);
}

static void
s_puts(struct sess *s, const char *p)
{
	s_put(s, p, strlen(p));
}

/* Whether the session must end: devsim stopping, device reloaded, idle. */
static int
s_must_end(struct sess *s)
{
	unsigned epoch;

	if (atomic_load(&s->fl->quit))
		return 1;
	fleet_lock(s->fl);
	epoch = s->dev->epoch;
	fleet_unlock(s->fl);
	if (epoch != s->epoch)
		return 1;
	return util_monotime() - s->last_input > SHELL_EXEC_TIMEOUT;
}

/* Next input byte, or -1 when the session is over. */
static int
s_getc(struct sess *s)
{
	int n;

	while (s->in_off >= s->in_len) {
		if (s_flush(s) < 0)
			return -1;
		n = ssh_channel_read_timeout(s->ch, s->in, sizeof(s->in), 0, 1000);
		if (n < 0 || ssh_channel_is_eof(s->ch) || !ssh_channel_is_open(s->ch)) {
			if (n < 0)
				s->dead = 1;
			return -1;
		}
		if (n > 0) {
			s->in_off = 0;
			s->in_len = (size_t)n;
			s->last_input = util_monotime();
		} else if (s_must_end(s)) {
			return -1;
		}
	}
	return s->in[s->in_off++];
}

/* A key press, with CR LF (and a lone LF) read as one Enter ('\r'). */
static int
s_getkey(struct sess *s)
{
	int c;

	for (;;) {
		c = s_getc(s);
		if (c == '\n' && s->last_cr) {
			s->last_cr = 0;
			continue;
		}
		s->last_cr = c == '\r';
		return c == '\n' ? '\r' : c;
	}
}

static void
s_prompt(struct sess *s)
{
	struct buf p;

	buf_init(&p, 0);
	plat_prompt(s->dev, s->user, s->priv, &p);
	s_put(s, p.data, p.len);
	buf_free(&p);
}

/*
 * Read one line with echo (unless !echo) and the editing keys a terminal
 * sends: backspace/DEL, ^U, ^C; escape sequences (arrow keys) are ignored.
 * Returns the length, or -1 when the session is over.
 */
static int
s_readline(struct sess *s, char *line, size_t max, int echo)
{
	size_t len = 0;
	int c, esc = 0;

	for (;;) {
		c = s_getkey(s);
		if (c < 0)
			return -1;
		if (esc) {
			/* ESC [ params final: swallow up to the final byte */
			if (esc == 1 && (c == '[' || c == 'O')) {
				esc = 2;
				continue;
			}
			if (esc == 2 && c >= 0x20 && c < 0x40)
				continue;
			esc = 0;
			continue;
		}
		if (c == '\r') {
			s_put(s, "\n", 1);
			line[len] = '\0';
			return (int)len;
		}
		if (c == 0x1b) {
			esc = 1;
		} else if (c == 0x08 || c == 0x7f) {
			if (len > 0) {
				len--;
				if (echo)
					s_put_raw(s, "\b \b", 3);
			}
		} else if (c == 0x15) {
			while (echo && len > 0) {
				len--;
				s_put_raw(s, "\b \b", 3);
			}
			len = 0;
		} else if (c == 0x03) {
			s_put(s, "\n", 1);
			line[0] = '\0';
			return 0;
		} else if (c < 0x20) {
			continue;	/* tab, ^Z and the like: not modelled */
		} else if (len + 1 < max) {
			line[len++] = (char)c;
			if (echo) {
				char ch = (char)c;

				s_put_raw(s, &ch, 1);
			}
		} else if (echo) {
			s_put_raw(s, "\a", 1);
		}
	}
}

static void
s_sleep_ns(long ns)
{
	struct timespec ts = { 0, ns };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Write a piece of command output, dribbling it under slow_output. */
static int
s_out_piece(struct sess *s, const char *p, size_t n, int slow)
{
	size_t off = 0;

	if (!slow) {
		s_put(s, p, n);
		return s->dead ? -1 : 0;
	}
	while (off < n) {
		size_t k = n - off < SLOW_CHUNK ? n - off : SLOW_CHUNK;

		s_put(s, p + off, k);
		if (s_flush(s) < 0 || atomic_load(&s->fl->quit))
			return -1;
		s_sleep_ns(SLOW_PAUSE_NS);
		off += k;
	}
	return 0;
}

/* hang_mid_line: stop in the middle of a line and never say more. */
static int
s_hang(struct sess *s)
{
	s_flush(s);
	log_debug("device=%s fault=hang_mid_line", s->dev->name);
	while (s_getc(s) >= 0)
		;
	return -1;
}

/* drop_mid_output: the connection goes away without a goodbye. */
static int
s_drop(struct sess *s)
{
	s_flush(s);
	log_debug("device=%s fault=drop_mid_output", s->dev->name);
	shutdown(ssh_get_fd(s->ss), SHUT_RDWR);
	s->dead = 1;
	return -1;
}

/* Where a hang cuts the output: inside a line of the second half. */
static size_t
s_hang_pos(const char *p, size_t n)
{
	size_t i = n / 2, start, end;

	while (i < n && p[i] == '\n')
		i++;
	if (i >= n)
		return n > 0 ? n - 1 : 0;
	start = i;
	while (start > 0 && p[start - 1] != '\n')
		start--;
	end = i;
	while (end < n && p[end] != '\n')
		end++;
	return start + (end - start) / 2;
}

/*
 * Write command output with the pager (page = term_len - 1 lines, then the
 * pager text; space: next page, Enter: one more line, anything else: stop)
 * and, for the log command, the device's faults. Returns -1 when the
 * session is over.
 */
static int
s_emit(struct sess *s, const struct cli_result *r, int exec)
{
	const char *p = r->out.data;
	size_t n = r->out.len, pos = 0, cut = (size_t)-1;
	unsigned faults;
	int page, lines = 0, slow, hang, drop;

	fleet_lock(s->fl);
	faults = s->dev->faults;
	fleet_unlock(s->fl);
	slow = r->is_log && (faults & FAULT(SLOW_OUTPUT));
	hang = r->is_log && (faults & FAULT(HANG_MID_LINE));
	drop = r->is_log && (faults & FAULT(DROP_MID_OUTPUT));
	if (hang)
		cut = s_hang_pos(p, n);
	else if (drop)
		cut = n / 2;
	page = s->term_len;
	if (r->no_more)
		page = 0;
	if (page == 0 && (faults & FAULT(NO_PAGING_OFF)))
		page = 24;
	if (exec)
		page = 0;

	while (pos < n) {
		const char *nl = memchr(p + pos, '\n', n - pos);
		size_t end = nl ? (size_t)(nl - p) + 1 : n;

		if (cut >= pos && cut < end) {
			if (s_out_piece(s, p + pos, cut - pos, slow) < 0)
				return -1;
			return hang ? s_hang(s) : s_drop(s);
		}
		if (s_out_piece(s, p + pos, end - pos, slow) < 0)
			return -1;
		pos = end;
		if (nl)
			lines++;
		if (page > 1 && lines >= page - 1 && pos < n) {
			const char *pg = plat_pager(s->dev->plat);
			size_t k, pl = strlen(pg);
			int c;

			s_put_raw(s, pg, pl);
			c = s_getkey(s);
			if (c < 0)
				return -1;
			for (k = 0; k < pl; k++)
				s_put_raw(s, "\b", 1);
			for (k = 0; k < pl; k++)
				s_put_raw(s, " ", 1);
			for (k = 0; k < pl; k++)
				s_put_raw(s, "\b", 1);
			if (c == ' ')
				lines = 0;
			else if (c == '\r')
				lines = page - 2;
			else
				break;
		}
	}
	/* no flush: the prompt follows in the same write, as on a device */
	return s->dead ? -1 : 0;
}

/* enable: "Password: " without echo, three tries, as IOS. */
static int
s_enable(struct sess *s)
{
	char secret[128], line[DS_LINE_MAX];
	int tries, have;

	fleet_lock(s->fl);
	have = s->dev->enable_secret != NULL;
	if (have)
		snprintf(secret, sizeof(secret), "%s", s->dev->enable_secret);
	fleet_unlock(s->fl);
	if (s->priv >= 15)
		return 0;
	if (!have) {
		s_puts(s, "% No password set\n");
		return 0;
	}
	for (tries = 0; tries < 3; tries++) {
		s_puts(s, "Password: ");
		if (s_readline(s, line, sizeof(line), 0) < 0)
			return -1;
		if (strcmp(line, secret) == 0) {
			s->priv = 15;
			return 0;
		}
	}
	s_puts(s, "% Bad secrets\n\n");
	return 0;
}

static void
s_banner(struct sess *s)
{
	struct buf b;

	buf_init(&b, 0);
	buf_printf(&b, "\n"
	    "**************************************************************************\n"
	    "* %-70s *\n"
	    "* Authorised access only. All activity is logged.                        *\n"
	    "**************************************************************************\n"
	    "\n", s->dev->name);
	if (s->dev->plat == PLAT_JUNOS)
		buf_printf(&b, "--- JUNOS 21.4R3.15 Kernel 64-bit  JNPR-12.1-20230323.b5fe0c4_buil\n");
	s_put(s, b.data, b.len);
	buf_free(&b);
}

/* After a command: Junos leaves an empty line before its prompt. */
static void
s_after(struct sess *s, const struct cli_result *r)
{
	if (s->dev->plat == PLAT_JUNOS && r->out.len > 0)
		s_put(s, "\n", 1);
}

int
shell_run(struct sess *s)
{
	char line[DS_LINE_MAX];
	struct cli_result r;
	int rc = 0;

	buf_init(&r.out, 0);
	s_banner(s);
	for (;;) {
		s_prompt(s);
		if (s_readline(s, line, sizeof(line), 1) < 0)
			break;
		if (s_must_end(s))
			break;
		/* an idle session should not sit on its last big output */
		buf_free(&r.out);
		buf_init(&r.out, 0);
		cli_run(s, line, &r);
		if (s_emit(s, &r, 0) < 0) {
			rc = -1;
			break;
		}
		if (r.action == CLI_EXIT)
			break;
		if (r.action == CLI_ENABLE && s_enable(s) < 0)
			break;
		if (r.action == CLI_CLEAR_CONFIRM) {
			int c = s_getkey(s);

			if (c < 0)
				break;
			s_put(s, "\n", 1);
			if (c == '\r' || c == 'y' || c == 'Y')
				cli_clear_logging(s);
		}
		s_after(s, &r);
	}
	buf_free(&r.out);
	if (!s->dead) {
		s_flush(s);
		ssh_channel_request_send_exit_status(s->ch, 0);
		ssh_channel_send_eof(s->ch);
		ssh_channel_close(s->ch);
	}
	return rc;
}

int
shell_exec(struct sess *s, const char *cmd)
{
	struct cli_result r;
	int rc;

	buf_init(&r.out, 0);
	cli_run(s, cmd, &r);
	if (r.action == CLI_CLEAR_CONFIRM)
		cli_clear_logging(s);	/* no terminal to confirm on */
	rc = s_emit(s, &r, 1);
	if (r.action == CLI_CLEAR_CONFIRM && rc == 0)
		s_put(s, "\n", 1);
	buf_free(&r.out);
	if (rc < 0 || s_flush(s) < 0)
		return -1;
	ssh_channel_request_send_exit_status(s->ch, 0);
	ssh_channel_send_eof(s->ch);
	ssh_channel_close(s->ch);
	return 0;
}
