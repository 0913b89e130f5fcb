/*
 * store_hooks.h - test hooks into the SQLite engine (store_hooks.c),
 * for the unit tests only.
 */
#ifndef WJ_STORE_HOOKS_H
#define WJ_STORE_HOOKS_H

#include "store/sqlite/sqlite_int.h"

/* Hold (1) or release (0) the writer: queued ops wait while held. */
void	sq_test_pause(struct sq_store *, int);
/* Ops queued and not yet taken by the writer. */
size_t	sq_test_queued(struct sq_store *);
/* Transactions the writer committed so far. */
uint64_t sq_test_batches(struct sq_store *);
/* Committed batches that an fdatasync of the WAL has covered. */
uint64_t sq_test_synced(struct sq_store *);
/* Hold (1) or release (0) the syncer: committed ops wait unanswered. */
void	sq_test_pause_sync(struct sq_store *, int);
/* Set the writer connection's busy timeout (runs as a write op). */
int	sq_test_busy_timeout(struct sq_store *, int ms) WJ_WUR;
/* The counts the delete prefetch's index probes found, process-wide. */
int64_t	sq_test_prefetch_found(void);

#endif
