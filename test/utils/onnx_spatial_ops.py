#!/usr/bin/env python3
"""Small ONNX models of ConvTranspose, Resize, GridSample, RoiAlign and
MaxUnpool for the
importer's lit tests (test/Frontend/Onnx/spatial.test).

CLI:  onnx_spatial_ops.py NAME OUT.onnx      writes one model
      onnx_spatial_ops.py --list             lists the NAMEs

Models are built with onnx.helper (Debian's python3-onnx 1.12), checked with
onnx.checker, and deterministic: weights come from a seeded generator.
"""

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import onnx_builders  # noqa: E402
from onnx_builders import const, main, node, rand, registry, vi  # noqa: E402

F = TensorProto.FLOAT
I64 = TensorProto.INT64


# ConvTranspose ----------------------------------------------------------------

CASES, case = registry()


def model(nodes, inputs, outputs, inits=(), opset=13, **kwargs):
    return onnx_builders.model(nodes, inputs, outputs, inits, opset=opset,
                               **kwargs)


@case
def convtranspose_strided():
    """Groups, strides, asymmetric pads, output_padding and a bias."""
    n = node("ConvTranspose", ["x", "w", "b"], ["y"], strides=[2, 3],
             pads=[1, 0, 0, 2], output_padding=[1, 0], group=2)
    # H: 2*(3-1) + 1 + 3 - 1 - 0 = 7; W: 3*(4-1) + 0 + 2 - 0 - 2 = 9.
    return model([n], [vi("x", F, [1, 4, 3, 4])], [vi("y", F, [1, 6, 7, 9])],
                 [const("w", rand(4, 3, 3, 2)), const("b", rand(6, seed=1))])


@case
def convtranspose_output_shape():
    """output_shape larger than the natural size: zeros at the end."""
    n = node("ConvTranspose", ["x", "w"], ["y"], strides=[3, 2],
             output_shape=[10, 8])
    return model([n], [vi("x", F, [1, 1, 3, 3])], [vi("y", F, [1, 2, 10, 8])],
                 [const("w", rand(1, 2, 3, 3))])


@case
def convtranspose_same_1d():
    """SAME_UPPER on a 1-D input; stride 1 needs no zero insertion; big
    pads crop the input."""
    a = node("ConvTranspose", ["x", "w"], ["a"], strides=[2],
             auto_pad="SAME_UPPER")
    b = node("ConvTranspose", ["x", "w"], ["b"], pads=[3, 3])
    return model([a, b], [vi("x", F, [1, 2, 5])],
                 [vi("a", F, [1, 3, 10]), vi("b", F, [1, 3, 1])],
                 [const("w", rand(2, 3, 3))])


# Resize -----------------------------------------------------------------------

@case
def resize_nearest_scales():
    n = node("Resize", ["x", "", "scales"], ["y"], mode="nearest",
             nearest_mode="round_prefer_ceil",
             coordinate_transformation_mode="asymmetric")
    return model([n], [vi("x", F, [1, 2, 3, 4])], [vi("y", F, [1, 2, 6, 10])],
                 [const("scales", np.array([1, 1, 2, 2.5], np.float32))])


@case
def resize_linear_sizes():
    n = node("Resize", ["x", "", "", "sizes"], ["y"], mode="linear",
             coordinate_transformation_mode="align_corners")
    return model([n], [vi("x", F, [1, 1, 4, 4])], [vi("y", F, [1, 1, 3, 8])],
                 [const("sizes", np.array([1, 1, 3, 8], np.int64))])


@case
def resize_cubic_crop():
    n = node("Resize", ["x", "roi", "", "sizes"], ["y"], mode="cubic",
             cubic_coeff_a=-0.5, exclude_outside=1, extrapolation_value=2.5,
             coordinate_transformation_mode="tf_crop_and_resize")
    roi = np.array([0, 0, 0.2, 0.4, 1, 1, 0.8, 1.2], np.float32)
    return model([n], [vi("x", F, [1, 1, 4, 4])], [vi("y", F, [1, 1, 3, 3])],
                 [const("roi", roi),
                  const("sizes", np.array([1, 1, 3, 3], np.int64))])


@case
def resize_dynamic_scales():
    """scales as a graph input: not a compile-time constant."""
    n = node("Resize", ["x", "", "scales"], ["y"])
    return model([n], [vi("x", F, [1, 1, 2, 2]), vi("scales", F, [4])],
                 [vi("y", F, [1, 1, 4, 4])])


@case
def resize_bad_mode():
    """An interpolation mode ONNX does not define."""
    n = node("Resize", ["x", "", "scales"], ["y"], mode="area")
    return model([n], [vi("x", F, [1, 1, 4, 4])], [vi("y", F, [1, 1, 2, 2])],
                 [const("scales", np.array([1, 1, 0.5, 0.5], np.float32))])


# GridSample -------------------------------------------------------------------

@case
def gridsample():
    n = node("GridSample", ["x", "grid"], ["y"], mode="bicubic",
             padding_mode="reflection", align_corners=1)
    return model([n], [vi("x", F, [2, 3, 4, 5]), vi("grid", F, [2, 6, 7, 2])],
                 [vi("y", F, [2, 3, 6, 7])], opset=16)


# RoiAlign ---------------------------------------------------------------------

@case
def roialign():
    """Opset 16: half_pixel by default; max mode, adaptive sampling."""
    n = node("RoiAlign", ["x", "rois", "idx"], ["y"], mode="max",
             output_height=3, output_width=2, spatial_scale=0.5)
    return model([n], [vi("x", F, [2, 3, 8, 8]), vi("rois", F, [4, 4]),
                       vi("idx", I64, [4])], [vi("y", F, [4, 3, 3, 2])],
                 opset=16)


@case
def roialign_opset10():
    """Before opset 16 RoiAlign behaves as output_half_pixel."""
    n = node("RoiAlign", ["x", "rois", "idx"], ["y"], sampling_ratio=2)
    return model([n], [vi("x", F, [1, 1, 8, 8]), vi("rois", F, [2, 4]),
                       vi("idx", I64, [2])], [vi("y", F, [2, 1, 1, 1])],
                 opset=10)


# MaxUnpool --------------------------------------------------------------------

@case
def maxunpool():
    n = node("MaxUnpool", ["x", "i"], ["y"], kernel_shape=[2, 2],
             strides=[2, 2], pads=[0, 0, 1, 0])
    # H: (2-1)*2 + 2 - 0 - 1 = 3; W: (3-1)*2 + 2 = 6.
    return model([n], [vi("x", F, [1, 2, 2, 3]), vi("i", I64, [1, 2, 2, 3])],
                 [vi("y", F, [1, 2, 3, 6])])


@case
def maxunpool_output_shape():
    """output_shape larger than the unpooled 4x4: zeros at the ends."""
    n = node("MaxUnpool", ["x", "i", "shape"], ["y"], kernel_shape=[2, 2],
             strides=[2, 2])
    return model([n], [vi("x", F, [1, 1, 2, 2]), vi("i", I64, [1, 1, 2, 2])],
                 [vi("y", F, [1, 1, 5, 6])],
                 [const("shape", np.array([1, 1, 5, 6], np.int64))])


if __name__ == "__main__":
    sys.exit(main(CASES, __doc__))
