/*
 * datadir.c - locating and opening a data directory.
 */
#include <stdio.h>
#include <unistd.h>

#include "cmd.h"
#include "datadir.h"

int
datadir_path(const char *dir, const char *name, char *out, size_t cap)
{
	int n = snprintf(out, cap, "%s/%s", dir, name);

	return n < 0 || (size_t)n >= cap ? -1 : 0;
}

int
datadir_open(const char *dir, int max_attempts, struct store **st,
    struct wj_master_key *mk)
{
	struct store_opts o = { 0 };
	char db[4096], key[4096];
	int r;

	*st = NULL;
	if (datadir_path(dir, DATADIR_DB, db, sizeof(db)) != 0 ||
	    datadir_path(dir, DATADIR_KEY, key, sizeof(key)) != 0) {
		fprintf(stderr, "wksjobs: data directory path too long\n");
		return EXIT_FAIL;
	}
	if (access(key, F_OK) != 0 || access(db, F_OK) != 0) {
		fprintf(stderr, "wksjobs: %s is not an initialised data "
		    "directory (run: wksjobs init --data %s)\n", dir, dir);
		return EXIT_FAIL;
	}
	if ((r = wj_master_key_load(key, mk)) != 0) {
		fprintf(stderr, "wksjobs: cannot load %s (must be 32 bytes, "
		    "mode 0600): %s\n", key, wj_strerror(r));
		return EXIT_FAIL;
	}
	o.path = db;
	o.max_attempts = max_attempts;
	if ((r = store_open(&o, st)) != 0) {
		fprintf(stderr, "wksjobs: cannot open %s: %s\n", db,
		    wj_strerror(r));
		return EXIT_FAIL;
	}
	return EXIT_OK;
}
