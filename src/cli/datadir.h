/*
 * datadir.h - the data directory: DIR/wksjobs.db and DIR/master.key.
 */
#ifndef WJ_DATADIR_H
#define WJ_DATADIR_H

#include "../store/store.h"
#include "../util/crypto.h"

#define DATADIR_DB "wksjobs.db"
#define DATADIR_KEY "master.key"

/* Open the store and load the master key of an initialised directory;
 * prints what went wrong.  0 or EXIT_FAIL. */
int	datadir_open(const char *dir, int max_attempts, struct store **st,
	    struct wj_master_key *mk);
/* dir/name into out; -1 if it does not fit. */
int	datadir_path(const char *dir, const char *name, char *out, size_t cap);

#endif
