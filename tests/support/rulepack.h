/* rulepack.h — the source tree and the shipped rule pack, for tests. */
#ifndef LOGHAUL_TEST_RULEPACK_H
#define LOGHAUL_TEST_RULEPACK_H

struct rules;

/* The source tree: LOGHAUL_SRC, else the current directory. */
const char *rulepack_src(void);
/* The pack of the source tree (analyzer/rules, every .yaml); the test
 * fails if it does not load. */
struct rules *rulepack_load(void);

#endif
