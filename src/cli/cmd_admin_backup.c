/*
 * cmd_admin_backup.c - "wksjobs admin backup --to FILE": a consistent
 * copy of the database taken while serve runs (store_backup), with the
 * master key beside it in FILE.key and the retired keys, if any, in
 * FILE.key.old (all mode 0600: the copy holds sealed secrets, and the
 * key files open them).  "wksjobs admin restore --from FILE --data DIR"
 * makes DIR, which must be empty or absent, a data directory of them.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "cmd_admin.h"
#include "datadir.h"

/* base + suffix into out; -1 if it does not fit. */
static int
suffixed(const char *base, const char *suffix, char *out, size_t cap)
{
	int n = snprintf(out, cap, "%s%s", base, suffix);

	return n < 0 || (size_t)n >= cap ? -1 : 0;
}

/* A PostgreSQL database is backed up by its own tools: say so. */
static int
pg_refused(struct admin *ad, const char *what)
{
	struct store_opts so;

	datadir_db_opts(&ad->a, 3, &so);
	if (!datadir_is_pg(&so))
		return 0;
	fprintf(stderr, "wksjobs: admin %s copies the embedded SQLite "
	    "database; a PostgreSQL database is backed up with its own tools "
	    "(pg_dump, or base backups with WAL archiving), and the master "
	    "key of --data with it, kept apart\n", what);
	return 1;
}

static int
backup(struct admin *ad, char **arg)
{
	const struct opt_val *to = cmd_opt(&ad->a, "to");
	char key[4096], old[4096];
	int r;

	(void)arg;
	if (pg_refused(ad, "backup"))
		return EXIT_FAIL;
	if (!to->set)
		return admin_usage_error("backup needs --to FILE");
	if (suffixed(to->s, ".key", key, sizeof(key)) != 0 ||
	    suffixed(to->s, ".key.old", old, sizeof(old)) != 0)
		return admin_fail(WJ_ERR_INVALID, "--to");
	if (access(key, F_OK) == 0 || access(old, F_OK) == 0)
		return admin_fail(WJ_ERR_EXISTS, key);
	if ((r = store_backup(ad->st, to->s)) != 0)
		return admin_fail(r, to->s);
	if ((r = wj_master_key_save(key, &ad->mk)) != 0 ||
	    (ad->mk.n_old > 0 &&
	    (r = wj_master_key_save_old(old, &ad->mk)) != 0)) {
		(void)unlink(to->s);
		(void)unlink(key);
		return admin_fail(r, key);
	}
	fprintf(stderr, "wksjobs: warning: the backup holds the access keys' "
	    "secrets, sealed, and %s opens them: keep both as private as the "
	    "data directory, best apart\n", key);
	if (ad->json)
		return cmd_print_object("backup", to->s, "key", key,
		    "retired_keys", ad->mk.n_old > 0 ? old : "", NULL);
	printf("backup %s\nmaster key %s%s%s\n", to->s, key,
	    ad->mk.n_old > 0 ? "\nretired keys " : "",
	    ad->mk.n_old > 0 ? old : "");
	return EXIT_OK;
}

/* 0 when dir does not exist (it is created, 0700) or is empty. */
static int
empty_dir(const char *dir)
{
	struct dirent *e;
	DIR *d;
	int n = 0;

	if (mkdir(dir, 0700) == 0)
		return 0;
	if (errno != EEXIST || (d = opendir(dir)) == NULL) {
		fprintf(stderr, "wksjobs: cannot create %s: %s\n", dir,
		    strerror(errno));
		return EXIT_FAIL;
	}
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	if (n > 0) {
		fprintf(stderr, "wksjobs: %s is not empty: restore fills an "
		    "empty data directory only; nothing changed\n", dir);
		return EXIT_FAIL;
	}
	return 0;
}

/* Copy the file from to the new file to (0600), fsync'd. */
static int
copy_file(const char *from, const char *to)
{
	char buf[65536];
	ssize_t n;
	int in, out, r = 0;

	if ((in = open(from, O_RDONLY | O_CLOEXEC)) == -1)
		return WJ_ERR_IO;
	if ((out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) == -1) {
		close(in);
		return WJ_ERR_IO;
	}
	while (r == 0 && (n = read(in, buf, sizeof(buf))) != 0)
		if (n < 0 || write(out, buf, (size_t)n) != n)
			r = WJ_ERR_IO;
	if (r == 0 && fsync(out) == -1)
		r = WJ_ERR_IO;
	close(in);
	close(out);
	return r;
}

/* The keys of the backup file into the data directory dir. */
static int
restore_keys(const char *file, const char *dir)
{
	char from[4096], from_old[4096], key[4096], old[4096];
	struct wj_master_key mk;
	int r;

	if (suffixed(file, ".key", from, sizeof(from)) != 0 ||
	    suffixed(file, ".key.old", from_old, sizeof(from_old)) != 0 ||
	    datadir_path(dir, DATADIR_KEY, key, sizeof(key)) != 0 ||
	    datadir_path(dir, DATADIR_KEY_OLD, old, sizeof(old)) != 0)
		return WJ_ERR_INVALID;
	if ((r = wj_master_key_load(from, &mk)) != 0 ||
	    (r = wj_master_key_load_old(from_old, &mk)) != 0) {
		fprintf(stderr, "wksjobs: cannot load %s (and %s if any): %s\n",
		    from, from_old, wj_strerror(r));
		return r;
	}
	if ((r = wj_master_key_save(key, &mk)) == 0 && mk.n_old > 0)
		r = wj_master_key_save_old(old, &mk);
	OPENSSL_cleanse(&mk, sizeof(mk));
	return r;
}

static int
restore(struct admin *ad, char **arg)
{
	const struct opt_val *from = cmd_opt(&ad->a, "from");
	const char *dir = cmd_opt(&ad->a, "data")->s;
	struct store *st = NULL;
	struct store_opts so;
	struct wj_master_key mk;
	char db[4096];
	int r;

	(void)arg;
	if (pg_refused(ad, "restore"))
		return EXIT_FAIL;
	if (!from->set)
		return admin_usage_error("restore needs --from FILE "
		    "(and --data DIR)");
	if (datadir_path(dir, DATADIR_DB, db, sizeof(db)) != 0)
		return admin_fail(WJ_ERR_INVALID, "--data");
	if ((r = empty_dir(dir)) != 0)
		return r;
	if ((r = copy_file(from->s, db)) != 0 ||
	    (r = restore_keys(from->s, dir)) != 0) {
		fprintf(stderr, "wksjobs: restore from %s failed: %s; remove "
		    "what it wrote in %s\n", from->s, wj_strerror(r), dir);
		return EXIT_FAIL;
	}
	/* Open it as serve would: keys, schema, a read. */
	datadir_db_opts(&ad->a, 3, &so);
	if ((r = datadir_open(dir, &so, &st, &mk)) != 0)
		return r;
	r = store_ping(st);
	store_close(st);
	OPENSSL_cleanse(&mk, sizeof(mk));
	if (r != 0)
		return admin_fail(r, db);
	if (ad->json)
		return cmd_print_object("restored", dir, "from", from->s, NULL);
	printf("restored %s into %s\n", from->s, dir);
	return EXIT_OK;
}

const struct admin_cmd admin_backup_cmd = {
	"backup", 0, "backup --to FILE", backup, 1, NULL
};
const struct admin_cmd admin_restore_cmd = {
	"restore", 0, "restore --from FILE --data DIR", restore, 0, NULL
};
