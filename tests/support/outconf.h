/* outconf.h — alert outputs configured in code, for the output tests. */
#ifndef LOGHAUL_TEST_OUTCONF_H
#define LOGHAUL_TEST_OUTCONF_H

#include "common/conf.h"

/*
 * An output of plugin type with its defaults and, when key is not NULL, the
 * string option key set to val (unchecked, as a test may want it wrong).
 * Caller frees it with conf_output_clear().
 */
struct conf_output outconf(const char *type, const char *key, const char *val);
/*
 * Set an enum option (a CK_ENUM key of the plugin's table, as a boolean
 * such as alertmanager's description_label is) to the value named name,
 * as the configuration loader would.
 */
void outconf_enum(struct conf_output *co, const char *key, const char *name);

#endif
