/*
 * cmd_admin_migrate.c - "wksjobs admin migrate --to DEST": copy the
 * installation of --data (and --database) into a new database of either
 * engine (store_copy): DEST is a postgres:// URL, or a new data
 * directory for the embedded SQLite file, which gets the master key too.
 * Then says how to switch the nodes over.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "cmd_admin.h"
#include "datadir.h"

/* A new data directory to for the copy: made (0700) or empty, with the
 * master key of the source; its database file in db. */
static int
new_datadir(struct admin *ad, const char *to, char *db, size_t cap)
{
	char key[4096], old[4096];
	int r;

	if (datadir_path(to, DATADIR_DB, db, cap) != 0 ||
	    datadir_path(to, DATADIR_KEY, key, sizeof(key)) != 0 ||
	    datadir_path(to, DATADIR_KEY_OLD, old, sizeof(old)) != 0)
		return admin_fail(WJ_ERR_INVALID, "--to");
	if (mkdir(to, 0700) == -1 && errno != EEXIST) {
		fprintf(stderr, "wksjobs: cannot create %s: %s\n", to,
		    strerror(errno));
		return EXIT_FAIL;
	}
	if (access(db, F_OK) == 0 || access(key, F_OK) == 0)
		return admin_fail(WJ_ERR_EXISTS, to);
	if ((r = wj_master_key_save(key, &ad->mk)) != 0 ||
	    (ad->mk.n_old > 0 && (r = wj_master_key_save_old(old,
	    &ad->mk)) != 0))
		return admin_fail(r, key);
	return EXIT_OK;
}

static void
report(struct admin *ad, const struct store_copy_report *rep,
    const char *to, int pg)
{
	const char *data = cmd_opt(&ad->a, "data")->s;
	size_t i;

	if (ad->json) {
		printf("{\"to\":\"%s\",\"tables\":{", pg ? "postgresql" : to);
		for (i = 0; i < rep->n; i++)
			printf("%s\"%s\":%lld", i > 0 ? "," : "",
			    rep->t[i].name, (long long)rep->t[i].rows);
		printf("}}\n");
		return;
	}
	printf("copied, and counted again on both sides:\n");
	for (i = 0; i < rep->n; i++)
		printf("  %-20s %lld\n", rep->t[i].name,
		    (long long)rep->t[i].rows);
	if (pg)
		printf("\nTo switch over: stop every wksjobs serve of %s, then "
		    "start each node with\n  wksjobs serve --database URL "
		    "--data DIR\nwhere DIR is a copy of %s (its master key "
		    "opens the copied secrets).\n", data, data);
	else
		printf("\nTo switch over: stop every wksjobs serve node, then "
		    "start one with\n  wksjobs serve --data %s\n", to);
}

static int
migrate(struct admin *ad, char **arg)
{
	const struct opt_val *to = cmd_opt(&ad->a, "to");
	struct store_copy_report rep;
	struct store_opts from, dest;
	char db[4096], src[4096];
	int r, pg;

	(void)arg;
	if (!to->set)
		return admin_usage_error("migrate needs --to URL or --to DIR");
	/* The source's keys and schema, as serve would open it. */
	if ((r = admin_open(ad)) != 0)
		return r;
	store_close(ad->st);
	ad->st = NULL;
	datadir_db_opts(&ad->a, 3, &from);
	if (datadir_path(cmd_opt(&ad->a, "data")->s, DATADIR_DB, src,
	    sizeof(src)) != 0)
		return admin_fail(WJ_ERR_INVALID, "--data");
	from.path = src;
	memset(&dest, 0, sizeof(dest));
	if ((pg = store_is_pg_url(to->s)) != 0)
		dest.database = to->s;
	else if ((r = new_datadir(ad, to->s, db, sizeof(db))) != 0)
		return r;
	else
		dest.path = db;
	if (pg && from.database != NULL && strcmp(from.database, to->s) == 0)
		return admin_usage_error("--to is the database of --database");
	if ((r = store_copy(&from, &dest, &rep)) != 0) {
		fprintf(stderr, "wksjobs: migrate: %s (the log line above "
		    "says why); the destination keeps nothing of the copy\n",
		    wj_strerror(r));
		return EXIT_FAIL;
	}
	report(ad, &rep, to->s, pg);
	return EXIT_OK;
}

const struct admin_cmd admin_migrate_cmd = {
	"migrate", 0, "migrate --to URL|DIR", migrate, 0, NULL
};
