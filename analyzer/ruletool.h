/*
 * ruletool.h — the rule author's tools behind the analyzer's
 * `--check-rules FILE...` and `--test-rules FILE... < lines` (in the manner
 * of `promtool check rules` and `pdbtool test`).
 */
#ifndef LOGHAUL_RULETOOL_H
#define LOGHAUL_RULETOOL_H

#include <stdio.h>

/*
 * Loads and compiles every rule of the files (globs allowed), printing each
 * error and warning as "FILE:LINE: message" and then a summary, to out.
 * Returns the exit status: 0 when every rule loads, 1 otherwise.
 */
int ruletool_check(int nfiles, char **files, FILE *out);

/*
 * Loads the files, then for every line read from in (CR LF or LF ends;
 * any bytes) prints the line number, the line (escaped), and each rule that
 * matched with its event, state, kind, interface and captures; a line
 * that hit the match limit says so. platform NULL runs every rule whatever
 * its platforms; otherwise only the rules that apply to that platform.
 * Returns 0, or 1 when the rules do not load or a read fails.
 */
int ruletool_test_platform(int nfiles, char **files, const char *platform,
    FILE *in, FILE *out);

/* ruletool_test_platform() with platform NULL. */
int ruletool_test(int nfiles, char **files, FILE *in, FILE *out);

#endif
