/*
 * benchgen.h — the benchmarks' input: a generated IOS logging buffer with a
 * realistic mix (about 1% interface events, the rest the usual noise of
 * access lists, logins, routing, 802.1X, and some continuation lines), and
 * the records the collector would make of it.
 *
 * The records come from the collector's own parser (collector/logparse.h)
 * run over the text behind a "Log Buffer" header, and are filled the way
 * collector/cursor.c fills them (id, stamp as written and parsed, sequence
 * number, tag, raw bytes), so that what the benchmarks encode is what a
 * collector would push. The generator is seeded: the same size gives the
 * same text on every run.
 */
#ifndef LOGHAUL_BENCHGEN_H
#define LOGHAUL_BENCHGEN_H

#include <stddef.h>

#include "collector/logparse.h"
#include "common/wire.h"

struct benchgen {
	char            *text;		/* nlines lines, each ending in '\n' */
	size_t           len;
	size_t           nlines;
	unsigned         nevents;	/* interface event lines generated */
	unsigned         npath;		/* pathological lines (benchgen_new_redos) */
	struct wire_rec *recs;		/* borrow from pr */
	size_t           nrecs;
	size_t           ncut;		/* entries the parser dropped as cut */
	/* private */
	char                  *parsed_;	/* header + text, parsed */
	struct logparse_result pr_;
};

/*
 * Generate nlines lines and parse them into records. Caller owns the result:
 * benchgen_free(&g). NULL only if the parser refuses the platform.
 */
struct benchgen *benchgen_new(size_t nlines);
/*
 * The same buffer with one line in every `every` (100: 1%) replaced by a
 * ReDoS bait: "%SYS-5-CONFIG_I: Configured from " and a run of 32 to 55
 * word characters ending in '!', on which tests/data/rules/redos.yaml's
 * (\w+\s?)+ can only end at the match limit (as tests/integration/
 * test_redos.c builds them). Every other line is the one benchgen_new()
 * writes. every 0: no bait.
 */
struct benchgen *benchgen_new_redos(size_t nlines, unsigned every);
void benchgen_free(struct benchgen **g);

/* Write the text (what grep and the other peers read); 0 or -1 (errno). */
int benchgen_write(const struct benchgen *g, const char *path);

/* The single IOS interface pattern the peers run (PCRE2 syntax). */
#define BENCHGEN_IOS_PATTERN \
	"%(LINK-3-UPDOWN|LINEPROTO-5-UPDOWN|LINK-5-CHANGED): " \
	"(Line protocol on )?Interface [^\\s,]+, changed state to " \
	"(up|down|administratively down)"

#endif
