/*
 * plat.c — what each platform's log lines, prompts and headers look like
 * (the shapes in /tmp/formats.md and the real captures under
 * fixtures/real). The generator draws a message kind and random parameters
 * once; each platform renders them in its own words, so a device's message
 * sequence depends only on the seed.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/util.h"
#include "tests/devsim/devsim.h"

static const char *const s_plat_names[PLAT__COUNT] = {
	"cisco_ios", "cisco_xe", "cisco_nxos", "arista_eos", "juniper_junos", "cisco_xr",
};

static const char *const s_ts_names[TS__COUNT] = {
	"msec_tz", "msec", "nomsec_tz", "nomsec", "unsync_star", "leading_dot",
};

static const char *const s_mon[12] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};
static const char *const s_wday[7] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };

static const char *const s_users[] = { "admin", "netops", "jsmith", "automation" };
static const char *const s_ciphers[] = { "aes256-ctr", "aes128-ctr", "aes256-gcm@openssh.com" };
static const char *const s_hmacs[] = { "hmac-sha2-256", "hmac-sha2-512", "hmac-sha1" };
static const char *const s_acls[] = { "ACL-IN", "MGMT-ONLY", "110", "EDGE-FILTER" };

#define PICK(arr, v) ((arr)[(v) % (sizeof(arr) / sizeof((arr)[0]))])

/* 1993-03-01 00:00:00 UTC: where an IOS clock that was never set starts. */
#define UNSYNC_BASE 730944000LL

int
plat_parse(const char *name)
{
	int i;

	for (i = 0; i < PLAT__COUNT; i++)
		if (strcmp(name, s_plat_names[i]) == 0)
			return i;
	return -1;
}

const char *
plat_name(int plat)
{
	return plat >= 0 && plat < PLAT__COUNT ? s_plat_names[plat] : "?";
}

int
ts_style_parse(const char *s)
{
	int i;

	for (i = 0; i < TS__COUNT; i++)
		if (strcmp(s, s_ts_names[i]) == 0)
			return i;
	return -1;
}

const char *
ts_style_name(int ts)
{
	return ts >= 0 && ts < TS__COUNT ? s_ts_names[ts] : "?";
}

int
plat_whole_lines(int plat)
{
	return plat == PLAT_NXOS || plat == PLAT_EOS || plat == PLAT_JUNOS;
}

int
plat_has_enable(int plat)
{
	return plat == PLAT_IOS || plat == PLAT_XE || plat == PLAT_EOS;
}

void
plat_iface_name(int plat, int i, char *out, size_t len)
{
	switch (plat) {
	case PLAT_XE:    snprintf(out, len, "GigabitEthernet1/0/%d", i + 1); break;
	case PLAT_NXOS:  snprintf(out, len, "Ethernet1/%d", i + 1); break;
	case PLAT_EOS:   snprintf(out, len, "Ethernet%d", i + 1); break;
	case PLAT_JUNOS: snprintf(out, len, "ge-0/0/%d", i); break;
	case PLAT_XR:    snprintf(out, len, "GigabitEthernet0/0/0/%d", i); break;
	default:         snprintf(out, len, "GigabitEthernet0/%d", i); break;
	}
}

static void
s_gmtime(int64_t t_ms, struct tm *tm)
{
	time_t t = (time_t)(t_ms / 1000);

	gmtime_r(&t, tm);
}

/* "Nov 22 00:48:05" with the day space-padded, then ".mmm" if msec. */
static void
s_stamp_tm(struct buf *out, const struct tm *tm, int64_t ms, int msec)
{
	buf_printf(out, "%s %2d %02d:%02d:%02d", s_mon[tm->tm_mon], tm->tm_mday,
	    tm->tm_hour, tm->tm_min, tm->tm_sec);
	if (msec)
		buf_printf(out, ".%03d", (int)(ms % 1000));
}

/* The device's clock at true time t_ms, as s_stamp_tm; its zone word. */
static const char *
s_stamp(const struct device *d, struct buf *out, int64_t t_ms, int msec)
{
	struct tm tm;
	const char *abbr;
	int64_t shown = zone_clock(d, t_ms, &tm, &abbr);

	s_stamp_tm(out, &tm, shown, msec);
	return abbr;
}

/* IOS-family timestamp in one of the styles. */
static void
s_ios_ts(const struct device *d, int64_t t_ms, struct buf *out)
{
	const char *zone;

	/* the zone word is "show-timezone": the clock's zone, UTC unless told */
	switch (d->ts) {
	case TS_MSEC:
		s_stamp(d, out, t_ms, 1);
		break;
	case TS_NOMSEC_TZ:
		zone = s_stamp(d, out, t_ms, 0);
		buf_printf(out, " %s", zone);
		break;
	case TS_NOMSEC:
		s_stamp(d, out, t_ms, 0);
		break;
	case TS_UNSYNC_STAR: {
		int64_t up = t_ms - d->boot_ms, shown;
		struct tm tm;

		buf_appendc(out, '*');
		shown = UNSYNC_BASE * 1000 + (up > 0 ? up : 0);
		s_gmtime(shown, &tm);
		s_stamp_tm(out, &tm, shown, 1);
		break;
	}
	case TS_LEADING_DOT:
		buf_appendc(out, '.');
		zone = s_stamp(d, out, t_ms, 1);
		buf_printf(out, " %s", zone);
		break;
	default:
		zone = s_stamp(d, out, t_ms, 1);
		buf_printf(out, " %s", zone);
		break;
	}
}

void
plat_prefix(const struct device *d, uint64_t seq, int64_t t_ms, struct buf *out)
{
	struct tm tm;

	switch (d->plat) {
	case PLAT_NXOS: {
		const char *abbr;
		int64_t shown = zone_clock(d, t_ms, &tm, &abbr);

		buf_printf(out, "%d ", tm.tm_year + 1900);
		s_stamp_tm(out, &tm, shown, d->ts == TS_MSEC || d->ts == TS_MSEC_TZ);
		buf_printf(out, " %s ", d->name);
		break;
	}
	case PLAT_EOS:
	case PLAT_JUNOS:
		s_stamp(d, out, t_ms, 0);
		buf_printf(out, " %s ", d->name);
		break;
	case PLAT_XR:
		if (d->seq_numbers)
			buf_printf(out, "%" PRIu64 ": ", seq);
		/* the admin plane (sysadmin VM) names its node differently */
		if (d->xr_admin)
			buf_append(out, "0/RSP0/ADMIN0:", 14);
		else
			buf_append(out, "RP/0/RSP0/CPU0:", 15);
		s_ios_ts(d, t_ms, out);
		buf_append(out, ": ", 2);
		break;
	default:
		if (d->seq_numbers)
			buf_printf(out, "%06" PRIu64 ": ", seq);
		s_ios_ts(d, t_ms, out);
		buf_append(out, ": ", 2);
		break;
	}
}

static const char *
s_iface(const struct device *d, uint32_t v)
{
	return d->ifaces[v % (uint32_t)d->nifaces].name;
}

static void
s_body_ios(const struct device *d, const struct msg *m, struct buf *o)
{
	const uint32_t *p = m->p;

	switch (m->kind) {
	case MSG_CONFIG:
		buf_printf(o, "%%SYS-5-CONFIG_I: Configured from console by %s on vty%u (10.0.%u.%u)",
		    PICK(s_users, p[0]), p[1] % 5, p[2] % 256, p[3] % 254 + 1);
		break;
	case MSG_ACL:
		buf_printf(o, "%%SEC-6-IPACCESSLOGP: list %s denied %s 192.0.2.%u(%u) -> 198.51.100.%u(%u), %u packet%s",
		    PICK(s_acls, p[0]), p[1] % 3 ? "tcp" : "udp", p[2] % 254 + 1,
		    1024 + p[3] % 60000, p[4] % 254 + 1, p[5] % 2 ? 22u : 443u,
		    p[6] % 20 + 1, p[6] % 20 ? "s" : "");
		break;
	case MSG_OSPF: {
		static const char *const tr[] = {
			"FULL to DOWN, Neighbor Down: Dead timer expired",
			"LOADING to FULL, Loading Done",
			"EXSTART to DOWN, Neighbor Down: Interface down or detached",
		};
		buf_printf(o, "%%OSPF-5-ADJCHG: Process 1, Nbr 10.255.0.%u on %s from %s",
		    p[0] % 254 + 1, s_iface(d, p[1]), PICK(tr, p[2]));
		break;
	}
	case MSG_BGP: {
		static const char *const st[] = {
			"Up", "Down BGP Notification sent", "Down Peer closed the session",
			"Down Interface flap",
		};
		buf_printf(o, "%%BGP-5-ADJCHANGE: neighbor 10.0.%u.%u %s",
		    p[0] % 256, p[1] % 254 + 1, PICK(st, p[2]));
		break;
	}
	case MSG_EIGRP: {
		static const char *const st[] = {
			"up: new adjacency", "down: holding time expired",
			"down: Interface PEER-TERMINATION received",
		};
		buf_printf(o, "%%DUAL-5-NBRCHANGE: EIGRP-IPv4 100: Neighbor 10.1.%u.%u (%s) is %s",
		    p[0] % 256, p[1] % 254 + 1, s_iface(d, p[2]), PICK(st, p[3]));
		break;
	}
	case MSG_SSH:
		buf_printf(o, "%%SSH-5-SSH2_SESSION: SSH2 Session request from 10.0.%u.%u (tty = %u) using crypto cipher '%s', hmac '%s' Succeeded",
		    p[0] % 256, p[1] % 254 + 1, p[2] % 5, PICK(s_ciphers, p[3]),
		    PICK(s_hmacs, p[4]));
		break;
	case MSG_LOGIN:
		if (p[0] % 2)
			buf_printf(o, "%%SEC_LOGIN-4-LOGIN_FAILED: Login failed [user: %s] [Source: 10.0.%u.%u] [localport: 22] [Reason: Login Authentication Failed]",
			    PICK(s_users, p[1]), p[2] % 256, p[3] % 254 + 1);
		else
			buf_printf(o, "%%SSH-5-SSH2_USERAUTH: User '%s' authentication for SSH2 Session from 10.0.%u.%u (tty = %u) using crypto cipher '%s', hmac '%s' Succeeded",
			    PICK(s_users, p[1]), p[2] % 256, p[3] % 254 + 1, p[4] % 5,
			    PICK(s_ciphers, p[5]), PICK(s_hmacs, p[6]));
		break;
	case MSG_MULTI:
	default:
		switch (p[0] % 3) {
		case 0:
			buf_printf(o, "%%CRYPTO-4-PKT_REPLAY_ERR: decrypt: replay check failed\n"
			    "        connection id=%u, sequence number=%u",
			    p[1] % 4000, p[2] % 100000);
			break;
		case 1:
			buf_printf(o, "%%SYS-3-CPUHOG: Task is running for (%u)msecs, more than (2000)msecs (%u/%u),process = Exec.\n"
			    "-Traceback= 0x%08X 0x%08X 0x%08X 0x%08X",
			    2001 + p[1] % 3000, p[2] % 10, p[3] % 10,
			    0x60000000u | (p[4] & 0xffffff), 0x60000000u | (p[5] & 0xffffff),
			    0x60000000u | (p[6] & 0xffffff), 0x60000000u | (p[7] & 0xffffff));
			break;
		default:
			buf_printf(o, "%%SYS-2-MALLOCFAIL: Memory allocation of %u bytes failed from 0x%08X, alignment 0\n"
			    " Pool: Processor  Free: %u  Cause: Memory fragmentation\n"
			    " Alternate Pool: None  Free: 0  Cause: No Alternate pool",
			    (p[1] % 512 + 1) * 64, 0x60000000u | (p[2] & 0xffffff),
			    p[3] % 900000 + 1000);
			break;
		}
		break;
	}
}

static void
s_body_nxos(const struct device *d, const struct msg *m, struct buf *o)
{
	const uint32_t *p = m->p;

	switch (m->kind) {
	case MSG_CONFIG:
	case MSG_MULTI:
		buf_printf(o, "%%VSHD-5-VSHD_SYSLOG_CONFIG_I: Configured from vty by %s on 10.0.%u.%u@pts/%u",
		    PICK(s_users, p[0]), p[1] % 256, p[2] % 254 + 1, p[3] % 8);
		break;
	case MSG_ACL:
		buf_printf(o, "%%ACLLOG-6-ACLLOG_FLOW_INTERVAL: Src IP: 192.0.2.%u, Dst IP: 198.51.100.%u, Src Port: %u, Dst Port: %u, Src Intf: %s, Protocol: \"%s\", Hit-count = %u",
		    p[0] % 254 + 1, p[1] % 254 + 1, 1024 + p[2] % 60000,
		    p[3] % 2 ? 22u : 443u, s_iface(d, p[4]), p[5] % 3 ? "TCP" : "UDP",
		    p[6] % 20 + 1);
		break;
	case MSG_OSPF:
		buf_printf(o, "%%OSPF-5-ADJCHANGE:  ospf-1 [%u]  Nbr 10.255.0.%u on %s went %s",
		    5000 + p[0] % 900, p[1] % 254 + 1, s_iface(d, p[2]),
		    p[3] % 2 ? "FULL" : "DOWN");
		break;
	case MSG_BGP:
		buf_printf(o, "%%BGP-5-ADJCHANGE:  bgp-65000 [%u] (default) neighbor 10.0.%u.%u %s",
		    6000 + p[0] % 900, p[1] % 256, p[2] % 254 + 1, p[3] % 2 ? "Up" : "Down - sent:  holdtimer expired error");
		break;
	case MSG_EIGRP:
		buf_printf(o, "%%EIGRP-5-NBRCHANGE_DUAL:  eigrp-100 [%u] (default-base) IP-EIGRP(0) 100: Neighbor 10.1.%u.%u (%s) is %s",
		    7000 + p[0] % 900, p[1] % 256, p[2] % 254 + 1, s_iface(d, p[3]),
		    p[4] % 2 ? "up: new adjacency" : "down: holding time expired");
		break;
	case MSG_SSH:
	case MSG_LOGIN:
	default:
		buf_printf(o, "%%AUTHPRIV-6-SYSTEM_MSG: pam_unix(aaa:session): session opened for user %s by (uid=0) - aaad[%u]",
		    PICK(s_users, p[0]), 4000 + p[1] % 900);
		break;
	}
}

static void
s_body_eos(const struct device *d, const struct msg *m, struct buf *o)
{
	const uint32_t *p = m->p;

	switch (m->kind) {
	case MSG_CONFIG:
	case MSG_MULTI:
		buf_printf(o, "ConfigAgent: %%SYS-5-CONFIG_I: Configured from console by %s on vty%u (10.0.%u.%u)",
		    PICK(s_users, p[0]), p[1] % 8, p[2] % 256, p[3] % 254 + 1);
		break;
	case MSG_ACL:
		buf_printf(o, "Acl: %%ACL-6-IPACCESS: list %s %s deny %s 192.0.2.%u(%u) -> 198.51.100.%u(%u)",
		    PICK(s_acls, p[0]), s_iface(d, p[1]), p[2] % 3 ? "tcp" : "udp",
		    p[3] % 254 + 1, 1024 + p[4] % 60000, p[5] % 254 + 1, p[6] % 2 ? 22u : 443u);
		break;
	case MSG_OSPF:
		buf_printf(o, "Ospf: %%OSPF-4-OSPF_ADJACENCY_TEARDOWN: NGB 10.255.0.%u, interface %s adjacency dropped: inactivity timer expired, state was: FULL",
		    p[0] % 254 + 1, s_iface(d, p[1]));
		break;
	case MSG_BGP:
		buf_printf(o, "Bgp: %%BGP-5-ADJCHANGE: peer 10.0.%u.%u (VRF default AS 65%03u) old state %s event %s new state %s",
		    p[0] % 256, p[1] % 254 + 1, p[2] % 1000,
		    p[3] % 2 ? "OpenConfirm" : "Established",
		    p[3] % 2 ? "Established" : "Stop",
		    p[3] % 2 ? "Established" : "Idle");
		break;
	case MSG_EIGRP:
		buf_printf(o, "Lldp: %%LLDP-5-NEIGHBOR_NEW: LLDP neighbor with chassisId 5254.00%02x.%04x and portId \"Ethernet%u\" added on interface %s",
		    p[0] % 256, p[1] % 65536, p[2] % 48 + 1, s_iface(d, p[3]));
		break;
	case MSG_SSH:
	case MSG_LOGIN:
	default:
		buf_printf(o, "sshd[%u]: Accepted password for %s from 10.0.%u.%u port %u ssh2",
		    2000 + p[0] % 8000, PICK(s_users, p[1]), p[2] % 256, p[3] % 254 + 1,
		    1024 + p[4] % 60000);
		break;
	}
}

static void
s_body_junos(const struct device *d, const struct msg *m, struct buf *o)
{
	const uint32_t *p = m->p;

	switch (m->kind) {
	case MSG_CONFIG:
	case MSG_MULTI:
		buf_printf(o, "mgd[%u]: UI_COMMIT: User '%s' requested 'commit' operation (comment: none)",
		    3000 + p[0] % 5000, PICK(s_users, p[1]));
		break;
	case MSG_ACL:
		buf_printf(o, "dfwd[%u]: DFWD_PARSE_STATE_ERROR: filter %s: term deny-ssh: source 192.0.2.%u destination 198.51.100.%u port %u discarded",
		    1800 + p[0] % 100, PICK(s_acls, p[1]), p[2] % 254 + 1, p[3] % 254 + 1,
		    p[4] % 2 ? 22u : 443u);
		break;
	case MSG_OSPF:
		buf_printf(o, "rpd[%u]: RPD_OSPF_NBRDOWN: OSPF neighbor 10.255.0.%u (realm ospf-v2 %s.0 area 0.0.0.0) state changed from Full to Down due to InActiveTimer (event reason: BFD session timed out and neighbor was declared dead)",
		    1500 + p[0] % 100, p[1] % 254 + 1, s_iface(d, p[2]));
		break;
	case MSG_BGP:
		buf_printf(o, "rpd[%u]: BGP_PEER_STATE_CHANGED: BGP peer 10.0.%u.%u (External AS 65%03u) changed state from %s (event %s) (instance master)",
		    1500 + p[0] % 100, p[1] % 256, p[2] % 254 + 1, p[3] % 1000,
		    p[4] % 2 ? "OpenConfirm to Established" : "Established to Idle",
		    p[4] % 2 ? "RecvKeepAlive" : "RecvNotify");
		break;
	case MSG_EIGRP:
		buf_printf(o, "lldpd[%u]: LLDP_NEIGHBOR_UP: A neighbor has come up for interface %s. Now, %s is connected to peer-%u.",
		    1700 + p[0] % 100, s_iface(d, p[1]), s_iface(d, p[1]), p[2] % 100);
		break;
	case MSG_SSH:
		buf_printf(o, "sshd[%u]: Accepted password for %s from 10.0.%u.%u port %u ssh2",
		    10000 + p[0] % 50000, PICK(s_users, p[1]), p[2] % 256, p[3] % 254 + 1,
		    1024 + p[4] % 60000);
		break;
	case MSG_LOGIN:
	default:
		buf_printf(o, "mgd[%u]: UI_AUTH_EVENT: Authenticated user '%s' assigned to class 'super-user'",
		    3000 + p[0] % 5000, PICK(s_users, p[1]));
		break;
	}
}

int
plat_xr_admin(const struct msg *m)
{
	return (m->kind == MSG_LOGIN && m->p[5] % 2 == 0) ||
	    (m->kind == MSG_EIGRP && m->p[4] % 3 == 0);
}

/* The admin plane's own messages (its node is 0/RSP0/ADMIN0). */
static void
s_body_xr_admin(const struct msg *m, struct buf *o)
{
	const uint32_t *p = m->p;

	switch (p[6] % 3) {
	case 0:
		buf_printf(o, "wd_diskmon[%u]: %%INFRA-WD_DISKMON_SYSADMIN-4-DISK_WARN : Sysadmin: Device: /var/log Usage %%: %u , State: MINOR, MINOR Threshold %%: 80",
		    3000 + p[0] % 900, 80 + p[1] % 10);
		break;
	case 1:
		buf_printf(o, "pm[%u]: %%INFRA-Process_Manager-3-PROCESS_RESTART : Process %s (IID: 0) restarted",
		    2800 + p[0] % 200, p[1] % 2 ? "tams" : "ssh_server");
		break;
	default:
		buf_printf(o, "vm_manager[%u]: %%INFRA-VM_MANAGER-4-INFO : Info: vm_manager started VM default-sdr--%u",
		    3300 + p[0] % 200, 1 + p[1] % 2);
		break;
	}
}

static void
s_body_xr(const struct device *d, const struct msg *m, struct buf *o)
{
	const uint32_t *p = m->p;

	if (plat_xr_admin(m)) {
		s_body_xr_admin(m, o);
		return;
	}
	switch (m->kind) {
	case MSG_CONFIG:
		buf_printf(o, "config[%u]: %%MGBL-CONFIG-6-DB_COMMIT : Configuration committed by user '%s'. Use 'show configuration commit changes 10000%05u' to view the changes. ",
		    65000 + p[0] % 900, PICK(s_users, p[1]), p[2] % 100000);
		break;
	case MSG_ACL:
		buf_printf(o, "ipv4_acl_mgr[%u]: %%ACL-IPV4_ACL-6-IPACCESSLOGP : access-list %s (10) deny %s 192.0.2.%u(%u) -> 198.51.100.%u(%u), %u packet%s",
		    260 + p[0] % 20, PICK(s_acls, p[1]), p[2] % 3 ? "tcp" : "udp",
		    p[3] % 254 + 1, 1024 + p[4] % 60000, p[5] % 254 + 1, p[6] % 2 ? 22u : 443u,
		    p[7] % 20 + 1, p[7] % 20 ? "s" : "");
		break;
	case MSG_OSPF:
		buf_printf(o, "ospf[%u]: %%ROUTING-OSPF-5-ADJCHG : Process 1, Nbr 10.255.0.%u on %s in area 0 from %s, vrf default vrfid 0x60000000",
		    1000 + p[0] % 50, p[1] % 254 + 1, s_iface(d, p[2]),
		    p[3] % 2 ? "LOADING to FULL, Loading Done" : "FULL to DOWN, Neighbor Down: dead timer expired");
		break;
	case MSG_BGP:
		buf_printf(o, "bgp[%u]: %%ROUTING-BGP-5-ADJCHANGE : neighbor 10.0.%u.%u %s (VRF: default) (AS: 65%03u)",
		    1050 + p[0] % 20, p[1] % 256, p[2] % 254 + 1,
		    p[3] % 2 ? "Up" : "Down - BGP Notification sent, hold time expired", p[4] % 1000);
		break;
	case MSG_EIGRP:
		buf_printf(o, "lldp_agent[%u]: %%L2-LLDP-6-NEW_NEIGHBOR : New LLDP neighbor found on %s: chassis id 5254.00%02x.%04x",
		    300 + p[0] % 50, s_iface(d, p[1]), p[2] % 256, p[3] % 65536);
		break;
	case MSG_SSH:
		buf_printf(o, "SSHD_[%u]: %%SECURITY-SSHD-6-INFO_SUCCESS : Successfully authenticated user '%s' from '10.0.%u.%u' on 'vty%u'(cipher '%s', mac '%s')",
		    65000 + p[0] % 900, PICK(s_users, p[1]), p[2] % 256, p[3] % 254 + 1,
		    p[4] % 5, PICK(s_ciphers, p[5]), PICK(s_hmacs, p[6]));
		break;
	case MSG_LOGIN:
		buf_printf(o, "exec[%u]: %%SECURITY-LOGIN-6-AUTHEN_SUCCESS : Successfully authenticated user '%s' from '10.0.%u.%u' on 'vty%u'",
		    65000 + p[0] % 900, PICK(s_users, p[1]), p[2] % 256, p[3] % 254 + 1, p[4] % 5);
		break;
	case MSG_MULTI:
	default:
		buf_printf(o, "wdsysmon[%u]: %%HA-HA_WD-4-MEMORY_ALARM : Memory threshold crossed: Minor with %u.%03uMB free\n"
		    "  Top processes: bgp (%u kB), ipv4_rib (%u kB)",
		    400 + p[0] % 50, 100 + p[1] % 400, p[2] % 1000, p[3] % 900000, p[4] % 400000);
		break;
	}
}

void
plat_body(const struct device *d, const struct msg *m, struct buf *out)
{
	switch (d->plat) {
	case PLAT_NXOS:  s_body_nxos(d, m, out); break;
	case PLAT_EOS:   s_body_eos(d, m, out); break;
	case PLAT_JUNOS: s_body_junos(d, m, out); break;
	case PLAT_XR:    s_body_xr(d, m, out); break;
	default:         s_body_ios(d, m, out); break;
	}
}

/* Start a new body in a '\0'-separated list. */
static void
s_next(struct buf *out, int *count)
{
	if (*count > 0)
		buf_appendc(out, '\0');
	(*count)++;
}

int
plat_flap_bodies(const struct device *d, const char *ifn, int ifidx, int state,
    struct buf *o)
{
	int count = 0;
	const char *ud = state == IF_UP ? "up" : "down";
	const char *UD = state == IF_UP ? "Up" : "Down";

	switch (d->plat) {
	case PLAT_NXOS:
		s_next(o, &count);
		if (state == IF_UP)
			buf_printf(o, "%%ETHPORT-5-IF_UP: Interface %s is up in mode %s",
			    ifn, ifidx >= 0 && ifidx % 2 ? "access" : "trunk");
		else if (state == IF_ADMIN_DOWN)
			buf_printf(o, "%%ETHPORT-5-IF_DOWN_ADMIN_DOWN: Interface %s is down (Administratively down)", ifn);
		else
			buf_printf(o, "%%ETHPORT-5-IF_DOWN_LINK_FAILURE: Interface %s is down (Link failure)", ifn);
		break;
	case PLAT_EOS: {
		char desc[32] = "";

		/* newer EOS names the description when the port has one */
		if (ifidx >= 0 && ifidx < 2)
			snprintf(desc, sizeof(desc), " (uplink-%d)", ifidx + 1);
		if (state == IF_ADMIN_DOWN) {
			s_next(o, &count);
			buf_printf(o, "Ebra: %%LINK-5-CHANGED: Interface %s%s, changed state to administratively down", ifn, desc);
		}
		s_next(o, &count);
		buf_printf(o, "Ebra: %%LINEPROTO-5-UPDOWN: Line protocol on Interface %s%s, changed state to %s",
		    ifn, desc, ud);
		break;
	}
	case PLAT_JUNOS: {
		unsigned idx = ifidx >= 0 ? 500u + (unsigned)ifidx
		    : 600u + (unsigned)(util_hash64(ifn, strlen(ifn)) % 300);

		s_next(o, &count);
		buf_printf(o, "mib2d[2424]: SNMP_TRAP_LINK_%s: ifIndex %u, ifAdminStatus %s, ifOperStatus %s, ifName %s",
		    state == IF_UP ? "UP" : "DOWN", idx,
		    state == IF_ADMIN_DOWN ? "down(2)" : "up(1)",
		    state == IF_UP ? "up(1)" : "down(2)", ifn);
		break;
	}
	case PLAT_XR:
		s_next(o, &count);
		if (state == IF_ADMIN_DOWN)
			buf_printf(o, "ifmgr[257]: %%PKT_INFRA-LINK-5-CHANGED : Interface %s, changed state to Administratively Down", ifn);
		else
			buf_printf(o, "ifmgr[257]: %%PKT_INFRA-LINK-3-UPDOWN : Interface %s, changed state to %s", ifn, UD);
		s_next(o, &count);
		buf_printf(o, "ifmgr[257]: %%PKT_INFRA-LINEPROTO-5-UPDOWN : Line protocol on Interface %s, changed state to %s", ifn, UD);
		break;
	default:
		s_next(o, &count);
		if (state == IF_ADMIN_DOWN)
			buf_printf(o, "%%LINK-5-CHANGED: Interface %s, changed state to administratively down", ifn);
		else
			buf_printf(o, "%%LINK-3-UPDOWN: Interface %s, changed state to %s", ifn, ud);
		s_next(o, &count);
		buf_printf(o, "%%LINEPROTO-5-UPDOWN: Line protocol on Interface %s, changed state to %s", ifn, ud);
		break;
	}
	return count;
}

void
plat_restart_bodies(const struct device *d, struct buf *o, int *count)
{
	*count = 0;
	switch (d->plat) {
	case PLAT_NXOS:
		s_next(o, count);
		buf_printf(o, "%%PLATFORM-5-MOD_STATUS: Module 1 current-status is MOD_STATUS_ONLINE/OK");
		break;
	case PLAT_EOS:
		s_next(o, count);
		buf_printf(o, "ProcMgr-worker: %%PROCMGR-6-PROCESS_STARTED: 'Ebra' starting with PID=1875 (PPID=1544) -- execing '/usr/bin/Ebra'");
		break;
	case PLAT_JUNOS:
		s_next(o, count);
		buf_printf(o, "newsyslog[1207]: logfile turned over due to size>1024K");
		s_next(o, count);
		buf_printf(o, "/kernel: Copyright (c) 1996-2023, Juniper Networks, Inc.");
		break;
	case PLAT_XR:
		s_next(o, count);
		buf_printf(o, "syslog_dev[91]: %%OS-SYSLOG-6-SYSTEM_RESTART : System restarted\n"
		    "Cisco IOS XR Software, Version 7.5.2\n"
		    "Copyright (c) 2013-2022 by Cisco Systems, Inc.");
		break;
	default:
		/* the banner lines carry no timestamp, as on a real restart */
		s_next(o, count);
		buf_printf(o, "%%SYS-5-RESTART: System restarted --\n"
		    "Cisco IOS Software, %s Software (%s), Version %s, RELEASE SOFTWARE (fc2)\n"
		    "Technical Support: http://www.cisco.com/techsupport\n"
		    "Copyright (c) 1986-2023 by Cisco Systems, Inc.\n"
		    "Compiled Thu 12-Jan-23 09:14 by mcpre",
		    d->plat == PLAT_XE ? "IOS-XE" : "IOSv",
		    d->plat == PLAT_XE ? "X86_64_LINUX_IOSD-UNIVERSALK9-M" : "VIOS-ADVENTERPRISEK9-M",
		    d->plat == PLAT_XE ? "17.9.3a" : "15.9(3)M7");
		s_next(o, count);
		buf_printf(o, "%%SNMP-5-COLDSTART: SNMP agent on host %s is undergoing a cold start", d->name);
		break;
	}
}

void
plat_prompt(const struct device *d, const char *user, int priv, struct buf *out)
{
	switch (d->plat) {
	case PLAT_JUNOS:
		buf_printf(out, "%s@%s> ", user, d->name);
		break;
	case PLAT_XR:
		buf_printf(out, "RP/0/RSP0/CPU0:%s#", d->name);
		break;
	default:
		buf_printf(out, "%s%c", d->name, priv >= 15 ? '#' : '>');
		break;
	}
}

const char *
plat_pager(int plat)
{
	return plat == PLAT_JUNOS ? "---(more)---" : " --More-- ";
}

static void
s_header_ios(const struct device *d, struct buf *o)
{
	unsigned long long n = (unsigned long long)d->logged;

	buf_printf(o,
	    "Syslog logging: enabled (0 messages dropped, 3 messages rate-limited, 0 flushes, 0 overruns, xml disabled, filtering disabled)\n"
	    "\n"
	    "No Active Message Discriminator.\n"
	    "\n\n\n"
	    "No Inactive Message Discriminator.\n"
	    "\n\n"
	    "    Console logging: level debugging, %llu messages logged, xml disabled,\n"
	    "                     filtering disabled\n"
	    "    Monitor logging: level debugging, 0 messages logged, xml disabled,\n"
	    "                     filtering disabled\n"
	    "    Buffer logging:  level debugging, %llu messages logged, xml disabled,\n"
	    "                    filtering disabled\n"
	    "    Exception Logging: size (4096 bytes)\n"
	    "    Count and timestamp logging messages: disabled\n"
	    "    Persistent logging: disabled\n"
	    "\n"
	    "No active filter modules.\n"
	    "\n"
	    "    Trap logging: level informational, %llu message lines logged\n"
	    "        Logging Source-Interface:       VRF Name:\n"
	    "\n"
	    "Log Buffer (%zu bytes):\n",
	    n, n, n, d->buffer_size);
}

void
plat_log_header(const struct device *d, struct buf *o)
{
	unsigned long long n = (unsigned long long)d->logged;

	switch (d->plat) {
	case PLAT_NXOS:
	case PLAT_JUNOS:
		break;	/* the log file itself, no header */
	case PLAT_EOS:
		buf_printf(o,
		    "Syslog logging: enabled\n"
		    "    Buffer logging: level debugging\n"
		    "    Console logging: level errors\n"
		    "    Persistent logging: disabled\n"
		    "    Monitor logging: level errors\n"
		    "    Synchronous logging: disabled\n"
		    "    Trap logging: level informational\n"
		    "    Sequence numbers: Disabled\n"
		    "    Syslog facility: local7\n"
		    "    Hostname format: Hostname only\n"
		    "    Repeat logging interval: disabled\n"
		    "    Repeat messages: disabled\n"
		    "    Root login logging: disabled\n"
		    "\n"
		    "Log Buffer:\n");
		break;
	case PLAT_XR:
		buf_printf(o,
		    "Syslog logging: enabled (0 messages dropped, 0 flushes, 0 overruns)\n"
		    "    Console logging: level warnings, %llu messages logged\n"
		    "    Monitor logging: level debugging, 0 messages logged\n"
		    "    Trap logging: level informational, %llu messages logged\n"
		    "    Buffer logging: level debugging, %llu messages logged\n"
		    "\n"
		    "Log Buffer (%zu bytes):\n",
		    n, n, n, d->buffer_size);
		break;
	default:
		s_header_ios(d, o);
		break;
	}
}

void
plat_clock(const struct device *d, int64_t t_ms, struct buf *o)
{
	struct tm tm;
	int64_t shown;
	const char *zone = "UTC";
	char mark = '\0';

	if (d->plat == PLAT_EOS || d->plat == PLAT_JUNOS) {
		shown = zone_clock(d, t_ms, &tm, &zone);
		if (d->plat == PLAT_EOS) {
			/* EOS names the zone as configured: a tz database name */
			buf_printf(o, "%s %s %2d %02d:%02d:%02d %d\ntimezone is %s\n",
			    s_wday[tm.tm_wday], s_mon[tm.tm_mon], tm.tm_mday,
			    tm.tm_hour, tm.tm_min, tm.tm_sec, tm.tm_year + 1900,
			    d->tz ? d->tz : "UTC");
			return;
		}
		/* Junos: show system uptime */
		buf_printf(o, "Current time: %d-%02d-%02d %02d:%02d:%02d %s\n"
		    "Time Source:  NTP CLOCK\n", tm.tm_year + 1900, tm.tm_mon + 1,
		    tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, zone);
		zone_clock(d, d->boot_ms, &tm, &zone);
		buf_printf(o, "System booted: %d-%02d-%02d %02d:%02d:%02d %s\n",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		    tm.tm_min, tm.tm_sec, zone);
		return;
	}
	if (d->ts == TS_UNSYNC_STAR) {
		shown = UNSYNC_BASE * 1000 + (t_ms - d->boot_ms);
		s_gmtime(shown, &tm);
		mark = '*';
	} else {
		shown = zone_clock(d, t_ms, &tm, &zone);
		if (d->ts == TS_LEADING_DOT)
			mark = '.';
	}
	if (mark)
		buf_appendc(o, mark);
	buf_printf(o, "%02d:%02d:%02d.%03d %s %s %s %d %d\n", tm.tm_hour, tm.tm_min,
	    tm.tm_sec, (int)(shown % 1000), zone, s_wday[tm.tm_wday],
	    s_mon[tm.tm_mon], tm.tm_mday, tm.tm_year + 1900);
}
