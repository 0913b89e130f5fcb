/*
 * cmd_admin.h - what the files of "wksjobs admin" share: the state of
 * one command, the table entry of a command (after tmux's cmd_entry) and
 * of a noun, and the output and lookup helpers.  cmd_admin.c holds the
 * flags, the table of nouns and the dispatch; cmd_admin_<noun>.c each
 * hold one noun's commands.
 */
#ifndef WJ_CMD_ADMIN_H
#define WJ_CMD_ADMIN_H

#include <stddef.h>

#include "cmd.h"
#include "../auth/passwd.h"
#include "../store/store.h"
#include "../util/buf.h"
#include "../util/crypto.h"

/* One admin command as it runs. */
struct admin {
	struct cmd_args	     a;
	struct store	    *st;
	struct wj_master_key mk;
	struct store_domain  dom;	/* the account worked on */
	int		     json;	/* --json */
	const struct admin_noun *noun;	/* the entry running */
	const struct admin_cmd *cmd;
};

/* A row into w of a list, printed as text without --json. */
typedef void admin_row_fn(struct admin *, struct jw *, const void *row,
    const void *ctx);

/* The rows a store list function returns. */
union admin_rows {
	struct store_domain	*domains;
	struct store_project	*projects;
	struct store_user	*users;
	struct store_group	*groups;
	struct store_key	*keys;
};

/* A list command: how its rows are fetched and printed (admin_list). */
struct admin_list {
	int		(*fetch)(struct admin *, union admin_rows *,
			    size_t *n);
	size_t		  size;		/* of a row */
	admin_row_fn	 *row;
	const void	 *ctx;		/* for row */
};

/* A command of a noun: its verb, positional arguments after noun and
 * verb, usage (NULL: told by the entry before), what runs it, a value
 * for it (e.g. which of two verbs it runs for) and, for admin_list, the
 * list. */
struct admin_cmd {
	const char		*name;
	int			 nargs;
	const char		*usage;
	int			(*exec)(struct admin *, char **arg);
	int			 flag;
	const struct admin_list	*list;
};

struct admin_noun {
	const char		*name;
	const struct admin_cmd	*cmds;
	size_t			 n;
	/* Run before any command of the noun, once the account is known;
	 * NULL for none. */
	int			(*prepare)(struct admin *);
};

extern const struct admin_noun admin_domain, admin_project, admin_user,
    admin_group, admin_key, admin_policy;
/* The commands of the whole data directory (cmd_admin_backup.c,
 * cmd_admin_master_key.c). */
extern const struct admin_cmd admin_backup_cmd, admin_restore_cmd,
    admin_rotate_cmd, admin_migrate_cmd;

/* "wksjobs: what: <error>" on stderr; EXIT_FAIL. */
/* Open the store and master key of --data (and --database). */
int	admin_open(struct admin *) WJ_WUR;
int	admin_fail(int r, const char *what);
/* "wksjobs: what" and the usage on stderr; EXIT_USAGE. */
int	admin_usage_error(const char *what);

/* "id name", or with --json {"id": id, "name": name}; EXIT_OK. */
int	admin_print_created(struct admin *, const char *id,
	    const char *name);
/* n rows of size bytes: their text, or with --json an array; EXIT_OK. */
int	admin_print_list(struct admin *, const void *rows, size_t n,
	    size_t size, admin_row_fn *row, const void *ctx);
/* The "NOUN list" command of the entry's list: fetch, print, wipe. */
int	admin_list(struct admin *, char **arg);
/* Where the id and the name are in a row, for admin_row_id_name. */
struct admin_id_name {
	size_t	id, name;
};
#define ADMIN_ID_NAME(type) \
	(&(const struct admin_id_name){ offsetof(type, id), \
	    offsetof(type, name) })
/* A row of an id and a name, at the offsets in ctx. */
admin_row_fn admin_row_id_name;
/* What a create does next: r != 0 says why it failed (as what), else
 * admin_print_created. */
int	admin_created(struct admin *, int r, const char *what, const char *id,
	    const char *name);

/* A lock's end for a list: "" when not locked (until_ms <= now), else
 * "YYYY-MM-DD HH:MM:SS UTC", or with json the ISO 8601 form. */
#define ADMIN_LOCK_TEXT 32
void	admin_lock_text(int64_t until_ms, int json, char out[ADMIN_LOCK_TEXT]);

/* The password of --password, hashed; *have whether one was given. */
int	admin_password_hash(struct admin *, int required,
	    char hash[PASSWD_HASH_MAX + 1], int *have);
/* A user of the account by name (cmd_admin_user.c). */
int	admin_user_find(struct admin *, const char *name,
	    struct store_user *u);
/* A project of the account by name, else by id (cmd_admin_project.c). */
int	admin_project_find(struct admin *, const char *s,
	    struct store_project *p);

#define ADMIN_NOUN(name, cmds, prepare) \
	{ name, cmds, sizeof(cmds) / sizeof(cmds[0]), prepare }

#endif
