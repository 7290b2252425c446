/* proc.c — start, wait for, read and stop a test's daemons (proc.h). */
#include <criterion/criterion.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/util.h"
#include "tests/support/proc.h"

#define PROC_MAX_ARGS	64

static void
s_msleep(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

char *
proc_bin(char *buf, size_t len, const char *name)
{
	const char *b = getenv("LOGHAUL_BIN");

	cr_assert_not_null(b, "LOGHAUL_BIN is not set");
	snprintf(buf, len, "%s/%s", b, name);
	return buf;
}

/* In the child: fd from path (NULL: /dev/null), appended or emptied. */
static void
s_redirect(int fd, const char *path, int truncate)
{
	int f;

	if (fd == STDIN_FILENO)
		f = open(path ? path : "/dev/null", O_RDONLY);
	else if (path)
		f = open(path, O_WRONLY | O_CREAT |
		    (truncate ? O_TRUNC : O_APPEND), 0644);
	else
		f = open("/dev/null", O_WRONLY);
	if (f >= 0 && f != fd) {
		dup2(f, fd);
		close(f);
	}
}

int
proc_start(struct proc *p, char *const argv[], const struct proc_opts *o)
{
	static const struct proc_opts none;
	char *args[PROC_MAX_ARGS + 3];
	size_t n = 0;

	if (o == NULL)
		o = &none;
	memset(p, 0, sizeof *p);
	p->session = o->session;
	snprintf(p->log, sizeof p->log, "%s", o->err ? o->err : "");
	snprintf(p->ready, sizeof p->ready, "%s", o->ready ? o->ready : "");
	for (; argv[n] && n < PROC_MAX_ARGS; n++)
		args[n] = argv[n];
	if (o->ready) {
		unlink(o->ready);
		args[n++] = (char *)(uintptr_t)"--ready-file";
		args[n++] = (char *)(uintptr_t)o->ready;
	}
	args[n] = NULL;
	p->pid = fork();
	if (p->pid < 0) {
		p->pid = 0;
		return -1;
	}
	if (p->pid == 0) {
		if (o->session)
			setsid();
		prctl(PR_SET_PDEATHSIG, o->deathsig ? o->deathsig : SIGKILL);
		s_redirect(STDIN_FILENO, o->in, 0);
		s_redirect(STDOUT_FILENO, o->out, o->truncate);
		/* one file for both: one open file description, one offset */
		if (o->out && o->err && strcmp(o->out, o->err) == 0)
			dup2(STDOUT_FILENO, STDERR_FILENO);
		else
			s_redirect(STDERR_FILENO, o->err, o->truncate);
		if (o->cwd && chdir(o->cwd) != 0)
			_exit(127);
		for (size_t i = 0; o->env && o->env[i]; i++)
			putenv((char *)(uintptr_t)o->env[i]);
		execvp(args[0], args);
		fprintf(stderr, "exec %s: %s\n", args[0], strerror(errno));
		_exit(127);
	}
	return 0;
}

int
proc_spawn_io(struct proc *p, char *const argv[], const char *out,
    const char *errp, const char *ready, const char *cwd)
{
	struct proc_opts o = { .out = out, .err = errp, .ready = ready,
	    .cwd = cwd };

	return proc_start(p, argv, &o);
}

int
proc_spawn(struct proc *p, char *const argv[], const char *log,
    const char *ready, const char *cwd)
{
	return proc_spawn_io(p, argv, log, log, ready, cwd);
}

int
proc_alive(struct proc *p)
{
	if (p->pid <= 0)
		return 0;
	if (waitpid(p->pid, &p->status, WNOHANG) == p->pid) {
		p->pid = 0;
		return 0;
	}
	return 1;
}

int
proc_wait_ready(struct proc *p, double timeout_s)
{
	double deadline = util_monotime() + timeout_s;

	while (util_monotime() < deadline) {
		if (p->ready[0] && access(p->ready, F_OK) == 0)
			return 0;
		if (!proc_alive(p))
			return -1;
		s_msleep(20);
	}
	return -1;
}

int
proc_ready_value(const struct proc *p, const char *name)
{
	FILE *f = fopen(p->ready, "r");
	char line[256];
	size_t nl = strlen(name);
	int v = -1;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof line, f))
		if (strncmp(line, name, nl) == 0 && line[nl] == '=')
			v = (int)strtol(line + nl + 1, NULL, 10);
	fclose(f);
	return v;
}

int
proc_wait_exit(struct proc *p, double timeout_s)
{
	double deadline = util_monotime() + timeout_s;

	if (p->pid <= 0)
		return -1;
	for (;;) {
		pid_t w = waitpid(p->pid, &p->status, WNOHANG);

		if (w == p->pid) {
			p->pid = 0;
			return p->status;
		}
		if ((w < 0 && errno != EINTR) || util_monotime() > deadline)
			return -1;
		s_msleep(20);
	}
}

int
proc_exit_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : -1;
}

/* sig to the process, and to its group when it leads a session. */
static void
s_kill(const struct proc *p, int sig)
{
	if (p->session)
		kill(-p->pid, sig);
	kill(p->pid, sig);
}

int
proc_stop(struct proc *p, int sig, double grace_s)
{
	double deadline = util_monotime() + grace_s;

	if (p->pid <= 0)
		return -1;
	s_kill(p, sig);
	while (util_monotime() < deadline) {
		pid_t w = waitpid(p->pid, &p->status, WNOHANG);

		if (w == p->pid || (w < 0 && errno != EINTR)) {
			p->pid = 0;
			return w < 0 ? -1 : p->status;
		}
		s_msleep(20);
	}
	s_kill(p, SIGKILL);
	waitpid(p->pid, &p->status, 0);
	p->pid = 0;
	return p->status;
}

static size_t
s_body(char *d, size_t size, size_t n, void *arg)
{
	return buf_append(arg, d, size * n) == CERR_OK ? size * n : 0;
}

char *
proc_metrics(int port)
{
	CURL *h = curl_easy_init();
	struct buf b;
	char url[64], *text = NULL;

	if (h == NULL)
		return NULL;
	buf_init(&b, 64u << 20);
	snprintf(url, sizeof url, "http://127.0.0.1:%d/metrics", port);
	curl_easy_setopt(h, CURLOPT_URL, url);
	/* loopback only: an http_proxy in the environment must not apply */
	curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, s_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 5L);
	if (curl_easy_perform(h) == CURLE_OK && buf_appendc(&b, '\0') ==
	    CERR_OK)
		text = xstrdup(b.data);
	buf_free(&b);
	curl_easy_cleanup(h);
	return text;
}

int
proc_metric(int port, const char *series, double *out)
{
	char *text = proc_metrics(port);
	size_t sl = strlen(series);
	int rc = -1;

	for (const char *l = text; l && *l; l = strchr(l, '\n'),
	    l = l ? l + 1 : NULL) {
		if (strncmp(l, series, sl) == 0 && l[sl] == ' ') {
			*out = strtod(l + sl + 1, NULL);
			rc = 0;
			break;
		}
	}
	free(text);
	return rc;
}
