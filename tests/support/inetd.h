/*
 * inetd.h — serve loopback ports for a test by running a program per
 * connection with the socket as its stdin and stdout, the way inetd (or a
 * systemd socket with Accept=yes) runs `sshd -i`. The ports are sockets
 * bound on port 0 and kept by the test process, so no other process can
 * take one between choosing it and serving it.
 *
 *   char *const argv[] = { "/usr/sbin/sshd", "-i", "-e", "-f", conf, NULL };
 *   struct inetd *d = inetd_start(2, argv, log, err, sizeof err);
 *   ... inetd_port(d, 0) ... (write the config: read per connection)
 *   inetd_stop(&d);
 */
#ifndef LOGHAUL_TEST_INETD_H
#define LOGHAUL_TEST_INETD_H

#include <stddef.h>

#define INETD_MAX_PORTS	8

struct inetd;

/*
 * Listen on n ports of 127.0.0.1 and serve each connection with argv
 * (copied; argv[0] a path), stderr appended to log. Every port accepts on
 * return. NULL with err set. Each server gets PR_SET_PDEATHSIG.
 */
struct inetd *inetd_start(size_t n, char *const argv[], const char *log,
    char *err, size_t errlen);
int           inetd_port(const struct inetd *d, size_t i);
/* Stop accepting; SIGTERM the servers still running, then SIGKILL. */
void          inetd_stop(struct inetd **d);

#endif
