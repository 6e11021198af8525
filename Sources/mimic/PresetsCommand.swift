import ArgumentParser
import Foundation
import MimicEngine

struct PresetsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "presets",
        abstract: "List the preset architectures, or show the layers of any spec.",
        discussion: """
            Specs are layers joined by dashes: convN[kK][sS][pP][nobias][norelu] (N filters
            of K x K, stride S, padding P, then ReLU; default k3 s1 p=K/2; nobias: without
            bias; norelu: without the ReLU), pool[K][sS] (max pooling, default 2x2), fcN
            (dense + ReLU), dropR (dropout rate R), bn (batch norm of the conv, fc or
            preres just before, ahead of its ReLU), gap (global average pooling), resN[sS]
            (a ResNet basic block of N channels, stride S), preresN[sS] (a wide ResNet's
            pre-activation block). The last dense layer to the classes is implied. The
            resnet presets are RepDistiller's CIFAR ResNets, the wrn presets its wide
            ResNets and cnn5-bn the 5-layer CNN of knowledge-distillation-pytorch, with
            those classes' checkpoint names.

            Examples:
              mimic presets
              mimic presets --spec conv16k5-pool-fc64 --input 3x32x32
              mimic presets --spec conv16-bn-pool-conv32-bn-gap --input 3x32x32
              mimic presets --spec resnet-20 --input 3x32x32 --classes 100
              mimic presets --spec wrn-40-2 --input 3x32x32 --classes 100
              mimic presets --spec cnn-l --pytorch    # the same network in PyTorch
            """)

    @Option(help: "Show the layers of this spec instead of the preset list.")
    var spec: String?

    @Option(help: "Input shape per sample, CxHxW.")
    var input: String = "1x28x28"

    @Option(parsing: .unconditional, help: "Number of classes.")
    var classes: Int = 10

    @Flag(help: "With --spec: print the PyTorch module (torch.nn) whose state_dict has this network's checkpoint names and shapes, to train a mentor in PyTorch for --mentor-checkpoint.")
    var pytorch = false

    func run() throws {
        guard let shape = SampleShape(parsing: input) else {
            throw UsageError("Input shape \"\(input)\" is not of the form CxHxW; pass --input 1x28x28, for example.")
        }
        guard classes >= 2 else { throw UsageError("--classes \(classes) is too few; a classifier needs at least 2 classes.") }
        if pytorch && spec == nil { throw UsageError("--pytorch prints the module of one spec; pass it with --spec, e.g. --spec cnn-l --pytorch.") }
        if let spec {
            let network = try Network(spec: ArchitectureSpec(spec), input: shape, classes: classes, random: SeededRandom(seed: 0))
            if pytorch { return try printPyTorch(network) }
            print("\(network.spec.text) on \(shape) input, \(classes) classes: \(network.spec.expanded)")
            network.summary.forEach { print("  \($0)") }
            print("  \(ReportTable.grouped(network.parameterCount)) parameters, \(ReportTable.grouped(network.forwardFLOPsPerSample)) FLOPs per sample (forward)")
            return
        }
        // All built before the header, so that an input too large for them prints only its sentence.
        let networks = try ArchitectureSpec.presets.map { name, _ in
            try Network(spec: ArchitectureSpec(name), input: shape, classes: classes, random: SeededRandom(seed: 0))
        }
        print("preset       parameters  FLOPs/sample  layers   (on \(shape) input, \(classes) classes)")
        for ((name, _), network) in zip(ArchitectureSpec.presets, networks) {
            let params = ReportTable.grouped(network.parameterCount)
            let flops = ReportTable.grouped(network.forwardFLOPsPerSample)
            print(name.padding(toLength: 11, withPad: " ", startingAt: 0) + " "
                + String(repeating: " ", count: max(0, 11 - params.count)) + params + " "
                + String(repeating: " ", count: max(0, 13 - flops.count)) + flops + "  " + network.spec.expanded)
        }
    }

    /// The module as Python a user pastes into a training script.
    private func printPyTorch(_ network: Network) throws {
        guard let module = network.pytorchSequential else {
            if network.spec.naming != .sequential {
                throw UsageError("Preset \(network.spec.text) is the layout of a PyTorch class of its own, not an nn.Sequential, "
                    + "and its checkpoints use that class's names; scripts/torch_models.py has the class to train it in PyTorch.")
            }
            throw UsageError("Spec \(network.spec.text) has a layer with no torch.nn module of the same parameters; "
                + "see scripts/torch_models.py for the preset networks' PyTorch classes.")
        }
        print("""
            # mimic's \(network.spec.text) on \(network.inputShape) input (pixels / 255, channels first), \(network.classes) classes.
            # Its state_dict has the names and shapes of mimic's checkpoint of it: save it with
            # safetensors.torch.save_file(model.state_dict(), "mentor.safetensors") and train with
            # mimic train --mentor \(network.spec.text) --mentor-checkpoint mentor.safetensors
            import torch.nn as nn

            model = \(module)
            """)
    }
}

/// A mistake in the command line that the parser itself cannot see.
struct UsageError: ReportableError {
    let description: String
    init(_ description: String) { self.description = description }
}
