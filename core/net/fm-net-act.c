/* fm-net-act.c: an activation (kind, leaky alpha, then a clip) in its
 * plain form, and how it reads in a plan's description.  The loops of the
 * network's own layers (pooling, sums, scale / shift) call
 * fm_net_act_apply on rows that are already in cache; convolutions hand
 * the same activation to the engine (FmConvParams), whose vector kernels
 * apply it as they store. */
#include "fm-net-private.h"

#include <math.h>

void
fm_net_act_init (FmNetAct *act)
{
  act->kind = FM_ACTIVATION_NONE;
  act->alpha = 0.01f;
  act->lo = -INFINITY;
  act->hi = INFINITY;
}

gboolean
fm_net_act_is_none (const FmNetAct *act)
{
  return act->kind == FM_ACTIVATION_NONE && act->lo == -INFINITY && act->hi == INFINITY;
}

void
fm_net_act_apply (const FmNetAct *act, float *v, gsize n)
{
  const float alpha = act->alpha, lo = act->lo, hi = act->hi;
  switch (act->kind)
    {
    case FM_ACTIVATION_RELU:
      for (gsize i = 0; i < n; i++)
        v[i] = v[i] > 0.0f ? v[i] : 0.0f;
      break;
    case FM_ACTIVATION_LEAKY_RELU:
      for (gsize i = 0; i < n; i++)
        v[i] = v[i] >= 0.0f ? v[i] : alpha * v[i];
      break;
    case FM_ACTIVATION_ABS:
      for (gsize i = 0; i < n; i++)
        v[i] = fabsf (v[i]);
      break;
    case FM_ACTIVATION_SIGMOID:
      for (gsize i = 0; i < n; i++)
        v[i] = 1.0f / (1.0f + expf (-v[i]));
      break;
    case FM_ACTIVATION_TANH:
      for (gsize i = 0; i < n; i++)
        v[i] = tanhf (v[i]);
      break;
    default:
      break;
    }
  if (lo != -INFINITY || hi != INFINITY)
    for (gsize i = 0; i < n; i++)
      {
        /* ONNX Clip: min(max(v, lo), hi); NaN stays NaN. */
        float x = v[i] < lo ? lo : v[i];
        v[i] = x > hi ? hi : x;
      }
}

char *
fm_net_act_describe (const FmNetAct *act)
{
  GString *s = g_string_new (NULL);
  switch (act->kind)
    {
    case FM_ACTIVATION_RELU: g_string_append (s, "relu"); break;
    case FM_ACTIVATION_LEAKY_RELU: g_string_append_printf (s, "leaky-relu %g", act->alpha); break;
    case FM_ACTIVATION_ABS: g_string_append (s, "abs"); break;
    case FM_ACTIVATION_SIGMOID: g_string_append (s, "sigmoid"); break;
    case FM_ACTIVATION_TANH: g_string_append (s, "tanh"); break;
    default: break;
    }
  if (act->lo != -INFINITY || act->hi != INFINITY)
    {
      g_string_append_printf (s, "%sclip ", s->len ? ", " : "");
      if (act->lo != -INFINITY)
        g_string_append_printf (s, "%g", act->lo);
      g_string_append (s, "..");
      if (act->hi != INFINITY)
        g_string_append_printf (s, "%g", act->hi);
    }
  if (!s->len)
    g_string_append (s, "none");
  return g_string_free (s, FALSE);
}
