/*
 * platform.h — how to talk to each kind of device: what its prompt looks
 * like, which commands turn paging off and widen the terminal, which command
 * prints the log buffer, and whether `enable` applies.
 *
 * The profiles are static, read-only tables; pointers to them stay valid for
 * the life of the process. Only the session layer (sshc) uses the prompt and
 * command fields; the buffer parser uses the name and id.
 */
#ifndef LOGHAUL_PLATFORM_H
#define LOGHAUL_PLATFORM_H

#include <stddef.h>

enum platform_id {
	PLATFORM_CISCO_IOS,
	PLATFORM_CISCO_XE,
	PLATFORM_CISCO_NXOS,
	PLATFORM_ARISTA_EOS,
	PLATFORM_JUNIPER_JUNOS,
	PLATFORM_CISCO_XR,
	PLATFORM__COUNT
};

/*
 * How the device's output filter reads a regular expression (see
 * platform_filter.c): Cisco's CLI dialect (IOS, XE, XR: '_' is a
 * wildcard), the same typed inside double quotes (NX-OS), or POSIX
 * extended inside double quotes (Junos `| find`) or bare (EOS).
 */
enum platform_dialect {
	PLATFORM_RE_CISCO,
	PLATFORM_RE_CISCO_QUOTED,
	PLATFORM_RE_POSIX,
	PLATFORM_RE_POSIX_QUOTED
};

struct platform {
	enum platform_id    id;
	const char         *name;	/* inventory spelling: "cisco_ios" */
	/* Command that prints the log buffer on the interactive shell. */
	const char         *log_cmd;
	/* The same for an exec channel (no pty, so no pager to turn off). */
	const char         *exec_cmd;
	/* Sent once per shell, each answered by a prompt: paging off, width. */
	const char *const  *setup_cmds;	/* NULL-terminated */
	/* `enable` (+ secret) when the prompt ends in '>'. */
	int                 uses_enable;
	/* 1 when the exec channel is the sensible default for this platform. */
	int                 exec_default;
	/* PCRE2 pattern that the last line of output matches at a prompt. */
	const char         *prompt_re;
	/* Prints the device's clock (devclock.h reads the answer). */
	const char         *clock_cmd;
	/*
	 * The log command that prints from the first line matching a regex
	 * on: incr_pre REGEX incr_post. NULL: the platform has none.
	 */
	const char         *incr_pre, *incr_post;
	enum platform_dialect dialect;
};

/* The profile for an inventory platform name, or NULL if unknown. */
const struct platform *platform_find(const char *name);
/* The profile for an id; id must be < PLATFORM__COUNT. */
const struct platform *platform_get(enum platform_id id);

/*
 * Does line[0..len) (one line, no newline; may hold any bytes) look like this
 * platform's prompt? Returns 1 or 0. Thread-safe; the patterns are compiled
 * once, on first use.
 */
int platform_match_prompt(const struct platform *p, const char *line, size_t len);

/*
 * 1 when line[0..len) is a prompt in an unprivileged mode (it ends in '>',
 * trailing spaces aside) and the platform uses `enable`.
 */
int platform_wants_enable(const struct platform *p, const char *line, size_t len);

/*
 * 1 when line[0..len), the last line of output, is a password prompt such
 * as "Password: " (what `enable` prints before reading the secret).
 */
int platform_is_password_prompt(const char *line, size_t len);

/* Longest regex platform_incr_cmd() builds (CLI lines are short). */
#define PLATFORM_INCR_RE_MAX	96

/*
 * The command asking the device for its log buffer from the first line
 * that matches line[0..len) (an entry's first line, any bytes) on, into
 * out. The line is turned into a regex of the platform's dialect that
 * matches it literally (bytes that cannot be typed at a CLI -- '?',
 * '|', control and non-ASCII bytes, quotes -- become '.'), cut to
 * PLATFORM_INCR_RE_MAX. Returns 0, or -1 when the platform has no such
 * filter, the line gives nothing to match or out is too short.
 */
int platform_incr_cmd(const struct platform *p, const char *line, size_t len,
    char *out, size_t outlen);

#endif
