/*
 * walbuf.c - the "wj-walbuf" SQLite VFS: the default VFS, except
 * that a WAL file's writes are gathered in memory and handed to the
 * kernel in large sequential writes.  Only the writer's connection uses
 * it (SQ_WALBUF_VFS); every other file and connection is the default VFS
 * untouched.  conn.c registers it once per process.
 *
 * Why: SQLite writes each WAL frame as two writes (a 24-byte header, then
 * the page), neither aligned to the kernel's pages, so every 4 KiB frame
 * costs two system calls and three page-cache page updates, a large share
 * of the writer thread's time.  Gathered, a frame costs one
 * copy and about one page update.
 *
 * When the buffer reaches the kernel (nothing else changes):
 *   - at the end of the write that completes a commit frame (a frame
 *     whose header names the database size after the commit), so the
 *     commit's frames are in the file before SQLite publishes them in the
 *     WAL index, where readers and the syncer find them; a failure is the
 *     commit's failure, returned by that very write;
 *   - before any read, sync, size query, truncation, file control or
 *     close of the file, and before a write that does not extend the
 *     buffered run (SQLite rewriting a frame it wrote earlier);
 *   - when the buffer is full.
 * A failed flush drops what it held: SQLite was told, and rewrites what
 * it still needs after its rollback.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sqlite_int.h"

/* The unix VFS writes at most 128 KiB - 1 bytes per call (it masks the
 * length with 0x1ffff); SQLite's own writes are at most a 64 KiB page. */
#define WALBUF_CAP	(96 * 1024)
#define WAL_HDR		32	/* the WAL file's header */
#define FRAME_HDR	24	/* each frame's header */

struct walbuf {
	sqlite3_file	 base;		/* pMethods: walbuf_io */
	sqlite3_file	*real;		/* the default VFS's file, after us */
	unsigned char	*buf;		/* WALBUF_CAP bytes, on first write */
	sqlite3_int64	 off;		/* file offset of buf[0] */
	size_t		 len;
	uint32_t	 page_size;	/* from the WAL header; 0: not known */
	sqlite3_int64	 commit_end;	/* flush once buffered past it; -1 */
};

static sqlite3_vfs *real_vfs;
static sqlite3_vfs walbuf_vfs;
static const sqlite3_io_methods walbuf_io;
static struct sq_walbuf_stats stats;	/* test hook, all files together */

static uint32_t
get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* Hand the buffer to the kernel; on failure it is dropped. */
static int
flush(struct walbuf *w)
{
	int rc;

	if (w->len == 0)
		return SQLITE_OK;
	rc = w->real->pMethods->xWrite(w->real, w->buf, (int)w->len, w->off);
	__atomic_fetch_add(&stats.flushes, 1, __ATOMIC_RELAXED);
	w->off += (sqlite3_int64)w->len;
	w->len = 0;
	if (rc != SQLITE_OK || w->off >= w->commit_end)
		w->commit_end = -1;
	return rc;
}

/* The page size of the WAL: from its header, read if not seen written. */
static uint32_t
page_size(struct walbuf *w)
{
	unsigned char h[WAL_HDR];

	if (w->page_size == 0 && w->real->pMethods->xRead(w->real, h,
	    WAL_HDR, 0) == SQLITE_OK)
		w->page_size = get32(h + 8);
	return w->page_size;
}

/*
 * Note a commit frame whose header lies in p[0..n) at file offset off:
 * frames start at WAL_HDR + k * (FRAME_HDR + page size), and bytes 4..7
 * of a commit frame's header (the database size after it) are not zero.
 */
static void
note_commit(struct walbuf *w, const unsigned char *p, size_t n,
    sqlite3_int64 off)
{
	sqlite3_int64 fsz, k;
	uint32_t ps;

	if (off == 0 && n >= WAL_HDR)
		w->page_size = get32(p + 8);
	if ((ps = page_size(w)) == 0) {
		w->commit_end = off;	/* unknown layout: flush at once */
		return;
	}
	fsz = FRAME_HDR + (sqlite3_int64)ps;
	/* the first frame header starting at or after off */
	k = off <= WAL_HDR ? 0 : (off - WAL_HDR + fsz - 1) / fsz;
	for (; WAL_HDR + k * fsz + FRAME_HDR <= off + (sqlite3_int64)n; k++) {
		const unsigned char *h = p + (WAL_HDR + k * fsz - off);

		if (get32(h + 4) != 0)
			w->commit_end = WAL_HDR + (k + 1) * fsz;
	}
}

static int
wb_write(sqlite3_file *f, const void *p, int amt, sqlite3_int64 off)
{
	struct walbuf *w = (struct walbuf *)f;
	size_t n = (size_t)amt;
	int rc;

	__atomic_fetch_add(&stats.writes, 1, __ATOMIC_RELAXED);
	if (w->buf == NULL && (w->buf = malloc(WALBUF_CAP)) == NULL)
		return w->real->pMethods->xWrite(w->real, p, amt, off);
	if (w->len > 0 && (off != w->off + (sqlite3_int64)w->len ||
	    w->len + n > WALBUF_CAP) && (rc = flush(w)) != SQLITE_OK)
		return rc;
	if (n > WALBUF_CAP)
		return w->real->pMethods->xWrite(w->real, p, amt, off);
	if (w->len == 0)
		w->off = off;
	memcpy(w->buf + w->len, p, n);
	w->len += n;
	note_commit(w, p, n, off);
	if (w->commit_end >= 0 && w->off + (sqlite3_int64)w->len >=
	    w->commit_end)
		return flush(w);
	return SQLITE_OK;
}

static int
wb_close(sqlite3_file *f)
{
	struct walbuf *w = (struct walbuf *)f;
	int rc = flush(w), rc2;

	rc2 = w->real->pMethods->xClose(w->real);
	free(w->buf);
	w->buf = NULL;
	return rc != SQLITE_OK ? rc : rc2;
}

static int
wb_read(sqlite3_file *f, void *p, int amt, sqlite3_int64 off)
{
	struct walbuf *w = (struct walbuf *)f;
	int rc;

	if ((rc = flush(w)) != SQLITE_OK)
		return rc;
	return w->real->pMethods->xRead(w->real, p, amt, off);
}

static int
wb_truncate(sqlite3_file *f, sqlite3_int64 size)
{
	struct walbuf *w = (struct walbuf *)f;
	int rc;

	if ((rc = flush(w)) != SQLITE_OK)
		return rc;
	return w->real->pMethods->xTruncate(w->real, size);
}

static int
wb_sync(sqlite3_file *f, int flags)
{
	struct walbuf *w = (struct walbuf *)f;
	int rc;

	if ((rc = flush(w)) != SQLITE_OK)
		return rc;
	return w->real->pMethods->xSync(w->real, flags);
}

static int
wb_file_size(sqlite3_file *f, sqlite3_int64 *size)
{
	struct walbuf *w = (struct walbuf *)f;
	int rc;

	if ((rc = flush(w)) != SQLITE_OK)
		return rc;
	return w->real->pMethods->xFileSize(w->real, size);
}

static int
wb_lock(sqlite3_file *f, int level)
{
	struct walbuf *w = (struct walbuf *)f;

	return w->real->pMethods->xLock(w->real, level);
}

static int
wb_unlock(sqlite3_file *f, int level)
{
	struct walbuf *w = (struct walbuf *)f;

	return w->real->pMethods->xUnlock(w->real, level);
}

static int
wb_check_reserved(sqlite3_file *f, int *out)
{
	struct walbuf *w = (struct walbuf *)f;

	return w->real->pMethods->xCheckReservedLock(w->real, out);
}

static int
wb_file_control(sqlite3_file *f, int op, void *arg)
{
	struct walbuf *w = (struct walbuf *)f;
	int rc;

	if ((rc = flush(w)) != SQLITE_OK)
		return rc;
	return w->real->pMethods->xFileControl(w->real, op, arg);
}

static int
wb_sector_size(sqlite3_file *f)
{
	struct walbuf *w = (struct walbuf *)f;

	return w->real->pMethods->xSectorSize(w->real);
}

static int
wb_device_characteristics(sqlite3_file *f)
{
	struct walbuf *w = (struct walbuf *)f;

	return w->real->pMethods->xDeviceCharacteristics(w->real);
}

/* Version 1: a WAL file is never memory-mapped and has no shm of its own. */
static const sqlite3_io_methods walbuf_io = {
	.iVersion = 1,
	.xClose = wb_close,
	.xRead = wb_read,
	.xWrite = wb_write,
	.xTruncate = wb_truncate,
	.xSync = wb_sync,
	.xFileSize = wb_file_size,
	.xLock = wb_lock,
	.xUnlock = wb_unlock,
	.xCheckReservedLock = wb_check_reserved,
	.xFileControl = wb_file_control,
	.xSectorSize = wb_sector_size,
	.xDeviceCharacteristics = wb_device_characteristics,
};

/* A WAL file is wrapped; any other file is the default VFS's, as is. */
static int
wv_open(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *f, int flags,
    int *out_flags)
{
	struct walbuf *w = (struct walbuf *)f;
	int rc;

	(void)vfs;
	if (!(flags & SQLITE_OPEN_WAL))
		return real_vfs->xOpen(real_vfs, name, f, flags, out_flags);
	memset(w, 0, sizeof(*w));
	w->real = (sqlite3_file *)(w + 1);
	w->commit_end = -1;
	rc = real_vfs->xOpen(real_vfs, name, w->real, flags, out_flags);
	/* pMethods set means xClose will be called, even after a failure */
	if (w->real->pMethods != NULL)
		w->base.pMethods = &walbuf_io;
	return rc;
}

static int
wv_delete(sqlite3_vfs *vfs, const char *name, int sync_dir)
{
	(void)vfs;
	return real_vfs->xDelete(real_vfs, name, sync_dir);
}

static int
wv_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
	(void)vfs;
	return real_vfs->xAccess(real_vfs, name, flags, out);
}

static int
wv_full_pathname(sqlite3_vfs *vfs, const char *name, int n, char *out)
{
	(void)vfs;
	return real_vfs->xFullPathname(real_vfs, name, n, out);
}

static void *
wv_dl_open(sqlite3_vfs *vfs, const char *name)
{
	(void)vfs;
	return real_vfs->xDlOpen(real_vfs, name);
}

static void
wv_dl_error(sqlite3_vfs *vfs, int n, char *msg)
{
	(void)vfs;
	real_vfs->xDlError(real_vfs, n, msg);
}

static void (*
wv_dl_sym(sqlite3_vfs *vfs, void *h, const char *sym))(void)
{
	(void)vfs;
	return real_vfs->xDlSym(real_vfs, h, sym);
}

static void
wv_dl_close(sqlite3_vfs *vfs, void *h)
{
	(void)vfs;
	real_vfs->xDlClose(real_vfs, h);
}

static int
wv_randomness(sqlite3_vfs *vfs, int n, char *out)
{
	(void)vfs;
	return real_vfs->xRandomness(real_vfs, n, out);
}

static int
wv_sleep(sqlite3_vfs *vfs, int us)
{
	(void)vfs;
	return real_vfs->xSleep(real_vfs, us);
}

static int
wv_current_time(sqlite3_vfs *vfs, double *out)
{
	(void)vfs;
	return real_vfs->xCurrentTime(real_vfs, out);
}

static int
wv_last_error(sqlite3_vfs *vfs, int n, char *out)
{
	(void)vfs;
	return real_vfs->xGetLastError(real_vfs, n, out);
}

static int
wv_current_time64(sqlite3_vfs *vfs, sqlite3_int64 *out)
{
	(void)vfs;
	return real_vfs->xCurrentTimeInt64(real_vfs, out);
}

int
sq_walbuf_register(void)
{
	if ((real_vfs = sqlite3_vfs_find(NULL)) == NULL ||
	    real_vfs->iVersion < 2 || real_vfs->xCurrentTimeInt64 == NULL)
		return SQLITE_ERROR;
	walbuf_vfs = (sqlite3_vfs){
		.iVersion = 2,
		.szOsFile = (int)sizeof(struct walbuf) + real_vfs->szOsFile,
		.mxPathname = real_vfs->mxPathname,
		.zName = SQ_WALBUF_VFS,
		.xOpen = wv_open,
		.xDelete = wv_delete,
		.xAccess = wv_access,
		.xFullPathname = wv_full_pathname,
		.xDlOpen = wv_dl_open,
		.xDlError = wv_dl_error,
		.xDlSym = wv_dl_sym,
		.xDlClose = wv_dl_close,
		.xRandomness = wv_randomness,
		.xSleep = wv_sleep,
		.xCurrentTime = wv_current_time,
		.xGetLastError = wv_last_error,
		.xCurrentTimeInt64 = wv_current_time64,
	};
	return sqlite3_vfs_register(&walbuf_vfs, 0);
}

struct sq_walbuf_stats
sq_walbuf_stats(void)
{
	struct sq_walbuf_stats s;

	s.writes = __atomic_load_n(&stats.writes, __ATOMIC_RELAXED);
	s.flushes = __atomic_load_n(&stats.flushes, __ATOMIC_RELAXED);
	return s;
}
