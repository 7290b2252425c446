/* rulepack.c — see rulepack.h. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

#include "analyzer/rules.h"
#include "tests/support/rulepack.h"

const char *
rulepack_src(void)
{
	const char *s = getenv("LOGHAUL_SRC");

	return s ? s : ".";
}

struct rules *
rulepack_load(void)
{
	char glob[1024], err[RULES_ERRLEN];
	char *paths[1] = { glob };
	struct rules *r;

	snprintf(glob, sizeof(glob), "%s/analyzer/rules/*.yaml", rulepack_src());
	r = rules_load(paths, 1, 0, err, sizeof(err));
	cr_assert_not_null(r, "shipped pack does not load: %s", err);
	return r;
}
