#include "common/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/error.h"

/* Opens `path` for reading only if it is a regular file. O_NONBLOCK keeps
 * open() itself from waiting for a writer on a FIFO; it is cleared again
 * once fstat has shown a regular file, where it means nothing anyway. */
static fc_status open_regular(const char *path, int *fd_out, struct stat *sb, fc_error *err)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return fc__fail(err, FC_ERR_IO, "cannot open %s: %s", path, strerror(errno));
    if (fstat(fd, sb) != 0 || !S_ISREG(sb->st_mode)) {
        int is_dir = S_ISDIR(sb->st_mode);
        close(fd);
        return fc__fail(err, FC_ERR_IO, "%s is not a regular file%s", path,
                        is_dir ? " (it is a directory)" : "");
    }
    int flags = fcntl(fd, F_GETFL);
    if (flags >= 0) fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    *fd_out = fd;
    return FC_OK;
}

/* Reads exactly `len` bytes unless the file ends first; *got gets the count. */
static int read_all(int fd, uint8_t *buf, size_t len, size_t *got)
{
    size_t done = 0;
    while (done < len) {
        ssize_t r = read(fd, buf + done, len - done);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return -1;
        if (r == 0) break;
        done += (size_t)r;
    }
    *got = done;
    return 0;
}

fc_status fc__read_file(const char *path, uint64_t max_bytes, const char *what,
                        uint8_t **data, size_t *size, fc_error *err)
{
    int fd = -1;
    struct stat sb;
    fc_status st = open_regular(path, &fd, &sb, err);
    if (st != FC_OK) return st;
    uint8_t *buf = NULL;
    size_t len = (size_t)sb.st_size, got = 0;
    if ((uint64_t)sb.st_size > max_bytes) {
        st = fc__fail(err, FC_ERR_TOO_LARGE, "%s is %lld bytes, over %s of %llu", path,
                      (long long)sb.st_size, what, (unsigned long long)max_bytes);
    } else if ((buf = malloc(len ? len : 1)) == NULL) {
        st = fc__fail(err, FC_ERR_OUT_OF_MEMORY, "cannot allocate %zu bytes for %s", len, path);
    } else if (read_all(fd, buf, len, &got) != 0 || got != len) {
        /* A file that shrank while being read is as unreadable as one that
         * fails: never hand on a partial image. */
        st = fc__fail(err, FC_ERR_IO, "cannot read %s", path);
    }
    close(fd);
    if (st != FC_OK) {
        free(buf);
        return st;
    }
    *data = buf;
    *size = len;
    return FC_OK;
}

fc_status fc__read_file_head(const char *path, uint8_t *head, size_t want, size_t *got,
                             fc_error *err)
{
    int fd = -1;
    struct stat sb;
    fc_status st = open_regular(path, &fd, &sb, err);
    if (st != FC_OK) return st;
    if (read_all(fd, head, want, got) != 0)
        st = fc__fail(err, FC_ERR_IO, "cannot read %s: %s", path, strerror(errno));
    close(fd);
    return st;
}
