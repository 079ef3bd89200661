#include "common/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

fc_status fc__fail(fc_error *err, fc_status status, const char *fmt, ...)
{
    if (err != NULL) {
        va_list ap;
        va_start(ap, fmt);
        err->status = status;
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
    }
    return status;
}

void fc__clear(fc_error *err)
{
    if (err != NULL) {
        err->status = FC_OK;
        err->message[0] = '\0';
    }
}

fc_status fc__prefix(fc_error *err, fc_status status, const char *prefix)
{
    if (err != NULL) {
        char was[FC_ERROR_MESSAGE_SIZE];
        memcpy(was, err->message, sizeof was);
        fc__fail(err, status, "%s%s", prefix, was);
    }
    return status;
}
