/* net.h — small TCP helpers for tests that start servers on 127.0.0.1. */
#ifndef LOGHAUL_TEST_NET_H
#define LOGHAUL_TEST_NET_H

/*
 * A port on 127.0.0.1 nothing listens on right now (bound, read, closed).
 * Racy: another process may take it before the one it is handed to binds
 * it. Prefer port 0 and --ready-file (proc.h), inetd.h for servers that
 * cannot report their port, or net_refused_port() for a refused port.
 */
int net_free_port(void);
/*
 * A port on 127.0.0.1 that refuses connections for as long as *fd is open:
 * bound, never listening, so nothing else can take it meanwhile. The
 * caller closes *fd. -1 on failure.
 */
int net_refused_port(int *fd);
/* 1 when something accepts TCP connections on 127.0.0.1:port. */
int net_can_connect(int port);

#endif
