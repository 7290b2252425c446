/*
 * platform.c — the device profiles. Prompts are matched with PCRE2 on the
 * last line of output only, so that a pattern never has to reason about
 * banners or log text; the exact prompt is then learned by the session and
 * used from there on (see sshc.c).
 */
#define PCRE2_CODE_UNIT_WIDTH 8

#include <pcre2.h>
#include <pthread.h>
#include <string.h>

#include "collector/platform.h"
#include "common/log.h"

/*
 * A host name may hold letters, digits, '-', '.' and '_'. A mode suffix in
 * parentheses follows it in configuration modes: "r1(config-if)#".
 */
#define P_NAME	"[A-Za-z0-9_][A-Za-z0-9._-]*"
#define P_MODE	"(?:\\([A-Za-z0-9._/:-]+\\))?"

static const char *const ios_setup[] = {
	"terminal length 0", "terminal width 0", NULL
};
static const char *const nxos_setup[] = {
	"terminal length 0", "terminal width 511", NULL
};
static const char *const eos_setup[] = {
	"terminal length 0", "terminal width 32767", NULL
};
static const char *const junos_setup[] = {
	"set cli screen-length 0", "set cli screen-width 0", NULL
};

static const struct platform platforms[PLATFORM__COUNT] = {
	[PLATFORM_CISCO_IOS] = {
		PLATFORM_CISCO_IOS, "cisco_ios", "show logging", "show logging",
		ios_setup, 1, 0, "^" P_NAME P_MODE "[>#] ?$", "show clock",
		"show logging | begin ", "", PLATFORM_RE_CISCO
	},
	[PLATFORM_CISCO_XE] = {
		PLATFORM_CISCO_XE, "cisco_xe", "show logging", "show logging",
		ios_setup, 1, 0, "^" P_NAME P_MODE "[>#] ?$", "show clock",
		"show logging | begin ", "", PLATFORM_RE_CISCO
	},
	[PLATFORM_CISCO_NXOS] = {
		PLATFORM_CISCO_NXOS, "cisco_nxos", "show logging logfile",
		"show logging logfile", nxos_setup, 0, 0,
		"^" P_NAME P_MODE "# ?$", "show clock",
		"show logging logfile | begin \"", "\"", PLATFORM_RE_CISCO_QUOTED
	},
	[PLATFORM_ARISTA_EOS] = {
		PLATFORM_ARISTA_EOS, "arista_eos", "show logging", "show logging",
		eos_setup, 1, 0, "^" P_NAME P_MODE "[>#] ?$", "show clock",
		"show logging | begin ", "", PLATFORM_RE_POSIX
	},
	/*
	 * Junos pages through its own CLI pager; `| no-more` switches it off
	 * for this one command even where screen-length cannot be set.
	 */
	[PLATFORM_JUNIPER_JUNOS] = {
		PLATFORM_JUNIPER_JUNOS, "juniper_junos",
		"show log messages | no-more", "show log messages | no-more",
		junos_setup, 0, 0, "^" P_NAME "@" P_NAME "[>#%] ?$",
		"show system uptime | no-more",
		"show log messages | find \"", "\" | no-more",
		PLATFORM_RE_POSIX_QUOTED
	},
	/* "RP/0/RSP0/CPU0:HOST#": the node name, a colon, the host name. */
	[PLATFORM_CISCO_XR] = {
		PLATFORM_CISCO_XR, "cisco_xr", "show logging", "show logging",
		ios_setup, 0, 0, "^[A-Za-z0-9/]+:" P_NAME P_MODE "# ?$", "show clock",
		"show logging | begin ", "", PLATFORM_RE_CISCO
	},
};

static pcre2_code *prompt_code[PLATFORM__COUNT];
static pcre2_code *password_code;
static pthread_once_t compile_once = PTHREAD_ONCE_INIT;

static pcre2_code *
s_compile(const char *re, uint32_t flags)
{
	pcre2_code *code;
	PCRE2_SIZE off;
	int err;

	code = pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED, flags, &err,
	    &off, NULL);
	/* The patterns are constants: failing to compile one is a bug. */
	if (code == NULL)
		fatalx("platform: prompt pattern '%s' does not compile at %zu",
		    re, (size_t)off);
	return code;
}

static void
s_compile_all(void)
{
	for (int i = 0; i < PLATFORM__COUNT; i++)
		prompt_code[i] = s_compile(platforms[i].prompt_re, 0);
	password_code = s_compile("(?i)password: ?$", 0);
}

const struct platform *
platform_find(const char *name)
{
	if (name == NULL)
		return NULL;
	for (int i = 0; i < PLATFORM__COUNT; i++)
		if (strcmp(platforms[i].name, name) == 0)
			return &platforms[i];
	return NULL;
}

const struct platform *
platform_get(enum platform_id id)
{
	if ((unsigned)id >= PLATFORM__COUNT)
		return NULL;
	return &platforms[id];
}

static int
s_match(pcre2_code *code, const char *s, size_t len)
{
	pcre2_match_data *md;
	int rc;

	md = pcre2_match_data_create(1, NULL);
	if (md == NULL)
		return 0;
	rc = pcre2_match(code, (PCRE2_SPTR)s, len, 0, 0, md, NULL);
	pcre2_match_data_free(md);
	return rc > 0;
}

int
platform_match_prompt(const struct platform *p, const char *line, size_t len)
{
	if (p == NULL || line == NULL)
		return 0;
	/* A prompt is short; refusing long lines keeps log text out. */
	if (len == 0 || len > 256)
		return 0;
	pthread_once(&compile_once, s_compile_all);
	return s_match(prompt_code[p->id], line, len);
}

int
platform_wants_enable(const struct platform *p, const char *line, size_t len)
{
	if (p == NULL || !p->uses_enable)
		return 0;
	while (len > 0 && line[len - 1] == ' ')
		len--;
	return len > 0 && line[len - 1] == '>';
}

int
platform_is_password_prompt(const char *line, size_t len)
{
	if (line == NULL || len > 256)
		return 0;
	pthread_once(&compile_once, s_compile_all);
	return s_match(password_code, line, len);
}
