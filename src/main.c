/*
 * main.c - argv[1] picks a subcommand from cli/cmd.h's table.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cmd.h"

int
main(int argc, char **argv)
{
	return cmd_main(argc, argv);
}
