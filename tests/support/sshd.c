/* sshd.c — see sshd.h. */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/util.h"
#include "tests/support/net.h"
#include "tests/support/sshd.h"

struct sshd {
	char   dir[512];
	size_t n;
	int    port[SSHD_MAX_PORTS];
	pid_t  pid;
	char   client[600];
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

static int
s_all_listen(const struct sshd *sd)
{
	for (size_t i = 0; i < sd->n; i++)
		if (!net_can_connect(sd->port[i]))
			return 0;
	return 1;
}

static int
s_write_config(const struct sshd *sd, const char *const *cmds)
{
	char path[600];
	FILE *f;

	snprintf(path, sizeof path, "%s/sshd_config", sd->dir);
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	for (size_t i = 0; i < sd->n; i++)
		fprintf(f, "Port %d\n", sd->port[i]);
	fprintf(f, "ListenAddress 127.0.0.1\nHostKey %s/host_ed25519\n"
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
	sd->pid = -1;
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
	for (int attempt = 0; attempt < 5 && sd->pid < 0; attempt++) {
		double end;

		for (size_t i = 0; i < n; i++) {
			int dup;

			do {
				sd->port[i] = net_free_port();
				dup = 0;
				for (size_t k = 0; k < i; k++)
					dup |= sd->port[k] == sd->port[i];
			} while (dup);
		}
		if (s_write_config(sd, cmds) != 0) {
			snprintf(err, errlen, "cannot write %s", conf);
			free(sd);
			return NULL;
		}
		if ((sd->pid = fork()) < 0) {
			snprintf(err, errlen, "fork: %s", strerror(errno));
			free(sd);
			return NULL;
		}
		if (sd->pid == 0) {
			int fd = open(logp, O_WRONLY | O_CREAT | O_APPEND, 0600);

			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (fd >= 0) {
				dup2(fd, 1);
				dup2(fd, 2);
			}
			execl("/usr/sbin/sshd", "/usr/sbin/sshd", "-D", "-e", "-f",
			    conf, (char *)NULL);
			_exit(127);
		}
		end = util_monotime() + 10;
		while (util_monotime() < end && !s_all_listen(sd)) {
			if (waitpid(sd->pid, NULL, WNOHANG) == sd->pid) {
				sd->pid = -1;
				break;
			}
			s_msleep(10);
		}
		if (sd->pid > 0 && !s_all_listen(sd)) {
			kill(sd->pid, SIGKILL);
			waitpid(sd->pid, NULL, 0);
			sd->pid = -1;
		}
	}
	if (sd->pid < 0) {
		FILE *f = fopen(logp, "r");
		size_t k = 0;

		k = (size_t)snprintf(err, errlen, "sshd did not start: ");
		if (f != NULL && k < errlen) {
			k += fread(err + k, 1, errlen - k - 1, f);
			err[k] = '\0';
		}
		if (f != NULL)
			fclose(f);
		free(sd);
		return NULL;
	}
	return sd;
}

void
sshd_stop(struct sshd **sdp)
{
	struct sshd *sd = sdp ? *sdp : NULL;

	if (sd == NULL)
		return;
	if (sd->pid > 0) {
		double end = util_monotime() + 10;

		kill(sd->pid, SIGTERM);
		while (waitpid(sd->pid, NULL, WNOHANG) != sd->pid) {
			if (util_monotime() > end) {
				kill(sd->pid, SIGKILL);
				waitpid(sd->pid, NULL, 0);
				break;
			}
			s_msleep(10);
		}
	}
	free(sd);
	*sdp = NULL;
}

int
sshd_port(const struct sshd *sd, size_t i)
{
	return i < sd->n ? sd->port[i] : -1;
}

pid_t
sshd_pid(const struct sshd *sd)
{
	return sd->pid;
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
