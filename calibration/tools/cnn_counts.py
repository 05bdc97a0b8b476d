#!/usr/bin/env python3
"""Counts FLOPs, parameters, conv output elements, fused kernels and eager framework ops of
the CNN model profiles in configs/models/ from their published architectures:

  ResNet-50 v1.5        He et al. 2016, Table 1 (stride on the 3x3 conv: v1.5)
  ResNeXt-101 32x4d     Xie et al. 2017, Table 1 (cardinality 32, bottleneck width 4)
  SE-ResNeXt-101 32x4d  Hu et al. 2018, Table 1 (SE ratio 16 after the last 1x1 conv)
  EfficientNet-B0/B4    Tan & Le 2019, Table 1 (B0) and the compound scaling of width 1.4,
                        depth 1.8, resolution 380 for B4 (the reference implementation's
                        round_filters / round_repeats rules)

FLOPs = 2 x multiply-adds of convolutions and the classifier (elementwise work is not counted:
the roofline charges it as memory traffic). Activations = output elements of every conv (and of
the SE and depthwise stages), the tensors each layer writes once in a fused engine.

  /usr/bin/python3 calibration/tools/cnn_counts.py
"""
import math


class Net:
    def __init__(self):
        self.macs = 0
        self.params = 0
        self.acts = 0
        self.convs = 0
        self.eager = 0

    def conv(self, cin, cout, k, hw_out, groups=1, bn=True, act=True):
        self.macs += hw_out * hw_out * cout * (cin // groups) * k * k
        self.params += cout * (cin // groups) * k * k
        self.acts += hw_out * hw_out * cout
        self.convs += 1
        self.eager += 1 + (1 if bn else 0) + (1 if act else 0)

    def fc(self, cin, cout):
        self.macs += cin * cout
        self.params += cin * cout + cout
        self.convs += 1
        self.eager += 1


def resnet_family(blocks, width_of, out_of, groups, se=False):
    n = Net()
    n.conv(3, 64, 7, 112)
    n.eager += 1  # max pool
    cin, hw = 64, 56
    for stage, count in enumerate(blocks):
        for b in range(count):
            stride = 2 if (b == 0 and stage > 0) else 1
            hw_out = hw // stride
            w, cout = width_of(stage), out_of(stage)
            n.conv(cin, w, 1, hw)                      # v1.5: stride on the 3x3
            n.conv(w, w, 3, hw_out, groups=groups)
            n.conv(w, cout, 1, hw_out, act=False)
            if se:
                r = cout // 16
                n.macs += cout * r + r * cout
                n.params += cout * r + r + r * cout + cout
                n.acts += r + cout
                n.convs += 2
                n.eager += 5  # pool, fc, relu, fc, sigmoid (+ the scale below)
                n.eager += 1
            if b == 0:
                n.conv(cin, cout, 1, hw_out, act=False)  # projection shortcut
            n.eager += 2  # add, relu
            cin, hw = cout, hw_out
    n.eager += 1  # avg pool
    n.fc(cin, 1000)
    return n


def round_filters(f, width):
    f *= width
    new = max(8, int(f + 4) // 8 * 8)
    if new < 0.9 * f:
        new += 8
    return int(new)


def efficientnet(width, depth, res):
    # (expand ratio, kernel, stride, output channels, repeats) of EfficientNet-B0.
    stages = [(1, 3, 1, 16, 1), (6, 3, 2, 24, 2), (6, 5, 2, 40, 2), (6, 3, 2, 80, 3),
              (6, 5, 1, 112, 3), (6, 5, 2, 192, 4), (6, 3, 1, 320, 1)]
    n = Net()
    hw = math.ceil(res / 2)
    cin = round_filters(32, width)
    n.conv(3, cin, 3, hw)
    for expand, k, stride, c, repeats in stages:
        cout = round_filters(c, width)
        for b in range(int(math.ceil(depth * repeats))):
            s = stride if b == 0 else 1
            hw_out = math.ceil(hw / s)
            mid = cin * expand
            if expand != 1:
                n.conv(cin, mid, 1, hw)
            n.conv(mid, mid, k, hw_out, groups=mid)
            r = max(1, int(cin * 0.25))
            n.macs += mid * r + r * mid
            n.params += mid * r + r + r * mid + mid
            n.acts += r + mid
            n.convs += 2
            n.eager += 6
            n.conv(mid, cout, 1, hw_out, act=False)
            if s == 1 and cin == cout:
                n.eager += 1
            cin, hw = cout, hw_out
    head = round_filters(1280, width)
    n.conv(cin, head, 1, hw)
    n.eager += 1
    n.fc(head, 1000)
    return n


def show(name, n):
    print(f"{name}: {2 * n.macs / 1e9:.2f} GFLOP ({n.macs / 1e9:.2f} G multiply-adds), "
          f"{n.params / 1e6:.2f} M conv+fc weights (no BN), {n.acts / 1e6:.2f} M activations, "
          f"{n.convs} kernels, {n.eager} eager ops")


show("resnet50", resnet_family([3, 4, 6, 3], lambda s: 64 * 2 ** s, lambda s: 256 * 2 ** s, 1))
show("resnext101-32x4d",
     resnet_family([3, 4, 23, 3], lambda s: 128 * 2 ** s, lambda s: 256 * 2 ** s, 32))
show("se-resnext101-32x4d",
     resnet_family([3, 4, 23, 3], lambda s: 128 * 2 ** s, lambda s: 256 * 2 ** s, 32, se=True))
show("efficientnet-b0", efficientnet(1.0, 1.0, 224))
show("efficientnet-b4", efficientnet(1.4, 1.8, 380))
