/*
 * fuzz_ifsnap_show.c — libFuzzer target for the interface table parser.
 * The input is one device's reply to its interface table command, given
 * to every platform's parser (and, on Junos, as the description table). Every row must have a name and string
 * pointers inside the snapshot's own storage, states among the three
 * values, and a second parse of the same input must give the same rows.
 * (The name ends in "show" so scripts/run-fuzz seeds it with the real
 * device outputs of tests/fixtures.)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector/ifsnap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
s_check(const struct ifsnap *s)
{
	for (size_t i = 0; i < s->nrows; i++) {
		const struct ifsnap_row *r = &s->rows[i];

		if (r->name == NULL || r->name[0] == '\0' || r->descr == NULL)
			abort();
		if (r->name < s->text || r->name >= s->text + s->cap ||
		    r->descr < s->text || r->descr >= s->text + s->cap)
			abort();
		if (r->admin > IFSNAP_DOWN || r->oper > IFSNAP_DOWN)
			abort();
		if (strlen(r->name) > IFSNAP_MAX_NAME ||
		    r->descr_len > IFSNAP_MAX_DESCR || r->descr[r->descr_len] != '\0')
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	for (int p = 0; p < PLATFORM__COUNT; p++) {
		struct ifsnap a = { 0 }, b = { 0 };
		char err[256];
		int ra = ifsnap_parse((enum platform_id)p, (const char *)data, size,
		    &a, err, sizeof err);
		int rb = ifsnap_parse((enum platform_id)p, (const char *)data, size,
		    &b, err, sizeof err);

		if (ra != rb || a.nrows != b.nrows || a.nskipped != b.nskipped)
			abort();
		s_check(&a);
		for (size_t i = 0; i < a.nrows; i++)
			if (strcmp(a.rows[i].name, b.rows[i].name) != 0 ||
			    a.rows[i].descr_len != b.rows[i].descr_len ||
			    memcmp(a.rows[i].descr, b.rows[i].descr,
			    a.rows[i].descr_len) != 0 ||
			    a.rows[i].admin != b.rows[i].admin ||
			    a.rows[i].oper != b.rows[i].oper)
				abort();
		/* Junos: the same bytes as the description table too */
		if (ra == 0 && ifsnap_descr_command((enum platform_id)p) != NULL) {
			size_t n = a.nrows;

			if (ifsnap_add_descr((enum platform_id)p, &a,
			    (const char *)data, size, err, sizeof err) == 0 &&
			    a.nrows != n)
				abort();
			s_check(&a);
		}
		ifsnap_free(&a);
		ifsnap_free(&b);
	}
	return 0;
}
