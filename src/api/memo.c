/*
 * memo.c - the memo of rendered answers (memo.h).  Each thread has its
 * own few entries (a pthread key, allocated on first use and kept on a
 * list until api_memo_free), so no lock is taken on a read; the least
 * recently used entry makes room.  A render and the data version it is
 * kept under are read in one snapshot (store_read_begin), so an answer
 * is never kept under a version newer than its data.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "memo.h"

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
	struct memo_thread *next;	/* on api_memo.all */
};

struct api_memo {
	pthread_key_t	    key;	/* this thread's memo_thread */
	pthread_mutex_t	    mu;		/* all */
	struct memo_thread *all;
};

int
api_memo_new(struct api_memo **out)
{
	struct api_memo *m;

	*out = NULL;
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return WJ_ERR_NOMEM;
	if (pthread_key_create(&m->key, NULL) != 0) {
		free(m);
		return WJ_ERR_NOMEM;
	}
	m->mu = (pthread_mutex_t)PTHREAD_MUTEX_INITIALIZER;
	*out = m;
	return 0;
}

void
api_memo_free(struct api_memo *m)
{
	struct memo_thread *t, *next;
	size_t i;

	if (m == NULL)
		return;
	for (t = m->all; t != NULL; t = next) {
		next = t->next;
		for (i = 0; i < API_MEMO_ENTRIES; i++) {
			free(t->e[i].key);
			buf_free(&t->e[i].body);
		}
		free(t);
	}
	pthread_key_delete(m->key);
	pthread_mutex_destroy(&m->mu);
	free(m);
}

/* This thread's entries, made on first use; NULL when out of memory. */
static struct memo_thread *
thread_memo(struct api_memo *m)
{
	struct memo_thread *t;

	if ((t = pthread_getspecific(m->key)) != NULL)
		return t;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	if (pthread_setspecific(m->key, t) != 0) {
		free(t);
		return NULL;
	}
	pthread_mutex_lock(&m->mu);
	t->next = m->all;
	m->all = t;
	pthread_mutex_unlock(&m->mu);
	return t;
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
	int64_t dv = 0;
	int r;

	if (key == NULL || render == NULL)
		return WJ_ERR_INVALID;
	if ((t = thread_memo(memo)) == NULL)
		return WJ_ERR_NOMEM;
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
