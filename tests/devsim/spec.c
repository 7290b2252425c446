/*
 * spec.c — per-device overrides from a YAML file (libyaml):
 *
 *   defaults:            # optional, applies to every device first
 *     rate: 0.5
 *   devices:
 *     r001:
 *       platform: cisco_ios      # cisco_ios cisco_xe cisco_nxos arista_eos juniper_junos cisco_xr
 *       seq_numbers: true
 *       ts_style: msec_tz        # msec_tz msec nomsec_tz nomsec unsync_star leading_dot
 *       buffer_size: 4096        # bytes; 16k, 1M also accepted
 *       enable_secret: s3cret    # then the prompt is HOST> until `enable`
 *       rate: 2                  # messages per second
 *       flap_every: 30           # seconds (or 30s, 2m); 0 = no scripted flaps
 *       faults: [wrong_password, slow_output]
 *       username: admin
 *       password: admin
 *       timezone: America/New_York  # clock shown in this zone (default UTC)
 *       clock_offset: -90s          # clock behind true time (or 2m, 1500ms)
 *
 * Any error names the file, the line and the key, and devsim refuses to
 * start.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "common/util.h"
#include "tests/devsim/devsim.h"

struct spec_ctx {
	const char    *path;
	yaml_document_t doc;
	char          *err;
	size_t         errlen;
	int           *ts_set;	/* per device: ts_style given explicitly */
};

static int
s_fail(struct spec_ctx *c, const yaml_node_t *n, const char *key, const char *fmt,
    const char *val)
{
	char msg[256];

	snprintf(msg, sizeof(msg), fmt, val ? val : "");
	snprintf(c->err, c->errlen, "%s:%lu: key '%s': %s", c->path,
	    n ? (unsigned long)n->start_mark.line + 1 : 0UL, key, msg);
	return -1;
}

static const char *
s_scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static int
s_bool(const char *v, int *out)
{
	if (!strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "on")) {
		*out = 1;
		return 0;
	}
	if (!strcmp(v, "false") || !strcmp(v, "no") || !strcmp(v, "off")) {
		*out = 0;
		return 0;
	}
	return -1;
}

static int
s_seconds(const char *v, double *out)
{
	uint64_t ms;

	if (util_parse_double(v, out) == CERR_OK)
		return *out >= 0 ? 0 : -1;
	if (util_parse_duration_ms(v, &ms) != CERR_OK)
		return -1;
	*out = (double)ms / 1000.0;
	return 0;
}

static void
s_set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = xstrdup(v);
}

static int
s_faults(struct spec_ctx *c, struct device *d, const char *key, yaml_node_t *n)
{
	yaml_node_item_t *it;

	if (n->type != YAML_SEQUENCE_NODE)
		return s_fail(c, n, key, "expected a list of fault names%s", NULL);
	d->faults = 0;
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		yaml_node_t *f = yaml_document_get_node(&c->doc, *it);
		const char *v = s_scalar(f);
		int bit = v ? fleet_fault_parse(v) : 0;

		if (bit == 0)
			return s_fail(c, f, key, "unknown fault '%s'", v ? v : "?");
		d->faults |= (unsigned)bit;
	}
	return 0;
}

/* Apply one mapping of settings to one device. */
static int
s_apply(struct spec_ctx *c, struct device *d, yaml_node_t *map)
{
	yaml_node_pair_t *p;

	if (map->type != YAML_MAPPING_NODE)
		return s_fail(c, map, d->name, "expected a mapping of settings%s", NULL);
	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *kn = yaml_document_get_node(&c->doc, p->key);
		yaml_node_t *vn = yaml_document_get_node(&c->doc, p->value);
		const char *k = s_scalar(kn), *v = s_scalar(vn);
		uint64_t u;
		int x;

		if (k == NULL)
			return s_fail(c, kn, "?", "keys must be scalars%s", NULL);
		if (strcmp(k, "faults") == 0) {
			if (s_faults(c, d, k, vn) < 0)
				return -1;
			continue;
		}
		if (v == NULL)
			return s_fail(c, vn, k, "expected a scalar value%s", NULL);
		if (strcmp(k, "platform") == 0) {
			if ((x = plat_parse(v)) < 0)
				return s_fail(c, vn, k, "unknown platform '%s'", v);
			d->plat = x;
		} else if (strcmp(k, "seq_numbers") == 0) {
			if (s_bool(v, &d->seq_numbers) < 0)
				return s_fail(c, vn, k, "expected true or false, got '%s'", v);
		} else if (strcmp(k, "ts_style") == 0) {
			if ((x = ts_style_parse(v)) < 0)
				return s_fail(c, vn, k, "unknown timestamp style '%s'", v);
			d->ts = x;
			c->ts_set[d->idx] = 1;
		} else if (strcmp(k, "buffer_size") == 0) {
			if (util_parse_size(v, &u) != CERR_OK || u < 64 || u > (64u << 20))
				return s_fail(c, vn, k, "expected a size from 64 bytes to 64M, got '%s'", v);
			d->buffer_size = (size_t)u;
		} else if (strcmp(k, "enable_secret") == 0) {
			s_set_str(&d->enable_secret, v);
		} else if (strcmp(k, "rate") == 0) {
			if (util_parse_double(v, &d->rate) != CERR_OK || d->rate < 0 || d->rate > 10000)
				return s_fail(c, vn, k, "expected messages per second (0-10000), got '%s'", v);
		} else if (strcmp(k, "flap_every") == 0) {
			if (s_seconds(v, &d->flap_every) < 0)
				return s_fail(c, vn, k, "expected seconds, got '%s'", v);
		} else if (strcmp(k, "timezone") == 0) {
			char zerr[128];

			if (zone_load(d, v, zerr, sizeof(zerr)) < 0)
				return s_fail(c, vn, k, "%s", zerr);
		} else if (strcmp(k, "clock_offset") == 0) {
			double sec;

			if (s_seconds(v[0] == '-' ? v + 1 : v, &sec) < 0 ||
			    sec > 10 * 366 * 86400.0)
				return s_fail(c, vn, k, "expected a signed duration "
				    "such as -90s or 2m, got '%s'", v);
			d->clock_offset_ms = (int64_t)(sec * 1000.0 + 0.5) *
			    (v[0] == '-' ? -1 : 1);
		} else if (strcmp(k, "username") == 0) {
			s_set_str(&d->username, v);
		} else if (strcmp(k, "password") == 0) {
			s_set_str(&d->password, v);
		} else {
			return s_fail(c, kn, k, "unknown key%s", NULL);
		}
	}
	return 0;
}

static int
s_walk(struct spec_ctx *c, struct fleet *fl)
{
	yaml_node_t *root = yaml_document_get_root_node(&c->doc);
	yaml_node_pair_t *p, *q;
	size_t i;

	if (root == NULL)
		return 0;	/* empty file: nothing to override */
	if (root->type != YAML_MAPPING_NODE)
		return s_fail(c, root, "(top)", "expected a mapping with defaults and devices%s", NULL);
	/* defaults first, whatever their order in the file */
	for (p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
		yaml_node_t *kn = yaml_document_get_node(&c->doc, p->key);
		const char *k = s_scalar(kn);

		if (k == NULL || (strcmp(k, "defaults") && strcmp(k, "devices")))
			return s_fail(c, kn, k ? k : "?", "unknown key (expected defaults or devices)%s", NULL);
		if (strcmp(k, "defaults") == 0)
			for (i = 0; i < fl->ndevs; i++)
				if (s_apply(c, &fl->devs[i], yaml_document_get_node(&c->doc, p->value)) < 0)
					return -1;
	}
	for (p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
		yaml_node_t *vn = yaml_document_get_node(&c->doc, p->value);

		if (strcmp(s_scalar(yaml_document_get_node(&c->doc, p->key)), "devices"))
			continue;
		if (vn->type != YAML_MAPPING_NODE)
			return s_fail(c, vn, "devices", "expected a mapping of device names%s", NULL);
		for (q = vn->data.mapping.pairs.start; q < vn->data.mapping.pairs.top; q++) {
			yaml_node_t *dn = yaml_document_get_node(&c->doc, q->key);
			const char *name = s_scalar(dn);
			struct device *d = name ? fleet_find(fl, name) : NULL;

			if (d == NULL)
				return s_fail(c, dn, name ? name : "?", "no such device (check --devices)%s", NULL);
			if (s_apply(c, d, yaml_document_get_node(&c->doc, q->value)) < 0)
				return -1;
		}
	}
	return 0;
}

int
spec_apply(struct fleet *fl, const char *path, char *err, size_t errlen)
{
	struct spec_ctx c = { .path = path, .err = err, .errlen = errlen };
	yaml_parser_t parser;
	FILE *fp;
	size_t i;
	int rc, j;

	fp = fopen(path, "re");
	if (fp == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_file(&parser, fp);
	if (!yaml_parser_load(&parser, &c.doc)) {
		snprintf(err, errlen, "%s:%lu: %s", path,
		    (unsigned long)parser.problem_mark.line + 1,
		    parser.problem ? parser.problem : "YAML error");
		yaml_parser_delete(&parser);
		fclose(fp);
		return -1;
	}
	c.ts_set = xcalloc(fl->ndevs, sizeof(int));
	rc = s_walk(&c, fl);
	for (i = 0; rc == 0 && i < fl->ndevs; i++) {
		struct device *d = &fl->devs[i];

		/* a platform change renames the ports and may change the clock */
		for (j = 0; j < d->nifaces; j++)
			plat_iface_name(d->plat, j, d->ifaces[j].name, sizeof(d->ifaces[j].name));
		if (!c.ts_set[i])
			d->ts = plat_whole_lines(d->plat) ? TS_NOMSEC : TS_MSEC_TZ;
		if (d->enable_secret && !plat_has_enable(d->plat)) {
			free(d->enable_secret);
			d->enable_secret = NULL;
		}
	}
	free(c.ts_set);
	yaml_document_delete(&c.doc);
	yaml_parser_delete(&parser);
	fclose(fp);
	return rc;
}
