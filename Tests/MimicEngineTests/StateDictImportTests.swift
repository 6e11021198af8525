import Foundation
import MimicEngine
import MimicTestSupport
import Testing

/// A mentor trained elsewhere: a state_dict with no metadata of mimic's, loaded into the
/// architecture named for it, whose PyTorch module `pytorchSequential` prints.
@Suite struct StateDictImportTests {
    static let input = SampleShape(channels: 1, height: 8, width: 8)

    /// What `safetensors.torch.save_file(model.state_dict(), path)` writes: the tensors
    /// by their state_dict names, no metadata.
    static func saveStateDict(_ network: Network, to path: String) throws {
        try Checkpoint.save(network.namedParameters, buffers: network.namedBuffers, metadata: [:], to: path)
    }

    @Test func aStateDictLoadsIntoTheNamedArchitectureAndPredictsAlike() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("torch.safetensors")
        let network = try CheckpointTests.trainedBatchNormNetwork()
        try Self.saveStateDict(network, to: path)
        let loaded = try Network.load(from: path, otherwise: { try ArchitectureSpec("conv4-bn-pool-fc8-bn") }, input: Self.input, classes: 3)
        #expect(loaded.imported)
        #expect(CheckpointTests.state(loaded.network) == CheckpointTests.state(network))
        let x = randomInput(count: 4 * 64, seed: 61)
        func evaluate(_ network: Network) -> [Float] {
            x.withUnsafeBufferPointer { Array(UnsafeBufferPointer(start: network.forward($0.baseAddress!, batch: 4, training: false), count: 12)) }
        }
        #expect(evaluate(loaded.network) == evaluate(network))

        // A checkpoint mimic saved rebuilds itself, whatever architecture is named.
        let saved = folder.file("mimic.safetensors")
        try network.save(to: saved)
        let own = try Network.load(from: saved, otherwise: { try ArchitectureSpec("fc4") }, input: Self.input, classes: 3)
        #expect(!own.imported && own.network.spec.text == "conv4-bn-pool-fc8-bn")
    }

    /// The first tensor that differs from the architecture's is named, in one sentence.
    @Test func theFirstDifferenceIsNamed() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("torch.safetensors")
        try Self.saveStateDict(try CheckpointTests.trainedBatchNormNetwork(), to: path)
        func refusal(_ spec: String) -> String {
            do {
                _ = try Network.load(from: path, otherwise: { try ArchitectureSpec(spec) }, input: Self.input, classes: 3)
                return "loaded"
            } catch {
                return "\(error)"
            }
        }
        #expect(refusal("conv8-bn-pool-fc8-bn") == "Tensor \"0.weight\" in checkpoint \(path) has shape [4, 1, 3, 3] but the model expects [8, 1, 3, 3]; load it into the architecture it was saved from.")
        #expect(refusal("conv4-pool-fc8-bn") == "The checkpoint \(path) has no tensor \"4.weight\"; it was saved from another architecture, so load it into the model it was trained as.")
        #expect(refusal("conv4-bn-pool-fc8") == "The checkpoint \(path) has no tensor \"7.weight\"; it was saved from another architecture, so load it into the model it was trained as.")
        #expect(throws: CheckpointError.stateDictWithoutSpec(path: path)) {
            try Network.load(from: path, otherwise: { nil }, input: Self.input, classes: 3)
        }
        #expect(throws: CheckpointError.missingMetadata(path: path, key: "spec")) { try Network.load(from: path) }
    }

    /// A run with an imported mentor resumes only with the architecture it was loaded
    /// into: two specs whose tensors have the same names and shapes (a stride apart)
    /// would annotate differently.
    @Test func aResumeKeepsTheArchitectureOfAnImportedMentor() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("torch.safetensors")
        let data = ResumeTests.data
        let mentor = try Network(spec: ArchitectureSpec("conv4-gap"), input: data.train.shape, classes: data.classCount,
                                 random: SeededRandom(seed: 3))
        try Self.saveStateDict(mentor, to: path)
        var config = ResumeTests.config()
        config.mentorCheckpoint = path
        config.mentor = "conv4-gap"
        config.students = ["linear"]
        config.studentEpochs = 1
        config.baselines = false
        _ = try ResumeTests.experiment(config, folder: folder.file("run")).run { _ in }
        _ = try ResumeTests.experiment(config, folder: folder.file("run"), resuming: true)
        var strided = config
        strided.mentor = "conv4s2-gap"
        #expect(throws: ConfigError.self) { try ResumeTests.experiment(strided, folder: folder.file("run"), resuming: true) }
    }

    /// A pickle is never opened: loading one runs whatever code it holds.
    @Test(arguments: ["mentor.pt", "mentor.PTH"]) func aPickleIsRefusedWithTheLineThatConvertsIt(_ name: String) throws {
        let folder = try TemporaryFolder()
        let path = folder.file(name)
        try Data("not read".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: CheckpointError.pytorchPickle(path: path)) { try Checkpoint(path: path) }
        let sentence = CheckpointError.pytorchPickle(path: path).description
        #expect(sentence.contains("save_file(torch.load('\(path)', map_location='cpu'), '\(path).safetensors')") && sentence.hasSuffix("."))
        // A quote in the path is escaped for Python, inside the shell's double quotes.
        #expect(CheckpointError.pytorchPickle(path: "/m/it's $x.pt").description.contains(#"torch.load('/m/it\'s \$x.pt'"#))
    }

    /// Each line of the module is the layer of mimic's with the same index, so the
    /// state_dict's names are the checkpoint's.
    @Test func thePyTorchModuleIsTheNetworkLayerForLayer() throws {
        let network = try Network(spec: ArchitectureSpec("conv4k5s2-bn-pool3s2-fc8-bn-drop0.25"),
                                  input: SampleShape(channels: 3, height: 16, width: 16), classes: 5, random: SeededRandom(seed: 1))
        #expect(network.pytorchSequential == """
            nn.Sequential(
                nn.Conv2d(3, 4, kernel_size=5, stride=2, padding=2),  # 0
                nn.BatchNorm2d(4),  # 1
                nn.ReLU(),  # 2
                nn.MaxPool2d(kernel_size=3, stride=2),  # 3
                nn.Flatten(),  # 4
                nn.Linear(36, 8),  # 5
                nn.BatchNorm1d(8),  # 6
                nn.ReLU(),  # 7
                nn.Dropout(p=0.25),  # 8
                nn.Linear(8, 5),  # 9
            )
            """)
        let gap = try Network(spec: ArchitectureSpec("conv4-gap"), input: Self.input, classes: 3, random: SeededRandom(seed: 1))
        #expect(gap.pytorchSequential?.contains("nn.AdaptiveAvgPool2d(1),  # 2\n    nn.Flatten(),  # 3\n    nn.Linear(4, 3),  # 4") == true)
        // Every tensor of the checkpoint belongs to a line of the module with parameters.
        let lines = network.pytorchSequential!.split(separator: "\n")
        for (name, _) in network.namedParameters {
            let index = Int(name.prefix { $0 != "." })!
            #expect(lines.contains { $0.hasSuffix("# \(index)") && ($0.contains("Conv2d") || $0.contains("Linear") || $0.contains("BatchNorm")) }, "\(name)")
        }
    }
}
