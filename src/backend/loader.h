/* Which backend loads a model file, and opening its library. */
#ifndef FC_BACKEND_LOADER_H
#define FC_BACKEND_LOADER_H

#include "backend/backend.h"
#include "fastclip.h"

/* The backend for the model file at `path`, chosen by the file's first
 * bytes (never its name). Its library is opened on first use, once per
 * process, and never closed. FC_ERR_IO when the file cannot be read or is
 * not a regular file; FC_ERR_MODEL when no backend reads such files;
 * FC_ERR_UNSUPPORTED when the backend's library is missing or refuses to
 * load (the message gives the system's reason). */
fc_status fc__backend_for_file(const char *path, const fc__backend **out, fc_error *err);

#endif
