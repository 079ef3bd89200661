/* Version queries and the static names of status codes. */
#include "common/version.h"

unsigned fc_version(void) { return FC_VERSION_NUMBER; }

const char *fc_version_string(void)
{
    return FC__VERSION_STRING;
}

const char *fc_status_string(fc_status status)
{
    switch (status) {
    case FC_OK: return "success";
    case FC_ERR_INVALID_ARGUMENT: return "invalid argument";
    case FC_ERR_BUFFER_TOO_SMALL: return "output buffer too small";
    case FC_ERR_OUT_OF_MEMORY: return "out of memory";
    case FC_ERR_IO: return "input/output error";
    case FC_ERR_UNKNOWN_FORMAT: return "unknown image format";
    case FC_ERR_UNSUPPORTED: return "unsupported format variant or feature";
    case FC_ERR_CORRUPT: return "corrupt image data";
    case FC_ERR_TRUNCATED: return "truncated image data";
    case FC_ERR_TOO_LARGE: return "image or input too large";
    case FC_ERR_INTERNAL: return "internal error";
    case FC_ERR_INVALID_UTF8: return "invalid UTF-8 text";
    case FC_ERR_TEXT_TOO_LONG: return "text too long for the context";
    case FC_ERR_MODEL: return "not a usable CLIP model";
    case FC_ERR_DEVICE: return "device not available";
    case FC_ERR_PARTIAL: return "some batch items failed";
    }
    return "unknown status";
}
