/*
 * fuzz_conf.c — libFuzzer target for conf_load_mem().
 *
 * Any bytes: loading must not crash, leak or read out of bounds. A refused
 * file must say why, starting with the file name; an accepted one must
 * hold the invariants the daemons rely on.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/alerts/output.h"
#include "common/conf.h"
#include "common/conf_key.h"

#define NAME "/fuzz/loghaul.yaml"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
s_die(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz_conf: %s: %s\n", what, detail ? detail : "");
	abort();
}

static void
s_check(const struct conf *c)
{
	if (c->collector.max_sessions < 1 || c->collector.processes < 1 ||
	    c->collector.interval_ms == 0 || c->analyzer.workers < 1 ||
	    c->alerts.flap_changes < 2 || c->alerts.noutputs < 1 ||
	    c->analyzer.collectors.n < 1 ||
	    c->collector.backoff_min_ms > c->collector.backoff_max_ms)
		s_die("accepted a config out of range", NULL);
	if (c->inventory.hosts == NULL || c->inventory.hosts[0] != '/')
		s_die("hosts path not absolute", c->inventory.hosts);
	for (size_t i = 0; i < c->analyzer.rules.n; i++)
		if (c->analyzer.rules.v[i][0] != '/')
			s_die("rule pattern not absolute", c->analyzer.rules.v[i]);
	for (size_t i = 0; i < c->alerts.noutputs; i++) {
		const struct conf_output *o = &c->alerts.outputs[i];
		const char *t = o->plugin ? o->plugin->name : "";

		if ((strcmp(t, "alertmanager") == 0 || strcmp(t, "webhook") == 0) &&
		    conf_output_str(o, "url") == NULL)
			s_die("output without url", NULL);
		if (strcmp(t, "zmq") == 0 && conf_output_str(o, "endpoint") == NULL)
			s_die("zmq output without endpoint", NULL);
		if (strcmp(t, "jsonl") == 0 && conf_output_str(o, "path") == NULL)
			s_die("jsonl output without path", NULL);
		if (o->plugin == NULL)
			s_die("output without a plugin", NULL);
	}
	if (c->curve.enabled && (!c->curve.secret_key || !c->curve.public_key))
		s_die("curve without keys", NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf *c = NULL;
	char err[512];
	enum cerr e;

	output_plugins_register();
	memset(err, 'x', sizeof err);
	e = conf_load_mem(NAME, data, size, &c, err, sizeof err);
	if (e != CERR_OK) {
		if (memchr(err, '\0', sizeof err) == NULL)
			s_die("error message not terminated", NULL);
		if (c != NULL)
			s_die("a config came back with an error", err);
		if (strncmp(err, NAME, strlen(NAME)) != 0)
			s_die("error does not name the file", err);
		return 0;
	}
	if (c == NULL)
		s_die("no config and no error", NULL);
	s_check(c);
	conf_free(&c);
	return 0;
}
