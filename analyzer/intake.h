/*
 * intake.h — one analyzer worker: batches in from every collector, rules
 * run on each line, events out to the alert stage, acks back.
 *
 * Sockets (common/wire.h): one PULL connected to each collector's data
 * endpoint and one PUSH to that collector's ack endpoint, so an ack goes
 * to the process that sent the batch; one DEALER to the alert stage.
 *
 * A batch with no event is acked to its collector at once. A batch with
 * events is acked when the alert stage acks its EVENTS message. The
 * analyzer keeps no state worth saving: if it dies, or the alert stage
 * never answers, the collector sends the batch again after its timeout.
 */
#ifndef LOGHAUL_INTAKE_H
#define LOGHAUL_INTAKE_H

#include <signal.h>

struct conf;
struct rules;

extern volatile sig_atomic_t intake_quit;
extern volatile sig_atomic_t intake_reconfig;

/*
 * Run a worker until intake_quit. conf and rules are borrowed; on SIGHUP
 * the worker re-reads conf->path's rules and swaps them in only if all of
 * them compile. worker numbers the metrics listener (port + worker).
 * Returns the exit status.
 */
int intake_run(const struct conf *conf, struct rules **rules, int worker);

#endif
