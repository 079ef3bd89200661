/* Indexes a folder of images: walks it recursively, encodes the images with
 * a CLIP model in batches, and writes
 *
 *   OUTDIR/embeddings.npy   float32 [count, dim], one L2-normalised row per
 *                           image (so a text's scores are dot products)
 *   OUTDIR/names.txt        the path of row i on line i
 *
 *   cc -std=c11 examples/index_folder.c $(pkg-config --cflags --libs fastclip) -o index_folder
 *   ./index_folder [-b N] [-m MODE] [-a] ViT-B-32.pt photos/ index/
 *
 *   -b N     images per fc_encode_images call (default 16)
 *   -m MODE  load:cpu (default), load:cuda or load:cuda:N
 *   -a       try every file, not only the usual image extensions (the
 *            library recognises formats by content, never by name)
 *
 * Files that cannot be read or are not images are skipped and named on
 * stderr with the reason; they do not stop the others (the batch calls take
 * per-item statuses). Files are indexed in byte order of their paths.
 * Symbolic links to files are followed, links to folders are not.
 *
 * Exit status: 0 (also when some files were skipped), 1 when the model, the
 * folder or the output fails, 2 for a usage error. */
#define _XOPEN_SOURCE 700 /* nftw, getopt */
#include <errno.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fastclip.h>

/* ---- the walk ----------------------------------------------------------
 * nftw's callback takes no user pointer, so the list it fills is a file
 * static. (The library itself has no global state; this program may.) */
static char **paths;
static size_t n_paths, cap_paths;
static int all_files;
static size_t n_skipped;

static int has_image_extension(const char *path)
{
    static const char *const ext[] = {".jpg", ".jpeg", ".jpe", ".png", ".gif", ".bmp", ".dib",
                                      ".tga", ".pbm", ".pgm", ".ppm", ".pnm"};
    const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
    if (dot == NULL || (slash != NULL && dot < slash)) return 0;
    for (size_t i = 0; i < sizeof ext / sizeof *ext; i++)
        if (strcasecmp(dot, ext[i]) == 0) return 1;
    return 0;
}

static void skip(const char *path, const char *why)
{
    fprintf(stderr, "index_folder: skipped %s: %s\n", path, why);
    n_skipped++;
}

static int visit(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
    (void)ftw;
    struct stat target;
    switch (type) {
    case FTW_F:
        if (!S_ISREG(sb->st_mode)) return 0; /* devices, FIFOs, sockets */
        break;
    case FTW_SL: /* FTW_PHYS: links are reported, not followed */
        if (stat(path, &target) != 0) {
            if (has_image_extension(path) || all_files) skip(path, "dangling symbolic link");
            return 0;
        }
        if (!S_ISREG(target.st_mode)) return 0;
        break;
    case FTW_SLN:
        if (has_image_extension(path) || all_files) skip(path, "dangling symbolic link");
        return 0;
    case FTW_DNR:
        skip(path, "cannot read this folder");
        return 0;
    case FTW_NS:
        skip(path, "cannot stat");
        return 0;
    default: /* FTW_D, FTW_DP */
        return 0;
    }
    if (!all_files && !has_image_extension(path)) return 0;
    if (strchr(path, '\n') != NULL) {
        skip(path, "its name holds a newline, which names.txt cannot");
        return 0;
    }
    if (n_paths == cap_paths) {
        size_t cap = cap_paths ? 2 * cap_paths : 256;
        char **grown = realloc(paths, cap * sizeof *grown);
        if (grown == NULL) return -1;
        paths = grown;
        cap_paths = cap;
    }
    if ((paths[n_paths] = strdup(path)) == NULL) return -1;
    n_paths++;
    return 0;
}

static int compare_paths(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ---- .npy output ---------------------------------------------------------
 * NumPy format 1.0: magic, version, header length, a Python dict literal
 * padded with spaces and ending in a newline, then the data. The header is
 * written with 0 rows first and again at the end with the real count; its
 * fixed 128 bytes hold any count. */
#define NPY_HEADER 128

static int write_npy_header(FILE *f, size_t rows, size_t dim)
{
    char header[NPY_HEADER];
    memset(header, ' ', sizeof header);
    memcpy(header, "\x93NUMPY\x01\x00", 8);
    header[8] = (char)((NPY_HEADER - 10) & 0xff); /* header length, little-endian */
    header[9] = (char)((NPY_HEADER - 10) >> 8);
    int len = snprintf(header + 10, NPY_HEADER - 10,
                       "{'descr': '<f4', 'fortran_order': False, 'shape': (%zu, %zu), }", rows, dim);
    if (len < 0 || len >= NPY_HEADER - 11) return -1;
    header[10 + len] = ' '; /* snprintf's NUL */
    header[NPY_HEADER - 1] = '\n';
    return fseek(f, 0, SEEK_SET) == 0 && fwrite(header, 1, sizeof header, f) == sizeof header ? 0 : -1;
}

/* One row as little-endian float32, whatever this machine's byte order. */
static int write_row(FILE *f, const float *row, size_t dim, unsigned char *bytes)
{
    for (size_t k = 0; k < dim; k++) {
        uint32_t u;
        memcpy(&u, &row[k], sizeof u);
        for (int b = 0; b < 4; b++) bytes[4 * k + (size_t)b] = (unsigned char)(u >> (8 * b));
    }
    return fwrite(bytes, 4, dim, f) == dim ? 0 : -1;
}

static FILE *open_output(const char *dir, const char *name, char *path, size_t size)
{
    snprintf(path, size, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL) fprintf(stderr, "index_folder: cannot write %s: %s\n", path, strerror(errno));
    return f;
}

static void usage(const char *argv0)
{
    fprintf(stderr, "usage: %s [-b N] [-m MODE] [-a] MODEL FOLDER OUTDIR\n"
                    "  writes OUTDIR/embeddings.npy and OUTDIR/names.txt\n"
                    "  -b N     images per batch (default 16)\n"
                    "  -m MODE  load:cpu (default), load:cuda or load:cuda:N\n"
                    "  -a       try every file, not only image extensions\n",
            argv0);
}

int main(int argc, char **argv)
{
    size_t batch = 16;
    const char *mode = NULL;
    int opt;
    while ((opt = getopt(argc, argv, "b:m:a")) != -1) {
        char *end;
        switch (opt) {
        case 'b': {
            errno = 0;
            unsigned long b = strtoul(optarg, &end, 10);
            if (errno != 0 || *end != '\0' || end == optarg || b < 1 || b > 4096) {
                fputs("index_folder: -b takes 1 to 4096\n", stderr);
                return 2;
            }
            batch = (size_t)b;
            break;
        }
        case 'm': mode = optarg; break;
        case 'a': all_files = 1; break;
        default: usage(argv[0]); return 2;
        }
    }
    if (argc - optind != 3) {
        usage(argv[0]);
        return 2;
    }
    const char *model_path = argv[optind], *folder = argv[optind + 1], *outdir = argv[optind + 2];

    int rc = 1;
    fc_error err;
    fc_model *model = NULL;
    FILE *npy = NULL, *names = NULL;
    float *rows = NULL;
    unsigned char *bytes = NULL;
    fc_image *images = NULL;
    fc_status *statuses = NULL;
    size_t dim = 0, indexed = 0;
    char npy_path[4096], names_path[4096];

    /* The folder and the outputs first: their errors should not wait for a
     * large model to load. */
    errno = 0;
    if (nftw(folder, visit, 32, FTW_PHYS) != 0) {
        fprintf(stderr, "index_folder: cannot walk %s: %s\n", folder,
                errno ? strerror(errno) : "out of memory");
        goto done;
    }
    if (n_paths > 1) qsort(paths, n_paths, sizeof *paths, compare_paths);

    if (mkdir(outdir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "index_folder: cannot create %s: %s\n", outdir, strerror(errno));
        goto done;
    }
    if ((npy = open_output(outdir, "embeddings.npy", npy_path, sizeof npy_path)) == NULL ||
        (names = open_output(outdir, "names.txt", names_path, sizeof names_path)) == NULL)
        goto done;

    if (fc_load(model_path, mode, NULL, &model, &err) != FC_OK) {
        fprintf(stderr, "index_folder: %s (%s)\n", err.message, fc_status_string(err.status));
        goto done;
    }
    dim = (size_t)fc_model_dim(model);
    if (write_npy_header(npy, 0, dim) != 0) goto write_failed;

    rows = malloc(batch * dim * sizeof *rows);
    bytes = malloc(dim * 4);
    images = malloc(batch * sizeof *images);
    statuses = malloc(batch * sizeof *statuses);
    if (rows == NULL || bytes == NULL || images == NULL || statuses == NULL) {
        fputs("index_folder: out of memory\n", stderr);
        goto done;
    }

    /* Normalised rows: cosine similarity becomes a dot product. */
    fc_encode_params ep;
    fc_encode_params_init(&ep, sizeof ep);
    ep.normalize = 1;

    for (size_t start = 0; start < n_paths; start += batch) {
        size_t m = n_paths - start < batch ? n_paths - start : batch;
        for (size_t i = 0; i < m; i++) images[i] = fc_image_file(paths[start + i]);
        /* With `statuses`, a bad file does not fail the call: it gets its
         * own status and a zero row, and the call returns FC_ERR_PARTIAL.
         * Any other failure (the model itself) ends the run. */
        fc_status st = fc_encode_images(model, images, m, &ep, rows, m * dim, statuses, &err);
        if (st != FC_OK && st != FC_ERR_PARTIAL) {
            fprintf(stderr, "index_folder: %s (%s)\n", err.message, fc_status_string(st));
            goto done;
        }
        for (size_t i = 0; i < m; i++) {
            if (statuses[i] != FC_OK) {
                skip(paths[start + i], fc_status_string(statuses[i]));
                continue;
            }
            if (write_row(npy, rows + i * dim, dim, bytes) != 0 ||
                fprintf(names, "%s\n", paths[start + i]) < 0)
                goto write_failed;
            indexed++;
        }
        /* The library's message tells the first bad file's problem in full. */
        if (st == FC_ERR_PARTIAL) fprintf(stderr, "index_folder: %s\n", err.message);
    }
    if (write_npy_header(npy, indexed, dim) != 0) goto write_failed;
    if (fclose(npy) != 0) {
        npy = NULL;
        goto write_failed;
    }
    npy = NULL;
    if (fclose(names) != 0) {
        names = NULL;
        goto write_failed;
    }
    names = NULL;
    printf("indexed %zu images into %s [%zu, %zu] and %s; skipped %zu\n", indexed, npy_path,
           indexed, dim, names_path, n_skipped);
    rc = 0;
    goto done;

write_failed:
    fprintf(stderr, "index_folder: cannot write %s or %s: %s\n", npy_path, names_path,
            strerror(errno));
done:
    if (npy != NULL) fclose(npy);
    if (names != NULL) fclose(names);
    free(rows);
    free(bytes);
    free(images);
    free(statuses);
    for (size_t i = 0; i < n_paths; i++) free(paths[i]);
    free(paths);
    fc_free(model);
    return rc;
}
