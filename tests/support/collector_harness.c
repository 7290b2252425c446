/* collector_harness.c — see collector_harness.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/util.h"
#include "tests/support/collector_harness.h"
#include "tests/support/devsim_harness.h"
#include "tests/support/proc.h"

void
ch_msleep(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

char *
ch_config(const char *dir, const char *name, const struct ch_conf *o)
{
	const char *src = getenv("LOGHAUL_SRC");
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "w");

	if (f == NULL) {
		free(path);
		return NULL;
	}
	fprintf(f,
	    "inventory: {hosts: %s, groups: groups.yaml, defaults: defaults.yaml}\n"
	    "ssh:\n  known_hosts: %s\n"
	    "  timeouts: {connect: 5s, banner: 5s, auth: 5s, command: %s}\n"
	    "collector:\n  interval: %s\n  max_sessions: %d\n"
	    "  state_dir: %s\n  push: %s%s%s\n  ack_timeout: %s\n"
	    "  backoff: {min: 200ms, max: 2s}\n",
	    o->hosts ? o->hosts : "hosts.yaml",
	    o->known_hosts ? o->known_hosts : "known_hosts",
	    o->command ? o->command : "5s",
	    o->interval ? o->interval : "1s",
	    o->max_sessions > 0 ? o->max_sessions : 32,
	    o->state_dir ? o->state_dir : "state",
	    o->push ? o->push : "ipc://", o->push ? "" : dir,
	    o->push ? "" : "/push", o->ack_timeout ? o->ack_timeout : "3s");
	if (o->max_backlog > 0)
		fprintf(f, "  max_backlog: %d\n", o->max_backlog);
	if (o->processes > 1)
		fprintf(f, "  processes: %d\n", o->processes);
	if (o->acks)
		fprintf(f, "  acks: %s\n", o->acks);
	if (o->collector_extra)
		fputs(o->collector_extra, f);
	/* process i of n pushes on push.i (collector_shard_endpoint) */
	if (o->push && o->acks)
		fprintf(f, "analyzer:\n  collectors: [{push: %s, acks: %s}",
		    o->push, o->acks);
	else if (o->push)
		fprintf(f, "analyzer:\n  collectors: [%s", o->push);
	else
		fprintf(f, "analyzer:\n  collectors: [ipc://%s/push", dir);
	for (int i = 1; i < o->processes && !o->push; i++)
		fprintf(f, ", ipc://%s/push.%d", dir, i);
	fprintf(f, "]\n"
	    "  alerts: ipc://%s/alerts\n  rules: [%s/analyzer/rules/*.yaml]\n"
	    "alerts:\n  listen: ipc://%s/alerts\n  state_dir: alert-state\n"
	    "  flap: {changes: 64, window: 60s, stable: 120s}\n"
	    "  outputs:\n    - {type: jsonl, path: alerts.jsonl}\n",
	    dir, src ? src : ".", dir);
	if (fclose(f) != 0) {
		free(path);
		return NULL;
	}
	return path;
}

char *
ch_bin(const char *name)
{
	const char *bindir = getenv("LOGHAUL_BIN");

	return xasprintf("%s/%s", bindir && *bindir ? bindir : "build/bin", name);
}

pid_t
ch_spawn(const char *prog, const char *const *args, const char *cwd,
    const char *out_path, const char *err_path)
{
	char *bin = ch_bin(prog);
	size_t n = 0;
	char **argv;
	struct proc p;

	while (args && args[n])
		n++;
	argv = xcalloc(n + 2, sizeof *argv);
	argv[0] = bin;
	for (size_t i = 0; i < n; i++)
		argv[i + 1] = (char *)(uintptr_t)args[i];
	if (proc_spawn_io(&p, argv, out_path, err_path, NULL, cwd) != 0)
		p.pid = -1;
	free(argv);
	free(bin);
	return p.pid;
}

int
ch_wait(pid_t pid, double timeout_s)
{
	return ch_wait_rss(pid, timeout_s, NULL);
}

int
ch_wait_rss(pid_t pid, double timeout_s, long *maxrss_kb)
{
	double deadline = util_monotime() + timeout_s;
	struct rusage ru;
	int status;

	if (pid <= 0)
		return -1;
	memset(&ru, 0, sizeof ru);
	for (;;) {
		pid_t w = wait4(pid, &status, WNOHANG, &ru);

		if (w == pid)
			break;
		if (w < 0)
			return -1;
		if (util_monotime() > deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return -1;
		}
		ch_msleep(10);
	}
	if (maxrss_kb)
		*maxrss_kb = ru.ru_maxrss;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : -1;
}

int
ch_term(pid_t pid, double timeout_s)
{
	if (pid <= 0)
		return -1;
	kill(pid, SIGTERM);
	return ch_wait(pid, timeout_s);
}

void
ch_asan_small_quarantine(void)
{
#ifdef __SANITIZE_ADDRESS__
	const char *cur = getenv("ASAN_OPTIONS");
	char *v;

	if (cur && strstr(cur, "quarantine_size_mb=") != NULL)
		return;
	v = xasprintf("%s%squarantine_size_mb=8", cur ? cur : "",
	    cur && *cur ? ":" : "");
	setenv("ASAN_OPTIONS", v, 1);
	free(v);
#endif
}

long
ch_rss_kb(pid_t pid)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof line, f))
		if (strncmp(line, "VmRSS:", 6) == 0) {
			char *end;

			kb = strtol(line + 6, &end, 10);
			break;
		}
	fclose(f);
	return kb;
}

int
ch_once(const char *cfg, const char *out_path, const char *err_path,
    int timeout_s)
{
	char *bin = ch_bin("loghaul-collector");
	const char *argv[] = { bin, "--config", cfg, "--once", "--print", NULL };
	int rc = devsim_run(argv, NULL, out_path, err_path, timeout_s);

	free(bin);
	return rc;
}

/* ---- reading --print output ---------------------------------------------- */

static int
s_hex4(const char *p, uint32_t *v)
{
	*v = 0;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ?
		    c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;

		if (d < 0)
			return -1;
		*v = *v << 4 | (uint32_t)d;
	}
	return 0;
}

static void
s_put_utf8(struct buf *b, uint32_t cp)
{
	char u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | cp >> 6);
		u[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | cp >> 12);
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | cp >> 18);
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	buf_append(b, u, n);
}

/* A JSON string at *pp (at its opening quote) into out; -1 if malformed. */
static int
s_jstr(const char **pp, struct buf *out)
{
	const char *p = *pp;

	if (*p++ != '"')
		return -1;
	while (*p && *p != '"') {
		uint32_t cp, lo;

		if ((unsigned char)*p < 0x20)
			return -1;	/* raw control bytes never belong here */
		if (*p != '\\') {
			buf_append(out, p++, 1);
			continue;
		}
		p++;
		switch (*p) {
		case '"': case '\\': case '/': buf_append(out, p, 1); break;
		case 'n': buf_append(out, "\n", 1); break;
		case 'r': buf_append(out, "\r", 1); break;
		case 't': buf_append(out, "\t", 1); break;
		case 'b': buf_append(out, "\b", 1); break;
		case 'f': buf_append(out, "\f", 1); break;
		case 'u':
			if (s_hex4(p + 1, &cp) != 0)
				return -1;
			p += 4;
			if (cp >= 0xd800 && cp < 0xdc00) {
				if (p[1] != '\\' || p[2] != 'u' ||
				    s_hex4(p + 3, &lo) != 0 || lo < 0xdc00 ||
				    lo > 0xdfff)
					return -1;
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				p += 6;
			}
			s_put_utf8(out, cp);
			break;
		default:
			return -1;
		}
		p++;
	}
	if (*p != '"')
		return -1;
	*pp = p + 1;
	return 0;
}

static int
s_b64val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

static int
s_b64dec(const char *s, size_t n, struct buf *out)
{
	uint32_t acc = 0;
	int bits = 0;

	for (size_t i = 0; i < n; i++) {
		int v;

		if (s[i] == '=')
			break;
		if ((v = s_b64val(s[i])) < 0)
			return -1;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			char c = (char)(acc >> (bits - 8));

			buf_append(out, &c, 1);
			bits -= 8;
		}
	}
	return 0;
}

/* One --print line into rec; -1 with why. */
static int
s_parse_rec(const char *line, struct ch_rec *rec, const char **why)
{
	const char *p = line;
	struct buf key, val, b64;
	int have_line = 0, have_dev = 0, have_id = 0, have_kind = 0, rc = -1;

	memset(rec, 0, sizeof *rec);
	buf_init(&key, 0);
	buf_init(&val, 0);
	buf_init(&b64, 0);
	*why = "not an object";
	if (*p++ != '{')
		goto out;
	for (;;) {
		buf_reset(&key);
		*why = "bad key";
		if (s_jstr(&p, &key) != 0 || *p++ != ':')
			goto out;
		buf_appendc(&key, '\0');
		if (*p == '"') {
			buf_reset(&val);
			*why = "bad string value";
			if (s_jstr(&p, &val) != 0)
				goto out;
			if (!strcmp(key.data, "device")) {
				snprintf(rec->dev, sizeof rec->dev, "%.*s",
				    (int)val.len, val.data ? val.data : "");
				have_dev = 1;
			} else if (!strcmp(key.data, "kind")) {
				rec->gap = val.len == 3 && !memcmp(val.data, "gap", 3);
				have_kind = 1;
			} else if (!strcmp(key.data, "tag")) {
				snprintf(rec->tag, sizeof rec->tag, "%.*s",
				    (int)val.len, val.data ? val.data : "");
			} else if (!strcmp(key.data, "reason")) {
				snprintf(rec->reason, sizeof rec->reason, "%.*s",
				    (int)val.len, val.data ? val.data : "");
			} else if (!strcmp(key.data, "line")) {
				rec->len = val.len;
				rec->line = xmalloc(val.len + 1);
				if (val.len)
					memcpy(rec->line, val.data, val.len);
				rec->line[val.len] = '\0';
				have_line = 1;
			} else if (!strcmp(key.data, "line_base64")) {
				*why = "bad base64";
				if (s_b64dec(val.data ? val.data : "", val.len,
				    &b64) != 0)
					goto out;
				buf_appendc(&b64, '\0');
			}
		} else {
			char *end;
			long long v = strtoll(p, &end, 10);

			*why = "bad number";
			if (end == p)
				goto out;
			if (!strcmp(key.data, "id"))
				rec->id = strtoull(p, &end, 10), have_id = 1;
			else if (!strcmp(key.data, "ts_ms"))
				rec->ts_ms = v;
			else if (!strcmp(key.data, "seq"))
				rec->seq = strtoull(p, &end, 10);
			p = end;
		}
		if (*p == ',') {
			p++;
			continue;
		}
		*why = "no closing brace";
		if (*p++ != '}')
			goto out;
		break;
	}
	*why = "trailing bytes";
	if (*p != '\0' && *p != '\n')
		goto out;
	*why = "missing device, id, kind or line";
	if (!have_dev || !have_id || !have_kind || !have_line)
		goto out;
	if (b64.len) {
		/* the exact bytes, where "line" had to replace some */
		free(rec->line);
		rec->len = b64.len - 1;
		rec->line = xmalloc(b64.len);
		memcpy(rec->line, b64.data, b64.len);
	}
	rc = 0;
out:
	if (rc != 0) {
		free(rec->line);
		rec->line = NULL;
	}
	buf_free(&key);
	buf_free(&val);
	buf_free(&b64);
	return rc;
}

int
ch_recs_load(const char *path, struct ch_recs *r)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if (f == NULL)
		return -1;
	while ((n = getline(&line, &cap, f)) > 0) {
		struct ch_rec rec;
		const char *why;

		if (ch_snapshot_line(line))
			continue;	/* ch_snaps_load() reads them */
		if (s_parse_rec(line, &rec, &why) != 0) {
			if (r->bad++ == 0)
				snprintf(r->badmsg, sizeof r->badmsg, "%s: %.160s",
				    why, line);
			continue;
		}
		if (r->len == r->cap) {
			r->cap = r->cap ? r->cap * 2 : 256;
			r->v = xrealloc(r->v, r->cap * sizeof *r->v);
		}
		r->v[r->len++] = rec;
	}
	free(line);
	fclose(f);
	return 0;
}

void
ch_recs_free(struct ch_recs *r)
{
	for (size_t i = 0; i < r->len; i++)
		free(r->v[i].line);
	free(r->v);
	memset(r, 0, sizeof *r);
}

size_t
ch_dev_recs(const struct ch_recs *r, const char *dev, const struct ch_rec ***out)
{
	const struct ch_rec **v = xcalloc(r->len + 1, sizeof *v);
	size_t n = 0;

	for (size_t i = 0; i < r->len; i++)
		if (strcmp(r->v[i].dev, dev) == 0)
			v[n++] = &r->v[i];
	*out = v;
	return n;
}

size_t
ch_count_gaps(const struct ch_rec *const *v, size_t n, const char *reason)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		if (v[i]->gap && (reason == NULL || !strcmp(v[i]->reason, reason)))
			k++;
	return k;
}

/* ---- the journal ---------------------------------------------------------- */

size_t
ch_jlines(const struct devsim_journal *j, const char *dev, size_t **out)
{
	size_t *v = xcalloc(j->len + 1, sizeof *v), n = 0;

	for (size_t i = 0; i < j->len; i++)
		if (j->v[i].kind == DEVSIM_J_LINE && !strcmp(j->v[i].dev, dev))
			v[n++] = i;
	*out = v;
	return n;
}

size_t
ch_view(const struct devsim_journal *j, const char *dev, size_t bsize,
    int whole_lines, size_t **out, size_t *maybe)
{
	size_t *v = xcalloc(j->len + 1, sizeof *v), n = 0, first = 0, total = 0;
	size_t i;

	*maybe = SIZE_MAX;
	for (i = 0; i < j->len; i++)
		if (!strcmp(j->v[i].dev, dev) && (j->v[i].kind == DEVSIM_J_CLEAR ||
		    j->v[i].kind == DEVSIM_J_RELOAD))
			first = i + 1;
	/* newest first: what fits, with its line break */
	for (i = j->len; i > first; i--) {
		const struct devsim_jentry *e = &j->v[i - 1];

		if (strcmp(e->dev, dev) || e->kind != DEVSIM_J_LINE)
			continue;
		if (total + e->len + 1 > bsize) {
			if (!whole_lines && total + e->len == bsize)
				*maybe = i - 1;
			break;
		}
		total += e->len + 1;
		v[n++] = i - 1;
	}
	/* oldest first */
	for (size_t a = 0, b = n; a + 1 < b; a++, b--) {
		size_t t = v[a];

		v[a] = v[b - 1];
		v[b - 1] = t;
	}
	*out = v;
	return n;
}

int
ch_map(const struct ch_rec *const *v, size_t n, const struct devsim_journal *j,
    const char *dev, size_t from, size_t *map, char *msg, size_t msglen)
{
	size_t at = from;

	for (size_t i = 0; i < n; i++) {
		size_t k;

		map[i] = SIZE_MAX;
		if (v[i]->gap)
			continue;
		for (k = at; k < j->len; k++) {
			const struct devsim_jentry *e = &j->v[k];

			if (e->kind == DEVSIM_J_LINE && !strcmp(e->dev, dev) &&
			    e->len == v[i]->len &&
			    memcmp(e->text, v[i]->line, e->len) == 0)
				break;
		}
		if (k == j->len) {
			snprintf(msg, msglen, "%s record %zu (id %llu) is no later "
			    "journal line (duplicate, out of order or corrupt): %s",
			    dev, i, (unsigned long long)v[i]->id,
			    ch_show(v[i]->line, v[i]->len));
			return -1;
		}
		map[i] = k;
		at = k + 1;
	}
	return 0;
}

const char *
ch_residue(const struct ch_rec *r)
{
	static const char *const fixed[] = {
		"--More--", "---(more", "show logging", "show log messages",
		"terminal length", "terminal width", "set cli screen",
	};
	char p[40];

	for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
		if (memmem(r->line, r->len, fixed[i], strlen(fixed[i])))
			return fixed[i];
	snprintf(p, sizeof p, "%s#", r->dev);
	if (memmem(r->line, r->len, p, strlen(p)))
		return "prompt (NAME#)";
	snprintf(p, sizeof p, "%s>", r->dev);
	if (memmem(r->line, r->len, p, strlen(p)))
		return "prompt (NAME>)";
	return NULL;
}

/* ---- files and logs -------------------------------------------------------- */

char *
ch_slurp(const char *path, size_t *len)
{
	return devsim_slurp(path, len);
}

size_t
ch_count_in(const char *path, const char *needle)
{
	size_t len, n = 0, nl = strlen(needle);
	char *s = devsim_slurp(path, &len);
	const char *p = s;

	if (s == NULL || nl == 0) {
		free(s);
		return 0;
	}
	while ((p = memmem(p, len - (size_t)(p - s), needle, nl)) != NULL) {
		n++;
		p += nl;
	}
	free(s);
	return n;
}

int
ch_wait_in(const char *path, const char *needle, double timeout_s)
{
	double end = util_monotime() + timeout_s;

	for (;;) {
		if (ch_count_in(path, needle) > 0)
			return 1;
		if (util_monotime() >= end)
			return 0;
		usleep(100 * 1000);
	}
}

int64_t
ch_log_ms(const char *line)
{
	struct tm tm;
	int ms;

	memset(&tm, 0, sizeof tm);
	if (sscanf(line, "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ", &tm.tm_year, &tm.tm_mon,
	    &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms) != 7)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (int64_t)timegm(&tm) * 1000 + ms;
}

const char *
ch_show(const char *p, size_t len)
{
	static char out[4][400];
	static int next;
	char *o = out[next++ % 4];
	size_t k = 0;

	for (size_t i = 0; i < len && k + 5 < sizeof out[0]; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c >= 0x20 && c < 0x7f && c != '\\')
			o[k++] = (char)c;
		else
			k += (size_t)snprintf(o + k, sizeof out[0] - k, "\\x%02x", c);
	}
	o[k] = '\0';
	return o;
}

/* ---- interface-table snapshots in --print output ----------------------- */

int
ch_snapshot_line(const char *line)
{
	return strstr(line, ",\"kind\":\"snapshot\",") != NULL ||
	    strstr(line, ",\"kind\":\"ifrow\",") != NULL;
}

/* One flat JSON object: each member to f (str: 1 with sval, else nval). */
static int
s_members(const char *line, void (*f)(void *, const char *, const struct buf *,
    long long, int), void *arg)
{
	const char *p = line;
	struct buf key, val;
	int rc = -1;

	buf_init(&key, 0);
	buf_init(&val, 0);
	if (*p++ != '{')
		goto out;
	for (;;) {
		buf_reset(&key);
		buf_reset(&val);
		if (s_jstr(&p, &key) != 0 || *p++ != ':')
			goto out;
		buf_appendc(&key, '\0');
		if (*p == '"') {
			if (s_jstr(&p, &val) != 0)
				goto out;
			buf_appendc(&val, '\0');
			val.len--;
			f(arg, key.data, &val, 0, 1);
		} else {
			char *end;
			long long v = strtoll(p, &end, 10);

			if (end == p)
				goto out;
			f(arg, key.data, NULL, v, 0);
			p = end;
		}
		if (*p == ',') {
			p++;
			continue;
		}
		if (*p++ != '}')
			goto out;
		break;
	}
	rc = *p == '\0' || *p == '\n' ? 0 : -1;
out:
	buf_free(&key);
	buf_free(&val);
	return rc;
}

struct s_snapline {
	char     dev[32], kind[16], reason[16], name[128], admin[16], oper[16];
	uint64_t id;
	int64_t  ts_ms;
	size_t   interfaces;
	char    *descr;
	size_t   descr_len;
	int      b64;
};

static void
s_snap_member(void *arg, const char *k, const struct buf *sv, long long nv,
    int str)
{
	struct s_snapline *l = arg;
	const char *v = str && sv->data ? sv->data : "";

	if (!str) {
		if (!strcmp(k, "id"))
			l->id = (uint64_t)nv;
		else if (!strcmp(k, "ts_ms"))
			l->ts_ms = nv;
		else if (!strcmp(k, "interfaces"))
			l->interfaces = (size_t)nv;
		return;
	}
	if (!strcmp(k, "device"))
		snprintf(l->dev, sizeof l->dev, "%s", v);
	else if (!strcmp(k, "kind"))
		snprintf(l->kind, sizeof l->kind, "%s", v);
	else if (!strcmp(k, "reason"))
		snprintf(l->reason, sizeof l->reason, "%s", v);
	else if (!strcmp(k, "interface"))
		snprintf(l->name, sizeof l->name, "%s", v);
	else if (!strcmp(k, "admin"))
		snprintf(l->admin, sizeof l->admin, "%s", v);
	else if (!strcmp(k, "oper"))
		snprintf(l->oper, sizeof l->oper, "%s", v);
	else if (!strcmp(k, "descr") && !l->b64) {
		free(l->descr);
		l->descr = xmalloc(sv->len + 1);
		memcpy(l->descr, v, sv->len + 1);
		l->descr_len = sv->len;
	} else if (!strcmp(k, "descr_base64")) {
		struct buf b;

		buf_init(&b, 0);
		if (s_b64dec(v, sv->len, &b) == 0) {
			free(l->descr);
			l->descr = xmalloc(b.len + 1);
			memcpy(l->descr, b.data ? b.data : "", b.len);
			l->descr[b.len] = '\0';
			l->descr_len = b.len;
			l->b64 = 1;
		}
		buf_free(&b);
	}
}

static void
s_snap_add_row(struct ch_snap *sn, struct s_snapline *l)
{
	struct ch_ifrow *r;

	sn->rows = xrealloc(sn->rows, (sn->nrows + 1) * sizeof *sn->rows);
	r = &sn->rows[sn->nrows++];
	memset(r, 0, sizeof *r);
	snprintf(r->name, sizeof r->name, "%s", l->name);
	snprintf(r->admin, sizeof r->admin, "%s", l->admin);
	snprintf(r->oper, sizeof r->oper, "%s", l->oper);
	r->descr = l->descr ? l->descr : xstrdup("");
	r->descr_len = l->descr_len;
	l->descr = NULL;
}

int
ch_snaps_load(const char *path, struct ch_snaps *s)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	struct ch_snap *cur = NULL;

	if (f == NULL)
		return -1;
	while (getline(&line, &cap, f) > 0) {
		struct s_snapline l;

		lineno++;
		if (!ch_snapshot_line(line))
			continue;
		memset(&l, 0, sizeof l);
		if (s_members(line, s_snap_member, &l) != 0) {
			s->bad++;
		} else if (!strcmp(l.kind, "snapshot")) {
			s->v = xrealloc(s->v, (s->len + 1) * sizeof *s->v);
			cur = &s->v[s->len++];
			memset(cur, 0, sizeof *cur);
			snprintf(cur->dev, sizeof cur->dev, "%s", l.dev);
			snprintf(cur->reason, sizeof cur->reason, "%s", l.reason);
			cur->id = l.id;
			cur->ts_ms = l.ts_ms;
			cur->interfaces = l.interfaces;
			cur->line = lineno;
		} else if (cur && !strcmp(cur->dev, l.dev) && cur->id == l.id) {
			s_snap_add_row(cur, &l);
		} else {
			s->bad++;	/* a row without its record before it */
		}
		free(l.descr);
	}
	free(line);
	fclose(f);
	return 0;
}

void
ch_snaps_free(struct ch_snaps *s)
{
	for (size_t i = 0; i < s->len; i++) {
		for (size_t k = 0; k < s->v[i].nrows; k++)
			free(s->v[i].rows[k].descr);
		free(s->v[i].rows);
	}
	free(s->v);
	memset(s, 0, sizeof *s);
}

const struct ch_ifrow *
ch_snap_row(const struct ch_snap *sn, const char *name)
{
	for (size_t i = 0; i < sn->nrows; i++)
		if (!strcmp(sn->rows[i].name, name))
			return &sn->rows[i];
	return NULL;
}

size_t
ch_order_load(const char *path, const char *dev, struct ch_order **out)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, n = 0;
	struct ch_order *v = NULL;

	*out = NULL;
	if (f == NULL)
		return 0;
	while (getline(&line, &cap, f) > 0) {
		struct s_snapline l;

		memset(&l, 0, sizeof l);
		if (s_members(line, s_snap_member, &l) != 0 ||
		    strcmp(l.dev, dev) != 0 || !strcmp(l.kind, "ifrow")) {
			free(l.descr);
			continue;
		}
		v = xrealloc(v, (n + 1) * sizeof *v);
		v[n].kind = !strcmp(l.kind, "snapshot") ? 's' :
		    !strcmp(l.kind, "gap") ? 'g' : 'l';
		v[n].id = l.id;
		snprintf(v[n].reason, sizeof v[n].reason, "%s", l.reason);
		n++;
		free(l.descr);
	}
	free(line);
	fclose(f);
	*out = v;
	return n;
}
