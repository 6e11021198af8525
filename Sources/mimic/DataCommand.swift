import ArgumentParser
import Foundation
import MimicEngine

/// `mimic data`: what a data set's split holds, for a mentor that lives elsewhere.
struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "List a split's pool and test images, or write a model's logits for them.",
        subcommands: [DataListCommand.self, DataLogitsCommand.self])
}

/// The options that decide which images form the pool: the data set and the split.
struct SplitOptions: ParsableArguments {
    @Option(help: .train("data")) var data: String = DataSet.defaultDirectory
    @Option(help: .train("unlabeled")) var unlabeled: String?
    @Option(parsing: .unconditional, help: .train("labeled")) var labeled: Double = ExperimentConfig().labeledFraction
    @Option(parsing: .unconditional, help: .train("seed")) var seed: UInt64 = ExperimentConfig().seed

    var config: ExperimentConfig {
        var config = ExperimentConfig()
        config.dataDirectory = data
        config.unlabeledDirectory = unlabeled
        config.labeledFraction = labeled
        config.seed = seed
        return config
    }

    func split() throws -> (DataSet, DataSplit) {
        let dataSet = try DataSet.load(for: config)
        return (dataSet, try DataSplit(dataSet: dataSet, labeledFraction: labeled, seed: seed))
    }
}

struct DataListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "Print the pool's images, then the test set's, in the order a mentor's logits file holds them.",
        discussion: """
            One line per image, tab-separated: the part (pool or test), the row in a logits
            file's part, the table the image comes from (train, unlabeled or test) with its
            index there, and its file name when the data set is an image folder. The pool
            is the training images the labeled part leaves, in their order, then the images
            without a class; it depends on --labeled and --seed, as a run's does.

            Examples:
              mimic data list --data ~/pets --labeled 0.1 --seed 1
              mimic data list --data ~/pets --labeled 1 | grep -c '^pool'
            """)

    @OptionGroup var split: SplitOptions

    func run() throws {
        let (dataSet, split) = try self.split.split()
        let names = try DataSet.imageNames(in: self.split.data, unlabeled: self.split.unlabeled)
        let trainCount = Int32(dataSet.train.count)
        var lines = ["# part\trow\ttable\tindex\tfile"]
        lines.reserveCapacity(split.unlabeled.count + split.test.count + 1)
        for (row, index) in split.unlabeled.rows.enumerated() {
            let (table, at) = index < trainCount ? ("train", Int(index)) : ("unlabeled", Int(index - trainCount))
            let name = (table == "train" ? names?.train : names?.unlabeled).map { "\t" + $0[at] } ?? ""
            lines.append("pool\t\(row)\t\(table)\t\(at)\(name)")
        }
        for (row, index) in split.test.rows.enumerated() {
            lines.append("test\t\(row)\ttest\t\(index)" + (names.map { "\t" + $0.test[Int(index)] } ?? ""))
        }
        writeLine(lines.joined(separator: "\n"))
    }
}

struct DataLogitsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logits",
        abstract: "Write a model's logits for a split's pool and test images, as a mentor of outputs only.",
        discussion: """
            Writes a safetensors file with the tensors pool and test, computed as a run
            computes its mentor's annotation and evaluation, so that 'mimic train
            --mentor-logits FILE' with the same split and threads trains the same students,
            bit for bit, as '--mentor-checkpoint MODEL'.

            Examples:
              mimic data logits --model mentor.safetensors --out mentor-logits.safetensors
              mimic data logits --model torch.safetensors --spec cnn-l --data ~/pets --labeled 1 --out l.safetensors
            """)

    @Option(help: ArgumentHelp("A safetensors checkpoint of the model.", valueName: "file"))
    var model: String

    @Option(help: ArgumentHelp("The architecture of a state_dict saved elsewhere (PyTorch), which records none.", valueName: "spec"))
    var spec: String?

    @Option(help: ArgumentHelp("Where to write the logits (.safetensors).", valueName: "file"))
    var out: String

    @Option(parsing: .unconditional, help: .train("threads")) var threads: Int?

    @OptionGroup var split: SplitOptions

    func run() throws {
        guard out.lowercased().hasSuffix(".safetensors") else {
            throw UsageError("--out \(out) does not end in .safetensors; name a .safetensors file, which is what this command writes.")
        }
        if URL(fileURLWithPath: out).standardizedFileURL == URL(fileURLWithPath: model).standardizedFileURL {
            throw UsageError("--out \(out) is the model itself; name another file, so the model is not overwritten.")
        }
        if let threads { Parallel.threads = threads }
        let (dataSet, split) = try self.split.split()
        let (network, _, _) = try Network.load(from: model, otherwise: { try spec.map(ArchitectureSpec.init) },
                                               input: dataSet.train.shape, classes: dataSet.classCount)
        let logits = MentorLogits.of(network, split: split)
        try logits.write(to: out, split: split)
        writeLine("\(out): logits of \(split.unlabeled.count) pool and \(split.test.count) test images, \(logits.classes) classes")
    }
}
