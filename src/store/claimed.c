/*
 * claimed.c - the owned copy of claimed sub-jobs, for both engines (see
 * claimed.h).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "claimed.h"

static const size_t str_member[] = {
	offsetof(struct sub_job, id),
	offsetof(struct sub_job, job_id),
	offsetof(struct sub_job, project_id),
	offsetof(struct sub_job, job_type),
	offsetof(struct sub_job, error_code),
	offsetof(struct sub_job, fail_reason),
	offsetof(struct sub_job, host),
	offsetof(struct sub_job, entities),
	offsetof(struct sub_job, attach_user),
	offsetof(struct sub_job, entity),
	offsetof(struct sub_job, ip_address),
	offsetof(struct sub_job, desktop_pool_id),
	offsetof(struct sub_job, lease_id),
};
_Static_assert(sizeof(str_member) / sizeof(str_member[0]) == CLAIMED_N_STR,
    "CLAIMED_N_STR counts the string members");
#define NO_STR SIZE_MAX

static const char **
member(struct sub_job *s, size_t i)
{
	return (const char **)(void *)((char *)s + str_member[i]);
}

int
claimed_init(struct claimed_pack *p, size_t max)
{
	memset(p, 0, sizeof(*p));
	buf_init(&p->arena);
	p->max = max;
	p->v = calloc(max, sizeof(*p->v));
	p->off = calloc(max, sizeof(*p->off));
	return p->v != NULL && p->off != NULL ? 0 : WJ_ERR_NOMEM;
}

void
claimed_free(struct claimed_pack *p)
{
	free(p->v);
	free(p->off);
	buf_free(&p->arena);
	memset(p, 0, sizeof(*p));
}

void
claimed_reset(struct claimed_pack *p)
{
	p->n = 0;
	p->arena.len = 0;
	p->arena.failed = 0;
}

int
claimed_add(struct claimed_pack *p, const struct sub_job *s)
{
	struct sub_job *d;
	const char *str;
	size_t i;

	if (p->n >= p->max)
		return WJ_ERR_INTERNAL;
	d = &p->v[p->n];
	*d = *s;
	for (i = 0; i < CLAIMED_N_STR; i++) {
		str = *member(d, i);
		*member(d, i) = NULL;
		p->off[p->n][i] = NO_STR;
		if (str == NULL)
			continue;
		p->off[p->n][i] = p->arena.len;
		if (buf_append(&p->arena, str, strlen(str) + 1) != 0)
			return WJ_ERR_NOMEM;
	}
	p->n++;
	return 0;
}

void
claimed_finish(struct claimed_pack *p, struct store_claimed *out)
{
	size_t i, k;

	if (p->n == 0) {
		claimed_free(p);
		return;
	}
	out->arena = buf_take(&p->arena, NULL);
	for (i = 0; i < p->n; i++)
		for (k = 0; k < CLAIMED_N_STR; k++)
			if (p->off[i][k] != NO_STR)
				*member(&p->v[i], k) = out->arena +
				    p->off[i][k];
	out->v = p->v;
	out->n = p->n;
	p->v = NULL;
	claimed_free(p);
}
