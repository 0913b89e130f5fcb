/*
 * datadir.h - the data directory: DIR/wksjobs.db (with SQLite's -wal and
 * -shm; none when the database is PostgreSQL), DIR/master.key and, after
 * a rotation, DIR/master.key.old (the retired keys,
 * docs/ARCHITECTURE.md#security).
 */
#ifndef WJ_DATADIR_H
#define WJ_DATADIR_H

#include "../store/store.h"
#include "../util/crypto.h"

#define DATADIR_DB "wksjobs.db"
#define DATADIR_KEY "master.key"
#define DATADIR_KEY_OLD "master.key.old"

#include <sys/types.h>

/*
 * The database flags every command that opens the store shares, as
 * entries of its option table: --database (PostgreSQL URL), and for
 * serve --db-pool and --db-timeout-ms.
 */
#define DATADIR_OPT_DATABASE \
	{ "database", OPT_STR, 1, 4000, NULL, "PostgreSQL database (a " \
	    "postgres:// or postgresql:// URL, libpq's; PG* variables fill " \
	    "the rest); without it the SQLite file in --data", 0 }
#define DATADIR_OPT_POOL \
	{ "db-pool", OPT_INT, 1, 1000, "8", "PostgreSQL connections of " \
	    "this node", 0 }, \
	{ "db-timeout-ms", OPT_INT, 100, 600000, "5000", "PostgreSQL: how " \
	    "long a request may wait for the database before it gets 503 " \
	    "with Retry-After", 0 }

struct cmd_args;
/* The store options a's database flags give (those of its table). */
void	datadir_db_opts(const struct cmd_args *a, int max_attempts,
	    struct store_opts *o);
/* Does o name a PostgreSQL database? */
int	datadir_is_pg(const struct store_opts *o);

/*
 * Open the store o names (its path: dir's SQLite file unless o names a
 * PostgreSQL database) and load the master key of the initialised
 * directory dir; prints what went wrong.  0 or EXIT_FAIL.
 */
int	datadir_open(const char *dir, const struct store_opts *o,
	    struct store **st, struct wj_master_key *mk);
/*
 * serve --check of dir: it exists, its master key is there with mode
 * 0600 (or stricter) and the right size, the database opens and its
 * schema is one this program knows.  Each problem said on stderr; their
 * number (datadir_check.c).
 */
int	datadir_check(const char *dir, const struct store_opts *o);
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
