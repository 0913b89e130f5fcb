/*
 * hash.h - the one non-cryptographic hash of the project, for placing
 * keys in in-memory tables (the gateway guard, the key cache, statement
 * caches).  64-bit FNV-1a: short keys, no adversary gains from a
 * collision beyond sharing a bucket.  Never for anything secret.
 */
#ifndef WJ_HASH_H
#define WJ_HASH_H

#include <stddef.h>
#include <stdint.h>

/* FNV-1a of the bytes p[0..n). */
uint64_t wj_hash(const void *p, size_t n);
/* wj_hash of the NUL-terminated s, without its NUL. */
uint64_t wj_hash_str(const char *s);

#endif
