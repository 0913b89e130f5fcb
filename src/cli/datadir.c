/*
 * datadir.c - locating and opening a data directory.
 */
#include <stdio.h>
#include <string.h>
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

int
datadir_open(const char *dir, int max_attempts, struct store **st,
    struct wj_master_key *mk)
{
	struct store_opts o = { 0 };
	char db[4096], key[4096], shown[8200];
	int r;

	*st = NULL;
	if (datadir_path(dir, DATADIR_DB, db, sizeof(db)) != 0 ||
	    datadir_path(dir, DATADIR_KEY, key, sizeof(key)) != 0) {
		fprintf(stderr, "wksjobs: data directory path too long\n");
		return EXIT_FAIL;
	}
	if (access(key, F_OK) != 0 || access(db, F_OK) != 0) {
		datadir_shown(dir, shown, sizeof(shown));
		fprintf(stderr, "wksjobs: %s is not an initialised data "
		    "directory: give the one in use with --data DIR or "
		    "WKSJOBS_DATA (make run prints it), or make one with "
		    "wksjobs init --data %s\n", shown, shown);
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
