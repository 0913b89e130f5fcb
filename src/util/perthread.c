/*
 * perthread.c - a value per thread that its owner can free; see
 * perthread.h.
 */
#include <stdlib.h>

#include "perthread.h"

struct wj_perthread_node {
	void			 *v;
	struct wj_perthread_node *next;
};

int
wj_perthread_init(struct wj_perthread *p, void (*drop)(void *))
{
	p->mu = (pthread_mutex_t)PTHREAD_MUTEX_INITIALIZER;
	p->all = NULL;
	p->drop = drop;
	p->key_ok = pthread_key_create(&p->key, NULL) == 0;
	return p->key_ok ? 0 : WJ_ERR_NOMEM;
}

int
wj_perthread_get(struct wj_perthread *p, int (*make)(void *, void **),
    void *arg, void **out)
{
	struct wj_perthread_node *n;
	int r;

	if ((*out = pthread_getspecific(p->key)) != NULL)
		return 0;
	if ((r = make(arg, out)) != 0)
		return r;
	if ((n = malloc(sizeof(*n))) == NULL ||
	    pthread_setspecific(p->key, *out) != 0) {
		free(n);
		p->drop(*out);
		*out = NULL;
		return WJ_ERR_NOMEM;
	}
	n->v = *out;
	pthread_mutex_lock(&p->mu);
	n->next = p->all;
	p->all = n;
	pthread_mutex_unlock(&p->mu);
	return 0;
}

void
wj_perthread_free(struct wj_perthread *p)
{
	struct wj_perthread_node *n, *next;

	if (!p->key_ok)
		return;
	pthread_key_delete(p->key);
	for (n = p->all; n != NULL; n = next) {
		next = n->next;
		p->drop(n->v);
		free(n);
	}
	p->all = NULL;
	p->key_ok = 0;
	pthread_mutex_destroy(&p->mu);
}
