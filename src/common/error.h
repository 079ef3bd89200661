/* Internal error reporting: every failing path sets the caller's fc_error and
 * returns the status in one expression, so error paths stay one line long. */
#ifndef FC_COMMON_ERROR_H
#define FC_COMMON_ERROR_H

#include "fastclip.h"

#if defined(__GNUC__)
#  define FC__PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#  define FC__PRINTF(fmt, args)
#endif

/* Records `status` and a printf-style message in `err` (which may be NULL)
 * and returns `status`. */
fc_status fc__fail(fc_error *err, fc_status status, const char *fmt, ...)
    FC__PRINTF(3, 4);

/* Puts `prefix` (e.g. "tokenizer: ") before the message already in `err`
 * (which may be NULL) and returns `status`: for a caller that adds where a
 * failure happened to a message written below it. */
fc_status fc__prefix(fc_error *err, fc_status status, const char *prefix);

/* Marks `err` (may be NULL) as a success: status FC_OK, empty message. */
void fc__clear(fc_error *err);

#endif
