/* outconf.c — alert outputs configured in code (outconf.h). */
#include <criterion/criterion.h>

#include "analyzer/alerts/output.h"
#include "tests/support/outconf.h"

struct conf_output
outconf(const char *type, const char *key, const char *val)
{
	const struct conf_plugin *p = output_plugin(type);
	struct conf_output co;

	cr_assert_not_null(p, "no output plugin %s", type);
	conf_output_init(&co, p, "/");
	if (key)
		cr_assert_eq(conf_output_set_str(&co, key, val), 0, "%s has no %s",
		    type, key);
	return co;
}
