/* placeholder replaced by the data helper */
#include "commands.h"
int cmd_data(int argc, char **argv) { (void)argc; (void)argv; return 2; }
