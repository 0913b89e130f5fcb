/*
 * memo.c - the memo of rendered answers (memo.h).  Each thread has its
 * own few entries (util/perthread.h: made on first use, kept until
 * api_memo_free), so no lock is taken on a read; the least
 * recently used entry makes room.  A render and the data version it is
 * kept under are read in one snapshot (store_read_begin), so an answer
 * is never kept under a version newer than its data.
 */
#include <stdlib.h>
#include <string.h>

#include "memo.h"
#include "../util/perthread.h"

struct memo_entry {
	char		*key;		/* owned, key_len bytes */
	size_t		 key_len;
	struct buf	 body;
	int64_t		 dv;		/* the data version it was read at */
	uint64_t	 used;		/* LRU tick */
};

struct memo_thread {
	struct memo_entry   e[API_MEMO_ENTRIES];
	uint64_t	    tick;
};

struct api_memo {
	struct wj_perthread threads;	/* struct memo_thread */
};

static void
thread_free(void *v)
{
	struct memo_thread *t = v;
	size_t i;

	for (i = 0; i < API_MEMO_ENTRIES; i++) {
		free(t->e[i].key);
		buf_free(&t->e[i].body);
	}
	free(t);
}

static int
thread_new(void *arg, void **out)
{
	(void)arg;
	return (*out = calloc(1, sizeof(struct memo_thread))) != NULL ? 0 :
	    WJ_ERR_NOMEM;
}

int
api_memo_new(struct api_memo **out)
{
	struct api_memo *m;
	int r;

	*out = NULL;
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return WJ_ERR_NOMEM;
	if ((r = wj_perthread_init(&m->threads, thread_free)) != 0)
		free(m);
	else
		*out = m;
	return r;
}

void
api_memo_free(struct api_memo *m)
{
	if (m == NULL)
		return;
	wj_perthread_free(&m->threads);
	free(m);
}

static struct memo_entry *
find(struct memo_thread *t, const char *key, size_t key_len)
{
	size_t i;

	for (i = 0; i < API_MEMO_ENTRIES; i++)
		if (t->e[i].key != NULL && t->e[i].key_len == key_len &&
		    memcmp(t->e[i].key, key, key_len) == 0)
			return &t->e[i];
	return NULL;
}

/* Keep out[from..] as key's answer at dv, in the least recently used entry. */
static void
keep(struct memo_thread *t, const char *key, size_t key_len, int64_t dv,
    const struct buf *out, size_t from)
{
	struct memo_entry *m = find(t, key, key_len);
	size_t i, len = out->len - from;

	if (len > API_MEMO_MAX_BYTES)
		return;
	if (m == NULL) {
		m = &t->e[0];
		for (i = 1; i < API_MEMO_ENTRIES; i++)
			if (t->e[i].used < m->used)
				m = &t->e[i];
		free(m->key);
		if ((m->key = malloc(key_len + 1)) == NULL)
			return;
		memcpy(m->key, key, key_len);
		m->key_len = key_len;
	}
	m->body.len = 0;
	if (buf_append(&m->body, out->data + from, len) != 0 ||
	    m->body.failed) {
		free(m->key);
		m->key = NULL;
		buf_free(&m->body);
		return;
	}
	m->dv = dv;
	m->used = ++t->tick;
}

int
api_memo_read(struct api_memo *memo, struct store *st, const char *key,
    size_t key_len, api_render_fn render, void *arg, struct buf *out)
{
	struct memo_thread *t;
	struct memo_entry *m;
	size_t from = out->len;
	void *v;
	int64_t dv = 0;
	int r;

	if (key == NULL || render == NULL)
		return WJ_ERR_INVALID;
	if ((r = wj_perthread_get(&memo->threads, thread_new, NULL, &v)) != 0)
		return r;
	t = v;
	if ((r = store_read_begin(st)) != 0)
		return r;
	if ((r = store_data_version(st, &dv)) != 0)
		return store_read_end(st, r);
	if (wj_bench_off("WJ_BENCH_NOMEMO"))
		return store_read_end(st, render(arg, out));
	if ((m = find(t, key, key_len)) != NULL && m->dv == dv) {
		m->used = ++t->tick;
		r = buf_append(out, m->body.data, m->body.len);
		return store_read_end(st, r);
	}
	/* render's own reads join this snapshot (store_read_begin nests). */
	if ((r = render(arg, out)) == 0 && !out->failed)
		keep(t, key, key_len, dv, out, from);
	return store_read_end(st, r);
}
