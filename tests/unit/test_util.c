#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "common/buf.h"
#include "common/cerr.h"
#include "common/util.h"

Test(util, durations)
{
	uint64_t ms;

	cr_assert_eq(util_parse_duration_ms("30s", &ms), CERR_OK);
	cr_assert_eq(ms, 30000);
	cr_assert_eq(util_parse_duration_ms("5m", &ms), CERR_OK);
	cr_assert_eq(ms, 300000);
	cr_assert_eq(util_parse_duration_ms("250ms", &ms), CERR_OK);
	cr_assert_eq(ms, 250);
	cr_assert_eq(util_parse_duration_ms("1m30s", &ms), CERR_OK);
	cr_assert_eq(ms, 90000);
	cr_assert_eq(util_parse_duration_ms("1.5s", &ms), CERR_OK);
	cr_assert_eq(ms, 1500);
	cr_assert_eq(util_parse_duration_ms("10", &ms), CERR_OK);
	cr_assert_eq(ms, 10000);
	cr_assert_eq(util_parse_duration_ms("2h", &ms), CERR_OK);
	cr_assert_eq(ms, 7200000);
}

Test(util, bad_durations)
{
	uint64_t ms = 7;

	cr_assert_eq(util_parse_duration_ms("", &ms), CERR_PARSE);
	cr_assert_eq(util_parse_duration_ms("abc", &ms), CERR_PARSE);
	cr_assert_eq(util_parse_duration_ms("30x", &ms), CERR_PARSE);
	cr_assert_eq(util_parse_duration_ms("1m30", &ms), CERR_PARSE);
	cr_assert_eq(util_parse_duration_ms("-5s", &ms), CERR_RANGE);
	cr_assert_eq(util_parse_duration_ms(" 5s", &ms), CERR_PARSE);
	cr_assert_eq(util_parse_duration_ms("99999999999999999999d", &ms), CERR_RANGE);
	cr_assert_eq(ms, 7, "a refused value must not be written");
}

Test(util, integers)
{
	int64_t v;
	uint64_t u;

	cr_assert_eq(util_parse_i64("22", 1, 65535, &v), CERR_OK);
	cr_assert_eq(v, 22);
	cr_assert_eq(util_parse_i64("abc", 1, 65535, &v), CERR_PARSE);
	cr_assert_eq(util_parse_i64("22abc", 1, 65535, &v), CERR_PARSE);
	cr_assert_eq(util_parse_i64("", 1, 65535, &v), CERR_PARSE);
	cr_assert_eq(util_parse_i64("70000", 1, 65535, &v), CERR_RANGE);
	cr_assert_eq(util_parse_i64("-1", 1, 65535, &v), CERR_RANGE);
	cr_assert_eq(util_parse_i64("-1", -5, 5, &v), CERR_OK);
	cr_assert_eq(v, -1);
	cr_assert_eq(util_parse_u64("18446744073709551616", UINT64_MAX, &u), CERR_RANGE);
	cr_assert_eq(util_parse_u64("-3", 100, &u), CERR_RANGE);
}

Test(util, sizes)
{
	uint64_t v;

	cr_assert_eq(util_parse_size("4096", &v), CERR_OK);
	cr_assert_eq(v, 4096);
	cr_assert_eq(util_parse_size("64k", &v), CERR_OK);
	cr_assert_eq(v, 65536);
	cr_assert_eq(util_parse_size("16KiB", &v), CERR_OK);
	cr_assert_eq(v, 16384);
	cr_assert_eq(util_parse_size("1M", &v), CERR_OK);
	cr_assert_eq(v, 1048576);
	cr_assert_eq(util_parse_size("12q", &v), CERR_PARSE);
}

Test(util, cerr_strings)
{
	cr_assert_str_eq(cerr_str(CERR_OK), "ok");
	cr_assert_str_eq(cerr_str(CERR_HOSTKEY), "host key verification failed");
	cr_assert_str_eq(cerr_str((enum cerr)9999), "unknown error");
}

Test(buf, ceiling)
{
	struct buf b;

	buf_init(&b, 8);
	cr_assert_eq(buf_append(&b, "abcd", 4), CERR_OK);
	cr_assert_eq(buf_append(&b, "efghi", 5), CERR_TOOBIG);
	cr_assert_eq(b.len, 4, "a refused append leaves the buffer as it was");
	cr_assert_eq(buf_printf(&b, "%d", 1234), CERR_OK);
	cr_assert_eq(b.len, 8);
	cr_assert_str_eq(b.data, "abcd1234");
	buf_consume(&b, 3);
	cr_assert_str_eq(b.data, "d1234");
	buf_free(&b);
}

Test(util, mkdir_p)
{
	char tmpl[] = "/tmp/loghaul-mkdir-XXXXXX", path[256], file[256];
	struct stat st;
	FILE *f;

	cr_assert_not_null(mkdtemp(tmpl));
	snprintf(path, sizeof path, "%s/a/b/c", tmpl);
	cr_assert_eq(util_mkdir_p(path, 0700), 0);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert(S_ISDIR(st.st_mode));
	cr_assert_eq(util_mkdir_p(path, 0700), 0, "existing is fine");
	snprintf(file, sizeof file, "%s/file", tmpl);
	f = fopen(file, "w");
	cr_assert_not_null(f);
	fclose(f);
	snprintf(path, sizeof path, "%s/file/sub", tmpl);
	cr_assert_eq(util_mkdir_p(path, 0700), -1, "a file in the way fails");
	snprintf(path, sizeof path, "rm -rf '%s'", tmpl);
	cr_assert_eq(system(path), 0);
}
