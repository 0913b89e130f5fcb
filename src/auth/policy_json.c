/*
 * policy_json.c - the canonical JSON text of a parsed policy: the
 * members in one order, condition operators and keys in their canonical
 * spelling, values as written.  What the IAM API stores and returns.
 */
#include <stdio.h>

#include "../util/buf.h"
#include "policy_int.h"

static void
write_list(struct jw *w, char *const *v, size_t n, int is_array)
{
	size_t i;

	if (!is_array) {
		jw_str(w, v[0]);
		return;
	}
	jw_arr_open(w);
	for (i = 0; i < n; i++)
		jw_str(w, v[i]);
	jw_arr_close(w);
}

static void
write_condition(struct jw *w, const struct stmt *st)
{
	const struct cblock *b;
	const struct centry *e;
	char name[64];
	size_t i, j, k;

	jw_obj_open(w);
	for (i = 0; i < st->nblk; i++) {
		b = &st->blk[i];
		(void)snprintf(name, sizeof(name), "%s%s",
		    policy_ops[b->op].name, b->if_exists ? IF_EXISTS : "");
		jw_key(w, name);
		jw_obj_open(w);
		for (j = 0; j < b->nent; j++) {
			e = &b->ent[j];
			jw_key(w, policy_keys[e->key].name);
			if (!e->is_array) {
				jw_str(w, e->val[0].text);
				continue;
			}
			jw_arr_open(w);
			for (k = 0; k < e->nval; k++)
				jw_str(w, e->val[k].text);
			jw_arr_close(w);
		}
		jw_obj_close(w);
	}
	jw_obj_close(w);
}

int
policy_to_json(const struct policy *p, struct buf *out)
{
	const struct stmt *st;
	struct jw w;
	size_t i, j;

	if (p == NULL)
		return WJ_ERR_INVALID;
	jw_init(&w, out);
	jw_obj_open(&w);
	jw_kv_str(&w, "Version", p->version == V_5_0 ? "5.0" : "1.1");
	jw_key(&w, "Statement");
	jw_arr_open(&w);
	for (i = 0; i < p->nst; i++) {
		st = &p->st[i];
		jw_obj_open(&w);
		jw_kv_str(&w, "Sid", st->sid);
		jw_kv_str(&w, "Effect", st->deny ? "Deny" : "Allow");
		jw_key(&w, st->not_action ? "NotAction" : "Action");
		write_list(&w, st->act, st->nact, st->act_is_array);
		if (st->nres > 0) {
			jw_key(&w, "Resource");
			if (st->res_is_array) {
				jw_arr_open(&w);
				for (j = 0; j < st->nres; j++)
					jw_str(&w, "*");
				jw_arr_close(&w);
			} else
				jw_str(&w, "*");
		}
		if (st->has_cond) {
			jw_key(&w, "Condition");
			write_condition(&w, st);
		}
		jw_obj_close(&w);
	}
	jw_arr_close(&w);
	jw_obj_close(&w);
	return out->failed ? WJ_ERR_NOMEM : 0;
}
