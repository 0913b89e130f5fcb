/*
 * blocks.c - sub_job_blocks counted down from C for a delete by IDs: one
 * UPDATE per block the deleted rows were in, instead of the delete
 * trigger's two per row (docs/ARCHITECTURE.md#list-pages).  While the
 * caller's op holds the row of sub_job_blocks_deferred, that trigger
 * leaves the blocks alone; every other delete still goes through it.
 */
#include <stdlib.h>
#include <string.h>

#include "sqlite_int.h"

/* The set of all sub-jobs; sets 0..3 hold one status each. */
#define SET_ALL 4

/* Deleted rows counted out of one block of one set. */
struct blk_group {
	int		 s;		/* the set */
	int64_t		 nb;		/* the block's key, as first found */
	char		 id[WJ_ID_LEN + 1];
	const struct sq_deleted *rep;	/* one of its rows */
	int64_t		 d[JOB_STATUS_COUNT];
};

/* The key of the block of set s holding row key (nb, id). */
static int
block_of(struct sq_conn *c, const char *project_id, int s, int64_t nb,
    const char *id, int64_t *bnb, char bid[WJ_ID_LEN + 1])
{
	sqlite3_stmt *st = NULL;
	int r, row;

	if ((r = sq_stmt(c, "SELECT nb, id FROM sub_job_blocks WHERE "
	    "project_id = ? AND s = ? AND (nb, id) <= (?, ?) "
	    "ORDER BY nb DESC, id DESC LIMIT 1", &st)) != 0)
		return r;
	if ((r = sq_bind(c, st, "tiIt", project_id, s, nb, id)) == 0 &&
	    (r = sq_step(c, st, &row)) == 0) {
		if (!row)
			r = WJ_ERR_INTERNAL;	/* a counted row has a block */
		else {
			*bnb = sqlite3_column_int64(st, 0);
			r = sq_copy(bid, WJ_ID_LEN + 1, sq_text(st, 1));
		}
	}
	sq_put(c, st);
	return r;
}

/* Count row d out of set s's block in g[*ng] (a new group if none). */
static int
group_add(struct sq_conn *c, const char *project_id, int s,
    const struct sq_deleted *d, struct blk_group *g, size_t *ng)
{
	int64_t nb;
	char id[WJ_ID_LEN + 1];
	size_t i;
	int r;

	if ((r = block_of(c, project_id, s, d->nb, d->id, &nb, id)) != 0)
		return r;
	for (i = 0; i < *ng; i++)
		if (g[i].s == s && g[i].nb == nb && strcmp(g[i].id, id) == 0)
			break;
	if (i == *ng) {
		memset(&g[i], 0, sizeof(g[i]));
		g[i].s = s;
		g[i].nb = nb;
		memcpy(g[i].id, id, sizeof(id));
		g[i].rep = d;
		(*ng)++;
	}
	g[i].d[d->status]++;
	return 0;
}

/*
 * One group's counts out of its block.  The block is found again from
 * one of its rows: an earlier group's update may have merged it into
 * its neighbour (sub_job_blocks_merge), which then holds all its rows.
 */
static int
group_apply(struct sq_conn *c, const char *project_id,
    const struct blk_group *g)
{
	int64_t nb;
	char id[WJ_ID_LEN + 1];
	int r;

	if ((r = block_of(c, project_id, g->s, g->rep->nb, g->rep->id, &nb,
	    id)) != 0)
		return r;
	r = sq_change(c, "UPDATE sub_job_blocks SET n0 = n0 - ?, "
	    "n1 = n1 - ?, n2 = n2 - ?, n3 = n3 - ? WHERE project_id = ? AND "
	    "s = ? AND nb = ? AND id = ?", "IIIItiIt", g->d[0], g->d[1],
	    g->d[2], g->d[3], project_id, g->s, nb, id);
	return r == WJ_ERR_NOT_FOUND ? WJ_ERR_INTERNAL : r;
}

int
sq_blocks_defer(struct sq_conn *c, int on)
{
	return sq_run(c, NULL, on ? "INSERT INTO sub_job_blocks_deferred "
	    "VALUES (1)" : "DELETE FROM sub_job_blocks_deferred", "");
}

int
sq_blocks_sub(struct sq_conn *c, const char *project_id,
    const struct sq_deleted *rows, size_t n)
{
	struct blk_group *g;
	size_t i, ng = 0;
	int r = 0;

	if (n == 0)
		return 0;
	if ((g = calloc(2 * n, sizeof(*g))) == NULL)
		return WJ_ERR_NOMEM;
	for (i = 0; i < n && r == 0; i++) {
		if (rows[i].status < 0 || rows[i].status >= JOB_STATUS_COUNT)
			r = WJ_ERR_INTERNAL;
		else if ((r = group_add(c, project_id, SET_ALL, &rows[i], g,
		    &ng)) == 0)
			r = group_add(c, project_id, rows[i].status, &rows[i],
			    g, &ng);
	}
	for (i = 0; i < ng && r == 0; i++)
		r = group_apply(c, project_id, &g[i]);
	free(g);
	return r;
}
