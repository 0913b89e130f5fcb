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
/*
 * serve --check of dir: it exists, its master key is there with mode
 * 0600 (or stricter) and the right size, the database opens and its
 * schema is one this program knows.  Each problem said on stderr; their
 * number (datadir_check.c).
 */
int	datadir_check(const char *dir, int max_attempts);
/* dir/name into out; -1 if it does not fit. */
int	datadir_path(const char *dir, const char *name, char *out, size_t cap);

#endif
