#!/usr/bin/env python3
"""The PyTorch classes mimic's ResNet and WRN presets and cnn5-bn reproduce, for counting
their parameters and loading mimic's checkpoints into them. Not run in CI (it needs torch).

The classes follow RepDistiller's models/resnet.py and models/wrn.py
(github.com/HobbitLong/RepDistiller): the CIFAR ResNet of depth 6n+2 with basic blocks,
and the wide ResNet of depth 6n+4 with pre-activation blocks, whose state_dict names
mimic's checkpoints of the resnet-* and wrn-* presets use. Written here from those
layouts, trimmed to what mimic needs (no feature outputs, no Bottleneck, no dropout,
which RepDistiller's WRNs leave at 0). FiveLayerCNN follows `Net` of
knowledge-distillation-pytorch's model/net.py (github.com/haitongli/knowledge-distillation-pytorch)
with num_channels 32 and dropout_rate 0.5, as its cnn_distill experiment; its fc2 has
num_classes outputs where that class fixes 10.

    python3 scripts/torch_models.py count
        prints each preset's parameter count on 3x32x32 input, 10 and 100 classes: the
        numbers Tests/MimicEngineTests/TorchPresetTests.swift holds
    python3 scripts/torch_models.py check MODEL.safetensors INPUTS.f32
        loads a mimic checkpoint with load_state_dict(strict=True) into the class its
        preset names and prints the eval-mode logits of the float32 NCHW inputs as JSON;
        a checkpoint of other images (Fashion-MNIST's 1x28x28) gets a stem of their
        channels and a global average pool (RepDistiller's average pool of 8 is that
        only on 32x32)
    python3 scripts/torch_models.py export PRESET CLASSES INPUTS.f32 OUT.safetensors
        the other way: saves the state_dict of the class (freshly initialised, batch
        norm statistics moved by three training passes over the 3x32x32 inputs) as a
        mentor for --mentor PRESET --mentor-checkpoint OUT.safetensors, and prints its
        eval-mode logits of the inputs as JSON
"""
import json
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F


def conv3x3(in_planes, out_planes, stride=1):
    return nn.Conv2d(in_planes, out_planes, kernel_size=3, stride=stride, padding=1, bias=False)


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, inplanes, planes, stride=1, downsample=None):
        super().__init__()
        self.conv1 = conv3x3(inplanes, planes, stride)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = conv3x3(planes, planes)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        residual = x if self.downsample is None else self.downsample(x)
        return F.relu(out + residual)


class ResNet(nn.Module):
    def __init__(self, depth, num_filters, num_classes=10, in_channels=3):
        super().__init__()
        assert (depth - 2) % 6 == 0
        n = (depth - 2) // 6
        self.inplanes = num_filters[0]
        self.conv1 = nn.Conv2d(in_channels, num_filters[0], kernel_size=3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(num_filters[0])
        self.relu = nn.ReLU(inplace=True)
        self.layer1 = self._make_layer(num_filters[1], n)
        self.layer2 = self._make_layer(num_filters[2], n, stride=2)
        self.layer3 = self._make_layer(num_filters[3], n, stride=2)
        # RepDistiller's AvgPool2d(8): the global average on 32x32 input, whose last
        # stage is 8x8. mimic's gap is AdaptiveAvgPool2d(1), the same there.
        self.avgpool = nn.AvgPool2d(8)
        self.fc = nn.Linear(num_filters[3], num_classes)

    def _make_layer(self, planes, blocks, stride=1):
        downsample = None
        if stride != 1 or self.inplanes != planes:
            downsample = nn.Sequential(
                nn.Conv2d(self.inplanes, planes, kernel_size=1, stride=stride, bias=False),
                nn.BatchNorm2d(planes),
            )
        layers = [BasicBlock(self.inplanes, planes, stride, downsample)]
        self.inplanes = planes
        layers += [BasicBlock(planes, planes) for _ in range(1, blocks)]
        return nn.Sequential(*layers)

    def forward(self, x):
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        x = self.avgpool(x)
        return self.fc(x.view(x.size(0), -1))


class PreActBlock(nn.Module):
    """RepDistiller's wrn.py BasicBlock: BN-ReLU-conv3x3-BN-ReLU-conv3x3, added to the
    input (equal channels) or to a bias-free 1x1 convolution of the pre-activated input
    (convShortcut) where the channels differ."""

    def __init__(self, in_planes, out_planes, stride):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(in_planes)
        self.relu1 = nn.ReLU(inplace=True)
        self.conv1 = nn.Conv2d(in_planes, out_planes, kernel_size=3, stride=stride, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_planes)
        self.relu2 = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(out_planes, out_planes, kernel_size=3, stride=1, padding=1, bias=False)
        self.equal_in_out = in_planes == out_planes
        self.convShortcut = None if self.equal_in_out else nn.Conv2d(
            in_planes, out_planes, kernel_size=1, stride=stride, padding=0, bias=False)

    def forward(self, x):
        activated = self.relu1(self.bn1(x))
        out = self.conv2(self.relu2(self.bn2(self.conv1(activated))))
        return out + (x if self.equal_in_out else self.convShortcut(activated))


class NetworkBlock(nn.Module):
    def __init__(self, blocks, in_planes, out_planes, stride):
        super().__init__()
        self.layer = nn.Sequential(*[PreActBlock(in_planes if i == 0 else out_planes, out_planes, stride if i == 0 else 1)
                                     for i in range(blocks)])

    def forward(self, x):
        return self.layer(x)


class WideResNet(nn.Module):
    def __init__(self, depth, widen_factor, num_classes=10, in_channels=3):
        super().__init__()
        channels = [16, 16 * widen_factor, 32 * widen_factor, 64 * widen_factor]
        assert (depth - 4) % 6 == 0
        n = (depth - 4) // 6
        self.conv1 = nn.Conv2d(in_channels, channels[0], kernel_size=3, stride=1, padding=1, bias=False)
        self.block1 = NetworkBlock(n, channels[0], channels[1], 1)
        self.block2 = NetworkBlock(n, channels[1], channels[2], 2)
        self.block3 = NetworkBlock(n, channels[2], channels[3], 2)
        self.bn1 = nn.BatchNorm2d(channels[3])
        self.relu = nn.ReLU(inplace=True)
        self.fc = nn.Linear(channels[3], num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                m.weight.data.normal_(0, (2.0 / (m.kernel_size[0] * m.kernel_size[1] * m.out_channels)) ** 0.5)
            elif isinstance(m, nn.Linear):
                m.bias.data.zero_()

    def forward(self, x):
        out = self.block3(self.block2(self.block1(self.conv1(x))))
        out = self.relu(self.bn1(out))
        # RepDistiller's F.avg_pool2d(out, 8): the global average on 32x32 input.
        out = F.adaptive_avg_pool2d(out, 1)
        return self.fc(out.reshape(out.size(0), -1))


class FiveLayerCNN(nn.Module):
    def __init__(self, num_classes=10, in_channels=3, num_channels=32, dropout_rate=0.5, side=4):
        super().__init__()
        c = num_channels
        self.side = side
        self.conv1 = nn.Conv2d(in_channels, c, 3, stride=1, padding=1)
        self.bn1 = nn.BatchNorm2d(c)
        self.conv2 = nn.Conv2d(c, c * 2, 3, stride=1, padding=1)
        self.bn2 = nn.BatchNorm2d(c * 2)
        self.conv3 = nn.Conv2d(c * 2, c * 4, 3, stride=1, padding=1)
        self.bn3 = nn.BatchNorm2d(c * 4)
        # side x side after three 2x2 pools: 4 on 32x32 input, 3 on 28x28.
        self.fc1 = nn.Linear(side * side * c * 4, c * 4)
        self.fcbn1 = nn.BatchNorm1d(c * 4)
        self.fc2 = nn.Linear(c * 4, num_classes)
        self.dropout_rate = dropout_rate

    def forward(self, s):
        s = F.relu(F.max_pool2d(self.bn1(self.conv1(s)), 2))
        s = F.relu(F.max_pool2d(self.bn2(self.conv2(s)), 2))
        s = F.relu(F.max_pool2d(self.bn3(self.conv3(s)), 2))
        s = s.reshape(s.size(0), -1)
        s = F.dropout(F.relu(self.fcbn1(self.fc1(s))), p=self.dropout_rate, training=self.training)
        return self.fc2(s)


# mimic's preset name -> (RepDistiller's function name, depth, num_filters)
PRESETS = {
    "resnet-8": ("resnet8", 8, [16, 16, 32, 64]),
    "resnet-14": ("resnet14", 14, [16, 16, 32, 64]),
    "resnet-20": ("resnet20", 20, [16, 16, 32, 64]),
    "resnet-32": ("resnet32", 32, [16, 16, 32, 64]),
    "resnet-56": ("resnet56", 56, [16, 16, 32, 64]),
    "resnet8x4": ("resnet8x4", 8, [32, 64, 128, 256]),
    "resnet32x4": ("resnet32x4", 32, [32, 64, 128, 256]),
}

# mimic's preset name -> (RepDistiller's function name, depth, widen_factor)
WRN_PRESETS = {
    "wrn-16-2": ("wrn_16_2", 16, 2),
    "wrn-40-2": ("wrn_40_2", 40, 2),
}


def build(preset, num_classes, in_channels=3, side=32):
    if preset == "cnn5-bn":
        return FiveLayerCNN(num_classes=num_classes, in_channels=in_channels, side=side // 8)
    if preset in WRN_PRESETS:
        _, depth, widen = WRN_PRESETS[preset]
        return WideResNet(depth, widen, num_classes=num_classes, in_channels=in_channels)
    _, depth, filters = PRESETS[preset]
    return ResNet(depth, filters, num_classes=num_classes, in_channels=in_channels)


def count():
    names = {preset: name for preset, (name, _, _) in {**PRESETS, **WRN_PRESETS}.items()}
    names["cnn5-bn"] = "net.Net"
    for preset, name in names.items():
        counts = [sum(p.numel() for p in build(preset, classes).parameters()) for classes in (10, 100)]
        print(f"{preset:11} {name:11} {counts[0]:>10} {counts[1]:>10}")


def check(checkpoint, inputs):
    from safetensors.torch import load_file
    from safetensors import safe_open
    with safe_open(checkpoint, framework="pt") as f:
        metadata = f.metadata()
    state = load_file(checkpoint)
    c, h, w = map(int, metadata["input_shape"].split("x"))
    model = build(metadata["spec"], int(metadata["classes"]), in_channels=c, side=h)
    model.load_state_dict(state, strict=True)
    if (h, w) != (32, 32) and isinstance(model, ResNet):
        model.avgpool = nn.AdaptiveAvgPool2d(1)
    model.eval()
    x = torch.frombuffer(bytearray(open(inputs, "rb").read()), dtype=torch.float32).reshape(-1, c, h, w)
    with torch.no_grad():
        logits = model(x)
    print(json.dumps(logits.reshape(-1).tolist()))


def export(preset, classes, inputs, out):
    from safetensors.torch import save_file
    torch.manual_seed(0)
    model = build(preset, classes)
    x = torch.frombuffer(bytearray(open(inputs, "rb").read()), dtype=torch.float32).reshape(-1, 3, 32, 32)
    with torch.no_grad():
        for _ in range(3):
            model.train()(x)
        for name, tensor in model.state_dict().items():
            if name.endswith(".bias") and tensor.is_floating_point():
                tensor.normal_(0, 0.1)
        model.eval()
        logits = model(x)
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, out)
    print(json.dumps(logits.reshape(-1).tolist()))


if __name__ == "__main__":
    if sys.argv[1:2] == ["count"]:
        count()
    elif sys.argv[1:2] == ["check"] and len(sys.argv) == 4:
        check(sys.argv[2], sys.argv[3])
    elif sys.argv[1:2] == ["export"] and len(sys.argv) == 6:
        export(sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5])
    else:
        sys.exit(__doc__)
