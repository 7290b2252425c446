#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/ydoc.h"

static struct ydoc *
s_doc(const char *name, const char *text)
{
	struct ydoc *d = NULL;
	char err[512] = "";

	cr_assert_eq(ydoc_load_mem(name, text, strlen(text), &d, err, sizeof err),
	    CERR_OK, "load failed: %s", err);
	return d;
}

/* Load text, get a dotted path of mapping keys, expect a failing getter. */
static void
s_node_at(struct ydoc *d, const char *path, struct ydoc_node *out)
{
	char buf[256], *save = NULL;

	ydoc_root(d, out);
	snprintf(buf, sizeof buf, "%s", path);
	for (char *k = strtok_r(buf, ".", &save); k; k = strtok_r(NULL, ".", &save))
		ydoc_get(out, k, out);
}

Test(ydoc, typed_values)
{
	struct ydoc *d = s_doc("/etc/x/a.yaml",
	    "a:\n"
	    "  n: 42\n"
	    "  q: \"17\"\n"
	    "  b1: yes\n"
	    "  b2: False\n"
	    "  t: 1m30s\n"
	    "  sz: 64k\n"
	    "  mode: accept-new\n"
	    "  s: hello\n"
	    "  p: rel/file\n"
	    "  abs: /x/y\n");
	static const char *const modes[] = { "strict", "accept-new", NULL };
	struct ydoc_node n;
	int64_t i;
	uint64_t u;
	int b;
	const char *s;
	char *p, err[256];

	s_node_at(d, "a.n", &n);
	cr_assert_eq(ydoc_int(&n, 1, 100, &i, err, sizeof err), CERR_OK);
	cr_assert_eq(i, 42);
	cr_assert_eq(n.line, 2);
	cr_assert_str_eq(n.key, "a.n");
	s_node_at(d, "a.q", &n);
	cr_assert_eq(ydoc_int(&n, 1, 100, &i, err, sizeof err), CERR_OK);
	cr_assert_eq(i, 17, "a quoted number is a number where one is expected");
	s_node_at(d, "a.b1", &n);
	cr_assert_eq(ydoc_bool(&n, &b, err, sizeof err), CERR_OK);
	cr_assert_eq(b, 1);
	s_node_at(d, "a.b2", &n);
	cr_assert_eq(ydoc_bool(&n, &b, err, sizeof err), CERR_OK);
	cr_assert_eq(b, 0);
	s_node_at(d, "a.t", &n);
	cr_assert_eq(ydoc_duration_ms(&n, 1, 3600000, &u, err, sizeof err), CERR_OK);
	cr_assert_eq(u, 90000);
	s_node_at(d, "a.sz", &n);
	cr_assert_eq(ydoc_size(&n, 1, 1 << 20, &u, err, sizeof err), CERR_OK);
	cr_assert_eq(u, 65536);
	s_node_at(d, "a.mode", &n);
	cr_assert_eq(ydoc_enum(&n, modes, &b, err, sizeof err), CERR_OK);
	cr_assert_eq(b, 1);
	s_node_at(d, "a.s", &n);
	cr_assert_eq(ydoc_str(&n, &s, err, sizeof err), CERR_OK);
	cr_assert_str_eq(s, "hello");
	s_node_at(d, "a.p", &n);
	cr_assert_eq(ydoc_path(&n, &p, err, sizeof err), CERR_OK);
	cr_assert_str_eq(p, "/etc/x/rel/file");
	free(p);
	s_node_at(d, "a.abs", &n);
	cr_assert_eq(ydoc_path(&n, &p, err, sizeof err), CERR_OK);
	cr_assert_str_eq(p, "/x/y");
	free(p);
	cr_assert_str_eq(ydoc_name(d), "/etc/x/a.yaml");
	cr_assert_str_eq(ydoc_dir(d), "/etc/x");
	ydoc_free(&d);
	cr_assert_null(d);
	ydoc_free(&d);
}

Test(ydoc, error_names_file_line_key_value)
{
	struct ydoc *d = s_doc("/etc/loghaul/loghaul.yaml",
	    "# comment\n"
	    "collector:\n"
	    "  interval: 30s\n"
	    "  max_sessions: many\n"
	    "  on: maybe\n"
	    "  t: 5x\n"
	    "  mode: lax\n"
	    "  list: [1, 2]\n"
	    "  empty:\n");
	static const char *const modes[] = { "strict", "accept-new", NULL };
	struct ydoc_node n;
	int64_t i = 7;
	uint64_t u;
	int b;
	const char *s;
	char err[512];

	s_node_at(d, "collector.max_sessions", &n);
	cr_assert_eq(ydoc_int(&n, 1, 100000, &i, err, sizeof err), CERR_PARSE);
	cr_assert_str_eq(err, "/etc/loghaul/loghaul.yaml:4: key "
	    "'collector.max_sessions': expected an integer from 1 to 100000, "
	    "got 'many'");
	cr_assert_eq(i, 7, "a refused value is not written");
	cr_assert_eq(ydoc_int(&n, 1, INT64_MAX, &i, err, sizeof err), CERR_PARSE);
	cr_assert(strstr(err, "an integer of at least 1"), "%s", err);
	s_node_at(d, "collector.on", &n);
	cr_assert_eq(ydoc_bool(&n, &b, err, sizeof err), CERR_PARSE);
	cr_assert_str_eq(err, "/etc/loghaul/loghaul.yaml:5: key 'collector.on': "
	    "expected true or false, got 'maybe'");
	s_node_at(d, "collector.t", &n);
	cr_assert_eq(ydoc_duration_ms(&n, 1000, 3600000, &u, err, sizeof err),
	    CERR_PARSE);
	cr_assert_str_eq(err, "/etc/loghaul/loghaul.yaml:6: key 'collector.t': "
	    "expected a duration from 1s to 1h (such as 30s, 5m), got '5x'");
	s_node_at(d, "collector.interval", &n);
	cr_assert_eq(ydoc_duration_ms(&n, 60000, 3600000, &u, err, sizeof err),
	    CERR_PARSE, "below the minimum");
	cr_assert(strstr(err, ":3: key 'collector.interval': expected a duration "
	    "from 1m to 1h"), "%s", err);
	cr_assert_eq(ydoc_size(&n, 1, 10, &u, err, sizeof err), CERR_PARSE);
	cr_assert(strstr(err, "expected a size from 1 to 10 bytes"), "%s", err);
	s_node_at(d, "collector.mode", &n);
	cr_assert_eq(ydoc_enum(&n, modes, &b, err, sizeof err), CERR_PARSE);
	cr_assert_str_eq(err, "/etc/loghaul/loghaul.yaml:7: key 'collector.mode': "
	    "expected one of strict, accept-new, got 'lax'");
	s_node_at(d, "collector.list", &n);
	cr_assert_eq(ydoc_str(&n, &s, err, sizeof err), CERR_PARSE);
	cr_assert_str_eq(err, "/etc/loghaul/loghaul.yaml:8: key 'collector.list': "
	    "expected a string, got a list");
	s_node_at(d, "collector.empty", &n);
	cr_assert_eq(ydoc_kind(&n), YDOC_NULL);
	cr_assert_eq(ydoc_str(&n, &s, err, sizeof err), CERR_PARSE);
	cr_assert(strstr(err, ":9: key 'collector.empty': expected a string, got "
	    "nothing"), "%s", err);
	s_node_at(d, "collector.nope", &n);
	cr_assert_eq(ydoc_kind(&n), YDOC_ABSENT);
	cr_assert_eq(ydoc_int(&n, 1, 2, &i, err, sizeof err), CERR_PARSE);
	cr_assert(strstr(err, ":3: key 'collector.nope': required key is missing"),
	    "an absent key points at its mapping: %s", err);
	ydoc_free(&d);
}

Test(ydoc, null_and_empty)
{
	struct ydoc *d = s_doc("n.yaml", "a: ~\nb: null\nc: ''\nd:\ne: NULL\n");
	struct ydoc_node n;
	char *s, err[256];

	s_node_at(d, "a", &n);
	cr_assert_eq(ydoc_kind(&n), YDOC_NULL);
	cr_assert_not(ydoc_isset(&n));
	s_node_at(d, "b", &n);
	cr_assert_eq(ydoc_kind(&n), YDOC_NULL);
	s_node_at(d, "d", &n);
	cr_assert_eq(ydoc_kind(&n), YDOC_NULL);
	s_node_at(d, "e", &n);
	cr_assert_eq(ydoc_kind(&n), YDOC_NULL);
	cr_assert_str_eq(ydoc_kindname(&n), "null");
	s_node_at(d, "c", &n);
	cr_assert_eq(ydoc_kind(&n), YDOC_SCALAR, "a quoted '' is a string");
	cr_assert_eq(ydoc_strdup(&n, &s, err, sizeof err), CERR_PARSE);
	cr_assert(strstr(err, "n.yaml:3: key 'c': expected a non-empty string"),
	    "%s", err);
	cr_assert_eq(ydoc_path(&n, &s, err, sizeof err), CERR_PARSE);
	ydoc_free(&d);
}

Test(ydoc, empty_documents)
{
	const char *texts[] = { "", "# only a comment\n", "---\n", "\n\n" };

	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		struct ydoc *d = s_doc("e.yaml", texts[i]);
		struct ydoc_node root, v;
		char err[256];

		ydoc_root(d, &root);
		cr_assert_not(ydoc_isset(&root), "text %zu", i);
		cr_assert_eq(ydoc_len(&root), 0);
		cr_assert_eq(ydoc_get(&root, "x", &v), 0);
		cr_assert_eq(ydoc_check_map(&root, NULL, err, sizeof err), CERR_OK);
		ydoc_free(&d);
	}
}

Test(ydoc, syntax_error_has_line_and_column)
{
	const char *text = "collector:\n  interval: 30s\n max_sessions: 64\n";
	struct ydoc *d = NULL;
	char err[512];

	cr_assert_eq(ydoc_load_mem("/etc/l.yaml", text, strlen(text), &d, err,
	    sizeof err), CERR_PARSE);
	cr_assert_null(d);
	cr_assert(strncmp(err, "/etc/l.yaml:3:", 12) == 0, "%s", err);
	cr_assert(strstr(err, "did not find expected key") ||
	    strstr(err, "mapping values are not allowed") ||
	    strstr(err, "expected"), "libyaml's problem is shown: %s", err);

	text = "a: [1, 2\nb: 3\n";
	cr_assert_eq(ydoc_load_mem("f.yaml", text, strlen(text), &d, err,
	    sizeof err), CERR_PARSE);
	cr_assert(strstr(err, "while parsing a flow sequence at line 1"), "%s", err);
}

Test(ydoc, reader_error_names_the_line)
{
	const char text[] = "a: 1\nb: 2\nc: \xff\xfe\n";
	struct ydoc *d = NULL;
	char err[512];

	cr_assert_eq(ydoc_load_mem("u.yaml", text, sizeof text - 1, &d, err,
	    sizeof err), CERR_PARSE);
	cr_assert(strncmp(err, "u.yaml:3: ", 10) == 0, "%s", err);
	cr_assert(strstr(err, "UTF-8"), "%s", err);
}

Test(ydoc, one_document_per_file)
{
	const char *text = "a: 1\n---\na: 2\n";
	struct ydoc *d = NULL;
	char err[512];

	cr_assert_eq(ydoc_load_mem("m.yaml", text, strlen(text), &d, err,
	    sizeof err), CERR_PARSE);
	cr_assert_str_eq(err, "m.yaml:2: only one YAML document per file");
	text = "a: 1\n---\n[oops\n";
	cr_assert_eq(ydoc_load_mem("m.yaml", text, strlen(text), &d, err,
	    sizeof err), CERR_PARSE, "a broken second document is reported too");
	cr_assert(strncmp(err, "m.yaml:", 7) == 0, "%s", err);
}

Test(ydoc, missing_file_and_directory)
{
	struct ydoc *d = NULL;
	char err[512], dir[] = "/tmp/ydoc-test-XXXXXX";

	cr_assert_eq(ydoc_load_file("/nonexistent/loghaul.yaml", &d, err,
	    sizeof err), CERR_NOTFOUND);
	cr_assert_str_eq(err, "/nonexistent/loghaul.yaml: No such file or directory");
	cr_assert_null(d);
	cr_assert_not_null(mkdtemp(dir));
	cr_assert_eq(ydoc_load_file(dir, &d, err, sizeof err), CERR_IO);
	cr_assert(strstr(err, "Is a directory"), "%s", err);
	rmdir(dir);
}

Test(ydoc, file_too_large)
{
	char path[] = "/tmp/ydoc-big-XXXXXX", err[512];
	struct ydoc *d = NULL;
	int fd = mkstemp(path);

	cr_assert_geq(fd, 0);
	cr_assert_eq(ftruncate(fd, YDOC_MAX_FILE + 10), 0);
	close(fd);
	cr_assert_eq(ydoc_load_file(path, &d, err, sizeof err), CERR_TOOBIG);
	cr_assert(strstr(err, "file larger than"), "%s", err);
	unlink(path);
}

Test(ydoc, load_file_and_relative_dir)
{
	char dir[] = "/tmp/ydoc-rel-XXXXXX", path[512], cwd[4096], err[512];
	struct ydoc *d = NULL;
	struct ydoc_node n;
	char *p;
	FILE *f;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/sub", dir);
	cr_assert_eq(mkdir(path, 0700), 0);
	snprintf(path, sizeof path, "%s/sub/c.yaml", dir);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs("p: ../x/./y//z\n", f);
	fclose(f);
	cr_assert_not_null(getcwd(cwd, sizeof cwd));
	cr_assert_eq(chdir(dir), 0);
	/* a relative file name: its directory is made absolute */
	cr_assert_eq(ydoc_load_file("sub/c.yaml", &d, err, sizeof err), CERR_OK,
	    "%s", err);
	cr_assert_eq(chdir(cwd), 0);
	s_node_at(d, "p", &n);
	cr_assert_eq(ydoc_path(&n, &p, err, sizeof err), CERR_OK);
	snprintf(path, sizeof path, "%s/sub/../x/y/z", dir);
	cr_assert_str_eq(p, path);
	free(p);
	ydoc_free(&d);
	snprintf(path, sizeof path, "%s/sub/c.yaml", dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/sub", dir);
	rmdir(path);
	rmdir(dir);
}

Test(ydoc, abspath_cleanup)
{
	char *p;

	p = ydoc_abspath("/etc/loghaul/", "./rules//*.yaml");
	cr_assert_str_eq(p, "/etc/loghaul/rules/*.yaml");
	free(p);
	p = ydoc_abspath("/", "a");
	cr_assert_str_eq(p, "/a");
	free(p);
	p = ydoc_abspath("/x", "/");
	cr_assert_str_eq(p, "/");
	free(p);
	p = ydoc_abspath("/x", ".");
	cr_assert_str_eq(p, "/x");
	free(p);
}

Test(ydoc, check_map_unknown_and_duplicate_keys)
{
	static const char *const known[] = { "interval", "max_sessions", NULL };
	struct ydoc *d = s_doc("c.yaml",
	    "collector:\n  interval: 1s\n  max_session: 3\n"
	    "other:\n  interval: 1s\n  interval: 2s\n"
	    "list: [a]\n");
	struct ydoc_node n;
	char err[512];

	s_node_at(d, "collector", &n);
	cr_assert_eq(ydoc_check_map(&n, known, err, sizeof err), CERR_PARSE);
	cr_assert_str_eq(err, "c.yaml:3: key 'collector.max_session': unknown key "
	    "(known keys: interval, max_sessions)");
	s_node_at(d, "other", &n);
	cr_assert_eq(ydoc_check_map(&n, known, err, sizeof err), CERR_PARSE);
	cr_assert_str_eq(err, "c.yaml:6: key 'other.interval': duplicate key "
	    "(first at line 5)");
	s_node_at(d, "list", &n);
	cr_assert_eq(ydoc_check_map(&n, known, err, sizeof err), CERR_PARSE);
	cr_assert_str_eq(err, "c.yaml:7: key 'list': expected a mapping, got a list");
	ydoc_free(&d);
}

Test(ydoc, first_duplicate_in_file_order)
{
	struct ydoc *d = s_doc("d.yaml", "b: 1\na: 2\nc: 3\na: 4\nb: 5\na: 6\n");
	struct ydoc_node n;
	char err[256];

	ydoc_root(d, &n);
	cr_assert_eq(ydoc_check_map(&n, NULL, err, sizeof err), CERR_PARSE);
	cr_assert_str_eq(err, "d.yaml:4: key 'a': duplicate key (first at line 2)");
	ydoc_free(&d);
	d = s_doc("d.yaml", "ab: 1\na: 2\nabc: 3\n\"\": 4\n");
	ydoc_root(d, &n);
	cr_assert_eq(ydoc_check_map(&n, NULL, err, sizeof err), CERR_PARSE,
	    "an empty key is refused");
	cr_assert(strstr(err, "d.yaml:4: a key must be a non-empty string"), "%s", err);
	ydoc_free(&d);
	d = s_doc("d.yaml", "ab: 1\na: 2\nabc: 3\n");
	ydoc_root(d, &n);
	cr_assert_eq(ydoc_check_map(&n, NULL, err, sizeof err), CERR_OK,
	    "prefixes are different keys");
	ydoc_free(&d);
}

Test(ydoc, complex_and_nul_keys)
{
	struct ydoc *d = s_doc("k.yaml", "m:\n  ? [a, b]\n  : 1\n");
	struct ydoc *d2 = s_doc("k.yaml", "m:\n  \"a\\0b\": 1\n  s: \"x\\0y\"\n");
	struct ydoc_node n, v;
	const char *key, *s;
	char err[512];

	s_node_at(d, "m", &n);
	cr_assert_eq(ydoc_check_map(&n, NULL, err, sizeof err), CERR_PARSE);
	cr_assert(strstr(err, "a key must be a string, not a list"), "%s", err);
	cr_assert_eq(ydoc_pair(&n, 0, &key, &v, err, sizeof err), CERR_PARSE);
	cr_assert_eq(ydoc_pair(&n, 5, &key, &v, err, sizeof err), CERR_PARSE);
	s_node_at(d2, "m", &n);
	cr_assert_eq(ydoc_pair(&n, 0, &key, &v, err, sizeof err), CERR_PARSE);
	cr_assert(strstr(err, "without NUL bytes"), "%s", err);
	s_node_at(d2, "m.s", &v);
	cr_assert_eq(ydoc_str(&v, &s, err, sizeof err), CERR_PARSE);
	cr_assert(strstr(err, "k.yaml:3: key 'm.s': a string must not contain NUL"),
	    "%s", err);
	ydoc_free(&d);
	ydoc_free(&d2);
}

Test(ydoc, sequences_and_pairs)
{
	struct ydoc *d = s_doc("s.yaml", "l:\n  - a\n  - {x: 1}\n  - [z]\nm: {p: 1, q: 2}\n");
	struct ydoc_node n, it, v;
	const char *key;
	char err[256];

	s_node_at(d, "l", &n);
	cr_assert_eq(ydoc_len(&n), 3);
	ydoc_item(&n, 1, &it);
	cr_assert_eq(ydoc_kind(&it), YDOC_MAP);
	cr_assert_str_eq(it.key, "l[1]");
	cr_assert_eq(it.line, 3);
	ydoc_get(&it, "x", &v);
	cr_assert_str_eq(v.key, "l[1].x");
	ydoc_item(&n, 9, &it);
	cr_assert_eq(ydoc_kind(&it), YDOC_ABSENT);
	s_node_at(d, "m", &n);
	cr_assert_eq(ydoc_len(&n), 2);
	cr_assert_eq(ydoc_pair(&n, 1, &key, &v, err, sizeof err), CERR_OK);
	cr_assert_str_eq(key, "q");
	cr_assert_str_eq(v.key, "m.q");
	cr_assert_str_eq(ydoc_kindname(&v), "a string");
	s_node_at(d, "m.p", &v);
	cr_assert_eq(ydoc_len(&v), 0, "a scalar has no items");
	s_node_at(d, "m.none", &v);
	cr_assert_str_eq(ydoc_kindname(&v), "nothing");
	cr_assert_eq(ydoc_bool(&n, &(int){0}, err, sizeof err), CERR_PARSE);
	cr_assert(strstr(err, "s.yaml:5: key 'm': expected true or false, got a "
	    "mapping"), "%s", err);
	ydoc_free(&d);
}

Test(ydoc, merge_keys)
{
	struct ydoc *d = s_doc("m.yaml",
	    "base: &b {x: 1, y: 2}\n"
	    "more: &m {z: 3, x: 9}\n"
	    "one: {<<: *b, y: 5}\n"
	    "two:\n  <<: [*b, *m]\n  w: 0\n"
	    "quoted: {\"<<\": 1}\n");
	struct ydoc_node n;
	int64_t i;
	char err[256];

	s_node_at(d, "one.x", &n);
	cr_assert_eq(ydoc_int(&n, 0, 9, &i, err, sizeof err), CERR_OK, "%s", err);
	cr_assert_eq(i, 1);
	s_node_at(d, "one.y", &n);
	cr_assert_eq(ydoc_int(&n, 0, 9, &i, err, sizeof err), CERR_OK);
	cr_assert_eq(i, 5, "an explicit key wins over a merged one");
	s_node_at(d, "one", &n);
	cr_assert_eq(ydoc_len(&n), 2, "no '<<' key is left");
	s_node_at(d, "two.x", &n);
	cr_assert_eq(ydoc_int(&n, 0, 9, &i, err, sizeof err), CERR_OK);
	cr_assert_eq(i, 1, "the first merged mapping wins");
	s_node_at(d, "two.z", &n);
	cr_assert_eq(ydoc_int(&n, 0, 9, &i, err, sizeof err), CERR_OK);
	cr_assert_eq(i, 3);
	s_node_at(d, "two", &n);
	cr_assert_eq(ydoc_len(&n), 4);
	s_node_at(d, "quoted", &n);
	cr_assert_eq(ydoc_get(&n, "<<", &n), 1, "a quoted '<<' is a plain key");
	ydoc_free(&d);
}

Test(ydoc, bad_merge_keys)
{
	const char *texts[] = {
		"a: &a {<<: *a}\n",
		"a: {<<: 5}\n",
		"a: {<<: [x]}\n",
		"a: &a {b: &b {<<: *a}, <<: *b}\n",
		"s: &s [*s]\nm: {<<: *s}\n",
		"top: {c: &c {<<: 5}, <<: *c}\n",
	};
	const char *want[] = {
		"a mapping cannot merge itself",
		"a merge key takes a mapping",
		"a merge key takes a mapping",
		"cycle",
		"a merge key takes a mapping",
		"a merge key takes a mapping",
	};

	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		struct ydoc *d = NULL;
		char err[512] = "";

		cr_assert_eq(ydoc_load_mem("b.yaml", texts[i], strlen(texts[i]), &d,
		    err, sizeof err), CERR_PARSE, "text %zu", i);
		cr_assert(strstr(err, want[i]), "text %zu: %s", i, err);
		cr_assert(strncmp(err, "b.yaml:", 7) == 0, "%s", err);
	}
}

Test(ydoc, merged_keys_are_bounded)
{
	char *text = malloc(64 * 1024), *p = text;
	struct ydoc *d = NULL;
	char err[512];

	/* 100 keys merged into 1001 mappings: more than YDOC_MERGE_PAIRS */
	p += sprintf(p, "base: &b {");
	for (int i = 0; i < 100; i++)
		p += sprintf(p, "%sk%d: %d", i ? ", " : "", i, i);
	p += sprintf(p, "}\n");
	for (int i = 0; i < 1001; i++)
		p += sprintf(p, "m%d: {<<: *b}\n", i);
	cr_assert_eq(ydoc_load_mem("many.yaml", text, (size_t)(p - text), &d, err,
	    sizeof err), CERR_PARSE);
	cr_assert(strstr(err, "too many merged keys"), "%s", err);
	free(text);
}

/* {c: &a1 {c: &a2 {... {k: 1}}, <<: *a2}, <<: *a1}: each map merges its child */
static size_t
s_nested_merges(char *buf, size_t len, int depth)
{
	size_t l = (size_t)snprintf(buf, len, "top: ");

	for (int i = 1; i <= depth; i++)
		l += (size_t)snprintf(buf + l, len - l, "{c: &a%d ", i);
	l += (size_t)snprintf(buf + l, len - l, "{k: 1}");
	for (int i = depth; i >= 1; i--)
		l += (size_t)snprintf(buf + l, len - l, ", <<: *a%d}", i);
	l += (size_t)snprintf(buf + l, len - l, "\n");
	return l;
}

Test(ydoc, merge_nesting_is_bounded)
{
	static char text[16384];
	struct ydoc *d = NULL;
	struct ydoc_node n;
	char err[512];
	size_t l;

	l = s_nested_merges(text, sizeof text, 30);
	cr_assert_eq(ydoc_load_mem("deep.yaml", text, l, &d, err, sizeof err),
	    CERR_OK, "%s", err);
	s_node_at(d, "top.k", &n);
	cr_assert_eq(ydoc_kind(&n), YDOC_SCALAR, "k is merged all the way up");
	ydoc_free(&d);
	l = s_nested_merges(text, sizeof text, 200);
	cr_assert_eq(ydoc_load_mem("deep.yaml", text, l, &d, err, sizeof err),
	    CERR_PARSE);
	cr_assert(strstr(err, "merges nested too deep"), "%s", err);
}

Test(ydoc, recursive_alias_loads)
{
	struct ydoc *d = s_doc("r.yaml", "s: &s [*s, 1]\n");
	struct ydoc_node n, it, it2;

	s_node_at(d, "s", &n);
	ydoc_item(&n, 0, &it);
	cr_assert_eq(ydoc_kind(&it), YDOC_SEQ);
	ydoc_item(&it, 0, &it2);
	cr_assert_eq(ydoc_kind(&it2), YDOC_SEQ, "the list contains itself");
	ydoc_free(&d);
}

Test(ydoc, quoting_in_messages)
{
	struct ydoc *d = s_doc("q.yaml",
	    "ctl: \"a\\tb\\x1b[2J\"\n"
	    "long: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n"
	    "utf: \"ééééééééééééééééééééééééééééééééééééééééééééééééé\"\n"
	    "pw: hunter2\n");
	struct ydoc_node n;
	char q[128], err[512];
	int64_t i;

	s_node_at(d, "ctl", &n);
	cr_assert_str_eq(ydoc_quote(&n, q, sizeof q), "a\\x09b\\x1B[2J");
	s_node_at(d, "long", &n);
	ydoc_quote(&n, q, sizeof q);
	cr_assert_eq(strlen(q), 63);
	cr_assert(strcmp(q + 60, "...") == 0, "%s", q);
	s_node_at(d, "utf", &n);
	ydoc_quote(&n, q, sizeof q);
	cr_assert(strstr(q, "..."), "%s", q);
	/* never cut inside a two-byte character */
	cr_assert_eq((strlen(q) - 3) % 2, 0, "%s", q);
	ydoc_quote(&n, q, 10);
	cr_assert_str_eq(q, "a string", "a tiny buffer gets the kind only");
	q[0] = 'z';
	ydoc_quote(&n, q, 0);
	cr_assert_eq(q[0], 'z', "no room, nothing written");
	s_node_at(d, "pw", &n);
	n.secret = 1;
	cr_assert_str_eq(ydoc_quote(&n, q, sizeof q), "***");
	cr_assert_eq(ydoc_int(&n, 1, 2, &i, err, sizeof err), CERR_PARSE);
	cr_assert_null(strstr(err, "hunter2"), "%s", err);
	cr_assert_str_eq(err, "q.yaml:4: key 'pw': expected an integer from 1 to 2");
	ydoc_errv(&n, err, sizeof err, "bad");
	cr_assert_null(strstr(err, "hunter2"), "%s", err);
	n.secret = 0;
	ydoc_errv(&n, err, sizeof err, "bad");
	cr_assert_str_eq(err, "q.yaml:4: key 'pw': bad (value 'hunter2')");
	ydoc_root(d, &n);
	ydoc_err(&n, err, sizeof err, "top %d", 1);
	cr_assert_str_eq(err, "q.yaml:1: top 1", "the root has no key part");
	ydoc_err(&n, NULL, 0, "nothing is written");
	ydoc_free(&d);
}

Test(ydoc, long_key_paths_are_cut)
{
	char text[1024], key[301];
	struct ydoc *d;
	struct ydoc_node n, v;

	memset(key, 'k', 300);
	key[300] = '\0';
	snprintf(text, sizeof text, "a:\n  %s:\n    b: \"\\x01\"\n", key);
	d = s_doc("l.yaml", text);
	s_node_at(d, "a", &n);
	ydoc_get(&n, key, &n);
	ydoc_get(&n, "b", &v);
	cr_assert_lt(strlen(v.key), YDOC_KEYLEN);
	cr_assert(strstr(v.key, "..."), "%s", v.key);
	ydoc_free(&d);
}

Test(ydoc, control_bytes_in_keys_are_escaped)
{
	struct ydoc *d = s_doc("c.yaml", "\"a\\x1bb\": {x: 1}\n");
	struct ydoc_node n, v;
	const char *key;
	char err[256];

	ydoc_root(d, &n);
	cr_assert_eq(ydoc_pair(&n, 0, &key, &v, err, sizeof err), CERR_OK);
	cr_assert_str_eq(v.key, "a\\x1Bb");
	ydoc_free(&d);
}
