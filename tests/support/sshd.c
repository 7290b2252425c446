/* sshd.c — see sshd.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/util.h"
#include "tests/support/sshd.h"

/*
 * sshd runs in inetd mode (sshd -i), one process per connection, on
 * listening sockets this harness binds on port 0 and keeps: the ports are
 * ours from the start, so no other process can take one in between (the
 * race of picking a free port and handing it to sshd). An acceptor thread
 * starts each connection's sshd with the socket as its stdin and stdout;
 * Match LocalPort still tells the ports apart.
 */
#define SSHD_MAX_KIDS	256

struct sshd {
	char      dir[512];
	size_t    n;
	int       port[SSHD_MAX_PORTS];
	int       lfd[SSHD_MAX_PORTS];
	int       wake[2];		/* the acceptor stops when this is readable */
	pthread_t thr;
	int       started;
	pid_t     kids[SSHD_MAX_KIDS];	/* one sshd -i per connection */
	size_t    nkids;
	char      conf[600], log[600];
	char      client[600];
};

static void
s_msleep(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static int
s_sh(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	return system(cmd) == 0 ? 0 : -1;
}

/* A listening socket on 127.0.0.1, any port; the port in *port. */
static int
s_listen(int *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t al = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
	    listen(fd, 64) != 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &al) != 0) {
		close(fd);
		return -1;
	}
	*port = ntohs(a.sin_port);
	return fd;
}

/* Forget the connections' sshd processes that ended. */
static void
s_reap(struct sshd *sd)
{
	for (size_t i = 0; i < sd->nkids; ) {
		if (waitpid(sd->kids[i], NULL, WNOHANG) == sd->kids[i])
			sd->kids[i] = sd->kids[--sd->nkids];
		else
			i++;
	}
}

/* One connection: sshd -i on it (only async-signal-safe calls in the child). */
static void
s_serve(struct sshd *sd, int c)
{
	pid_t pid;

	if (sd->nkids == SSHD_MAX_KIDS || (pid = fork()) < 0) {
		close(c);
		return;
	}
	if (pid == 0) {
		int fd = open(sd->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
		    0600);

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		dup2(c, 0);
		dup2(c, 1);
		if (fd >= 0)
			dup2(fd, 2);
		execl("/usr/sbin/sshd", "/usr/sbin/sshd", "-i", "-e", "-f",
		    sd->conf, (char *)NULL);
		_exit(127);
	}
	sd->kids[sd->nkids++] = pid;
	close(c);
}

static void *
s_acceptor(void *arg)
{
	struct sshd *sd = arg;
	struct pollfd pf[SSHD_MAX_PORTS + 1];

	for (;;) {
		for (size_t i = 0; i < sd->n; i++)
			pf[i] = (struct pollfd){ .fd = sd->lfd[i], .events = POLLIN };
		pf[sd->n] = (struct pollfd){ .fd = sd->wake[0], .events = POLLIN };
		if (poll(pf, sd->n + 1, 200) < 0 && errno != EINTR)
			break;
		s_reap(sd);
		if (pf[sd->n].revents)
			break;
		for (size_t i = 0; i < sd->n; i++) {
			int c;

			if (!(pf[i].revents & POLLIN))
				continue;
			if ((c = accept4(sd->lfd[i], NULL, NULL, SOCK_CLOEXEC)) >= 0)
				s_serve(sd, c);
		}
	}
	return NULL;
}

static int
s_write_config(const struct sshd *sd, const char *const *cmds)
{
	char path[600];
	FILE *f;

	snprintf(path, sizeof path, "%s/sshd_config", sd->dir);
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	fprintf(f, "HostKey %s/host_ed25519\n"
	    "PidFile %s/sshd.pid\nAuthorizedKeysFile %s/authorized_keys\n"
	    "StrictModes no\nUsePAM no\nPasswordAuthentication no\n"
	    "KbdInteractiveAuthentication no\nPubkeyAuthentication yes\n"
	    "AuthenticationMethods publickey\nPermitRootLogin yes\n"
	    "PermitTTY yes\nLogLevel ERROR\nMaxStartups 50\n"
	    "ForceCommand %s\n", sd->dir, sd->dir, sd->dir, cmds[0]);
	/* Match blocks last: each port its own command. */
	for (size_t i = 1; i < sd->n; i++)
		fprintf(f, "Match LocalPort %d\n    ForceCommand %s\n", sd->port[i],
		    cmds[i]);
	return fclose(f);
}

struct sshd *
sshd_start(const char *dir, const char *const *cmds, size_t n, char *err,
    size_t errlen)
{
	struct sshd *sd;
	char conf[600], logp[600];

	if (n == 0 || n > SSHD_MAX_PORTS) {
		snprintf(err, errlen, "sshd: %zu ports", n);
		return NULL;
	}
	sd = xcalloc(1, sizeof *sd);
	sd->n = n;
	snprintf(sd->dir, sizeof sd->dir, "%s/sshd", dir);
	snprintf(sd->client, sizeof sd->client, "%s/client", sd->dir);
	snprintf(conf, sizeof conf, "%s/sshd_config", sd->dir);
	snprintf(logp, sizeof logp, "%s/sshd.log", sd->dir);
	if (mkdir(sd->dir, 0700) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "mkdir %s: %s", sd->dir, strerror(errno));
		free(sd);
		return NULL;
	}
	if (s_sh("ssh-keygen -q -t ed25519 -N '' -C host -f %s/host_ed25519",
	    sd->dir) != 0 || s_sh("ssh-keygen -q -t ed25519 -N '' -C client "
	    "-f %s", sd->client) != 0 || s_sh("cp %s.pub %s/authorized_keys",
	    sd->client, sd->dir) != 0) {
		snprintf(err, errlen, "ssh-keygen in %s failed", sd->dir);
		free(sd);
		return NULL;
	}
	mkdir("/run/sshd", 0755);
	snprintf(sd->conf, sizeof sd->conf, "%s", conf);
	snprintf(sd->log, sizeof sd->log, "%s", logp);
	sd->wake[0] = sd->wake[1] = -1;
	for (size_t i = 0; i < n; i++) {
		if ((sd->lfd[i] = s_listen(&sd->port[i])) < 0) {
			snprintf(err, errlen, "listen on 127.0.0.1: %s",
			    strerror(errno));
			sd->n = i;
			sshd_stop(&sd);
			return NULL;
		}
	}
	if (s_write_config(sd, cmds) != 0) {
		snprintf(err, errlen, "cannot write %s", conf);
		sshd_stop(&sd);
		return NULL;
	}
	/* sshd -t: a config sshd refuses fails here, not at the first login. */
	if (s_sh("/usr/sbin/sshd -t -f %s >> %s 2>&1", conf, logp) != 0) {
		FILE *f = fopen(logp, "r");
		size_t k = (size_t)snprintf(err, errlen, "sshd refuses %s: ", conf);

		if (f != NULL && k < errlen) {
			k += fread(err + k, 1, errlen - k - 1, f);
			err[k] = '\0';
		}
		if (f != NULL)
			fclose(f);
		sshd_stop(&sd);
		return NULL;
	}
	if (pipe2(sd->wake, O_CLOEXEC) != 0 ||
	    pthread_create(&sd->thr, NULL, s_acceptor, sd) != 0) {
		snprintf(err, errlen, "cannot start the acceptor: %s",
		    strerror(errno));
		sshd_stop(&sd);
		return NULL;
	}
	sd->started = 1;
	return sd;
}

void
sshd_stop(struct sshd **sdp)
{
	struct sshd *sd = sdp ? *sdp : NULL;
	double end = util_monotime() + 10;

	if (sd == NULL)
		return;
	if (sd->started) {
		if (write(sd->wake[1], "x", 1) != 1)
			fprintf(stderr, "sshd_stop: cannot wake the acceptor\n");
		pthread_join(sd->thr, NULL);
	}
	for (size_t i = 0; i < sd->n; i++)
		close(sd->lfd[i]);
	for (size_t i = 0; i < sd->nkids; i++)
		kill(sd->kids[i], SIGTERM);
	while (sd->nkids > 0 && util_monotime() < end) {
		s_reap(sd);
		s_msleep(10);
	}
	for (size_t i = 0; i < sd->nkids; i++) {
		kill(sd->kids[i], SIGKILL);
		waitpid(sd->kids[i], NULL, 0);
	}
	if (sd->wake[0] >= 0) {
		close(sd->wake[0]);
		close(sd->wake[1]);
	}
	free(sd);
	*sdp = NULL;
}

int
sshd_port(const struct sshd *sd, size_t i)
{
	return i < sd->n ? sd->port[i] : -1;
}

const char *
sshd_client_key(const struct sshd *sd)
{
	return sd->client;
}

int
sshd_known_hosts(const struct sshd *sd, const char *path)
{
	for (size_t i = 0; i < sd->n; i++)
		if (s_sh("printf '[127.0.0.1]:%d ' >> '%s' && cat %s/host_ed25519.pub "
		    ">> '%s'", sd->port[i], path, sd->dir, path) != 0)
			return -1;
	return 0;
}

void
sshd_host_entry(const struct sshd *sd, size_t i, const char *name,
    const char *extra, FILE *f)
{
	const struct passwd *pw = getpwuid(getuid());

	fprintf(f, "%s:\n  hostname: 127.0.0.1\n  port: %d\n  username: %s\n"
	    "  platform: cisco_ios\n  data:\n    loghaul: {key_file: %s%s%s}\n",
	    name, sshd_port(sd, i), pw ? pw->pw_name : "root", sd->client,
	    extra ? ", " : "", extra ? extra : "");
}
