/*
 * version.c - the program's version (CMakeLists.txt's project VERSION)
 * and the git commit it was built from (gen/version.h, written at build
 * time by scripts/version.cmake; "unknown" without git).
 */
#include "version.h"
#include "util.h"

const char *
wj_version(void)
{
	return WJ_VERSION;
}

const char *
wj_commit(void)
{
	return WJ_COMMIT;
}
