/* The tokenizer's API contract: argument checks, invalid UTF-8, context
 * lengths, truncation, a bad merges file, and one tokenizer used from 8
 * threads at once giving the serial results; and the shortcuts' internals:
 * the word cache agrees with the merge loop, and text the ftfy step skips
 * as inert is text ftfy's fixers leave alone. Conformance with OpenAI's
 * tokenizer is tests/python/test_tokenizer.py. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fastclip.h"
#include "tokenizer/bpe.h"
#include "tokenizer/bpe_data.h"
#include "tokenizer/ftfy.h"
#include "tokenizer/ftfy_inert.h"
#include "tokenizer/wordcache.h"

#define CTX 77
#define SOT 49406
#define EOT 49407

static fc_tokenizer *tok;

static void test_create(void)
{
    fc_error err;
    fc_tokenizer *t = (fc_tokenizer *)1;
    CHECK(fc_tokenizer_new(NULL, NULL, &err) == FC_ERR_INVALID_ARGUMENT);
    fc_tokenizer_params p;
    CHECK(fc_tokenizer_params_init(NULL, sizeof p) == FC_ERR_INVALID_ARGUMENT);
    CHECK(fc_tokenizer_params_init(&p, 4) == FC_ERR_INVALID_ARGUMENT);
    CHECK(fc_tokenizer_params_init(&p, sizeof p) == FC_OK && p.bpe_path == NULL);
    p.struct_size = 3;
    CHECK(fc_tokenizer_new(&p, &t, &err) == FC_ERR_INVALID_ARGUMENT && t == NULL);
    fc_tokenizer_params_init(&p, sizeof p);
    p.bpe_path = "/nonexistent/bpe.txt.gz";
    CHECK(fc_tokenizer_new(&p, &t, &err) == FC_ERR_IO && t == NULL);
    CHECK(strstr(err.message, "/nonexistent/bpe.txt.gz") != NULL);
    p.bpe_path = "Makefile"; /* not gzip */
    CHECK(fc_tokenizer_new(&p, &t, &err) == FC_ERR_CORRUPT && t == NULL);
    p.bpe_path = "../shared/clip/bpe_simple_vocab_16e6.txt.gz";
    FILE *f = fopen(p.bpe_path, "rb");
    if (f != NULL) {
        fclose(f);
        CHECK(fc_tokenizer_new(&p, &t, &err) == FC_OK && t != NULL);
        int32_t a[CTX], b[CTX];
        CHECK(fc_tokenize(t, "a photo of a cat", CTX, FC_TRUNCATE, a, CTX, NULL, &err) == FC_OK);
        CHECK(fc_tokenize(tok, "a photo of a cat", CTX, FC_TRUNCATE, b, CTX, NULL, &err) == FC_OK);
        CHECK(memcmp(a, b, sizeof a) == 0);
        fc_tokenizer_free(t);
    }
    fc_tokenizer_free(NULL);
}

static void test_arguments(void)
{
    fc_error err;
    int32_t ids[CTX + 8];
    size_t n = 99;
    CHECK(fc_tokenize(NULL, "x", CTX, FC_TRUNCATE, ids, CTX, &n, &err) == FC_ERR_INVALID_ARGUMENT);
    CHECK(n == 0 && err.status == FC_ERR_INVALID_ARGUMENT && err.message[0] != '\0');
    CHECK(fc_tokenize(tok, NULL, CTX, FC_TRUNCATE, ids, CTX, NULL, &err) == FC_ERR_INVALID_ARGUMENT);
    CHECK(fc_tokenize(tok, "x", CTX, FC_TRUNCATE, NULL, CTX, NULL, &err) == FC_ERR_INVALID_ARGUMENT);
    CHECK(fc_tokenize(tok, "x", 1, FC_TRUNCATE, ids, CTX, NULL, &err) == FC_ERR_INVALID_ARGUMENT);
    CHECK(fc_tokenize(tok, "x", 0, FC_TRUNCATE, ids, CTX, NULL, &err) == FC_ERR_INVALID_ARGUMENT);
    CHECK(fc_tokenize(tok, "x", -5, FC_TRUNCATE, ids, CTX, NULL, &err) == FC_ERR_INVALID_ARGUMENT);
    CHECK(fc_tokenize(tok, "x", CTX, (fc_truncation)7, ids, CTX, NULL, &err) == FC_ERR_INVALID_ARGUMENT);
    CHECK(fc_tokenize(tok, "x", CTX, FC_TRUNCATE, ids, CTX - 1, NULL, &err) == FC_ERR_BUFFER_TOO_SMALL);
    CHECK(strstr(err.message, "77") != NULL);
    /* err may be NULL */
    CHECK(fc_tokenize(tok, NULL, CTX, FC_TRUNCATE, ids, CTX, NULL, NULL) == FC_ERR_INVALID_ARGUMENT);
    CHECK(fc_tokenize(tok, "x", CTX, FC_TRUNCATE, ids, CTX + 8, &n, &err) == FC_OK);
    CHECK(n == 3 && ids[0] == SOT && ids[2] == EOT && ids[3] == 0 && err.status == FC_OK);
    CHECK(fc_tokenize(tok, "", CTX, FC_TRUNCATE, ids, CTX, &n, &err) == FC_OK);
    CHECK(n == 2 && ids[0] == SOT && ids[1] == EOT && ids[76] == 0);
    CHECK(fc_tokenize(tok, "a cat", 2, FC_TRUNCATE, ids, 2, &n, &err) == FC_OK);
    CHECK(n == 2 && ids[0] == SOT && ids[1] == EOT);
    CHECK(fc_tokenize(tok, "a cat", 2, FC_NO_TRUNCATE, ids, 2, &n, &err) == FC_ERR_TEXT_TOO_LONG);
}

static void test_invalid_utf8(void)
{
    static const struct { const char *text; const char *at; } cases[] = {
        {"ab\xC0\xAF", "byte 2"},          /* overlong '/' */
        {"\xE0\x80\x80", "byte 0"},        /* overlong NUL */
        {"x\xED\xA0\x80", "byte 1"},       /* surrogate */
        {"\xED\xBF\xBF", "byte 0"},        /* surrogate */
        {"abc\xE2\x82", "byte 3"},         /* truncated */
        {"\xF0\x9F\x99", "byte 0"},        /* truncated */
        {"\xF4\x90\x80\x80", "byte 0"},    /* over U+10FFFF */
        {"\xF8\x88\x80\x80\x80", "byte 0"},/* 5-byte form */
        {"ok \x80", "byte 3"},             /* stray continuation */
        {"\xFF", "byte 0"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fc_error err;
        int32_t ids[CTX];
        ids[0] = 123;
        CHECK(fc_tokenize(tok, cases[i].text, CTX, FC_TRUNCATE, ids, CTX, NULL, &err) ==
              FC_ERR_INVALID_UTF8);
        CHECK(strstr(err.message, cases[i].at) != NULL);
        CHECK(ids[0] == 0);
    }
}

static void test_truncation(void)
{
    char text[4096] = "";
    for (int i = 0; i < 200; i++) strcat(text, "word ");
    fc_error err;
    int32_t ids[CTX], one[CTX];
    size_t n;
    CHECK(fc_tokenize(tok, "word", CTX, FC_TRUNCATE, one, CTX, NULL, &err) == FC_OK);
    CHECK(fc_tokenize(tok, text, CTX, FC_TRUNCATE, ids, CTX, &n, &err) == FC_OK);
    CHECK(n == CTX && ids[0] == SOT && ids[CTX - 1] == EOT && ids[CTX - 2] == one[1]);
    CHECK(fc_tokenize(tok, text, CTX, FC_NO_TRUNCATE, ids, CTX, &n, &err) == FC_ERR_TEXT_TOO_LONG);
    CHECK(strstr(err.message, "75") != NULL);
    /* exactly 75 text tokens fit */
    text[75 * 5] = '\0';
    CHECK(fc_tokenize(tok, text, CTX, FC_NO_TRUNCATE, ids, CTX, &n, &err) == FC_OK);
    CHECK(n == CTX && ids[CTX - 1] == EOT && ids[CTX - 2] == one[1]);
}

#define THREADS 8
static const char *const texts[] = {
    "a photo of a cat", "Ã©tÃ© &amp; caf&eacute;", "東京タワーの写真 🙂👨‍👩‍👧‍👦",
    "ΟΔΟΣ Привет мир", "it's 3.14159 o'clock!!!", "", "   \t\n ", "ﬁne “quotes”",
};
#define NTEXTS (sizeof texts / sizeof texts[0])
static int32_t serial[NTEXTS][CTX];

static void *worker(void *arg)
{
    int *bad = arg;
    for (int round = 0; round < 50; round++)
        for (size_t i = 0; i < NTEXTS; i++) {
            int32_t ids[CTX];
            fc_error err;
            if (fc_tokenize(tok, texts[i], CTX, FC_TRUNCATE, ids, CTX, NULL, &err) != FC_OK ||
                memcmp(ids, serial[i], sizeof ids) != 0)
                (*bad)++;
        }
    return NULL;
}

static void test_threads(void)
{
    for (size_t i = 0; i < NTEXTS; i++)
        CHECK(fc_tokenize(tok, texts[i], CTX, FC_TRUNCATE, serial[i], CTX, NULL, NULL) == FC_OK);
    pthread_t th[THREADS];
    int bad[THREADS] = {0};
    for (int i = 0; i < THREADS; i++) CHECK(pthread_create(&th[i], NULL, worker, &bad[i]) == 0);
    for (int i = 0; i < THREADS; i++) {
        pthread_join(th[i], NULL);
        CHECK(bad[i] == 0);
    }
}

/* Every inert code point, in runs of 64, alone after a mojibake lead
 * (Ã, â: bytes 0xC3, 0xE2) and between letters, goes through all of
 * ftfy's fixers unchanged. */
static int fixers_keep(const uint32_t *cps, size_t n)
{
    fc__u32buf t = {0};
    int same = fc__u32_append(&t, cps, n) == 0 && fc__ftfy_fix_text(&t) == 0 && t.n == n &&
               memcmp(t.v, cps, n * sizeof *cps) == 0;
    fc__u32_free(&t);
    return same;
}

static void test_ftfy_inert(void)
{
    uint32_t run[64];
    size_t n = 0, inert = 0, kept_alone = 0, kept_runs = 1;
    for (uint32_t c = 0; c <= 0x10FFFF; c++) {
        if ((c >= 0xD800 && c <= 0xDFFF) || !fc__ftfy_inert(c)) continue;
        inert++;
        run[n++] = c;
        if (n == 64) {
            kept_runs &= fixers_keep(run, n);
            n = 0;
        }
        uint32_t lead_c[] = {0xC3, c}, lead2_c[] = {0xE2, c, c}, word[] = {'e', c, 'x', c};
        kept_alone += fixers_keep(lead_c, 2) && fixers_keep(lead2_c, 3) && fixers_keep(word, 4);
    }
    kept_runs &= fixers_keep(run, n);
    CHECK(inert > 20000); /* ASCII, Latin, CJK, kana, emoji */
    CHECK(kept_runs);
    CHECK(kept_alone == inert);
    /* characters some fixer changes are not inert */
    static const uint32_t touched[] = {'&', '\r', 0x7F, 0x85, 0xA9, 0xBF, 0x153, 0x2BC, 0x301,
                                       0x2019, 0x3000, 0xFB01, 0xFF21, 0xFEFF};
    for (size_t i = 0; i < sizeof touched / sizeof touched[0]; i++)
        CHECK(!fc__ftfy_inert(touched[i]));
    const uint32_t caption[] = {'C', 'a', 'f', 0xE9, ' ', 0x6771, 0x4EAC, ' ', 0x1F642, '\n'};
    CHECK(fc__ftfy_inert_text(caption, 10));
    const uint32_t mojibake[] = {'c', 'a', 'f', 0xC3, 0xA9};
    CHECK(!fc__ftfy_inert_text(mojibake, 5));
}

/* The cache's answer for a word is the merge loop's. */
static void test_word_cache(void)
{
    fc__bpe *bpe = NULL;
    fc__wordcache *cache = NULL;
    fc_error err;
    CHECK(fc__bpe_load_gz(fc__bpe_gz, (size_t)(fc__bpe_gz_end - fc__bpe_gz), &bpe, &err) == FC_OK);
    CHECK(bpe != NULL && fc__wordcache_build(bpe, &cache, &err) == FC_OK && cache != NULL);
    if (cache == NULL) {
        fc__bpe_free(bpe);
        return;
    }
    CHECK(fc__wordcache_size(cache) > 30000);
    const int32_t *got;
    int32_t ids[256], ranks[256];
    /* every byte alone is a word of the vocabulary */
    for (unsigned b = 0; b < 256; b++) {
        uint8_t byte = (uint8_t)b;
        CHECK(fc__wordcache_find(cache, &byte, 1, &got) == 1 &&
              fc__bpe_word(bpe, &byte, 1, ids, ranks) == 1 && got[0] == ids[0]);
    }
    static const char *const words[] = {"photo", "a", "caf\xC3\xA9", ".", "'s", "diagram",
                                        "\xF0\x9F\x99\x82", "r\xC3\xA9sum\xC3\xA9",
                                        "\xE6\x9D\xB1\xE4\xBA\xAC", "zzqxj", "photos"};
    size_t hits = 0;
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        const uint8_t *w = (const uint8_t *)words[i];
        size_t m = strlen(words[i]);
        size_t k = fc__wordcache_find(cache, w, m, &got), want = fc__bpe_word(bpe, w, m, ids, ranks);
        if (k == 0) continue; /* not cached: the merge loop handles it */
        hits++;
        CHECK(k == want && memcmp(got, ids, k * sizeof *ids) == 0);
    }
    CHECK(hits >= 7);
    const uint8_t photo[] = "photo";
    CHECK(fc__wordcache_find(cache, photo, 5, &got) == 1 && got[0] == 1125);
    /* a prefix is another key: "phot" is not "photo" */
    CHECK(fc__wordcache_find(cache, photo, 4, &got) == 0 || got[0] != 1125);
    fc__wordcache_free(cache);
    fc__bpe_free(bpe);
}

/* Pieces longer than the stack arrays' 32 code points take the heap path;
 * their ids are the merge loop's, whether cached or not. */
static void test_long_pieces(void)
{
    fc__bpe *bpe = NULL;
    fc_error err;
    CHECK(fc__bpe_load_gz(fc__bpe_gz, (size_t)(fc__bpe_gz_end - fc__bpe_gz), &bpe, &err) == FC_OK);
    if (bpe == NULL) return;
    static const char *const unit[] = {"ab", "\xC3\xA9", "\xE6\x9D\xB1", "\xF0\x9F\x99\x82"};
    for (size_t u = 0; u < 4; u++)
        for (size_t reps = 15; reps <= 70; reps += 11) {
            char text[512] = "";
            for (size_t r = 0; r < reps; r++) strcat(text, unit[u]);
            size_t m = strlen(text);
            int32_t want[512], ranks[512], ids[200];
            size_t k = fc__bpe_word(bpe, (const uint8_t *)text, m, want, ranks), n;
            CHECK(fc_tokenize(tok, text, 200, FC_TRUNCATE, ids, 200, &n, &err) == FC_OK);
            CHECK(n == k + 2 && memcmp(ids + 1, want, k * sizeof *want) == 0);
        }
    fc__bpe_free(bpe);
}

int main(void)
{
    fc_error err;
    CHECK(fc_tokenizer_new(NULL, &tok, &err) == FC_OK);
    if (tok == NULL) return check_summary("test_tokenizer");
    test_create();
    test_arguments();
    test_invalid_utf8();
    test_truncation();
    test_threads();
    test_ftfy_inert();
    test_word_cache();
    test_long_pieces();
    fc_tokenizer_free(tok);
    return check_summary("test_tokenizer");
}
