/* app/cli/commands.h — the irvi subcommands. Each takes the arguments after its
 * name and returns the process exit code (0 ok, 1 runtime failure, 2 usage). */
#ifndef IRVI_APP_COMMANDS_H
#define IRVI_APP_COMMANDS_H

int cmd_data(int argc, char **argv);
int cmd_train(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_exact(int argc, char **argv);
int cmd_refine(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_export_params(int argc, char **argv);
int cmd_watch(int argc, char **argv);
/* irvi experiment: experiments/experiment.h (cmd_experiment) */
#endif
