/*
 * rules.h — the analyzer's rule engine: YAML rule files of PCRE2 patterns,
 * compiled once with JIT, and a dispatcher that finds each line's tag with
 * one cheap scan so that most lines never reach a regex.
 *
 * A rule file is a YAML list of rules:
 *
 *   - name: ios_link_down              # unique over every file loaded
 *     platforms: [cisco_ios, cisco_xe] # "any" matches every platform
 *     pattern: '%LINK-3-UPDOWN: Interface (?<interface>[^\s,]+), changed state to down'
 *     tag: LINK-3-UPDOWN               # optional, see "Dispatch"
 *     literal: '...'                   # optional, see "Dispatch"
 *     event: interface_down
 *     state: down                      # down | up | admin_down, or a map
 *     kind: link                       # link | protocol | admin
 *     severity: critical
 *     labels: {team: noc}
 *     interface: '${type}${port}'      # optional template over captures
 *
 * `state` may be a map from the text of the capture named `state` to a
 * state ({Down: down, Up: up, administratively down: admin_down}); when
 * `state` is absent and the pattern has a `state` capture, a built-in map
 * (down/Down/DOWN, up/Up/UP, administratively down) applies. A captured
 * text the map does not know gives IF_UNKNOWN. When the state comes out
 * admin_down and the rule names no kind, the kind is IFK_ADMIN.
 *
 * The interface is the `interface` capture, or the `interface` template
 * (text with ${capture} references, $$ for a dollar) when the device splits
 * the name (NetIron's "ethernet 1/1/36"). Rules whose event starts with
 * "interface_" must yield one.
 *
 * Patterns are compiled for bytes (no UTF mode): lines may hold NUL bytes
 * and invalid UTF-8.
 *
 * Dispatch. Each line's tag is found once: the first '%' of the line (at the
 * start or after a space) followed by a FACILITY-SEV-MNEMONIC token
 * ("%LINK-3-UPDOWN:", IOS XR's "%PKT_INFRA-LINK-3-UPDOWN :", Huawei's
 * "%%01IFNET/4/IF_STATE(l)" whose tag is "IFNET/4/IF_STATE"); on lines
 * without one, the MSGID of an RFC 5424 line ("<28>1 STAMP HOST APP PROCID
 * MSGID [SD]", Junos's structured-data files), or Junos's "proc[pid]: TAG:". Only that first tag counts, so
 * tag text quoted later in a message (a %SYS-5-CONFIG_I, a description)
 * never dispatches. A rule is indexed by its tag: given as `tag` (a
 * trailing '*' makes it a prefix, "ETHPORT-5-IF_DOWN_*"), or read from a
 * pattern that begins with "%TAG". A rule without a tag is indexed by
 * `literal`, or by the longest literal run the pattern requires; failing
 * both it runs on every line of its platforms (--check-rules warns).
 *
 * Anchoring. A pattern that begins with '%' or with its own tag only
 * matches at the line's tag (PCRE2_ANCHORED at that offset): that is what
 * keeps quoted events from matching. Other patterns match anywhere.
 *
 * Threads: one struct rules serves one thread at a time (it owns the match
 * data and JIT stack). Load another instance per thread, or per reload: a
 * SIGHUP handler calls rules_load() again and swaps only on success. There
 * is no global state.
 */
#ifndef LOGHAUL_RULES_H
#define LOGHAUL_RULES_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/wire.h"

#define RULES_ERRLEN              512
#define RULES_DEFAULT_MATCH_LIMIT 100000u

struct rules;

struct rules_label {
	const char *key;
	const char *value;
};

/* A named capture that took part in the match; value points into the line. */
struct rules_capture {
	const char *name;
	const char *ptr;
	size_t      len;
};

/*
 * One rule matched one line. Everything is borrowed: strings from the rule
 * set, capture values and the interface from the line (or, for a template
 * interface, from the rule set's scratch space), valid only until the
 * callback returns.
 */
struct rules_hit {
	const char                 *rule;
	const char                 *file;	/* where the rule is defined */
	unsigned                    line;
	const char                 *event;
	const char                 *severity;	/* "" when the rule names none */
	enum ifstate                state;
	enum ifkind                 kind;
	/* The rule's first platform (NULL for "any"): names the interface's
	 * conventions when the caller matched without a platform. */
	const char                 *platform;
	const char                 *interface;	/* as the device wrote it; NULL: none */
	size_t                      interface_len;
	const struct rules_label   *labels;
	size_t                      nlabels;
	const struct rules_capture *captures;
	size_t                      ncaptures;
};

/* Return 0 to go on with the line's other rules, non-zero to stop. */
typedef int (*rules_cb)(const struct rules_hit *hit, void *arg);

/* Counters since load; the caller reads them with rules_stats(). */
struct rules_stats {
	uint64_t lines;		/* lines given to rules_match() */
	uint64_t dispatched;	/* lines that reached at least one regex */
	uint64_t regex_runs;	/* pcre2 match calls */
	uint64_t matches;	/* rule matches reported to the callback */
	uint64_t limit_hits;	/* (line, rule) pairs that hit the match limit */
	uint64_t match_errors;	/* other PCRE2 match errors */
};

/* Per-rule counters, for metrics labelled by rule. */
struct rules_rule_stats {
	uint64_t runs;
	uint64_t matches;
	uint64_t limit_hits;
};

/*
 * Errors and warnings found while loading, one "FILE:LINE: message" each.
 * is_error is 0 for a warning (the load still succeeds).
 */
typedef void (*rules_diag_cb)(int is_error, const char *msg, void *arg);

/*
 * Load, compile (JIT) and index every rule of the given files; an entry
 * with glob characters is expanded (sorted), and a glob that matches
 * nothing is an error. match_limit bounds each match (match and depth
 * limits); 0 means RULES_DEFAULT_MATCH_LIMIT. Returns a rule set the caller
 * owns (rules_free), or NULL with the first error, "FILE:LINE: ...", in err.
 * A set of zero rules is an error.
 */
struct rules *rules_load(char *const *paths, size_t npaths,
    uint32_t match_limit, char *err, size_t errlen);

/*
 * The same, reporting every error and warning to diag (which may be NULL);
 * used by `--check-rules`.
 */
struct rules *rules_load_diag(char *const *paths, size_t npaths,
    uint32_t match_limit, rules_diag_cb diag, void *arg);

/* Load from memory; name stands for the file in messages. */
struct rules *rules_load_buf(const char *name, const void *data, size_t len,
    uint32_t match_limit, char *err, size_t errlen);

/* Frees *r and sets it to NULL; accepts NULL. */
void rules_free(struct rules **r);

/*
 * Run the rules that apply to platform (NULL: every rule, whatever its
 * platforms) over one line of len bytes (not NUL-terminated; may hold any
 * byte). Calls cb once per matching rule: the rules of the line's tag,
 * then literal rules, then rules that run on every line, each group in load
 * order; cb must not call rules_match() on the same set. Returns the number
 * of rules that matched, or -1 when a rule hit the match limit or PCRE2
 * failed on this line: the line is counted (stats.limit_hits) and
 * rules_last_error() says which rule; the other rules still ran.
 */
int rules_match(struct rules *r, const char *platform, const char *line,
    size_t len, rules_cb cb, void *arg);

/*
 * The same with the platform looked up once for many lines (a batch comes
 * from one device): rules_plan_for() returns what rules_match_plan() needs,
 * valid until r is freed.
 */
struct rules_plan;
const struct rules_plan *rules_plan_for(struct rules *r, const char *platform);
int rules_match_plan(struct rules *r, const struct rules_plan *pl,
    const char *line, size_t len, rules_cb cb, void *arg);

/* "rule=NAME: match limit exceeded" for the last -1 of rules_match(). */
const char *rules_last_error(const struct rules *r);

void   rules_stats(const struct rules *r, struct rules_stats *out);
size_t rules_count(const struct rules *r);
/* Name of rule i (load order), or NULL when i is out of range. */
const char *rules_name(const struct rules *r, size_t i);
int    rules_rule_stats(const struct rules *r, size_t i,
    struct rules_rule_stats *out);

/*
 * The line's tag as the dispatcher sees it ("LINK-3-UPDOWN",
 * "IFNET/4/IF_STATE", "SNMP_TRAP_LINK_DOWN"): sets *tag and *taglen and returns
 * its offset in the line (the '%' for % tags), or -1 when there is none.
 */
long rules_find_tag(const char *line, size_t len, const char **tag,
    size_t *taglen);


#endif
