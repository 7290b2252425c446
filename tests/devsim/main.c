/*
 * devsim — a simulated router fleet for loghaul's tests, demo and benchmark.
 *
 *   devsim --out DIR [--devices N] [--seed S] [--rate LINES_PER_SEC]
 *          [--flap-every SECONDS] [--platforms LIST] [--spec FILE]
 *          [--duration SECONDS] [--buffer-size BYTES] [--username U]
 *          [--password PW] [--prefill N] [--base-port P] [--host-key FILE] [-v]
 *
 * Every device listens on 127.0.0.1 (an ephemeral port unless --base-port).
 * DIR receives hosts.yaml, groups.yaml, defaults.yaml (Nornir
 * SimpleInventory), known_hosts, ports, host_key, journal.jsonl (the ground
 * truth), devsim.pid, the control socket `control`, and last `ready` once
 * every port listens. SIGTERM or SIGINT: stop, flush the journal, exit 0.
 *
 * The main thread accepts connections and serves the control socket; each
 * SSH connection gets a thread (sess.c); one thread generates logs (gen.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <malloc.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <arpa/inet.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "tests/devsim/devsim.h"

#define CTL_MAX_CLIENTS 32
#define CTL_LINE_MAX    65536	/* a 10 KB description and its escapes */

static volatile sig_atomic_t s_quit;
static int s_sigpipe[2] = { -1, -1 };

struct ctl_client {
	int        fd;
	struct buf in;
};

static void
s_on_signal(int sig)
{
	int saved = errno;

	(void)sig;
	s_quit = 1;
	if (s_sigpipe[1] >= 0 && write(s_sigpipe[1], "x", 1) < 0) {
		/* the pipe is full: the flag is already set */
	}
	errno = saved;
}

static void
s_usage(void)
{
	fprintf(stderr,
	    "usage: devsim --out DIR [--devices N] [--seed S] [--rate LINES_PER_SEC]\n"
	    "              [--flap-every SECONDS] [--platforms cisco_ios,cisco_xe,...]\n"
	    "              [--spec FILE] [--duration SECONDS] [--buffer-size BYTES]\n"
	    "              [--username U] [--password PW] [--prefill N]\n"
	    "              [--base-port P] [--host-key FILE] [-v]\n");
	exit(2);
}

static void
s_bad(const char *opt, const char *val)
{
	fatalx("bad value for --%s: '%s'", opt, val);
}

static void
s_parse_platforms(struct opts *o, const char *arg)
{
	char *dup = xstrdup(arg), *save = NULL, *t;

	o->nplats = 0;
	for (t = strtok_r(dup, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		int p = plat_parse(t);

		if (p < 0)
			fatalx("--platforms: unknown platform '%s' (cisco_ios, cisco_xe, "
			    "cisco_nxos, arista_eos, juniper_junos, cisco_xr)", t);
		if (o->nplats == PLAT__COUNT)
			fatalx("--platforms: too many entries");
		o->plats[o->nplats++] = p;
	}
	free(dup);
	if (o->nplats == 0)
		s_bad("platforms", arg);
}

static double
s_seconds(const char *opt, const char *v)
{
	double d;
	uint64_t ms;

	if (util_parse_double(v, &d) == CERR_OK && d >= 0)
		return d;
	if (util_parse_duration_ms(v, &ms) == CERR_OK)
		return (double)ms / 1000.0;
	s_bad(opt, v);
	return 0;
}

static void
s_parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "devices", required_argument, NULL, 'n' },
		{ "seed", required_argument, NULL, 's' },
		{ "rate", required_argument, NULL, 'r' },
		{ "flap-every", required_argument, NULL, 'f' },
		{ "platforms", required_argument, NULL, 'P' },
		{ "spec", required_argument, NULL, 'S' },
		{ "duration", required_argument, NULL, 'd' },
		{ "buffer-size", required_argument, NULL, 'b' },
		{ "username", required_argument, NULL, 'u' },
		{ "password", required_argument, NULL, 'p' },
		{ "prefill", required_argument, NULL, 'F' },
		{ "base-port", required_argument, NULL, 'B' },
		{ "host-key", required_argument, NULL, 'k' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	uint64_t u;
	int c;

	memset(o, 0, sizeof(*o));
	o->devices = 10;
	o->seed = 1;
	o->rate = 1.0;
	o->buffer_size = 16384;
	o->username = "admin";
	o->password = "admin";
	o->plats[0] = PLAT_IOS;
	o->nplats = 1;
	while ((c = getopt_long(argc, argv, "v", lo, NULL)) != -1) {
		switch (c) {
		case 'o': o->out = optarg; break;
		case 'n':
			if (util_parse_u64(optarg, 20000, &u) != CERR_OK || u == 0)
				s_bad("devices", optarg);
			o->devices = (unsigned)u;
			break;
		case 's':
			if (util_parse_u64(optarg, UINT64_MAX, &o->seed) != CERR_OK)
				s_bad("seed", optarg);
			break;
		case 'r':
			if (util_parse_double(optarg, &o->rate) != CERR_OK || o->rate < 0 ||
			    o->rate > 10000)
				s_bad("rate", optarg);
			break;
		case 'f': o->flap_every = s_seconds("flap-every", optarg); break;
		case 'P': s_parse_platforms(o, optarg); break;
		case 'S': o->spec = optarg; break;
		case 'd': o->duration = s_seconds("duration", optarg); break;
		case 'b':
			if (util_parse_size(optarg, &u) != CERR_OK || u < 64 || u > (64u << 20))
				s_bad("buffer-size", optarg);
			o->buffer_size = (size_t)u;
			break;
		case 'u': o->username = optarg; break;
		case 'p': o->password = optarg; break;
		case 'F':
			if (util_parse_u64(optarg, 1000000, &u) != CERR_OK)
				s_bad("prefill", optarg);
			o->prefill = (unsigned)u;
			break;
		case 'B':
			if (util_parse_u64(optarg, 65535, &u) != CERR_OK || u == 0)
				s_bad("base-port", optarg);
			o->base_port = (unsigned)u;
			break;
		case 'k': o->host_key = optarg; break;
		case 'v': o->verbose++; break;
		default: s_usage();
		}
	}
	if (o->out == NULL || optind != argc)
		s_usage();
	if (o->base_port && o->base_port + o->devices - 1 > 65535)
		fatalx("--base-port %u leaves no room for %u devices", o->base_port, o->devices);
}

static void
s_raise_nofile(size_t want)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur < want)
		log_warnx("open file limit %llu is low for this fleet (want %zu)",
		    (unsigned long long)rl.rlim_cur, want);
}

/* The fleet's host key: from --host-key if that file exists, else new. */
static ssh_key
s_host_key(const struct opts *o, const char *dir)
{
	char path[4096];
	ssh_key key = NULL;

	if (o->host_key && access(o->host_key, R_OK) == 0) {
		if (ssh_pki_import_privkey_file(o->host_key, NULL, NULL, NULL, &key) != SSH_OK)
			fatalx("cannot read host key %s", o->host_key);
	} else {
		if (ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, &key) != SSH_OK)
			fatalx("cannot generate a host key");
		if (o->host_key &&
		    ssh_pki_export_privkey_file(key, NULL, NULL, NULL, o->host_key) != SSH_OK)
			fatalx("cannot write host key %s", o->host_key);
	}
	snprintf(path, sizeof(path), "%s/host_key", dir);
	unlink(path);
	if (ssh_pki_export_privkey_file(key, NULL, NULL, NULL, path) != SSH_OK)
		fatalx("cannot write host key %s", path);
	return key;
}

static int
s_listen_tcp(unsigned port, int *out_port)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	int fd, one = 1;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 128) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &sl) < 0) {
		close(fd);
		return -1;
	}
	*out_port = ntohs(sa.sin_port);
	return fd;
}

static int
s_listen_unix(const char *path)
{
	struct sockaddr_un sa;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		fatalx("control socket path too long: %s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		fatal("socket");
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 16) < 0)
		fatal("control socket %s", path);
	return fd;
}

static void
s_write_file(const char *dir, const char *name, const char *text)
{
	char path[4096], tmp[4200];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fp = fopen(tmp, "we");
	if (fp == NULL || fputs(text, fp) < 0 || fclose(fp) != 0 || rename(tmp, path) < 0)
		fatal("cannot write %s", path);
}

/* Read what a control client sent; run each full line. 0 = keep, -1 = drop. */
static int
s_ctl_read(struct fleet *fl, struct ctl_client *c)
{
	char tmp[4096], *nl;
	ssize_t n;
	struct buf reply;

	n = read(c->fd, tmp, sizeof(tmp));
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
		return -1;
	if (n < 0)
		return 0;
	if (buf_append(&c->in, tmp, (size_t)n) != CERR_OK)
		return -1;	/* a line longer than CTL_LINE_MAX */
	buf_init(&reply, 0);
	while ((nl = memchr(c->in.data, '\n', c->in.len)) != NULL) {
		size_t len = (size_t)(nl - c->in.data);
		char *line = xstrndup(c->in.data, len);

		buf_consume(&c->in, len + 1);
		buf_reset(&reply);
		ctl_exec(fl, line, &reply);
		buf_appendc(&reply, '\n');
		free(line);
		if (send(c->fd, reply.data, reply.len, MSG_NOSIGNAL) != (ssize_t)reply.len) {
			buf_free(&reply);
			return -1;
		}
	}
	buf_free(&reply);
	return 0;
}

static void
s_serve(struct fleet *fl, int ctl_fd, double duration)
{
	size_t nd = fl->ndevs, base = 2 + CTL_MAX_CLIENTS, i;
	struct pollfd *pfd = xcalloc(base + nd, sizeof(*pfd));
	struct ctl_client cl[CTL_MAX_CLIENTS];
	double stop_at = duration > 0 ? util_monotime() + duration : 0;

	for (i = 0; i < CTL_MAX_CLIENTS; i++) {
		cl[i].fd = -1;
		buf_init(&cl[i].in, CTL_LINE_MAX);
	}
	pfd[0].fd = s_sigpipe[0];
	pfd[0].events = POLLIN;
	pfd[1].fd = ctl_fd;
	pfd[1].events = POLLIN;
	for (i = 0; i < nd; i++) {
		pfd[base + i].fd = fl->devs[i].listen_fd;
		pfd[base + i].events = POLLIN;
	}
	while (!s_quit) {
		int n;

		for (i = 0; i < CTL_MAX_CLIENTS; i++) {
			pfd[2 + i].fd = cl[i].fd;
			pfd[2 + i].events = POLLIN;
			pfd[2 + i].revents = 0;
		}
		n = poll(pfd, base + nd, 1000);
		if (stop_at > 0 && util_monotime() >= stop_at) {
			log_info("duration reached, stopping");
			break;
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fatal("poll");
		}
		if (pfd[1].revents & POLLIN) {
			int fd = accept4(ctl_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

			for (i = 0; fd >= 0 && i < CTL_MAX_CLIENTS && cl[i].fd >= 0; i++)
				;
			if (fd >= 0 && i == CTL_MAX_CLIENTS) {
				log_warnx("control: too many clients");
				close(fd);
			} else if (fd >= 0) {
				cl[i].fd = fd;
				buf_reset(&cl[i].in);
			}
		}
		for (i = 0; i < CTL_MAX_CLIENTS; i++) {
			if (cl[i].fd < 0 || !(pfd[2 + i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (s_ctl_read(fl, &cl[i]) < 0) {
				close(cl[i].fd);
				cl[i].fd = -1;
			}
		}
		for (i = 0; i < nd; i++) {
			int fd;

			if (!(pfd[base + i].revents & POLLIN))
				continue;
			/* accept everything queued: a fleet-wide reconnect comes at once */
			while ((fd = accept4(pfd[base + i].fd, NULL, NULL, SOCK_CLOEXEC)) >= 0)
				sess_start(fl, &fl->devs[i], fd);
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
			    errno != ECONNABORTED)
				log_warn("device=%s accept", fl->devs[i].name);
		}
	}
	for (i = 0; i < CTL_MAX_CLIENTS; i++) {
		if (cl[i].fd >= 0)
			close(cl[i].fd);
		buf_free(&cl[i].in);
	}
	free(pfd);
}

static void
s_setup_signals(void)
{
	struct sigaction sa;

	if (pipe2(s_sigpipe, O_CLOEXEC | O_NONBLOCK) < 0)
		fatal("pipe");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = s_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct fleet fl;
	char err[512], path[4096], pidbuf[32];
	ssh_key key;
	pthread_t gen;
	size_t i;
	int ctl_fd;
	double until, vnow;

	log_init("devsim", 0);
	s_parse_args(argc, argv, &o);
	log_setverbose(o.verbose);
	/*
	 * A thousand session threads would otherwise spread their allocations
	 * over glibc's default 8 arenas per core and keep what they free.
	 */
	mallopt(M_ARENA_MAX, 2);
	if (mkdir(o.out, 0700) < 0 && errno != EEXIST)
		fatal("mkdir %s", o.out);
	s_raise_nofile(2 * (size_t)o.devices + 64);
	s_setup_signals();

	if (fleet_init(&fl, &o, err, sizeof(err)) < 0)
		fatalx("%s", err);
	if (o.spec && spec_apply(&fl, o.spec, err, sizeof(err)) < 0)
		fatalx("%s", err);
	for (i = 0; i < fl.ndevs; i++)
		ring_init(&fl.devs[i].ring, fl.devs[i].buffer_size,
		    plat_whole_lines(fl.devs[i].plat));

	if (ssh_init() != SSH_OK)
		fatalx("libssh initialisation failed");
	key = s_host_key(&o, o.out);
	fl.bind = ssh_bind_new();
	if (fl.bind == NULL ||
	    ssh_bind_options_set(fl.bind, SSH_BIND_OPTIONS_BANNER, "Cisco-1.25") != SSH_OK ||
	    ssh_bind_options_set(fl.bind, SSH_BIND_OPTIONS_IMPORT_KEY, key) != SSH_OK)
		fatalx("libssh bind set-up failed");

	for (i = 0; i < fl.ndevs; i++) {
		struct device *d = &fl.devs[i];

		d->listen_fd = s_listen_tcp(o.base_port ? o.base_port + (unsigned)i : 0, &d->port);
		if (d->listen_fd < 0)
			fatal("device=%s listen", d->name);
	}

	snprintf(path, sizeof(path), "%s/journal.jsonl", o.out);
	fl.jr = journal_open(path, err, sizeof(err));
	if (fl.jr == NULL)
		fatalx("%s", err);
	fl.t0 = util_monotime();
	fleet_lock(&fl);
	for (i = 0; i < fl.ndevs; i++) {
		struct device *d = &fl.devs[i];

		d->boot_ms = util_wallms() - 3600 * 1000;	/* up for an hour */
		gen_device_start(&fl, d, 0);
		gen_prefill(&fl, d, o.prefill);
	}
	journal_flush(fl.jr);
	fleet_unlock(&fl);

	if (inv_write(&fl, key, err, sizeof(err)) < 0)
		fatalx("%s", err);
	snprintf(pidbuf, sizeof(pidbuf), "%ld\n", (long)getpid());
	s_write_file(o.out, "devsim.pid", pidbuf);
	snprintf(path, sizeof(path), "%s/control", o.out);
	ctl_fd = s_listen_unix(path);
	if (pthread_create(&gen, NULL, gen_thread, &fl) != 0)
		fatalx("cannot start the generator");
	s_write_file(o.out, "ready", "ok\n");
	log_info("ready devices=%zu dir=%s rate=%g seed=%llu", fl.ndevs, o.out, o.rate,
	    (unsigned long long)o.seed);

	s_serve(&fl, ctl_fd, o.duration);

	/* orderly stop: no new connections, generator first, then sessions */
	atomic_store(&fl.quit, 1);
	close(ctl_fd);
	for (i = 0; i < fl.ndevs; i++)
		close(fl.devs[i].listen_fd);
	fleet_lock(&fl);
	pthread_cond_signal(&fl.gen_cv);
	fleet_unlock(&fl);
	pthread_join(gen, NULL);
	until = util_monotime() + 5.0;
	while (atomic_load(&fl.nsessions) > 0 && util_monotime() < until)
		usleep(20000);
	fleet_lock(&fl);
	vnow = fleet_vnow_locked(&fl);
	journal_flush(fl.jr);
	log_info("stopped lines=%llu uptime=%.1fs sessions_left=%d",
	    (unsigned long long)atomic_load(&fl.lines), vnow, atomic_load(&fl.nsessions));
	fleet_unlock(&fl);
	if (atomic_load(&fl.nsessions) > 0) {
		/* a session thread stuck in a write: the journal is safe, leave */
		journal_close(&fl.jr);
		_exit(0);
	}
	ssh_bind_free(fl.bind);
	fleet_free(&fl);
	ssh_finalize();
	return 0;
}
