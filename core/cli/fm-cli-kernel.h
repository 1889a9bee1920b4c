/* fm-cli-kernel: what -k names, loaded: a filter bank, or layers of a
 * network (MODEL#LAYER[,LAYER…] and --layer NAME, fm-net-plan.h's rule),
 * with the command line's input preparation (--range, --mean, --std,
 * --channel-order) written over its declaration. */
#pragma once

#include "fm-cli.h"
#include "fm-net-graph.h"

G_BEGIN_DECLS

typedef struct {
  FmBank *bank;             /* a bank, or NULL */
  FmNetGraph *graph;        /* a network, or NULL */
  char **layers;            /* the network's layers asked for */
  FmJobKernel job;          /* what fm_job_new_for takes */
} FmCliKernel;

/* layer_opts: the --layer values (NULL: none); input_opts: the input
 * preparation options as typed, FM_N_INPUT_OPTIONS of them (NULL: not
 * given). */
gboolean fm_cli_kernel_load (FmCliKernel *kernel, const char *spec,
                             char *const *layer_opts, char *const *input_opts,
                             GError **error);
void fm_cli_kernel_clear (FmCliKernel *kernel);

/* Every input preparation option's value checks before anything is read. */
gboolean fm_cli_kernel_check_input_options (char *const *input_opts, GError **error);

G_END_DECLS
