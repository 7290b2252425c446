/*
 * logparse.h — one poll's output of the log command, cut into entries.
 *
 * The session layer hands over the bytes the command printed (echo and
 * prompt removed). logparse_parse() copies them once into storage the result
 * owns, normalising on the way:
 *   - CR before LF, and CRs at the very end, are line ends: dropped;
 *     a CR inside a line (a terminal "overwrite") is data and kept;
 *   - pager residue (" --More-- " or "---(more 45%)---" with the
 *     backspaces/spaces/CRs/erase escapes that follow it) is removed,
 *     in case the session layer left any;
 *   - every other byte (NUL, invalid UTF-8, escapes) is kept as it is.
 * It then skips the platform's header (everything through "Log Buffer..."
 * on IOS, IOS XE, IOS XR and EOS), and groups lines into entries: a line
 * that starts with the platform's entry shape ([seq: ][node:]timestamp...)
 * begins one, any other line continues the previous entry (indented
 * continuations, %SYS-5-RESTART banners). Lines before the first entry are
 * the tail of an entry the ring buffer cut: dropped and counted (ncut), as
 * is a first entry that only looks whole because the cut fell on a field
 * boundary (a shorter sequence number, or an uptime-looking stamp, than the
 * entry after it has). Blank lines at the end of an entry are not part of
 * it.
 *
 * A buffer is in time order, which settles what a stamp alone cannot:
 * walking back from the newest entry, a stamp without a year whose
 * inferred date falls more than 31 days after the entry that follows it is
 * a year older (a buffer spanning more than one New Year; a clock set back
 * by less, or marked unsynchronised, is left as it reads); walking
 * forward, a stamp in the hour a DST fall-back repeats that would go back
 * before the entry before it is the second occurrence of that hour.
 *
 * When the output does not end with a line end and the caller does not say
 * it is complete (LOGPARSE_COMPLETE), its last line is partial: the entry it
 * belongs to is held back (not in entries[]); the next poll, which re-reads
 * the buffer, has it whole.
 *
 * Every span in the result borrows from the result's own copy and stays
 * valid until the next logparse_parse() on the same result or
 * logparse_result_free(). Work is linear in the output size; the entry
 * array and the copy are reused from poll to poll (no per-line malloc).
 */
#ifndef LOGHAUL_LOGPARSE_H
#define LOGHAUL_LOGPARSE_H

#include <stddef.h>
#include <stdint.h>

#include "collector/devtime.h"
#include "collector/platform.h"
#include "common/cerr.h"
#include "common/wire.h"

/* logparse_opts.flags */
#define LOGPARSE_COMPLETE	0x1u	/* output ended at the prompt: last line whole */

/* logparse_entry.flags */
#define LOGPARSE_E_SEQ		0x1u	/* seq is the device's sequence number */
#define LOGPARSE_E_TRUNCATED	0x2u	/* raw was cut to max_entry bytes */
#define LOGPARSE_E_MULTILINE	0x4u	/* continuation lines follow the first */

struct logparse_opts {
	struct devtime_opts time;	/* now_ms (year inference), zones */
	size_t   max_entry;	/* ceiling on one entry's bytes; 0: WIRE_MAX_LINE */
	unsigned flags;		/* LOGPARSE_COMPLETE */
};

struct logparse_entry {
	/* The whole entry: its lines joined by '\n', no final line end. */
	struct wire_bytes raw;
	struct wire_bytes ts;	/* stamp as written, '*'/'.' and zone included */
	/* "LINK-3-UPDOWN", "PKT_INFRA-LINK-3-UPDOWN", Junos "SNMP_TRAP_LINK_DOWN" */
	struct wire_bytes tag;
	struct wire_bytes facility;	/* "LINK" (empty for a Junos tag) */
	struct wire_bytes mnemonic;	/* "UPDOWN" (the tag itself for Junos) */
	/* Text after the tag (after stamp/host/process when there is no tag),
	 * continuation lines included. */
	struct wire_bytes msg;
	/* NX-OS/EOS/Junos host name; IOS XR node ("RP/0/RSP0/CPU0"). */
	struct wire_bytes host;
	int64_t  ts_ms;		/* device time, ms since epoch UTC; 0 unknown */
	int64_t  ts_alt_ms;	/* devtime.alt_ms: the other reading of a DST repeated hour */
	uint64_t seq;		/* valid when flags & LOGPARSE_E_SEQ */
	/* Identity of the entry for the cursor: a hash of its first line
	 * (logparse_hash of stamp and text; identical stamps are common, so
	 * never the stamp alone). The first line only, so that an entry whose continuation
	 * lines a cut poll missed is still recognised. */
	uint64_t fp;
	size_t   full_len;	/* raw length before the max_entry ceiling */
	unsigned ts_flags;	/* DEVTIME_* */
	unsigned flags;		/* LOGPARSE_E_* */
	int      severity;	/* 0-7 from a %tag, -1 when none */
	uint32_t nlines;
	uint8_t  ts_style;	/* enum devtime_style */
	uint8_t  seq_digits;
};

struct logparse_result {
	enum platform_id       platform;
	struct logparse_entry *entries;	/* oldest first */
	size_t   nentries;
	size_t   bytes;		/* sum of entries' raw lengths */
	size_t   nlines;	/* lines in the output */
	size_t   header_lines;	/* lines skipped as the header */
	int      header_found;	/* the "Log Buffer" line was seen */
	size_t   ncut;		/* 0 or 1: a cut first entry was dropped */
	struct wire_bytes cut;	/* its bytes (lines joined by '\n') */
	int      partial;	/* the last entry was held back (no line end) */
	size_t   ntruncated;	/* entries cut to max_entry */
	size_t   npager;	/* pager residues removed */
	size_t   nstripped;	/* other lines dropped (Junos "{master:0}") */
	/* private */
	char    *text_;
	size_t   text_cap_;
	size_t   entries_cap_;
	uint64_t gen_;		/* counts parses, so users can spot a reuse */
};

void logparse_result_init(struct logparse_result *r);
void logparse_result_free(struct logparse_result *r);

/* Defaults: now_ms, no extra zones, WIRE_MAX_LINE, output not complete. */
void logparse_opts_init(struct logparse_opts *o, int64_t now_ms);

/*
 * Parse one poll's output out[0..len) of platform pf into r (reused: the
 * previous contents are replaced). o may be NULL (defaults, now = the
 * current time). Returns CERR_OK, or CERR_INVAL for an unknown platform
 * (r is then empty). Any bytes are accepted: bad input gives continuation
 * lines or a cut entry, never an error.
 */
enum cerr logparse_parse(enum platform_id pf, const char *out, size_t len,
    const struct logparse_opts *o, struct logparse_result *r);

/*
 * The 64-bit hash behind logparse_entry.fp (word at a time; the same value
 * on every machine, since cursor files keep it). Not for security.
 */
uint64_t logparse_hash(const void *data, size_t len);

#endif
