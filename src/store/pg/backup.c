/*
 * backup.c - the PostgreSQL engine has no backup of its own: a database
 * server is backed up with its own tools (pg_dump, or base backups and WAL
 * archiving), which know what a consistent copy of it is.
 */
#include "pg_int.h"

int
pg_store_backup(struct pg_store *st, const char *path)
{
	(void)st;
	(void)path;
	log_error("store: backup: the database is PostgreSQL: back it up with "
	    "pg_dump (e.g. pg_dump -Fc -f FILE URL) or the server's own "
	    "base backups");
	return WJ_ERR_INVALID;
}
