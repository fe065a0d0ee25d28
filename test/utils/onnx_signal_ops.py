#!/usr/bin/env python3
"""Small signal-processing and text-feature models for the importer's lit
tests (test/Frontend/Onnx/signal.test, tfidf.test).

CLI:  onnx_signal_ops.py NAME OUT.onnx    writes one model
      onnx_signal_ops.py --list           lists the NAMEs

Models are built with onnx.helper (Debian's python3-onnx 1.12) and checked
with onnx.checker; inputs that ONNX allows to be tensors but Kiln needs as
constants (frame_step, sizes) are initializers.
"""

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import onnx_builders  # noqa: E402
from onnx_builders import const, main, node, registry, vi  # noqa: E402

F = TensorProto.FLOAT
I32 = TensorProto.INT32
I64 = TensorProto.INT64


CASES, case = registry()


def model(nodes, inputs, outputs, inits=(), opset=17, **kwargs):
    return onnx_builders.model(nodes, inputs, outputs, inits, opset=opset,
                               **kwargs)


@case
def dft_real():
    return model([node("DFT", ["x"], ["y"], axis=1)],
                 [vi("x", F, [2, 4, 1])], [vi("y", F, [2, 4, 2])])


@case
def dft_complex_inverse():
    return model([node("DFT", ["x"], ["y"], axis=2, inverse=1)],
                 [vi("x", F, [1, 3, 4, 2])], [vi("y", F, [1, 3, 4, 2])])


@case
def dft_onesided_length():
    return model([node("DFT", ["x", "n"], ["y"], onesided=1)],
                 [vi("x", F, [1, 6, 1])], [vi("y", F, [1, 5, 2])],
                 inits=[const("n", np.int64(8))])


@case
def stft_window():
    # onesided=0: ONNX 1.12's shape inference gets onesided STFT wrong.
    return model([node("STFT", ["s", "step", "w"], ["y"], onesided=0)],
                 [vi("s", F, [1, 16, 1]), vi("w", F, [8])],
                 [vi("y", F, [1, 3, 8, 2])],
                 inits=[const("step", np.int64(4))])


@case
def stft_dynamic_step():
    return model([node("STFT", ["s", "step", "", "len"], ["y"], onesided=0)],
                 [vi("s", F, [1, 16, 1]), vi("step", I64, [])],
                 [vi("y", F, [1, 3, 8, 2])], inits=[const("len", np.int64(8))])


@case
def mel_weight_matrix():
    inits = [const("mels", np.int32(4)), const("n", np.int32(32)),
             const("rate", np.int32(8000)), const("lo", np.float32(100)),
             const("hi", np.float32(4000))]
    return model([node("MelWeightMatrix", ["mels", "n", "rate", "lo", "hi"],
                       ["y"])], [], [vi("y", F, [17, 4])], inits=inits)


@case
def tfidf_batch():
    return model([node("TfIdfVectorizer", ["x"], ["y"], mode="TFIDF",
                       min_gram_length=1, max_gram_length=2,
                       max_skip_count=1, ngram_counts=[0, 2],
                       ngram_indexes=[2, 0, 1], pool_int64s=[3, 5, 5, 7],
                       weights=[0.5, 2.0, 4.0])],
                 [vi("x", I32, [2, 5])], [vi("y", F, [2, 3])], opset=9)


@case
def tfidf_idf_bigrams():
    return model([node("TfIdfVectorizer", ["x"], ["y"], mode="IDF",
                       min_gram_length=2, max_gram_length=2,
                       max_skip_count=0, ngram_counts=[0, 1],
                       ngram_indexes=[2, 0, 1], pool_int64s=[9, 1, 2, 3, 4])],
                 [vi("x", I64, [6])], [vi("y", F, [3])], opset=9)


@case
def tfidf_bad_counts():
    return model([node("TfIdfVectorizer", ["x"], ["y"], mode="TF",
                       min_gram_length=1, max_gram_length=2,
                       max_skip_count=0, ngram_counts=[0, 3],
                       ngram_indexes=[0, 1, 2], pool_int64s=[1, 2, 3, 4])],
                 [vi("x", I64, [6])], [vi("y", F, [3])], opset=9)


@case
def tfidf_strings():
    return model([node("TfIdfVectorizer", ["x"], ["y"], mode="TF",
                       min_gram_length=1, max_gram_length=1,
                       max_skip_count=0, ngram_counts=[0],
                       ngram_indexes=[0], pool_strings=["a"])],
                 [vi("x", I64, [6])], [vi("y", F, [1])], opset=9)


if __name__ == "__main__":
    sys.exit(main(CASES, __doc__))
