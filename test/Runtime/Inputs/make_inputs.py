#!/usr/bin/env python3
"""Writes the input files of the test/Runtime lit tests into a directory.

usage: make_inputs.py OUTDIR

For kiln-fake-model (inputs a: float32 2x3, b: int64 3; outputs y = a + 1,
z = b * 2):
  a.npy b.npy            good inputs (.npy 1.0); a_v2.npy a_v3.npy: 2.0/3.0
  a.pb b.pb              TensorProto with raw_data (numpy_helper.from_array)
  a_typed.pb b_typed.pb  TensorProto with float_data / int64_data (packed)
  a_hand.pb b_hand.pb    hand-encoded TensorProto: packed dims, values split
                         over packed and unpacked runs, unknown fields of
                         every wire type (incl. groups) before and after
  ref_y.npy ref_z.npy    the expected outputs
  b_fail.npy             b[0] == -7 makes the fake model's run() fail
  bad files for the error tests (see BAD below)
For kiln-fake-identity (one input of each dtype, output = input):
  id_<name>.npy id_<name>.pb id_<name>_typed.pb id_<name>_hand.pb
  (bfloat16: id_bf16{,_typed,_hand}.pb only, reference id_bf16_ref.npy)
"""
import os
import struct
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUT = sys.argv[1]
os.makedirs(OUT, exist_ok=True)


def path(name):
    return os.path.join(OUT, name)


def write(name, data):
    with open(path(name), "wb") as f:
        f.write(data)


def save_npy(name, arr, version=None):
    with open(path(name), "wb") as f:
        np.lib.format.write_array(f, arr, version=version, allow_pickle=False)


def save_pb(name, tensor):
    write(name, tensor.SerializeToString())


# ---- A minimal protobuf encoder for hand-made TensorProtos ----------------

def varint(v):
    v &= (1 << 64) - 1
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def key(field, wt):
    return varint(field << 3 | wt)


def ld(field, payload):
    return key(field, 2) + varint(len(payload)) + payload


def unknown_fields():
    """One unknown field of each wire type, including nested groups (whose
    fields 1 and 2 must be skipped, not read as dims/data_type)."""
    return (key(100, 0) + varint(12345678901234) +
            key(101, 1) + struct.pack("<d", 2.5) +
            ld(102, b"unknown bytes") +
            key(103, 5) + struct.pack("<f", 1.5) +
            key(104, 3) + key(1, 0) + varint(5) + key(105, 3) +
            ld(2, b"x") + key(105, 4) + key(104, 4) +
            ld(12, b"doc string"))


ONNX_TYPE = {
    np.dtype("float32"): TensorProto.FLOAT,
    np.dtype("uint8"): TensorProto.UINT8,
    np.dtype("int8"): TensorProto.INT8,
    np.dtype("uint16"): TensorProto.UINT16,
    np.dtype("int16"): TensorProto.INT16,
    np.dtype("int32"): TensorProto.INT32,
    np.dtype("int64"): TensorProto.INT64,
    np.dtype("bool"): TensorProto.BOOL,
    np.dtype("float16"): TensorProto.FLOAT16,
    np.dtype("float64"): TensorProto.DOUBLE,
    np.dtype("uint32"): TensorProto.UINT32,
    np.dtype("uint64"): TensorProto.UINT64,
}


def hand_pb(name, arr, onnx_type=None):
    """TensorProto bytes, typed fields; first half packed, rest unpacked."""
    t = onnx_type or ONNX_TYPE[arr.dtype]
    flat = arr.reshape(-1)
    if arr.dtype == np.float32:
        field, pack, one = 4, lambda v: struct.pack("<f", v), 5
    elif arr.dtype == np.float64:
        field, pack, one = 10, lambda v: struct.pack("<d", v), 1
    elif arr.dtype == np.int64:
        field, pack, one = 7, lambda v: varint(int(v)), 0
    elif arr.dtype in (np.uint32, np.uint64):
        field, pack, one = 11, lambda v: varint(int(v)), 0
    elif arr.dtype == np.float16:
        field, pack, one = 5, lambda v: varint(int(v)), 0
        flat = flat.view(np.uint16)
    else:
        field, pack, one = 5, lambda v: varint(int(v)), 0
    half = len(flat) // 2
    body = unknown_fields()
    body += ld(1, b"".join(varint(d) for d in arr.shape))  # packed dims
    body += ld(8, name.encode())
    if half:
        body += ld(field, b"".join(pack(v) for v in flat[:half]))
    for v in flat[half:]:
        body += key(field, one) + pack(v)
    body += key(2, 0) + varint(t)
    body += unknown_fields()
    return body


# ---- kiln-fake-model -------------------------------------------------------

a = (np.arange(6, dtype=np.float32).reshape(2, 3) - 2.5) * 1.5
b = np.array([3, -4, 1 << 40], dtype=np.int64)
save_npy("a.npy", a, (1, 0))
save_npy("b.npy", b, (1, 0))
save_npy("a_v2.npy", a, (2, 0))
save_npy("a_v3.npy", a, (3, 0))
save_pb("a.pb", numpy_helper.from_array(a, "a"))
save_pb("b.pb", numpy_helper.from_array(b, "b"))
save_pb("a_typed.pb", helper.make_tensor("a", TensorProto.FLOAT, a.shape,
                                         a.reshape(-1).tolist()))
save_pb("b_typed.pb", helper.make_tensor("b", TensorProto.INT64, b.shape,
                                         b.tolist()))
write("a_hand.pb", hand_pb("a", a))
write("b_hand.pb", hand_pb("b", b))
save_npy("ref_y.npy", a + np.float32(1))
save_npy("ref_z.npy", b * 2)
save_npy("b_fail.npy", np.array([-7, 0, 0], dtype=np.int64))

# ---- Bad inputs ------------------------------------------------------------

for dt in ["float16", "float64", "int8", "int16", "int32", "int64", "uint8",
           "uint16", "uint32", "uint64", "bool"]:
    save_npy("a_%s.npy" % dt, a.astype(dt))
save_npy("a_3x2.npy", a.reshape(3, 2))
save_npy("a_6.npy", a.reshape(6))
save_npy("a_2x3x1.npy", a.reshape(2, 3, 1))
save_npy("a_scalar.npy", np.float32(1))
save_npy("a_fortran.npy", np.asfortranarray(a))
save_npy("a_bigendian.npy", a.astype(">f4"))
save_npy("a_structured.npy", np.zeros(2, dtype=[("x", "<f4"), ("y", "<i4")]))
save_npy("a_complex.npy", a.astype(np.complex64))
good = open(path("a.npy"), "rb").read()
write("a_trunc.npy", good[:-4])
write("a_extra.npy", good + b"\0\0\0")
write("a_header_trunc.npy", good[:40])
write("a_badheader.npy", b"\x93NUMPY\x01\x00\x20\x00" +
      b"{'descr': '<f4' 'shape': (2, 3)}".ljust(31) + b"\n")
write("a_badshape.npy", b"\x93NUMPY\x01\x00\x40\x00" +
      b"{'descr': '<f4', 'fortran_order': False, 'shape': (2, -3), }"
      .ljust(63) + b"\n")
write("a_badkey.npy", b"\x93NUMPY\x01\x00\x40\x00" +
      b"{'descr': '<f4', 'fortran_order': False, 'shape': (2,3), 'x': 1}"
      .ljust(63) + b"\n")
write("a_version9.npy", b"\x93NUMPY\x09\x00" + good[8:])
write("garbage.npy", b"this is not a numpy file\n" * 3)
write("garbage.pb", b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff")
write("empty.npy", b"")
write("empty.pb", b"")
write("a.txt", good)
goodpb = open(path("a.pb"), "rb").read()
write("a_trunc.pb", goodpb[:-5])
t = onnx.TensorProto()
t.name, t.data_type = "a", TensorProto.FLOAT
t.dims.extend([2, 3])
t.raw_data = a.tobytes()[:20]
save_pb("a_short.pb", t)
t = helper.make_tensor("a", TensorProto.FLOAT, [2, 3], [1.0] * 6)
del t.float_data[5:]
save_pb("a_typed_short.pb", t)
t = helper.make_tensor("a", TensorProto.FLOAT, [2, 3], [1.0] * 6)
t.int64_data.extend([1] * 6)
del t.float_data[:]
save_pb("a_wrongfield.pb", t)
t = helper.make_tensor("a", TensorProto.FLOAT, [2, 3], [1.0] * 6)
t.raw_data = a.tobytes()
save_pb("a_both.pb", t)
save_pb("a_double.pb", helper.make_tensor("a", TensorProto.DOUBLE, [2, 3],
                                          [1.0] * 6))
save_pb("a_string.pb", helper.make_tensor("a", TensorProto.STRING, [2],
                                          [b"x", b"y"]))
t = onnx.TensorProto()
t.name, t.data_type = "a", TensorProto.BFLOAT16
t.dims.extend([2, 3])
t.raw_data = b"\0" * 12
save_pb("a_bf16.pb", t)
t = onnx.TensorProto()
t.name, t.data_type = "a", TensorProto.COMPLEX64
t.dims.extend([2, 3])
t.raw_data = b"\0" * 48
save_pb("a_c64.pb", t)
t = onnx.TensorProto()
t.name, t.data_type = "a", TensorProto.FLOAT
t.dims.extend([2, 3])
t.data_location = TensorProto.EXTERNAL
e = t.external_data.add()
e.key, e.value = "location", "weights.bin"
save_pb("a_external.pb", t)
write("a_notype.pb", ld(9, a.tobytes()) + key(1, 0) + varint(2) +
      key(1, 0) + varint(3))
write("a_badwire.pb", goodpb + key(50, 7))
write("a_strayend.pb", goodpb + key(50, 4))
write("a_opengroup.pb", goodpb + key(50, 3) + key(1, 0) + varint(1))
write("a_negdim.pb", key(1, 0) + varint(-2) + key(1, 0) + varint(3) +
      key(2, 0) + varint(TensorProto.FLOAT))
write("a_hugedims.pb", b"".join(key(1, 0) + varint(1 << 40) for _ in range(4))
      + key(2, 0) + varint(TensorProto.FLOAT) + ld(9, b"\0" * 24))
write("a_wrongwire.pb", key(1, 5) + b"\0\0\0\0" +
      key(2, 0) + varint(TensorProto.FLOAT))

# ---- kiln-fake-identity: one input of each dtype ---------------------------

ID = [
    ("f32", np.array([0, -1.5, 3.25, 1e-8, 1e20, np.inf, -np.inf, np.nan,
                      0.1, -0.0, 7, 8, 9, 10, 11, 12, 13, 14],
                     dtype=np.float32).reshape(3, 6)),
    ("u8", np.array([0, 255] + list(range(1, 16)), dtype=np.uint8)),
    ("i8", np.array([-128, 127, -1] + list(range(14)), dtype=np.int8)),
    ("u16", np.array([0, 65535] + list(range(1, 16)), dtype=np.uint16)),
    ("i16", np.array([-32768, 32767, -1] + list(range(14)), dtype=np.int16)),
    ("i32", np.array([-2**31, 2**31 - 1, -1] + list(range(14)),
                     dtype=np.int32)),
    ("i64", np.array([-2**63, 2**63 - 1, -1, 0, 1, 2, 3, 4],
                     dtype=np.int64).reshape(2, 2, 2)),
    ("b", np.array([True, False, True, True] + [False] * 13, dtype=bool)),
    ("f16", np.array([0, -0.0, 1, 0.5, 65504, 2**-24, -2.5, np.inf, np.nan,
                      -np.inf, 2**-14, 3, 4, 5, 6, 7, 8], dtype=np.float16)),
    ("f64", np.array(3.141592653589793, dtype=np.float64)),
    ("u32", np.array([0, 2**32 - 1] + list(range(1, 16)), dtype=np.uint32)),
    ("u64", np.array([0, 2**64 - 1] + list(range(1, 16)), dtype=np.uint64)),
    ("empty", np.zeros((2, 0), dtype=np.float32)),
]
for name, arr in ID:
    save_npy("id_%s.npy" % name, arr)
    save_pb("id_%s.pb" % name, numpy_helper.from_array(arr, name))
    flat = arr.reshape(-1)
    # make_tensor stores float16 values as bit patterns in int32_data.
    vals = flat if arr.dtype == np.float16 else flat.tolist()
    save_pb("id_%s_typed.pb" % name,
            helper.make_tensor(name, ONNX_TYPE[arr.dtype], arr.shape, vals))
    write("id_%s_hand.pb" % name, hand_pb(name, arr))

# bfloat16 (.pb only): values exact in bfloat16; the reference is float32.
bf16_ref = np.array([0, -0.0, 1, -2.5, 3.0, 0.15625, 2.0**100, np.inf,
                     -np.inf, 2.0**-130, 7, 8, 9, 10, 11, 12, 13],
                    dtype=np.float32)
bf16_bits = (bf16_ref.view(np.uint32) >> 16).astype(np.uint16)
assert ((bf16_bits.astype(np.uint32) << 16).view(np.float32).tobytes() ==
        bf16_ref.tobytes())
save_npy("id_bf16_ref.npy", bf16_ref)
t = onnx.TensorProto()
t.name, t.data_type = "bf16", TensorProto.BFLOAT16
t.dims.extend([17])
t.raw_data = bf16_bits.tobytes()
save_pb("id_bf16.pb", t)
save_pb("id_bf16_typed.pb", helper.make_tensor(
    "bf16", TensorProto.BFLOAT16, [17], bf16_ref.tolist()))
write("id_bf16_hand.pb", hand_pb("bf16", bf16_bits, TensorProto.BFLOAT16))
for suffix in ["", "_typed", "_hand"]:
    t = onnx.load_tensor(path("id_bf16%s.pb" % suffix))
    assert t.data_type == TensorProto.BFLOAT16
    assert numpy_helper.to_array(t).tobytes() == bf16_ref.tobytes(), suffix

# Self-check: the TensorProtos parse back to the same arrays.
for name, arr in ID:
    for suffix in ["", "_typed", "_hand"]:
        t = onnx.load_tensor(path("id_%s%s.pb" % (name, suffix)))
        back = numpy_helper.to_array(t)
        assert back.dtype == arr.dtype and back.shape == arr.shape, \
            (name, suffix, back.dtype, back.shape)
        assert back.tobytes() == arr.tobytes(), (name, suffix, back, arr)
for n in ["a", "b"]:
    for suffix in ["", "_typed", "_hand"]:
        t = onnx.load_tensor(path("%s%s.pb" % (n, suffix)))
        assert numpy_helper.to_array(t).tobytes() == \
            np.load(path(n + ".npy")).tobytes(), (n, suffix)
