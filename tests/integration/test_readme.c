/*
 * README.md's "Try it on your routers" run as written, so that the README
 * cannot drift from the behaviour: its loghaul.yaml and inventory blocks
 * become the files, its command line runs through /bin/sh, and only the
 * documentation addresses (192.0.2.x, RFC 5737) are pointed at simulated
 * routers on 127.0.0.1 that have the README's users, passwords, enable
 * secret and platforms. What it prints must be each device's buffer, and a
 * second run (no state_dir) must print the whole buffer again and leave
 * nothing on disk.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/util.h"
#include "tests/support/collector_harness.h"
#include "tests/support/devsim_harness.h"

/* The fenced block of kind ("yaml", "sh") that follows heading in text. */
static char *
s_block_after(const char *text, const char *heading, const char *kind)
{
	char fence[32];
	const char *h = strstr(text, heading), *b, *e;

	cr_assert_not_null(h, "README has no '%s'", heading);
	snprintf(fence, sizeof fence, "```%s\n", kind);
	b = strstr(h, fence);
	cr_assert_not_null(b, "README: no ```%s block after '%s'", kind, heading);
	b += strlen(fence);
	e = strstr(b, "```");
	cr_assert_not_null(e);
	return xasprintf("%.*s", (int)(e - b), b);
}

/* Replace the first "from" in *s by "to"; fails the test if absent. */
static void
s_point(char **s, const char *from, const char *to)
{
	char *at = strstr(*s, from), *n;

	cr_assert_not_null(at, "README's inventory no longer has '%s'", from);
	n = xasprintf("%.*s%s%s", (int)(at - *s), *s, to, at + strlen(from));
	free(*s);
	*s = n;
}

/*
 * Write block's parts into dir: each part starts with a "# NAME.yaml"
 * comment line naming its file (as the README shows them). Returns the
 * number of files.
 */
static int
s_write_parts(const char *dir, const char *block)
{
	const char *p = block;
	FILE *f = NULL;
	int n = 0;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) + 1 : strlen(p);
		char name[64];

		if (sscanf(p, "# %63[a-z_.-]", name) == 1 &&
		    strstr(name, ".yaml") != NULL) {
			char *path = xasprintf("%s/%s", dir, name);

			if (f)
				cr_assert_eq(fclose(f), 0);
			cr_assert_not_null(f = fopen(path, "w"), "%s", path);
			free(path);
			n++;
		} else if (f) {
			fwrite(p, 1, len, f);
		}
		p += len;
	}
	if (f)
		cr_assert_eq(fclose(f), 0);
	return n;
}

/* dev's records in out equal devsim device jdev's journal lines, in order. */
static size_t
s_expect_buffer(const char *out, const char *dev, const struct devsim *ds,
    const char *jdev)
{
	struct devsim_journal j = { 0 };
	struct ch_recs r = { 0 };
	const struct ch_rec **v;
	size_t n, nj, *jl, *map;
	char err[512];

	cr_assert_eq(devsim_journal_load(devsim_dir(ds), NULL, &j, err,
	    sizeof err), 0, "%s", err);
	cr_assert_eq(ch_recs_load(out, &r), 0, "%s", out);
	cr_expect_eq(r.bad, 0, "%s", r.badmsg);
	n = ch_dev_recs(&r, dev, &v);
	nj = ch_jlines(&j, jdev, &jl);
	cr_expect_gt(nj, 0);
	cr_expect_eq(n, nj, "%s: %zu records, the device logged %zu lines", dev,
	    n, nj);
	map = xcalloc(n + 1, sizeof *map);
	cr_expect_eq(ch_map(v, n, &j, jdev, 0, map, err, sizeof err), 0, "%s: %s",
	    dev, err);
	cr_expect_eq(ch_count_gaps(v, n, NULL), 0);
	free(map);
	free(v);
	free(jl);
	ch_recs_free(&r);
	devsim_journal_free(&j);
	return n;
}

Test(readme, try_it_on_your_routers_as_written, .timeout = 120)
{
	const char *src = getenv("LOGHAUL_SRC");
	char *readme, *conf, *inv, *cmd, *dir, *spec, *line, *sh, *out, *log;
	char *bin, err[512], addr[64];
	const char *cmd_start;
	struct devsim *ds;
	struct stat st;
	size_t len, n1, n2;
	FILE *f;

	cr_assert_not_null(src, "LOGHAUL_SRC not set");
	{
		char *path = xasprintf("%s/README.md", src);

		readme = devsim_slurp(path, &len);
		cr_assert_not_null(readme, "%s", path);
		free(path);
	}

	/* The README's users, secrets and platforms, on simulated routers. */
	{
		char tmpd[] = "/tmp/loghaul-readme-XXXXXX";

		cr_assert_not_null(mkdtemp(tmpd));
		spec = xasprintf("%s/spec.yaml", tmpd);
	}
	cr_assert_not_null(f = fopen(spec, "w"));
	fprintf(f, "devices:\n"
	    "  r001: {platform: cisco_ios, username: netops, password: rpw-1,"
	    " enable_secret: en-2}\n"
	    "  r002: {platform: cisco_nxos, username: netops, password: rpw-1}\n");
	cr_assert_eq(fclose(f), 0);
	{
		const char *args[] = { "--devices", "2", "--rate", "0",
		    "--prefill", "6", "--seed", "3", "--spec", spec, NULL };

		ds = devsim_start(args, err, sizeof err);
	}
	cr_assert_not_null(ds, "%s", err);
	dir = xasprintf("%s/readme", devsim_dir(ds));
	cr_assert_eq(mkdir(dir, 0700), 0);

	conf = s_block_after(readme, "## Try it on your routers", "yaml");
	cr_assert_eq(s_write_parts(dir, conf), 1, "the loghaul.yaml block");
	inv = s_block_after(readme, "### The inventory", "yaml");
	snprintf(addr, sizeof addr, "hostname: 127.0.0.1\n  port: %d",
	    devsim_port(ds, "r001"));
	s_point(&inv, "hostname: 192.0.2.1", addr);
	snprintf(addr, sizeof addr, "hostname: 127.0.0.1\n  port: %d",
	    devsim_port(ds, "r002"));
	s_point(&inv, "hostname: 192.0.2.7", addr);
	cr_assert_eq(s_write_parts(dir, inv), 3, "hosts, groups, defaults");

	/* The command line, as the README prints it, from build/bin. */
	cmd = s_block_after(readme, "## Try it on your routers", "sh");
	cmd_start = strstr(cmd, "build/bin/loghaul-collector");
	cr_assert_not_null(cmd_start, "README: no collector command");
	line = xasprintf("%.*s", (int)strcspn(cmd_start, "\n"), cmd_start);
	bin = ch_bin("loghaul-collector");
	*strrchr(bin, '/') = '\0';
	{
		char *b = xasprintf("%s/build", dir), *l = xasprintf("%s/bin", b);

		cr_assert_eq(mkdir(b, 0700), 0);
		cr_assert_eq(symlink(bin, l), 0);
		free(b);
		free(l);
	}
	sh = xasprintf("cd '%s' && %s", dir, line);
	out = xasprintf("%s/lines.jsonl", dir);
	log = xasprintf("%s/stderr.log", dir);
	{
		const char *argv[] = { "/bin/sh", "-c", sh, NULL };
		const char *env[] = { "ROUTER_PASSWORD=rpw-1", "ENABLE_SECRET=en-2",
		    NULL };
		int rc = devsim_run(argv, env, NULL, log, 60);
		char *text = devsim_slurp(log, &len);

		cr_assert_eq(rc, 0, "`%s` exited %d:\n%s", line, rc, text);
		free(text);
		n1 = s_expect_buffer(out, "edge-1", ds, "r001") +
		    s_expect_buffer(out, "core-7", ds, "r002");

		/* No state_dir: the whole buffer again, and no files left. */
		rc = devsim_run(argv, env, NULL, log, 60);
		cr_assert_eq(rc, 0);
		n2 = s_expect_buffer(out, "edge-1", ds, "r001") +
		    s_expect_buffer(out, "core-7", ds, "r002");
		cr_expect_eq(n2, n1);
	}
	{
		char *state = xasprintf("%s/state", dir);

		cr_expect_neq(stat(state, &st), 0, "%s was created", state);
		free(state);
	}
	devsim_stop(&ds);
	unlink(spec);
	*strrchr(spec, '/') = '\0';
	rmdir(spec);
	free(spec);
	free(readme);
	free(conf);
	free(inv);
	free(cmd);
	free(line);
	free(sh);
	free(out);
	free(log);
	free(bin);
	free(dir);
}
