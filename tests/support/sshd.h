/*
 * sshd.h — OpenSSH's sshd on loopback ports for tests, each port with its
 * own ForceCommand, so that a test can serve whatever bytes it likes as a
 * "device" over a real SSH server that is not libssh.
 *
 *   const char *cmds[] = { "/usr/bin/python3 /x/shell.py buffer /y", ... };
 *   struct sshd *sd = sshd_start(dir, cmds, 2, err, sizeof err);
 *   sshd_port(sd, 0) ...
 *   sshd_known_hosts(sd, "dir/known_hosts")      append its host key lines
 *   sshd_host_entry(sd, i, "name", NULL, f)      a hosts.yaml entry
 *   sshd_stop(&sd);
 *
 * Public-key authentication only (a client key made in dir/sshd/client), as
 * the user running the test. The ports are sockets this harness binds on
 * port 0 and keeps; each connection gets its own `sshd -i` (inetd mode),
 * with PR_SET_PDEATHSIG, stopped by pid at sshd_stop.
 */
#ifndef LOGHAUL_TEST_SSHD_H
#define LOGHAUL_TEST_SSHD_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#define SSHD_MAX_PORTS 8

struct sshd;

/*
 * Keys and config in dir/sshd (created); port i runs cmds[i]
 * (n <= SSHD_MAX_PORTS). Every port accepts on return. NULL with a reason
 * (and sshd's log) in err.
 */
struct sshd *sshd_start(const char *dir, const char *const *cmds, size_t n,
    char *err, size_t errlen);
/* SIGTERM, wait (bounded, then SIGKILL); NULL-safe, sets *sd NULL. */
void         sshd_stop(struct sshd **sd);
int          sshd_port(const struct sshd *sd, size_t i);
/* The client's private key file (absolute path). */
const char  *sshd_client_key(const struct sshd *sd);
/* Append "[127.0.0.1]:PORT <host key>" for every port to path; 0 or -1. */
int          sshd_known_hosts(const struct sshd *sd, const char *path);
/*
 * Write a hosts.yaml entry for port i as device name (cisco_ios, the user
 * running the test, the client key); extra (may be NULL) is added to its
 * data.loghaul map ("interval: 5s").
 */
void         sshd_host_entry(const struct sshd *sd, size_t i, const char *name,
    const char *extra, FILE *f);

#endif
