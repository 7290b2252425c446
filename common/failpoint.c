/* failpoint.c — see failpoint.h. */
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/failpoint.h"
#include "common/log.h"
#include "common/util.h"

#define FAILPOINT_ENV	"LOGHAUL_FAILPOINT"

int failpoint_armed;

static char     fp_name[64];
static uint64_t fp_at;		/* the pass that kills, from 1 */
static uint64_t fp_passes;

int
failpoint_init(void)
{
	const char *spec = getenv(FAILPOINT_ENV), *colon;
	size_t n;

	failpoint_armed = 0;
	fp_passes = 0;
	if (spec == NULL)
		return 0;
	colon = strchr(spec, ':');
	n = colon ? (size_t)(colon - spec) : strlen(spec);
	fp_at = 1;
	if (n == 0 || n >= sizeof fp_name ||
	    (colon && util_parse_u64(colon + 1, UINT64_MAX, &fp_at) != CERR_OK) ||
	    fp_at == 0) {
		log_warnx("%s=\"%.80s\": expected NAME or NAME:N with N >= 1; "
		    "no failpoint armed", FAILPOINT_ENV, spec);
		return -1;
	}
	memcpy(fp_name, spec, n);
	fp_name[n] = '\0';
	failpoint_armed = 1;
	log_warnx("failpoint %s armed: this process kills itself at its pass "
	    "%llu (%s; for tests only)", fp_name, (unsigned long long)fp_at,
	    FAILPOINT_ENV);
	return 0;
}

void
failpoint_hit(const char *name)
{
	uint64_t pass;

	if (strcmp(name, fp_name) != 0)
		return;
	/* Atomic: a point may one day sit on a helper thread's path too. */
	pass = __atomic_add_fetch(&fp_passes, 1, __ATOMIC_RELAXED);
	if (pass != fp_at)
		return;
	log_warnx("failpoint %s reached (pass %llu): killing this process",
	    name, (unsigned long long)pass);
	raise(SIGKILL);
	_exit(128 + SIGKILL);	/* not reached: SIGKILL cannot be caught */
}
