/*
 * secret.c — resolving {env: X}, {file: P}, "${env:X}" and "${file:P}".
 * Nothing here ever puts a secret's value into a message.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/secret.h"
#include "common/util.h"
#include "common/ydoc.h"

enum secret_kind { SK_PLAIN, SK_ENV, SK_FILE };

static int
s_envname_ok(const char *s)
{
	if (!isalpha((unsigned char)*s) && *s != '_')
		return 0;
	for (s++; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_')
			return 0;
	return 1;
}

/*
 * Split "${env:NAME}" / "${file:PATH}". Returns 0 with *kind SK_PLAIN for
 * plain text, 0 with *arg (owned) for a reference, -1 for a malformed one
 * (why says what is wrong, without the text).
 */
static int
s_parse_ref(const char *s, enum secret_kind *kind, char **arg, char *why,
    size_t whylen)
{
	size_t len = strlen(s);
	const char *body;
	size_t blen;

	*kind = SK_PLAIN;
	*arg = NULL;
	if (len < 3 || strncmp(s, "${", 2) != 0 || s[len - 1] != '}')
		return 0;
	body = s + 2;
	blen = len - 3;
	if (blen >= 4 && strncmp(body, "env:", 4) == 0) {
		*kind = SK_ENV;
		body += 4;
		blen -= 4;
	} else if (blen >= 5 && strncmp(body, "file:", 5) == 0) {
		*kind = SK_FILE;
		body += 5;
		blen -= 5;
	} else {
		snprintf(why, whylen, "unknown secret reference (use "
		    "${env:NAME} or ${file:PATH}; write other values starting "
		    "with '${' in a file)");
		return -1;
	}
	while (blen > 0 && *body == ' ') {
		body++;
		blen--;
	}
	if (blen == 0) {
		snprintf(why, whylen, "empty %s in secret reference",
		    *kind == SK_ENV ? "variable name" : "path");
		return -1;
	}
	*arg = xstrndup(body, blen);
	return 0;
}

static enum cerr
s_from_env(const char *name, char **out, char *why, size_t whylen)
{
	const char *v;

	if (!s_envname_ok(name)) {
		snprintf(why, whylen, "'%.64s' is not a valid environment "
		    "variable name", name);
		return CERR_INVAL;
	}
	if ((v = getenv(name)) == NULL) {
		snprintf(why, whylen, "environment variable '%s' is not set",
		    name);
		return CERR_NOTFOUND;
	}
	if (*v == '\0') {
		snprintf(why, whylen, "environment variable '%s' is empty",
		    name);
		return CERR_INVAL;
	}
	*out = xstrdup(v);
	return CERR_OK;
}

static enum cerr
s_from_file(const char *path, char **out, char *why, size_t whylen)
{
	struct stat st;
	char *data;
	size_t len = 0;
	ssize_t r;
	int fd;

	/* O_NONBLOCK: a FIFO named here must not hang the loader. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd == -1) {
		int saved = errno;

		snprintf(why, whylen, "cannot read secret file '%s': %s", path,
		    strerror(saved));
		return saved == ENOENT ? CERR_NOTFOUND : CERR_IO;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		snprintf(why, whylen, "secret file '%s' is not a regular file",
		    path);
		close(fd);
		return CERR_INVAL;
	}
	data = xmalloc(SECRET_MAX_FILE + 1);
	for (;;) {
		r = read(fd, data + len, SECRET_MAX_FILE + 1 - len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
		if (len > SECRET_MAX_FILE)
			break;
	}
	close(fd);
	if (r == -1) {
		snprintf(why, whylen, "cannot read secret file '%s': %s", path,
		    strerror(errno));
		goto fail;
	}
	if (len > SECRET_MAX_FILE) {
		snprintf(why, whylen,
		    "secret file '%s' is larger than %u bytes", path,
		    SECRET_MAX_FILE);
		goto fail;
	}
	if (len > 0 && data[len - 1] == '\n')
		len--;
	if (len > 0 && data[len - 1] == '\r')
		len--;
	if (len == 0) {
		snprintf(why, whylen, "secret file '%s' is empty", path);
		goto fail;
	}
	if (memchr(data, '\0', len) != NULL) {
		snprintf(why, whylen, "secret file '%s' contains a NUL byte",
		    path);
		goto fail;
	}
	*out = xstrndup(data, len);
	explicit_bzero(data, SECRET_MAX_FILE + 1);
	free(data);
	return CERR_OK;
fail:
	explicit_bzero(data, SECRET_MAX_FILE + 1);
	free(data);
	return CERR_INVAL;
}

static enum cerr
s_lookup(enum secret_kind kind, const char *arg, const char *basedir,
    char **out, char *why, size_t whylen)
{
	char *path;
	enum cerr e;

	if (kind == SK_ENV)
		return s_from_env(arg, out, why, whylen);
	path = ydoc_abspath(basedir, arg);
	e = s_from_file(path, out, why, whylen);
	free(path);
	return e;
}

enum cerr
secret_resolve_str(const char *s, const char *basedir, char **out, char *why,
    size_t whylen)
{
	enum secret_kind kind;
	char *arg;
	enum cerr e;

	if (s_parse_ref(s, &kind, &arg, why, whylen) == -1)
		return CERR_INVAL;
	if (kind == SK_PLAIN) {
		*out = xstrdup(s);
		return CERR_OK;
	}
	e = s_lookup(kind, arg, basedir, out, why, whylen);
	free(arg);
	return e;
}

/*
 * Work out what n refers to: *kind and *arg (owned; for SK_PLAIN the text
 * itself). With lookup == 0 only the shape is checked.
 */
static enum cerr
s_node(const struct ydoc_node *n, int lookup, char **out, char *err,
    size_t errlen)
{
	static const char *const keys[] = { "env", "file", NULL };
	const char *what = "a string, {env: NAME} or {file: PATH}";
	struct ydoc_node sn = *n, env, file, *ref;
	enum secret_kind kind;
	const char *s;
	char *arg = NULL, why[512];
	enum cerr e;

	sn.secret = 1;
	switch (ydoc_kind(&sn)) {
	case YDOC_ABSENT:
		return ydoc_err(&sn, err, errlen,
		    "required key is missing (%s)", what);
	case YDOC_NULL:
	case YDOC_SEQ:
		return ydoc_err(&sn, err, errlen, "expected %s, got %s", what,
		    ydoc_kindname(&sn));
	case YDOC_SCALAR:
		if ((e = ydoc_str(&sn, &s, err, errlen)) != CERR_OK)
			return e;
		if (s_parse_ref(s, &kind, &arg, why, sizeof why) == -1)
			return ydoc_err(&sn, err, errlen, "%s", why);
		if (kind == SK_PLAIN) {
			if (lookup)
				*out = xstrdup(s);
			return CERR_OK;
		}
		ref = &sn;
		break;
	case YDOC_MAP:
	default:
		if ((e = ydoc_check_map(&sn, keys, err, errlen)) != CERR_OK)
			return e;
		ydoc_get(&sn, "env", &env);
		ydoc_get(&sn, "file", &file);
		if (ydoc_kind(&env) != YDOC_ABSENT &&
		    ydoc_kind(&file) != YDOC_ABSENT)
			return ydoc_err(&sn, err, errlen,
			    "give either env or file, not both");
		if (ydoc_kind(&env) == YDOC_ABSENT &&
		    ydoc_kind(&file) == YDOC_ABSENT)
			return ydoc_err(&sn, err, errlen, "expected %s, got an "
			    "empty mapping", what);
		kind = ydoc_kind(&env) != YDOC_ABSENT ? SK_ENV : SK_FILE;
		ref = kind == SK_ENV ? &env : &file;
		if ((e = ydoc_strdup(ref, &arg, err, errlen)) != CERR_OK)
			return e;
		if (kind == SK_ENV && !s_envname_ok(arg)) {
			e = ydoc_errv(ref, err, errlen,
			    "not a valid environment variable name");
			goto out;
		}
		break;
	}
	e = CERR_OK;
	if (lookup) {
		e = s_lookup(kind, arg, ydoc_dir(sn.doc), out, why, sizeof why);
		if (e != CERR_OK)
			ydoc_err(ref, err, errlen, "%s", why);
	} else if (kind == SK_ENV && !s_envname_ok(arg)) {
		e = ydoc_err(ref, err, errlen, "'%.64s' is not a valid "
		    "environment variable name", arg);
	}
out:
	free(arg);
	return e;
}

enum cerr
secret_resolve(const struct ydoc_node *n, char **out, char *err, size_t errlen)
{
	return s_node(n, 1, out, err, errlen);
}

enum cerr
secret_check(const struct ydoc_node *n, char *err, size_t errlen)
{
	return s_node(n, 0, NULL, err, errlen);
}

void
secret_free(char **s)
{
	if (s == NULL || *s == NULL)
		return;
	explicit_bzero(*s, strlen(*s));
	free(*s);
	*s = NULL;
}
