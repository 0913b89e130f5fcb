/*
 * privdrop.c - the service user and the privilege drop; see privdrop.h.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "privdrop.h"
#include "../util/util.h"

int
priv_lookup(const char *name, struct priv_user *u)
{
	struct passwd *pw;

	memset(u, 0, sizeof(*u));
	if (name == NULL) {
		if (geteuid() == 0)
			log_warn("running as root: start serve with --user NAME "
			    "to drop to a service user once the ports are "
			    "bound");
		return 0;
	}
	errno = 0;
	if ((pw = getpwnam(name)) == NULL) {
		fprintf(stderr, "wksjobs: --user %s: %s\n", name,
		    errno != 0 ? strerror(errno) : "no such user");
		return EXIT_FAIL;
	}
	if (pw->pw_uid == 0) {
		fprintf(stderr, "wksjobs: --user %s: that is root; name the "
		    "service user\n", name);
		return EXIT_FAIL;
	}
	if (geteuid() != 0) {
		if (geteuid() == pw->pw_uid)
			return 0;	/* already that user: nothing to drop */
		fprintf(stderr, "wksjobs: --user %s needs serve started as "
		    "root\n", name);
		return EXIT_FAIL;
	}
	if (snprintf(u->name, sizeof(u->name), "%s", name) >=
	    (int)sizeof(u->name)) {
		fprintf(stderr, "wksjobs: --user: name too long\n");
		return EXIT_FAIL;
	}
	u->uid = pw->pw_uid;
	u->gid = pw->pw_gid;
	u->set = 1;
	return 0;
}

/* Whether the real, effective and saved ids are all uid and gid. */
static int
is_now(uid_t uid, gid_t gid)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;

	return getresuid(&ru, &eu, &su) == 0 && getresgid(&rg, &eg, &sg) == 0 &&
	    ru == uid && eu == uid && su == uid && rg == gid && eg == gid &&
	    sg == gid;
}

int
priv_drop(const struct priv_user *u)
{
	const char *what;

	if (!u->set)
		return 0;
	what = "initgroups";
	if (initgroups(u->name, u->gid) != 0)
		goto fail;
	what = "setresgid";
	if (setresgid(u->gid, u->gid, u->gid) != 0)
		goto fail;
	what = "setresuid";
	if (setresuid(u->uid, u->uid, u->uid) != 0)
		goto fail;
	what = "the check that root cannot be regained";
	errno = EPERM;
	if (setuid(0) != -1 || seteuid(0) != -1 || !is_now(u->uid, u->gid))
		goto fail;
	log_info("running as user %s (uid %u, gid %u)", u->name,
	    (unsigned)u->uid, (unsigned)u->gid);
	return 0;
 fail:
	fprintf(stderr, "wksjobs: dropping privileges to %s: %s failed: %s\n",
	    u->name, what, strerror(errno));
	return EXIT_FAIL;
}
