/*
 * claimed.h - the owned copy of claimed sub-jobs (struct store_claimed)
 * as both engines build it, private to src/store/: while a claim runs,
 * each leased row is appended with its strings copied into one arena;
 * when it commits, the copy is handed to the caller.
 */
#ifndef WJ_STORE_CLAIMED_H
#define WJ_STORE_CLAIMED_H

#include <stddef.h>

#include "store.h"
#include "../util/buf.h"

/* The string members of struct sub_job (claimed.c lists them). */
#define CLAIMED_N_STR	13

/*
 * While claiming, strings go into arena and their offsets into off[];
 * the pointers are set once the arena stops moving (claimed_finish).
 */
struct claimed_pack {
	struct sub_job	*v;
	size_t		(*off)[CLAIMED_N_STR];
	size_t		 n, max;
	struct buf	 arena;
};

/* Room for max sub-jobs; 0 or WJ_ERR_NOMEM (free it either way). */
int	claimed_init(struct claimed_pack *, size_t max) WJ_WUR;
void	claimed_free(struct claimed_pack *);
/* Forget what was added (an op that runs again starts empty). */
void	claimed_reset(struct claimed_pack *);
/* Append a copy of s (strings borrowed); WJ_ERR_NOMEM, or
 * WJ_ERR_INTERNAL past max. */
int	claimed_add(struct claimed_pack *, const struct sub_job *s) WJ_WUR;
/* Hand the packed sub-jobs to out (all NULL when none); p is emptied. */
void	claimed_finish(struct claimed_pack *, struct store_claimed *out);

#endif
