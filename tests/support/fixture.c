#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

#include "tests/support/devsim_harness.h"
#include "tests/support/fixture.h"

const char *
fixture_dir(void)
{
	const char *d = getenv("LOGHAUL_FIXTURES");

	return d ? d : "tests/fixtures/real";
}

char *
fixture_read(const char *rel, size_t *len)
{
	char path[1024];
	char *buf;

	snprintf(path, sizeof path, "%s/%s", fixture_dir(), rel);
	buf = devsim_slurp(path, len);
	cr_assert_not_null(buf, "cannot read %s (set LOGHAUL_FIXTURES)", path);
	return buf;
}
