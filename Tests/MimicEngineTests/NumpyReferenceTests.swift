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
        T = {k: np.frombuffer(data[v["data_offsets"][0]:v["data_offsets"][1]], dtype="<f4").reshape(v["shape"])
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
            return out + bias[None, :, None, None]

        def pool(x, size, stride):
            n, c, h, w = x.shape
            ho, wo = (h - size) // stride + 1, (w - size) // stride + 1
            out = np.full((n, c, ho, wo), -np.inf)
            for i in range(size):
                for j in range(size):
                    out = np.maximum(out, x[:, :, i:i + stride * ho:stride, j:j + stride * wo:stride])
            return out

        for index, layer in enumerate(layers):
            kind = layer[0]
            if kind == "conv":
                x = conv(x, T[f"{index}.weight"], T[f"{index}.bias"], layer[1], layer[2])
            elif kind == "relu":
                x = np.maximum(x, 0)
            elif kind == "pool":
                x = pool(x, layer[1], layer[2])
            elif kind == "flatten":
                x = x.reshape(x.shape[0], -1)
            elif kind == "dense":
                x = x @ T[f"{index}.weight"].T + T[f"{index}.bias"]
        print(json.dumps(x.reshape(-1).tolist()))
        """

    /// The torch.nn.Sequential modules of a network, as the reference script reads them.
    static func modules(of network: Network) -> [[Any]] {
        network.layers.map { layer -> [Any] in
            switch layer {
            case let conv as Conv2D: ["conv", conv.stride, conv.padding]
            case is ReLU: ["relu"]
            case let pool as MaxPool2D: ["pool", pool.size, pool.stride]
            case is Flatten: ["flatten"]
            case is Dense: ["dense"]
            default: ["identity"]
            }
        }
    }

    @Test(.enabled(if: NumpyReferenceMode.here.runsTests, "python3 with numpy is not installed"),
          arguments: ["conv4k3s1p1-pool-conv3k3s2p1-fc8", "conv5k2s1p0-pool3s2-fc6-drop0.5", "fc7", "linear"])
    func logitsMatchNumpy(spec: String) throws {
        try NumpyReferenceMode.here.requireNumpy()
        let input = SampleShape(channels: 2, height: 9, width: 9)
        let network = try Network(spec: ArchitectureSpec(spec), input: input, classes: 4, random: SeededRandom(seed: 4))
        // Biases are zero at initialisation; make them count.
        var random = SeededRandom(seed: 9)
        for parameter in network.parameters where parameter.name == "bias" {
            for i in 0..<parameter.count { parameter.value[i] = random.nextGaussian() * 0.1 }
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
}
