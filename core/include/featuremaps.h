/* libfeaturemaps: the host-independent engine.  Never includes a GIMP or GTK
 * header; the plug-in and the command line are its front ends. */
#pragma once

#include "fm-options.h"
#include "fm-conv.h"
#include "fm-bank.h"
#include "fm-bank-edit.h"
#include "fm-formats.h"
#include "fm-npy.h"
#include "fm-job.h"
#include "fm-file.h"
#include "fm-text.h"
