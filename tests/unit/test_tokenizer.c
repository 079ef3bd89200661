/* The tokenizer's API contract: argument checks, invalid UTF-8, context
 * lengths, truncation, a bad merges file, and one tokenizer used from 8
 * threads at once giving the serial results. Conformance with OpenAI's
 * tokenizer is tests/python/test_tokenizer.py. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fastclip.h"

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
    fc_tokenizer_free(tok);
    return check_summary("test_tokenizer");
}
