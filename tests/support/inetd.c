/* inetd.c — serve loopback ports with a program per connection (inetd.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/util.h"
#include "tests/support/inetd.h"

#define INETD_MAX_KIDS	256
#define INETD_MAX_ARGS	16

struct inetd {
	size_t    n;
	int       port[INETD_MAX_PORTS];
	int       lfd[INETD_MAX_PORTS];
	int       wake[2];		/* the acceptor stops when this is readable */
	pthread_t thr;
	int       started;
	pid_t     kids[INETD_MAX_KIDS];	/* one server per connection */
	size_t    nkids;
	char     *argv[INETD_MAX_ARGS + 1];
	char      log[600];
};

static void
s_msleep(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
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

/* Forget the servers that ended. */
static void
s_reap(struct inetd *sd)
{
	for (size_t i = 0; i < sd->nkids; ) {
		if (waitpid(sd->kids[i], NULL, WNOHANG) == sd->kids[i])
			sd->kids[i] = sd->kids[--sd->nkids];
		else
			i++;
	}
}

/* One connection: its server (only async-signal-safe calls in the child). */
static void
s_serve(struct inetd *sd, int c)
{
	pid_t pid;

	if (sd->nkids == INETD_MAX_KIDS || (pid = fork()) < 0) {
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
		execv(sd->argv[0], sd->argv);
		_exit(127);
	}
	sd->kids[sd->nkids++] = pid;
	close(c);
}

static void *
s_acceptor(void *arg)
{
	struct inetd *sd = arg;
	struct pollfd pf[INETD_MAX_PORTS + 1];

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

struct inetd *
inetd_start(size_t n, char *const argv[], const char *log, char *err,
    size_t errlen)
{
	struct inetd *sd;

	if (n == 0 || n > INETD_MAX_PORTS) {
		snprintf(err, errlen, "inetd: %zu ports", n);
		return NULL;
	}
	sd = xcalloc(1, sizeof *sd);
	sd->wake[0] = sd->wake[1] = -1;
	snprintf(sd->log, sizeof sd->log, "%s", log);
	for (size_t i = 0; argv[i] && i < INETD_MAX_ARGS; i++)
		sd->argv[i] = xstrdup(argv[i]);
	for (size_t i = 0; i < n; i++, sd->n++) {
		if ((sd->lfd[i] = s_listen(&sd->port[i])) < 0) {
			snprintf(err, errlen, "listen on 127.0.0.1: %s",
			    strerror(errno));
			inetd_stop(&sd);
			return NULL;
		}
	}
	if (pipe2(sd->wake, O_CLOEXEC) != 0 ||
	    pthread_create(&sd->thr, NULL, s_acceptor, sd) != 0) {
		snprintf(err, errlen, "cannot start the acceptor: %s",
		    strerror(errno));
		inetd_stop(&sd);
		return NULL;
	}
	sd->started = 1;
	return sd;
}

int
inetd_port(const struct inetd *d, size_t i)
{
	return i < d->n ? d->port[i] : -1;
}

void
inetd_stop(struct inetd **dp)
{
	struct inetd *sd = dp ? *dp : NULL;
	double end = util_monotime() + 10;

	if (sd == NULL)
		return;
	if (sd->started) {
		if (write(sd->wake[1], "x", 1) != 1)
			fprintf(stderr, "inetd_stop: cannot wake the acceptor\n");
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
	for (size_t i = 0; sd->argv[i]; i++)
		free(sd->argv[i]);
	free(sd);
	*dp = NULL;
}
