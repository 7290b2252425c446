/*
 * A daemon that cannot do what its configuration says refuses to start
 * with the reason, so that systemd shows it failed and nobody scrapes
 * another process's port believing it is loghaul's. Here the metrics port
 * is held by the test itself (a listening socket on 127.0.0.1, bound to
 * port 0 and kept open, so no other process can take it in between), and
 * each daemon, alone and supervised, must exit non-zero naming the cause.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/supervise.h"
#include "common/util.h"
#include "tests/support/collector_harness.h"
#include "tests/support/devsim_harness.h"

/* A listening socket on 127.0.0.1:0; its port in *port. */
static int
s_hold_port(int *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t al = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	cr_assert_geq(fd, 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	cr_assert_eq(listen(fd, 4), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&a, &al), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

struct held {
	struct devsim *ds;
	char *cfg;
	int fd, port;
};

/* devsim's inventory, and a configuration whose metrics port is taken. */
static void
s_setup(struct held *h, int processes)
{
	const char *args[] = { "--devices", "2", "--rate", "0", "--prefill", "2",
	    NULL };
	char err[512];
	FILE *f;

	memset(h, 0, sizeof *h);
	h->ds = devsim_start(args, err, sizeof err);
	cr_assert_not_null(h->ds, "%s", err);
	h->fd = s_hold_port(&h->port);
	{
		struct ch_conf o = { .processes = processes };

		h->cfg = ch_config(devsim_dir(h->ds), "loghaul.yaml", &o);
	}
	cr_assert_not_null(h->cfg);
	cr_assert_not_null(f = fopen(h->cfg, "a"));
	fprintf(f, "metrics: {listen: 127.0.0.1:%d}\n", h->port);
	cr_assert_eq(fclose(f), 0);
}

static void
s_teardown(struct held *h)
{
	close(h->fd);
	free(h->cfg);
	devsim_stop(&h->ds);
}

/* Run prog with args; its exit status within 30 s, and its log. */
static int
s_run(struct held *h, const char *prog, const char *const *args, char **log)
{
	pid_t pid;

	*log = xasprintf("%s/%s.log", devsim_dir(h->ds), prog);
	pid = ch_spawn(prog, args, devsim_dir(h->ds), NULL, *log);
	cr_assert_gt(pid, 0);
	return ch_wait(pid, 30);
}

static void
s_expect_refused(struct held *h, const char *prog, const char *const *args,
    int want_status)
{
	char *log;
	int st = s_run(h, prog, args, &log);

	cr_expect_eq(st, want_status, "%s: exit status %d, want %d", prog, st,
	    want_status);
	cr_expect_gt(ch_count_in(log, "Address already in use"), 0,
	    "%s: the log does not name the cause", prog);
	free(log);
}

Test(daemon_start, collector_refuses_taken_metrics_port, .timeout = 60)
{
	struct held h;
	const char *args[] = { "--config", NULL, NULL };

	s_setup(&h, 1);
	args[1] = h.cfg;
	s_expect_refused(&h, "loghaul-collector", args, SUPERVISE_EXIT_REFUSED);
	s_teardown(&h);
}

/* Supervised workers: no restart loop, the supervisor stops too. */
Test(daemon_start, collector_processes_refuse_together, .timeout = 60)
{
	struct held h;
	const char *args[] = { "--config", NULL, NULL };
	char *log;

	s_setup(&h, 2);
	args[1] = h.cfg;
	cr_expect_eq(s_run(&h, "loghaul-collector", args, &log), 1);
	cr_expect_gt(ch_count_in(log, "refused to start"), 0);
	cr_expect_eq(ch_count_in(log, "restart in"), 0, "a refused worker was "
	    "restarted");
	free(log);
	s_teardown(&h);
}

Test(daemon_start, analyzer_refuses_taken_metrics_port, .timeout = 60)
{
	struct held h;
	const char *args[] = { "--config", NULL, NULL };

	s_setup(&h, 1);
	args[1] = h.cfg;
	s_expect_refused(&h, "loghaul-analyzer", args, SUPERVISE_EXIT_REFUSED);
	s_teardown(&h);
}

Test(daemon_start, analyzer_workers_refuse_together, .timeout = 60)
{
	struct held h;
	const char *args[] = { "--config", NULL, "--workers", "2", NULL };

	s_setup(&h, 1);
	args[1] = h.cfg;
	s_expect_refused(&h, "loghaul-analyzer", args, 1);
	s_teardown(&h);
}

Test(daemon_start, alerts_refuses_taken_metrics_port, .timeout = 60)
{
	struct held h;
	const char *args[] = { "--config", NULL, NULL };

	s_setup(&h, 1);
	args[1] = h.cfg;
	s_expect_refused(&h, "loghaul-alerts", args, 1);
	s_teardown(&h);
}
