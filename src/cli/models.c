/* fastclip embed and fastclip similarity: the model subcommands.
 *
 *   fastclip embed --model M [OPTIONS] [--image F]... [--text T]... [-o OUT]
 *   fastclip similarity --model M [OPTIONS] IMAGE... -- TEXT...
 *
 * Both load the model once and encode all images in one batch call and all
 * texts in another. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "fastclip.h"

/* What the two commands share: the model and how to encode. */
typedef struct options {
    const char *model_path, *mode, *out_path;
    fc_model_params load;
    fc_encode_params encode;
    const char **images, **texts;
    size_t n_images, n_texts;
} options;

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
        if (fc_cli_parse_int(argv[++*i], 1, FC_MAX_SIZE, &o->load.image_size) != 0) {
            fprintf(stderr, "fastclip: --image-size must be 1 to %d\n", FC_MAX_SIZE);
            return -1;
        }
    } else if (strcmp(a, "--context-length") == 0 && has_value) {
        if (fc_cli_parse_int(argv[++*i], 2, 1000000, &o->load.context_length) != 0) {
            fputs("fastclip: --context-length must be 2 to 1000000\n", stderr);
            return -1;
        }
    } else if (strcmp(a, "--threads") == 0 && has_value) {
        if (fc_cli_parse_int(argv[++*i], 1, 4096, &o->load.n_threads) != 0) {
            fputs("fastclip: --threads must be 1 to 4096\n", stderr);
            return -1;
        }
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

/* Encodes every image, then every text, into rows of `out` (images first).
 * Reports each bad input by name. */
static int encode_all(const options *o, fc_model *model, float *out)
{
    size_t dim = (size_t)fc_model_dim(model);
    size_t n = o->n_images > o->n_texts ? o->n_images : o->n_texts;
    fc_status *statuses = calloc(n + 1, sizeof *statuses);
    fc_image *images = calloc(o->n_images + 1, sizeof *images);
    if (statuses == NULL || images == NULL) {
        free(statuses);
        free(images);
        fputs("fastclip: out of memory\n", stderr);
        return EXIT_IMAGE;
    }
    for (size_t i = 0; i < o->n_images; i++) images[i] = fc_image_file(o->images[i]);
    int rc = 0;
    fc_error err;
    fc_status st = FC_OK;
    if (o->n_images > 0)
        st = fc_encode_images(model, images, o->n_images, &o->encode, out,
                              o->n_images * dim, statuses, &err);
    if (st == FC_ERR_PARTIAL) {
        for (size_t i = 0; i < o->n_images; i++)
            if (statuses[i] != FC_OK)
                fprintf(stderr, "fastclip: %s: %s\n", o->images[i], fc_status_string(statuses[i]));
        fprintf(stderr, "fastclip: %s\n", err.message);
        rc = EXIT_IMAGE;
    } else if (st != FC_OK) {
        fprintf(stderr, "fastclip: %s (%s)\n", err.message, fc_status_string(st));
        rc = st == FC_ERR_MODEL ? EXIT_MODEL : EXIT_IMAGE;
    }
    if (rc == 0 && o->n_texts > 0) {
        st = fc_encode_texts(model, o->texts, o->n_texts, &o->encode, out + o->n_images * dim,
                             o->n_texts * dim, NULL, &err);
        if (st != FC_OK) {
            fprintf(stderr, "fastclip: %s (%s)\n", err.message, fc_status_string(st));
            rc = st == FC_ERR_MODEL ? EXIT_MODEL : EXIT_IMAGE;
        }
    }
    free(statuses);
    free(images);
    return rc;
}

/* Loads the model and encodes every input into *rows (malloc'd, images
 * first); returns 0 or an exit status, having said why. */
static int load_and_encode(const options *o, fc_model **model, float **rows)
{
    int rc = load(o, model);
    if (rc != 0) return rc;
    size_t dim = (size_t)fc_model_dim(*model), n = o->n_images + o->n_texts;
    if ((*rows = malloc(n * dim * sizeof **rows)) == NULL) {
        fputs("fastclip: out of memory\n", stderr);
        return EXIT_IMAGE;
    }
    return encode_all(o, *model, *rows);
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

static void json_rows(const char *key, const char *label, const char **names, size_t n,
                      const float *rows, size_t dim)
{
    printf("  \"%s\": [", key);
    for (size_t i = 0; i < n; i++) {
        printf("%s\n    {\"%s\": ", i ? "," : "", label);
        json_string(names[i]);
        fputs(", \"embedding\": [", stdout);
        /* %.9g: every float32 reads back exactly. */
        for (size_t k = 0; k < dim; k++) printf(k ? ", %.9g" : "%.9g", (double)rows[i * dim + k]);
        fputs("]}", stdout);
    }
    printf("%s]", n ? "\n  " : "");
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
    float *rows = NULL;
    if (rc == 0) rc = load_and_encode(&o, &model, &rows);
    size_t dim = model ? (size_t)fc_model_dim(model) : 0, n = o.n_images + o.n_texts;
    if (rc == 0 && o.out_path != NULL) {
        size_t shape[2] = {n, dim};
        rc = fc_cli_write_matrix(o.out_path, rows, shape, 2);
    } else if (rc == 0) {
        printf("{\n  \"model\": ");
        json_string(o.model_path);
        printf(",\n  \"mode\": ");
        json_string(o.mode ? o.mode : "load:cpu");
        printf(",\n  \"dim\": %zu,\n  \"normalized\": %s,\n", dim,
               o.encode.normalize ? "true" : "false");
        json_rows("images", "file", o.images, o.n_images, rows, dim);
        printf(",\n");
        json_rows("texts", "text", o.texts, o.n_texts, rows + o.n_images * dim, dim);
        printf("\n}\n");
    }
    free(rows);
    fc_free(model);
    free_options(&o);
    return rc;
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
    float *rows = NULL;
    if (rc == 0) rc = load_and_encode(&o, &model, &rows);
    size_t dim = model ? (size_t)fc_model_dim(model) : 0;
    if (rc == 0) {
        /* Tab-separated: a header of texts, then one row per image. */
        fputs("image", stdout);
        for (size_t t = 0; t < o.n_texts; t++) printf("\t%s", o.texts[t]);
        putchar('\n');
        for (size_t i = 0; i < o.n_images; i++) {
            fputs(o.images[i], stdout);
            for (size_t t = 0; t < o.n_texts; t++) {
                const float *a = rows + i * dim, *b = rows + (o.n_images + t) * dim;
                float dot = 0.0f;
                for (size_t k = 0; k < dim; k++) dot += a[k] * b[k];
                printf("\t%.6f", (double)dot);
            }
            putchar('\n');
        }
    }
    free(rows);
    fc_free(model);
    free_options(&o);
    return rc;
}
