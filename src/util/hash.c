/*
 * hash.c - 64-bit FNV-1a; see hash.h.
 */
#include <string.h>

#include "hash.h"

#define FNV_OFFSET	0xcbf29ce484222325ULL
#define FNV_PRIME	0x100000001b3ULL

uint64_t
wj_hash(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t h = FNV_OFFSET;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ s[i]) * FNV_PRIME;
	return h;
}

uint64_t
wj_hash_str(const char *s)
{
	return wj_hash(s, strlen(s));
}
