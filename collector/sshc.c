/*
 * sshc.c — the session state machine (see sshc.h for the picture).
 *
 * One function per state. Each returns ST_ADVANCE (it moved to another
 * state: run that one too), ST_AGAIN (waiting on the network), ST_DONE (the
 * poll finished) or ST_FAIL (s->err and s->errmsg are set). sshc_step() runs
 * them until one waits, then checks the state's deadline — the shape of
 * curl's lib/vssh/libssh.c (myssh_statemach_act) and OpenSMTPD's
 * mta_session.c.
 *
 * The TCP connection is ours (resolve, non-blocking connect, then handed to
 * libssh with SSH_OPTIONS_FD) so that a refused or silent address is told
 * apart from a slow SSH handshake, and name resolution never blocks.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libssh/libssh.h>

#include "collector/platform.h"
#include "collector/sshc.h"
#include "collector/sshc_int.h"
#include "collector/sshc_text.h"
#include "common/inventory.h"
#include "common/log.h"
#include "common/util.h"

/* Legacy algorithm lists: libssh's defaults plus what old IOS needs. */
#define LEGACY_KEX "curve25519-sha256,curve25519-sha256@libssh.org," \
	"ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521," \
	"diffie-hellman-group18-sha512,diffie-hellman-group16-sha512," \
	"diffie-hellman-group-exchange-sha256,diffie-hellman-group14-sha256," \
	"diffie-hellman-group-exchange-sha1,diffie-hellman-group14-sha1," \
	"diffie-hellman-group1-sha1"
#define LEGACY_HOSTKEYS "ssh-ed25519,ecdsa-sha2-nistp521,ecdsa-sha2-nistp384," \
	"ecdsa-sha2-nistp256,rsa-sha2-512,rsa-sha2-256,ssh-rsa"
#define LEGACY_CIPHERS "chacha20-poly1305@openssh.com," \
	"aes256-gcm@openssh.com,aes128-gcm@openssh.com," \
	"aes256-ctr,aes192-ctr,aes128-ctr," \
	"aes256-cbc,aes192-cbc,aes128-cbc,3des-cbc"
#define LEGACY_MACS "hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com," \
	"hmac-sha2-256,hmac-sha2-512,hmac-sha1-etm@openssh.com,hmac-sha1"

static const char *const state_names[] = {
#define SSHC_STATE_STR(name) #name,
	SSHC_STATE_MAP(SSHC_STATE_STR)
#undef SSHC_STATE_STR
};

const char *
sshc_strstate(enum sshc_state st)
{
	if ((unsigned)st >= SSHC_S__COUNT)
		return "?";
	return state_names[st];
}

void
sshc_opts_init(struct sshc_opts *o)
{
	memset(o, 0, sizeof *o);
	o->host_key_policy = HOSTKEY_STRICT;
	o->connect_ms = o->banner_ms = o->auth_ms = 10000;
	o->command_ms = 30000;
	o->keepalive_ms = 30000;
	o->persistent = 1;
	o->exec_mode = -1;
	o->legacy_algorithms = 0;
	o->max_output = SSHC_MAX_OUTPUT;
}

void
sshc_opts_from_conf(struct sshc_opts *o, const struct conf *c)
{
	sshc_opts_init(o);
	o->known_hosts = c->ssh.known_hosts;
	o->host_key_policy = c->ssh.host_key_policy;
	if (c->ssh.connect_ms)
		o->connect_ms = c->ssh.connect_ms;
	if (c->ssh.banner_ms)
		o->banner_ms = c->ssh.banner_ms;
	if (c->ssh.auth_ms)
		o->auth_ms = c->ssh.auth_ms;
	if (c->ssh.command_ms)
		o->command_ms = c->ssh.command_ms;
	o->keepalive_ms = c->ssh.keepalive_ms;
}

/* Record why the poll failed. The message must never carry a secret. */
int
sshc_fail(struct sshc *s, enum cerr e, const char *fmt, ...)
{
	char msg[sizeof s->errmsg - 32];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	s->err = e;
	snprintf(s->errmsg, sizeof s->errmsg, "state=%s: %s",
	    sshc_strstate(s->state), msg);
	return ST_FAIL;
}

/*
 * Whether libssh's error says the peer went away. libssh (0.10) ends a
 * session the same way (SSH_SESSION_STATE_ERROR, so SSH_CLOSED_ERROR) when
 * the socket saw EOF or an error as when it rejected a packet itself
 * ("Packet filter: rejected packet", "read_packet(): Packet len too high",
 * a bad MAC): only its text tells them apart. A hang-up is what
 * ssh_socket_exception_callback() says ("Socket error: disconnected", or
 * the errno's text after "Socket error: "), or the peer's own goodbye
 * ("Received SSH_MSG_DISCONNECT: ..."), or no text at all.
 */
static int
s_peer_hung_up(const char *msg)
{
	return msg[0] == '\0' || strncmp(msg, "Socket error:", 13) == 0 ||
	    strstr(msg, "SSH_MSG_DISCONNECT") != NULL;
}

/*
 * Translate a libssh failure once, here: the peer hanging up is CERR_EOF;
 * anything else, a session libssh closed because the device broke the
 * protocol included, is CERR_PROTO.
 */
int
sshc_fail_lib(struct sshc *s, const char *what)
{
	const char *msg = s->ssh ? ssh_get_error(s->ssh) : "";
	int closed = s->ssh && (!ssh_is_connected(s->ssh) ||
	    (ssh_get_status(s->ssh) & (SSH_CLOSED | SSH_CLOSED_ERROR)));

	if (msg == NULL)
		msg = "";
	if (strstr(msg, "no match for method") == NULL && closed) {
		if (s_peer_hung_up(msg))
			return sshc_fail(s, CERR_EOF, "%s: connection closed by "
			    "device (%s)", what, msg);
		return sshc_fail(s, CERR_PROTO, "%s: device broke the SSH "
		    "protocol, session closed (%s)", what, msg);
	}
	return sshc_fail(s, CERR_PROTO, "%s: %s", what, msg);
}

void
sshc_enter(struct sshc *s, enum sshc_state st, double now)
{
	uint64_t ms;

	switch (st) {
	case SSHC_S_RESOLVE:
	case SSHC_S_CONNECT:	ms = s->connect_ms; break;
	case SSHC_S_HANDSHAKE:
	case SSHC_S_HOSTKEY:	ms = s->banner_ms; break;
	case SSHC_S_AUTH:	ms = s->auth_ms; break;
	case SSHC_S_CHANNEL:
	case SSHC_S_PTY:
	case SSHC_S_SHELL:
	case SSHC_S_SETUP:
	case SSHC_S_RUN:	ms = s->command_ms; break;
	default:		ms = 0; break;
	}
	log_debug("device=%s state=%s -> %s", s->name, sshc_strstate(s->state),
	    sshc_strstate(st));
	s->state = st;
	s->entered = now;
	s->wake = 0;
	s->more_pending = 0;
	s->deadline = ms ? now + ms / 1000.0 : HUGE_VAL;
	s->hard_deadline = ms ? now + 4 * (ms / 1000.0) : HUGE_VAL;
}

/* Bytes arrived: a command that makes progress gets more time. */
void
sshc_progress(struct sshc *s, double now)
{
	double d = now + s->command_ms / 1000.0;

	s->last_io = now;
	if (s->state == SSHC_S_SETUP || s->state == SSHC_S_RUN)
		s->deadline = d < s->hard_deadline ? d : s->hard_deadline;
}

/* Drop the connection without waiting for anything. */
void
sshc_close(struct sshc *s)
{
	if (s->ch != NULL) {
		ssh_channel_free(s->ch);
		s->ch = NULL;
	}
	if (s->ssh != NULL) {
		/*
		 * With SSH_OPTIONS_FD libssh leaves the descriptor to us, but
		 * only once ssh_disconnect() has forgotten it.
		 */
		if (s->connect_called)
			ssh_disconnect(s->ssh);
		ssh_free(s->ssh);
		s->ssh = NULL;
	}
	s->connect_called = 0;
	if (s->fd >= 0) {
		close(s->fd);
		s->fd = -1;
	}
	if (s->ai != NULL) {
		freeaddrinfo(s->ai);
		s->ai = NULL;
	}
	s->ai_cur = NULL;
	sshc_resolve_cancel(s);
	if (s->key != NULL) {
		ssh_key_free(s->key);
		s->key = NULL;
	}
	buf_reset(&s->wq);
}

/* ---- RESOLVE, CONNECT ------------------------------------------------ */

static int
s_connect_next(struct sshc *s, double now)
{
	for (; s->ai_cur != NULL; s->ai_cur = s->ai_cur->ai_next) {
		struct addrinfo *a = s->ai_cur;
		int one = 1;

		s->fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, a->ai_protocol);
		if (s->fd < 0) {
			s->conn_errno = errno;
			continue;
		}
		/* Nagle cost ~40 ms per round trip on prompt exchanges. */
		setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		if (connect(s->fd, a->ai_addr, a->ai_addrlen) == 0 ||
		    errno == EINPROGRESS) {
			sshc_enter(s, SSHC_S_CONNECT, now);
			/* Keep the connect deadline across addresses. */
			if (s->connect_started > 0)
				s->deadline = s->connect_started + s->connect_ms / 1000.0;
			else
				s->connect_started = now;
			return ST_ADVANCE;
		}
		s->conn_errno = errno;
		close(s->fd);
		s->fd = -1;
	}
	return sshc_fail(s, CERR_CONNECT, "connect to %s port %d: %s",
	    s->hostname, s->port, strerror(s->conn_errno ? s->conn_errno : EINVAL));
}

static int
s_st_resolve(struct sshc *s, double now)
{
	int rc = sshc_resolve_poll(s, now);

	if (rc != ST_ADVANCE)
		return rc;
	s->ai_cur = s->ai;
	s->connect_started = 0;
	return s_connect_next(s, now);
}

/* Hand the connected socket to a new libssh session with our options. */
static int
s_ssh_new(struct sshc *s)
{
	bool no = false;
	int one = 1, port = s->port, fd = s->fd, rc = 0;

	if ((s->ssh = ssh_new()) == NULL)
		return sshc_fail(s, CERR_NOMEM, "ssh_new failed");
	/* Never ~/.ssh/config or /etc/ssh/ssh_config: the inventory rules. */
	rc |= ssh_options_set(s->ssh, SSH_OPTIONS_PROCESS_CONFIG, &no);
	rc |= ssh_options_set(s->ssh, SSH_OPTIONS_HOST, s->hostname);
	rc |= ssh_options_set(s->ssh, SSH_OPTIONS_PORT, &port);
	if (s->username != NULL)
		rc |= ssh_options_set(s->ssh, SSH_OPTIONS_USER, s->username);
	rc |= ssh_options_set(s->ssh, SSH_OPTIONS_KNOWNHOSTS, s->known_hosts);
	rc |= ssh_options_set(s->ssh, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, s->known_hosts);
	rc |= ssh_options_set(s->ssh, SSH_OPTIONS_NODELAY, &one);
	if (s->legacy) {
		rc |= ssh_options_set(s->ssh, SSH_OPTIONS_KEY_EXCHANGE, LEGACY_KEX);
		rc |= ssh_options_set(s->ssh, SSH_OPTIONS_HOSTKEYS, LEGACY_HOSTKEYS);
		rc |= ssh_options_set(s->ssh, SSH_OPTIONS_PUBLICKEY_ACCEPTED_TYPES,
		    LEGACY_HOSTKEYS);
		rc |= ssh_options_set(s->ssh, SSH_OPTIONS_CIPHERS_C_S, LEGACY_CIPHERS);
		rc |= ssh_options_set(s->ssh, SSH_OPTIONS_CIPHERS_S_C, LEGACY_CIPHERS);
		rc |= ssh_options_set(s->ssh, SSH_OPTIONS_HMAC_C_S, LEGACY_MACS);
		rc |= ssh_options_set(s->ssh, SSH_OPTIONS_HMAC_S_C, LEGACY_MACS);
	}
	rc |= ssh_options_set(s->ssh, SSH_OPTIONS_FD, &fd);
	if (rc != 0)
		return sshc_fail(s, CERR_INVAL, "setting ssh options: %s",
		    ssh_get_error(s->ssh));
	ssh_set_blocking(s->ssh, 0);
	return 0;
}

static int
s_st_connect(struct sshc *s, double now)
{
	struct pollfd p = { .fd = s->fd, .events = POLLOUT };
	int err = 0, fl;
	socklen_t len = sizeof err;

	if (poll(&p, 1, 0) == 0)
		return ST_AGAIN;
	if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err != 0) {
		s->conn_errno = err;
		close(s->fd);
		s->fd = -1;
		s->ai_cur = s->ai_cur->ai_next;
		return s_connect_next(s, now);
	}
	/*
	 * libssh waits with poll() before every read and write and expects a
	 * blocking descriptor (its own connect makes it so): ours too.
	 */
	if ((fl = fcntl(s->fd, F_GETFL)) >= 0)
		fcntl(s->fd, F_SETFL, fl & ~O_NONBLOCK);
	if (s_ssh_new(s) != 0)
		return ST_FAIL;
	sshc_enter(s, SSHC_S_HANDSHAKE, now);
	return ST_ADVANCE;
}

/* ---- HANDSHAKE, HOSTKEY ---------------------------------------------- */

static int
s_st_handshake(struct sshc *s, double now)
{
	int rc;

	s->connect_called = 1;
	rc = ssh_connect(s->ssh);
	if (rc == SSH_AGAIN)
		return ST_AGAIN;
	if (rc != SSH_OK)
		return sshc_fail_lib(s, "ssh handshake");
	sshc_enter(s, SSHC_S_HOSTKEY, now);
	return ST_ADVANCE;
}

static int
s_st_hostkey(struct sshc *s, double now)
{
	enum ssh_known_hosts_e kh;
	ssh_key key = NULL;
	unsigned char *hash = NULL;
	size_t hlen = 0;
	char *fp = NULL, where[300], fpb[128] = "?";
	const char *type = "?";
	int rc = ST_FAIL;

	if (ssh_get_server_publickey(s->ssh, &key) == SSH_OK) {
		type = ssh_key_type_to_char(ssh_key_type(key));
		if (ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash,
		    &hlen) == 0 && (fp = ssh_get_fingerprint_hash(
		    SSH_PUBLICKEY_HASH_SHA256, hash, hlen)) != NULL)
			snprintf(fpb, sizeof fpb, "%s", fp);
	}
	if (s->port == 22)
		snprintf(where, sizeof where, "%s", s->hostname);
	else
		snprintf(where, sizeof where, "[%s]:%d", s->hostname, s->port);

	kh = ssh_session_is_known_server(s->ssh);
	switch (kh) {
	case SSH_KNOWN_HOSTS_OK:
		rc = ST_ADVANCE;
		break;
	case SSH_KNOWN_HOSTS_CHANGED:
	case SSH_KNOWN_HOSTS_OTHER:
		sshc_fail(s, CERR_HOSTKEY, "host key for %s %s: device offers "
		    "%s %s, %s has a different key%s; refusing (possible "
		    "man-in-the-middle; if the device was replaced, remove the "
		    "old key from %s)", where,
		    kh == SSH_KNOWN_HOSTS_CHANGED ? "CHANGED" : "differs",
		    type, fpb, s->known_hosts,
		    kh == SSH_KNOWN_HOSTS_OTHER ? " of another type" : "",
		    s->known_hosts);
		log_warnx("device=%s %s", s->name, s->errmsg);
		break;
	case SSH_KNOWN_HOSTS_UNKNOWN:
	case SSH_KNOWN_HOSTS_NOT_FOUND:
		if (s->policy != HOSTKEY_ACCEPT_NEW) {
			sshc_fail(s, CERR_HOSTKEY, "host key for %s unknown: "
			    "device offers %s %s, not in %s; refusing (add it "
			    "to known_hosts, or set host_key_policy: accept-new)",
			    where, type, fpb, s->known_hosts);
			log_warnx("device=%s %s", s->name, s->errmsg);
			break;
		}
		if (ssh_session_update_known_hosts(s->ssh) != SSH_OK) {
			sshc_fail(s, CERR_HOSTKEY, "cannot add host key for %s "
			    "to %s: %s", where, s->known_hosts,
			    ssh_get_error(s->ssh));
			log_warnx("device=%s %s", s->name, s->errmsg);
			break;
		}
		log_info("device=%s state=HOSTKEY accepted new host key for %s: "
		    "%s %s, written to %s (host_key_policy accept-new)",
		    s->name, where, type, fpb, s->known_hosts);
		rc = ST_ADVANCE;
		break;
	case SSH_KNOWN_HOSTS_ERROR:
	default:
		sshc_fail(s, CERR_HOSTKEY, "checking host key for %s (%s %s) "
		    "in %s: %s", where, type, fpb, s->known_hosts,
		    ssh_get_error(s->ssh));
		log_warnx("device=%s %s", s->name, s->errmsg);
		break;
	}
	if (fp != NULL)
		ssh_string_free_char(fp);
	if (hash != NULL)
		ssh_clean_pubkey_hash(&hash);
	ssh_key_free(key);
	if (rc == ST_ADVANCE) {
		s->auth_step = AUTH_NONE;
		s->auth_tried = 0;
		sshc_enter(s, SSHC_S_AUTH, now);
	}
	return rc;
}

/* ---- AUTH ------------------------------------------------------------ */

static const char *
s_methods_str(int m, char *b, size_t n)
{
	snprintf(b, n, "%s%s%s%s", m & SSH_AUTH_METHOD_PUBLICKEY ? " publickey" : "",
	    m & SSH_AUTH_METHOD_PASSWORD ? " password" : "",
	    m & SSH_AUTH_METHOD_INTERACTIVE ? " keyboard-interactive" : "",
	    m == 0 ? " none" : "");
	return b;
}

/* The next method worth trying: key, then password, then kbd-interactive. */
static int
s_auth_pick(struct sshc *s)
{
	char a[80], b[80];
	int m = s->auth_methods;

	if (s->key_file && (m & SSH_AUTH_METHOD_PUBLICKEY) &&
	    !(s->auth_tried & SSH_AUTH_METHOD_PUBLICKEY))
		s->auth_step = AUTH_KEY;
	else if (s->password && (m & SSH_AUTH_METHOD_PASSWORD) &&
	    !(s->auth_tried & SSH_AUTH_METHOD_PASSWORD))
		s->auth_step = AUTH_PASSWORD;
	else if (s->password && (m & SSH_AUTH_METHOD_INTERACTIVE) &&
	    !(s->auth_tried & SSH_AUTH_METHOD_INTERACTIVE))
		s->auth_step = AUTH_KBDINT;
	else
		return sshc_fail(s, CERR_AUTH, "authentication as '%s' failed "
		    "(device offers:%s; tried:%s)",
		    s->username ? s->username : "(local user)",
		    s_methods_str(m, a, sizeof a),
		    s_methods_str(s->auth_tried, b, sizeof b));
	s->kbd_rounds = 0;
	return ST_ADVANCE;
}

/* Act on one ssh_userauth_* result. */
static int
s_auth_result(struct sshc *s, int rc, int method, double now)
{
	switch (rc) {
	case SSH_AUTH_AGAIN:
		return ST_AGAIN;
	case SSH_AUTH_SUCCESS:
		if (s->exec_mode) {
			sshc_enter(s, SSHC_S_RUN, now);
			s->run_step = RUN_X_OPEN;
		} else {
			sshc_enter(s, SSHC_S_CHANNEL, now);
		}
		return ST_ADVANCE;
	case SSH_AUTH_PARTIAL:	/* e.g. AuthenticationMethods key,password */
		s->auth_tried |= method;
		s->auth_methods = ssh_userauth_list(s->ssh, NULL);
		return s_auth_pick(s);
	case SSH_AUTH_DENIED:
		s->auth_tried |= method;
		return s_auth_pick(s);
	default:
		return sshc_fail_lib(s, "authentication");
	}
}

static int
s_auth_kbdint(struct sshc *s, double now)
{
	int rc = ssh_userauth_kbdint(s->ssh, NULL, NULL);

	while (rc == SSH_AUTH_INFO) {
		int n = ssh_userauth_kbdint_getnprompts(s->ssh);

		/* Servers end with an empty round; a loop of prompts is a no. */
		if (n > 0 && ++s->kbd_rounds > 3)
			return s_auth_result(s, SSH_AUTH_DENIED,
			    SSH_AUTH_METHOD_INTERACTIVE, now);
		for (int i = 0; i < n; i++) {
			char echo = 0;

			ssh_userauth_kbdint_getprompt(s->ssh, (unsigned)i, &echo);
			/* A hidden prompt wants the password; a shown one the user. */
			if (ssh_userauth_kbdint_setanswer(s->ssh, (unsigned)i,
			    echo ? (s->username ? s->username : "") :
			    s->password) < 0)
				return sshc_fail_lib(s, "keyboard-interactive");
		}
		rc = ssh_userauth_kbdint(s->ssh, NULL, NULL);
	}
	return s_auth_result(s, rc, SSH_AUTH_METHOD_INTERACTIVE, now);
}

static int
s_st_auth(struct sshc *s, double now)
{
	int rc;

	switch (s->auth_step) {
	case AUTH_NONE:
		/* Asks the server which methods it takes (rarely: none at all). */
		rc = ssh_userauth_none(s->ssh, NULL);
		if (rc == SSH_AUTH_DENIED) {
			s->auth_methods = ssh_userauth_list(s->ssh, NULL);
			return s_auth_pick(s);
		}
		return s_auth_result(s, rc, 0, now);
	case AUTH_KEY:
		if (s->key == NULL && ssh_pki_import_privkey_file(s->key_file,
		    NULL, NULL, NULL, &s->key) != SSH_OK) {
			s->key = NULL;
			s->auth_tried |= SSH_AUTH_METHOD_PUBLICKEY;
			log_warnx("device=%s state=AUTH cannot read key file %s "
			    "(missing, unreadable, or protected by a passphrase)",
			    s->name, s->key_file);
			return s_auth_pick(s);
		}
		rc = ssh_userauth_publickey(s->ssh, NULL, s->key);
		return s_auth_result(s, rc, SSH_AUTH_METHOD_PUBLICKEY, now);
	case AUTH_PASSWORD:
		rc = ssh_userauth_password(s->ssh, NULL, s->password);
		return s_auth_result(s, rc, SSH_AUTH_METHOD_PASSWORD, now);
	case AUTH_KBDINT:
		return s_auth_kbdint(s, now);
	}
	return sshc_fail(s, CERR_PROTO, "impossible auth step %d", s->auth_step);
}

/* ---- CHANNEL, PTY, SHELL --------------------------------------------- */

static int
s_st_channel(struct sshc *s, double now)
{
	int rc;

	if (s->ch == NULL && (s->ch = ssh_channel_new(s->ssh)) == NULL)
		return sshc_fail_lib(s, "channel");
	rc = ssh_channel_open_session(s->ch);
	if (rc == SSH_AGAIN)
		return ST_AGAIN;
	if (rc != SSH_OK)
		return sshc_fail_lib(s, "opening a session channel");
	sshc_enter(s, SSHC_S_PTY, now);
	return ST_ADVANCE;
}

static int
s_st_pty(struct sshc *s, double now)
{
	/* Wide, so that the device wraps nothing before `terminal width`. */
	int rc = ssh_channel_request_pty_size(s->ch, "vt100", SSHC_PTY_COLS,
	    SSHC_PTY_ROWS);

	if (rc == SSH_AGAIN)
		return ST_AGAIN;
	if (rc != SSH_OK)
		return sshc_fail_lib(s, "pty request");
	sshc_enter(s, SSHC_S_SHELL, now);
	return ST_ADVANCE;
}

static int
s_st_shell(struct sshc *s, double now)
{
	int rc = ssh_channel_request_shell(s->ch);

	if (rc == SSH_AGAIN)
		return ST_AGAIN;
	if (rc != SSH_OK)
		return sshc_fail_lib(s, "shell request");
	sshc_enter(s, SSHC_S_SETUP, now);
	s->setup_step = SETUP_BANNER;
	s->nudges = 0;
	buf_reset(&s->in);
	return ST_ADVANCE;
}

/* ---- the machine ------------------------------------------------------ */

typedef int (*state_fn)(struct sshc *, double);

static const state_fn state_fns[SSHC_S__COUNT] = {
	[SSHC_S_RESOLVE]   = s_st_resolve,
	[SSHC_S_CONNECT]   = s_st_connect,
	[SSHC_S_HANDSHAKE] = s_st_handshake,
	[SSHC_S_HOSTKEY]   = s_st_hostkey,
	[SSHC_S_AUTH]      = s_st_auth,
	[SSHC_S_CHANNEL]   = s_st_channel,
	[SSHC_S_PTY]       = s_st_pty,
	[SSHC_S_SHELL]     = s_st_shell,
	[SSHC_S_SETUP]     = sshc_st_setup,
	[SSHC_S_RUN]       = sshc_st_run,
};

struct sshc *
sshc_new(const struct inv_host *h, const struct sshc_opts *o, char *err,
    size_t errlen)
{
	const struct platform *p;
	struct sshc *s;

	if ((p = platform_find(h->platform)) == NULL) {
		snprintf(err, errlen, "device %s: unknown platform '%s'", h->name,
		    h->platform ? h->platform : "(none)");
		return NULL;
	}
	if (o->known_hosts == NULL || *o->known_hosts == '\0') {
		snprintf(err, errlen, "device %s: no known_hosts file configured",
		    h->name);
		return NULL;
	}
	s = xcalloc(1, sizeof *s);
	s->name = xstrdup(h->name);
	s->hostname = xstrdup(h->hostname ? h->hostname : h->name);
	s->port = h->port > 0 ? h->port : 22;
	s->username = h->username ? xstrdup(h->username) : NULL;
	s->password = h->password ? xstrdup(h->password) : NULL;
	s->enable_secret = h->enable_secret ? xstrdup(h->enable_secret) : NULL;
	s->key_file = h->key_file ? xstrdup(h->key_file) : NULL;
	s->known_hosts = xstrdup(o->known_hosts);
	s->plat = p;
	s->policy = o->host_key_policy;
	s->persistent = h->persistent >= 0 ? h->persistent : o->persistent;
	s->exec_mode = h->exec_mode >= 0 ? h->exec_mode :
	    o->exec_mode >= 0 ? o->exec_mode : p->exec_default;
	s->legacy = h->legacy_algorithms >= 0 ? h->legacy_algorithms :
	    o->legacy_algorithms;
	s->connect_ms = o->connect_ms;
	s->banner_ms = o->banner_ms;
	s->auth_ms = o->auth_ms;
	s->command_ms = o->command_ms ? o->command_ms : 30000;
	s->keepalive_ms = o->keepalive_ms;
	s->max_output = o->max_output ? o->max_output : SSHC_MAX_OUTPUT;
	s->fd = -1;
	s->state = SSHC_S_INIT;
	s->deadline = s->hard_deadline = HUGE_VAL;
	/* Room for the echo and the prompt; pagers are cut as they come. */
	buf_init(&s->in, s->max_output + 1024);
	buf_init(&s->out, 0);
	buf_init(&s->wq, 64 * 1024);
	s->prompt[0] = '\0';
	return s;
}

static void
s_wipe_free(char *p)
{
	if (p != NULL) {
		explicit_bzero(p, strlen(p));
		free(p);
	}
}

void
sshc_free(struct sshc **sp)
{
	struct sshc *s;

	if (sp == NULL || (s = *sp) == NULL)
		return;
	sshc_close(s);
	s_wipe_free(s->password);
	s_wipe_free(s->enable_secret);
	/* The write queue has carried the secrets too. */
	if (s->wq.data != NULL)
		explicit_bzero(s->wq.data, s->wq.cap);
	free(s->name);
	free(s->hostname);
	free(s->username);
	free(s->key_file);
	free(s->known_hosts);
	buf_free(&s->in);
	buf_free(&s->out);
	buf_free(&s->wq);
	free(s);
	*sp = NULL;
}

int
sshc_start_poll(struct sshc *s, double now)
{
	if (s->polling)
		return -1;
	/* Started again before DONE was stepped into IDLE or CLOSED. */
	if (s->state == SSHC_S_DONE)
		s->state = s->ssh != NULL ? SSHC_S_IDLE : SSHC_S_CLOSED;
	s->polling = 1;
	s->reported = 0;
	s->err = CERR_OK;
	s->errmsg[0] = '\0';
	s->have_output = 0;
	s->pages = 0;
	buf_reset(&s->out);
	s->poll_started = now;

	/* An idle session the device has hung up on is simply re-opened. */
	if (s->state == SSHC_S_IDLE && !sshc_idle_alive(s))
		sshc_close(s);
	if (s->state == SSHC_S_IDLE && s->ssh != NULL) {
		sshc_enter(s, SSHC_S_RUN, now);
		s->run_step = s->exec_mode ? RUN_X_OPEN : RUN_SEND;
		return 0;
	}
	sshc_close(s);
	s->prompt[0] = '\0';
	s->plen = 0;
	sshc_enter(s, SSHC_S_RESOLVE, now);
	if (sshc_resolve_start(s) != 0) {
		s->state = SSHC_S_ERROR;	/* reported by the next step */
		s->resolve_failed = 1;
	}
	return 0;
}

/*
 * Acknowledge what has arrived now rather than after the delayed-ACK timer.
 * A device that does not disable Nagle holds its last small segment (the
 * prompt) until our ACK comes, which Linux delays up to 40 ms: one stall per
 * exchange, measured on every command. Setting TCP_QUICKACK sends a pending
 * ACK at once; the flag is not sticky, hence once per step.
 */
static void
s_quickack(struct sshc *s)
{
	int one = 1;

	if (s->fd >= 0 && s->state > SSHC_S_CONNECT)
		(void)setsockopt(s->fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
}

enum sshc_result
sshc_step(struct sshc *s, double now)
{
	int rc, spins = 0;

	if (s->resolve_failed) {
		s->resolve_failed = 0;
		s->polling = 0;
		s->reported = 1;
		return SSHC_ERROR;
	}
	switch (s->state) {
	case SSHC_S_INIT:
	case SSHC_S_CLOSED:
		return SSHC_CLOSED;
	case SSHC_S_ERROR:
		return SSHC_CLOSED;
	case SSHC_S_DONE:
		if (s->ssh != NULL) {
			sshc_enter(s, SSHC_S_IDLE, now);
			return sshc_idle(s, now);
		}
		sshc_enter(s, SSHC_S_CLOSED, now);
		return SSHC_CLOSED;
	case SSHC_S_IDLE:
		s_quickack(s);
		return sshc_idle(s, now);
	default:
		break;
	}
	s_quickack(s);
	for (;;) {
		/* ST_ADVANCE: progress was made, the next step may be ready. */
		if (++spins > 10000) {
			rc = sshc_fail(s, CERR_PROTO, "state machine loops");
			break;
		}
		rc = state_fns[s->state](s, now);
		if (rc == ST_ADVANCE)
			continue;
		if (rc == ST_AGAIN) {
			if (now < s->deadline && now < s->hard_deadline)
				return SSHC_AGAIN;
			sshc_fail(s, CERR_TIMEOUT, "timed out after %.1f s%s",
			    now - s->entered, s->state == SSHC_S_RUN ||
			    s->state == SSHC_S_SETUP ? (now >= s->hard_deadline ?
			    " (output never finished)" : " (device stopped "
			    "sending)") : "");
			rc = ST_FAIL;
		}
		break;
	}
	if (rc == ST_DONE) {
		s->polling = 0;
		s->have_output = 1;
		s->state = SSHC_S_DONE;
		if (!s->persistent)
			sshc_logout(s);
		return SSHC_DONE;
	}
	/* ST_FAIL: the conversation is out of step; only a new one is safe. */
	log_debug("device=%s %s", s->name, s->errmsg);
	sshc_close(s);
	s->state = SSHC_S_ERROR;
	s->polling = 0;
	s->reported = 1;
	return SSHC_ERROR;
}

int
sshc_fd(const struct sshc *s)
{
	switch (s->state) {
	case SSHC_S_INIT:
	case SSHC_S_RESOLVE:
	case SSHC_S_CLOSED:
	case SSHC_S_ERROR:
		return -1;
	default:
		return s->fd;
	}
}

short
sshc_events(const struct sshc *s)
{
	short ev = POLLIN;

	if (s->state == SSHC_S_CONNECT)
		return POLLOUT;
	if (s->ssh != NULL && (ssh_get_poll_flags(s->ssh) & SSH_WRITE_PENDING))
		ev |= POLLOUT;
	if (s->wq.len > 0)
		ev |= POLLOUT;
	return ev;
}

double
sshc_deadline(const struct sshc *s)
{
	double d;

	switch (s->state) {
	case SSHC_S_INIT:
	case SSHC_S_CLOSED:
	case SSHC_S_ERROR:
		return HUGE_VAL;
	case SSHC_S_DONE:
		return 0;	/* step it now: DONE settles at once */
	case SSHC_S_IDLE:
		if (s->keepalive_ms == 0)
			return HUGE_VAL;
		return s->last_io + s->keepalive_ms / 1000.0;
	default:
		break;
	}
	if (s->more_pending)
		return 0;
	d = s->wake > 0 ? s->wake : HUGE_VAL;
	if (s->deadline < d)
		d = s->deadline;
	if (s->hard_deadline < d)
		d = s->hard_deadline;
	return d;
}

const char *
sshc_output(const struct sshc *s, size_t *len)
{
	if (!s->have_output) {
		if (len)
			*len = 0;
		return NULL;
	}
	if (len)
		*len = s->out.len;
	return s->out.data ? s->out.data : "";
}

int
sshc_set_command(struct sshc *s, const char *cmd)
{
	size_t n = cmd ? strlen(cmd) : 0;

	if (n > SSHC_CMD_MAX || (cmd && strpbrk(cmd, "\r\n") != NULL))
		return -1;
	memcpy(s->log_cmd, cmd ? cmd : "", n);
	s->log_cmd[n] = '\0';
	return 0;
}

const char *
sshc_command(const struct sshc *s)
{
	if (s->log_cmd[0] != '\0')
		return s->log_cmd;
	return s->exec_mode ? s->plat->exec_cmd : s->plat->log_cmd;
}

void
sshc_release(struct sshc *s)
{
	if (s->polling)
		return;
	if (s->out.cap > SSHC_KEEP_BYTES) {
		buf_free(&s->out);
		buf_init(&s->out, 0);
		s->have_output = 0;
	}
	if (s->in.cap > SSHC_KEEP_BYTES) {
		buf_free(&s->in);
		buf_init(&s->in, s->max_output + 1024);
	}
}

enum sshc_state
sshc_state(const struct sshc *s)
{
	return s->state;
}

enum cerr
sshc_error(const struct sshc *s)
{
	return s->err;
}

const char *
sshc_errmsg(const struct sshc *s)
{
	return s->errmsg;
}

unsigned
sshc_pages(const struct sshc *s)
{
	return s->pages;
}

const char *
sshc_prompt(const struct sshc *s)
{
	return s->prompt;
}
