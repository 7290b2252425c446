/* The example configurations users copy must load as they are. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/conf.h"

static void
s_load(const char *rel)
{
	const char *src = getenv("LOGHAUL_SRC");
	char path[1024], err[1024];
	struct conf *c = NULL;

	snprintf(path, sizeof path, "%s/%s", src ? src : ".", rel);
	cr_assert_eq(conf_load(path, &c, err, sizeof err), CERR_OK, "%s", err);
	cr_assert_not_null(c);
	conf_free(&c);
}

Test(examples, demo_config_loads)
{
	s_load("deploy/demo/loghaul.yaml");
}

Test(examples, production_config_loads)
{
	s_load("deploy/etc/loghaul.yaml");
}
