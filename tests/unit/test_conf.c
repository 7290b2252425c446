#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyzer/alerts/output.h"
#include "common/conf.h"
#include "common/inventory.h"
#include "common/util.h"

/* conf_load reads alerts.outputs with the plugins of the alert stage. */
TestSuite(conf, .init = output_plugins_register);

/* tests/data/conf/NAME in the source tree (LOGHAUL_SRC, else the cwd) */
static char *
s_data(const char *name)
{
	const char *src = getenv("LOGHAUL_SRC");

	return xasprintf("%s/tests/data/conf/%s", src ? src : ".", name);
}

static char *
s_datadir(void)
{
	char *p = s_data("x"), *slash = strrchr(p, '/');

	*slash = '\0';
	return p;
}

/* Load a data file that must fail; return its error text (static). */
static const char *
s_fail(const char *name, enum cerr want)
{
	static char err[1024];
	struct conf *c = (struct conf *)1;
	char *path = s_data(name);
	enum cerr e = conf_load(path, &c, err, sizeof err);

	cr_assert_eq(e, want, "%s: got %d (%s)", name, e, err);
	cr_assert_null(c, "no config on error");
	cr_assert(strncmp(err, path, strlen(path)) == 0,
	    "the error starts with the file name: %s", err);
	free(path);
	return err;
}

/* conf_load_mem under the name /etc/loghaul/loghaul.yaml; must fail. */
static const char *
s_fail_mem(const char *text)
{
	static char err[1024];
	struct conf *c = NULL;

	cr_assert_neq(conf_load_mem("/etc/loghaul/loghaul.yaml", text, strlen(text),
	    &c, err, sizeof err), CERR_OK, "accepted: %s", text);
	cr_assert_null(c);
	return err;
}

static struct conf *
s_ok_mem(const char *text)
{
	char err[1024] = "";
	struct conf *c = NULL;

	cr_assert_eq(conf_load_mem("/etc/loghaul/loghaul.yaml", text, strlen(text),
	    &c, err, sizeof err), CERR_OK, "%s", err);
	return c;
}

Test(conf, defaults)
{
	char err[512];
	char *path = s_data("empty.yaml"), *dir = s_datadir(), *want;
	struct conf *c = NULL;

	cr_assert_eq(conf_load(path, &c, err, sizeof err), CERR_OK, "%s", err);
	cr_assert_str_eq(c->path, path);
	want = xasprintf("%s/hosts.yaml", dir);
	cr_assert_str_eq(c->inventory.hosts, want, "hosts.yaml beside the config");
	free(want);
	cr_assert_null(c->inventory.groups);
	cr_assert_null(c->inventory.defaults);
	cr_assert_str_eq(c->ssh.known_hosts, "/etc/loghaul/known_hosts");
	cr_assert_eq(c->ssh.host_key_policy, HOSTKEY_STRICT);
	cr_assert_eq(c->ssh.connect_ms, 10000);
	cr_assert_eq(c->ssh.banner_ms, 10000);
	cr_assert_eq(c->ssh.auth_ms, 10000);
	cr_assert_eq(c->ssh.command_ms, 30000);
	cr_assert_eq(c->ssh.keepalive_ms, 30000);
	cr_assert_eq(c->collector.interval_ms, 30000);
	cr_assert_eq(c->collector.max_sessions, 64);
	cr_assert_eq(c->collector.processes, 1);
	/* unset: the daemon uses COLLECTOR_STATE_DIR_DEFAULT, --print memory */
	cr_assert_null(c->collector.state_dir);
	cr_assert_str_eq(c->collector.push, "tcp://127.0.0.1:5550");
	cr_assert_null(c->collector.acks);
	cr_assert_eq(c->collector.ack_timeout_ms, 30000);
	cr_assert_eq(c->collector.max_backlog, 10000);
	cr_assert_eq(c->collector.batch_max_records, 512);
	cr_assert_null(c->collector.archive_dir);
	cr_assert_eq(c->collector.backoff_min_ms, 1000);
	cr_assert_eq(c->collector.backoff_max_ms, 300000);
	cr_assert_null(c->collector.metrics);
	cr_assert_eq(c->analyzer.collectors.n, 1);
	cr_assert_str_eq(c->analyzer.collectors.v[0], "tcp://127.0.0.1:5550");
	cr_assert_eq(c->analyzer.rules.n, 1);
	cr_assert_str_eq(c->analyzer.rules.v[0], "/etc/loghaul/rules/*.yaml");
	cr_assert_str_eq(c->analyzer.alerts, "tcp://127.0.0.1:5560");
	cr_assert_eq(c->analyzer.workers, 1);
	cr_assert_eq(c->analyzer.match_limit, 10000);
	cr_assert_str_eq(c->alerts.listen, "tcp://127.0.0.1:5560");
	cr_assert_eq(c->alerts.flap_changes, 5);
	cr_assert_eq(c->alerts.flap_window_ms, 60000);
	cr_assert_eq(c->alerts.flap_stable_ms, 120000);
	cr_assert_eq(c->alerts.noutputs, 1);
	cr_assert_eq(c->alerts.outputs[0].plugin, output_plugin("jsonl"));
	cr_assert_str_eq(conf_output_str(&c->alerts.outputs[0], "path"), "-");
	cr_assert_null(c->metrics.listen);
	cr_assert_eq(c->curve.enabled, 0);
	cr_assert_eq(c->curve.allow.n, 0);
	conf_free(&c);
	cr_assert_null(c);
	conf_free(&c);
	free(path);
	free(dir);
}

Test(conf, full_file_and_relative_paths)
{
	char err[512], *path = s_data("full.yaml"), *dir = s_datadir(), *want;
	struct conf *c = NULL;

	cr_assert_eq(conf_load(path, &c, err, sizeof err), CERR_OK, "%s", err);
	want = xasprintf("%s/../inventory/nornir/hosts.yaml", dir);
	cr_assert_str_eq(c->inventory.hosts, want);
	free(want);
	want = xasprintf("%s/known_hosts", dir);
	cr_assert_str_eq(c->ssh.known_hosts, want);
	free(want);
	cr_assert_eq(c->ssh.host_key_policy, HOSTKEY_ACCEPT_NEW);
	cr_assert_eq(c->ssh.connect_ms, 5000);
	cr_assert_eq(c->ssh.banner_ms, 6000);
	cr_assert_eq(c->ssh.auth_ms, 7000);
	cr_assert_eq(c->ssh.command_ms, 60000);
	cr_assert_eq(c->ssh.keepalive_ms, 0);
	cr_assert_eq(c->collector.interval_ms, 15000);
	cr_assert_eq(c->collector.max_sessions, 200);
	cr_assert_eq(c->collector.processes, 2);
	want = xasprintf("%s/state", dir);
	cr_assert_str_eq(c->collector.state_dir, want);
	free(want);
	cr_assert_str_eq(c->collector.push, "tcp://127.0.0.1:6550");
	want = xasprintf("ipc://%s/run/acks.sock", dir);
	cr_assert_str_eq(c->collector.acks, want, "relative ipc paths too");
	free(want);
	cr_assert_eq(c->collector.ack_timeout_ms, 45000);
	cr_assert_eq(c->collector.max_backlog, 500);
	cr_assert_eq(c->collector.batch_max_records, 1024);
	cr_assert_str_eq(c->collector.archive_dir, "/var/log/loghaul/devices");
	cr_assert_eq(c->collector.backoff_min_ms, 2000);
	cr_assert_eq(c->collector.backoff_max_ms, 600000);
	cr_assert_str_eq(c->collector.metrics, "127.0.0.1:9465");
	cr_assert_eq(c->analyzer.collectors.n, 3);
	cr_assert_str_eq(c->analyzer.collectors.v[1], "tcp://[::1]:6551");
	cr_assert_str_eq(c->analyzer.collectors.v[2], "ipc:///run/loghaul/c2");
	cr_assert_eq(c->analyzer.rules.n, 2);
	want = xasprintf("%s/rules/*.yaml", dir);
	cr_assert_str_eq(c->analyzer.rules.v[0], want, "a glob stays a pattern");
	free(want);
	cr_assert_str_eq(c->analyzer.rules.v[1], "/etc/loghaul/rules/site-*.yaml");
	cr_assert_str_eq(c->analyzer.alerts, "inproc://alerts");
	cr_assert_eq(c->analyzer.workers, 3);
	cr_assert_eq(c->analyzer.match_limit, 5000);
	cr_assert_str_eq(c->alerts.listen, "tcp://*:6560");
	cr_assert_eq(c->alerts.flap_changes, 3);
	cr_assert_eq(c->alerts.flap_window_ms, 120000);
	cr_assert_eq(c->alerts.flap_stable_ms, 300000);
	cr_assert_eq(c->alerts.noutputs, 5);
	cr_assert_eq(c->alerts.outputs[0].plugin, output_plugin("jsonl"));
	cr_assert_str_eq(conf_output_str(&c->alerts.outputs[0], "path"), "-");
	want = xasprintf("%s/out/alerts.jsonl", dir);
	cr_assert_str_eq(conf_output_str(&c->alerts.outputs[1], "path"), want);
	free(want);
	cr_assert_eq(c->alerts.outputs[2].plugin, output_plugin("alertmanager"));
	cr_assert_str_eq(conf_output_str(&c->alerts.outputs[2], "url"), "http://127.0.0.1:9093");
	cr_assert_eq(conf_output_ms(&c->alerts.outputs[2], "resend"), 120000);
	cr_assert_eq(c->alerts.outputs[3].plugin, output_plugin("webhook"));
	cr_assert_str_eq(conf_output_str(&c->alerts.outputs[3], "url"),
	    "https://hooks.example.net/x?token=abc");
	cr_assert_eq(c->alerts.outputs[4].plugin, output_plugin("zmq"));
	cr_assert_str_eq(conf_output_str(&c->alerts.outputs[4], "endpoint"), "tcp://127.0.0.1:6570");
	cr_assert_str_eq(c->metrics.listen, "[::1]:9464");
	cr_assert_eq(c->curve.enabled, 1);
	want = xasprintf("%s/keys/self.key", dir);
	cr_assert_str_eq(c->curve.secret_key, want);
	free(want);
	cr_assert_eq(c->curve.allow.n, 1, "one string is a list of one");
	want = xasprintf("%s/keys/peers/*.pub", dir);
	cr_assert_str_eq(c->curve.allow.v[0], want);
	free(want);
	conf_free(&c);
	free(path);
	free(dir);
}

Test(conf, error_example_from_the_design)
{
	const char *err = s_fail("bad_int.yaml", CERR_PARSE);

	cr_assert(strstr(err, "bad_int.yaml:4: key 'collector.max_sessions': "
	    "expected an integer from 1 to 100000, got 'many'"), "%s", err);
	err = s_fail_mem("collector:\n  max_sessions: many\n");
	cr_assert_str_eq(err, "/etc/loghaul/loghaul.yaml:2: key "
	    "'collector.max_sessions': expected an integer from 1 to 100000, got "
	    "'many'");
}

Test(conf, unknown_keys)
{
	const char *err = s_fail("unknown_key.yaml", CERR_PARSE);

	cr_assert(strstr(err, "unknown_key.yaml:3: key 'collector.max_session': "
	    "unknown key (known keys: interval, max_sessions, "), "%s", err);
	err = s_fail("unknown_section.yaml", CERR_PARSE);
	cr_assert(strstr(err, "unknown_section.yaml:2: key 'colector': unknown "
	    "key"), "%s", err);
	err = s_fail_mem("ssh:\n  timeouts:\n    connect: 1s\n    idle: 5s\n");
	cr_assert(strstr(err, "loghaul.yaml:4: key 'ssh.timeouts.idle': unknown key"),
	    "%s", err);
	err = s_fail_mem("alerts:\n  outputs:\n    - type: alertmanager\n"
	    "      url: http://127.0.0.1:9093\n      path: /tmp/x\n");
	cr_assert(strstr(err, ":5: key 'alerts.outputs[0].path': unknown key "
	    "(known keys: type, url, resend, description_label)"), "%s", err);
	err = s_fail_mem("collector: {interval: 1s}\ncollector: {interval: 2s}\n");
	cr_assert(strstr(err, ":2: key 'collector': duplicate key (first at line 1)"),
	    "%s", err);
}

Test(conf, wrong_types)
{
	const char *err = s_fail("wrong_type.yaml", CERR_PARSE);

	cr_assert(strstr(err, "wrong_type.yaml:2: key 'collector.interval': "
	    "expected a duration from 100ms to 1d (such as 30s, 5m), got a list"),
	    "%s", err);
	err = s_fail("not_a_map.yaml", CERR_PARSE);
	cr_assert(strstr(err, "not_a_map.yaml:1: expected a mapping of sections at "
	    "the top level, got a list"), "%s", err);
	err = s_fail_mem("collector: [1, 2]\n");
	cr_assert(strstr(err, ":1: key 'collector': expected a mapping, got a list"),
	    "%s", err);
	err = s_fail_mem("collector:\n  interval: 0s\n");
	cr_assert(strstr(err, ":2: key 'collector.interval': expected a duration "
	    "from 100ms to 1d"), "interval > 0: %s", err);
	err = s_fail_mem("collector:\n  processes: 0\n");
	cr_assert(strstr(err, "key 'collector.processes': expected an integer from "
	    "1 to 1024, got '0'"), "%s", err);
	err = s_fail_mem("collector:\n  max_sessions: 0\n");
	cr_assert(strstr(err, "key 'collector.max_sessions'"), "%s", err);
	err = s_fail_mem("collector:\n  state_dir: {a: 1}\n");
	cr_assert(strstr(err, "key 'collector.state_dir': expected a string, got a "
	    "mapping"), "%s", err);
	err = s_fail_mem("ssh:\n  host_key_policy: tofu\n");
	cr_assert(strstr(err, ":2: key 'ssh.host_key_policy': expected one of "
	    "strict, accept-new, got 'tofu'"), "%s", err);
	err = s_fail_mem("analyzer:\n  match_limit: 4294967296\n");
	cr_assert(strstr(err, "key 'analyzer.match_limit': expected an integer from "
	    "1 to 4294967295"), "%s", err);
	err = s_fail_mem("analyzer:\n  rules: {a: b}\n");
	cr_assert(strstr(err, "key 'analyzer.rules': expected a list of strings, "
	    "got a mapping"), "%s", err);
	err = s_fail_mem("analyzer:\n  rules: [a, [b]]\n");
	cr_assert(strstr(err, "key 'analyzer.rules[1]': expected a string, got a "
	    "list"), "%s", err);
	err = s_fail_mem("inventory:\n  hosts: ''\n");
	cr_assert(strstr(err, "key 'inventory.hosts': expected a path, got ''"),
	    "%s", err);
}

Test(conf, endpoints)
{
	const char *err = s_fail("bad_endpoint.yaml", CERR_PARSE);
	struct conf *c;
	char ipc[200], *text;

	cr_assert(strstr(err, "bad_endpoint.yaml:4: key 'analyzer.collectors[1]': "
	    "expected tcp://HOST:PORT, ipc://PATH or inproc://NAME, got "
	    "'udp://127.0.0.1:5551' (unknown transport)"), "%s", err);
	err = s_fail_mem("collector:\n  push: tcp://127.0.0.1\n");
	cr_assert(strstr(err, "(no :PORT)"), "%s", err);
	err = s_fail_mem("collector:\n  push: \"tcp://127.0.0.1:\"\n");
	cr_assert(strstr(err, "(port must be from 1 to 65535)"), "%s", err);
	err = s_fail_mem("collector:\n  push: tcp://127.0.0.1:99999\n");
	cr_assert(strstr(err, "(port must be from 1 to 65535)"), "%s", err);
	err = s_fail_mem("collector:\n  push: tcp://:5550\n");
	cr_assert(strstr(err, "(bad host)"), "%s", err);
	err = s_fail_mem("collector:\n  push: tcp://::1:5550\n");
	cr_assert(strstr(err, "[ADDR]:PORT"), "%s", err);
	err = s_fail_mem("collector:\n  push: tcp://[::1:5550\n");
	cr_assert(strstr(err, "[ADDR]:PORT"), "%s", err);
	err = s_fail_mem("collector:\n  push: ipc://\n");
	cr_assert(strstr(err, "(no path)"), "%s", err);
	err = s_fail_mem("collector:\n  push: inproc://\n");
	cr_assert(strstr(err, "(bad inproc name)"), "%s", err);
	memset(ipc, 'x', 120);
	ipc[120] = '\0';
	text = xasprintf("collector:\n  push: ipc:///tmp/%s\n", ipc);
	err = s_fail_mem(text);
	free(text);
	cr_assert(strstr(err, "ipc path longer than 107 bytes"), "%s", err);
	c = s_ok_mem("collector:\n  push: ipc://@abstract\n  acks: ipc://*\n"
	    "analyzer:\n  collectors: tcp://eth0:5550\n");
	cr_assert_str_eq(c->collector.push, "ipc://@abstract");
	cr_assert_str_eq(c->collector.acks, "ipc://*");
	cr_assert_str_eq(c->analyzer.collectors.v[0], "tcp://eth0:5550");
	conf_free(&c);
	err = s_fail_mem("analyzer:\n  collectors: []\n");
	cr_assert(strstr(err, ":2: key 'analyzer.collectors': expected at least 1 "
	    "entry"), "%s", err);
}

Test(conf, metrics_listen)
{
	struct conf *c = s_ok_mem("metrics: {listen: \"0.0.0.0:0\"}\n"
	    "alerts: {metrics: \"localhost:9470\"}\n");
	const char *err;

	cr_assert_str_eq(c->metrics.listen, "0.0.0.0:0");
	cr_assert_str_eq(c->alerts.metrics, "localhost:9470");
	conf_free(&c);
	err = s_fail_mem("metrics: {listen: 9464}\n");
	cr_assert(strstr(err, ":1: key 'metrics.listen': expected HOST:PORT such as "
	    "127.0.0.1:9464, got '9464' (no :PORT)"), "%s", err);
}

Test(conf, outputs)
{
	const char *err = s_fail("bad_output.yaml", CERR_PARSE);
	struct conf *c;

	cr_assert(strstr(err, "bad_output.yaml:4: key 'alerts.outputs[1].type': "
	    "expected one of jsonl, alertmanager, webhook, zmq, got 'syslog'"),
	    "%s", err);
	err = s_fail("am_no_url.yaml", CERR_PARSE);
	cr_assert(strstr(err, "am_no_url.yaml:3: key 'alerts.outputs[0].url': "
	    "required key is missing (Alertmanager base URL)"), "%s", err);
	err = s_fail_mem("alerts:\n  outputs: [{type: webhook}]\n");
	cr_assert(strstr(err, "key 'alerts.outputs[0].url': required key is missing"),
	    "%s", err);
	err = s_fail_mem("alerts:\n  outputs: [{type: zmq}]\n");
	cr_assert(strstr(err, "key 'alerts.outputs[0].endpoint': required key is "
	    "missing"), "%s", err);
	err = s_fail_mem("alerts:\n  outputs: [{path: x}]\n");
	cr_assert(strstr(err, "key 'alerts.outputs[0].type': required key is "
	    "missing"), "%s", err);
	err = s_fail_mem("alerts:\n  outputs: []\n");
	cr_assert(strstr(err, ":2: key 'alerts.outputs': expected at least one "
	    "output"), "%s", err);
	err = s_fail_mem("alerts:\n  outputs: jsonl\n");
	cr_assert(strstr(err, "key 'alerts.outputs': expected a list of outputs"),
	    "%s", err);
	err = s_fail_mem("alerts:\n  outputs:\n    - jsonl\n");
	cr_assert(strstr(err, ":3: key 'alerts.outputs[0]': expected a mapping with "
	    "a type, got a string"), "%s", err);
	err = s_fail_mem("alerts:\n  outputs:\n    - {type: alertmanager, url: "
	    "\"ftp://user:pw@host/\"}\n");
	cr_assert(strstr(err, "key 'alerts.outputs[0].url': expected an http:// or "
	    "https:// URL (the scheme must be http:// or https://)"), "%s", err);
	cr_assert_null(strstr(err, "pw@"), "URLs are never printed: %s", err);
	c = s_ok_mem("alerts:\n  outputs: [{type: webhook, url: \"http://[::1]/x\"}, "
	    "{type: webhook, url: \"HTTPS://u:p@h:8443\"}]\n");
	cr_assert_str_eq(conf_output_str(&c->alerts.outputs[0], "url"), "http://[::1]/x");
	conf_free(&c);
	err = s_fail_mem("alerts:\n  outputs: [{type: webhook, url: \"http://\"}]\n");
	cr_assert(strstr(err, "(no host in the URL)"), "%s", err);
	err = s_fail_mem("alerts:\n  outputs: [{type: webhook, url: "
	    "\"http://a:b@host:70000/x\"}]\n");
	cr_assert(strstr(err, "(port must be from 1 to 65535)"), "%s", err);
	err = s_fail_mem("alerts:\n  outputs: [{type: webhook, url: \"http://h/a b\"}]\n");
	cr_assert(strstr(err, "spaces"), "%s", err);
	err = s_fail_mem("alerts:\n  outputs: [{type: alertmanager, url: "
	    "\"http://h\", resend: 0s}]\n");
	cr_assert(strstr(err, "key 'alerts.outputs[0].resend': expected a duration "
	    "from 1s to 1d"), "%s", err);
}

Test(conf, url_from_environment)
{
	char err[512], *path = s_data("url_env.yaml");
	struct conf *c = NULL;

	unsetenv("LOGHAUL_TEST_WEBHOOK_URL");
	cr_assert_eq(conf_load(path, &c, err, sizeof err), CERR_NOTFOUND);
	cr_assert(strstr(err, "url_env.yaml:4: key 'alerts.outputs[0].url.env': "
	    "environment variable 'LOGHAUL_TEST_WEBHOOK_URL' is not set"), "%s", err);
	setenv("LOGHAUL_TEST_WEBHOOK_URL", "https://hooks.example.net/T0/B0/s3cr3t", 1);
	cr_assert_eq(conf_load(path, &c, err, sizeof err), CERR_OK, "%s", err);
	cr_assert_str_eq(conf_output_str(&c->alerts.outputs[0], "url"),
	    "https://hooks.example.net/T0/B0/s3cr3t");
	conf_free(&c);
	setenv("LOGHAUL_TEST_WEBHOOK_URL", "hooks.example.net/T0/B0/s3cr3t", 1);
	cr_assert_eq(conf_load(path, &c, err, sizeof err), CERR_PARSE);
	cr_assert(strstr(err, "http:// or https://"), "%s", err);
	cr_assert_null(strstr(err, "s3cr3t"), "the value stays secret: %s", err);
	free(path);
}

Test(conf, cross_key_checks)
{
	const char *err = s_fail("backoff.yaml", CERR_PARSE);
	struct conf *c;

	cr_assert(strstr(err, "backoff.yaml:3: key 'collector.backoff.min': "
	    "collector.backoff.min must not exceed collector.backoff.max"), "%s", err);
	err = s_fail_mem("collector:\n  backoff: {max: 100ms}\n");
	cr_assert(strstr(err, ":2: key 'collector.backoff.max'"), "%s", err);
	err = s_fail("flap.yaml", CERR_PARSE);
	cr_assert(strstr(err, "flap.yaml:3: key 'alerts.flap.changes': expected an "
	    "integer from 2 to 1000000, got '1'"), "%s", err);
	err = s_fail_mem("collector: {}\ncurve:\n  public_key: a.pub\n");
	cr_assert(strstr(err, ":3: key 'curve': curve needs secret_key and "
	    "public_key"), "%s", err);
	c = s_ok_mem("curve:\n");
	cr_assert_eq(c->curve.enabled, 0, "an empty curve section is no curve");
	conf_free(&c);
}

Test(conf, null_keeps_default)
{
	struct conf *c = s_ok_mem("collector:\n  interval:\n  max_sessions: ~\n"
	    "alerts:\n  outputs:\n");

	cr_assert_eq(c->collector.interval_ms, 30000);
	cr_assert_eq(c->collector.max_sessions, 64);
	cr_assert_eq(c->alerts.noutputs, 1);
	conf_free(&c);
}

Test(conf, later_values_replace_defaults)
{
	struct conf *c = s_ok_mem("analyzer:\n  collectors: [tcp://a:1, tcp://b:2]\n"
	    "  rules: /x/*.yaml\n");

	cr_assert_eq(c->analyzer.collectors.n, 2);
	cr_assert_str_eq(c->analyzer.collectors.v[1], "tcp://b:2");
	cr_assert_eq(c->analyzer.rules.n, 1);
	cr_assert_str_eq(c->analyzer.rules.v[0], "/x/*.yaml");
	conf_free(&c);
}

Test(conf, relative_config_path)
{
	char err[512], cwd[4096], *dir = s_datadir(), *want;
	struct conf *c = NULL;

	cr_assert_not_null(getcwd(cwd, sizeof cwd));
	cr_assert_eq(chdir(dir), 0);
	cr_assert_eq(conf_load("./empty.yaml", &c, err, sizeof err), CERR_OK, "%s",
	    err);
	cr_assert_eq(chdir(cwd), 0);
	want = xasprintf("%s/empty.yaml", dir);
	cr_assert_str_eq(c->path, want, "kept absolute for reloads after chdir");
	free(want);
	want = xasprintf("%s/hosts.yaml", dir);
	cr_assert_str_eq(c->inventory.hosts, want);
	free(want);
	conf_free(&c);
	cr_assert_eq(chdir(dir), 0);
	cr_assert_eq(conf_load("bad_int.yaml", &c, err, sizeof err), CERR_PARSE);
	cr_assert_eq(chdir(cwd), 0);
	cr_assert(strncmp(err, "bad_int.yaml:4: ", 16) == 0,
	    "errors name the file as the user wrote it: %s", err);
	free(dir);
}

Test(conf, missing_file)
{
	char err[512];
	struct conf *c = (struct conf *)1;

	cr_assert_eq(conf_load("/nonexistent/dir/loghaul.yaml", &c, err, sizeof err),
	    CERR_NOTFOUND);
	cr_assert_null(c);
	cr_assert_str_eq(err, "/nonexistent/dir/loghaul.yaml: No such file or "
	    "directory");
}

Test(conf, yaml_syntax_error)
{
	const char *err = s_fail("syntax.yaml", CERR_PARSE);

	cr_assert(strstr(err, "syntax.yaml:3:"), "line and column: %s", err);
	err = s_fail("two_docs.yaml", CERR_PARSE);
	cr_assert(strstr(err, "two_docs.yaml:2: only one YAML document per file"),
	    "%s", err);
	err = s_fail_mem("collector: {interval: 30s\n");
	cr_assert(strncmp(err, "/etc/loghaul/loghaul.yaml:2:", 28) == 0, "%s", err);
}

Test(conf, inventory_beside_hosts)
{
	char err[512], *path = s_data("with_inventory.yaml");
	struct conf *c = NULL;
	struct inventory *inv = NULL;
	const struct inv_host *h;

	setenv("LOGHAUL_TEST_NORNIR_PW", "pw-from-env", 1);
	setenv("LOGHAUL_TEST_NORNIR_ENABLE", "enable-from-env", 1);
	cr_assert_eq(conf_load(path, &c, err, sizeof err), CERR_OK, "%s", err);
	cr_assert_null(c->inventory.groups);
	cr_assert_eq(conf_load_inventory(c, &inv, err, sizeof err), CERR_OK, "%s",
	    err);
	cr_assert_eq(inv->nhosts, 5);
	h = inventory_find(inv, "rtr1.bma");
	cr_assert_not_null(h);
	cr_assert_str_eq(h->platform, "cisco_ios", "groups.yaml was used");
	cr_assert_str_eq(h->username, "netops", "defaults.yaml was used");
	inventory_free(&inv);
	conf_free(&c);
	free(path);
}

Test(conf, inventory_missing)
{
	struct conf *c = s_ok_mem("inventory: {hosts: /nonexistent/hosts.yaml, "
	    "groups: /nonexistent/groups.yaml}\n");
	struct inventory *inv = NULL;
	char err[512];

	cr_assert_str_eq(c->inventory.groups, "/nonexistent/groups.yaml");
	cr_assert_eq(conf_load_inventory(c, &inv, err, sizeof err), CERR_NOTFOUND);
	cr_assert_str_eq(err, "/nonexistent/hosts.yaml: No such file or directory");
	conf_free(&c);
}

Test(conf, describe_lists_every_key)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	conf_describe(f);
	fclose(f);
	cr_assert(strstr(buf, "collector.max_sessions"), "%s", buf);
	cr_assert(strstr(buf, "ssh.timeouts.connect"));
	cr_assert(strstr(buf, "alerts.outputs[type=alertmanager].url"));
	cr_assert(strstr(buf, "curve.allow"));
	free(buf);
}
