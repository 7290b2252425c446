/*
 * Hostile devices (issue 6, "Bad input"): what a device may send that no
 * router should, against the real collector, beside well-behaved devsim
 * devices polled in the same run.
 *
 *   - a 10 MiB line among ordinary ones (OpenSSH's sshd, ForceCommand
 *     ssh_hostile_shell.py): cut to WIRE_MAX_LINE, the rest exact;
 *   - output that never ends, fast (the 16 MiB ceiling on one command's
 *     output, SSHC_MAX_OUTPUT, not configurable) or trickling (the hard
 *     deadline, 4 x ssh.timeouts.command);
 *   - output that stops without its line end and never shows the prompt,
 *     and a login that never shows one (ssh.timeouts.command, .banner);
 *   - an SSH server that breaks the protocol (ssh_rogue.py): messages before
 *     KEXINIT, garbage and huge packet lengths: reason "protocol error", not
 *     "connection closed by peer" (libssh closed the session, not the
 *     device).
 *
 * Each: the device's poll fails (or is cut) with its reason in the log and
 * the --once summary, nothing of it is forwarded, the collector's peak RSS
 * stays within its baseline + 64 MiB, and the devsim devices' records equal
 * their journal. The last test runs the whole pipeline: only the one real
 * %LINK-3-UPDOWN line raises an alert, never a fake one inside another
 * message, a line cut short or a poll that failed half way.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cerr.h"
#include "common/util.h"
#include "common/wire.h"
#include "tests/support/collector_harness.h"
#include "tests/support/devsim_harness.h"
#include "tests/support/pipeline.h"
#include "tests/support/proc.h"
#include "tests/support/sshd.h"

enum { HS_BIG, HS_ENDLESS, HS_TRICKLE, HS_NOTAIL, HS_NOPROMPT, HS__N };
static const char *const hs_name[HS__N] = {
	"sshd-big", "sshd-endless", "sshd-trickle", "sshd-notail",
	"sshd-noprompt",
};
static const char *const hs_mode[HS__N] = {
	"buffer", "endless", "trickle", "notail", "noprompt",
};

static const char *const rogue_variants[] = {
	"channel_data_first", "auth_success_first", "newkeys_first",
	"kexinit_garbage", "huge_length", "kexinit_huge_length",
};
#define NROGUE (sizeof rogue_variants / sizeof rogue_variants[0])
/* What libssh (0.10) says about each, as the log line carries it. */
static const char *const rogue_why[NROGUE] = {
	"(Packet filter: rejected packet (type 94))",
	"(Packet filter: rejected packet (type 52))",
	"(Packet filter: rejected packet (type 21))",
	"(read_packet(): Packet len too high(",
	"(read_packet(): Packet len too high(2147483647 7fffffff))",
	"(read_packet(): Packet len too high(2147483647 7fffffff))",
};

/* The devsim devices of the --once tests: static buffers, two flaps. */
static const char *const once_fleet[] = {
	"--devices", "2", "--rate", "0", "--prefill", "12", "--seed", "3", NULL,
};
static const char *const ds_devs[] = { "r001", "r002" };

/* Peak RSS allowed over the run's baseline (KiB). */
#define RSS_SLACK_KB	(64L * 1024)

static struct {
	struct devsim *ds;
	struct sshd   *sd;
	struct proc    rogue;
	int            rport[NROGUE];
	const char    *dir;
	int            run;
} hd;

static void
hd_fini(void)
{
	proc_stop(&hd.rogue, SIGTERM, 10);
	sshd_stop(&hd.sd);
	devsim_stop(&hd.ds);
}

static char *
hd_path(const char *name)
{
	return xasprintf("%s/%s", hd.dir, name);
}

/* devsim with args; sshd with one port per hostile shell; the rogue. */
static void
hd_setup(const char *const *args)
{
	const char *src = getenv("LOGHAUL_SRC");
	char *cmds[HS__N], err[2048], *kh;

	cr_assert_not_null(src, "LOGHAUL_SRC not set");
	hd.ds = devsim_start(args, err, sizeof err);
	cr_assert_not_null(hd.ds, "%s", err);
	hd.dir = devsim_dir(hd.ds);
	for (size_t i = 0; i < HS__N; i++)
		cmds[i] = xasprintf("/usr/bin/python3 %s/tests/integration/"
		    "ssh_hostile_shell.py %s %s/big.raw", src, hs_mode[i], hd.dir);
	hd.sd = sshd_start(hd.dir, (const char *const *)cmds, HS__N, err,
	    sizeof err);
	for (size_t i = 0; i < HS__N; i++)
		free(cmds[i]);
	cr_assert_not_null(hd.sd, "%s", err);
	kh = hd_path("known_hosts");
	cr_assert_eq(sshd_known_hosts(hd.sd, kh), 0);
	free(kh);

	{
		char *argv[NROGUE + 3];
		char *script = xasprintf("%s/tests/integration/ssh_rogue.py", src);
		char *logp = hd_path("rogue.log");
		char *ready = hd_path("rogue.ready");

		argv[0] = (char *)(uintptr_t)"/usr/bin/python3";
		argv[1] = script;
		for (size_t i = 0; i < NROGUE; i++)
			argv[2 + i] = (char *)(uintptr_t)rogue_variants[i];
		argv[NROGUE + 2] = NULL;
		cr_assert_eq(proc_spawn(&hd.rogue, argv, logp, ready, NULL), 0);
		cr_assert_eq(proc_wait_ready(&hd.rogue, 10), 0,
		    "ssh_rogue.py wrote no %s (log: %s)", ready, logp);
		free(script);
		free(logp);
		free(ready);
	}
	for (size_t i = 0; i < NROGUE; i++) {
		hd.rport[i] = proc_ready_value(&hd.rogue, rogue_variants[i]);
		cr_assert_gt(hd.rport[i], 0, "no port for %s", rogue_variants[i]);
	}
}

/*
 * A hosts file: devsim's devices, then the hostile shells in hs_mask and
 * the rogue variants in rogue_mask (bit i: index i). extra goes to each
 * hostile device's data.loghaul.
 */
static char *
hd_hosts(const char *name, unsigned hs_mask, unsigned rogue_mask,
    const char *extra)
{
	char *src = hd_path("hosts.yaml"), *dst = hd_path(name), *text;
	size_t len;
	FILE *f;

	text = ch_slurp(src, &len);
	cr_assert_not_null(text);
	cr_assert_not_null(f = fopen(dst, "w"));
	fwrite(text, 1, len, f);
	for (size_t i = 0; i < HS__N; i++)
		if (hs_mask & (1u << i))
			sshd_host_entry(hd.sd, i, hs_name[i], extra, f);
	for (size_t i = 0; i < NROGUE; i++)
		if (rogue_mask & (1u << i))
			fprintf(f, "rogue-%zu:\n  hostname: 127.0.0.1\n  port: %d\n"
			    "  username: admin\n  password: admin\n"
			    "  platform: cisco_ios\n", i, hd.rport[i]);
	cr_assert_eq(fclose(f), 0);
	free(text);
	free(src);
	return dst;
}

struct hd_run {
	int   rc;
	long  rss_kb;		/* the collector's peak RSS */
	char *log;
	struct ch_recs r;
};

/* One --once --print run over hosts, each with its own state dir. */
static void
hd_once(const char *hosts, const char *command, struct hd_run *o)
{
	struct ch_conf c = { .command = command, .hosts = hosts };
	char state[32], cname[32], *cfg, *out, *log;
	size_t len;
	pid_t pid;

	hd.run++;
	snprintf(state, sizeof state, "state-%d", hd.run);
	snprintf(cname, sizeof cname, "c%d.yaml", hd.run);
	c.state_dir = state;
	cfg = ch_config(hd.dir, cname, &c);
	cr_assert_not_null(cfg);
	out = xasprintf("%s/run%d.jsonl", hd.dir, hd.run);
	log = xasprintf("%s/run%d.log", hd.dir, hd.run);
	ch_asan_small_quarantine();
	{
		const char *args[] = { "--config", cfg, "--once", "--print", NULL };

		pid = ch_spawn("loghaul-collector", args, hd.dir, out, log);
	}
	cr_assert_gt(pid, 0);
	memset(o, 0, sizeof *o);
	o->rc = ch_wait_rss(pid, 90, &o->rss_kb);
	o->log = ch_slurp(log, &len);
	cr_assert_not_null(o->log);
	cr_assert_eq(ch_recs_load(out, &o->r), 0);
	cr_assert_eq(o->r.bad, 0, "%s", o->r.badmsg);
	free(cfg);
	free(out);
	free(log);
}

static void
hd_run_free(struct hd_run *o)
{
	free(o->log);
	ch_recs_free(&o->r);
}

/* The devsim devices' records equal what their buffers hold, exactly. */
static void
hd_expect_devsim(const struct hd_run *o)
{
	struct devsim_journal j = { 0 };
	char err[256];

	cr_assert_eq(devsim_journal_load(hd.dir, NULL, &j, err, sizeof err), 0,
	    "%s", err);
	for (size_t d = 0; d < sizeof ds_devs / sizeof ds_devs[0]; d++) {
		const struct ch_rec **v;
		size_t *view, maybe, nv, n, k = 0;

		n = ch_dev_recs(&o->r, ds_devs[d], &v);
		nv = ch_view(&j, ds_devs[d], 16384, 0, &view, &maybe);
		cr_expect_gt(nv, 12, "%s: %zu entries in its buffer", ds_devs[d], nv);
		if (maybe != SIZE_MAX && n > 0 && v[0]->len == j.v[maybe].len &&
		    !memcmp(v[0]->line, j.v[maybe].text, v[0]->len))
			k = 1;
		cr_expect_eq(n - k, nv, "%s: %zu records, its buffer holds %zu "
		    "entries", ds_devs[d], n - k, nv);
		for (size_t w = 0; w < nv && k < n; w++, k++) {
			const struct devsim_jentry *e = &j.v[view[w]];

			cr_expect(!v[k]->gap && v[k]->len == e->len &&
			    !memcmp(v[k]->line, e->text, e->len),
			    "%s record %zu: %s\n want %s", ds_devs[d], k,
			    ch_show(v[k]->line, v[k]->len), ch_show(e->text, e->len));
		}
		free(v);
		free(view);
	}
	devsim_journal_free(&j);
}

/* The log line "device=dev poll failed ..." (a copy), or NULL. */
static char *
hd_failed_line(const char *log, const char *dev)
{
	char *pat = xasprintf("device=%s poll failed ", dev);
	const char *s = strstr(log, pat), *e;

	free(pat);
	if (s == NULL)
		return NULL;
	while (s > log && s[-1] != '\n')
		s--;
	e = strchr(s, '\n');
	return xasprintf("%.*s", (int)(e ? e - s : (long)strlen(s)), s);
}

/* "seconds=X" of a log line; -1 if none. */
static double
hd_seconds(const char *line)
{
	const char *s = line ? strstr(line, " seconds=") : NULL;

	return s ? strtod(s + 9, NULL) : -1;
}

/* Flap one interface of each devsim device, so their buffers hold some. */
static void
hd_flaps(void)
{
	cr_assert_eq(devsim_control(hd.ds, "flap r001 GigabitEthernet0/1 down",
	    NULL, 0), 0);
	cr_assert_eq(devsim_control(hd.ds, "flap r002 GigabitEthernet0/2 down",
	    NULL, 0), 0);
	cr_assert_eq(devsim_control(hd.ds, "flap r002 GigabitEthernet0/2 up",
	    NULL, 0), 0);
}

/* ---- the big line ---------------------------------------------------- */

#define BIG_LINE	(10u << 20)	/* the whole entry: 10 MiB */
#define FAKE_DOWN	"%LINK-3-UPDOWN: Interface GigabitEthernet0/2, " \
			"changed state to down"

/* The entries of the buffer, without line ends; [2] is the big one. */
static const char *const big_entries[] = {
	"*Sep 14 05:59:00.001: %SYS-5-CONFIG_I: a plain line before",
	"*Sep 14 05:59:00.002: %SYS-5-CONFIG_I: description \"%LINK-3-UPDOWN: "
	    "Interface GigabitEthernet0/1, changed state to down\" typed by a user",
	"*Sep 14 05:59:00.003: %SYS-5-CONFIG_I: big ",
	"*Sep 14 05:59:00.004: %LINK-3-UPDOWN: Interface GigabitEthernet0/9, "
	    "changed state to down",
	"*Sep 14 05:59:00.005: %SYS-5-CONFIG_I: after the big one",
};
#define NBIG (sizeof big_entries / sizeof big_entries[0])

/*
 * The big entry's bytes (big_entries[2] and filler, total bytes, or a short
 * one): a fake down message at the start of every 64 KiB, letters between.
 */
static char *
hd_big_entry(size_t total)
{
	size_t pre = strlen(big_entries[2]);
	char *b = xmalloc(total);

	memcpy(b, big_entries[2], pre);
	for (size_t i = pre; i < total; i++)
		b[i] = (char)('a' + i % 26);
	for (size_t at = pre; at + sizeof FAKE_DOWN < total; at += 64 * 1024)
		memcpy(b + at, FAKE_DOWN " ", sizeof FAKE_DOWN);
	return b;
}

/* Write DIR/big.raw: an IOS header and the entries, the big one bigsz. */
static void
hd_write_big(size_t bigsz)
{
	static const char hdr[] = "Syslog logging: enabled\n\n"
	    "Log Buffer (4194304 bytes):\n";
	char *path = hd_path("big.raw"), *big = hd_big_entry(bigsz);
	FILE *f = fopen(path, "wb");

	cr_assert_not_null(f);
	fwrite(hdr, 1, sizeof hdr - 1, f);
	for (size_t i = 0; i < NBIG; i++) {
		if (i == 2)
			fwrite(big, 1, bigsz, f);
		else
			fputs(big_entries[i], f);
		fputc('\n', f);
	}
	cr_assert_eq(fclose(f), 0);
	free(big);
	free(path);
}

TestSuite(hostile_device, .fini = hd_fini, .timeout = 150);

/*
 * One 10 MiB line (under the 16 MiB output ceiling, over the 1 MiB record
 * ceiling WIRE_MAX_LINE): the poll succeeds, the entry comes out cut to
 * exactly 1 MiB (its first MiB, exact), said in a warning with both sizes
 * and marked "truncated_from" in --print, every other entry whole and exact,
 * the real down line after it with its tag, the fake one inside another
 * message as that message's text. The other devices are untouched.
 */
Test(hostile_device, ten_mib_line_cut_to_one_mib)
{
	struct hd_run base, run;
	const struct ch_rec **v;
	char *hosts, *big, *want;
	size_t n;

	hd_setup(once_fleet);
	hd_flaps();
	hosts = hd_hosts("hosts-big.yaml", 1u << HS_BIG, 0, NULL);

	/* Baseline: the same buffer with a short line. */
	hd_write_big(strlen(big_entries[2]) + 100);
	hd_once(hosts, "20s", &base);
	cr_assert_eq(base.rc, 0, "baseline: exit %d\n%s", base.rc, base.log);

	hd_write_big(BIG_LINE);
	hd_once(hosts, "20s", &run);
	fprintf(stderr, "hostile_device: 10 MiB line: collector peak RSS %ld KiB"
	    " (baseline %ld KiB)\n", run.rss_kb, base.rss_kb);
	/* The cut is said, with the sizes, and marked on the --print record. */
	want = xasprintf("device=%s truncated 1 log entries to %u bytes "
	    "(longest %u bytes)", hs_name[HS_BIG], WIRE_MAX_LINE, BIG_LINE);
	cr_expect_not_null(strstr(run.log, want), "no '%s' in\n%.4000s", want,
	    run.log);
	free(want);
	cr_expect_null(strstr(base.log, " truncated "), "baseline: %.4000s",
	    base.log);
	{
		char *out = xasprintf("%s/run%d.jsonl", hd.dir, hd.run);
		size_t olen;
		char *text = ch_slurp(out, &olen), *at;
		char *mark = xasprintf(",\"truncated_from\":%u}", BIG_LINE);
		int marks = 0;

		cr_assert_not_null(text, "%s", out);

		for (at = text; (at = strstr(at, "\"truncated_from\":")) != NULL;
		    at++)
			marks++;
		cr_expect_eq(marks, 1, "%d records marked truncated", marks);
		at = strstr(text, mark);
		cr_expect_not_null(at, "no %s", mark);
		free(mark);
		while (at && at > text && at[-1] != '\n')
			at--;
		cr_expect(at && strncmp(at, "{\"device\":\"sshd-big\"", 20) == 0,
		    "the mark is not on sshd-big's record");
		free(text);
		free(out);
	}
	cr_expect_eq(run.rc, 0, "exit status %d\n%.4000s", run.rc, run.log);
	cr_expect_not_null(strstr(run.log, "3 ok, 0 failed"), "%.4000s",
	    run.log);
	cr_expect_null(strstr(run.log, "poll failed"), "%.4000s", run.log);
	cr_expect_lt(run.rss_kb, base.rss_kb + RSS_SLACK_KB, "peak RSS %ld KiB, "
	    "baseline %ld KiB", run.rss_kb, base.rss_kb);

	big = hd_big_entry(BIG_LINE);
	n = ch_dev_recs(&run.r, hs_name[HS_BIG], &v);
	cr_assert_eq(n, NBIG, "%zu records", n);
	for (size_t i = 0; i < n; i++) {
		cr_expect(!v[i]->gap, "record %zu is a gap", i);
		if (i == 2) {
			cr_expect_eq(v[i]->len, WIRE_MAX_LINE, "big line: %zu bytes",
			    v[i]->len);
			cr_expect(v[i]->len <= BIG_LINE &&
			    !memcmp(v[i]->line, big, v[i]->len),
			    "the big line's first MiB differs");
		} else {
			cr_expect(v[i]->len == strlen(big_entries[i]) &&
			    !memcmp(v[i]->line, big_entries[i], v[i]->len),
			    "record %zu: %s\n want %s", i,
			    ch_show(v[i]->line, v[i]->len), big_entries[i]);
		}
		cr_expect_str_eq(v[i]->tag, i == 3 ? "LINK-3-UPDOWN" :
		    "SYS-5-CONFIG_I", "record %zu tag", i);
	}
	hd_expect_devsim(&run);
	free(v);
	free(big);
	free(hosts);
	hd_run_free(&base);
	hd_run_free(&run);
}

/*
 * A device that never stops printing: as fast as it can (the poll is cut
 * at the 16 MiB output ceiling) and one byte at a time (the hard deadline,
 * 4 x the 2 s command timeout, as the activity keeps resetting the quiet
 * timer). Both fail with their reason, forward nothing, the others are
 * harvested.
 */
Test(hostile_device, endless_output_fails_bounded)
{
	struct hd_run base, run;
	char *hosts, *le, *lt, *want;
	const struct ch_rec **v;

	hd_setup(once_fleet);
	hd_flaps();
	hosts = hd_hosts("hosts-base.yaml", 0, 0, NULL);
	hd_once(hosts, "2s", &base);
	cr_assert_eq(base.rc, 0, "baseline: exit %d\n%s", base.rc, base.log);
	free(hosts);

	hosts = hd_hosts("hosts-endless.yaml", 1u << HS_ENDLESS |
	    1u << HS_TRICKLE, 0, NULL);
	hd_once(hosts, "2s", &run);
	fprintf(stderr, "hostile_device: endless output: collector peak RSS %ld "
	    "KiB (baseline %ld KiB)\n", run.rss_kb, base.rss_kb);
	cr_expect_eq(run.rc, 1, "exit status %d\n%.4000s", run.rc, run.log);
	cr_expect_not_null(strstr(run.log, "2 ok, 2 failed"), "%.4000s", run.log);
	cr_expect_lt(run.rss_kb, base.rss_kb + RSS_SLACK_KB, "peak RSS %ld KiB, "
	    "baseline %ld KiB", run.rss_kb, base.rss_kb);

	le = hd_failed_line(run.log, hs_name[HS_ENDLESS]);
	cr_assert_not_null(le, "%.4000s", run.log);
	fprintf(stderr, "hostile_device: %s\n", le);
	want = xasprintf("reason=%s ", cerr_str(CERR_TOOBIG));
	cr_expect_not_null(strstr(le, want), "%s", le);
	free(want);
	want = xasprintf("state=RUN: output of 'show logging' passed %u bytes",
	    16u * 1024 * 1024);
	cr_expect_not_null(strstr(le, want), "%s", le);
	free(want);

	lt = hd_failed_line(run.log, hs_name[HS_TRICKLE]);
	cr_assert_not_null(lt, "%.4000s", run.log);
	fprintf(stderr, "hostile_device: %s\n", lt);
	want = xasprintf("reason=%s ", cerr_str(CERR_TIMEOUT));
	cr_expect_not_null(strstr(lt, want), "%s", lt);
	free(want);
	cr_expect_not_null(strstr(lt, "state=RUN: timed out after"), "%s", lt);
	cr_expect_not_null(strstr(lt, "(output never finished)"), "%s", lt);
	/* The hard deadline is 4 x command from the command's start. */
	cr_expect_geq(hd_seconds(lt), 8.0, "%s", lt);

	cr_expect_eq(ch_dev_recs(&run.r, hs_name[HS_ENDLESS], &v), 0);
	free(v);
	cr_expect_eq(ch_dev_recs(&run.r, hs_name[HS_TRICKLE], &v), 0);
	free(v);
	hd_expect_devsim(&run);
	free(le);
	free(lt);
	free(hosts);
	hd_run_free(&base);
	hd_run_free(&run);
}

/*
 * Output that stops in the middle of a line and never shows the prompt
 * (after a whole %LINK-3-UPDOWN down line), and a login that never shows a
 * prompt at all: each poll fails once the device has been quiet for the
 * command timeout (2 s; the first prompt is waited for under the command
 * timeout too, not ssh.timeouts.banner, which covers the SSH handshake),
 * and nothing of what came is forwarded.
 */
Test(hostile_device, no_prompt_fails_nothing_partial)
{
	struct hd_run run;
	char *hosts, *ln, *lp, *want;
	const struct ch_rec **v;

	hd_setup(once_fleet);
	hd_flaps();
	hosts = hd_hosts("hosts-noprompt.yaml", 1u << HS_NOTAIL |
	    1u << HS_NOPROMPT, 0, NULL);
	hd_once(hosts, "2s", &run);
	cr_expect_eq(run.rc, 1, "exit status %d\n%.4000s", run.rc, run.log);
	cr_expect_not_null(strstr(run.log, "2 ok, 2 failed"), "%.4000s", run.log);

	want = xasprintf("reason=%s ", cerr_str(CERR_TIMEOUT));
	ln = hd_failed_line(run.log, hs_name[HS_NOTAIL]);
	cr_assert_not_null(ln, "%.4000s", run.log);
	fprintf(stderr, "hostile_device: %s\n", ln);
	cr_expect_not_null(strstr(ln, want), "%s", ln);
	cr_expect_not_null(strstr(ln, "state=RUN: timed out after"), "%s", ln);
	cr_expect_not_null(strstr(ln, "(device stopped sending)"), "%s", ln);
	cr_expect_geq(hd_seconds(ln), 2.0, "%s", ln);

	lp = hd_failed_line(run.log, hs_name[HS_NOPROMPT]);
	cr_assert_not_null(lp, "%.4000s", run.log);
	fprintf(stderr, "hostile_device: %s\n", lp);
	cr_expect_not_null(strstr(lp, want), "%s", lp);
	cr_expect_not_null(strstr(lp, "state=SETUP: timed out after"), "%s", lp);
	cr_expect_geq(hd_seconds(lp), 2.0, "%s", lp);
	free(want);

	cr_expect_eq(ch_dev_recs(&run.r, hs_name[HS_NOTAIL], &v), 0,
	    "a failed poll forwarded records");
	free(v);
	cr_expect_eq(ch_dev_recs(&run.r, hs_name[HS_NOPROMPT], &v), 0);
	free(v);
	hd_expect_devsim(&run);
	free(ln);
	free(lp);
	free(hosts);
	hd_run_free(&run);
}

/*
 * SSH servers that break the protocol after a valid identification string:
 * each device fails in the handshake with libssh's reason in the log, the
 * collector neither crashes nor grows, the devsim devices are harvested.
 */
Test(hostile_device, rogue_ssh_servers_fail_cleanly)
{
	struct hd_run base, run;
	char *hosts, summary[64];

	hd_setup(once_fleet);
	hd_flaps();
	hosts = hd_hosts("hosts-base.yaml", 0, 0, NULL);
	hd_once(hosts, "5s", &base);
	cr_assert_eq(base.rc, 0, "baseline: exit %d\n%s", base.rc, base.log);
	free(hosts);

	hosts = hd_hosts("hosts-rogue.yaml", 0, (1u << NROGUE) - 1, NULL);
	hd_once(hosts, "5s", &run);
	fprintf(stderr, "hostile_device: rogue servers: collector peak RSS %ld "
	    "KiB (baseline %ld KiB)\n", run.rss_kb, base.rss_kb);
	cr_expect_eq(run.rc, 1, "exit status %d (a signal is 128+)\n%.4000s",
	    run.rc, run.log);
	snprintf(summary, sizeof summary, "2 ok, %zu failed", NROGUE);
	cr_expect_not_null(strstr(run.log, summary), "%.4000s", run.log);
	cr_expect_lt(run.rss_kb, base.rss_kb + RSS_SLACK_KB, "peak RSS %ld KiB, "
	    "baseline %ld KiB", run.rss_kb, base.rss_kb);
	for (size_t i = 0; i < NROGUE; i++) {
		char dev[16], *l;
		const struct ch_rec **v;

		snprintf(dev, sizeof dev, "rogue-%zu", i);
		l = hd_failed_line(run.log, dev);
		cr_expect_not_null(l, "%s (%s): no failure logged\n%.4000s", dev,
		    rogue_variants[i], run.log);
		if (l == NULL)
			continue;
		fprintf(stderr, "hostile_device: %s: %s\n", rogue_variants[i], l);
		cr_expect_not_null(strstr(l, "state=HANDSHAKE: ssh handshake: "),
		    "%s: %s", rogue_variants[i], l);
		cr_expect_not_null(strstr(l, rogue_why[i]), "%s: %s",
		    rogue_variants[i], l);
		/* libssh rejected the packet: the device's fault, not a hang-up. */
		cr_expect_not_null(strstr(l, "reason=protocol error "), "%s: %s",
		    rogue_variants[i], l);
		cr_expect_null(strstr(l, "closed by"), "%s: %s", rogue_variants[i],
		    l);
		cr_expect_eq(ch_dev_recs(&run.r, dev, &v), 0);
		free(v);
		free(l);
	}
	hd_expect_devsim(&run);
	free(hosts);
	hd_run_free(&base);
	hd_run_free(&run);
}

static int
hd_cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* text's lines plus extra, sorted, joined with '\n' after each. */
static char *
hd_sorted_with(const char *text, const char *extra)
{
	char *copy = xstrdup(text), *mine = xstrdup(extra), *save = NULL, *l;
	char **v, *out;
	size_t n = 0, total = strlen(extra) + 2;

	v = xcalloc(strlen(text) + 2, sizeof *v);
	for (l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		v[n++] = l;
	v[n++] = mine;
	qsort(v, n, sizeof *v, hd_cmpstr);
	total += strlen(text);
	out = xmalloc(total + 1);
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		strcat(out, v[i]);
		strcat(out, "\n");
	}
	free(v);
	free(copy);
	free(mine);
	return out;
}

/*
 * The whole pipeline, while devsim's devices flap: the 10 MiB-line device,
 * an endless one, one that stops without a prompt and a rogue server in
 * the same collector. The alerts are exactly the journal's plus the one
 * real down line of the big device's buffer: no fake tag inside another
 * message, inside the big line (before or after its cut) or in a failed
 * poll's partial output raises anything.
 */
static const char *const hd_must_fail[] = {
	"device=sshd-endless poll failed ", "device=sshd-notail poll failed ",
	"device=rogue-4 poll failed ",
};

Test(hostile_device, pipeline_nothing_injected, .timeout = 180)
{
	static const char *const fleet[] = { "--devices", "2", "--rate", "2",
	    "--seed", "7", "--prefill", "5", "--flap-every", "3", NULL };
	struct pipeline_opts o = { .analyzers = 2, .interval = "1s" };
	struct pipeline *p;
	char err[512], *want_j = NULL, *want, *got = NULL, *hosts, *log;
	size_t nwant, len;

	hd_setup(fleet);
	hd_write_big(BIG_LINE);
	/* hd_hosts writes beside devsim's hosts.yaml: make it the one read. */
	hosts = hd_hosts("hosts-all.yaml", 1u << HS_BIG | 1u << HS_ENDLESS |
	    1u << HS_NOTAIL, 1u << 4, "interval: 5s");
	{
		char *dst = hd_path("hosts.yaml");

		cr_assert_eq(rename(hosts, dst), 0);
		free(dst);
	}
	p = pipeline_new(hd.ds, &o, err, sizeof err);
	cr_assert_not_null(p, "%s", err);
	cr_assert_eq(pipeline_start_all(p), 0);
	sleep(14);
	cr_assert_eq(devsim_control(hd.ds, "pause", NULL, 0), 0);

	nwant = pipeline_expected(hd.ds, &want_j);
	cr_assert_gt(nwant, 3, "the fleet should have flapped (%zu)", nwant);
	want = hd_sorted_with(want_j, "sshd-big GigabitEthernet0/9 firing down");
	pipeline_wait_alerts(p, nwant + 1, 3, 60);
	pipeline_actual(p, &got);
	cr_expect_str_eq(got, want, "alerts differ from the journal + the one "
	    "real line\n--- got\n%s--- want\n%s", got, want);

	log = xasprintf("%s/collector-0.log", hd.dir);
	/*
	 * The failures come when the configuration says, not by a fixed
	 * time: the first poll starts within the longest interval (5 s), the
	 * login may take its three phases (5 s each), and only then does
	 * command (10 s) run from the last byte. Measured on a quiet machine,
	 * sshd-notail failed 15.1 s after the start: a check at 14 s plus
	 * however long the alerts took was a race, not a finding.
	 */
	for (size_t i = 0; i < sizeof hd_must_fail / sizeof *hd_must_fail; i++)
		cr_expect(ch_wait_in(log, hd_must_fail[i], 5 + 15 + 10 + 5),
		    "no '%s' in %s", hd_must_fail[i], log);
	free(hosts);
	hosts = ch_slurp(log, &len);
	cr_assert_not_null(hosts);
	cr_expect_null(strstr(hosts, "device=sshd-big poll failed "),
	    "%.4000s", hosts);
	cr_expect_eq(pipeline_stop(p, PL_COLLECTOR, 0), 0,
	    "the collector drains and exits 0 on SIGTERM");
	pipeline_stop_all(&p);
	free(log);
	free(hosts);
	free(want);
	free(want_j);
	free(got);
}
