/*
 * net.h — small TCP helpers for tests that start servers on 127.0.0.1.
 * There is no "free port" helper: a port released to be handed on can be
 * taken meanwhile. Servers bind port 0 and report it (proc.h,
 * --ready-file), or are served by inetd.h.
 */
#ifndef LOGHAUL_TEST_NET_H
#define LOGHAUL_TEST_NET_H

/*
 * A port on 127.0.0.1 that refuses connections for as long as *fd is open:
 * bound, never listening, so nothing else can take it meanwhile. The
 * caller closes *fd. -1 on failure.
 */
int net_refused_port(int *fd);
/* 1 when something accepts TCP connections on 127.0.0.1:port. */
int net_can_connect(int port);

#endif
