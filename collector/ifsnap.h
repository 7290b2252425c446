/*
 * ifsnap.h — a device's interface table, read from the one command per
 * platform that gives each interface's admin state, operational (line
 * protocol) state and description: the truth the alert stage reconciles
 * with when log lines were lost (a wrap, `clear logging`, a reload).
 *
 *   platform         command                        columns used
 *   cisco_ios/xe     show interfaces description    Interface Status Protocol Description
 *   cisco_xr         show interfaces description    Interface Status Protocol Description
 *   arista_eos       show interfaces description    Interface Status Protocol Description
 *   cisco_nxos       show interface status          Port Name Status (Name is the
 *                                                   description, cut to the column)
 *   juniper_junos    show interfaces terse          Interface Admin Link
 *                    + show interfaces descriptions Interface Admin Link Description
 *                    (only described interfaces; ifsnap_add_descr())
 *
 * NX-OS: `show interface description` has no state and `show interface
 * brief` no description; `status` has both (the description cut to its
 * column width) and lists Eth, Po, Lo, Vlan, nve and mgmt.
 *
 * The formats were learnt from real captures (the show_interface* files
 * in tests/fixtures/real/ntc-templates). Interfaces keep the device's own
 * spelling (`Gi0/1`); making it canonical is the caller's business.
 * A row the parser does not understand is skipped and counted (nskipped),
 * never guessed: reconciliation acts only on states it is sure of.
 */
#ifndef LOGHAUL_IFSNAP_H
#define LOGHAUL_IFSNAP_H

#include <stddef.h>

#include "collector/platform.h"

enum ifsnap_state { IFSNAP_UNKNOWN = 0, IFSNAP_UP, IFSNAP_DOWN };

/*
 * Longest description kept; a longer one is cut to it. Devices allow 240
 * (IOS) to 900 (Junos) characters: more is not a description.
 */
#define IFSNAP_MAX_DESCR	1024
/* Longest interface name; a row with a longer one is not understood. */
#define IFSNAP_MAX_NAME		128

struct ifsnap_row {
	const char        *name;	/* as the device spells it: printable,
					 * no spaces */
	/* The device's bytes, any of them (NUL included, hence descr_len),
	 * NUL-terminated; "" when none. Escape before showing. */
	const char        *descr;
	size_t             descr_len;
	enum ifsnap_state  admin;	/* DOWN: shut down by configuration */
	enum ifsnap_state  oper;	/* line protocol (NX-OS: the port) */
};

struct ifsnap {
	struct ifsnap_row *rows;
	size_t             nrows;
	size_t             nskipped;	/* rows not understood */
	/* owned storage behind the strings */
	char              *text;
	size_t             cap;
};

/* The command that prints the table, or NULL where there is none yet. */
const char *ifsnap_command(enum platform_id p);
/* A second command for the descriptions (Junos), or NULL. */
const char *ifsnap_descr_command(enum platform_id p);

/*
 * Parse out[0..len) (the command's output, echo and prompt removed) into
 * s, replacing what it held; s owns copies of every string, valid until
 * the next ifsnap_parse() on s or ifsnap_free(). Returns 0, or -1 with err
 * when the output has no table header the platform prints (the device
 * rejected the command, or printed something else).
 */
int ifsnap_parse(enum platform_id p, const char *out, size_t len,
    struct ifsnap *s, char *err, size_t errlen);

/*
 * Junos: add the descriptions that ifsnap_descr_command() printed in
 * out[0..len) to the rows of s (matched by name; rows without one keep
 * none). s's strings move: earlier pointers into it are invalid. Returns
 * 0, or -1 with err (no table header; s unchanged).
 */
int ifsnap_add_descr(enum platform_id p, struct ifsnap *s, const char *out,
    size_t len, char *err, size_t errlen);

void ifsnap_free(struct ifsnap *s);

/* "up", "down", "unknown" */
const char *ifsnap_strstate(enum ifsnap_state st);

#endif
