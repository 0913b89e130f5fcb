/*
 * buf.h - growable byte buffer (after OpenSSH's sshbuf), and a small JSON
 * writer on top of it used for every response body: responses are written
 * straight into one buffer, no intermediate tree.  Request bodies are
 * parsed with jansson elsewhere.
 */
#ifndef WJ_BUF_H
#define WJ_BUF_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define BUF_MAX (64u * 1024 * 1024)	/* hard ceiling of any one buffer */

struct buf {
	char	*data;		/* NUL-terminated while len < cap */
	size_t	 len;
	size_t	 cap;
	int	 failed;	/* sticky: an append ran out of memory/limit */
};

/* Initialise an empty buffer (no allocation). */
void	buf_init(struct buf *);
/* Release the storage; the buffer is empty again. */
void	buf_free(struct buf *);
/* Make room for n more bytes. WJ_ERR_NOMEM past BUF_MAX or on failure. */
int	buf_reserve(struct buf *, size_t n) WJ_WUR;
/* Appends; on failure set b->failed and return WJ_ERR_NOMEM. */
int	buf_append(struct buf *, const void *, size_t);
int	buf_puts(struct buf *, const char *);
int	buf_putc(struct buf *, char);
int	buf_printf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
/* Hand the storage to the caller (free() it); the buffer is emptied. */
char	*buf_take(struct buf *, size_t *lenp);

/*
 * JSON writer.  The caller writes structure in order; commas are inserted
 * automatically.  Errors are sticky in the buffer (check b->failed once).
 */
#define JW_MAX_DEPTH 16

struct jw {
	struct buf *b;
	int	depth;
	uint8_t	need_comma[JW_MAX_DEPTH];
};

void	jw_init(struct jw *, struct buf *);
void	jw_obj_open(struct jw *);
void	jw_obj_close(struct jw *);
void	jw_arr_open(struct jw *);
void	jw_arr_close(struct jw *);
/* An object key; the next call writes its value. */
void	jw_key(struct jw *, const char *);
void	jw_str(struct jw *, const char *);
void	jw_strn(struct jw *, const char *, size_t);
void	jw_int(struct jw *, int64_t);
void	jw_bool(struct jw *, int);
/* Already-encoded JSON text (trusted: it came from this program). */
void	jw_raw(struct jw *, const char *);
/* key + value shorthands; a NULL string omits the member entirely. */
void	jw_kv_str(struct jw *, const char *, const char *);
void	jw_kv_int(struct jw *, const char *, int64_t);

/* Append s as a JSON string literal with escapes. */
int	buf_json_string(struct buf *, const char *, size_t);
/*
 * Append lit[0..litlen) (already JSON, e.g. ,"key":) and then s[0..n) as
 * a string literal: one bounds check and two copies when s needs no
 * escape, as most values do.
 */
int	buf_json_member(struct buf *, const char *lit, size_t litlen,
	    const char *s, size_t n);

#endif
