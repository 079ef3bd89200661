/* fastclip embed and fastclip similarity: the model subcommands.
 *
 *   fastclip embed --model M [OPTIONS] [--image F]... [--text T]... [-o OUT]
 *   fastclip similarity --model M [OPTIONS] IMAGE... -- TEXT...
 *
 * Both load the model once and stream: the inputs go to the library a
 * chunk at a time (the library's pipeline prepares each chunk's next
 * micro-batch while the model runs one), and each chunk's rows are written
 * out before the next is encoded, so memory does not grow with the number
 * of inputs. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "fastclip.h"

/* Items per library call: several micro-batches, so that the pipeline
 * overlaps within a call, and few enough rows to keep memory small. */
#define CHUNK_MICRO_BATCHES 8

/* What the two commands share: the model and how to encode. */
typedef struct options {
    const char *model_path, *mode, *out_path;
    fc_model_params load;
    fc_encode_params encode;
    const char **images, **texts;
    size_t n_images, n_texts;
} options;

static int int_option(const char *value, const char *name, int lo, int hi, int *out)
{
    if (fc_cli_parse_int(value, lo, hi, out) == 0) return 1;
    fprintf(stderr, "fastclip: %s must be %d to %d\n", name, lo, hi);
    return -1;
}

/* Parses one model option at argv[*i]. Returns 1 if it was one, 0 if not,
 * -1 on a usage error (already reported). */
static int model_option(options *o, int argc, char **argv, int *i)
{
    const char *a = argv[*i];
    int has_value = *i + 1 < argc;
    if (strcmp(a, "--model") == 0 && has_value) {
        o->model_path = argv[++*i];
    } else if (strcmp(a, "--mode") == 0 && has_value) {
        o->mode = argv[++*i];
    } else if (strcmp(a, "--device") == 0 && has_value) {
        o->load.device = argv[++*i];
    } else if (strcmp(a, "--normalize") == 0) {
        o->encode.normalize = 1;
    } else if (strcmp(a, "--rgb-first") == 0) {
        o->encode.order = FC_ORDER_RGB_FIRST;
    } else if (strcmp(a, "--no-truncate") == 0) {
        o->encode.truncation = FC_NO_TRUNCATE;
    } else if (strcmp(a, "--no-warmup") == 0) {
        o->load.warmup = 0;
    } else if (strcmp(a, "--image-size") == 0 && has_value) {
        return int_option(argv[++*i], "--image-size", 1, FC_MAX_SIZE, &o->load.image_size);
    } else if (strcmp(a, "--context-length") == 0 && has_value) {
        return int_option(argv[++*i], "--context-length", 2, 1000000, &o->load.context_length);
    } else if (strcmp(a, "--threads") == 0 && has_value) {
        return int_option(argv[++*i], "--threads", 1, 4096, &o->load.n_threads);
    } else if (strcmp(a, "--workers") == 0 && has_value) {
        return int_option(argv[++*i], "--workers", 0, 1024, &o->load.workers);
    } else if (strcmp(a, "--batch-size") == 0 && has_value) {
        return int_option(argv[++*i], "--batch-size", 1, FC_MAX_MICRO_BATCH, &o->load.micro_batch);
    } else if (strcmp(a, "--kernels") == 0 && has_value) {
        const char *k = argv[++*i];
        if (strcmp(k, "fast") == 0) {
            o->load.kernels = FC_KERNELS_FAST;
        } else if (strcmp(k, "reference") == 0) {
            o->load.kernels = FC_KERNELS_REFERENCE;
        } else {
            fprintf(stderr, "fastclip: --kernels is \"%s\"; use fast or reference\n", k);
            return -1;
        }
    } else if (strcmp(a, "--precision") == 0 && has_value) {
        static const struct {
            const char *name;
            fc_precision value;
        } names[] = {{"stored", FC_PRECISION_STORED}, {"float32", FC_PRECISION_FLOAT32},
                     {"tf32", FC_PRECISION_TF32}, {"bfloat16", FC_PRECISION_BFLOAT16}};
        const char *v = argv[++*i];
        for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
            if (strcmp(v, names[k].name) == 0) {
                o->load.precision = names[k].value;
                return 1;
            }
        fprintf(stderr, "fastclip: --precision is \"%s\"; use stored, float32, tf32 or bfloat16\n",
                v);
        return -1;
    } else if (strcmp(a, "--cuda-graphs") == 0) {
        o->load.cuda_graphs = 1;
    } else {
        return 0;
    }
    return 1;
}

static int init_options(options *o, int argc)
{
    memset(o, 0, sizeof *o);
    fc_model_params_init(&o->load, sizeof o->load);
    fc_encode_params_init(&o->encode, sizeof o->encode);
    o->images = calloc((size_t)argc + 1, sizeof *o->images);
    o->texts = calloc((size_t)argc + 1, sizeof *o->texts);
    if (o->images == NULL || o->texts == NULL) {
        fputs("fastclip: out of memory\n", stderr);
        return -1;
    }
    return 0;
}

static void free_options(options *o)
{
    free(o->images);
    free(o->texts);
}

static int load(const options *o, fc_model **model)
{
    fc_error err;
    if (fc_load(o->model_path, o->mode, &o->load, model, &err) != FC_OK) {
        fprintf(stderr, "fastclip: %s (%s)\n", err.message, fc_status_string(err.status));
        return EXIT_MODEL;
    }
    return 0;
}

/* ---- streaming -------------------------------------------------------------- */

/* Where each chunk's rows go: `first` is the index of the chunk's first
 * item among the command's inputs of that kind. Returns 0 or an exit status. */
typedef int (*row_sink)(void *ctx, size_t first, const float *rows, size_t count, size_t dim);

typedef struct stream {
    fc_model *model;
    const options *o;
    size_t dim, chunk;
    float *rows;
    fc_status *statuses;
    fc_image *images;
} stream;

static int stream_open(stream *s, fc_model *model, const options *o)
{
    memset(s, 0, sizeof *s);
    s->model = model;
    s->o = o;
    s->dim = (size_t)fc_model_dim(model);
    s->chunk = (size_t)o->load.micro_batch * CHUNK_MICRO_BATCHES;
    s->rows = malloc(s->chunk * s->dim * sizeof *s->rows);
    s->statuses = malloc(s->chunk * sizeof *s->statuses);
    s->images = malloc(s->chunk * sizeof *s->images);
    if (s->rows == NULL || s->statuses == NULL || s->images == NULL) {
        fputs("fastclip: out of memory\n", stderr);
        return EXIT_IMAGE;
    }
    return 0;
}

static void stream_close(stream *s)
{
    free(s->rows);
    free(s->statuses);
    free(s->images);
}

static int model_failure(fc_status st, const fc_error *err)
{
    fprintf(stderr, "fastclip: %s (%s)\n", err->message, fc_status_string(st));
    return st == FC_ERR_MODEL ? EXIT_MODEL : EXIT_IMAGE;
}

/* Encodes every image, chunk by chunk, into `sink`. A bad image does not
 * stop the others: every bad file is named, with the reason for the first
 * of each chunk, and no more rows go to the sink after the first. */
static int stream_images(stream *s, row_sink sink, void *ctx)
{
    const options *o = s->o;
    size_t failed = 0;
    int rc = 0;
    for (size_t first = 0; first < o->n_images && rc == 0; first += s->chunk) {
        size_t count = o->n_images - first < s->chunk ? o->n_images - first : s->chunk;
        for (size_t i = 0; i < count; i++) s->images[i] = fc_image_file(o->images[first + i]);
        fc_error err;
        fc_status st = fc_encode_images(s->model, s->images, count, &o->encode, s->rows,
                                        count * s->dim, s->statuses, &err);
        if (st == FC_ERR_PARTIAL) {
            for (size_t i = 0; i < count; i++) {
                if (s->statuses[i] == FC_OK) continue;
                fprintf(stderr, "fastclip: %s: %s\n", o->images[first + i],
                        fc_status_string(s->statuses[i]));
                failed++;
            }
            /* The library's message ends with the first failure's reason. */
            const char *why = strstr(err.message, "; first, ");
            why = why ? strstr(why, ": ") : NULL;
            fprintf(stderr, "fastclip: %s\n", why ? why + 2 : err.message);
        } else if (st != FC_OK) {
            rc = model_failure(st, &err);
        } else if (failed == 0) {
            rc = sink(ctx, first, s->rows, count, s->dim);
        }
    }
    if (rc == 0 && failed > 0) {
        fprintf(stderr, "fastclip: %zu of %zu images failed\n", failed, o->n_images);
        rc = EXIT_IMAGE;
    }
    return rc;
}

/* Encodes every text, chunk by chunk; the first bad one stops the command. */
static int stream_texts(stream *s, row_sink sink, void *ctx)
{
    const options *o = s->o;
    int rc = 0;
    for (size_t first = 0; first < o->n_texts && rc == 0; first += s->chunk) {
        size_t count = o->n_texts - first < s->chunk ? o->n_texts - first : s->chunk;
        fc_error err;
        fc_status st = fc_encode_texts(s->model, o->texts + first, count, &o->encode, s->rows,
                                       count * s->dim, NULL, &err);
        rc = st != FC_OK ? model_failure(st, &err) : sink(ctx, first, s->rows, count, s->dim);
    }
    return rc;
}

/* ---- embed --------------------------------------------------------------------- */

static int matrix_sink(void *ctx, size_t first, const float *rows, size_t count, size_t dim)
{
    (void)first;
    return fc_cli_matrix_write(ctx, rows, count * dim);
}

/* A JSON string: quotes, backslashes and control characters escaped; other
 * bytes (UTF-8) as they are. */
static void json_string(const char *s)
{
    putchar('"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') printf("\\%c", *p);
        else if (*p < 0x20) printf("\\u%04x", *p);
        else putchar(*p);
    }
    putchar('"');
}

typedef struct json_rows {
    const char *label;
    const char **names;
} json_rows;

static int json_sink(void *ctx, size_t first, const float *rows, size_t count, size_t dim)
{
    const json_rows *j = ctx;
    for (size_t i = 0; i < count; i++) {
        printf("%s\n    {\"%s\": ", first + i ? "," : "", j->label);
        json_string(j->names[first + i]);
        fputs(", \"embedding\": [", stdout);
        /* %.9g: every float32 reads back exactly. */
        for (size_t k = 0; k < dim; k++) printf(k ? ", %.9g" : "%.9g", (double)rows[i * dim + k]);
        fputs("]}", stdout);
    }
    return 0;
}

static int embed_json(const options *o, stream *s)
{
    printf("{\n  \"model\": ");
    json_string(o->model_path);
    printf(",\n  \"mode\": ");
    json_string(o->mode ? o->mode : "load:cpu");
    printf(",\n  \"dim\": %zu,\n  \"normalized\": %s,\n  \"images\": [", s->dim,
           o->encode.normalize ? "true" : "false");
    json_rows images = {"file", o->images}, texts = {"text", o->texts};
    int rc = stream_images(s, json_sink, &images);
    if (rc != 0) return rc;
    printf("%s],\n  \"texts\": [", o->n_images ? "\n  " : "");
    rc = stream_texts(s, json_sink, &texts);
    if (rc != 0) return rc;
    printf("%s]\n}\n", o->n_texts ? "\n  " : "");
    return 0;
}

static int embed_matrix(const options *o, stream *s)
{
    fc_cli_matrix m;
    int rc = fc_cli_matrix_open(&m, o->out_path, o->n_images + o->n_texts, s->dim);
    if (rc != 0) return rc;
    rc = stream_images(s, matrix_sink, &m);
    if (rc == 0) rc = stream_texts(s, matrix_sink, &m);
    int closed = fc_cli_matrix_close(&m, rc == 0);
    return rc != 0 ? rc : closed;
}

int fc_cli_embed(int argc, char **argv)
{
    options o;
    if (init_options(&o, argc) != 0) return EXIT_IMAGE;
    int rc = 0;
    for (int i = 0; i < argc && rc == 0; i++) {
        int r = model_option(&o, argc, argv, &i);
        if (r < 0) rc = EXIT_USAGE;
        if (r != 0) continue;
        if (strcmp(argv[i], "--image") == 0 && i + 1 < argc) {
            o.images[o.n_images++] = argv[++i];
        } else if (strcmp(argv[i], "--text") == 0 && i + 1 < argc) {
            o.texts[o.n_texts++] = argv[++i];
        } else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc) {
            o.out_path = argv[++i];
        } else {
            fprintf(stderr, "fastclip: unexpected argument '%s'\n", argv[i]);
            rc = EXIT_USAGE;
        }
    }
    if (rc == 0 && (o.model_path == NULL || o.n_images + o.n_texts == 0)) {
        fputs("fastclip: embed needs --model and at least one --image or --text\n", stderr);
        rc = EXIT_USAGE;
    }
    fc_model *model = NULL;
    stream s;
    memset(&s, 0, sizeof s);
    if (rc == 0) rc = load(&o, &model);
    if (rc == 0) rc = stream_open(&s, model, &o);
    if (rc == 0) rc = o.out_path != NULL ? embed_matrix(&o, &s) : embed_json(&o, &s);
    stream_close(&s);
    fc_free(model);
    free_options(&o);
    return rc;
}

/* ---- similarity ------------------------------------------------------------------ */

typedef struct table {
    const options *o;
    const float *texts; /* n_texts x dim, unit rows */
} table;

static int table_sink(void *ctx, size_t first, const float *rows, size_t count, size_t dim)
{
    const table *t = ctx;
    for (size_t i = 0; i < count; i++) {
        fputs(t->o->images[first + i], stdout);
        for (size_t k = 0; k < t->o->n_texts; k++) {
            const float *a = rows + i * dim, *b = t->texts + k * dim;
            float dot = 0.0f;
            for (size_t d = 0; d < dim; d++) dot += a[d] * b[d];
            printf("\t%.6f", (double)dot);
        }
        putchar('\n');
    }
    return 0;
}

static int copy_sink(void *ctx, size_t first, const float *rows, size_t count, size_t dim)
{
    memcpy((float *)ctx + first * dim, rows, count * dim * sizeof *rows);
    return 0;
}

int fc_cli_similarity(int argc, char **argv)
{
    options o;
    if (init_options(&o, argc) != 0) return EXIT_IMAGE;
    int rc = 0, after_dashes = 0;
    for (int i = 0; i < argc && rc == 0; i++) {
        if (!after_dashes) {
            int r = model_option(&o, argc, argv, &i);
            if (r < 0) rc = EXIT_USAGE;
            if (r != 0) continue;
        }
        const char *a = argv[i];
        if (after_dashes) {
            o.texts[o.n_texts++] = a;
        } else if (strcmp(a, "--") == 0) {
            after_dashes = 1;
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "fastclip: unexpected argument '%s'\n", a);
            rc = EXIT_USAGE;
        } else {
            o.images[o.n_images++] = a;
        }
    }
    if (rc == 0 && (o.model_path == NULL || o.n_images == 0 || o.n_texts == 0)) {
        fputs("fastclip: similarity needs --model, images, -- and texts\n", stderr);
        rc = EXIT_USAGE;
    }
    o.encode.normalize = 1; /* cosine: the dot product of unit rows */
    fc_model *model = NULL;
    stream s;
    memset(&s, 0, sizeof s);
    float *text_rows = NULL;
    if (rc == 0) rc = load(&o, &model);
    if (rc == 0) rc = stream_open(&s, model, &o);
    if (rc == 0 && (text_rows = malloc(o.n_texts * s.dim * sizeof *text_rows)) == NULL) {
        fputs("fastclip: out of memory\n", stderr);
        rc = EXIT_IMAGE;
    }
    /* The texts first: every image row needs all of them. */
    if (rc == 0) rc = stream_texts(&s, copy_sink, text_rows);
    if (rc == 0) {
        /* Tab-separated: a header of texts, then one row per image. */
        fputs("image", stdout);
        for (size_t t = 0; t < o.n_texts; t++) printf("\t%s", o.texts[t]);
        putchar('\n');
        table t = {&o, text_rows};
        rc = stream_images(&s, table_sink, &t);
    }
    free(text_rows);
    stream_close(&s);
    fc_free(model);
    free_options(&o);
    return rc;
}
