/*
 * mem.c - SQLite's memory allocator in this process: libc's malloc,
 * with a small cache per thread of the blocks SQLite freed, by size class.
 * conn.c installs it once, before SQLite's first use.
 *
 * Why: Debian's SQLite is built without lookaside memory
 * (SQLITE_OMIT_LOOKASIDE), so every cursor, record and value a statement
 * uses is a malloc and a free.  glibc keeps 7 freed blocks of each size
 * per thread; a statement frees more than that at once, and the rest went
 * through its bins, a visible share of the writer thread's time.  Here
 * a thread keeps up to SQ_MEM_KEEP blocks of each class (and at most
 * SQ_MEM_KEEP_BYTES in all) and hands them out again without a lock.
 *
 * Blocks: a 16-byte header holding the usable size, then the memory
 * (16-byte aligned).  Sizes up to SQ_MEM_MAX round up to one of 64
 * classes: multiples of 16 up to 128, then 8 steps per power of two (at
 * most 12.5 % rounding).  Larger blocks are plain malloc with the header.
 * Every block is a malloc block, so any thread may free any block: a
 * block freed on another thread joins that thread's cache or goes back to
 * libc.  A thread's cache goes back to libc when the thread exits.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sqlite_int.h"

#define SQ_MEM_HDR	16		/* keeps the 16-byte alignment */
#define SQ_MEM_MAX	16384		/* the largest cached class */
#define SQ_MEM_CLASSES	64		/* classes up to SQ_MEM_MAX */
#define SQ_MEM_KEEP	128		/* cached blocks per class per thread */
#define SQ_MEM_KEEP_BYTES (1024 * 1024)	/* cached bytes per thread */

struct mem_cache {
	void		*head[SQ_MEM_CLASSES];	/* free lists, linked in place */
	uint16_t	 count[SQ_MEM_CLASSES];
	size_t		 bytes;
	int		 live;		/* the exit destructor is armed */
};

static __thread struct mem_cache cache;
static pthread_key_t cache_key;
static int cache_key_ok;

/* The class of a size 1..SQ_MEM_MAX. */
static unsigned
mem_class(size_t n)
{
	unsigned e;

	if (n <= 128)
		return (unsigned)((n + 15) / 16) - 1;
	e = 63 - (unsigned)__builtin_clzll((unsigned long long)(n - 1));
	return 8 + (e - 7) * 8 + (unsigned)(((n - 1) >> (e - 3)) & 7);
}

/* The usable size of a class: the largest size in it. */
static size_t
mem_class_size(unsigned c)
{
	if (c < 8)
		return ((size_t)c + 1) * 16;
	return ((size_t)8 + (c - 8) % 8 + 1) << ((c - 8) / 8 + 7 - 3);
}

static size_t
mem_usable(size_t n)
{
	if (n <= SQ_MEM_MAX)
		return mem_class_size(mem_class(n));
	return (n + 15) & ~(size_t)15;
}

static size_t
mem_size_of(void *p)
{
	size_t n;

	memcpy(&n, (char *)p - SQ_MEM_HDR, sizeof(n));
	return n;
}

/* Thread exit: give the cache back to libc. */
static void
mem_cache_release(void *unused)
{
	unsigned c;
	void *p;

	(void)unused;
	for (c = 0; c < SQ_MEM_CLASSES; c++) {
		while ((p = cache.head[c]) != NULL) {
			memcpy(&cache.head[c], p, sizeof(void *));
			free((char *)p - SQ_MEM_HDR);
		}
		cache.count[c] = 0;
	}
	cache.bytes = 0;
	cache.live = 0;
}

/* A block of usable size n (a class size, or past SQ_MEM_MAX). */
static void *
mem_get(size_t n)
{
	unsigned c;
	char *b;
	void *p;

	if (n <= SQ_MEM_MAX && (p = cache.head[c = mem_class(n)]) != NULL) {
		memcpy(&cache.head[c], p, sizeof(void *));
		cache.count[c]--;
		cache.bytes -= n;
		return p;
	}
	if ((b = malloc(SQ_MEM_HDR + n)) == NULL)
		return NULL;
	memcpy(b, &n, sizeof(n));
	return b + SQ_MEM_HDR;
}

static void *
mem_malloc(int req)
{
	return mem_get(mem_usable(req > 0 ? (size_t)req : 1));
}

static void
mem_free(void *p)
{
	size_t n;
	unsigned c;

	if (p == NULL)
		return;
	n = mem_size_of(p);
	if (n <= SQ_MEM_MAX && cache.count[c = mem_class(n)] < SQ_MEM_KEEP &&
	    cache.bytes + n <= SQ_MEM_KEEP_BYTES) {
		if (!cache.live) {
			/* Arm the exit destructor; without it, do not keep. */
			if (!cache_key_ok ||
			    pthread_setspecific(cache_key, &cache) != 0)
				goto out;
			cache.live = 1;
		}
		memcpy(p, &cache.head[c], sizeof(void *));
		cache.head[c] = p;
		cache.count[c]++;
		cache.bytes += n;
		return;
	}
 out:
	free((char *)p - SQ_MEM_HDR);
}

static void *
mem_realloc(void *p, int req)
{
	size_t old = mem_size_of(p), n = mem_usable(req > 0 ? (size_t)req : 1);
	char *b;
	void *q;

	if (n == old)
		return p;
	if (old > SQ_MEM_MAX && n > SQ_MEM_MAX) {
		if ((b = realloc((char *)p - SQ_MEM_HDR, SQ_MEM_HDR + n)) ==
		    NULL)
			return NULL;
		memcpy(b, &n, sizeof(n));
		return b + SQ_MEM_HDR;
	}
	if ((q = mem_get(n)) == NULL)
		return NULL;
	memcpy(q, p, old < n ? old : n);
	mem_free(p);
	return q;
}

static int
mem_size(void *p)
{
	return (int)mem_size_of(p);
}

static int
mem_roundup(int n)
{
	size_t u = mem_usable(n > 0 ? (size_t)n : 1);

	return u > INT32_MAX ? n : (int)u;
}

static int
mem_init(void *unused)
{
	(void)unused;
	return SQLITE_OK;
}

static void
mem_shutdown(void *unused)
{
	(void)unused;
}

int
sq_mem_install(void)
{
	static const sqlite3_mem_methods methods = {
		mem_malloc, mem_free, mem_realloc, mem_size, mem_roundup,
		mem_init, mem_shutdown, NULL,
	};
	int rc;

	if ((rc = sqlite3_config(SQLITE_CONFIG_MALLOC, &methods)) != SQLITE_OK)
		return rc;
	/* Without the key, threads cache nothing (mem_free). */
	cache_key_ok = pthread_key_create(&cache_key, mem_cache_release) == 0;
	return SQLITE_OK;
}

size_t
sq_mem_class_size(size_t n)
{
	return n > 0 && n <= SQ_MEM_MAX ? mem_usable(n) : 0;
}

size_t
sq_mem_cached(void)
{
	return cache.bytes;
}
