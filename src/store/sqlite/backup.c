/*
 * backup.c - store_backup on SQLite: the online backup API copies every
 * page of the database in one step on a connection of its own, so the
 * copy is the database as of that step's read transaction (WAL: the
 * writer goes on meanwhile), then the copy is checked and synced.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "sqlite_int.h"

/* "ok" from PRAGMA quick_check on db, else WJ_ERR_IO. */
static int
quick_check(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	const unsigned char *t;
	int r = WJ_ERR_IO;

	if (sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &st, NULL) !=
	    SQLITE_OK)
		goto out;
	if (sqlite3_step(st) == SQLITE_ROW &&
	    (t = sqlite3_column_text(st, 0)) != NULL &&
	    strcmp((const char *)t, "ok") == 0)
		r = 0;
 out:
	sqlite3_finalize(st);
	return r;
}

/* Copy the database of src into the empty file path and check it. */
static int
copy_into(struct sq_conn *src, const char *path)
{
	sqlite3_backup *b;
	sqlite3 *dst = NULL;
	int rc, r;

	rc = sqlite3_open_v2(path, &dst, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		r = sq_map(rc);
		goto out;
	}
	sqlite3_busy_timeout(dst, SQ_BUSY_TIMEOUT_MS);
	if ((b = sqlite3_backup_init(dst, "main", src->db, "main")) == NULL) {
		r = sq_map(sqlite3_errcode(dst));
		goto out;
	}
	/* -1: every page in one step, under one read transaction. */
	rc = sqlite3_backup_step(b, -1);
	(void)sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE) {
		r = sq_map(rc);
		goto out;
	}
	r = quick_check(dst);
 out:
	sqlite3_close(dst);
	return r;
}

/* fsync path, then its directory (so that the new name is durable). */
static int
sync_file(const char *path)
{
	char dir[4096], *slash;
	int fd, r = 0;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return WJ_ERR_IO;
	if (fsync(fd) == -1)
		r = WJ_ERR_IO;
	close(fd);
	if (r != 0 || strlen(path) >= sizeof(dir))
		return r;
	strcpy(dir, path);
	if ((slash = strrchr(dir, '/')) == NULL)
		strcpy(dir, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		(void)fsync(fd);
		close(fd);
	}
	return 0;
}

int
sq_store_backup(struct sq_store *st, const char *path)
{
	struct sq_conn *src = NULL;
	int fd, r;

	if (path == NULL || *path == '\0')
		return WJ_ERR_INVALID;
	/* The file exists, empty, with the mode a file of secrets has. */
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) == -1)
		return errno == EEXIST ? WJ_ERR_EXISTS : WJ_ERR_IO;
	close(fd);
	if ((r = sq_conn_open(st, 0, &src)) == 0 &&
	    (r = copy_into(src, path)) == 0)
		r = sync_file(path);
	sq_conn_close(src);
	if (r != 0)
		(void)unlink(path);
	return r;
}
