/*
 * datadir.h - the data directory: DIR/wksjobs.db (with SQLite's -wal and
 * -shm), DIR/master.key and, after a rotation, DIR/master.key.old (the
 * retired keys, docs/ARCHITECTURE.md#security).
 */
#ifndef WJ_DATADIR_H
#define WJ_DATADIR_H

#include "../store/store.h"
#include "../util/crypto.h"

#define DATADIR_DB "wksjobs.db"
#define DATADIR_KEY "master.key"
#define DATADIR_KEY_OLD "master.key.old"

#include <sys/types.h>

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
/*
 * Give dir and the files of a data directory in it to uid:gid (serve
 * --user, before the drop).  Regular files with one link only; a
 * symbolic link is never followed.  0 or EXIT_FAIL after saying why.
 */
int	datadir_chown(const char *dir, uid_t uid, gid_t gid);
/*
 * Run as root on a directory of another owner (the service user): give
 * the files of the data directory that root owns to the directory's
 * owner, so that what an admin command created stays usable by the
 * service.  Nothing otherwise.
 */
void	datadir_keep_owner(const char *dir);
/* dir/name into out; -1 if it does not fit. */
int	datadir_path(const char *dir, const char *name, char *out, size_t cap);

#endif
