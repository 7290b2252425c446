/*
 * secret.h — passwords, enable secrets and tokens written in a YAML file
 * either as plain text or as a reference that is resolved at load time, so
 * that secrets need not sit in the inventory or on a command line:
 *
 *     password: s3cret                     plain text
 *     password: {env: ROUTER_PASSWORD}     the environment variable's value
 *     password: {file: /etc/loghaul/pw}    the file's content
 *     password: "${env:ROUTER_PASSWORD}"   the same two, written as one
 *     password: "${file:/etc/loghaul/pw}"  string (flat inventories)
 *
 * Rules:
 *  - A string is a reference only when it is exactly "${env:NAME}" or
 *    "${file:PATH}" (spaces after the colon are ignored); "${" followed by
 *    anything else up to a closing "}" is an error rather than a password,
 *    because it is almost always a typo. Anything else is plain text.
 *  - NAME is [A-Za-z_][A-Za-z0-9_]*. An unset or empty variable is an error.
 *  - PATH is relative to the directory of the YAML file that names it. The
 *    file must be a regular file of at most SECRET_MAX_FILE bytes, not
 *    empty, without NUL bytes; one trailing newline ("\n" or "\r\n") is
 *    stripped, so `echo pw > file` works.
 *  - Errors name file, line, key, the variable or the path, and never the
 *    value (the node is treated as secret).
 */
#ifndef LOGHAUL_SECRET_H
#define LOGHAUL_SECRET_H

#include <stddef.h>

#include "common/cerr.h"

struct ydoc_node;

#define SECRET_MAX_FILE	(64u * 1024)

/*
 * Resolve the secret written at n into a new string (caller frees it with
 * secret_free()). n absent or null is an error ("required key is missing");
 * callers for which the secret is optional test ydoc_isset() first.
 */
enum cerr secret_resolve(const struct ydoc_node *n, char **out, char *err,
    size_t errlen);

/* Check only the shape of n (plain string or a well-formed reference). */
enum cerr secret_check(const struct ydoc_node *n, char *err, size_t errlen);

/*
 * Resolve a reference given as a plain string (no YAML): "${env:X}",
 * "${file:P}" (P relative to basedir, which must be absolute) or plain text.
 * why gets a message without the value. Caller frees *out with
 * secret_free().
 */
enum cerr secret_resolve_str(const char *s, const char *basedir, char **out,
    char *why, size_t whylen);

/* Zero a resolved secret and free it; sets *s to NULL, accepts NULL. */
void secret_free(char **s);

#endif
