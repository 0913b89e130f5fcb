/*
 * datadir.c - locating and opening a data directory, and who owns it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "datadir.h"

int
datadir_path(const char *dir, const char *name, char *out, size_t cap)
{
	int n = snprintf(out, cap, "%s/%s", dir, name);

	return n < 0 || (size_t)n >= cap ? -1 : 0;
}

/* dir as an absolute path for messages, without a leading "./". */
static void
datadir_shown(const char *dir, char *out, size_t cap)
{
	char cwd[4096];

	while (dir[0] == '.' && dir[1] == '/')
		dir += 2;
	if (dir[0] == '/' || getcwd(cwd, sizeof(cwd)) == NULL)
		(void)snprintf(out, cap, "%s", dir);
	else if (strcmp(dir, ".") == 0 || dir[0] == '\0')
		(void)snprintf(out, cap, "%s", cwd);
	else
		(void)snprintf(out, cap, "%s/%s", cwd, dir);
}

void
datadir_db_opts(const struct cmd_args *a, int max_attempts,
    struct store_opts *o)
{
	size_t i;

	memset(o, 0, sizeof(*o));
	o->max_attempts = max_attempts;
	for (i = 0; i < a->n_opts; i++) {
		const char *n = a->opts[i].name;
		const struct opt_val *v = &a->vals[i];

		if (strcmp(n, "database") == 0 && v->set)
			o->database = v->s;
		else if (strcmp(n, "db-pool") == 0)
			o->db_pool = (int)v->i;
		else if (strcmp(n, "db-timeout-ms") == 0)
			o->db_timeout_ms = (int)v->i;
	}
}

int
datadir_is_pg(const struct store_opts *o)
{
	return store_is_pg_url(o->database);
}

/* What a failed open of o says: the file, or the database without the
 * password its URL may carry. */
static void
open_failed(const struct store_opts *o, const char *db, int r)
{
	if (datadir_is_pg(o))
		fprintf(stderr, "wksjobs: cannot open the PostgreSQL database "
		    "of --database: %s (the log line above says why)\n",
		    wj_strerror(r));
	else
		fprintf(stderr, "wksjobs: cannot open %s: %s\n", db,
		    wj_strerror(r));
}

int
datadir_open(const char *dir, const struct store_opts *base,
    struct store **st, struct wj_master_key *mk)
{
	struct store_opts o = *base;
	char db[4096], key[4096], old[4096], shown[8200];
	int r, pg = datadir_is_pg(base);

	*st = NULL;
	if (datadir_path(dir, DATADIR_DB, db, sizeof(db)) != 0 ||
	    datadir_path(dir, DATADIR_KEY, key, sizeof(key)) != 0 ||
	    datadir_path(dir, DATADIR_KEY_OLD, old, sizeof(old)) != 0) {
		fprintf(stderr, "wksjobs: data directory path too long\n");
		return EXIT_FAIL;
	}
	if (access(key, F_OK) != 0 || (!pg && access(db, F_OK) != 0)) {
		datadir_shown(dir, shown, sizeof(shown));
		fprintf(stderr, "wksjobs: %s is not an initialised data "
		    "directory: give the one in use with --data DIR or "
		    "WKSJOBS_DATA (make run prints it), or make one with "
		    "wksjobs init --data %s%s\n", shown, shown, pg ?
		    " --database URL (or copy the master key of the "
		    "directory init made, for another node)" : "");
		return EXIT_FAIL;
	}
	if ((r = wj_master_key_load(key, mk)) != 0) {
		fprintf(stderr, "wksjobs: cannot load %s (must be 32 bytes, "
		    "mode 0600): %s\n", key, wj_strerror(r));
		return EXIT_FAIL;
	}
	if ((r = wj_master_key_load_old(old, mk)) != 0) {
		fprintf(stderr, "wksjobs: cannot load the retired keys of %s "
		    "(mode 0600, whole records): %s\n", old, wj_strerror(r));
		return EXIT_FAIL;
	}
	o.path = db;
	if ((r = store_open(&o, st)) != 0) {
		open_failed(&o, db, r);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

/* The files of a data directory besides the directory itself. */
static const char *const owned[] = {
	DATADIR_DB, DATADIR_DB "-wal", DATADIR_DB "-shm", DATADIR_DB
	"-journal", DATADIR_KEY, DATADIR_KEY_OLD,
};

/* Give name in the directory dfd to uid:gid when only_from is -1 or
 * its owner; a missing file is no error. */
static int
own_file(int dfd, const char *name, uid_t uid, gid_t gid, uid_t only_from)
{
	struct stat st;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISREG(st.st_mode) || st.st_nlink != 1)
		return only_from == (uid_t)-1 ? -1 : 0;
	if (only_from != (uid_t)-1 && st.st_uid != only_from)
		return 0;
	if (st.st_uid == uid && st.st_gid == gid)
		return 0;
	return fchownat(dfd, name, uid, gid, AT_SYMLINK_NOFOLLOW);
}

static int
own_all(const char *dir, uid_t uid, gid_t gid, uid_t only_from)
{
	size_t i;
	int dfd, r = 0;

	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1)
		return -1;
	if (only_from == (uid_t)-1 && fchown(dfd, uid, gid) == -1)
		r = -1;
	for (i = 0; r == 0 && i < sizeof(owned) / sizeof(owned[0]); i++)
		if (own_file(dfd, owned[i], uid, gid, only_from) == -1) {
			fprintf(stderr, "wksjobs: cannot give %s/%s to uid "
			    "%u: %s\n", dir, owned[i], (unsigned)uid,
			    errno != 0 ? strerror(errno) : "not a plain file");
			r = -1;
		}
	close(dfd);
	return r;
}

int
datadir_chown(const char *dir, uid_t uid, gid_t gid)
{
	errno = 0;
	if (own_all(dir, uid, gid, (uid_t)-1) != 0) {
		fprintf(stderr, "wksjobs: cannot give the data directory %s to "
		    "uid %u: %s\n", dir, (unsigned)uid, strerror(errno));
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

void
datadir_keep_owner(const char *dir)
{
	struct stat st;

	if (geteuid() != 0 || stat(dir, &st) == -1 || !S_ISDIR(st.st_mode) ||
	    st.st_uid == 0)
		return;
	errno = 0;
	(void)own_all(dir, st.st_uid, st.st_gid, 0);
}
