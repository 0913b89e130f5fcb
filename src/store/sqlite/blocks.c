/*
 * blocks.c - sub_job_blocks kept from C by the deletes: for a delete by
 * IDs, one lookup per run of deleted rows that share a block and one
 * write per block, instead of the delete trigger's two statements per
 * row; after a large delete by status, that status's blocks cut again
 * and the blocks of all rows recounted in one pass
 * (docs/ARCHITECTURE.md#list-pages).  While the caller's op holds the row
 * of sub_job_blocks_deferred, that trigger leaves the blocks alone; every
 * other delete still goes through it.
 */
#include <stdlib.h>
#include <string.h>

#include "sqlite_int.h"
#include "blocks.h"

/* The set of all sub-jobs; sets 0..3 hold one status each. */
#define SET_ALL 4

/* A deleted row as one set counts it. */
struct blk_row {
	int			 s;
	const struct sq_deleted *d;
};

/* The deleted rows of one block of one set. */
struct blk_run {
	int		 s;
	int64_t		 nb;		/* the block's key */
	char		 id[WJ_ID_LEN + 1];
	int64_t		 n[JOB_STATUS_COUNT];	/* its counts before */
	int		 has_next;	/* the key of the set's next block */
	int64_t		 next_nb;
	char		 next_id[WJ_ID_LEN + 1];
	const struct sq_deleted *rep;	/* its first deleted row */
	int64_t		 d[JOB_STATUS_COUNT];
};

/* (nb, id) of a against that of b, in list order. */
static int
key_cmp(int64_t anb, const char *aid, int64_t bnb, const char *bid)
{
	if (anb != bnb)
		return anb < bnb ? -1 : 1;
	return strcmp(aid, bid);
}

/* By set, then in list order. */
static int
row_cmp(const void *a, const void *b)
{
	const struct blk_row *x = a, *y = b;

	if (x->s != y->s)
		return x->s < y->s ? -1 : 1;
	return key_cmp(x->d->nb, x->d->id, y->d->nb, y->d->id);
}

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

/*
 * Open run g for row x of its set: the block holding it (key and rows)
 * and the set's next block, in one statement (two seeks).
 */
static int
run_open(struct sq_conn *c, const char *project_id, const struct blk_row *x,
    struct blk_run *g)
{
	sqlite3_stmt *st = NULL;
	int r, row, k, i, found = 0;

	memset(g, 0, sizeof(*g));
	g->s = x->s;
	g->rep = x->d;
	if ((r = sq_stmt(c, "SELECT * FROM (SELECT 0, nb, id, n0, n1, n2, "
	    "n3 FROM sub_job_blocks WHERE project_id = ?1 AND s = ?2 AND "
	    "(nb, id) <= (?3, ?4) ORDER BY nb DESC, id DESC LIMIT 1) "
	    "UNION ALL SELECT * FROM (SELECT 1, nb, id, 0, 0, 0, 0 FROM "
	    "sub_job_blocks WHERE project_id = ?1 AND s = ?2 AND "
	    "(nb, id) > (?3, ?4) ORDER BY nb, id LIMIT 1)", &st)) != 0)
		return r;
	if ((r = sq_bind(c, st, "tiIt", project_id, x->s, x->d->nb,
	    x->d->id)) != 0)
		goto out;
	while ((r = sq_step(c, st, &row)) == 0 && row) {
		k = sqlite3_column_int(st, 0);
		if (k == 0) {
			found = 1;
			g->nb = sqlite3_column_int64(st, 1);
			for (i = 0; i < JOB_STATUS_COUNT; i++)
				g->n[i] = sqlite3_column_int64(st, 3 + i);
			r = sq_copy(g->id, sizeof(g->id), sq_text(st, 2));
		} else {
			g->has_next = 1;
			g->next_nb = sqlite3_column_int64(st, 1);
			r = sq_copy(g->next_id, sizeof(g->next_id),
			    sq_text(st, 2));
		}
		if (r != 0)
			break;
	}
	if (r == 0 && !found)
		r = WJ_ERR_INTERNAL;	/* a counted row has a block */
 out:
	sq_put(c, st);
	return r;
}

/* Does row x belong to run g (the same set, before the next block)? */
static int
run_holds(const struct blk_run *g, const struct blk_row *x)
{
	return g->s == x->s && (!g->has_next || key_cmp(x->d->nb, x->d->id,
	    g->next_nb, g->next_id) < 0);
}

/* Does the block keep at least SQ_BLOCK_ROWS / 2 rows (no merge)? */
static int
run_keeps(const struct blk_run *g)
{
	int64_t left = 0;
	int i;

	for (i = 0; i < JOB_STATUS_COUNT; i++)
		left += g->n[i] - g->d[i];
	return left >= SQ_BLOCK_ROWS / 2;
}

/*
 * A block that keeps enough rows gets its new counts written over it:
 * an INSERT runs no trigger of sub_job_blocks (an UPDATE runs the split
 * and merge triggers, each in a frame of its own, to find nothing to do).
 */
static int
run_put(struct sq_conn *c, const char *project_id, const struct blk_run *g)
{
	return sq_run(c, NULL, "INSERT OR REPLACE INTO sub_job_blocks "
	    "(project_id, s, nb, id, n0, n1, n2, n3) VALUES "
	    "(?, ?, ?, ?, ?, ?, ?, ?)", "tiItIIII", project_id, g->s, g->nb,
	    g->id, g->n[0] - g->d[0], g->n[1] - g->d[1], g->n[2] - g->d[2],
	    g->n[3] - g->d[3]);
}

/* One run's counts out of the block of set s keyed (nb, id). */
static int
run_sub(struct sq_conn *c, const char *project_id, const struct blk_run *g,
    int64_t nb, const char *id)
{
	int r;

	r = sq_change(c, "UPDATE sub_job_blocks SET n0 = n0 - ?, "
	    "n1 = n1 - ?, n2 = n2 - ?, n3 = n3 - ? WHERE project_id = ? AND "
	    "s = ? AND nb = ? AND id = ?", "IIIItiIt", g->d[0], g->d[1],
	    g->d[2], g->d[3], project_id, g->s, nb, id);
	return r == WJ_ERR_NOT_FOUND ? WJ_ERR_INTERNAL : r;
}

/*
 * Count the runs out of their blocks.  A block left with fewer than
 * SQ_BLOCK_ROWS / 2 rows is merged by sub_job_blocks_merge into its
 * neighbour, which may then split, recounting its first half from
 * sub_jobs, where the deleted rows are already gone: that neighbour's
 * counts must be exact by then.  So first every block that keeps enough
 * rows (no trigger acts on it), then those that merge, in list order:
 * the block before each is done; a set's first block merges into the
 * next, which, if it merges too, had fewer than SQ_BLOCK_ROWS / 2 +
 * WJ_DELETE_IDS_MAX rows (no split) and is found again from its row.
 */
static int
runs_apply(struct sq_conn *c, const char *project_id,
    const struct blk_run *g, size_t ng)
{
	int64_t nb;
	char id[WJ_ID_LEN + 1];
	size_t i;
	int r = 0, merges;

	for (merges = 0; merges <= 1 && r == 0; merges++)
		for (i = 0; i < ng && r == 0; i++) {
			if (run_keeps(&g[i]) == merges)
				continue;
			if (!merges)
				r = run_put(c, project_id, &g[i]);
			else if ((r = block_of(c, project_id, g[i].s,
			    g[i].rep->nb, g[i].rep->id, &nb, id)) == 0)
				r = run_sub(c, project_id, &g[i], nb, id);
		}
	return r;
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
	struct blk_row *x = NULL;
	struct blk_run *g = NULL;
	size_t i, ng = 0;
	int r = 0;

	if (n == 0)
		return 0;
	if ((x = calloc(2 * n, sizeof(*x))) == NULL ||
	    (g = calloc(2 * n, sizeof(*g))) == NULL) {
		r = WJ_ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (rows[i].status < 0 || rows[i].status >= JOB_STATUS_COUNT) {
			r = WJ_ERR_INTERNAL;
			goto out;
		}
		x[2 * i] = (struct blk_row){ SET_ALL, &rows[i] };
		x[2 * i + 1] = (struct blk_row){ rows[i].status, &rows[i] };
	}
	qsort(x, 2 * n, sizeof(*x), row_cmp);
	for (i = 0; i < 2 * n && r == 0; i++) {
		if (ng == 0 || !run_holds(&g[ng - 1], &x[i]))
			r = run_open(c, project_id, &x[i], &g[ng++]);
		if (r == 0)
			g[ng - 1].d[x[i].d->status]++;
	}
	if (r == 0)
		r = runs_apply(c, project_id, g, ng);
 out:
	free(g);
	free(x);
	return r;
}

/* ---- after a delete by status -------------------------------------------- */

/* A block of the set of all rows, as read and as rewritten. */
struct blk {
	int64_t	 nb;
	char	 id[WJ_ID_LEN + 1];
	int64_t	 n[JOB_STATUS_COUNT];
};

struct blk_list {
	struct blk	*v;
	size_t		 n, cap;
};

static int64_t
blk_rows(const struct blk *b)
{
	return b->n[0] + b->n[1] + b->n[2] + b->n[3];
}

/* The project's blocks of the set of all rows, in list order. */
static int
all_read(struct sq_conn *c, const char *project_id, struct blk_list *l)
{
	sqlite3_stmt *st = NULL;
	struct blk *b, *v;
	int r, row, i;

	if ((r = sq_stmt(c, "SELECT nb, id, n0, n1, n2, n3 FROM "
	    "sub_job_blocks WHERE project_id = ? AND s = 4 ORDER BY nb, id",
	    &st)) != 0)
		return r;
	if ((r = sq_bind(c, st, "t", project_id)) != 0)
		goto out;
	while ((r = sq_step(c, st, &row)) == 0 && row) {
		if (l->n == l->cap) {
			l->cap = l->cap ? 2 * l->cap : 256;
			if ((v = realloc(l->v, l->cap * sizeof(*v))) == NULL) {
				r = WJ_ERR_NOMEM;
				break;
			}
			l->v = v;
		}
		b = &l->v[l->n++];
		b->nb = sqlite3_column_int64(st, 0);
		if ((r = sq_copy(b->id, sizeof(b->id), sq_text(st, 1))) != 0)
			break;
		for (i = 0; i < JOB_STATUS_COUNT; i++)
			b->n[i] = sqlite3_column_int64(st, 2 + i);
	}
 out:
	sq_put(c, st);
	return r;
}

/* Each block's count of status: the rows of that status left in it. */
static int
all_recount(struct sq_conn *c, const char *project_id, int status,
    struct blk_list *l)
{
	sqlite3_stmt *st = NULL;
	size_t i, j = 0;
	int64_t nb;
	const char *id;
	int r, row;

	for (i = 0; i < l->n; i++)
		l->v[i].n[status] = 0;
	if ((r = sq_stmt(c, "SELECT nb, id FROM sub_jobs INDEXED BY "
	    "sub_jobs_status WHERE project_id = ? AND status = ? "
	    "ORDER BY nb, id", &st)) != 0)
		return r;
	if ((r = sq_bind(c, st, "ti", project_id, status)) != 0)
		goto out;
	while ((r = sq_step(c, st, &row)) == 0 && row) {
		nb = sqlite3_column_int64(st, 0);
		id = sq_text(st, 1);
		while (j + 1 < l->n && key_cmp(nb, id, l->v[j + 1].nb,
		    l->v[j + 1].id) >= 0)
			j++;
		if (l->n == 0 || key_cmp(nb, id, l->v[j].nb, l->v[j].id) < 0) {
			r = WJ_ERR_INTERNAL;	/* a counted row has a block */
			break;
		}
		l->v[j].n[status]++;
	}
 out:
	sq_put(c, st);
	return r;
}

/*
 * Join the blocks as the merge trigger would: an empty block goes (its
 * range joins the block before it, or it was the first and held
 * nothing before the next), one under SQ_BLOCK_ROWS / 2 rows joins the
 * block before it, or takes the next one in, where the two fit in
 * 2 * SQ_BLOCK_ROWS.  Returns the number of blocks left, in place.
 */
static size_t
all_join(struct blk *v, size_t n)
{
	size_t i, k, m = 0;
	int64_t a, b;

	for (i = 0; i < n; i++) {
		b = blk_rows(&v[i]);
		if (b == 0)
			continue;
		a = m > 0 ? blk_rows(&v[m - 1]) : 0;
		if (m > 0 && (a < SQ_BLOCK_ROWS / 2 || b < SQ_BLOCK_ROWS / 2) &&
		    a + b <= 2 * SQ_BLOCK_ROWS) {
			for (k = 0; k < JOB_STATUS_COUNT; k++)
				v[m - 1].n[k] += v[i].n[k];
			continue;
		}
		v[m++] = v[i];
	}
	return m;
}

static int
all_write(struct sq_conn *c, const char *project_id,
    const struct blk_list *l)
{
	size_t i;
	int r;

	if ((r = sq_run(c, NULL, "DELETE FROM sub_job_blocks WHERE "
	    "project_id = ? AND s = 4", "t", project_id)) != 0)
		return r;
	for (i = 0; i < l->n && r == 0; i++)
		r = sq_run(c, NULL, "INSERT INTO sub_job_blocks (project_id, "
		    "s, nb, id, n0, n1, n2, n3) VALUES (?, 4, ?, ?, ?, ?, ?, ?)",
		    "tItIIII", project_id, l->v[i].nb, l->v[i].id, l->v[i].n[0],
		    l->v[i].n[1], l->v[i].n[2], l->v[i].n[3]);
	return r;
}

int
sq_blocks_status_gone(struct sq_conn *c, const char *project_id, int status)
{
	struct blk_list l = { NULL, 0, 0 };
	int r;

	if (status < 0 || status >= JOB_STATUS_COUNT)
		return WJ_ERR_INTERNAL;
	/* The status's own set: cut again from the rows left (protected
	 * job types only). */
	if ((r = sq_run(c, NULL, "DELETE FROM sub_job_blocks WHERE "
	    "project_id = ? AND s = ?", "ti", project_id, status)) != 0 ||
	    (r = sq_run(c, NULL, SQ_BLOCKS_CUT("SELECT ?1 AS project_id, "
	    "?2 AS s, nb, id, status, row_number() OVER (ORDER BY nb, id) "
	    "- 1 AS rn FROM sub_jobs INDEXED BY sub_jobs_status WHERE "
	    "project_id = ?1 AND status = ?2"), "ti",
	    project_id, status)) != 0)
		return r;
	if ((r = all_read(c, project_id, &l)) == 0 &&
	    (r = all_recount(c, project_id, status, &l)) == 0) {
		l.n = all_join(l.v, l.n);
		r = all_write(c, project_id, &l);
	}
	free(l.v);
	return r;
}
