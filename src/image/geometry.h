/* Where torchvision's Resize(n) and CenterCrop(n) put things: the resized
 * size (shorter side to n, longer side truncated) and the crop offsets
 * (Python's round, which rounds halves to even). */
#ifndef FC_IMAGE_GEOMETRY_H
#define FC_IMAGE_GEOMETRY_H

#include <stdint.h>

#include "fastclip.h"

typedef struct fc__geometry {
    int in_w, in_h;        /* decoded size                                   */
    int64_t out_w, out_h;  /* size after Resize(n)                           */
    int resize;            /* 0 when torchvision passes the image through    */
    int64_t left, top;     /* CenterCrop offsets, in resized coordinates     */
    int n;
} fc__geometry;

/* Plans Resize(n) + CenterCrop(n) for a width x height image. Fails with
 * FC_ERR_TOO_LARGE when the resized image is one Pillow cannot allocate
 * (a side over INT_MAX), so that we never succeed where Pillow raises. */
fc_status fc__geometry_plan(int width, int height, int n, fc__geometry *g,
                            fc_error *err);

/* Python's int(round(d / 2.0)) for d >= 0. */
int64_t fc__round_half_even_half(int64_t d);

#endif
