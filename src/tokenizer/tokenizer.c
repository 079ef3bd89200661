/* The public face of the tokenizer: fc_tokenizer_new/free and fc_tokenize.
 * Argument checks, the built-in or a given merges file, and the steps
 * clean -> split -> BPE -> ids (one file each in this folder). */
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/file.h"
#include "common/params.h"
#include "tokenizer/bpe.h"
#include "tokenizer/bpe_data.h"
#include "tokenizer/clean.h"
#include "tokenizer/pretokenize.h"
#include "tokenizer/utf8.h"
#include "tokenizer/wordcache.h"

#define TOKENIZER_MAGIC 0x46434254u /* "FCBT" */
#define PARAMS_V1_SIZE (offsetof(fc_tokenizer_params, bpe_path) + sizeof(const char *))
/* A merges file is about 1.3 MB; refuse anything absurd before reading it. */
#define MAX_BPE_FILE ((uint64_t)64 << 20)

struct fc_tokenizer {
    uint32_t magic;
    fc__bpe *bpe;
    fc__wordcache *words; /* the BPE of whole vocabulary words, built here */
};

static void defaults(fc_tokenizer_params *p)
{
    memset(p, 0, sizeof *p);
    p->struct_size = sizeof *p;
    p->bpe_path = NULL;
}

fc_status fc_tokenizer_params_init(fc_tokenizer_params *params, size_t struct_size)
{
    fc_tokenizer_params d;
    defaults(&d);
    return fc__params_init(params, struct_size, &d, sizeof d, PARAMS_V1_SIZE);
}

fc_status fc_tokenizer_new(const fc_tokenizer_params *params, fc_tokenizer **out,
                           fc_error *err)
{
    fc__clear(err);
    if (out == NULL) return fc__fail(err, FC_ERR_INVALID_ARGUMENT, "out is NULL");
    *out = NULL;
    fc_tokenizer_params d, p;
    defaults(&d);
    fc_status st = fc__params_read(params, &p, &d, sizeof d, PARAMS_V1_SIZE,
                                   "fc_tokenizer_params_init", err);
    if (st != FC_OK) return st;
    fc_tokenizer *t = calloc(1, sizeof *t);
    if (t == NULL) return fc__fail(err, FC_ERR_OUT_OF_MEMORY, "out of memory");
    if (p.bpe_path != NULL) {
        uint8_t *gz = NULL;
        size_t size = 0;
        st = fc__read_file(p.bpe_path, MAX_BPE_FILE, "the size limit for a BPE merges file", &gz,
                           &size, err);
        if (st == FC_OK) st = fc__bpe_load_gz(gz, size, &t->bpe, err);
        free(gz);
    } else {
        st = fc__bpe_load_gz(fc__bpe_gz, (size_t)(fc__bpe_gz_end - fc__bpe_gz), &t->bpe, err);
    }
    if (st == FC_OK) st = fc__wordcache_build(t->bpe, &t->words, err);
    if (st != FC_OK) {
        fc__bpe_free(t->bpe);
        free(t);
        return st;
    }
    t->magic = TOKENIZER_MAGIC;
    *out = t;
    return FC_OK;
}

void fc_tokenizer_free(fc_tokenizer *tokenizer)
{
    if (tokenizer == NULL || tokenizer->magic != TOKENIZER_MAGIC) return;
    tokenizer->magic = 0;
    fc__bpe_free(tokenizer->bpe);
    fc__wordcache_free(tokenizer->words);
    free(tokenizer);
}

/* Pieces whose UTF-8 fits in this many bytes (nearly all) are encoded in
 * arrays on the stack; longer ones in heap arrays grown as needed. */
#define PIECE_INLINE 128

/* Per-call working memory: nothing is shared between calls. */
typedef struct scratch {
    fc__u32buf text;
    uint8_t *bytes; /* heap arrays for long pieces, `cap` values each */
    int32_t *ids, *ranks;
    size_t cap;
    uint8_t bytes_in[PIECE_INLINE];
    int32_t ids_in[PIECE_INLINE], ranks_in[PIECE_INLINE];
} scratch;

static int reserve(scratch *s, size_t m)
{
    if (m <= s->cap) return 0;
    uint8_t *b = realloc(s->bytes, m);
    if (b == NULL) return -1;
    s->bytes = b;
    int32_t *i = realloc(s->ids, m * sizeof *i);
    if (i == NULL) return -1;
    s->ids = i;
    int32_t *r = realloc(s->ranks, m * sizeof *r);
    if (r == NULL) return -1;
    s->ranks = r;
    s->cap = m;
    return 0;
}

/* Splits and BPE-encodes the cleaned text into ids[1 .. limit]; sets *count
 * to the number of text tokens found, stopping as soon as there are more
 * than `limit`. */
static fc_status encode(const fc_tokenizer *tok, scratch *s, int32_t *ids, size_t limit,
                        size_t *count, fc_error *err)
{
    size_t pos = 0, start, end, n = 0;
    fc__piece_kind kind;
    while (n <= limit && fc__next_piece(s->text.v, s->text.n, &pos, &start, &end, &kind)) {
        if (kind != FC__PIECE_TEXT) {
            if (n < limit) ids[1 + n] = kind == FC__PIECE_START ? FC__SOT_ID : FC__EOT_ID;
            n++;
            continue;
        }
        uint8_t *bytes = s->bytes_in;
        int32_t *word_ids = s->ids_in, *ranks = s->ranks_in;
        if (end - start > PIECE_INLINE / 4) {
            if (reserve(s, 4 * (end - start)) != 0)
                return fc__fail(err, FC_ERR_OUT_OF_MEMORY, "out of memory tokenizing");
            bytes = s->bytes;
            word_ids = s->ids;
            ranks = s->ranks;
        }
        size_t m = 0;
        for (size_t i = start; i < end; i++) {
            uint32_t c = s->text.v[i];
            if (c < 0x80) bytes[m++] = (uint8_t)c;
            else m += fc__utf8_encode(c, bytes + m);
        }
        const int32_t *word;
        size_t k = fc__wordcache_find(tok->words, bytes, m, &word);
        if (k == 0) {
            k = fc__bpe_word(tok->bpe, bytes, m, word_ids, ranks);
            word = word_ids;
        }
        for (size_t i = 0; i < k; i++, n++)
            if (n < limit) ids[1 + n] = word[i];
    }
    *count = n;
    return FC_OK;
}

fc_status fc_tokenize(const fc_tokenizer *tokenizer, const char *text, int context_length,
                      fc_truncation truncation, int32_t *ids, size_t ids_len,
                      size_t *n_tokens, fc_error *err)
{
    fc__clear(err);
    if (n_tokens != NULL) *n_tokens = 0;
    if (tokenizer == NULL || tokenizer->magic != TOKENIZER_MAGIC)
        return fc__fail(err, FC_ERR_INVALID_ARGUMENT, "tokenizer is NULL or not a tokenizer");
    if (text == NULL) return fc__fail(err, FC_ERR_INVALID_ARGUMENT, "text is NULL");
    if (ids == NULL) return fc__fail(err, FC_ERR_INVALID_ARGUMENT, "ids is NULL");
    if (context_length < 2)
        return fc__fail(err, FC_ERR_INVALID_ARGUMENT, "context_length is %d; it must be at "
                        "least 2 (the start and end tokens)", context_length);
    if (truncation != FC_TRUNCATE && truncation != FC_NO_TRUNCATE)
        return fc__fail(err, FC_ERR_INVALID_ARGUMENT, "truncation is %d; use FC_TRUNCATE "
                        "or FC_NO_TRUNCATE", (int)truncation);
    if (ids_len < (size_t)context_length)
        return fc__fail(err, FC_ERR_BUFFER_TOO_SMALL, "ids holds %zu values; context_length "
                        "%d needs %d", ids_len, context_length, context_length);
    scratch s;
    memset(&s, 0, offsetof(scratch, bytes_in)); /* the inline arrays need no zeros */
    fc_status st = fc__utf8_decode(text, &s.text, err);
    if (st == FC_OK && fc__clip_clean(&s.text) != 0)
        st = fc__fail(err, FC_ERR_OUT_OF_MEMORY, "out of memory cleaning text");
    size_t limit = (size_t)context_length - 2, count = 0;
    if (st == FC_OK) st = encode(tokenizer, &s, ids, limit, &count, err);
    if (st == FC_OK && count > limit && truncation == FC_NO_TRUNCATE)
        st = fc__fail(err, FC_ERR_TEXT_TOO_LONG, "text has more than %zu tokens; a context "
                      "of %d holds %zu besides the start and end tokens", limit,
                      context_length, limit);
    free(s.text.v);
    free(s.bytes);
    free(s.ids);
    free(s.ranks);
    if (st != FC_OK) {
        memset(ids, 0, (size_t)context_length * sizeof *ids);
        return st;
    }
    size_t used = count < limit ? count : limit;
    ids[0] = FC__SOT_ID;
    ids[1 + used] = FC__EOT_ID;
    for (size_t i = used + 2; i < (size_t)context_length; i++) ids[i] = 0;
    if (n_tokens != NULL) *n_tokens = used + 2;
    return FC_OK;
}
