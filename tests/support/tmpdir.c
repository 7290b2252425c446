/* tmpdir.c — see tmpdir.h. */
#define _XOPEN_SOURCE 700
#include <criterion/criterion.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/support/tmpdir.h"

char *
tmpdir_new(const char *tag)
{
	char tmpl[256];

	snprintf(tmpl, sizeof tmpl, "/tmp/lh-%s-XXXXXX", tag);
	cr_assert_not_null(mkdtemp(tmpl), "mkdtemp %s", tmpl);
	return strdup(tmpl);
}

static int
s_remove(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

void
tmpdir_remove(const char *dir)
{
	/* depth first (children before their directory), links not followed */
	nftw(dir, s_remove, 16, FTW_DEPTH | FTW_PHYS);
}
