/*
 * ifname.c — interface-name tables per platform (ifname.h). Each table
 * holds the long forms the platform's own state messages print, the
 * shortest prefix it accepts for each (shorter prefixes are ambiguous on
 * the device, or with a neighbouring entry here), and the abbreviations
 * that are not prefixes ("GE" for GigabitEthernet on Huawei, "BE" for
 * Bundle-Ether on IOS XR), as `show interfaces brief` and friends print
 * them.
 */
#include <string.h>
#include <strings.h>

#include "common/ifname.h"

struct ifname_ent {
	const char *full;
	size_t      min;	/* shortest prefix of full that names it */
	const char *alias[3];	/* other abbreviations, NULL-terminated */
};

/* IOS and IOS XE. */
static const struct ifname_ent s_ios[] = {
	{ "Ethernet", 2, { "Eth" } },
	{ "FastEthernet", 2, { NULL } },
	{ "GigabitEthernet", 2, { NULL } },
	{ "TwoGigabitEthernet", 2, { NULL } },
	{ "FiveGigabitEthernet", 2, { NULL } },
	{ "TenGigabitEthernet", 2, { NULL } },
	{ "TwentyFiveGigE", 3, { NULL } },
	{ "FortyGigabitEthernet", 2, { NULL } },
	{ "HundredGigE", 2, { NULL } },
	{ "AppGigabitEthernet", 2, { NULL } },
	{ "Port-channel", 2, { NULL } },
	{ "Vlan", 2, { NULL } },
	{ "Loopback", 2, { NULL } },
	{ "Tunnel", 2, { NULL } },
	{ "Serial", 2, { NULL } },
	{ "Multilink", 2, { NULL } },
	{ "Dialer", 2, { NULL } },
	{ "Null", 2, { NULL } },
	{ "Cellular", 2, { NULL } },
	{ "BDI", 3, { NULL } },
	{ "Virtual-Access", 9, { "Vi" } },
	{ "Virtual-Template", 9, { "Vt" } },
	{ NULL, 0, { NULL } },
};

static const struct ifname_ent s_nxos[] = {
	{ "Ethernet", 2, { NULL } },
	{ "port-channel", 2, { NULL } },
	{ "Vlan", 2, { NULL } },
	{ "loopback", 2, { NULL } },
	{ "mgmt", 2, { NULL } },
	{ "Tunnel", 2, { NULL } },
	{ "nve", 3, { NULL } },
	{ NULL, 0, { NULL } },
};

static const struct ifname_ent s_xr[] = {
	{ "GigabitEthernet", 2, { NULL } },
	{ "TenGigE", 2, { NULL } },
	{ "TwentyFiveGigE", 3, { "TF" } },
	{ "FortyGigE", 2, { NULL } },
	{ "FiftyGigE", 2, { NULL } },
	{ "HundredGigE", 2, { NULL } },
	{ "TwoHundredGigE", 4, { "TH" } },
	{ "FourHundredGigE", 4, { "FH" } },
	{ "Bundle-Ether", 2, { "BE" } },
	{ "Loopback", 2, { NULL } },
	{ "MgmtEth", 2, { NULL } },
	{ "Null", 2, { NULL } },
	{ "BVI", 3, { NULL } },
	{ "tunnel-ip", 8, { "ti" } },
	{ "tunnel-te", 8, { "tt" } },
	{ NULL, 0, { NULL } },
};

static const struct ifname_ent s_eos[] = {
	{ "Ethernet", 2, { NULL } },
	{ "Port-Channel", 2, { NULL } },
	{ "Vlan", 2, { NULL } },
	{ "Loopback", 2, { NULL } },
	{ "Management", 2, { NULL } },
	{ "Tunnel", 2, { NULL } },
	{ "Vxlan", 2, { NULL } },
	{ NULL, 0, { NULL } },
};

/* VRP: "GE0/0/1" in `display interface brief`, the long form in logs. */
static const struct ifname_ent s_huawei[] = {
	{ "GigabitEthernet", 2, { "GE" } },
	{ "XGigabitEthernet", 2, { "XGE" } },
	{ "Ethernet", 4, { "Eth" } },
	{ "Eth-Trunk", 9, { NULL } },
	{ "Vlanif", 6, { NULL } },
	{ "LoopBack", 2, { NULL } },
	{ "MEth", 2, { NULL } },
	{ "Tunnel", 2, { NULL } },
	{ "NULL", 2, { NULL } },
	{ NULL, 0, { NULL } },
};

static const struct {
	const char              *platform;
	size_t                   len;	/* 0: exact name, else a prefix */
	const struct ifname_ent *table;
} s_platforms[] = {
	{ "cisco_ios", 0, s_ios },
	{ "cisco_xe", 0, s_ios },
	{ "cisco_nxos", 0, s_nxos },
	{ "cisco_xr", 0, s_xr },
	{ "arista_eos", 0, s_eos },
	{ "huawei", 6, s_huawei },	/* huawei, huawei_vrp, huawei_vrpv8 */
};

static const struct ifname_ent *
s_table(const char *platform)
{
	size_t i;

	if (platform == NULL)
		return NULL;
	for (i = 0; i < sizeof(s_platforms) / sizeof(s_platforms[0]); i++)
		if (s_platforms[i].len == 0 ?
		    strcmp(platform, s_platforms[i].platform) == 0 :
		    strncmp(platform, s_platforms[i].platform, s_platforms[i].len) == 0)
			return s_platforms[i].table;
	return NULL;
}

static int
s_matches(const struct ifname_ent *e, const char *type, size_t n)
{
	size_t i;

	for (i = 0; i < 3 && e->alias[i] != NULL; i++)
		if (strlen(e->alias[i]) == n && strncasecmp(e->alias[i], type, n) == 0)
			return 1;
	return n >= e->min && n <= strlen(e->full) &&
	    strncasecmp(e->full, type, n) == 0;
}

/* The one entry the type names, or NULL for none or more than one. */
static const struct ifname_ent *
s_lookup(const struct ifname_ent *t, const char *type, size_t n)
{
	const struct ifname_ent *found = NULL;

	for (; t->full != NULL; t++)
		if (s_matches(t, type, n)) {
			if (found != NULL)
				return NULL;
			found = t;
		}
	return found;
}

static int
s_typech(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-' ||
	    c == '_';
}

static long
s_put(char *out, size_t outlen, const char *a, size_t alen, const char *b,
    size_t blen)
{
	if (outlen == 0)
		return -1;
	if (alen + blen + 1 > outlen) {
		out[0] = '\0';
		return -1;
	}
	memcpy(out, a, alen);
	memcpy(out + alen, b, blen);
	out[alen + blen] = '\0';
	return (long)(alen + blen);
}

long
ifname_canon(const char *platform, const char *raw, size_t rawlen, char *out,
    size_t outlen)
{
	const struct ifname_ent *t = s_table(platform), *e;
	size_t n = 0, r, i;

	if (t == NULL || rawlen > IFNAME_MAX)
		return s_put(out, outlen, raw, rawlen, "", 0);
	while (n < rawlen && s_typech((unsigned char)raw[n]))
		n++;
	r = n;
	if (r + 1 < rawlen && raw[r] == ' ')
		r++;
	if (n == 0 || r >= rawlen || raw[r] < '0' || raw[r] > '9')
		return s_put(out, outlen, raw, rawlen, "", 0);
	/* The rest is a port number as devices print it: no blanks or
	 * control bytes, nothing that could hide a second name. */
	for (i = r; i < rawlen; i++)
		if ((unsigned char)raw[i] <= ' ' || (unsigned char)raw[i] >= 0x7f)
			return s_put(out, outlen, raw, rawlen, "", 0);
	if ((e = s_lookup(t, raw, n)) == NULL)
		return s_put(out, outlen, raw, rawlen, "", 0);
	return s_put(out, outlen, e->full, strlen(e->full), raw + r, rawlen - r);
}

int
ifname_canon_ref(const char *platform, const char *raw, size_t rawlen,
    char *out, size_t outlen, const char **canon, size_t *canonlen)
{
	long n = ifname_canon(platform, raw, rawlen, out, outlen);

	if (n < 0 || ((size_t)n == rawlen && memcmp(out, raw, rawlen) == 0)) {
		*canon = raw;
		*canonlen = rawlen;
		return 0;
	}
	*canon = out;
	*canonlen = (size_t)n;
	return 1;
}
