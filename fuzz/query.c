/*
 * query.c - the query-string splitter of src/http/query.c
 * (http_query_parse) and the percent-decoder of src/util (wj_pct_decode).
 *
 * Invariants: at most HTTP_QUERY_MAX_PARAMS pairs, else WJ_ERR_INVALID;
 * each decoded name and value is NUL-terminated at its length and no
 * longer than its raw text; decoding into a buffer never writes past
 * its capacity and reports what fits; text without '%' or '+' decodes to
 * itself.
 */
#include "fuzz.h"
#include "http/http.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_qparam *q = NULL;
	char *raw, out[64];
	size_t n = 0, i, cap;
	long d;
	int r;

	if (size > 16384)
		return 0;
	if ((raw = fuzz_strndup(data, size)) == NULL)
		return 0;
	r = http_query_parse(raw, &q, &n);
	if (r == 0) {
		FUZZ_CHECK(n <= HTTP_QUERY_MAX_PARAMS);
		for (i = 0; i < n; i++) {
			FUZZ_CHECK(q[i].name != NULL && q[i].value != NULL);
			FUZZ_CHECK(q[i].name[q[i].name_len] == '\0');
			FUZZ_CHECK(q[i].value[q[i].value_len] == '\0');
			FUZZ_CHECK(q[i].name_len + q[i].value_len <= size);
			FUZZ_CHECK(q[i].name_len > 0 || q[i].value_len > 0 ||
			    strchr(raw, '=') != NULL);
		}
		http_query_free(q, n);
	} else
		FUZZ_CHECK(r == WJ_ERR_INVALID && q == NULL && n == 0);
	/* Decoding into every small capacity. */
	for (cap = 0; cap <= sizeof(out); cap += 7) {
		memset(out, 0x5a, sizeof(out));
		d = wj_pct_decode((const char *)data, size, cap & 1, out,
		    cap);
		if (d >= 0) {
			FUZZ_CHECK((size_t)d < cap && (size_t)d <= size);
			FUZZ_CHECK(out[d] == '\0');
		}
		for (i = cap; i < sizeof(out); i++)
			FUZZ_CHECK(out[i] == 0x5a);
	}
	if (memchr(data, '%', size) == NULL &&
	    memchr(data, '+', size) == NULL && size < sizeof(out)) {
		d = wj_pct_decode((const char *)data, size, 1, out,
		    sizeof(out));
		FUZZ_CHECK(d == (long)size && memcmp(out, data, size) == 0);
	}
	free(raw);
	return 0;
}
