"""Makes models/tiny_cnn.onnx and its reference input/output (raw float32).

A small CNN (conv 3->8 3x3 + ReLU + max pool + linear 512->10) with fixed
random weights, exported by PyTorch; the output is PyTorch's. The C and C++
examples check Kiln's result against it. Run with Debian's /usr/bin/python3.
"""
import os
import numpy as np
import torch

here = os.path.dirname(os.path.abspath(__file__))
torch.manual_seed(7)
model = torch.nn.Sequential(
    torch.nn.Conv2d(3, 8, 3, padding=1), torch.nn.ReLU(),
    torch.nn.MaxPool2d(2), torch.nn.Flatten(), torch.nn.Linear(8 * 8 * 8, 10)).eval()
x = torch.randn(1, 3, 16, 16)
with torch.no_grad():
    y = model(x)
torch.onnx.export(model, x, os.path.join(here, "tiny_cnn.onnx"), opset_version=13,
                  input_names=["image"], output_names=["logits"])
x.numpy().astype(np.float32).tofile(os.path.join(here, "tiny_cnn.input.bin"))
y.numpy().astype(np.float32).tofile(os.path.join(here, "tiny_cnn.output.bin"))
