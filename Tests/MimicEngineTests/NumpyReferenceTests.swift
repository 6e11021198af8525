import Foundation
import Testing
import MimicEngine
import MimicTestSupport

/// The same network computed by numpy from nothing but our checkpoint: proves the
/// weight layouts and the layer semantics (cross-correlation, padding, stride, pooling,
/// flatten order) are those PyTorch uses, so a checkpoint means the same thing there.
@Suite struct NumpyReferenceTests {
    static let reference = """
        import json, struct, sys
        import numpy as np
        path, inputs, shape, layers = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
        raw = open(path, "rb").read()
        (n,) = struct.unpack("<Q", raw[:8])
        header = json.loads(raw[8:8 + n])
        data = raw[8 + n:]
        dtypes = {"F32": "<f4", "I64": "<i8"}
        T = {k: np.frombuffer(data[v["data_offsets"][0]:v["data_offsets"][1]], dtype=dtypes[v["dtype"]]).reshape(v["shape"])
             for k, v in header.items() if k != "__metadata__"}
        c, h, w = map(int, shape.split("x"))
        x = np.fromfile(inputs, dtype="<f4").reshape(-1, c, h, w).astype(np.float64)

        def conv(x, weight, bias, stride, pad):
            f, _, k, _ = weight.shape
            xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
            ho = (xp.shape[2] - k) // stride + 1
            wo = (xp.shape[3] - k) // stride + 1
            out = np.zeros((x.shape[0], f, ho, wo))
            for i in range(k):
                for j in range(k):
                    patch = xp[:, :, i:i + stride * ho:stride, j:j + stride * wo:stride]
                    out += np.einsum("nchw,fc->nfhw", patch, weight[:, :, i, j])
            return out if bias is None else out + bias[None, :, None, None]

        def pool(x, size, stride):
            n, c, h, w = x.shape
            ho, wo = (h - size) // stride + 1, (w - size) // stride + 1
            out = np.full((n, c, ho, wo), -np.inf)
            for i in range(size):
                for j in range(size):
                    out = np.maximum(out, x[:, :, i:i + stride * ho:stride, j:j + stride * wo:stride])
            return out

        def channels(v, x):
            return v.reshape((1, -1) + (1,) * (x.ndim - 2))

        def batch_norm(x, index):
            # Evaluation mode: the running statistics, as torch's BatchNorm1d/2d in eval().
            mean, var = T[f"{index}.running_mean"], T[f"{index}.running_var"]
            gamma, beta = T[f"{index}.weight"], T[f"{index}.bias"]
            return (x - channels(mean, x)) / np.sqrt(channels(var, x) + 1e-5) * channels(gamma, x) + channels(beta, x)

        def basic_block(x, name, stride, downsample):
            # RepDistiller's BasicBlock: bias-free 3x3 convolutions, the shortcut a 1x1
            # convolution and batch norm where the shape changes.
            out = np.maximum(batch_norm(conv(x, T[f"{name}.conv1.weight"], None, stride, 1), f"{name}.bn1"), 0)
            out = batch_norm(conv(out, T[f"{name}.conv2.weight"], None, 1, 1), f"{name}.bn2")
            if downsample:
                x = batch_norm(conv(x, T[f"{name}.downsample.0.weight"], None, stride, 0), f"{name}.downsample.1")
            return np.maximum(out + x, 0)

        def pre_activation_block(x, name, stride, shortcut):
            # RepDistiller's wrn.py BasicBlock: BN-ReLU before each bias-free 3x3
            # convolution, the shortcut a 1x1 convolution of the pre-activated input where
            # the shape changes, no ReLU after the sum.
            activated = np.maximum(batch_norm(x, f"{name}.bn1"), 0)
            out = conv(activated, T[f"{name}.conv1.weight"], None, stride, 1)
            out = conv(np.maximum(batch_norm(out, f"{name}.bn2"), 0), T[f"{name}.conv2.weight"], None, 1, 1)
            if shortcut:
                x = conv(activated, T[f"{name}.convShortcut.weight"], None, stride, 0)
            return out + x

        for layer in layers:
            kind, index = layer[0], layer[1]
            if kind == "conv":
                x = conv(x, T[f"{index}.weight"], T.get(f"{index}.bias"), layer[2], layer[3])
            elif kind == "relu":
                x = np.maximum(x, 0)
            elif kind == "pool":
                x = pool(x, layer[2], layer[3])
            elif kind == "res":
                x = basic_block(x, index, layer[2], layer[3])
            elif kind == "preres":
                x = pre_activation_block(x, index, layer[2], layer[3])
            elif kind == "bn":
                x = batch_norm(x, index)
            elif kind == "gap":
                x = x.mean(axis=(2, 3), keepdims=True)
            elif kind == "flatten":
                x = x.reshape(x.shape[0], -1)
            elif kind == "dense":
                # A 1x1 image is already a vector to mimic, which puts no flatten before it.
                x = x.reshape(x.shape[0], -1) @ T[f"{index}.weight"].T + T[f"{index}.bias"]
        print(json.dumps(x.reshape(-1).tolist()))
        """

    /// The torch modules of a network, each with the name its tensors have in the
    /// checkpoint, as the reference script reads them.
    static func modules(of network: Network) -> [[Any]] {
        zip(network.layers, network.moduleNames).map { layer, name -> [Any] in
            switch layer {
            case let conv as Conv2D: ["conv", name, conv.stride, conv.padding]
            case is ReLU: ["relu", name]
            case let pool as MaxPool2D: ["pool", name, pool.size, pool.stride]
            case is Flatten: ["flatten", name]
            case is BatchNorm: ["bn", name]
            case is GlobalAveragePool: ["gap", name]
            case is Dense: ["dense", name]
            case let block as ResidualBlock: ["res", name, block.stride, block.downsample != nil]
            case let block as PreActivationBlock: ["preres", name, block.stride, block.convShortcut != nil]
            default: ["identity", name]
            }
        }
    }

    @Test(.enabled(if: NumpyReferenceMode.here.runsTests, "python3 with numpy is not installed"),
          arguments: ["conv4k3s1p1-pool-conv3k3s2p1-fc8", "conv5k2s1p0-pool3s2-fc6-drop0.5", "fc7", "linear",
                      "conv4-bn-pool-conv3k3s2p1-bn-gap-fc8-bn", "fc7-bn-drop0.5",
                      "conv4nobias-bn-res4-res6s2-res6-gap", "res5s2-pool-res5-fc6",
                      "conv4nobiasnorelu-preres4-preres6s2-preres6-bn-gap", "preres5s2-pool-preres5-fc6",
                      "resnet-8", "wrn-16-2", "cnn5-bn"])
    func logitsMatchNumpy(spec: String) throws {
        try NumpyReferenceMode.here.requireNumpy()
        // Three channels, as the ResNet presets' stem takes.
        let input = SampleShape(channels: spec.hasPrefix("resnet") || spec.hasPrefix("wrn") ? 3 : 2, height: 9, width: 9)
        let network = try Network(spec: ArchitectureSpec(spec), input: input, classes: 4, random: SeededRandom(seed: 4))
        // Biases are zero at initialisation; make them count.
        var random = SeededRandom(seed: 9)
        for parameter in network.parameters where parameter.name == "bias" {
            for i in 0..<parameter.count { parameter.value[i] = random.nextGaussian() * 0.1 }
        }
        // So are batch norm's scale and running statistics (1, 0 and 1).
        let norms = network.layers.flatMap { layer -> [BatchNorm] in
            (layer as? ResidualBlock)?.norms ?? (layer as? PreActivationBlock)?.norms ?? [layer as? BatchNorm].compactMap { $0 }
        }
        for norm in norms {
            for c in 0..<norm.inputShape.channels {
                norm.weight.value[c] = 0.5 + random.nextUnitFloat()
                norm.runningMean.floats[c] = random.nextGaussian() * 0.3
                norm.runningVar.floats[c] = 0.2 + random.nextUnitFloat()
            }
        }
        let batch = 3
        let x = randomInput(count: batch * input.count, seed: 12)
        let logits = x.withUnsafeBufferPointer {
            Array(UnsafeBufferPointer(start: network.forward($0.baseAddress!, batch: batch, training: false), count: batch * 4))
        }

        let folder = try TemporaryFolder()
        try network.save(to: folder.file("model.safetensors"))
        try x.withUnsafeBufferPointer { try Data(buffer: $0).write(to: URL(fileURLWithPath: folder.file("x.f32"))) }
        let layers = try JSONSerialization.data(withJSONObject: Self.modules(of: network))
        let printed = try runPython(Self.reference, arguments: [
            folder.file("model.safetensors"), folder.file("x.f32"), input.description, String(decoding: layers, as: UTF8.self),
        ])
        let expected = try JSONDecoder().decode([Double].self, from: printed)
        try #require(expected.count == logits.count)
        for (ours, theirs) in zip(logits, expected) {
            #expect(abs(Double(ours) - theirs) < 1e-4 * max(1, abs(theirs)), "\(ours) vs \(theirs)")
        }
    }

    /// Batch norm as torch.nn.BatchNorm1d/2d defines it, written out in numpy: batch
    /// statistics (biased variance) in training, running statistics moved by momentum
    /// 0.1 toward the batch's mean and unbiased variance, and those in evaluation.
    static let batchNormReference = """
        import json, sys
        import numpy as np
        setup = json.loads(sys.argv[1])
        c, h, w, steps, batch = setup["channels"], setup["height"], setup["width"], setup["steps"], setup["batch"]
        xs = np.fromfile(sys.argv[2], dtype="<f4").astype(np.float64).reshape(steps, batch, c, h, w)
        later = np.fromfile(sys.argv[3], dtype="<f4").astype(np.float64).reshape(-1, c, h, w)
        gamma = np.array(setup["gamma"]).reshape(1, c, 1, 1)
        beta = np.array(setup["beta"]).reshape(1, c, 1, 1)
        relu = (lambda v: np.maximum(v, 0)) if setup["relu"] else (lambda v: v)
        running_mean, running_var = np.zeros(c), np.ones(c)
        for x in xs:
            mean, var = x.mean(axis=(0, 2, 3)), x.var(axis=(0, 2, 3))
            n = x.size // c
            y = relu((x - mean.reshape(1, c, 1, 1)) / np.sqrt(var.reshape(1, c, 1, 1) + 1e-5) * gamma + beta)
            running_mean = 0.9 * running_mean + 0.1 * mean
            running_var = 0.9 * running_var + 0.1 * var * n / (n - 1)
        evaluated = relu((later - running_mean.reshape(1, c, 1, 1)) / np.sqrt(running_var.reshape(1, c, 1, 1) + 1e-5) * gamma + beta)
        print(json.dumps({"train": y.reshape(-1).tolist(), "mean": running_mean.tolist(), "var": running_var.tolist(),
                          "eval": evaluated.reshape(-1).tolist()}))
        """

    struct BatchNormReference: Decodable {
        var train: [Double]
        var mean: [Double]
        var `var`: [Double]
        var eval: [Double]
    }

    /// Three training steps on batches of different statistics, then an evaluation:
    /// the last step's output, the running statistics, the count and the evaluation
    /// output all as numpy has them, after a convolution (2d) and a dense layer (1d).
    @Test(.enabled(if: NumpyReferenceMode.here.runsTests, "python3 with numpy is not installed"),
          arguments: [(SampleShape(channels: 3, height: 5, width: 4), false), (SampleShape(channels: 3, height: 5, width: 4), true),
                      (SampleShape.vector(21), false), (SampleShape.vector(21), true)])
    func batchNormMatchesNumpy(shape: SampleShape, relu: Bool) throws {
        try NumpyReferenceMode.here.requireNumpy()
        let layer = BatchNorm(shape: shape)
        layer.appliesReLU = relu
        var random = SeededRandom(seed: 21)
        for c in 0..<shape.channels {
            layer.weight.value[c] = 0.5 + random.nextUnitFloat()
            layer.bias.value[c] = random.nextGaussian() * 0.5
        }
        let steps = 3, batch = 4
        // Each step's batch shifted and scaled differently, so the running statistics
        // are a real mixture; the evaluation's batch is another one again.
        let batches: [[Float]] = (0..<steps).map { step in
            let spread = Float(1 + step), offset = Float(step) - 1
            return randomInput(count: batch * shape.count, seed: 30 + UInt64(step)).map { (value: Float) -> Float in value * spread + offset }
        }
        let later = randomInput(count: 5 * shape.count, seed: 40).map { $0 * 2 + 0.5 }
        var trained: [Float] = []
        for x in batches {
            trained = x.withUnsafeBufferPointer {
                Array(UnsafeBufferPointer(start: layer.forward($0.baseAddress!, batch: batch, training: true), count: x.count))
            }
        }
        let evaluated = later.withUnsafeBufferPointer {
            Array(UnsafeBufferPointer(start: layer.forward($0.baseAddress!, batch: 5, training: false), count: later.count))
        }
        #expect(layer.batchesTracked.integers[0] == Int64(steps))

        let folder = try TemporaryFolder()
        try batches.flatMap { $0 }.withUnsafeBufferPointer { try Data(buffer: $0).write(to: URL(fileURLWithPath: folder.file("x.f32"))) }
        try later.withUnsafeBufferPointer { try Data(buffer: $0).write(to: URL(fileURLWithPath: folder.file("later.f32"))) }
        let setup: [String: Any] = [
            "channels": shape.channels, "height": shape.height, "width": shape.width, "steps": steps, "batch": batch,
            "gamma": (0..<shape.channels).map { Double(layer.weight.value[$0]) },
            "beta": (0..<shape.channels).map { Double(layer.bias.value[$0]) }, "relu": relu,
        ]
        let printed = try runPython(Self.batchNormReference, arguments: [
            String(decoding: try JSONSerialization.data(withJSONObject: setup), as: UTF8.self),
            folder.file("x.f32"), folder.file("later.f32"),
        ])
        let expected = try JSONDecoder().decode(BatchNormReference.self, from: printed)
        func compare(_ ours: [Float], _ theirs: [Double], _ what: String) {
            #expect(ours.count == theirs.count, "\(what)")
            for (index, (a, b)) in zip(ours, theirs).enumerated() {
                #expect(abs(Double(a) - b) < 1e-4 * max(1, abs(b)), "\(what)[\(index)]: \(a) vs \(b)")
            }
        }
        compare(trained, expected.train, "training output")
        compare(Array(UnsafeBufferPointer(start: layer.runningMean.floats, count: shape.channels)), expected.mean, "running_mean")
        compare(Array(UnsafeBufferPointer(start: layer.runningVar.floats, count: shape.channels)), expected.var, "running_var")
        compare(evaluated, expected.eval, "evaluation output")
    }
}
