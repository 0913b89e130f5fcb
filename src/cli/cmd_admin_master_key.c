/*
 * cmd_admin_master_key.c - "wksjobs admin rotate-master-key": a fresh
 * master key of a new key id becomes DIR/master.key, the one before it
 * joins the retired keys in DIR/master.key.old (kept until the operator
 * removes the file), and every stored secret is re-sealed under the new
 * key in one transaction (docs/ARCHITECTURE.md#security).  The key files
 * are written first: at any point of a failure every secret still opens
 * with the keys on disk.  A server reads the keys when it starts.
 */
#include <stdio.h>

#include <openssl/crypto.h>

#include "cmd_admin.h"
#include "datadir.h"
#include "../auth/authn.h"

static int
rotate(struct admin *ad, char **arg)
{
	const char *dir = cmd_opt(&ad->a, "data")->s;
	char key[4096], old[4096];
	struct wj_master_key mk = ad->mk;
	int64_t n = 0;
	int r, was = ad->mk.id;

	(void)arg;
	if (datadir_path(dir, DATADIR_KEY, key, sizeof(key)) != 0 ||
	    datadir_path(dir, DATADIR_KEY_OLD, old, sizeof(old)) != 0)
		return admin_fail(WJ_ERR_INVALID, "data directory path");
	if (mk.n_old >= WJ_KEYRING_OLD_MAX) {
		fprintf(stderr, "wksjobs: %s holds %d retired keys already: "
		    "remove it once nothing sealed under them is in use (the "
		    "tokens they sealed have expired)\n", old,
		    WJ_KEYRING_OLD_MAX);
		return EXIT_FAIL;
	}
	if ((r = wj_master_key_rotate(&mk)) != 0 ||
	    (r = wj_master_key_save_old(old, &mk)) != 0 ||
	    (r = wj_master_key_save(key, &mk)) != 0) {
		OPENSSL_cleanse(&mk, sizeof(mk));
		return admin_fail(r, "cannot write the new master key");
	}
	if ((r = store_reseal_secrets(ad->st, authn_reseal_secret, &mk,
	    &n)) != 0) {
		OPENSSL_cleanse(&mk, sizeof(mk));
		fprintf(stderr, "wksjobs: re-sealing the stored secrets failed "
		    "(%s): they stay sealed under key id %d, which %s keeps; "
		    "run rotate-master-key again\n", wj_strerror(r), was, old);
		return EXIT_FAIL;
	}
	if (ad->json) {
		char id[8], was_id[8], cnt[24];

		(void)snprintf(id, sizeof(id), "%d", mk.id);
		(void)snprintf(was_id, sizeof(was_id), "%d", was);
		(void)snprintf(cnt, sizeof(cnt), "%lld", (long long)n);
		r = cmd_print_object("key_id", id, "previous_key_id", was_id,
		    "resealed", cnt, "retired_keys", old, NULL);
	} else {
		printf("master key rotated: key id %d (was %d); %lld stored "
		    "secret(s) re-sealed.\nThe retired keys stay in %s, so that "
		    "tokens sealed before still open; remove it once they have "
		    "expired.\nRestart serve to use the new key.\n", mk.id, was,
		    (long long)n, old);
		r = EXIT_OK;
	}
	OPENSSL_cleanse(&mk, sizeof(mk));
	return r;
}

const struct admin_cmd admin_rotate_cmd = {
	"rotate-master-key", 0, "rotate-master-key", rotate, 1, NULL
};
