/*
 * walframes.c - wksjobs-walframes: what a run of writes put into the WAL,
 * B-tree by B-tree.  Reads the frames of FILE-wal (those of the current
 * WAL generation: the header's salts), names each frame's page by the
 * dbstat virtual table of FILE with its WAL (table or index, leaf or
 * interior; a page in none of them: the free list or page 1's header),
 * and prints one JSON line: page size, frames, commits, distinct pages,
 * and frames per request (--requests N) for each B-tree.
 *
 * Give it a copy of the database and its WAL taken while the server
 * still runs (closing the last connection checkpoints and removes the
 * WAL), after a run that stayed below the checkpoint threshold: a
 * checkpoint lets the WAL start again from its first frame.
 * bench/walframes.sh does all of that for BatchDeleteSubJobs.
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#define WAL_HDR		32
#define FRAME_HDR	24
#define MAX_NAMES	256

struct btree {
	char	name[128];
	long	frames;
};

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static int
cmp_frames(const void *a, const void *b)
{
	const struct btree *x = a, *y = b;

	return (y->frames > x->frames) - (y->frames < x->frames);
}

/* The B-tree (with " interior" for its interior pages) of each page. */
static char **
page_names(sqlite3 *db, long npages)
{
	sqlite3_stmt *st = NULL;
	char **names;
	long pg;

	if ((names = calloc((size_t)npages + 1, sizeof(*names))) == NULL)
		return NULL;
	if (sqlite3_prepare_v2(db, "SELECT pageno, name || CASE pagetype "
	    "WHEN 'internal' THEN ' interior' ELSE '' END FROM dbstat",
	    -1, &st, NULL) != SQLITE_OK)
		goto fail;
	while (sqlite3_step(st) == SQLITE_ROW) {
		pg = sqlite3_column_int64(st, 0);
		if (pg < 1 || pg > npages)
			continue;
		if ((names[pg] = strdup((const char *)sqlite3_column_text(st,
		    1))) == NULL)
			goto fail;
	}
	sqlite3_finalize(st);
	return names;
 fail:
	fprintf(stderr, "wksjobs-walframes: dbstat: %s\n", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	for (pg = 0; pg <= npages; pg++)
		free(names[pg]);
	free(names);
	return NULL;
}

static long
page_count(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	long n = -1;

	if (sqlite3_prepare_v2(db, "PRAGMA page_count", -1, &st, NULL) ==
	    SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		n = (long)sqlite3_column_int64(st, 0);
	else
		fprintf(stderr, "wksjobs-walframes: %s\n", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return n;
}

static int
count(struct btree *bt, int *nbt, const char *name)
{
	int i;

	for (i = 0; i < *nbt; i++)
		if (strcmp(bt[i].name, name) == 0)
			break;
	if (i == *nbt) {
		if (*nbt == MAX_NAMES)
			return -1;
		(void)snprintf(bt[i].name, sizeof(bt[i].name), "%s", name);
		bt[(*nbt)++].frames = 0;
	}
	bt[i].frames++;
	return 0;
}

static int
walk(FILE *f, sqlite3 *db, double nreq)
{
	static struct btree bt[MAX_NAMES];
	unsigned char hdr[WAL_HDR], fh[FRAME_HDR];
	unsigned char *seen = NULL, *page = NULL;
	char **names = NULL;
	long frames = 0, commits = 0, distinct = 0, npages;
	uint32_t psz, pg;
	int i, nbt = 0, r = 1;

	if (fread(hdr, 1, WAL_HDR, f) != WAL_HDR || (psz = be32(hdr + 8)) <
	    512 || psz > 65536) {
		fprintf(stderr, "wksjobs-walframes: not a WAL file\n");
		return 1;
	}
	if ((npages = page_count(db)) < 1)
		return 1;
	if ((names = page_names(db, npages)) == NULL ||
	    (seen = calloc((size_t)npages + 1, 1)) == NULL ||
	    (page = malloc(psz)) == NULL)
		goto out;
	while (fread(fh, 1, FRAME_HDR, f) == FRAME_HDR &&
	    fread(page, 1, psz, f) == psz) {
		/* A frame of an older generation ends the current one. */
		if (memcmp(fh + 8, hdr + 16, 8) != 0)
			break;
		pg = be32(fh);
		frames++;
		if (be32(fh + 4) != 0)
			commits++;
		if (pg <= npages && !seen[pg]) {
			seen[pg] = 1;
			distinct++;
		}
		if (count(bt, &nbt, pg <= npages && names[pg] != NULL ?
		    names[pg] : "(free list, header)") != 0)
			goto out;
	}
	qsort(bt, (size_t)nbt, sizeof(bt[0]), cmp_frames);
	printf("{\"page_size\":%u,\"frames\":%ld,\"commits\":%ld,"
	    "\"distinct_pages\":%ld,\"requests\":%.0f,"
	    "\"frames_per_request\":%.2f,\"bytes_per_request\":%.0f,"
	    "\"per_request\":{", psz, frames, commits, distinct, nreq,
	    frames / nreq, frames * (double)(psz + FRAME_HDR) / nreq);
	for (i = 0; i < nbt; i++)
		printf("%s\"%s\":%.2f", i ? "," : "", bt[i].name,
		    bt[i].frames / nreq);
	printf("}}\n");
	r = 0;
 out:
	if (names != NULL)
		for (pg = 0; pg <= npages; pg++)
			free(names[pg]);
	free(names);
	free(seen);
	free(page);
	return r;
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "requests", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = NULL;
	char wal[4096];
	double nreq = 1;
	sqlite3 *db = NULL;
	FILE *f;
	int c, r;

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'd': path = optarg; break;
		case 'n': nreq = atof(optarg); break;
		default: goto usage;
		}
	}
	if (path == NULL || nreq <= 0 ||
	    snprintf(wal, sizeof(wal), "%s-wal", path) >= (int)sizeof(wal))
		goto usage;
	if ((f = fopen(wal, "rb")) == NULL) {
		perror(wal);
		return 1;
	}
	/* Read-write: SQLite reads a WAL without its -shm only so. */
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK) {
		fprintf(stderr, "wksjobs-walframes: %s: %s\n", path,
		    sqlite3_errmsg(db));
		sqlite3_close(db);
		fclose(f);
		return 1;
	}
	r = walk(f, db, nreq);
	fclose(f);
	sqlite3_close(db);
	return r;
 usage:
	fprintf(stderr, "usage: wksjobs-walframes --db COPY [--requests N]\n");
	return 2;
}
