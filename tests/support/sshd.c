/* sshd.c — see sshd.h. */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/util.h"
#include "tests/support/inetd.h"
#include "tests/support/sshd.h"

/*
 * sshd runs in inetd mode (sshd -i), one process per connection, on ports
 * the test process binds and keeps (tests/support/inetd.h): sshd cannot
 * bind port 0 and say which port it got. Match LocalPort still tells the
 * ports apart.
 */
struct sshd {
	char          dir[512];
	size_t        n;
	struct inetd *srv;
	char          client[600];
};

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
		fprintf(f, "Match LocalPort %d\n    ForceCommand %s\n",
		    sshd_port(sd, i), cmds[i]);
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
	{
		char *const argv[] = { (char *)(uintptr_t)"/usr/sbin/sshd",
		    (char *)(uintptr_t)"-i", (char *)(uintptr_t)"-e",
		    (char *)(uintptr_t)"-f", conf, NULL };

		if ((sd->srv = inetd_start(n, argv, logp, err, errlen)) == NULL) {
			free(sd);
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
	return sd;
}

void
sshd_stop(struct sshd **sdp)
{
	struct sshd *sd = sdp ? *sdp : NULL;

	if (sd == NULL)
		return;
	inetd_stop(&sd->srv);
	free(sd);
	*sdp = NULL;
}

int
sshd_port(const struct sshd *sd, size_t i)
{
	return i < sd->n ? inetd_port(sd->srv, i) : -1;
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
		    ">> '%s'", sshd_port(sd, i), path, sd->dir, path) != 0)
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
