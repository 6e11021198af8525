import Foundation
import MimicEngine
import MimicTestSupport
import Testing

/// The presets that reproduce a PyTorch class: the ResNets are RepDistiller's CIFAR
/// ResNets (models/resnet.py), the WRNs its wide ResNets (models/wrn.py), cnn5-bn is
/// knowledge-distillation-pytorch's 5-layer CNN (model/net.py). The same parameter
/// counts, and checkpoints PyTorch loads into those classes as they are.
@Suite struct TorchPresetTests {
    /// Parameters of RepDistiller's resnet8 ... resnet32x4, wrn_16_2 and wrn_40_2 and of
    /// the 5-layer CNN on 3x32x32 input with 10 and 100 classes, as PyTorch counts them:
    /// `python3 scripts/torch_models.py count` (the script's classes have the state_dict
    /// names and shapes of RepDistiller's models/resnet.py and models/wrn.py, and of
    /// that model/net.py; the WRN counts are also those of wrn.py's own class).
    static let torchParameterCounts: [(preset: String, tenClasses: Int, hundredClasses: Int)] = [
        ("resnet-8", 78_042, 83_892),
        ("resnet-14", 175_258, 181_108),
        ("resnet-20", 272_474, 278_324),
        ("resnet-32", 466_906, 472_756),
        ("resnet-56", 855_770, 861_620),
        ("resnet8x4", 1_210_410, 1_233_540),
        ("resnet32x4", 7_410_730, 7_433_860),
        ("wrn-16-2", 691_674, 703_284),
        ("wrn-40-2", 2_243_546, 2_255_156),
        ("cnn5-bn", 357_514, 369_124),
    ]

    static let cifar = SampleShape(channels: 3, height: 32, width: 32)

    @Test(arguments: torchParameterCounts)
    func parameterCountsAreTorchs(preset: String, tenClasses: Int, hundredClasses: Int) throws {
        for (classes, expected) in [(10, tenClasses), (100, hundredClasses)] {
            let spec = try ArchitectureSpec(preset)
            let network = try Network(spec: spec, input: Self.cifar, classes: classes, random: SeededRandom(seed: 1))
            #expect(network.parameterCount == expected, "\(preset), \(classes) classes")
            #expect(try NetworkSize(spec: spec, input: Self.cifar, classes: classes).parameters == expected)
            #expect(network.forwardFLOPsPerSample
                    == (try NetworkSize(spec: spec, input: Self.cifar, classes: classes).forwardFLOPsPerSample))
        }
    }

    @Test func presetsAreTheResNetLayouts() throws {
        #expect(try ArchitectureSpec("resnet-20").expanded
                == "conv16nobias-bn-res16-res16-res16-res32s2-res32-res32-res64s2-res64-res64-gap")
        #expect(try ArchitectureSpec("resnet8x4").expanded == "conv32nobias-bn-res64-res128s2-res256s2-gap")
        for (preset, depth) in [("resnet-8", 8), ("resnet-14", 14), ("resnet-32", 32), ("resnet-56", 56), ("resnet32x4", 32)] {
            let blocks = try ArchitectureSpec(preset).layers.filter { if case .residual = $0 { true } else { false } }
            #expect(blocks.count * 2 + 2 == depth, "\(preset)")
        }
    }

    /// RepDistiller's WideResNet(depth, widen_factor): a bare stem convolution, three
    /// stages of (depth − 4)/6 pre-activation blocks of 16k, 32k and 64k channels, the
    /// final batch norm and ReLU, global pooling.
    @Test func presetsAreTheWideResNetLayouts() throws {
        #expect(try ArchitectureSpec("wrn-16-2").expanded
                == "conv16nobiasnorelu-preres32-preres32-preres64s2-preres64-preres128s2-preres128-bn-gap")
        let blocks = try ArchitectureSpec("wrn-40-2").layers.filter { if case .preActivation = $0 { true } else { false } }
        #expect(blocks.count * 2 + 4 == 40)
        #expect(try ArchitectureSpec("wrn-40-2").naming == .wideResNet)
        #expect(try ArchitectureSpec("conv16nobiasnorelu-preres32-bn-gap").naming == .sequential)
    }

    /// wrn-16-2's state_dict as PyTorch lists it for RepDistiller's class: every stage
    /// starts with a block whose convShortcut widens it, its second block adds the
    /// identity; the final batch norm is the class's bn1.
    @Test func wideResNetNamesAreTheTorchClass() throws {
        let network = try Network(spec: ArchitectureSpec("wrn-16-2"), input: Self.cifar, classes: 100, random: SeededRandom(seed: 1))
        let statistics = ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
        var expected: [String: [Int]] = ["conv1.weight": [16, 3, 3, 3], "fc.weight": [100, 128], "fc.bias": [100]]
        for name in statistics { expected["bn1.\(name)"] = name == "num_batches_tracked" ? [] : [128] }
        for (stage, (input, channels)) in [(16, 32), (32, 64), (64, 128)].enumerated() {
            for block in 0..<2 {
                let prefix = "block\(stage + 1).layer.\(block)", incoming = block == 0 ? input : channels
                for name in statistics {
                    expected["\(prefix).bn1.\(name)"] = name == "num_batches_tracked" ? [] : [incoming]
                    expected["\(prefix).bn2.\(name)"] = name == "num_batches_tracked" ? [] : [channels]
                }
                expected["\(prefix).conv1.weight"] = [channels, incoming, 3, 3]
                expected["\(prefix).conv2.weight"] = [channels, channels, 3, 3]
                if block == 0 { expected["\(prefix).convShortcut.weight"] = [channels, input, 1, 1] }
            }
        }
        var ours: [String: [Int]] = [:]
        for (name, parameter) in network.namedParameters { ours[name] = parameter.shape }
        for (name, buffer) in network.namedBuffers { ours[name] = buffer.shape }
        #expect(ours == expected)
        #expect(network.namedParameters.count + network.namedBuffers.count == expected.count)
        #expect(network.namedParameters.first?.name == "conv1.weight" && network.namedParameters.last?.name == "fc.bias")
    }

    /// resnet8x4's state_dict as PyTorch lists it (every stage starts with a downsample,
    /// the first one widening 32 channels to 64 at stride 1).
    static let resnet8x4StateDict: [String: [Int]] = [
        "conv1.weight": [32, 3, 3, 3],
        "bn1.weight": [32],
        "bn1.bias": [32],
        "bn1.running_mean": [32],
        "bn1.running_var": [32],
        "bn1.num_batches_tracked": [],
        "layer1.0.conv1.weight": [64, 32, 3, 3],
        "layer1.0.bn1.weight": [64],
        "layer1.0.bn1.bias": [64],
        "layer1.0.bn1.running_mean": [64],
        "layer1.0.bn1.running_var": [64],
        "layer1.0.bn1.num_batches_tracked": [],
        "layer1.0.conv2.weight": [64, 64, 3, 3],
        "layer1.0.bn2.weight": [64],
        "layer1.0.bn2.bias": [64],
        "layer1.0.bn2.running_mean": [64],
        "layer1.0.bn2.running_var": [64],
        "layer1.0.bn2.num_batches_tracked": [],
        "layer1.0.downsample.0.weight": [64, 32, 1, 1],
        "layer1.0.downsample.1.weight": [64],
        "layer1.0.downsample.1.bias": [64],
        "layer1.0.downsample.1.running_mean": [64],
        "layer1.0.downsample.1.running_var": [64],
        "layer1.0.downsample.1.num_batches_tracked": [],
        "layer2.0.conv1.weight": [128, 64, 3, 3],
        "layer2.0.bn1.weight": [128],
        "layer2.0.bn1.bias": [128],
        "layer2.0.bn1.running_mean": [128],
        "layer2.0.bn1.running_var": [128],
        "layer2.0.bn1.num_batches_tracked": [],
        "layer2.0.conv2.weight": [128, 128, 3, 3],
        "layer2.0.bn2.weight": [128],
        "layer2.0.bn2.bias": [128],
        "layer2.0.bn2.running_mean": [128],
        "layer2.0.bn2.running_var": [128],
        "layer2.0.bn2.num_batches_tracked": [],
        "layer2.0.downsample.0.weight": [128, 64, 1, 1],
        "layer2.0.downsample.1.weight": [128],
        "layer2.0.downsample.1.bias": [128],
        "layer2.0.downsample.1.running_mean": [128],
        "layer2.0.downsample.1.running_var": [128],
        "layer2.0.downsample.1.num_batches_tracked": [],
        "layer3.0.conv1.weight": [256, 128, 3, 3],
        "layer3.0.bn1.weight": [256],
        "layer3.0.bn1.bias": [256],
        "layer3.0.bn1.running_mean": [256],
        "layer3.0.bn1.running_var": [256],
        "layer3.0.bn1.num_batches_tracked": [],
        "layer3.0.conv2.weight": [256, 256, 3, 3],
        "layer3.0.bn2.weight": [256],
        "layer3.0.bn2.bias": [256],
        "layer3.0.bn2.running_mean": [256],
        "layer3.0.bn2.running_var": [256],
        "layer3.0.bn2.num_batches_tracked": [],
        "layer3.0.downsample.0.weight": [256, 128, 1, 1],
        "layer3.0.downsample.1.weight": [256],
        "layer3.0.downsample.1.bias": [256],
        "layer3.0.downsample.1.running_mean": [256],
        "layer3.0.downsample.1.running_var": [256],
        "layer3.0.downsample.1.num_batches_tracked": [],
        "fc.weight": [10, 256],
        "fc.bias": [10],
    ]

    @Test func checkpointNamesAreTheTorchClasses() throws {
        let network = try Network(spec: ArchitectureSpec("resnet8x4"), input: Self.cifar, classes: 10, random: SeededRandom(seed: 1))
        var ours: [String: [Int]] = [:]
        for (name, parameter) in network.namedParameters { ours[name] = parameter.shape }
        for (name, buffer) in network.namedBuffers { ours[name] = buffer.shape }
        #expect(ours == Self.resnet8x4StateDict)
        #expect(network.namedParameters.count + network.namedBuffers.count == Self.resnet8x4StateDict.count)

        let resnet20 = try Network(spec: ArchitectureSpec("resnet-20"), input: Self.cifar, classes: 100, random: SeededRandom(seed: 1))
        let names = Set(resnet20.namedParameters.map(\.name) + resnet20.namedBuffers.map(\.name))
        #expect(names.contains("layer1.2.conv2.weight"))
        #expect(names.contains("layer3.2.bn2.num_batches_tracked"))
        #expect(names.contains("layer2.0.downsample.0.weight"))
        #expect(!names.contains("layer1.0.downsample.0.weight"))
        #expect(!names.contains("conv1.bias"))
        // conv1, bn1's five, nine blocks of two convolutions and two batch norms, two
        // downsamples of a convolution and a batch norm, fc's two.
        #expect(names.count == 1 + 5 + 9 * (2 + 2 * 5) + 2 * (1 + 5) + 2)
    }

    /// cnn5-bn's state_dict as PyTorch lists it; the ReLUs, pools and dropout are functions there.
    @Test func fiveLayerCNNNamesAreTheTorchClasses() throws {
        let network = try Network(spec: ArchitectureSpec("cnn5-bn"), input: Self.cifar, classes: 10, random: SeededRandom(seed: 1))
        let statistics = ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
        var expected: [String] = []
        for k in 1...3 { expected += ["conv\(k).weight", "conv\(k).bias"] + statistics.map { "bn\(k).\($0)" } }
        expected += ["fc1.weight", "fc1.bias"] + statistics.map { "fcbn1.\($0)" } + ["fc2.weight", "fc2.bias"]
        #expect(Set(network.namedParameters.map(\.name) + network.namedBuffers.map(\.name)) == Set(expected))
        #expect(network.namedParameters.first { $0.name == "fc1.weight" }?.parameter.shape == [128, 2048])
    }

    /// `mimic presets --pytorch` prints an nn.Sequential only where the checkpoint is
    /// one: not for the presets of a class of their own, nor for residual blocks; a
    /// bias-free convolution is printed with bias=False.
    @Test func pytorchSequentialOnlyWhereTheCheckpointIsOne() throws {
        let small = SampleShape(channels: 1, height: 8, width: 8)
        for spec in ["resnet-8", "wrn-16-2", "cnn5-bn", "conv4-res4", "conv4-preres4"] {
            #expect(try Network(spec: ArchitectureSpec(spec), input: small, classes: 3, random: SeededRandom(seed: 1)).pytorchSequential == nil)
        }
        let plain = try Network(spec: ArchitectureSpec("conv4nobias-bn"), input: small, classes: 3, random: SeededRandom(seed: 1))
        #expect(plain.pytorchSequential?.contains("nn.Conv2d(1, 4, kernel_size=3, stride=1, padding=1, bias=False),  # 0\n") == true)
        // A norelu convolution is a Conv2d with no ReLU after it.
        let bare = try Network(spec: ArchitectureSpec("conv4norelu-pool"), input: small, classes: 3, random: SeededRandom(seed: 1))
        #expect(bare.pytorchSequential?.contains("padding=1),  # 0\n    nn.MaxPool2d(kernel_size=2, stride=2),  # 1\n") == true)
    }

    /// A spec written out names its tensors as the nn.Sequential of its modules, a
    /// block's inside it; only the presets take the ResNet class's names.
    @Test func writtenOutSpecKeepsSequentialNames() throws {
        let spec = try ArchitectureSpec("conv16nobias-bn-res16-res32s2-gap")
        #expect(spec.naming == .sequential)
        let network = try Network(spec: spec, input: Self.cifar, classes: 10, random: SeededRandom(seed: 1))
        let names = network.namedParameters.map(\.name)
        #expect(names.prefix(3) == ["0.weight", "1.weight", "1.bias"])
        #expect(names.contains("3.conv1.weight") && names.contains("4.downsample.1.bias") && names.last == "7.bias")
    }

    /// The check TRAINING.md describes: a checkpoint loads into PyTorch's class with
    /// load_state_dict(strict=True) and gives the same eval-mode logits. Runs only where
    /// a Python with torch and safetensors is found (MIMIC_TORCH_PYTHON, or python3); CI
    /// has none, and it skips there.
    @Test(.enabled(if: torchPython != nil, "no Python with torch and safetensors; set MIMIC_TORCH_PYTHON"),
          arguments: ["resnet-8", "wrn-16-2", "cnn5-bn"])
    func torchLoadsACheckpointStrictlyAndAgrees(preset: String) throws {
        let python = try #require(torchPython)
        let network = try Network(spec: ArchitectureSpec(preset), input: Self.cifar, classes: 10, random: SeededRandom(seed: 3))
        // A few training steps, so the running statistics and counts are not their start.
        let batch = 4
        let x = randomInput(count: batch * Self.cifar.count, seed: 5)
        for _ in 0..<3 {
            _ = x.withUnsafeBufferPointer { network.forward($0.baseAddress!, batch: batch, training: true) }
        }
        var random = SeededRandom(seed: 8)
        for parameter in network.parameters where parameter.name == "bias" {
            for i in 0..<parameter.count { parameter.value[i] = random.nextGaussian() * 0.1 }
        }
        let logits = x.withUnsafeBufferPointer {
            Array(UnsafeBufferPointer(start: network.forward($0.baseAddress!, batch: batch, training: false), count: batch * 10))
        }
        let folder = try TemporaryFolder()
        try network.save(to: folder.file("\(preset).safetensors"))
        try x.withUnsafeBufferPointer { try Data(buffer: $0).write(to: URL(fileURLWithPath: folder.file("x.f32"))) }
        let printed = try runProgram(python, [Self.script, "check", folder.file("\(preset).safetensors"), folder.file("x.f32")])
        let expected = try JSONDecoder().decode([Double].self, from: printed)
        try #require(expected.count == logits.count)
        for (ours, theirs) in zip(logits, expected) {
            #expect(abs(Double(ours) - theirs) < 1e-4 * max(1, abs(theirs)), "\(ours) vs \(theirs)")
        }
    }

    /// The other way: a state_dict saved by PyTorch from the class (no mimic metadata)
    /// loads as a mentor of the preset (`--mentor resnet-8 --mentor-checkpoint FILE`)
    /// and gives PyTorch's eval-mode logits.
    @Test(.enabled(if: torchPython != nil, "no Python with torch and safetensors; set MIMIC_TORCH_PYTHON"),
          arguments: ["resnet-8", "wrn-16-2", "cnn5-bn"])
    func aStateDictFromTorchLoadsAsTheMentor(preset: String) throws {
        let python = try #require(torchPython)
        let batch = 3
        let x = randomInput(count: batch * Self.cifar.count, seed: 7)
        let folder = try TemporaryFolder()
        try x.withUnsafeBufferPointer { try Data(buffer: $0).write(to: URL(fileURLWithPath: folder.file("x.f32"))) }
        let printed = try runProgram(python, [Self.script, "export", preset, "10", folder.file("x.f32"), folder.file("torch.safetensors")])
        let expected = try JSONDecoder().decode([Double].self, from: printed)
        let (network, _, imported) = try Network.load(from: folder.file("torch.safetensors"), otherwise: { try ArchitectureSpec(preset) },
                                                      input: Self.cifar, classes: 10)
        #expect(imported)
        let logits = x.withUnsafeBufferPointer {
            Array(UnsafeBufferPointer(start: network.forward($0.baseAddress!, batch: batch, training: false), count: batch * 10))
        }
        try #require(expected.count == logits.count)
        for (ours, theirs) in zip(logits, expected) {
            #expect(abs(Double(ours) - theirs) < 1e-4 * max(1, abs(theirs)), "\(ours) vs \(theirs)")
        }
    }

    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/torch_models.py").path
}

/// A Python that imports torch and safetensors: MIMIC_TORCH_PYTHON, or python3.
let torchPython: String? = {
    let candidates = [ProcessInfo.processInfo.environment["MIMIC_TORCH_PYTHON"], "python3"].compactMap { $0 }
    return candidates.first { python in
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        probe.arguments = [python, "-c", "import torch, safetensors"]
        probe.standardOutput = FileHandle.nullDevice
        probe.standardError = FileHandle.nullDevice
        guard (try? probe.run()) != nil else { return false }
        probe.waitUntilExit()
        return probe.terminationStatus == 0
    }
}()
