/*
 * devsim_harness.c — see devsim_harness.h.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/util.h"
#include "tests/support/devsim_harness.h"
#include "tests/support/proc.h"


struct devsim_dev {
	char name[16];
	char platform[24];
	int  port;
};

struct devsim {
	char              dir[64];
	struct proc       proc;
	struct devsim_dev *devs;
	size_t            ndevs;
};

char *
devsim_slurp(const char *path, size_t *lenp)
{
	struct buf b;
	char tmp[65536];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	buf_init(&b, 0);
	while ((n = read(fd, tmp, sizeof(tmp))) > 0)
		buf_append(&b, tmp, (size_t)n);
	close(fd);
	if (n < 0) {
		buf_free(&b);
		return NULL;
	}
	if (b.data == NULL)
		b.data = xstrdup("");
	if (lenp)
		*lenp = b.len;
	return b.data;
}

static int
s_rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	remove(path);
	return 0;
}

static void
s_rmtree(const char *dir)
{
	nftw(dir, s_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Last ~1.5 KB of devsim's log, for error messages. */
static void
s_log_tail(const struct devsim *ds, char *out, size_t len)
{
	char path[128], *all;
	size_t n;

	snprintf(path, sizeof(path), "%s/devsim.log", ds->dir);
	all = devsim_slurp(path, &n);
	if (all == NULL) {
		snprintf(out, len, "(no log)");
		return;
	}
	snprintf(out, len, "%s", n > 1500 ? all + n - 1500 : all);
	free(all);
}

static int
s_load_ports(struct devsim *ds)
{
	char path[128], line[256];
	FILE *fp;
	size_t cap = 0;

	snprintf(path, sizeof(path), "%s/ports", ds->dir);
	fp = fopen(path, "re");
	if (fp == NULL)
		return -1;
	while (fgets(line, sizeof(line), fp)) {
		struct devsim_dev d;

		memset(&d, 0, sizeof(d));
		if (sscanf(line, "%15s %d %23s", d.name, &d.port, d.platform) != 3)
			continue;
		if (ds->ndevs == cap) {
			cap = cap ? cap * 2 : 64;
			ds->devs = xrealloc(ds->devs, cap * sizeof(*ds->devs));
		}
		ds->devs[ds->ndevs++] = d;
	}
	fclose(fp);
	return ds->ndevs > 0 ? 0 : -1;
}

struct devsim *
devsim_start(const char *const *extra, char *err, size_t errlen)
{
	struct devsim *ds = xcalloc(1, sizeof(*ds));
	const char *bindir = getenv("LOGHAUL_BIN");
	char bin[4096], logp[128], tail[1600];
	struct proc_opts o = { .truncate = 1, .deathsig = SIGTERM };
	size_t n = 0, i;
	const char **argv;

	snprintf(ds->dir, sizeof(ds->dir), "/tmp/loghaul-devsim-XXXXXX");
	if (mkdtemp(ds->dir) == NULL) {
		snprintf(err, errlen, "mkdtemp: %s", strerror(errno));
		free(ds);
		return NULL;
	}
	snprintf(bin, sizeof(bin), "%s/devsim", bindir && *bindir ? bindir : "build/bin");
	while (extra && extra[n])
		n++;
	argv = xcalloc(n + 4, sizeof(*argv));
	argv[0] = bin;
	argv[1] = "--out";
	argv[2] = ds->dir;
	for (i = 0; i < n; i++)
		argv[3 + i] = extra[i];

	/* devsim must not outlive a test that crashed or timed out */
	snprintf(logp, sizeof(logp), "%s/devsim.log", ds->dir);
	o.out = o.err = logp;
	if (proc_start(&ds->proc, (char *const *)(uintptr_t)argv, &o) != 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		free(argv);
		s_rmtree(ds->dir);
		free(ds);
		return NULL;
	}
	free(argv);

	/* devsim writes DIR/ready itself (it has no --ready-file) */
	snprintf(ds->proc.ready, sizeof(ds->proc.ready), "%s/ready", ds->dir);
	if (proc_wait_ready(&ds->proc, 20.0) != 0) {
		s_log_tail(ds, tail, sizeof(tail));
		if (ds->proc.pid == 0)
			snprintf(err, errlen, "devsim exited (status %d) before "
			    "ready: %s", WIFEXITED(ds->proc.status) ?
			    WEXITSTATUS(ds->proc.status) : -1, tail);
		else
			snprintf(err, errlen, "devsim not ready within 20 s: %s",
			    tail);
		devsim_stop(&ds);
		return NULL;
	}
	if (s_load_ports(ds) < 0) {
		snprintf(err, errlen, "devsim wrote no usable %s/ports", ds->dir);
		devsim_stop(&ds);
		return NULL;
	}
	return ds;
}

int
devsim_stop(struct devsim **dsp)
{
	struct devsim *ds = *dsp;
	int status, rc = -1;

	if (ds == NULL)
		return 0;
	if (ds->proc.pid > 0) {
		status = proc_stop(&ds->proc, SIGTERM, 10.0);
		rc = status >= 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	}
	if (getenv("LOGHAUL_KEEP_TMP") == NULL)
		s_rmtree(ds->dir);
	else
		fprintf(stderr, "devsim directory kept: %s\n", ds->dir);
	free(ds->devs);
	free(ds);
	*dsp = NULL;
	return rc;
}

const char *
devsim_dir(const struct devsim *ds)
{
	return ds->dir;
}

pid_t
devsim_pid(const struct devsim *ds)
{
	return ds->proc.pid;
}

size_t
devsim_count(const struct devsim *ds)
{
	return ds->ndevs;
}

static const struct devsim_dev *
s_dev(const struct devsim *ds, const char *dev)
{
	size_t i;

	for (i = 0; i < ds->ndevs; i++)
		if (strcmp(ds->devs[i].name, dev) == 0)
			return &ds->devs[i];
	return NULL;
}

int
devsim_port(const struct devsim *ds, const char *dev)
{
	const struct devsim_dev *d = s_dev(ds, dev);

	return d ? d->port : -1;
}

const char *
devsim_platform(const struct devsim *ds, const char *dev)
{
	const struct devsim_dev *d = s_dev(ds, dev);

	return d ? d->platform : NULL;
}

void
devsim_ctlf(struct devsim *ds, const char *fmt, ...)
{
	char reply[256], *cmd;
	va_list ap;

	cmd = xmalloc(65536);
	va_start(ap, fmt);
	vsnprintf(cmd, 65536, fmt, ap);
	va_end(ap);
	cr_assert_eq(devsim_control(ds, cmd, reply, sizeof reply), 0,
	    "devsim '%.200s': %s", cmd, reply);
	free(cmd);
}

int
devsim_control(struct devsim *ds, const char *cmd, char *reply, size_t len)
{
	struct sockaddr_un sa;
	struct timeval tv = { 10, 0 };
	struct buf b;
	char c;
	int fd, rc = -1;

	if (reply && len)
		reply[0] = '\0';
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/control", ds->dir);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	buf_init(&b, 0);
	buf_printf(&b, "%s\n", cmd);
	if (send(fd, b.data, b.len, MSG_NOSIGNAL) != (ssize_t)b.len)
		goto out;
	buf_reset(&b);
	while (read(fd, &c, 1) == 1 && c != '\n')
		buf_appendc(&b, c);
	if (b.len == 0)
		goto out;
	if (reply && len)
		snprintf(reply, len, "%s", b.data);
	rc = strncmp(b.data, "ok", 2) == 0 ? 0 : -1;
out:
	buf_free(&b);
	close(fd);
	return rc;
}

/* ---- journal ---- */

static void
s_put_utf8(struct buf *b, unsigned cp)
{
	if (cp < 0x80) {
		buf_appendc(b, (char)cp);
	} else if (cp < 0x800) {
		buf_appendc(b, (char)(0xc0 | (cp >> 6)));
		buf_appendc(b, (char)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		buf_appendc(b, (char)(0xe0 | (cp >> 12)));
		buf_appendc(b, (char)(0x80 | ((cp >> 6) & 0x3f)));
		buf_appendc(b, (char)(0x80 | (cp & 0x3f)));
	} else {
		buf_appendc(b, (char)(0xf0 | (cp >> 18)));
		buf_appendc(b, (char)(0x80 | ((cp >> 12) & 0x3f)));
		buf_appendc(b, (char)(0x80 | ((cp >> 6) & 0x3f)));
		buf_appendc(b, (char)(0x80 | (cp & 0x3f)));
	}
}

static int
s_hex4(const char *p, unsigned *out)
{
	unsigned v = 0;
	int i;

	for (i = 0; i < 4; i++) {
		char c = p[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

/* A JSON string at *p (after the opening quote) into b. */
static int
s_jstring(const char **pp, struct buf *b)
{
	const char *p = *pp;
	unsigned cp, lo;

	while (*p && *p != '"') {
		if (*p != '\\') {
			buf_appendc(b, *p++);
			continue;
		}
		p++;
		switch (*p) {
		case '"': case '\\': case '/': buf_appendc(b, *p); p++; break;
		case 'n': buf_appendc(b, '\n'); p++; break;
		case 'r': buf_appendc(b, '\r'); p++; break;
		case 't': buf_appendc(b, '\t'); p++; break;
		case 'b': buf_appendc(b, '\b'); p++; break;
		case 'f': buf_appendc(b, '\f'); p++; break;
		case 'u':
			if (s_hex4(p + 1, &cp) < 0)
				return -1;
			p += 5;
			if (cp < 0x100) {
				/* devsim's convention: one byte, valid UTF-8 or not */
				buf_appendc(b, (char)cp);
				break;
			}
			if (cp >= 0xd800 && cp < 0xdc00 && p[0] == '\\' && p[1] == 'u' &&
			    s_hex4(p + 2, &lo) == 0 && lo >= 0xdc00 && lo < 0xe000) {
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				p += 6;
			}
			s_put_utf8(b, cp);
			break;
		default:
			return -1;
		}
	}
	if (*p != '"')
		return -1;
	*pp = p + 1;
	return 0;
}

static void
s_skip_ws(const char **p)
{
	while (**p == ' ' || **p == '\t' || **p == '\r')
		(*p)++;
}

/* One journal object (flat: string, integer, true/false/null values). */
static int
s_jobject(const char *p, struct devsim_jentry *e)
{
	struct buf key, val;
	int rc = -1, have_kind = 0;

	buf_init(&key, 0);
	buf_init(&val, 0);
	memset(e, 0, sizeof(*e));
	s_skip_ws(&p);
	if (*p++ != '{')
		goto out;
	for (;;) {
		s_skip_ws(&p);
		if (*p == '}')
			break;
		if (*p++ != '"')
			goto out;
		buf_reset(&key);
		if (s_jstring(&p, &key) < 0)
			goto out;
		buf_appendc(&key, '\0');
		s_skip_ws(&p);
		if (*p++ != ':')
			goto out;
		s_skip_ws(&p);
		buf_reset(&val);
		if (*p == '"') {
			p++;
			if (s_jstring(&p, &val) < 0)
				goto out;
			if (!strcmp(key.data, "text")) {
				e->text = xmalloc(val.len + 1);
				memcpy(e->text, val.data ? val.data : "", val.len);
				e->text[val.len] = '\0';
				e->len = val.len;
			} else {
				buf_appendc(&val, '\0');
				if (!strcmp(key.data, "dev"))
					snprintf(e->dev, sizeof(e->dev), "%s", val.data);
				else if (!strcmp(key.data, "iface"))
					snprintf(e->iface, sizeof(e->iface), "%s", val.data);
				else if (!strcmp(key.data, "state"))
					snprintf(e->state, sizeof(e->state), "%s", val.data);
				else if (!strcmp(key.data, "kind")) {
					have_kind = 1;
					e->kind = !strcmp(val.data, "line") ? DEVSIM_J_LINE
					    : !strcmp(val.data, "flap") ? DEVSIM_J_FLAP
					    : !strcmp(val.data, "clear") ? DEVSIM_J_CLEAR
					    : !strcmp(val.data, "reload") ? DEVSIM_J_RELOAD : -1;
					if (e->kind < 0)
						goto out;
				}
			}
		} else {
			char *end;
			long long v;

			if (!strncmp(p, "true", 4) || !strncmp(p, "null", 4)) {
				p += 4;
			} else if (!strncmp(p, "false", 5)) {
				p += 5;
			} else {
				errno = 0;
				v = strtoll(p, &end, 10);
				if (end == p || errno)
					goto out;
				p = end;
				if (!strcmp(key.data, "t"))
					e->t = v;
				else if (!strcmp(key.data, "n"))
					e->n = (uint64_t)v;
			}
		}
		s_skip_ws(&p);
		if (*p == ',') {
			p++;
			continue;
		}
		if (*p != '}')
			goto out;
		break;
	}
	rc = have_kind && e->dev[0] ? 0 : -1;
out:
	if (rc < 0) {
		free(e->text);
		e->text = NULL;
	}
	buf_free(&key);
	buf_free(&val);
	return rc;
}

int
devsim_journal_load(const char *dir, const char *dev, struct devsim_journal *j,
    char *err, size_t errlen)
{
	char path[4096], *all, *line, *nl;
	size_t len, lineno = 0;

	memset(j, 0, sizeof(*j));
	snprintf(path, sizeof(path), "%s/journal.jsonl", dir);
	all = devsim_slurp(path, &len);
	if (all == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	for (line = all; line < all + len; line = nl + 1) {
		struct devsim_jentry e;

		nl = memchr(line, '\n', (size_t)(all + len - line));
		if (nl == NULL)
			break;	/* a line being written right now */
		*nl = '\0';
		lineno++;
		if (s_jobject(line, &e) < 0) {
			snprintf(err, errlen, "%s:%zu: not a journal object", path, lineno);
			free(all);
			devsim_journal_free(j);
			return -1;
		}
		if (dev && strcmp(e.dev, dev) != 0) {
			free(e.text);
			continue;
		}
		if (j->len == j->cap) {
			j->cap = j->cap ? j->cap * 2 : 256;
			j->v = xrealloc(j->v, j->cap * sizeof(*j->v));
		}
		j->v[j->len++] = e;
	}
	free(all);
	return 0;
}

void
devsim_journal_free(struct devsim_journal *j)
{
	size_t i;

	for (i = 0; i < j->len; i++)
		free(j->v[i].text);
	free(j->v);
	memset(j, 0, sizeof(*j));
}

int
devsim_whole_lines(const char *platform)
{
	return platform && (!strcmp(platform, "cisco_nxos") || !strcmp(platform, "arista_eos") ||
	    !strcmp(platform, "juniper_junos"));
}

char *
devsim_journal_view(const struct devsim_journal *j, const char *dev,
    size_t bsize, int whole_lines, size_t *lenp)
{
	size_t i, first = 0, total = 0, start;
	struct buf b;

	for (i = 0; i < j->len; i++)
		if (!strcmp(j->v[i].dev, dev) &&
		    (j->v[i].kind == DEVSIM_J_CLEAR || j->v[i].kind == DEVSIM_J_RELOAD))
			first = i + 1;
	buf_init(&b, 0);
	if (whole_lines) {
		/* the newest entries that fit, whole */
		start = j->len;
		for (i = j->len; i > first; i--) {
			const struct devsim_jentry *e = &j->v[i - 1];

			if (strcmp(e->dev, dev) || e->kind != DEVSIM_J_LINE)
				continue;
			if (total + e->len + 1 > bsize)
				break;
			total += e->len + 1;
			start = i - 1;
		}
		for (i = start; i < j->len; i++) {
			const struct devsim_jentry *e = &j->v[i];

			if (strcmp(e->dev, dev) || e->kind != DEVSIM_J_LINE)
				continue;
			buf_append(&b, e->text, e->len);
			buf_appendc(&b, '\n');
		}
	} else {
		for (i = first; i < j->len; i++) {
			const struct devsim_jentry *e = &j->v[i];

			if (strcmp(e->dev, dev) || e->kind != DEVSIM_J_LINE)
				continue;
			buf_appendc(&b, '\n');
			buf_append(&b, e->text, e->len);
		}
		if (b.len > bsize) {
			memmove(b.data, b.data + b.len - bsize, bsize);
			b.len = bsize;
		}
	}
	if (b.data == NULL)
		b.data = xstrdup("");
	else
		b.data[b.len] = '\0';
	*lenp = b.len;
	return b.data;
}

/* ---- running helpers ---- */

int
devsim_run(const char *const *argv, const char *const *env_extra,
    const char *out_path, const char *err_path, int timeout_s)
{
	struct proc_opts o = { .out = out_path, .err = err_path, .truncate = 1,
	    .env = env_extra, .session = 1 };
	struct proc p;
	int status;

	if (proc_start(&p, (char *const *)(uintptr_t)argv, &o) != 0)
		return -1;
	if ((status = proc_wait_exit(&p, timeout_s)) < 0) {
		proc_stop(&p, SIGKILL, 0);
		return -1;
	}
	return proc_exit_code(status);
}

int
devsim_netmiko(const struct devsim *ds, const char *dev,
    const char *const *extra, char **out, size_t *len)
{
	const char *argv[16];
	char script[512], outp[300], errp[300];
	const char *src = getenv("LOGHAUL_SRC");
	size_t n = 0;
	int rc;

	snprintf(script, sizeof(script), "%s/tests/integration/netmiko_show.py",
	    src ? src : ".");
	snprintf(outp, sizeof(outp), "%s/%s.out", devsim_dir(ds), dev);
	snprintf(errp, sizeof(errp), "%s/%s.err", devsim_dir(ds), dev);
	argv[n++] = "/usr/bin/python3";
	argv[n++] = script;
	argv[n++] = devsim_dir(ds);
	argv[n++] = dev;
	argv[n++] = "--out";
	argv[n++] = outp;
	while (extra && *extra && n < 15)
		argv[n++] = *extra++;
	argv[n] = NULL;
	rc = devsim_run(argv, NULL, NULL, errp, 90);
	*out = devsim_slurp(outp, len);
	if (*out == NULL)
		*out = devsim_slurp(errp, len);
	if (rc != 0) {
		char *e = devsim_slurp(errp, NULL);

		fprintf(stderr, "netmiko %s rc=%d: %s\n", dev, rc, e ? e : "");
		free(e);
	}
	return rc;
}
