#!/usr/bin/env python3
"""Inputs and checks of the string tests of kiln-fake-strings (fake_strings.c).

usage: strings.py make OUTDIR
       strings.py check TEXT NUM COPY NORMALIZED FORMATTED PARSED

make writes into OUTDIR:
  text.npy (<U), text_S.npy (|S), text.pb, num.npy, num.pb   good inputs
  text_stop.npy     every string a stopword (normalized: one empty string)
  text_long.npy     strings that overflow the model's 64-byte string arena
  text_bad_dims.npy text[0] == "__BAD_DIMS__": the model reports 7 strings
  text_nul.pb       a string with an embedded NUL byte
  text_nul.npy      the same in a <U array
  text_badcp.npy    a <U array holding a surrogate code point
  text_be.npy       a big-endian >U array
  text_invalid.pb   a string that is not UTF-8 (b"\\xff")
  text_short.pb     5 strings for a 2x3 tensor
  text_raw.pb       a STRING tensor with raw_data
  num_strings.pb    a FLOAT tensor with its values in string_data
check computes the model's outputs from the inputs TEXT and NUM in Python
(str.upper, str(np.float32), float()) and compares them with the output
files (.npy or .pb, by extension): dtype, shape and values. Prints
'ok: FILE' for each.
"""
import math
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

TEXT = [["monday", "\u00c9t\u00e9", " -2.5e3 "],
        ["ma\u00f1ana", "TUESDAY", "inf"]]
NUM = np.array([0.1, 1e-5, 12345678.0, -np.inf], dtype=np.float32)
STOPWORDS = {"monday", "tuesday"}


def save_npy(path, arr):
    with open(path, "wb") as f:
        np.lib.format.write_array(f, arr, allow_pickle=False)


def save_str_pb(path, name, shape, values):
    t = helper.make_tensor(name, TensorProto.STRING, shape, values)
    with open(path, "wb") as f:
        f.write(t.SerializeToString())


def make(out):
    os.makedirs(out, exist_ok=True)
    p = lambda n: os.path.join(out, n)
    text = np.array(TEXT)
    save_npy(p("text.npy"), text)
    save_npy(p("text_S.npy"), np.array([[s.encode() for s in r] for r in TEXT],
                                       dtype="S"))
    save_str_pb(p("text.pb"), "text", [2, 3],
                [s.encode() for r in TEXT for s in r])
    save_npy(p("num.npy"), NUM)
    with open(p("num.pb"), "wb") as f:
        f.write(helper.make_tensor("num", TensorProto.FLOAT, [4],
                                   NUM.tolist()).SerializeToString())
    save_npy(p("text_stop.npy"),
             np.array([["Monday", "tuesday", "MONDAY"],
                       ["TuesDay", "monday", "tuesday"]]))
    save_npy(p("text_long.npy"),
             np.array([["x" * 40, "y" * 40, "z"], ["a", "b", "c"]]))
    bad = np.array(TEXT, dtype="<U16")
    bad[0, 0] = "__BAD_DIMS__"
    save_npy(p("text_bad_dims.npy"), bad)
    save_str_pb(p("text_nul.pb"), "text", [2, 3],
                [b"a", b"b\x00c", b"d", b"e", b"f", b"g"])
    save_npy(p("text_nul.npy"), np.array([["a", "b\x00c", "d"],
                                          ["e", "f", "g"]]))
    # A surrogate code point: numpy cannot build it from str, write the
    # UTF-32 bytes directly.
    cps = np.zeros((2, 3, 1), dtype="<u4")
    cps[...] = ord("a")
    cps[0, 1, 0] = 0xD800
    save_npy(p("text_badcp.npy"), cps.view("<U1").reshape(2, 3))
    save_npy(p("text_be.npy"), text.astype(">U8"))
    save_str_pb(p("text_invalid.pb"), "text", [2, 3],
                [b"\xff", b"b", b"c", b"d", b"e", b"f"])
    t = helper.make_tensor("text", TensorProto.STRING, [5], [b"a"] * 5)
    t.dims[:] = [2, 3]
    with open(p("text_short.pb"), "wb") as f:
        f.write(t.SerializeToString())
    t = TensorProto()
    t.name, t.data_type = "text", TensorProto.STRING
    t.dims.extend([2, 3])
    t.raw_data = b"abcdef"
    with open(p("text_raw.pb"), "wb") as f:
        f.write(t.SerializeToString())
    t = TensorProto()
    t.name, t.data_type = "num", TensorProto.FLOAT
    t.dims.extend([4])
    t.string_data.extend([b"1", b"2", b"3", b"4"])
    with open(p("num_strings.pb"), "wb") as f:
        f.write(t.SerializeToString())


def load(path):
    """(numpy kind, shape, list of str or float) of an output file."""
    if path.lower().endswith(".pb"):
        t = onnx.load_tensor(path)
        shape = tuple(t.dims)
        if t.data_type == TensorProto.STRING:
            return "U", shape, [s.decode() for s in t.string_data]
        a = numpy_helper.to_array(t)
        return a.dtype.str, shape, a.ravel().tolist()
    a = np.load(path, allow_pickle=False)
    kind = "U" if a.dtype.kind == "U" else a.dtype.str
    return kind, a.shape, a.ravel().tolist()


def parse(s):
    try:
        return float(np.float32(float(s.strip())))
    except ValueError:
        return math.nan


def check(text_path, num_path, outs):
    if text_path.endswith(".pb"):
        text = [s.decode() for s in onnx.load_tensor(text_path).string_data]
    else:
        text = [s.decode() if isinstance(s, bytes) else s
                for s in np.load(text_path).ravel().tolist()]
    num = np.load(num_path).ravel()
    normalized = [s.upper() for s in text if s.lower() not in STOPWORDS]
    expected = [
        ("U", (2, 3), text),
        ("U", (len(normalized) or 1,), normalized or [""]),
        ("U", (4,), [str(x) for x in num]),
        ("<f4", (2, 3), [parse(s) for s in text]),
    ]
    for path, (kind, shape, values) in zip(outs, expected):
        got = load(path)
        same = got[0] == kind and got[1] == shape and len(got[2]) == len(values)
        for a, b in zip(got[2], values):
            if isinstance(b, float):
                same &= (math.isnan(a) and math.isnan(b)) or a == b
            else:
                same &= a == b
        if not same:
            sys.exit("%s: got %r, expected %r" % (path, got,
                                                  (kind, shape, values)))
        print("ok: %s" % os.path.basename(path))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "make":
        make(sys.argv[2])
    elif len(sys.argv) == 8 and sys.argv[1] == "check":
        check(sys.argv[2], sys.argv[3], sys.argv[4:])
    else:
        sys.exit(__doc__)
