/* Data tables taken from Python's html module, ftfy 6.3.1 and the regex
 * module (generated into tables.c by gen_tables.py; sorted by key). */
#ifndef FC_TEXT_TABLES_H
#define FC_TEXT_TABLES_H

#include <stddef.h>
#include <stdint.h>

typedef struct fc__entity {
    const char *name;  /* without '&'; html5 names keep their ';' */
    uint32_t cp[3];    /* one to three code points, zero-terminated */
} fc__entity;

typedef struct fc__cpmap {
    uint32_t from;
    uint32_t to[2]; /* zero-terminated when shorter */
} fc__cpmap;

typedef struct fc__ligature {
    uint32_t from;
    uint32_t to[3]; /* zero-terminated when shorter */
} fc__ligature;

extern const fc__entity fc__html5_entities[];
extern const size_t fc__html5_entity_count;
extern const fc__entity fc__ftfy_upper_entities[];
extern const size_t fc__ftfy_upper_entity_count;
extern const fc__cpmap fc__ftfy_width_map[];
extern const size_t fc__ftfy_width_map_count;
extern const fc__ligature fc__ftfy_ligatures[];
extern const size_t fc__ftfy_ligature_count;
extern const uint32_t fc__sloppy_cp1252_c1[32];
extern const uint32_t fc__regex_space[];
extern const size_t fc__regex_space_count;
extern const uint32_t fc__py_space[];
extern const size_t fc__py_space_count;
extern const uint32_t fc__html_invalid_codepoints[];
extern const size_t fc__html_invalid_codepoint_count;

#endif
