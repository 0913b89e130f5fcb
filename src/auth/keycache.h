/*
 * keycache.h - a short-lived cache of what every signed request needs
 * from the store: the access key with its owner, the opened (decrypted)
 * secret, and the project's account.  Saves two queries and an AES-GCM
 * open per request.  Entries live KEYCACHE_TTL_MS at most and are
 * renewed from the store only, never told of changes: so a change made
 * through any server (key or user disabled, key deleted, an AK locked or
 * unlocked) takes effect on every server within that time
 * (docs/API.md#authentication); unknown keys and projects are never
 * cached (a new key works at once).  Opened secrets are wiped when their entry goes.  Thread-safe;
 * one cache per process, entries keyed by store and name.
 */
#ifndef WJ_KEYCACHE_H
#define WJ_KEYCACHE_H

#include <stddef.h>
#include <stdint.h>

#include "../store/store.h"
#include "../util/crypto.h"

#define KEYCACHE_TTL_MS	4000	/* admin changes apply within 5 s */

/* store_key_get through the cache. */
int	keycache_key_get(struct store *, const char *ak, struct store_key *out)
	    WJ_WUR;
/* The store's failure count of ak was cleared: the cached copy says 0
 * too, so that the next good signatures do not clear it again. */
void	keycache_key_sig_cleared(struct store *, const char *ak);
/*
 * authn_open_secret through the cache: the secret opened for the same
 * AK and sealed bytes within the TTL is copied, else opened and kept.
 */
int	keycache_open_secret(const struct wj_master_key *, const char *ak,
	    const uint8_t *sealed, size_t sealed_len, char *sk, size_t cap)
	    WJ_WUR;
/* store_project_get through the cache. */
int	keycache_project_get(struct store *, const char *project_id,
	    struct store_project *out) WJ_WUR;
/* Drop every entry, wiping secrets (tests; shutdown). */
void	keycache_clear(void);

#endif
