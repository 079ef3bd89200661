/* The header's version as a string literal, "MAJOR.MINOR.PATCH": for
 * fc_version_string and for the backend's file name, which carries it. */
#ifndef FC_COMMON_VERSION_H
#define FC_COMMON_VERSION_H

#include "fastclip.h"

#define FC__STR2(x) #x
#define FC__STR(x) FC__STR2(x)
#define FC__VERSION_STRING \
    FC__STR(FC_VERSION_MAJOR) "." FC__STR(FC_VERSION_MINOR) "." FC__STR(FC_VERSION_PATCH)

#endif
