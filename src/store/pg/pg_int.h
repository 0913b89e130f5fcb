/*
 * pg_int.h - private to the PostgreSQL engine of store.h (the files of
 * src/store/pg/, one per entity or concern, as in src/store/sqlite/).
 */
#ifndef WJ_PG_INT_H
#define WJ_PG_INT_H

#include "../engine.h"

#endif
