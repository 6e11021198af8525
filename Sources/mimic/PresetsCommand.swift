import ArgumentParser
import Foundation
import MimicEngine

struct PresetsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "presets",
        abstract: "List the preset architectures, or show the layers of any spec.",
        discussion: """
            Specs are layers joined by dashes: convN[kK][sS][pP][nobias] (N filters of
            K x K, stride S, padding P, then ReLU; default k3 s1 p=K/2; nobias: without
            bias), pool[K][sS] (max pooling, default 2x2), fcN (dense + ReLU), dropR
            (dropout rate R), bn (batch norm of the conv or fc just before, ahead of its
            ReLU), gap (global average pooling), resN[sS] (a ResNet basic block of N
            channels, stride S). The last dense layer to the classes is implied. The
            resnet presets are RepDistiller's CIFAR ResNets, with its checkpoint names.

            Examples:
              mimic presets
              mimic presets --spec conv16k5-pool-fc64 --input 3x32x32
              mimic presets --spec conv16-bn-pool-conv32-bn-gap --input 3x32x32
              mimic presets --spec resnet-20 --input 3x32x32 --classes 100
            """)

    @Option(help: "Show the layers of this spec instead of the preset list.")
    var spec: String?

    @Option(help: "Input shape per sample, CxHxW.")
    var input: String = "1x28x28"

    @Option(parsing: .unconditional, help: "Number of classes.")
    var classes: Int = 10

    func run() throws {
        guard let shape = SampleShape(parsing: input) else {
            throw UsageError("Input shape \"\(input)\" is not of the form CxHxW; pass --input 1x28x28, for example.")
        }
        guard classes >= 2 else { throw UsageError("--classes \(classes) is too few; a classifier needs at least 2 classes.") }
        if let spec {
            let network = try Network(spec: ArchitectureSpec(spec), input: shape, classes: classes, random: SeededRandom(seed: 0))
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
}

/// A mistake in the command line that the parser itself cannot see.
struct UsageError: ReportableError {
    let description: String
    init(_ description: String) { self.description = description }
}
