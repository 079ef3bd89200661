/* The one way the library reads a whole file: images, BPE merges files,
 * and the first bytes of model files. */
#ifndef FC_COMMON_FILE_H
#define FC_COMMON_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "fastclip.h"

/* Reads the regular file at `path` into a malloc'd buffer (*data, *size;
 * free it). Never blocks on something that is not a regular file: a FIFO,
 * a device, a socket or a folder is FC_ERR_IO at once, as is a file that
 * cannot be opened or read. A file over `max_bytes` is FC_ERR_TOO_LARGE;
 * `what` names what the limit is for ("the limit", "a BPE merges file"). */
fc_status fc__read_file(const char *path, uint64_t max_bytes, const char *what,
                        uint8_t **data, size_t *size, fc_error *err);

/* Reads up to `want` bytes from the start of the regular file at `path`
 * into `head` (*got receives the count), with the same checks: for choosing
 * a reader by content before handing the path on. */
fc_status fc__read_file_head(const char *path, uint8_t *head, size_t want, size_t *got,
                             fc_error *err);

#endif
