/*
 * blocks.h - the size of the blocks of sub_job_blocks and the SQL that
 * cuts sub-jobs already in a database into blocks (migration 9 of
 * migrate.c; bench/seed.c after a load without the triggers that
 * otherwise keep the blocks; a delete by status for its status's set).  See docs/ARCHITECTURE.md#list-pages.
 */
#ifndef WJ_SQLITE_BLOCKS_H
#define WJ_SQLITE_BLOCKS_H

/*
 * A block holds SQ_BLOCK_ROWS to 2 * SQ_BLOCK_ROWS rows once split; one
 * under half of it is merged into its neighbour.  The triggers of
 * migration 9 carry the number: changing it takes a migration.
 */
#define SQ_BLOCK_ROWS	128

#define SQ_BLOCK_STR_(x) #x
#define SQ_BLOCK_STR(x) SQ_BLOCK_STR_(x)

/*
 * The blocks of ROWS (project_id, s, nb, id, status and rn, the row's
 * place in its set from 0, in list order): SQ_BLOCK_ROWS rows a block,
 * each keyed by its first row, with its counts by status.
 */
#define SQ_BLOCKS_CUT(rows) \
	"INSERT INTO sub_job_blocks (project_id, s, nb, id, n0, n1, n2, n3) " \
	"SELECT project_id, s, nb, id, n0, n1, n2, n3 FROM (" \
	"  SELECT project_id, s, min(rn), nb, id, sum(status = 0) AS n0," \
	"    sum(status = 1) AS n1, sum(status = 2) AS n2," \
	"    sum(status = 3) AS n3" \
	"  FROM (" rows ")" \
	"  GROUP BY project_id, s, rn / " SQ_BLOCK_STR(SQ_BLOCK_ROWS) ")"

/* Every project's sub-jobs cut into blocks: all of them (set 4) and
 * those of each status (sets 0..3); the table must be empty. */
#define SQ_BLOCKS_BUILD SQ_BLOCKS_CUT( \
	"SELECT project_id, 4 AS s, nb, id, status, row_number() " \
	"OVER (PARTITION BY project_id ORDER BY nb, id) - 1 AS rn " \
	"FROM sub_jobs UNION ALL SELECT project_id, status, nb, id, " \
	"status, row_number() OVER (PARTITION BY project_id, status " \
	"ORDER BY nb, id) - 1 FROM sub_jobs") ";"

#endif
