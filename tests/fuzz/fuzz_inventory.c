/*
 * fuzz_inventory.c — libFuzzer target for inventory_load_mem().
 *
 * The input is hosts.yaml, groups.yaml and defaults.yaml separated by NUL
 * bytes (which YAML itself never contains): "H", "H\0G" or "H\0G\0D".
 * Loading must not crash, leak, hang or read out of bounds; a refused
 * inventory must say why, naming one of the files; an accepted one must
 * hold the invariants the collector relies on.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/inventory.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
s_die(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz_inventory: %s: %s\n", what, detail ? detail : "");
	abort();
}

static void
s_check(const struct inventory *inv)
{
	for (size_t i = 0; i < inv->nhosts; i++) {
		const struct inv_host *h = &inv->hosts[i];
		int known = 0;

		if (h->name == NULL || h->hostname == NULL || h->platform == NULL)
			s_die("host without name, hostname or platform", h->name);
		for (size_t p = 0; inv_platforms[p]; p++)
			known |= strcmp(inv_platforms[p], h->platform) == 0;
		if (!known)
			s_die("platform not canonical", h->platform);
		if (h->port < 1 || h->port > 65535)
			s_die("port out of range", h->name);
		if (strchr(h->name, '/') != NULL)
			s_die("host name with '/'", h->name);
		if (inventory_find(inv, h->name) == NULL)
			s_die("inventory_find misses a host", h->name);
		for (size_t l = 0; l < h->nlabels; l++)
			if (h->labels[l].key == NULL)
				s_die("label without key", h->name);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct inv_source src[3] = {
		{ "/fuzz/inv/hosts.yaml", NULL, 0 },
		{ "/fuzz/inv/groups.yaml", NULL, 0 },
		{ "/fuzz/inv/defaults.yaml", NULL, 0 },
	};
	const uint8_t *p = data, *end = data + size;
	struct inventory *inv = NULL;
	size_t n = 0;
	char err[512];
	enum cerr e;

	while (n < 3) {
		const uint8_t *nul = n < 2 ? memchr(p, '\0', (size_t)(end - p)) : NULL;

		src[n].data = p;
		src[n].len = (size_t)((nul ? nul : end) - p);
		n++;
		if (nul == NULL)
			break;
		p = nul + 1;
	}
	memset(err, 'x', sizeof err);
	e = inventory_load_mem(&src[0], n > 1 ? &src[1] : NULL,
	    n > 2 ? &src[2] : NULL, &inv, err, sizeof err);
	if (e != CERR_OK) {
		if (memchr(err, '\0', sizeof err) == NULL)
			s_die("error message not terminated", NULL);
		if (inv != NULL)
			s_die("an inventory came back with an error", err);
		if (strncmp(err, "/fuzz/inv/", 10) != 0)
			s_die("error does not name the file", err);
		return 0;
	}
	if (inv == NULL)
		s_die("no inventory and no error", NULL);
	s_check(inv);
	inventory_free(&inv);
	return 0;
}
