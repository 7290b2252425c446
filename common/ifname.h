/*
 * ifname.h — one canonical name per interface and platform.
 *
 * A device names one interface several ways: "GigabitEthernet0/1" in
 * %LINK-3-UPDOWN, "Gi0/1" in `show interfaces description`, "vlan 20" in
 * the NX-OS SVI message and "Vlan20" in `show interface brief`. The alert
 * stage keys alerts on (device, interface), so it needs one spelling.
 *
 * The canonical name is the long form the platform's own interface-state
 * messages use. A name is split into a type (letters, '-', '_') and the
 * rest, which must begin with a digit ("0/1", "20", "0/0/0/1.100"); at most
 * one space between them is dropped ("vlan 20"). The type is looked up,
 * case-insensitively, in the platform's table: it matches an entry when it
 * is one of the entry's listed abbreviations, or a prefix of the entry's
 * long form at least `min` bytes long. Exactly one entry must match;
 * otherwise, or when the name has any other shape, the name is unknown and
 * is kept byte for byte, so two names the table does not know can never be
 * merged into one. The rest (slot/port, subinterface ".100", breakout
 * ":1") is kept as written.
 *
 * Junos names ("ge-0/0/1", "ge-0/0/1.0", "ae0.0", "st0.60") are kept as
 * they are: on Junos the unit is a logical interface of its own, with its
 * own ifIndex, state and traps (ge-0/0/1.0 can be disabled while ge-0/0/1
 * stays up, and st0.60 is not st0.61), so stripping it would merge
 * different interfaces.
 *
 * Platforms are the inventory's names (cisco_ios, cisco_xe, cisco_nxos,
 * cisco_xr, arista_eos, juniper_junos, huawei*); any other platform, or
 * NULL, keeps every name as it is.
 */
#ifndef LOGHAUL_IFNAME_H
#define LOGHAUL_IFNAME_H

#include <stddef.h>

/* Longest canonical name written; longer input is kept as it is. */
#define IFNAME_MAX 128

/*
 * Writes the canonical form of raw[0..rawlen) for platform into out
 * (outlen bytes, NUL-terminated) and returns its length; a name it does not
 * know is copied unchanged. Returns -1 (out holds "") when the result does
 * not fit in outlen. Never reads past rawlen; raw may hold any byte.
 */
long ifname_canon(const char *platform, const char *raw, size_t rawlen,
    char *out, size_t outlen);

/*
 * The same, for callers that keep the raw bytes when nothing changes: sets
 * *canon and *canonlen to out (when the name changed) or to raw (when it did
 * not, or did not fit), and returns 1 when it changed, else 0.
 */
int ifname_canon_ref(const char *platform, const char *raw, size_t rawlen,
    char *out, size_t outlen, const char **canon, size_t *canonlen);

#endif
