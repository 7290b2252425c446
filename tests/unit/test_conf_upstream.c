/*
 * analyzer.collectors: each collector's ack endpoint, derived from its push
 * endpoint or named beside it, so that a collector whose ports are not
 * push and push + 1 (one that bound port 0 for both) can be reached.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "common/conf.h"

#define NAME	"/etc/loghaul/loghaul.yaml"

static struct conf *
s_ok(const char *text)
{
	char err[1024] = "";
	struct conf *c = NULL;

	cr_assert_eq(conf_load_mem(NAME, text, strlen(text), &c, err,
	    sizeof err), CERR_OK, "%s", err);
	return c;
}

static const char *
s_fail(const char *text)
{
	static char err[1024];
	struct conf *c = NULL;

	cr_assert_neq(conf_load_mem(NAME, text, strlen(text), &c, err,
	    sizeof err), CERR_OK, "accepted: %s", text);
	cr_assert_null(c);
	return err;
}

Test(conf_upstream, default_derives_the_ack_endpoint)
{
	struct conf *c = s_ok("");

	cr_assert_eq(c->analyzer.collectors.n, 1);
	cr_assert_eq(c->analyzer.collector_acks.n, 1);
	cr_assert_str_eq(c->analyzer.collectors.v[0], "tcp://127.0.0.1:5550");
	cr_assert_str_eq(c->analyzer.collector_acks.v[0], "tcp://127.0.0.1:5551");
	conf_free(&c);
}

Test(conf_upstream, named_and_derived_side_by_side)
{
	struct conf *c = s_ok("analyzer:\n  collectors:\n"
	    "    - tcp://a:7000\n"
	    "    - {push: tcp://b:41000, acks: tcp://b:39000}\n"
	    "    - {push: ipc:///run/c}\n"
	    "    - ipc:///run/d\n");

	cr_assert_eq(c->analyzer.collectors.n, 4);
	cr_assert_eq(c->analyzer.collector_acks.n, 4);
	cr_assert_str_eq(c->analyzer.collectors.v[1], "tcp://b:41000");
	cr_assert_str_eq(c->analyzer.collector_acks.v[0], "tcp://a:7001");
	cr_assert_str_eq(c->analyzer.collector_acks.v[1], "tcp://b:39000");
	cr_assert_str_eq(c->analyzer.collector_acks.v[2], "ipc:///run/c.ack");
	cr_assert_str_eq(c->analyzer.collector_acks.v[3], "ipc:///run/d.ack");
	conf_free(&c);
}

Test(conf_upstream, one_mapping_alone)
{
	struct conf *c = s_ok("analyzer:\n  collectors: "
	    "{push: tcp://a:1, acks: ipc://acks}\n");

	cr_assert_eq(c->analyzer.collectors.n, 1);
	cr_assert_str_eq(c->analyzer.collector_acks.v[0], "ipc:///etc/loghaul/acks",
	    "a relative ipc path is made absolute like any endpoint");
	conf_free(&c);
}

Test(conf_upstream, errors_name_the_line)
{
	const char *err;

	err = s_fail("analyzer:\n  collectors:\n    - tcp://a:1\n"
	    "    - tcp://a:65535\n");
	cr_assert(strstr(err, NAME ":4: key 'analyzer.collectors[1]': cannot "
	    "derive the ack endpoint of 'tcp://a:65535'"), "%s", err);
	cr_assert(strstr(err, "{push: tcp://a:65535, acks: ENDPOINT}"), "%s", err);
	err = s_fail("analyzer:\n  collectors:\n    - {acks: tcp://a:2}\n");
	cr_assert(strstr(err, NAME ":3: key 'analyzer.collectors[0].push': "
	    "required key is missing"), "%s", err);
	err = s_fail("analyzer:\n  collectors:\n"
	    "    - {push: tcp://a:1, ack: tcp://a:2}\n");
	cr_assert(strstr(err, ":3: key 'analyzer.collectors[0].ack': unknown "
	    "key"), "%s", err);
	err = s_fail("analyzer:\n  collectors:\n"
	    "    - {push: tcp://a:1, acks: udp://a:2}\n");
	cr_assert(strstr(err, ":3: key 'analyzer.collectors[0].acks': expected "
	    "tcp://HOST:PORT"), "%s", err);
}
