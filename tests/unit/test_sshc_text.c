#include <criterion/criterion.h>
#include <string.h>

#include "collector/sshc_text.h"

#define S(lit) (lit), (sizeof(lit) - 1)

Test(sshc_text, last_line)
{
	cr_assert_eq(sshc_text_last_line(S("a\r\nR1#")), 3);
	cr_assert_eq(sshc_text_last_line(S("R1#")), 0);
	cr_assert_eq(sshc_text_last_line(S("a\r\n")), 3);
	cr_assert_eq(sshc_text_last_line(S("a\n\rR1#")), 3);
}

Test(sshc_text, pager_forms)
{
	size_t at = 99;

	cr_assert(sshc_text_find_pager(S("l1\r\nl2\r\n --More-- "), &at));
	cr_assert_eq(at, 8);
	cr_assert(sshc_text_find_pager(S("l1\n\033[7m--More--\033[m"), &at));
	cr_assert_eq(at, 3);
	cr_assert(sshc_text_find_pager(S("x\n---(more 45%)---"), &at));
	cr_assert_eq(at, 2);
	cr_assert(sshc_text_find_pager(S("---(more)---"), &at));
	cr_assert_eq(at, 0);
	cr_assert_not(sshc_text_find_pager(S("l1\nlog says --More-- "), &at));
	cr_assert_not(sshc_text_find_pager(S("l1\n --More-- \nR1#"), &at));
	cr_assert_not(sshc_text_find_pager(S("l1\n --Mo"), &at));
	cr_assert_not(sshc_text_find_pager(S("x\n---(more ab)---"), &at));
}

Test(sshc_text, residue_keeps_indentation)
{
	int more;
	const char ios[] = "\b\b\b\b\b\b\b\b\b         \b\b\b\b\b\b\b\b\b   indented\r\n";

	cr_assert_eq(sshc_text_pager_residue(ios, strlen(ios), 0, &more), 27);
	cr_assert_not(more);
	cr_assert_eq(sshc_text_pager_residue(S("\r          \rNext line"), 0, &more), 12);
	cr_assert_eq(sshc_text_pager_residue(S("\033[K\rNext"), 0, &more), 4);
	/* No erase at all: nothing is residue, not even leading spaces. */
	cr_assert_eq(sshc_text_pager_residue(S("   *Mar 1"), 0, &more), 0);
	cr_assert_not(more);
	/* Backspaces without a trailing run: the spaces belong to the text. */
	cr_assert_eq(sshc_text_pager_residue(S("\b\b\b  text"), 0, &more), 3);
}

Test(sshc_text, residue_waits_for_more)
{
	int more;

	cr_assert_eq(sshc_text_pager_residue(S("\b\b\b   "), 0, &more), 0);
	cr_assert(more);
	cr_assert_eq(sshc_text_pager_residue(S("\b\b\b   "), 1, &more), 3);
	cr_assert_not(more);
	cr_assert_eq(sshc_text_pager_residue(S("\033["), 0, &more), 0);
	cr_assert(more);
	cr_assert_eq(sshc_text_pager_residue("", 0, 0, &more), 0);
	cr_assert_not(more);
}

Test(sshc_text, prompt_at_end)
{
	cr_assert(sshc_text_ends_with_prompt(S("x\r\nR1#"), S("R1#")));
	cr_assert(sshc_text_ends_with_prompt(S("R1#"), S("R1#")));
	cr_assert_not(sshc_text_ends_with_prompt(S("x\r\nXR1#"), S("R1#")));
	cr_assert_not(sshc_text_ends_with_prompt(S("x\r\nR1#\r\n"), S("R1#")));
	cr_assert_not(sshc_text_ends_with_prompt(S("R1"), S("R1#")));
	cr_assert_not(sshc_text_ends_with_prompt(S("x"), "", 0));
}

Test(sshc_text, echo)
{
	size_t end = 0;

	cr_assert(sshc_text_find_echo(S("show logging\r\nSyslog"), "show logging",
	    "R1#", &end));
	cr_assert_eq(end, 14);
	/* Stale prompts and blank lines before the echo are skipped. */
	cr_assert(sshc_text_find_echo(S("\r\nR1#\r\nR1#show logging\r\nX"),
	    "show logging", "R1#", &end));
	cr_assert_eq(end, 24);
	/* No complete line yet: undecided. */
	cr_assert_not(sshc_text_find_echo(S("R1#show log"), "show logging",
	    "R1#", &end));
	/* Nothing read yet, the buffer released (sshc_release): undecided,
	 * and no null pointer reaches memchr (UBSan aborted the collector). */
	cr_assert_not(sshc_text_find_echo(NULL, 0, "show logging", "R1#", &end));
	/* A log line that ends in the command is not an echo. */
	cr_assert(sshc_text_find_echo(S("%PARSER-5-CFGLOG_LOGGEDCMD: User:a "
	    "logged command:show logging\r\n"), "show logging", "R1#", &end));
	cr_assert_eq(end, 0);
	cr_assert(sshc_text_find_echo(S("terminal length 0  \r\n"),
	    "terminal length 0", NULL, &end));
	cr_assert_eq(end, 21);
}
