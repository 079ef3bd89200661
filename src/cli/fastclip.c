/* fastclip: the command-line face of libfastclip.
 *
 *   fastclip preprocess [--size N] [--rgb-first] IMAGE -o OUT
 *   fastclip tokenize [--context-length N] [--no-truncate] [--] TEXT
 *   fastclip embed --model M [OPTIONS] [--image F]... [--text T]... [-o OUT]
 *   fastclip similarity --model M [OPTIONS] IMAGE... -- TEXT...
 *   fastclip version
 *
 * Exit statuses are in cli/cli.h. Errors are one line on stderr. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/npy.h"
#include "fastclip.h"


static void usage(FILE *f)
{
    fputs("usage: fastclip preprocess [--size N] [--rgb-first] IMAGE -o OUT\n"
          "       fastclip tokenize [--context-length N] [--no-truncate] [--] TEXT\n"
          "       fastclip embed --model M [OPTIONS] [--image F]... [--text T]... [-o OUT]\n"
          "       fastclip similarity --model M [OPTIONS] IMAGE... -- TEXT...\n"
          "       fastclip version\n"
          "\n"
          "preprocess  CLIP's image transform, bit-identical to Pillow + torchvision.\n"
          "            OUT gets 3 x N x N float32 (CHW, RGB): raw little-endian,\n"
          "            or NumPy .npy when OUT ends in .npy. IMAGE may be - for stdin.\n"
          "  --size N     output side (default 224)\n"
          "  --rgb-first  convert to RGB before resizing (default: CLIP's order)\n"
          "\n"
          "tokenize    CLIP's tokenizer: prints the context's token ids on one line,\n"
          "            as clip.tokenize(TEXT, truncate=True). -- ends the options.\n"
          "  --context-length N  ids to print (default 77)\n"
          "  --no-truncate       fail when the text does not fit the context\n"
          "\n"
          "embed       embeddings from a TorchScript CLIP model (float32): JSON on\n"
          "            stdout, or with -o OUT one [images + texts, dim] matrix,\n"
          "            images first, as .npy or raw float32.\n"
          "  --model M            the archive (required)\n"
          "  --mode MODE          load:cpu (float32, default) or load:cuda[:N] (float16)\n"
          "  --device D           cpu, cuda or cuda:N (default: the mode's)\n"
          "  --image F, --text T  inputs, each may repeat\n"
          "  --normalize          L2-normalise each embedding\n"
          "  --rgb-first          convert images to RGB before resizing\n"
          "  --image-size N, --context-length N  when the model does not say\n"
          "  --no-truncate        fail on texts longer than the context\n"
          "  --no-warmup          skip the warm-up runs at load\n"
          "  --threads N          LibTorch intra-op threads\n"
          "  --workers N          threads that decode and preprocess while the model\n"
          "                       runs (default: one per CPU; 0 or 1: none besides this)\n"
          "  --batch-size B       images or texts per model run (default 64); inputs\n"
          "                       stream through, so memory does not grow with them\n"
          "  --kernels K          fast (default) or reference: the CPU kernels\n"
          "                       Python runs, for bit-identical float32 results\n"
          "  --precision P        stored, float32, tf32 or bfloat16 (default: the\n"
          "                       mode's; docs/models.md)\n"
          "  --cuda-graphs        on a GPU, replay CUDA graphs (experimental)\n"
          "\n"
          "similarity  cosine similarity of every image with every text: a table\n"
          "            with one row per image and one column per text.\n"
          "            Takes embed's model options.\n",
          f);
}

static int parse_size(const char *s, int *out)
{
    return fc_cli_parse_int(s, 1, FC_MAX_SIZE, out);
}

static unsigned char *read_stream(FILE *f, size_t *size)
{
    size_t cap = 1 << 16, len = 0, got;
    unsigned char *buf = malloc(cap);
    while (buf != NULL && (got = fread(buf + len, 1, cap - len, f)) > 0) {
        len += got;
        if (len == cap) {
            unsigned char *bigger = realloc(buf, cap * 2);
            if (bigger == NULL) free(buf);
            buf = bigger;
            cap *= 2;
        }
    }
    *size = len;
    return buf;
}

static int write_output(const char *path, const float *t, int n)
{
    size_t shape[3] = {3, (size_t)n, (size_t)n};
    return fc_cli_write_matrix(path, t, shape, 3);
}

static int cmd_preprocess(int argc, char **argv)
{
    fc_preprocess_params p;
    fc_preprocess_params_init(&p, sizeof p);
    const char *image = NULL, *out_path = NULL;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--size") == 0 && i + 1 < argc) {
            if (parse_size(argv[++i], &p.size) != 0) {
                fprintf(stderr, "fastclip: --size must be 1 to %d\n", FC_MAX_SIZE);
                return EXIT_USAGE;
            }
        } else if (strcmp(a, "--rgb-first") == 0) {
            p.order = FC_ORDER_RGB_FIRST;
        } else if (strcmp(a, "-o") == 0 && i + 1 < argc) {
            out_path = argv[++i];
        } else if ((a[0] != '-' || strcmp(a, "-") == 0) && image == NULL) {
            image = a;
        } else {
            fprintf(stderr, "fastclip: unexpected argument '%s'\n", a);
            return EXIT_USAGE;
        }
    }
    if (image == NULL || out_path == NULL) {
        usage(stderr);
        return EXIT_USAGE;
    }
    size_t count = fc_preprocess_output_floats(&p);
    float *t = malloc(count * sizeof *t);
    if (t == NULL) {
        fputs("fastclip: out of memory\n", stderr);
        return EXIT_IMAGE;
    }
    fc_error err;
    fc_status st;
    if (strcmp(image, "-") == 0) {
        size_t size = 0;
        unsigned char *data = read_stream(stdin, &size);
        st = data ? fc_preprocess_memory(data, size, &p, t, count, &err)
                  : FC_ERR_OUT_OF_MEMORY;
        if (data == NULL) snprintf(err.message, sizeof err.message, "out of memory");
        free(data);
    } else {
        st = fc_preprocess_file(image, &p, t, count, &err);
    }
    int rc = 0;
    if (st != FC_OK) {
        fprintf(stderr, "fastclip: %s (%s)\n", err.message, fc_status_string(st));
        rc = EXIT_IMAGE;
    } else {
        rc = write_output(out_path, t, p.size);
    }
    free(t);
    return rc;
}

static int cmd_tokenize(int argc, char **argv)
{
    int context = 77, i = 0;
    fc_truncation trunc = FC_TRUNCATE;
    const char *text = NULL;
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) {
            i++;
            break;
        } else if (strcmp(a, "--context-length") == 0 && i + 1 < argc) {
            char *end;
            errno = 0;
            long v = strtol(argv[++i], &end, 10);
            if (errno || end == argv[i] || *end || v < 2 || v > 1000000) {
                fputs("fastclip: --context-length must be 2 to 1000000\n", stderr);
                return EXIT_USAGE;
            }
            context = (int)v;
        } else if (strcmp(a, "--no-truncate") == 0) {
            trunc = FC_NO_TRUNCATE;
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "fastclip: unexpected argument '%s'\n", a);
            return EXIT_USAGE;
        } else {
            break;
        }
    }
    if (i < argc) text = argv[i++];
    if (text == NULL || i != argc) {
        fputs(text == NULL ? "fastclip: tokenize needs one TEXT\n"
                           : "fastclip: tokenize takes one TEXT (quote it)\n", stderr);
        return EXIT_USAGE;
    }
    fc_error err;
    fc_tokenizer *tok = NULL;
    fc_status st = fc_tokenizer_new(NULL, &tok, &err);
    int32_t *ids = malloc((size_t)context * sizeof *ids);
    if (st == FC_OK && ids == NULL) {
        st = FC_ERR_OUT_OF_MEMORY;
        snprintf(err.message, sizeof err.message, "out of memory");
    }
    if (st == FC_OK) st = fc_tokenize(tok, text, context, trunc, ids, (size_t)context, NULL, &err);
    if (st == FC_OK) {
        for (int k = 0; k < context; k++) printf(k ? " %d" : "%d", (int)ids[k]);
        putchar('\n');
    } else {
        fprintf(stderr, "fastclip: %s (%s)\n", err.message, fc_status_string(st));
    }
    free(ids);
    fc_tokenizer_free(tok);
    return st == FC_OK ? 0 : EXIT_IMAGE;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (strcmp(argv[1], "preprocess") == 0) return cmd_preprocess(argc - 2, argv + 2);
    if (strcmp(argv[1], "tokenize") == 0) return cmd_tokenize(argc - 2, argv + 2);
    if (strcmp(argv[1], "embed") == 0) return fc_cli_embed(argc - 2, argv + 2);
    if (strcmp(argv[1], "similarity") == 0) return fc_cli_similarity(argc - 2, argv + 2);
    if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0) {
        printf("fastclip %s\n", fc_version_string());
        return 0;
    }
    if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "fastclip: unknown command '%s' (try fastclip help)\n", argv[1]);
    return EXIT_USAGE;
}
