/*
 * slurp.h - the client tests' reader of a whole small file (after
 * <cmocka.h>): a NUL-terminated malloc'd copy, or the test fails.
 */
#ifndef WJ_TEST_SLURP_H
#define WJ_TEST_SLURP_H

#include <stdio.h>
#include <stdlib.h>

static char *
slurp(const char *path)
{
	char *text;
	FILE *fp;
	long n;

	assert_non_null(fp = fopen(path, "r"));
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	assert_true((n = ftell(fp)) >= 0);
	rewind(fp);
	assert_non_null(text = calloc(1, (size_t)n + 1));
	assert_int_equal(fread(text, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	return text;
}

#endif
