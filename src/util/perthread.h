/*
 * perthread.h - a value per thread that its owner can free: a pthread
 * key whose values are also kept on a list, so that wj_perthread_free
 * drops every value made, whichever thread made it (libmicrohttpd's
 * threads end before their owner does).  The store's read connections
 * and the API's memo of rendered answers use it.  Reads of a thread's own
 * value take no lock.
 */
#ifndef WJ_PERTHREAD_H
#define WJ_PERTHREAD_H

#include <pthread.h>

#include "err.h"

struct wj_perthread_node;

struct wj_perthread {
	pthread_key_t		  key;
	int			  key_ok;
	pthread_mutex_t		  mu;		/* all */
	struct wj_perthread_node *all;
	void			(*drop)(void *);
};

/* Ready p; drop frees a value (at wj_perthread_free, or when it cannot
 * be kept).  WJ_ERR_NOMEM when no key is left. */
int	wj_perthread_init(struct wj_perthread *p, void (*drop)(void *)) WJ_WUR;
/*
 * This thread's value in *out: on the thread's first call made by
 * make(arg, out) (0 or an error code, returned as is) and kept.
 */
int	wj_perthread_get(struct wj_perthread *p,
	    int (*make)(void *arg, void **out), void *arg, void **out) WJ_WUR;
/* Drop every value made and the key; p may be zeroed or ready. */
void	wj_perthread_free(struct wj_perthread *p);

#endif
