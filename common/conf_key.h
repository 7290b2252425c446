/*
 * conf_key.h — the key tables of the configuration (conf.c), for code
 * outside common/ that declares keys of its own: a plugin (an alert output)
 * describes its options with the same rows as conf.c's sections, and the
 * same machinery sets their defaults, checks types and ranges, refuses
 * unknown keys, names FILE:LINE in errors and frees the result.
 *
 * A row: name, type, offset in the struct the table fills, default (file
 * syntax; NULL: unset), range (CK_INT, CK_U32, CK_DURATION: [min, max];
 * CK_ENDPOINTV, CK_UPSTREAMV: at least min entries), description. A table ends with a
 * zeroed row.
 */
#ifndef LOGHAUL_CONF_KEY_H
#define LOGHAUL_CONF_KEY_H

#include <stddef.h>
#include <stdint.h>

enum ck_type {
	CK_SECTION,	/* nested mapping described by .sub */
	CK_IGNORE,	/* read by hand */
	CK_STR,		/* char *, non-empty */
	CK_PATH,	/* char *, made absolute against the config's dir */
	CK_OUTPATH,	/* CK_PATH, but "-" (stdout) is kept */
	CK_ENDPOINT,	/* char *, tcp://HOST:PORT, ipc://PATH, inproc://NAME */
	CK_HOSTPORT,	/* char *, HOST:PORT of an HTTP listener */
	CK_URL,		/* char *, http(s) URL; may be a secret reference */
	CK_INT,		/* int in [min, max] */
	CK_U32,		/* uint32_t in [min, max] */
	CK_DURATION,	/* uint64_t milliseconds in [min, max] */
	CK_ENUM,	/* int: index in .names */
	CK_ENDPOINTV,	/* struct conf_strv of endpoints, at least .min */
	CK_UPSTREAMV,	/* CK_ENDPOINTV whose entries may also be {push: EP,
			 * acks: EP}; each entry's ack endpoint (named, or
			 * derived by wire_ack_endpoint()) fills the
			 * struct conf_strv at .aux_off, entry for entry */
	CK_GLOBV,	/* struct conf_strv of path patterns, made absolute */
	CK_PLUGINS,	/* a list of {type: NAME, ...}, each read by NAME's plugin */
};

#define CONF_NO_OFF	((size_t)-1)

struct conf_key {
	const char            *name;
	enum ck_type           type;
	size_t                 off;	/* in the struct the table describes */
	const char            *def;	/* default, file syntax; NULL: unset */
	int64_t                min, max;
	int                    required;
	const struct conf_key *sub;	/* CK_SECTION */
	size_t                 flag_off;	/* CK_SECTION: 1 here if present */
	size_t                 aux_off;	/* CK_UPSTREAMV: the ack endpoints */
	const char *const     *names;	/* CK_ENUM */
	const char            *desc;
};

/* Durations in milliseconds, for ranges. */
#define CONF_SEC	1000ULL
#define CONF_MIN	(60 * CONF_SEC)
#define CONF_HOUR	(60 * CONF_MIN)
#define CONF_DAY	(24 * CONF_HOUR)

/* A key; a required one. */
#define CONF_K(n, t, o, d, lo, hi, ds) \
	{ .name = n, .type = t, .off = o, .def = d, .min = lo, .max = hi, \
	  .flag_off = CONF_NO_OFF, .desc = ds }
#define CONF_KREQ(n, t, o, ds) \
	{ .name = n, .type = t, .off = o, .required = 1, \
	  .flag_off = CONF_NO_OFF, .desc = ds }

/*
 * A plugin: the value of its "type" key, the table of its other keys and
 * the size of the options struct they fill (allocated zeroed by the
 * loader). impl is the plugin's own (its constructor and the like); the
 * configuration never looks at it.
 */
struct conf_plugin {
	const char            *name;
	const struct conf_key *keys;
	size_t                 size;
	const void            *impl;
};

#endif
