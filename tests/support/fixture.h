/*
 * fixture.h — the real device outputs of tests/fixtures/real, as the tests
 * read them: the folder is $LOGHAUL_FIXTURES (the Makefile sets it), or
 * tests/fixtures/real relative to the repository when a test binary is run
 * by hand from there.
 */
#ifndef LOGHAUL_TEST_FIXTURE_H
#define LOGHAUL_TEST_FIXTURE_H

#include <stddef.h>

/* The fixtures folder. */
const char *fixture_dir(void);

/*
 * The whole file rel (a path under the fixtures folder), NUL-terminated;
 * its length in *len. Fails the running test when it cannot be read.
 * Caller frees.
 */
char *fixture_read(const char *rel, size_t *len);

#endif
