/*
 * mq_curve.c — CURVE key pairs and their files.
 *
 * A key file holds one z85 key on its own line, with '#' comments allowed,
 * so that an operator can tell the files apart with cat(1) and a config
 * management tool can template them. Secret key files are refused when
 * group or others may read them, as ssh refuses a loose private key.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/mq.h"

int
mq_curve_keypair(struct mq_keypair *kp)
{
	memset(kp, 0, sizeof *kp);
	if (!zmq_has("curve"))
		return -1;
	return zmq_curve_keypair(kp->pub, kp->sec) == 0 ? 0 : -1;
}

int
mq_curve_key_valid(const char *s)
{
	uint8_t raw[32];

	if (s == NULL || strlen(s) != MQ_KEYLEN)
		return 0;
	return zmq_z85_decode(raw, s) != NULL;
}

/* The first line that is neither blank nor a comment, trimmed. */
static int
s_key_from_text(char *text, char out[MQ_KEYLEN + 1])
{
	char *line, *save = NULL, *end;

	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		while (*line == ' ' || *line == '\t')
			line++;
		end = line + strlen(line);
		while (end > line && (end[-1] == ' ' || end[-1] == '\t' ||
		    end[-1] == '\r'))
			*--end = '\0';
		if (*line == '\0' || *line == '#')
			continue;
		if (!mq_curve_key_valid(line))
			return -1;
		memcpy(out, line, MQ_KEYLEN + 1);
		return 0;
	}
	return -1;
}

int
mq_key_load(const char *path, int secret, char out[MQ_KEYLEN + 1], char *err,
    size_t errlen)
{
	char text[4096];
	struct stat st;
	ssize_t n;
	int fd, rc;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		close(fd);
		return -1;
	}
	if (secret && (st.st_mode & 077) != 0) {
		snprintf(err, errlen, "%s: secret key file has mode %04o; "
		    "group and others must have no access (chmod 600)", path,
		    (unsigned)(st.st_mode & 07777));
		close(fd);
		return -1;
	}
	n = read(fd, text, sizeof text - 1);
	close(fd);
	if (n < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	text[n] = '\0';
	rc = s_key_from_text(text, out);
	explicit_bzero(text, sizeof text);
	if (rc < 0) {
		snprintf(err, errlen, "%s: no z85 CURVE key (%d characters) in the file",
		    path, MQ_KEYLEN);
		return -1;
	}
	return 0;
}

int
mq_keypair_load(const char *sec_path, const char *pub_path,
    struct mq_keypair *kp, char *err, size_t errlen)
{
	char derived[MQ_KEYLEN + 1];

	memset(kp, 0, sizeof *kp);
	if (mq_key_load(sec_path, 1, kp->sec, err, errlen) < 0)
		goto out_clear;
	if (zmq_curve_public(derived, kp->sec) != 0) {
		snprintf(err, errlen, "%s: cannot derive the public key: %s",
		    sec_path, zmq_strerror(zmq_errno()));
		goto out_clear;
	}
	if (pub_path == NULL) {
		memcpy(kp->pub, derived, sizeof derived);
		return 0;
	}
	if (mq_key_load(pub_path, 0, kp->pub, err, errlen) < 0)
		goto out_clear;
	if (strcmp(kp->pub, derived) != 0) {
		snprintf(err, errlen, "%s does not hold the public key of %s",
		    pub_path, sec_path);
		goto out_clear;
	}
	return 0;

out_clear:
	explicit_bzero(kp, sizeof *kp);
	return -1;
}

static int
s_write_new(const char *path, mode_t mode, const char *text, char *err,
    size_t errlen)
{
	size_t len = strlen(text);
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s%s", path, strerror(errno),
		    errno == EEXIST ? " (refusing to overwrite a key)" : "");
		return -1;
	}
	/* O_CREAT's mode passes through the umask; make it exact. */
	if (fchmod(fd, mode) != 0 || write(fd, text, len) != (ssize_t)len ||
	    fsync(fd) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		return -1;
	}
	if (close(fd) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		unlink(path);
		return -1;
	}
	return 0;
}

int
mq_curve_keygen_files(const char *sec_path, const char *pub_path, char *err,
    size_t errlen)
{
	struct mq_keypair kp;
	char text[256];
	int rc = -1;

	if (mq_curve_keypair(&kp) < 0) {
		snprintf(err, errlen, "this libzmq has no CURVE support");
		return -1;
	}
	snprintf(text, sizeof text, "# loghaul CURVE secret key (z85); keep it "
	    "private\n%s\n", kp.sec);
	if (s_write_new(sec_path, 0600, text, err, errlen) < 0)
		goto out;
	snprintf(text, sizeof text, "# loghaul CURVE public key (z85)\n%s\n", kp.pub);
	if (s_write_new(pub_path, 0644, text, err, errlen) < 0) {
		unlink(sec_path);
		goto out;
	}
	rc = 0;
out:
	explicit_bzero(text, sizeof text);
	explicit_bzero(&kp, sizeof kp);
	return rc;
}
