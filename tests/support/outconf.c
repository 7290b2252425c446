/* outconf.c — alert outputs configured in code (outconf.h). */
#include <criterion/criterion.h>
#include <string.h>

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

void
outconf_enum(struct conf_output *co, const char *key, const char *name)
{
	const struct conf_key *k;

	cr_assert_not_null(co->plugin);
	for (k = co->plugin->keys; k->name; k++)
		if (strcmp(k->name, key) == 0 && k->type == CK_ENUM)
			break;
	cr_assert_not_null(k->name, "%s has no enum key %s", co->plugin->name,
	    key);
	for (int i = 0; k->names[i]; i++) {
		if (strcmp(k->names[i], name) == 0) {
			*(int *)((char *)co->opts + k->off) = i;
			return;
		}
	}
	cr_assert_fail("%s.%s has no value %s", co->plugin->name, key, name);
}
