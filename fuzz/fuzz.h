/*
 * fuzz.h - shared bits of the libFuzzer harnesses (fuzz/<target>.c, as
 * tmux's fuzz/cmd-parse-fuzzer.c: cap the size, parse, check, free,
 * return 0).  A harness states its invariants with FUZZ_CHECK: a broken
 * one aborts, so libFuzzer saves the input as a finding.
 */
#ifndef WJ_FUZZ_H
#define WJ_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: invariant failed: %s\n",	\
		    __FILE__, __LINE__, #cond);				\
		abort();						\
	}								\
} while (0)

/* A NUL-terminated copy of data[0..n) (malloc'd; NULL on no memory). */
static inline char *
fuzz_strndup(const uint8_t *data, size_t n)
{
	char *s = malloc(n + 1);

	if (s != NULL) {
		memcpy(s, data, n);
		s[n] = '\0';
	}
	return s;
}

/*
 * Split off the first line of *data (up to '\n', which is consumed);
 * returns it NUL-terminated (malloc'd).
 */
static inline char *
fuzz_line(const uint8_t **data, size_t *n)
{
	const uint8_t *nl = memchr(*data, '\n', *n);
	size_t len = nl != NULL ? (size_t)(nl - *data) : *n;
	char *s = fuzz_strndup(*data, len);

	*data += len + (nl != NULL);
	*n -= len + (nl != NULL);
	return s;
}

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);
int	LLVMFuzzerInitialize(int *, char ***);

#endif
