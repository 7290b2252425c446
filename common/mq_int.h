/*
 * mq_int.h — what mq.c, mq_curve.c and mq_zap.c share; not for callers.
 */
#ifndef LOGHAUL_MQ_INT_H
#define LOGHAUL_MQ_INT_H

#include <stddef.h>

/*
 * Register a socket with the ZAP thread: attaches a monitor so handshake
 * failures are counted; a CURVE server (curve 1) is also counted, so the
 * handler is not stopped under it. -1 with err when the handler is not
 * running.
 */
int  mq_zap_watch(void *sock, int curve, char *err, size_t errlen);
/* The socket is about to close: stop its monitor, uncount it. */
void mq_zap_unwatch(void *sock);
/* Forget ZAP state inherited across fork() (the thread did not come along). */
void mq_zap_forget(void);

#endif
