/*
 * memo.h - the memo of rendered answers: a read answer kept per thread
 * with the store's data version it was rendered at, and served again,
 * byte for byte, while that version has not moved.  Exact: a commit of
 * any connection or process moves the version, and the version and the
 * render's reads come from one read snapshot of the store.
 */
#ifndef WJ_API_MEMO_H
#define WJ_API_MEMO_H

#include <stddef.h>

#include "../store/store.h"
#include "../util/buf.h"

#define API_MEMO_ENTRIES	4		/* answers kept per thread */
#define API_MEMO_MAX_BYTES	(96 * 1024)	/* larger ones are not kept */

struct api_memo;

/* Append the answer to out; its store reads join the caller's snapshot. */
typedef int (*api_render_fn)(void *arg, struct buf *out);

int	api_memo_new(struct api_memo **out) WJ_WUR;
/* Free every thread's entries (no thread may use the memo any more). */
void	api_memo_free(struct api_memo *);
/*
 * Append the answer for key to out: the one kept by this thread when
 * it was rendered at the store's current data version, else what
 * render(arg, out) appends (then kept, unless it failed or is larger
 * than API_MEMO_MAX_BYTES).  An error of render is returned.
 */
int	api_memo_read(struct api_memo *, struct store *, const char *key,
	    size_t key_len, api_render_fn render, void *arg, struct buf *out)
	    WJ_WUR;

#endif
