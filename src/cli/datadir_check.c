/*
 * datadir_check.c - "serve --check" of a data directory: every problem
 * said with the way out, before anything is opened.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/crypto.h>

#include "cmd.h"
#include "datadir.h"

static int __attribute__((format(printf, 1, 2)))
say(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "wksjobs: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

/* The master key file: there, 32 bytes (or 33 with its key id, after a
 * rotation), no access but its owner's. */
static int
check_key(const char *dir, const char *key)
{
	struct stat st;

	if (stat(key, &st) != 0)
		return say("%s: %s: the master key is missing (wksjobs init "
		    "--data %s makes a new directory; restore the key that "
		    "sealed this one)", key, strerror(errno), dir);
	if (!S_ISREG(st.st_mode))
		return say("%s: the master key is not a regular file", key);
	if ((st.st_mode & 077) != 0)
		return say("%s: unsafe mode %04o: the master key must be "
		    "readable by its owner only (chmod 600 %s)", key,
		    (unsigned)(st.st_mode & 07777), key);
	if (st.st_size != WJ_MASTER_KEY_LEN && st.st_size != WJ_KEY_RECORD_LEN)
		return say("%s: %lld bytes: a master key is %d bytes (%d with "
		    "its key id)", key, (long long)st.st_size,
		    WJ_MASTER_KEY_LEN, WJ_KEY_RECORD_LEN);
	return 0;
}

int
datadir_check(const char *dir, const struct store_opts *o)
{
	char db[4096], key[4096];
	struct wj_master_key mk;
	struct store *st = NULL;
	struct stat sb;
	int n = 0;

	if (stat(dir, &sb) != 0)
		return say("data directory %s: %s (run: wksjobs init --data "
		    "%s)", dir, strerror(errno), dir);
	if (!S_ISDIR(sb.st_mode))
		return say("data directory %s is not a directory", dir);
	if (datadir_path(dir, DATADIR_DB, db, sizeof(db)) != 0 ||
	    datadir_path(dir, DATADIR_KEY, key, sizeof(key)) != 0)
		return say("data directory path too long");
	n += check_key(dir, key);
	if (!datadir_is_pg(o) && stat(db, &sb) != 0)
		n += say("%s: %s: no database (run: wksjobs init --data %s)",
		    db, strerror(errno), dir);
	if (n > 0)
		return n;
	/* Opening runs the schema check: a newer schema is refused. */
	if (datadir_open(dir, o, &st, &mk) != 0)
		n++;
	store_close(st);
	OPENSSL_cleanse(&mk, sizeof(mk));
	return n;
}
