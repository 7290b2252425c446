/* net.h — small TCP helpers for tests that start servers on 127.0.0.1. */
#ifndef LOGHAUL_TEST_NET_H
#define LOGHAUL_TEST_NET_H

/* A port on 127.0.0.1 nothing listens on right now (bound, read, closed). */
int net_free_port(void);
/* 1 when something accepts TCP connections on 127.0.0.1:port. */
int net_can_connect(int port);

#endif
