/*
 * inv.c — what devsim tells its clients: a Nornir SimpleInventory
 * (hosts.yaml, groups.yaml, defaults.yaml), an OpenSSH known_hosts file for
 * the fleet's host key, and `ports` (one "NAME PORT PLATFORM" line per
 * device, for scripts and the test harness).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "tests/devsim/devsim.h"

/* YAML double-quoted scalar. */
static void
s_yq(FILE *fp, const char *s)
{
	fputc('"', fp);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(fp, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			fprintf(fp, "\\x%02x", c);
		else
			fputc(c, fp);
	}
	fputc('"', fp);
}

static FILE *
s_open(const struct fleet *fl, const char *name, char *path, size_t plen,
    char *err, size_t errlen)
{
	FILE *fp;

	snprintf(path, plen, "%s/%s", fl->dir, name);
	fp = fopen(path, "we");
	if (fp == NULL)
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
	return fp;
}

static int
s_close(FILE *fp, const char *path, char *err, size_t errlen)
{
	if (ferror(fp) | fclose(fp)) {
		snprintf(err, errlen, "%s: write failed", path);
		return -1;
	}
	return 0;
}

static int
s_hosts(const struct fleet *fl, char *err, size_t errlen)
{
	char path[4096];
	FILE *fp = s_open(fl, "hosts.yaml", path, sizeof(path), err, errlen);
	size_t i;

	if (fp == NULL)
		return -1;
	fprintf(fp, "---\n# Written by devsim: the simulated fleet as a Nornir SimpleInventory.\n");
	for (i = 0; i < fl->ndevs; i++) {
		const struct device *d = &fl->devs[i];

		fprintf(fp, "%s:\n  hostname: 127.0.0.1\n  port: %d\n  username: ",
		    d->name, d->port);
		s_yq(fp, d->username);
		fprintf(fp, "\n  password: ");
		s_yq(fp, d->password);
		fprintf(fp, "\n  platform: %s\n  groups:\n    - devsim\n", plat_name(d->plat));
		fprintf(fp, "  data:\n    buffer_size: %zu\n    seq_numbers: %s\n    ts_style: %s\n",
		    d->buffer_size, d->seq_numbers ? "true" : "false", ts_style_name(d->ts));
		/* what an operator states for a device whose clock is not UTC */
		if (d->tz != NULL)
			fprintf(fp, "    loghaul:\n      timezone: %s\n", d->tz);
		if (d->enable_secret) {
			fprintf(fp, "  connection_options:\n    netmiko:\n      extras:\n        secret: ");
			s_yq(fp, d->enable_secret);
			fputc('\n', fp);
		}
	}
	return s_close(fp, path, err, errlen);
}

static int
s_small(const struct fleet *fl, const char *name, const char *text, char *err,
    size_t errlen)
{
	char path[4096];
	FILE *fp = s_open(fl, name, path, sizeof(path), err, errlen);

	if (fp == NULL)
		return -1;
	fputs(text, fp);
	return s_close(fp, path, err, errlen);
}

static int
s_known_hosts(const struct fleet *fl, ssh_key key, char *err, size_t errlen)
{
	char path[4096], *b64 = NULL;
	const char *type;
	FILE *fp;
	size_t i;

	if (ssh_pki_export_pubkey_base64(key, &b64) != SSH_OK) {
		snprintf(err, errlen, "cannot export the host key");
		return -1;
	}
	type = ssh_key_type_to_char(ssh_key_type(key));
	fp = s_open(fl, "known_hosts", path, sizeof(path), err, errlen);
	if (fp == NULL) {
		ssh_string_free_char(b64);
		return -1;
	}
	for (i = 0; i < fl->ndevs; i++)
		fprintf(fp, "[127.0.0.1]:%d %s %s\n", fl->devs[i].port, type, b64);
	ssh_string_free_char(b64);
	return s_close(fp, path, err, errlen);
}

static int
s_ports(const struct fleet *fl, char *err, size_t errlen)
{
	char path[4096];
	FILE *fp = s_open(fl, "ports", path, sizeof(path), err, errlen);
	size_t i;

	if (fp == NULL)
		return -1;
	for (i = 0; i < fl->ndevs; i++)
		fprintf(fp, "%s %d %s\n", fl->devs[i].name, fl->devs[i].port,
		    plat_name(fl->devs[i].plat));
	return s_close(fp, path, err, errlen);
}

int
inv_write(const struct fleet *fl, ssh_key hostkey, char *err, size_t errlen)
{
	if (s_hosts(fl, err, errlen) < 0 ||
	    s_small(fl, "groups.yaml", "---\ndevsim:\n  data:\n    simulator: devsim\n", err, errlen) < 0 ||
	    s_small(fl, "defaults.yaml", "---\ndata:\n  site: devsim\n", err, errlen) < 0 ||
	    s_known_hosts(fl, hostkey, err, errlen) < 0 ||
	    s_ports(fl, err, errlen) < 0)
		return -1;
	return 0;
}
