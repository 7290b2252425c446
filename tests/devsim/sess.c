/*
 * sess.c — one SSH connection: key exchange, password authentication, the
 * session channel and its shell or exec request, then the shell. Each
 * connection runs on its own thread in libssh's blocking mode: the device
 * side of a CLI is a sequential conversation (read a line, write the
 * answer, wait at --More--), which threads express directly, and idle
 * threads cost only their stacks.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "tests/devsim/devsim.h"

#define SESS_STACK	(512 * 1024)
#define SESS_LOGIN_GRACE 60.0	/* seconds from connect to a shell */
#define SESS_MAX_AUTH	6

static int
s_auth_password(ssh_session ss, const char *user, const char *pw, void *ud)
{
	struct sess *s = ud;
	struct device *d = s->dev;
	int ok;

	(void)ss;
	fleet_lock(s->fl);
	ok = !(d->faults & FAULT(WRONG_PASSWORD)) && strcmp(user, d->username) == 0 &&
	    strcmp(pw, d->password) == 0;
	fleet_unlock(s->fl);
	if (!ok) {
		s->auth_fails++;
		log_debug("device=%s auth=denied user=%s", d->name, user);
		return SSH_AUTH_DENIED;
	}
	snprintf(s->user, sizeof(s->user), "%s", user);
	s->authed = 1;
	return SSH_AUTH_SUCCESS;
}

static int
s_pty(ssh_session ss, ssh_channel ch, const char *term, int w, int h, int pw,
    int ph, void *ud)
{
	(void)ss, (void)ch, (void)term, (void)w, (void)h, (void)pw, (void)ph, (void)ud;
	return 0;
}

static int
s_winch(ssh_session ss, ssh_channel ch, int w, int h, int pw, int ph, void *ud)
{
	(void)ss, (void)ch, (void)w, (void)h, (void)pw, (void)ph, (void)ud;
	return 0;
}

static int
s_shell(ssh_session ss, ssh_channel ch, void *ud)
{
	struct sess *s = ud;

	(void)ss, (void)ch;
	if (s->want_shell || s->exec_cmd)
		return 1;
	s->want_shell = 1;
	return 0;
}

static int
s_exec(ssh_session ss, ssh_channel ch, const char *cmd, void *ud)
{
	struct sess *s = ud;

	(void)ss, (void)ch;
	if (s->want_shell || s->exec_cmd)
		return 1;
	s->exec_cmd = xstrdup(cmd);
	return 0;
}

static int
s_env(ssh_session ss, ssh_channel ch, const char *name, const char *val, void *ud)
{
	(void)ss, (void)ch, (void)name, (void)val, (void)ud;
	return 0;	/* accepted and ignored, as IOS does */
}

static ssh_channel
s_chan_open(ssh_session ss, void *ud)
{
	struct sess *s = ud;

	if (s->ch != NULL)
		return NULL;	/* one session channel per connection */
	s->ch = ssh_channel_new(ss);
	if (s->ch == NULL)
		return NULL;
	memset(&s->ccb, 0, sizeof(s->ccb));
	s->ccb.userdata = s;
	s->ccb.channel_pty_request_function = s_pty;
	s->ccb.channel_pty_window_change_function = s_winch;
	s->ccb.channel_shell_request_function = s_shell;
	s->ccb.channel_exec_request_function = s_exec;
	s->ccb.channel_env_request_function = s_env;
	ssh_callbacks_init(&s->ccb);
	ssh_set_channel_callbacks(s->ch, &s->ccb);
	return s->ch;
}

/* Authentication and channel set-up, driven by a private event loop. */
static int
s_login(struct sess *s)
{
	ssh_event ev;
	double deadline = util_monotime() + SESS_LOGIN_GRACE;
	int rc = -1;

	if (ssh_handle_key_exchange(s->ss) != SSH_OK) {
		log_debug("device=%s kex failed: %s", s->dev->name, ssh_get_error(s->ss));
		return -1;
	}
	ssh_set_auth_methods(s->ss, SSH_AUTH_METHOD_PASSWORD);
	ev = ssh_event_new();
	if (ev == NULL || ssh_event_add_session(ev, s->ss) != SSH_OK)
		goto out;
	while (!atomic_load(&s->fl->quit)) {
		if (s->authed && s->ch && (s->want_shell || s->exec_cmd)) {
			rc = 0;
			break;
		}
		if (ssh_event_dopoll(ev, 500) == SSH_ERROR || !ssh_is_connected(s->ss))
			break;
		if (s->auth_fails >= SESS_MAX_AUTH || util_monotime() > deadline)
			break;
	}
	ssh_event_remove_session(ev, s->ss);
out:
	if (ev)
		ssh_event_free(ev);
	return rc;
}

/*
 * After closing the channel, give the client a moment to hang up first:
 * OpenSSH reports an error (exit 255) when its goodbye meets a closed
 * socket.
 */
static void
s_linger(struct sess *s)
{
	ssh_event ev = ssh_event_new();
	double until = util_monotime() + 2.0;

	if (ev == NULL)
		return;
	if (ssh_event_add_session(ev, s->ss) == SSH_OK) {
		while (ssh_is_connected(s->ss) && util_monotime() < until &&
		    !atomic_load(&s->fl->quit))
			if (ssh_event_dopoll(ev, 100) == SSH_ERROR)
				break;
		ssh_event_remove_session(ev, s->ss);
	}
	ssh_event_free(ev);
}

static void *
s_main(void *arg)
{
	struct sess *s = arg;
	struct device *d = s->dev;

	if (s_login(s) == 0) {
		fleet_lock(s->fl);
		s->epoch = d->epoch;
		s->priv = d->enable_secret ? 1 : 15;
		fleet_unlock(s->fl);
		log_debug("device=%s session user=%s %s", d->name, s->user,
		    s->exec_cmd ? "exec" : "shell");
		if (s->exec_cmd)
			shell_exec(s, s->exec_cmd);
		else
			shell_run(s);
		if (!s->dead)
			s_linger(s);
	}
	if (s->ch) {
		ssh_channel_free(s->ch);
		s->ch = NULL;
	}
	if (!s->dead)
		ssh_disconnect(s->ss);
	ssh_free(s->ss);
	free(s->exec_cmd);
	buf_free(&s->out);
	fleet_lock(s->fl);
	d->sessions--;
	fleet_unlock(s->fl);
	atomic_fetch_sub(&s->fl->nsessions, 1);
	free(s);
	return NULL;
}

int
sess_start(struct fleet *fl, struct device *d, int fd)
{
	struct sess *s;
	pthread_attr_t attr;
	pthread_t tid;
	long timeout = 60;
	int busy;

	fleet_lock(fl);
	busy = d->down_until > 0 || d->sessions >= DS_MAX_VTY;
	if (!busy)
		d->sessions++;
	fleet_unlock(fl);
	if (busy) {
		/* reloading, or every vty in use: the device drops the connection */
		close(fd);
		return -1;
	}
	/* answers are small and interactive: do not let Nagle hold them */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 }, sizeof(int));
	s = xcalloc(1, sizeof(*s));
	s->fl = fl;
	s->dev = d;
	s->term_len = 24;
	s->term_width = 80;
	s->last_input = util_monotime();
	buf_init(&s->out, 0);
	s->ss = ssh_new();
	if (s->ss == NULL)
		goto fail;
	ssh_options_set(s->ss, SSH_OPTIONS_TIMEOUT, &timeout);
	if (ssh_bind_accept_fd(fl->bind, s->ss, fd) != SSH_OK) {
		log_warnx("device=%s accept: %s", d->name, ssh_get_error(fl->bind));
		goto fail;
	}
	memset(&s->scb, 0, sizeof(s->scb));
	s->scb.userdata = s;
	s->scb.auth_password_function = s_auth_password;
	s->scb.channel_open_request_session_function = s_chan_open;
	ssh_callbacks_init(&s->scb);
	ssh_set_server_callbacks(s->ss, &s->scb);

	atomic_fetch_add(&fl->nsessions, 1);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, SESS_STACK);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&tid, &attr, s_main, s) != 0) {
		pthread_attr_destroy(&attr);
		atomic_fetch_sub(&fl->nsessions, 1);
		log_warnx("device=%s cannot start a session thread", d->name);
		goto fail;
	}
	pthread_attr_destroy(&attr);
	return 0;
fail:
	if (s->ss)
		ssh_free(s->ss);	/* closes fd once accepted */
	else
		close(fd);
	buf_free(&s->out);
	free(s);
	fleet_lock(fl);
	d->sessions--;
	fleet_unlock(fl);
	return -1;
}
