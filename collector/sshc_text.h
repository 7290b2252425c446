/*
 * sshc_text.h — what the session layer has to understand in the byte stream
 * of an interactive shell: where the prompt is, a pager prompt, the bytes a
 * device sends to erase its pager, and the echo of the command we typed.
 *
 * Pure functions over (pointer, length); the text may hold any bytes
 * (NUL, invalid UTF-8, escapes). Kept apart from sshc.c so that they can be
 * tested without a connection.
 */
#ifndef LOGHAUL_SSHC_TEXT_H
#define LOGHAUL_SSHC_TEXT_H

#include <stddef.h>

/*
 * Offset where the last line of buf begins: after the last '\n', and after
 * the last '\r' inside that line (a device may repaint a line with "\r").
 */
size_t sshc_text_last_line(const char *buf, size_t len);

/*
 * 1 when buf ends with a pager prompt (" --More-- ", "---(more 45%)---",
 * optionally wrapped in terminal escapes); *at is then the offset where the
 * pager's line begins, i.e. the length of the text to keep.
 */
int    sshc_text_find_pager(const char *buf, size_t len, size_t *at);

/*
 * Length of the pager erase sequence at the start of buf (backspaces or
 * carriage returns, spaces between them, terminal escapes), 0 if there is
 * none. Spaces count only when another erase character follows them, so an
 * indented line after the pager keeps its indentation. When every byte seen
 * could still be part of a residue and final is 0, sets *more to 1 (read
 * more before deciding) and returns 0.
 */
size_t sshc_text_pager_residue(const char *buf, size_t len, int final, int *more);

/*
 * 1 when buf ends with the exact prompt at the start of a line (at the start
 * of buf, or after '\n' or '\r').
 */
int    sshc_text_ends_with_prompt(const char *buf, size_t len,
    const char *prompt, size_t plen);

/*
 * Where the answer to cmd begins in buf. Lines before the echo that are
 * empty or hold only the prompt (left over from an earlier exchange) are
 * skipped; the echo is a line that, CRs and trailing spaces aside, is cmd or
 * the prompt (trailing spaces aside) followed by cmd. Returns 1 and sets
 * *end past the echo's '\n' when found; returns 1 with *end at the first
 * line that is neither (the device did not echo); returns 0 while no
 * complete line has decided it. prompt may be NULL or "".
 */
int    sshc_text_find_echo(const char *buf, size_t len, const char *cmd,
    const char *prompt, size_t *end);

#endif
