#include "common/cerr.h"

static const char *const cerr_strings[] = {
#define CERR_STR(name, str) str,
	CERR_MAP(CERR_STR)
#undef CERR_STR
};

const char *
cerr_str(enum cerr e)
{
	if ((unsigned)e >= CERR__COUNT)
		return "unknown error";
	return cerr_strings[e];
}
