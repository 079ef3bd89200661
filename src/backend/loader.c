/* The backend registry: one row per backend, saying which model files it
 * reads (by their first bytes), which library holds it and the function
 * that library exports. A backend library is found in the folder
 * libfastclip.so was loaded from, carries the library's full version in
 * its name, and is opened with dlopen on the first fc_load that needs it:
 * programs that only preprocess or tokenize never load LibTorch. */
#define _GNU_SOURCE /* dladdr */
#include "backend/loader.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/file.h"
#include "common/version.h"

/* A TorchScript archive is a zip file (torch.jit.save). */
static int is_zip(const uint8_t *head, size_t n) { return n >= 4 && memcmp(head, "PK\3\4", 4) == 0; }

typedef struct row {
    const char *name;       /* for messages: "LibTorch backend"                */
    const char *reads;      /* what files it reads: "a TorchScript archive"    */
    int (*matches)(const uint8_t *head, size_t n);
    const char *file;       /* beside libfastclip.so                           */
    const char *env;        /* names another path for the file                 */
    const char *symbol;     /* its fc__backend_entry                           */
    const char *absent;     /* why it may be missing                           */
} row;

static const row rows[] = {
    {"LibTorch backend", "a TorchScript archive (a zip file)", is_zip,
     "libfastclip_torch.so." FC__VERSION_STRING, "FASTCLIP_TORCH_BACKEND", "fc__torch_backend",
     "a libfastclip built without LibTorch has none: rebuild with make LIBTORCH=<dir>"},
};
#define N_ROWS (sizeof rows / sizeof rows[0])

/* What opening each row's library gave: set once, under `lock`. */
static struct {
    int tried;
    const fc__backend *table;
    char error[512];
} opened[N_ROWS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

/* The row's library beside this one: same folder, same version. */
static void library_path(const row *r, char *path, size_t size)
{
    const char *forced = getenv(r->env);
    if (forced != NULL && forced[0] != '\0') {
        snprintf(path, size, "%s", forced);
        return;
    }
    Dl_info info;
    const char *self = NULL;
    if (dladdr((void *)&fc__backend_for_file, &info) != 0 && info.dli_fname != NULL)
        self = info.dli_fname;
    const char *slash = self ? strrchr(self, '/') : NULL;
    if (slash == NULL)
        snprintf(path, size, "%s", r->file);
    else
        snprintf(path, size, "%.*s/%s", (int)(slash - self), self, r->file);
}

static void open_row(size_t i)
{
    const row *r = &rows[i];
    char path[4096];
    library_path(r, path, sizeof path);
    /* Never closed: LibTorch does not support being unloaded. */
    void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (lib == NULL) {
        const char *why = dlerror();
        snprintf(opened[i].error, sizeof opened[i].error, "cannot load the %s (%.200s); %s",
                 r->name, why ? why : path, r->absent);
        return;
    }
    fc__backend_entry entry;
    *(void **)&entry = dlsym(lib, r->symbol);
    const fc__backend *table = entry ? entry() : NULL;
    if (table == NULL || table->abi != FC__BACKEND_ABI) {
        snprintf(opened[i].error, sizeof opened[i].error, "%.200s is not the %s of libfastclip %s",
                 path, r->name, fc_version_string());
        return;
    }
    opened[i].table = table;
}

fc_status fc__backend_for_file(const char *path, const fc__backend **out, fc_error *err)
{
    *out = NULL;
    uint8_t head[16];
    size_t got = 0;
    fc_status st = fc__read_file_head(path, head, sizeof head, &got, err);
    if (st != FC_OK) return st;
    for (size_t i = 0; i < N_ROWS; i++) {
        if (!rows[i].matches(head, got)) continue;
        pthread_mutex_lock(&lock);
        if (!opened[i].tried) {
            open_row(i);
            opened[i].tried = 1;
        }
        pthread_mutex_unlock(&lock);
        if (opened[i].table == NULL)
            return fc__fail(err, FC_ERR_UNSUPPORTED, "%s", opened[i].error);
        *out = opened[i].table;
        return FC_OK;
    }
    char kinds[256] = "";
    for (size_t i = 0, used = 0; i < N_ROWS && used < sizeof kinds; i++)
        used += (size_t)snprintf(kinds + used, sizeof kinds - used, "%s%s", i ? " or " : "",
                                 rows[i].reads);
    return fc__fail(err, FC_ERR_MODEL, "%s is not a model file libfastclip reads: not %s", path,
                    kinds);
}
