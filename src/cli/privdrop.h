/*
 * privdrop.h - serve's privileges: the service user of --user, looked up
 * before anything is opened, and the drop to it and its groups once the
 * ports are bound and the files open.
 */
#ifndef WJ_PRIVDROP_H
#define WJ_PRIVDROP_H

#include <sys/types.h>

struct priv_user {
	int	set;		/* --user given and a drop to do */
	uid_t	uid;
	gid_t	gid;
	char	name[64];
};

/*
 * The user of name (NULL: none given) into *u.  Without one, started as
 * root: one warning that serve runs as root.  A user other than the one
 * running needs root.  0 or EXIT_FAIL after saying why.
 */
int	priv_lookup(const char *name, struct priv_user *u);
/*
 * Become u: its supplementary groups (initgroups), then group and user
 * (setresgid, setresuid), each checked, and regaining root must fail.
 * Nothing to do unless u->set.  0 or EXIT_FAIL after saying why.
 */
int	priv_drop(const struct priv_user *u);

#endif
