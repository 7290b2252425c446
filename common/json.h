/*
 * json.h — writing JSON text from bytes that came from a device. Whatever
 * the input (NUL, invalid UTF-8, terminal escapes, quotes), the output is
 * one valid, printable-ASCII JSON string: nothing can end the string early
 * or inject a line into a JSON-lines stream.
 */
#ifndef LOGHAUL_JSON_H
#define LOGHAUL_JSON_H

#include <stddef.h>
#include <stdint.h>

struct buf;

/*
 * Append data[0..len) as a quoted JSON string. Valid UTF-8 above ASCII and
 * control characters become \uXXXX escapes; a byte that is not valid UTF-8
 * becomes \ufffd. Aborts only if b's ceiling is passed.
 */
void   json_str(struct buf *b, const void *data, size_t len);
/* Length (1..4) and code point of the valid UTF-8 sequence at p, or 0. */
size_t json_utf8(const unsigned char *p, size_t left, uint32_t *cp);

#endif
