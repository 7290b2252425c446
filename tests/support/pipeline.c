/* pipeline.c — see pipeline.h. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/util.h"
#include "tests/support/collector_harness.h"
#include "tests/support/devsim_harness.h"
#include "tests/support/pipeline.h"
#include "tests/support/proc.h"

struct pipeline {
	struct devsim *ds;
	struct pipeline_opts o;
	char  dir[512];
	char  config[600];
	char  aconfig[600];	/* the analyzers' (same as config unless asked) */
	char  alerts[600];
	char  push_ep[600], alerts_ep[600];
	/* tcp: the stage's and the collector's ports are not known yet */
	int   alerts_pending, collector_pending;
	pid_t pids[PL__ROLES][PL_MAX_ANALYZERS];
};

static const char *const pl_bin[PL__ROLES] = {
	"loghaul-collector", "loghaul-analyzer", "loghaul-alerts",
};
static const char *const pl_name[PL__ROLES] = {
	"collector", "analyzer", "alerts",
};

static void
s_msleep(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/*
 * Over tcp every daemon binds port 0 ("*"); pipeline_start reads the ports
 * from its ready file and writes them into the configurations in place of
 * TCP_ANY, key by key (s_set_port).
 */
#define TCP_ANY	"tcp://127.0.0.1:*"

/* Write one config file; extra (may be NULL) is appended as it is. */
static int
s_write_config(struct pipeline *p, const char *path, const char *extra,
    char *err, size_t errlen)
{
	const struct pipeline_opts *o = &p->o;
	int nproc = o->collector_processes > 0 ? o->collector_processes : 1;
	FILE *f = fopen(path, "w");

	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	fprintf(f,
	    "inventory: {hosts: hosts.yaml, groups: groups.yaml, defaults: defaults.yaml}\n"
	    "ssh:\n  known_hosts: known_hosts\n  timeouts: {connect: 5s, command: 10s}\n"
	    "collector:\n  interval: %s\n  max_sessions: 32\n  processes: %d\n"
	    "  state_dir: state\n  push: %s\n  ack_timeout: %s\n"
	    "  backoff: {min: 200ms, max: 2s}\n", o->interval ? o->interval : "1s",
	    nproc, p->push_ep, o->ack_timeout ? o->ack_timeout : "3s");
	if (o->tcp)
		fprintf(f, "  acks: %s\n"
		    "analyzer:\n  collectors: [{push: %s, acks: %s}", TCP_ANY,
		    TCP_ANY, TCP_ANY);
	else
		fprintf(f, "analyzer:\n  collectors: [");
	for (int i = 0; i < nproc && !o->tcp; i++)
		fprintf(f, "%sipc://%s/push%s%.0d", i ? ", " : "", p->dir,
		    i ? "." : "", i);
	fprintf(f, "]\n  alerts: %s\n  rules: [%s/analyzer/rules/*.yaml]\n"
	    "alerts:\n  listen: %s\n  state_dir: alert-state\n"
	    "  flap: {changes: %d, window: 60s, stable: 120s}\n"
	    "  outputs:\n    - {type: jsonl, path: alerts.jsonl}\n%s",
	    p->alerts_ep, getenv("LOGHAUL_SRC") ? getenv("LOGHAUL_SRC") : ".",
	    p->alerts_ep, o->flap_changes > 1 ? o->flap_changes : 64,
	    extra ? extra : "");
	fclose(f);
	return 0;
}

struct pipeline *
pipeline_new(struct devsim *ds, const struct pipeline_opts *o, char *err,
    size_t errlen)
{
	struct pipeline *p = xcalloc(1, sizeof *p);

	p->ds = ds;
	p->o = *o;
	if (p->o.analyzers < 1)
		p->o.analyzers = 1;
	if (p->o.analyzers > PL_MAX_ANALYZERS)
		p->o.analyzers = PL_MAX_ANALYZERS;
	snprintf(p->dir, sizeof p->dir, "%s", devsim_dir(ds));
	snprintf(p->config, sizeof p->config, "%s/loghaul.yaml", p->dir);
	snprintf(p->aconfig, sizeof p->aconfig, "%s/%s", p->dir,
	    o->analyzer_extra_yaml ? "loghaul-analyzer.yaml" : "loghaul.yaml");
	snprintf(p->alerts, sizeof p->alerts, "%s/alerts.jsonl", p->dir);
	if (o->tcp) {
		/* Process i of several would bind push + 2i: not from "*". */
		if (o->collector_processes > 1) {
			snprintf(err, errlen, "tcp: one collector process only");
			free(p);
			return NULL;
		}
		snprintf(p->push_ep, sizeof p->push_ep, TCP_ANY);
		snprintf(p->alerts_ep, sizeof p->alerts_ep, TCP_ANY);
		p->alerts_pending = p->collector_pending = 1;
	} else {
		/* ipc endpoints in devsim's private directory: no ports to collide */
		snprintf(p->push_ep, sizeof p->push_ep, "ipc://%s/push", p->dir);
		snprintf(p->alerts_ep, sizeof p->alerts_ep, "ipc://%s/alerts", p->dir);
	}
	if (s_write_config(p, p->config, o->extra_yaml, err, errlen) != 0 ||
	    (o->analyzer_extra_yaml && s_write_config(p, p->aconfig,
	    o->analyzer_extra_yaml, err, errlen) != 0)) {
		free(p);
		return NULL;
	}
	return p;
}

/* The ready file of instance i of role. */
static void
s_ready_path(const struct pipeline *p, enum pl_role role, int i, char *out,
    size_t len)
{
	snprintf(out, len, "%s/%s-%d.ready", p->dir, pl_name[role], i);
}

static int s_alerts_bound(struct pipeline *p);
static int s_collector_bound(struct pipeline *p);

int
pipeline_start(struct pipeline *p, enum pl_role role, int i)
{
	char bin[1024], logp[700], ready[700];
	char *const argv[] = { proc_bin(bin, sizeof bin, pl_bin[role]),
	    (char *)(uintptr_t)"--config",
	    role == PL_ANALYZER ? p->aconfig : p->config, NULL };
	struct proc pr;

	snprintf(logp, sizeof logp, "%s/%s-%d.log", p->dir, pl_name[role], i);
	s_ready_path(p, role, i, ready, sizeof ready);
	if (role == PL_ANALYZER && (p->alerts_pending || p->collector_pending))
		return -1;	/* tcp: start the alert stage and collector first */
	if (proc_spawn(&pr, argv, logp, ready, p->dir) != 0)
		return -1;
	p->pids[role][i] = pr.pid;
	if (role == PL_ALERTS && p->alerts_pending)
		return s_alerts_bound(p);
	if (role == PL_COLLECTOR && p->collector_pending)
		return s_collector_bound(p);
	return 0;
}

int
pipeline_port(const struct pipeline *p, enum pl_role role, int i,
    const char *name, double timeout_s)
{
	struct proc pr = { .pid = p->pids[role][i] };
	double deadline = util_monotime() + timeout_s;
	int port;

	s_ready_path(p, role, i, pr.ready, sizeof pr.ready);
	/* The pipeline reaps its own children: only watch the file here. */
	while ((port = proc_ready_value(&pr, name)) < 0 &&
	    util_monotime() < deadline)
		s_msleep(50);
	return port;
}

/*
 * In the file at path, every "KEY: TCP_ANY" of the keys given (NULL
 * ended) gets port instead of "*": in place, since a test may have added
 * to the file since it was written.
 */
static int
s_set_port_in(const char *path, const char *const *keys, int port)
{
	size_t len;
	char *text = ch_slurp(path, &len), *p, *q, any[64];
	FILE *f;

	if (text == NULL)
		return -1;
	for (; *keys; keys++) {
		snprintf(any, sizeof any, "%s: " TCP_ANY, *keys);
		if ((f = fopen(path, "w")) == NULL)
			break;
		for (p = text; (q = strstr(p, any)) != NULL; p = q + strlen(any)) {
			fwrite(p, 1, (size_t)(q - p) + strlen(any) - 1, f);
			fprintf(f, "%d", port);
		}
		fputs(p, f);
		free(text);
		text = NULL;
		if (fclose(f) != 0 || (text = ch_slurp(path, &len)) == NULL)
			return -1;
	}
	free(text);
	return *keys ? -1 : 0;
}

/* s_set_port_in both configurations. */
static int
s_set_port(struct pipeline *p, const char *const *keys, int port)
{
	if (s_set_port_in(p->config, keys, port) != 0)
		return -1;
	if (strcmp(p->aconfig, p->config) != 0 &&
	    s_set_port_in(p->aconfig, keys, port) != 0)
		return -1;
	return 0;
}

/*
 * tcp: the alert stage bound "tcp://127.0.0.1:*"; write the port it got
 * into the configurations, for the analyzers and for its own restarts.
 */
static int
s_alerts_bound(struct pipeline *p)
{
	static const char *const keys[] = { "listen", "alerts", NULL };
	int port = pipeline_port(p, PL_ALERTS, 0, "listen", 20);

	if (port <= 0 || s_set_port(p, keys, port) != 0)
		return -1;
	snprintf(p->alerts_ep, sizeof p->alerts_ep, "tcp://127.0.0.1:%d", port);
	p->alerts_pending = 0;
	return 0;
}

/*
 * tcp: the same for the collector's push and ack ports, which the
 * analyzers' entry for it names (analyzer.collectors: {push, acks}); a
 * restarted collector binds them again.
 */
static int
s_collector_bound(struct pipeline *p)
{
	static const char *const push[] = { "push", NULL };
	static const char *const acks[] = { "acks", NULL };
	int pport = pipeline_port(p, PL_COLLECTOR, 0, "push", 20);
	int aport = pipeline_port(p, PL_COLLECTOR, 0, "acks", 20);

	if (pport <= 0 || aport <= 0 || s_set_port(p, push, pport) != 0 ||
	    s_set_port(p, acks, aport) != 0)
		return -1;
	snprintf(p->push_ep, sizeof p->push_ep, "tcp://127.0.0.1:%d", pport);
	p->collector_pending = 0;
	return 0;
}

int
pipeline_start_all(struct pipeline *p)
{
	if (pipeline_start(p, PL_ALERTS, 0) != 0)
		return -1;
	/* tcp: the analyzers are told the collector's ports once it has them */
	if (p->collector_pending && pipeline_start(p, PL_COLLECTOR, 0) != 0)
		return -1;
	for (int i = 0; i < p->o.analyzers; i++)
		if (pipeline_start(p, PL_ANALYZER, i) != 0)
			return -1;
	return p->pids[PL_COLLECTOR][0] > 0 ? 0 :
	    pipeline_start(p, PL_COLLECTOR, 0);
}

pid_t
pipeline_pid(const struct pipeline *p, enum pl_role role, int i)
{
	return p->pids[role][i];
}

int
pipeline_stop(struct pipeline *p, enum pl_role role, int i)
{
	pid_t pid = p->pids[role][i];
	double deadline = util_monotime() + 30;
	int status;

	if (pid <= 0)
		return -1;
	kill(pid, SIGTERM);
	for (;;) {
		pid_t w = waitpid(pid, &status, WNOHANG);
		if (w == pid)
			break;
		if (w < 0 || util_monotime() > deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			p->pids[role][i] = 0;
			return -1;
		}
		s_msleep(20);
	}
	p->pids[role][i] = 0;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void
pipeline_kill9(struct pipeline *p, enum pl_role role, int i)
{
	if (p->pids[role][i] <= 0)
		return;
	kill(p->pids[role][i], SIGKILL);
	waitpid(p->pids[role][i], NULL, 0);
	p->pids[role][i] = 0;
}

int
pipeline_wait_exit(struct pipeline *p, enum pl_role role, int i,
    double timeout_s, int *status)
{
	pid_t pid = p->pids[role][i];
	double deadline = util_monotime() + timeout_s;

	if (pid <= 0)
		return -1;
	for (;;) {
		pid_t w = waitpid(pid, status, WNOHANG);

		if (w == pid)
			break;
		if (w < 0 && errno != EINTR)
			return -1;
		if (util_monotime() > deadline)
			return -1;
		s_msleep(20);
	}
	p->pids[role][i] = 0;
	return 0;
}

void
pipeline_stop_all(struct pipeline **pp)
{
	struct pipeline *p = *pp;

	if (p == NULL)
		return;
	pipeline_stop(p, PL_COLLECTOR, 0);
	for (int i = 0; i < PL_MAX_ANALYZERS; i++)
		pipeline_stop(p, PL_ANALYZER, i);
	pipeline_stop(p, PL_ALERTS, 0);
	free(p);
	*pp = NULL;
}

const char *
pipeline_config(const struct pipeline *p)
{
	return p->config;
}

const char *
pipeline_push_endpoint(const struct pipeline *p)
{
	return p->push_ep;
}

const char *
pipeline_alerts_path(const struct pipeline *p)
{
	return p->alerts;
}

/* The string value of "key":"..." in a JSON line (no escapes expected). */
static void
s_field(const char *line, const char *key, char *out, size_t len)
{
	char pat[64];
	const char *s, *e;

	out[0] = '\0';
	snprintf(pat, sizeof pat, "\"%s\":\"", key);
	if ((s = strstr(line, pat)) == NULL)
		return;
	s += strlen(pat);
	if ((e = strchr(s, '"')) == NULL)
		return;
	snprintf(out, len, "%.*s", (int)(e - s), s);
}

size_t
pipeline_read_alerts(const struct pipeline *p, struct pl_alert **out)
{
	FILE *f = fopen(p->alerts, "r");
	char *line = NULL;
	size_t cap = 0, n = 0, vcap = 0;
	struct pl_alert *v = NULL;

	*out = NULL;
	if (f == NULL)
		return 0;
	while (getline(&line, &cap, f) > 0) {
		if (n == vcap) {
			vcap = vcap ? vcap * 2 : 64;
			v = xrealloc(v, vcap * sizeof *v);
		}
		s_field(line, "device", v[n].dev, sizeof v[n].dev);
		s_field(line, "interface", v[n].iface, sizeof v[n].iface);
		s_field(line, "status", v[n].status, sizeof v[n].status);
		s_field(line, "state", v[n].state, sizeof v[n].state);
		n++;
	}
	free(line);
	fclose(f);
	*out = v;
	return n;
}

static int
s_cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sort lines and join them into one string. */
static size_t
s_join_sorted(char **lines, size_t n, char **out)
{
	size_t total = 1;
	char *s;

	qsort(lines, n, sizeof *lines, s_cmpstr);
	for (size_t i = 0; i < n; i++)
		total += strlen(lines[i]) + 1;
	s = xmalloc(total);
	s[0] = '\0';
	for (size_t i = 0, off = 0; i < n; i++) {
		off += (size_t)sprintf(s + off, "%s\n", lines[i]);
		free(lines[i]);
	}
	free(lines);
	*out = s;
	return n;
}

struct pl_ifstate {
	char key[140];
	char state[16];
};

size_t
pipeline_expected(struct devsim *ds, char **out)
{
	struct devsim_journal j = { 0 };
	struct pl_ifstate *st = NULL;
	size_t nst = 0, n = 0, cap = 0;
	char **lines = NULL, err[256];

	if (devsim_journal_load(devsim_dir(ds), NULL, &j, err, sizeof err) != 0) {
		*out = xstrdup("");
		return 0;
	}
	for (size_t i = 0; i < j.len; i++) {
		const struct devsim_jentry *e = &j.v[i];
		struct pl_ifstate *s = NULL;
		char key[140];
		const char *status = NULL;

		if (e->kind != DEVSIM_J_FLAP)
			continue;
		snprintf(key, sizeof key, "%s %s", e->dev, e->iface);
		for (size_t k = 0; k < nst; k++)
			if (strcmp(st[k].key, key) == 0)
				s = &st[k];
		if (s == NULL) {
			st = xrealloc(st, (nst + 1) * sizeof *st);
			s = &st[nst++];
			snprintf(s->key, sizeof s->key, "%s", key);
			snprintf(s->state, sizeof s->state, "up");
		}
		if (strcmp(e->state, s->state) == 0)
			continue;
		if (strcmp(e->state, "up") == 0)
			status = "resolved";
		else
			status = "firing";
		snprintf(s->state, sizeof s->state, "%s", e->state);
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			lines = xrealloc(lines, cap * sizeof *lines);
		}
		lines[n++] = xasprintf("%s %s %s", key, status, e->state);
	}
	free(st);
	devsim_journal_free(&j);
	return s_join_sorted(lines, n, out);
}

size_t
pipeline_actual(const struct pipeline *p, char **out)
{
	struct pl_alert *v;
	size_t n = pipeline_read_alerts(p, &v);
	char **lines = xcalloc(n ? n : 1, sizeof *lines);

	for (size_t i = 0; i < n; i++)
		lines[i] = xasprintf("%s %s %s %s", v[i].dev, v[i].iface, v[i].status,
		    v[i].state);
	free(v);
	return s_join_sorted(lines, n, out);
}

size_t
pipeline_wait_alerts(const struct pipeline *p, size_t want, int settle_s,
    int timeout_s)
{
	double deadline = util_monotime() + timeout_s, changed = util_monotime();
	size_t last = (size_t)-1, n = 0;

	for (;;) {
		struct pl_alert *v;

		n = pipeline_read_alerts(p, &v);
		free(v);
		if (n != last) {
			last = n;
			changed = util_monotime();
		}
		if (n >= want && util_monotime() - changed >= settle_s)
			return n;
		if (util_monotime() > deadline)
			return n;
		s_msleep(200);
	}
}

struct pipeline *
pipeline_with_conf(struct devsim **dsp, const char *const *args, int analyzers,
    const struct ch_conf *o)
{
	char err[512];
	struct pipeline_opts po = { .analyzers = analyzers };
	struct pipeline *p;
	char *cfg;

	*dsp = devsim_start(args, err, sizeof err);
	cr_assert_not_null(*dsp, "%s", err);
	p = pipeline_new(*dsp, &po, err, sizeof err);
	cr_assert_not_null(p, "%s", err);
	cfg = ch_config(devsim_dir(*dsp), "loghaul.yaml", o);
	cr_assert_not_null(cfg);
	cr_assert_str_eq(cfg, pipeline_config(p));
	free(cfg);
	return p;
}

void
pipeline_check_journal(struct devsim *ds, struct pipeline *p)
{
	pipeline_check_journal_min(ds, p, 11);
}

void
pipeline_check_journal_min(struct devsim *ds, struct pipeline *p,
    size_t min_changes)
{
	char *want = NULL, *got = NULL;
	size_t nwant, ngot;

	cr_assert_eq(devsim_control(ds, "pause", NULL, 0), 0);
	nwant = pipeline_expected(ds, &want);
	cr_assert_geq(nwant, min_changes, "the fleet should have flapped (%zu)",
	    nwant);
	pipeline_wait_alerts(p, nwant, 3, 60);
	ngot = pipeline_actual(p, &got);
	cr_expect_eq(ngot, nwant, "alert changes: %zu, journal implies %zu", ngot,
	    nwant);
	cr_expect_str_eq(got, want, "alerts differ from the journal\n--- got\n"
	    "%s--- want\n%s", got, want);
	free(want);
	free(got);
}
