"""The package's mirror of fastclip.h: struct layouts (against the C
compiler), status values, the version, and how the library is called."""
import ctypes
import re

import fastclip
from fastclip import _lib

from conftest import STRUCT_FIELDS


def test_struct_layouts_match_the_header(c_layout):
    for name, fields in STRUCT_FIELDS.items():
        cls = _lib.STRUCTS[name]
        assert [f[0] for f in cls._fields_] == fields, name
        want = c_layout[name]
        assert ctypes.sizeof(cls) == want["sizeof"], name
        for f in fields:
            desc = getattr(cls, f)
            assert (desc.offset, desc.size) == want[f], (name, f)


def test_struct_fields_cover_the_header(header_text):
    """STRUCT_FIELDS (which the layout checks above and in test_pkg_cffi.py
    walk) names every field of every struct of fastclip.h, in order, so a
    field added to the header fails here until the package mirrors it."""
    no_comments = re.sub(r"/\*.*?\*/", " ", header_text, flags=re.S)
    bodies = dict((m.group(1), m.group(2)) for m in re.finditer(
        r"typedef struct (fc_\w+) \{(.*?)\} \1;", no_comments, re.S))
    assert set(bodies) == set(STRUCT_FIELDS), set(bodies) ^ set(STRUCT_FIELDS)
    for name, body in bodies.items():
        fields = []
        for decl in filter(None, (d.strip() for d in body.split(";"))):
            declarators = decl.split(",")
            first = declarators[0].split()[-1]
            for d in [first] + declarators[1:]:
                fields.append(re.match(r"\**\s*(\w+)", d.strip()).group(1))
        assert fields == STRUCT_FIELDS[name], name
    assert STRUCT_FIELDS["fc_model_params"][-2:] == ["precision", "cuda_graphs"]


def test_statuses_match_the_header(header_text):
    body = header_text[header_text.index("typedef enum fc_status"):]
    body = body[:body.index("} fc_status;")]
    values = dict((m.group(1), int(m.group(2)))
                  for m in re.finditer(r"FC_(?:ERR_)?([A-Z0-9_]+) = (\d+)", body))
    assert values == {s.name: s.value for s in fastclip.Status}
    for s in fastclip.Status:
        assert fastclip.status_name(s) != "unknown status", s
    assert fastclip.status_name(999) == "unknown status"


def test_enum_values_match_the_header(header_text):
    for name, value in [("FC_ORDER_PIL", _lib.ORDER_PIL), ("FC_ORDER_RGB_FIRST", _lib.ORDER_RGB_FIRST),
                        ("FC_TRUNCATE", _lib.TRUNCATE), ("FC_NO_TRUNCATE", _lib.NO_TRUNCATE),
                        ("FC_IMAGE_FILE", _lib.IMAGE_FILE), ("FC_IMAGE_MEMORY", _lib.IMAGE_MEMORY),
                        ("FC_IMAGE_PIXELS", _lib.IMAGE_PIXELS), ("FC_PIXEL_GRAY8", _lib.PIXEL_GRAY8),
                        ("FC_PIXEL_GRAYA8", _lib.PIXEL_GRAYA8), ("FC_PIXEL_RGB8", _lib.PIXEL_RGB8),
                        ("FC_PIXEL_RGBA8", _lib.PIXEL_RGBA8), ("FC_PIXEL_BGR8", _lib.PIXEL_BGR8),
                        ("FC_PIXEL_BGRA8", _lib.PIXEL_BGRA8),
                        ("FC_KERNELS_FAST", _lib.KERNELS_FAST),
                        ("FC_KERNELS_REFERENCE", _lib.KERNELS_REFERENCE)]:
        m = re.search(r"\b%s = (\d+)" % name, header_text)
        assert m and int(m.group(1)) == value, name
    m = re.search(r"#define FC_ERROR_MESSAGE_SIZE (\d+)", header_text)
    assert int(m.group(1)) == _lib.ERROR_MESSAGE_SIZE


def test_every_public_function_has_a_prototype(header_text):
    declared = set(re.findall(r"FC_API\s+[^;(]*?\b(fc_\w+)\s*\(", header_text))
    assert declared == set(_lib.PROTOTYPES), declared ^ set(_lib.PROTOTYPES)


def test_versions(header_text):
    v = [re.search(r"#define FC_VERSION_%s (\d+)" % k, header_text).group(1)
         for k in ("MAJOR", "MINOR", "PATCH")]
    assert fastclip.__version__ == ".".join(v)
    assert fastclip.version() == ".".join(v)
    assert _lib.SONAME == "libfastclip.so.%s" % v[0]


def test_calls_release_the_gil():
    """ctypes.CDLL functions drop the GIL for the call; PyDLL ones (flag
    FUNCFLAG_PYTHONAPI) would keep it."""
    lib = _lib.load()
    assert type(lib) is ctypes.CDLL
    for name in _lib.PROTOTYPES:
        assert not getattr(lib, name)._flags_ & ctypes._FUNCFLAG_PYTHONAPI, name
