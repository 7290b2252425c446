/*
 * test_alertstate.c — the alert stage's persistence (analyzer/alerts/alertstate.c):
 * round trips, journal + compaction, and every kind of bad file.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyzer/alerts/alert.h"
#include "analyzer/alerts/alertstate.h"
#include "common/util.h"

#include "tests/support/tmpdir.h"

#define T0 INT64_C(1700000000000)

static const struct alert_conf s_conf = { 5, 60000, 120000 };

static struct wire_bytes
s_w(const char *s)
{
	return (struct wire_bytes){ s, strlen(s) };
}

static struct wire_event
s_ev(uint64_t id, const char *ifname, enum ifstate st, int64_t ts)
{
	struct wire_event e;

	memset(&e, 0, sizeof e);
	e.id = id;
	e.rule = s_w("ios_link");
	e.event = s_w(st == IF_UP ? "interface_up" : "interface_down");
	e.platform = s_w("cisco_ios");
	e.interface = s_w(ifname);
	e.state = st;
	e.kind = IFK_LINK;
	e.severity = s_w("critical");
	e.ts_ms = ts;
	e.ts_raw = s_w("Nov 22 00:48:05.123");
	e.line = s_w("%LINK-3-UPDOWN: Interface x, changed state to down");
	return e;
}



static char *
s_path(const char *dir, const char *name)
{
	char *p;

	cr_assert(asprintf(&p, "%s/%s", dir, name) > 0);
	return p;
}

/* Files in dir whose name starts with prefix. */
static int
s_count(const char *dir, const char *prefix)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	cr_assert_not_null(d);
	while ((de = readdir(d)) != NULL)
		if (strncmp(de->d_name, prefix, strlen(prefix)) == 0)
			n++;
	closedir(d);
	return n;
}

static void
s_write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");

	cr_assert_not_null(f);
	if (n)
		cr_assert_eq(fwrite(p, 1, n, f), n);
	fclose(f);
}

static void
s_copy(const char *from, const char *to)
{
	FILE *f = fopen(from, "rb");
	char buf[65536];
	size_t n;

	cr_assert_not_null(f);
	n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	s_write_file(to, buf, n);
}

static long
s_size(const char *path)
{
	struct stat sb;

	cr_assert_eq(stat(path, &sb), 0, "%s missing", path);
	return (long)sb.st_size;
}

/* A stage's worth of state: load, apply, commit, as the daemon does. */
struct stage {
	char                     *dir;
	struct alertstate        *st;
	struct alert_engine      *e;
	struct alert_changes      outbox;
	struct alertstate_cursors cur;
	int                       load_rc;
};

static void
s_stage_open(struct stage *s, const char *dir)
{
	char err[1024] = "";

	memset(s, 0, sizeof *s);
	s->dir = strdup(dir);
	s->st = alertstate_open(dir, err, sizeof err);
	cr_assert_not_null(s->st, "open: %s", err);
	s->e = alert_new(&s_conf);
	s->load_rc = alertstate_load(s->st, s->e, &s->outbox, &s->cur, err,
	    sizeof err);
	cr_assert_geq(s->load_rc, 0, "load: %s", err);
}

static void
s_stage_close(struct stage *s)
{
	alertstate_free(&s->st);
	alert_free(&s->e);
	alert_changes_clear(&s->outbox);
	alertstate_cursors_free(&s->cur);
	free(s->dir);
}

/* Apply events for device dev and commit them; returns changes made. */
static size_t
s_stage_apply(struct stage *s, const char *dev, struct wire_event *evs,
    size_t n, int64_t now)
{
	struct alert_changes fresh = { 0 };
	char err[1024];
	size_t made;

	alert_apply(s->e, s_w(dev), evs, n, now, &fresh);
	made = fresh.n;
	for (size_t i = 0; i < fresh.n; i++)
		alert_changes_push(&s->outbox, alert_change_dup(fresh.v[i]));
	cr_assert_eq(alertstate_commit(s->st, s->e, fresh.v, fresh.n, s->outbox.v,
	    s->outbox.n, &s->cur, err, sizeof err), 0, "commit: %s", err);
	alert_changes_clear(&fresh);
	return made;
}

Test(alertstate, round_trip_keeps_interfaces_outbox_cursors_seq)
{
	char *dir = tmpdir_new("alertstate");
	struct stage a, b;
	struct wire_event evs[3] = {
		s_ev(10, "Gi0/1", IF_DOWN, T0),
		s_ev(11, "Gi0/2", IF_DOWN, T0),
		s_ev(12, "Gi0/2", IF_UP, T0 + 5),
	};
	const struct alert_iface *f;
	uint64_t seq;

	s_stage_open(&a, dir);
	cr_assert_eq(a.load_rc, 0);
	alertstate_cursor_set(&a.cur, "jsonl:/x", 2);
	cr_assert_eq(s_stage_apply(&a, "r1", evs, 3, 1), 3);
	seq = alert_next_seq(a.e);
	s_stage_close(&a);

	s_stage_open(&b, dir);
	cr_assert_eq(b.load_rc, 0);
	f = alert_lookup(b.e, s_w("r1"), s_w("GigabitEthernet0/1"));
	cr_assert_not_null(f);
	cr_assert_eq(f->state, IF_DOWN);
	cr_assert_eq(f->open, ALERT_T_DOWN);
	cr_assert_eq(f->last_id, 10);
	cr_assert_not_null(f->opened);
	cr_assert_str_eq(f->opened->rule.p, "ios_link");
	f = alert_lookup(b.e, s_w("r1"), s_w("GigabitEthernet0/2"));
	cr_assert_eq(f->state, IF_UP);
	cr_assert_eq(f->open, ALERT_T_NONE);
	cr_assert_eq(alert_device_hw(b.e, s_w("r1")), 12);
	cr_assert_eq(alert_next_seq(b.e), seq);
	cr_assert_eq(b.outbox.n, 3);
	cr_assert_eq(b.outbox.v[2]->status, ALERT_RESOLVED);
	cr_assert_eq(alertstate_cursor_get(&b.cur, "jsonl:/x", NULL), 2);
	/* Redelivery after the restart is still a duplicate. */
	{
		struct alert_changes out = { 0 };
		alert_apply(b.e, s_w("r1"), evs, 3, 2, &out);
		cr_assert_eq(out.n, 0, "restart forgot what was applied");
		cr_assert_eq(alert_stats(b.e)->duplicates, 3,
		    "the interface histories came back too");
		/* A late event is placed in the restored history. */
		{
			struct wire_event late = s_ev(5, "Gi0/2", IF_DOWN, T0 - 5);
			alert_apply(b.e, s_w("r1"), &late, 1, 3, &out);
			cr_assert_eq(alert_stats(b.e)->late, 1);
			cr_assert_eq(out.n, 0);
		}
		alert_changes_clear(&out);
	}
	s_stage_close(&b);
	tmpdir_remove(dir);
	free(dir);
}

Test(alertstate, journal_is_compacted_and_stays_bounded)
{
	char *dir = tmpdir_new("alertstate");
	char *jrnl = s_path(dir, "alerts.journal");
	struct stage a, b;
	static char pad[2048];
	char name[32];
	long maxj = 0;
	int compactions = 0;

	memset(pad, 'p', sizeof pad);
	s_stage_open(&a, dir);
	/* Enough commits to pass the compaction threshold a few times. */
	for (uint64_t i = 1; i <= 2500; i++) {
		struct wire_event ev;
		long sz;
		snprintf(name, sizeof name, "Gi0/%llu", (unsigned long long)(i % 49));
		ev = s_ev(i, name, i % 2 ? IF_DOWN : IF_UP, T0 + (int64_t)i * 100000);
		ev.line = (struct wire_bytes){ pad, sizeof pad };
		s_stage_apply(&a, "r1", &ev, 1, 1);
		/* The daemon trims the delivered outbox: keep it short here. */
		while (a.outbox.n > 10) {
			alert_change_free(&a.outbox.v[0]);
			memmove(a.outbox.v, a.outbox.v + 1,
			    (a.outbox.n - 1) * sizeof *a.outbox.v);
			a.outbox.n--;
		}
		sz = s_size(jrnl);
		if (sz < maxj)
			compactions++;
		if (sz > maxj || sz < maxj / 2)
			maxj = sz > maxj ? sz : maxj;
	}
	cr_assert_geq(compactions, 1, "the journal was never compacted");
	cr_assert_leq(maxj, ALERTSTATE_JOURNAL_MIN + 64 * 1024,
	    "journal grew to %ld", maxj);
	s_stage_close(&a);
	s_stage_open(&b, dir);
	cr_assert_eq(b.load_rc, 0);
	cr_assert_eq(alert_count_ifaces(b.e), 49);
	cr_assert_eq(alert_device_hw(b.e, s_w("r1")), 2500);
	/* 2500 % 49 == 1: the last event went to Gi0/1. */
	cr_assert_eq(alert_lookup(b.e, s_w("r1"), s_w("GigabitEthernet0/1"))->last_id, 2500);
	/* The outbox is the snapshot's plus what the journal added since;
	 * output cursors trim it further on restore. */
	cr_assert_geq(b.outbox.n, 10);
	cr_assert_eq(b.outbox.v[b.outbox.n - 1]->record_id, 2500);
	for (size_t i = 1; i < b.outbox.n; i++)
		cr_assert_gt(b.outbox.v[i]->seq, b.outbox.v[i - 1]->seq);
	s_stage_close(&b);
	free(jrnl);
	tmpdir_remove(dir);
	free(dir);
}

/* Build a committed state, let corrupt() damage a file, reload. */
static void
s_damage(const char *which, void (*corrupt)(const char *path),
    int want_rc, int want_ifaces, int want_bad)
{
	char *dir = tmpdir_new("alertstate");
	char *path = s_path(dir, which);
	struct stage a, b;
	struct wire_event evs[2] = {
		s_ev(1, "Gi0/1", IF_DOWN, T0),
		s_ev(2, "Gi0/2", IF_DOWN, T0),
	};

	s_stage_open(&a, dir);
	s_stage_apply(&a, "r1", evs, 1, 1);
	s_stage_apply(&a, "r1", evs + 1, 1, 1);
	s_stage_close(&a);
	corrupt(path);
	s_stage_open(&b, dir);
	cr_assert_eq(b.load_rc, want_rc, "load returned %d", b.load_rc);
	cr_assert_eq((int)alert_count_ifaces(b.e), want_ifaces,
	    "%zu interfaces after recovery", alert_count_ifaces(b.e));
	{
		char pfx[64];
		snprintf(pfx, sizeof pfx, "%s.bad.", which);
		cr_assert_eq(s_count(dir, pfx) >= 1, want_bad,
		    "bad file kept aside: %d", s_count(dir, pfx));
	}
	/* The stage works on: a new change commits and survives. */
	{
		struct wire_event ev = s_ev(50, "Gi0/3", IF_DOWN, T0);
		struct stage c;
		s_stage_apply(&b, "r1", &ev, 1, 1);
		s_stage_close(&b);
		s_stage_open(&c, dir);
		cr_assert_eq(c.load_rc, 0, "a clean reload after recovery");
		cr_assert_not_null(alert_lookup(c.e, s_w("r1"), s_w("GigabitEthernet0/3")));
		s_stage_close(&c);
	}
	free(path);
	tmpdir_remove(dir);
	free(dir);
}

static void
s_truncate_half(const char *path)
{
	cr_assert_eq(truncate(path, s_size(path) / 2), 0);
}

static void
s_zero(const char *path)
{
	long n = s_size(path);
	char *z = calloc(1, (size_t)n);

	s_write_file(path, z, (size_t)n);
	free(z);
}

static void
s_garbage(const char *path)
{
	static const char g[] = "{\"this is\": \"not a snapshot\"}\n\x01\x02\xff";

	s_write_file(path, g, sizeof g - 1);
}

static void
s_flip_middle(const char *path)
{
	FILE *f = fopen(path, "r+b");
	int c;

	cr_assert_not_null(f);
	fseek(f, s_size(path) / 2, SEEK_SET);
	c = fgetc(f);
	fseek(f, s_size(path) / 2, SEEK_SET);
	fputc(c ^ 0x55, f);
	fclose(f);
}

static void
s_empty(const char *path)
{
	s_write_file(path, "", 0);
}

Test(alertstate, truncated_snapshot_is_set_aside_and_stage_starts_empty)
{
	s_damage("alerts.snap", s_truncate_half, 1, 0, 1);
}

Test(alertstate, zeroed_snapshot_is_set_aside)
{
	s_damage("alerts.snap", s_zero, 1, 0, 1);
}

Test(alertstate, garbage_snapshot_is_set_aside)
{
	s_damage("alerts.snap", s_garbage, 1, 0, 1);
}

Test(alertstate, flipped_byte_in_snapshot_is_detected)
{
	s_damage("alerts.snap", s_flip_middle, 1, 0, 1);
}

Test(alertstate, empty_snapshot_is_set_aside)
{
	s_damage("alerts.snap", s_empty, 1, 0, 1);
}

Test(alertstate, zeroed_journal_is_set_aside_snapshot_kept)
{
	/* Both interfaces live in the journal (the snapshot was empty). */
	s_damage("alerts.journal", s_zero, 1, 0, 1);
}

Test(alertstate, garbage_journal_is_set_aside)
{
	s_damage("alerts.journal", s_garbage, 1, 0, 1);
}

static void
s_torn_tail(const char *path)
{
	/* Cut the last record short: a crash during the write. */
	cr_assert_eq(truncate(path, s_size(path) - 5), 0);
}

Test(alertstate, torn_last_journal_record_is_dropped_quietly)
{
	/* The first record survives, the second (never acked) is dropped. */
	s_damage("alerts.journal", s_torn_tail, 0, 1, 0);
}

Test(alertstate, corrupt_journal_middle_keeps_the_valid_prefix)
{
	char *dir = tmpdir_new("alertstate");
	char *jrnl = s_path(dir, "alerts.journal");
	struct stage a, b;
	long first_end;

	s_stage_open(&a, dir);
	{
		struct wire_event ev = s_ev(1, "Gi0/1", IF_DOWN, T0);
		s_stage_apply(&a, "r1", &ev, 1, 1);
	}
	first_end = s_size(jrnl);
	for (uint64_t i = 2; i <= 4; i++) {
		char name[16];
		struct wire_event ev;
		snprintf(name, sizeof name, "Gi0/%llu", (unsigned long long)i);
		ev = s_ev(i, name, IF_DOWN, T0);
		s_stage_apply(&a, "r1", &ev, 1, 1);
	}
	s_stage_close(&a);
	/* Damage the second record's payload; two good ones follow it. */
	{
		FILE *f = fopen(jrnl, "r+b");
		fseek(f, first_end + 20, SEEK_SET);
		fputc(0xAA, f);
		fputc(0x55, f);
		fclose(f);
	}
	s_stage_open(&b, dir);
	cr_assert_eq(b.load_rc, 1);
	cr_assert_eq(alert_count_ifaces(b.e), 1, "only the prefix before the damage");
	cr_assert_not_null(alert_lookup(b.e, s_w("r1"), s_w("GigabitEthernet0/1")));
	cr_assert_eq(s_count(dir, "alerts.journal.bad."), 1);
	s_stage_close(&b);
	free(jrnl);
	tmpdir_remove(dir);
	free(dir);
}

Test(alertstate, temp_file_left_behind_is_set_aside)
{
	char *dir = tmpdir_new("alertstate");
	char *tmp = s_path(dir, "alerts.snap.tmp");
	struct stage a, b;
	struct wire_event ev = s_ev(1, "Gi0/1", IF_DOWN, T0);

	s_stage_open(&a, dir);
	s_stage_apply(&a, "r1", &ev, 1, 1);
	s_stage_close(&a);
	s_write_file(tmp, "LHAS half written", 17);
	s_stage_open(&b, dir);
	cr_assert_eq(b.load_rc, 1);
	cr_assert_eq(access(tmp, F_OK), -1, "the temp file is gone");
	cr_assert_eq(s_count(dir, "alerts.snap.tmp.bad."), 1);
	cr_assert_eq(alert_count_ifaces(b.e), 1, "the real state is still used");
	s_stage_close(&b);
	free(tmp);
	tmpdir_remove(dir);
	free(dir);
}

Test(alertstate, only_a_temp_file_starts_empty)
{
	char *dir = tmpdir_new("alertstate");
	char *tmp = s_path(dir, "alerts.snap.tmp");
	struct stage b;

	s_write_file(tmp, "LHAS\1\0\0\0", 8);
	s_stage_open(&b, dir);
	cr_assert_eq(b.load_rc, 1);
	cr_assert_eq(alert_count_ifaces(b.e), 0);
	cr_assert_eq(s_count(dir, "alerts.snap.tmp.bad."), 1);
	cr_assert_eq(access(tmp, F_OK), -1);
	s_stage_close(&b);
	free(tmp);
	tmpdir_remove(dir);
	free(dir);
}

Test(alertstate, snapshot_that_is_a_directory_is_set_aside)
{
	char *dir = tmpdir_new("alertstate");
	char *snap = s_path(dir, "alerts.snap");
	struct stage b;

	cr_assert_eq(mkdir(snap, 0700), 0);
	s_stage_open(&b, dir);
	cr_assert_eq(b.load_rc, 1);
	cr_assert_eq(s_count(dir, "alerts.snap.bad."), 1);
	s_stage_close(&b);
	free(snap);
	{
		char cmd[256];
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
		cr_assert_eq(system(cmd), 0);
	}
	free(dir);
}

Test(alertstate, stale_journal_from_an_interrupted_compaction_is_ignored)
{
	char *dir = tmpdir_new("alertstate");
	char *jrnl = s_path(dir, "alerts.journal");
	char *old = s_path(dir, "old.journal");
	struct stage a, b;
	char err[256];

	s_stage_open(&a, dir);
	{
		struct wire_event ev = s_ev(1, "Gi0/1", IF_DOWN, T0);
		s_stage_apply(&a, "r1", &ev, 1, 1);
	}
	/* Keep a copy of this generation's journal, then compact past it. */
	s_copy(jrnl, old);
	{
		struct wire_event ev = s_ev(2, "Gi0/1", IF_UP, T0 + 1);
		s_stage_apply(&a, "r1", &ev, 1, 1);
	}
	cr_assert_eq(alertstate_compact(a.st, a.e, a.outbox.v, a.outbox.n, &a.cur,
	    err, sizeof err), 0);
	s_stage_close(&a);
	cr_assert_eq(rename(old, jrnl), 0);
	s_stage_open(&b, dir);
	cr_assert_eq(b.load_rc, 0);
	cr_assert_eq(alert_lookup(b.e, s_w("r1"), s_w("GigabitEthernet0/1"))->state, IF_UP,
	    "an old journal must not roll the state back");
	s_stage_close(&b);
	free(jrnl);
	free(old);
	tmpdir_remove(dir);
	free(dir);
}

Test(alertstate, second_stage_on_same_directory_is_refused)
{
	char *dir = tmpdir_new("alertstate");
	struct stage a;
	char err[256] = "";

	s_stage_open(&a, dir);
	cr_assert_null(alertstate_open(dir, err, sizeof err));
	cr_assert(strstr(err, "another alert stage") != NULL, "err: %s", err);
	s_stage_close(&a);
	tmpdir_remove(dir);
	free(dir);
}

Test(alertstate, failed_write_is_reported_and_next_commit_recovers)
{
	char *dir = tmpdir_new("alertstate");
	struct stage a, b;
	struct alert_changes fresh = { 0 };
	struct rlimit rl;
	char err[512] = "";
	struct wire_event ev = s_ev(1, "Gi0/1", IF_DOWN, T0);
	static char big[ALERT_MAX_LINE];

	signal(SIGXFSZ, SIG_IGN);
	s_stage_open(&a, dir);
	/* A disk that is full: nothing more may be written. */
	getrlimit(RLIMIT_FSIZE, &rl);
	{
		struct rlimit tight = { 100, rl.rlim_max };
		setrlimit(RLIMIT_FSIZE, &tight);
	}
	memset(big, 'x', sizeof big);
	ev.line = (struct wire_bytes){ big, sizeof big };
	alert_apply(a.e, s_w("r1"), &ev, 1, 1, &fresh);
	cr_assert_eq(fresh.n, 1);
	alert_changes_push(&a.outbox, alert_change_dup(fresh.v[0]));
	cr_assert_eq(alertstate_commit(a.st, a.e, fresh.v, fresh.n, a.outbox.v,
	    a.outbox.n, &a.cur, err, sizeof err), -1);
	cr_assert(strlen(err) > 0);
	cr_assert_eq(alertstate_failing(a.st), 1);
	/* Space again: the next commit writes everything, the lost one too. */
	setrlimit(RLIMIT_FSIZE, &rl);
	cr_assert_eq(alertstate_commit(a.st, a.e, NULL, 0, a.outbox.v, a.outbox.n,
	    &a.cur, err, sizeof err), 0, "%s", err);
	cr_assert_eq(alertstate_failing(a.st), 0);
	alert_changes_clear(&fresh);
	s_stage_close(&a);
	s_stage_open(&b, dir);
	cr_assert_eq(b.load_rc, 0);
	cr_assert_not_null(alert_lookup(b.e, s_w("r1"), s_w("GigabitEthernet0/1")));
	cr_assert_eq(b.outbox.n, 1);
	s_stage_close(&b);
	tmpdir_remove(dir);
	free(dir);
}

Test(alertstate, hostile_interface_names_never_reach_file_names)
{
	char *dir = tmpdir_new("alertstate");
	struct stage a, b;
	static const char name[] = "../../etc/x\"}\n\0\xff";
	struct wire_event ev = s_ev(1, "x", IF_DOWN, T0);
	DIR *d;
	struct dirent *de;

	ev.interface = (struct wire_bytes){ name, sizeof name - 1 };
	s_stage_open(&a, dir);
	s_stage_apply(&a, "../r1", &ev, 1, 1);
	s_stage_close(&a);
	d = opendir(dir);
	while ((de = readdir(d)) != NULL)
		cr_assert(strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0 ||
		    strncmp(de->d_name, "alerts.", 7) == 0,
		    "unexpected file %s", de->d_name);
	closedir(d);
	s_stage_open(&b, dir);
	cr_assert_not_null(alert_lookup(b.e, s_w("../r1"),
	    (struct wire_bytes){ name, sizeof name - 1 }));
	s_stage_close(&b);
	tmpdir_remove(dir);
	free(dir);
}

Test(alertstate, cursors)
{
	struct alertstate_cursors c = { 0 };
	int found = 7;

	alertstate_cursor_set(&c, "a", 1);
	alertstate_cursor_set(&c, "b", 2);
	alertstate_cursor_set(&c, "a", 5);
	cr_assert_eq(c.n, 2);
	cr_assert_eq(alertstate_cursor_get(&c, "a", &found), 5);
	cr_assert_eq(found, 1);
	cr_assert_eq(alertstate_cursor_get(&c, "zz", &found), 0);
	cr_assert_eq(found, 0);
	alertstate_cursors_free(&c);
	cr_assert_eq(c.n, 0);
}

/* ---- a state file from before version 2, written byte by byte ---- */

struct bytes {
	unsigned char *p;
	size_t         n;
};

static void
s_put(struct bytes *b, const void *p, size_t n)
{
	b->p = realloc(b->p, b->n + n + 1);
	cr_assert_not_null(b->p);
	memcpy(b->p + b->n, p, n);
	b->n += n;
}

static void
s_le(struct bytes *b, uint64_t v, int n)
{
	unsigned char x[8];

	for (int i = 0; i < n; i++)
		x[i] = (unsigned char)(v >> (8 * i));
	s_put(b, x, (size_t)n);
}

static void
s_str(struct bytes *b, const char *s)
{
	s_le(b, strlen(s), 4);
	s_put(b, s, strlen(s));
}

/* A change as version 1 wrote it: no reconciled, reason, description or
 * received_at after late. */
static void
s_v1_change(struct bytes *b, uint64_t seq, const char *ifname, uint64_t id)
{
	s_le(b, seq, 8);
	s_le(b, ALERT_FIRING, 1);
	s_le(b, ALERT_T_DOWN, 1);
	s_le(b, IF_DOWN, 1);
	s_le(b, IFK_LINK, 1);
	s_str(b, "r1");
	s_str(b, ifname);
	s_str(b, "ios_link");
	s_str(b, "interface_down");
	s_str(b, "critical");
	s_str(b, "cisco_ios");
	s_str(b, "Nov 22 00:48:05.123");
	s_str(b, "%LINK-3-UPDOWN: Interface x, changed state to down");
	s_le(b, id, 8);			/* record_id */
	s_le(b, (uint64_t)T0, 8);	/* device_time */
	s_le(b, (uint64_t)T0, 8);	/* starts_at */
	s_le(b, 0, 8);			/* ends_at */
	s_le(b, 5, 8);			/* raised_at */
	s_le(b, 0, 1);			/* late */
}

/* An interface as version 1 wrote it (no descr at the end); open DOWN with
 * its opened change when down, nothing open and no change when up. */
static void
s_v1_iface(struct bytes *b, const char *ifname, uint64_t id, enum ifstate st)
{
	s_le(b, 2, 1);			/* IT_IFACE */
	s_str(b, "r1");
	s_str(b, ifname);
	s_le(b, id, 8);
	s_le(b, st, 1);
	s_le(b, st == IF_DOWN ? ALERT_T_DOWN : ALERT_T_NONE, 1);
	s_le(b, (uint64_t)T0, 8);	/* last_change */
	s_le(b, 5, 8);			/* last_change_wall */
	s_le(b, 0, 4);			/* nflap */
	s_le(b, st == IF_DOWN, 1);
	if (st == IF_DOWN)
		s_v1_change(b, id, ifname, id);
	s_le(b, 0, 1);			/* no last */
	s_le(b, id, 8);			/* hist_floor */
	s_le(b, st, 1);			/* hist_base */
	s_le(b, 0, 4);			/* nhist */
}

Test(alertstate, version_1_state_loads_with_defaults_and_canonical_names)
{
	char *dir = tmpdir_new("alertstate"), *snap = s_path(dir, "alerts.snap");
	struct bytes body = { NULL, 0 }, file = { NULL, 0 };
	struct alert_changes out = { 0 };
	const struct alert_iface *f;
	struct stage a;

	s_le(&body, 1, 1);		/* IT_DEV */
	s_str(&body, "r1");
	s_le(&body, 40, 8);
	/* Saved before names were canonical: an alert open under "Gi2/0/3". */
	s_v1_iface(&body, "Gi2/0/3", 10, IF_DOWN);
	/* No change of its own: the device's platform names it. */
	s_v1_iface(&body, "Gi2/0/4", 11, IF_UP);
	/* Two spellings of one interface: the newer record wins... */
	s_v1_iface(&body, "Te1/0/1", 20, IF_DOWN);
	s_v1_iface(&body, "TenGigabitEthernet1/0/1", 30, IF_UP);
	/* ...whichever spelling it has. */
	s_v1_iface(&body, "FastEthernet0/1", 35, IF_UP);
	s_v1_iface(&body, "Fa0/1", 40, IF_DOWN);
	s_le(&body, 3, 1);		/* IT_CHANGE: undelivered */
	s_v1_change(&body, 7, "Gi2/0/3", 10);
	s_le(&body, 5, 1);		/* IT_SEQ */
	s_le(&body, 41, 8);

	s_put(&file, "LHAS", 4);
	s_le(&file, 1, 4);		/* version 1 */
	s_le(&file, 3, 8);		/* generation */
	s_le(&file, body.n, 8);
	s_le(&file, util_hash64(body.p, body.n), 8);
	s_put(&file, body.p, body.n);
	s_write_file(snap, file.p, file.n);

	s_stage_open(&a, dir);
	cr_assert_eq(a.load_rc, 0, "a version 1 file is no bad file");
	cr_assert_eq(alert_count_ifaces(a.e), 4);
	cr_assert_null(alert_lookup(a.e, s_w("r1"), s_w("Gi2/0/3")));
	f = alert_lookup(a.e, s_w("r1"), s_w("GigabitEthernet2/0/3"));
	cr_assert_not_null(f);
	cr_assert_eq(f->open, ALERT_T_DOWN);
	cr_assert_eq(f->last_id, 10);
	cr_assert_eq(f->descr.len, 0);
	cr_assert_eq(f->opened->reconciled, 0);
	cr_assert_eq(f->opened->reason.len, 0);
	cr_assert_eq(f->opened->description.len, 0);
	cr_assert_eq(f->opened->received_at, 0);
	cr_assert_str_eq(f->opened->interface.p, "Gi2/0/3",
	    "the alert went out under that name");
	f = alert_lookup(a.e, s_w("r1"), s_w("GigabitEthernet2/0/4"));
	cr_assert_not_null(f);
	cr_assert_eq(f->last_id, 11);
	f = alert_lookup(a.e, s_w("r1"), s_w("TenGigabitEthernet1/0/1"));
	cr_assert_not_null(f);
	cr_assert_eq(f->last_id, 30);
	cr_assert_eq(f->open, ALERT_T_NONE);
	f = alert_lookup(a.e, s_w("r1"), s_w("FastEthernet0/1"));
	cr_assert_not_null(f);
	cr_assert_eq(f->last_id, 40);
	cr_assert_eq(f->open, ALERT_T_DOWN);
	cr_assert_eq(a.outbox.n, 1);
	cr_assert_eq(a.outbox.v[0]->seq, 7);
	cr_assert_eq(a.outbox.v[0]->reconciled, 0);
	cr_assert_eq(a.outbox.v[0]->description.len, 0);
	cr_assert_eq(a.outbox.v[0]->received_at, 0);
	cr_assert_eq(alert_next_seq(a.e), 41);

	/* The canonical event resolves the old alert, under its old name. */
	{
		struct wire_event up = s_ev(50, "GigabitEthernet2/0/3", IF_UP, T0 + 9);
		alert_apply(a.e, s_w("r1"), &up, 1, 10, &out);
	}
	cr_assert_eq(out.n, 1);
	cr_assert_eq(out.v[0]->status, ALERT_RESOLVED);
	cr_assert_str_eq(out.v[0]->interface.p, "Gi2/0/3");
	cr_assert_eq(alert_count_open(a.e, ALERT_T_DOWN), 1);
	alert_changes_clear(&out);
	s_stage_close(&a);

	/* It was written again as version 2, and reads back the same. */
	{
		unsigned char hdr[8];
		FILE *fp = fopen(snap, "rb");
		cr_assert_not_null(fp);
		cr_assert_eq(fread(hdr, 1, 8, fp), 8);
		fclose(fp);
		cr_assert(memcmp(hdr, "LHAS\2\0\0\0", 8) == 0);
	}
	s_stage_open(&a, dir);
	cr_assert_eq(a.load_rc, 0);
	cr_assert_eq(alert_count_ifaces(a.e), 4);
	f = alert_lookup(a.e, s_w("r1"), s_w("FastEthernet0/1"));
	cr_assert_not_null(f);
	cr_assert_eq(f->open, ALERT_T_DOWN);
	s_stage_close(&a);
	free(body.p);
	free(file.p);
	free(snap);
	tmpdir_remove(dir);
	free(dir);
}
