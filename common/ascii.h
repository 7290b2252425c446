/*
 * ascii.h — character classes for device output, which is bytes: <ctype.h>
 * depends on the locale and is undefined for negative chars, and a byte
 * above 0x7f is never a digit or a letter of a stamp, tag or name.
 */
#ifndef LOGHAUL_ASCII_H
#define LOGHAUL_ASCII_H

static inline int
ascii_isdigit(char c)
{
	return c >= '0' && c <= '9';
}

static inline int
ascii_isalpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline int
ascii_isalnum(char c)
{
	return ascii_isdigit(c) || ascii_isalpha(c);
}

static inline char
ascii_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

#endif
