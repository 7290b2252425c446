/*
 * tmpdir.h — a scratch directory for one test, and its removal.
 *
 *   char *dir = tmpdir_new("alertstate");     /tmp/lh-alertstate-XXXXXX
 *   ... files in dir ...
 *   tmpdir_remove(dir);  free(dir);
 *
 * Failing to create it fails the test (Criterion assertion). Removal is
 * recursive, never follows symbolic links, and ignores what is already
 * gone.
 */
#ifndef LOGHAUL_TMPDIR_H
#define LOGHAUL_TMPDIR_H

/* A new directory named after tag; caller frees the path. */
char *tmpdir_new(const char *tag);
/* Remove dir and everything below it. */
void  tmpdir_remove(const char *dir);

#endif
