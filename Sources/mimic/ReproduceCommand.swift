import ArgumentParser
import Foundation
import MimicEngine

struct ReproduceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reproduce",
        abstract: "Run the DeepMimic protocol and check its claims: table, Markdown and CSV.",
        discussion: """
            10% of the training set keeps its labels (stratified, seeded). A cnn-l mentor
            learns from it; students cnn-s, mlp-256 and mlp-64 learn from the mentor's
            outputs on the unlabeled 90% alone; the same three architectures trained on
            the labeled 10% alone are the baselines (the mentor's recipe: 30 epochs, Adam
            at lr 0.002 with a cosine schedule, images shifted by up to a pixel and
            mirrored half the time;
            students: 20 epochs at lr 0.003). Prints the comparison table and the
            verdict on each claim, and writes results.md and results.csv into --out.
            With several seeds, figures are mean ± standard deviation.

            Examples:
              mimic reproduce
              mimic reproduce --seeds 1,2,3 --out results/fashion
              mimic reproduce --loss mse
              mimic reproduce --augment none
              mimic reproduce --data ~/mnist --labeled 0.05
            """)

    @Option(help: "Folder with the four IDX files or the CIFAR-10 binary batches.")
    var data: String = DataSet.defaultDirectory

    @Option(help: "Fraction of the training set that keeps its labels.")
    var labeled: Double = ReproductionProtocol.labeledFraction

    @Option(help: "How students learn from the mentor: \(MimicLoss.allCases.map(\.rawValue).joined(separator: ", ")).")
    var loss: MimicLoss = .kd

    @Option(help: "Softening temperature T of the kd loss.")
    var temperature: Float = 4

    @Option(help: ArgumentHelp(
        "How the mentor and the baselines see the labeled images: shiftN, flip, shiftN-flip or none.",
        valueName: "spec"), transform: { text in try Augmentation.parse(text) })
    var augment: Augmentation = ReproductionProtocol.augmentation

    @Option(help: ArgumentHelp("Seeds to run, comma-separated; each is a whole protocol run.", valueName: "n,n,..."))
    var seeds: String = "1"

    @Option(help: ArgumentHelp("Folder for results.md and results.csv.", valueName: "dir"))
    var out: String = "mimic-results"

    @Option(help: "OpenBLAS threads (default: OpenBLAS's own choice).")
    var threads: Int?

    func run() throws {
        let seedList = reportingErrors { try ReproductionProtocol.parseSeeds(seeds) }
        let loaded = ContinuousClock.now
        let dataSet = reportingErrors { try DataSet.load(from: data) }
        let loadSeconds = (ContinuousClock.now - loaded).seconds
        let experiments = reportingErrors {
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            return try seedList.map { seed in
                var config = ReproductionProtocol.config(dataDirectory: data, seed: seed, labeledFraction: labeled,
                                                         loss: loss, temperature: temperature, augmentation: augment)
                config.threads = threads
                return try Experiment(config: config, dataSet: dataSet)
            }
        }
        let control = TrainingControl()
        let interrupts = InterruptHandler(control: control)
        let printer = ProgressPrinter()
        var reports: [ExperimentReport] = []
        for (k, experiment) in experiments.enumerated() where !control.isStopped {
            writeLine("== seed \(experiment.config.seed) (\(k + 1) of \(experiments.count))")
            reports.append(experiment.run(control: control) { printer.print($0) })
        }

        let summary = SeedSummary(reports)
        let verdicts = ReproductionProtocol.verdicts(for: reports)
        writeLine("")
        writeLine(summary.table.text)
        writeLine("")
        for verdict in verdicts {
            writeLine("\(verdict.holds ? "holds " : "MISSED") \(verdict.claim): \(verdict.detail)")
        }
        let times = reports.map(\.wallTime)
        writeLine(String(format: "protocol time per seed: %@ (data loading %.1fs not included)",
                         times.map { String(format: "%.0fs", $0) }.joined(separator: ", "), loadSeconds))

        let markdown = resultsMarkdown(dataSet: dataSet, reports: reports, summary: summary, verdicts: verdicts)
        let csv = ReportTable.csvHeader + "\n" + reports.flatMap { ReportTable($0).csvLines }.joined(separator: "\n") + "\n"
        let markdownPath = (out as NSString).appendingPathComponent("results.md")
        let csvPath = (out as NSString).appendingPathComponent("results.csv")
        reportingErrors {
            do {
                try markdown.write(toFile: markdownPath, atomically: true, encoding: .utf8)
                try csv.write(toFile: csvPath, atomically: true, encoding: .utf8)
            } catch {
                throw UsageError("Results cannot be written into \(out) (\(error.localizedDescription)); pass --out with a folder you can write to.")
            }
        }
        writeLine("wrote \(markdownPath) and \(csvPath)")
        if interrupts.interrupted { throw ExitCode(130) }
        if reports.contains(where: { !$0.allFinished }) { throw ExitCode.failure }
    }

    private func resultsMarkdown(dataSet: DataSet, reports: [ExperimentReport], summary: SeedSummary,
                                 verdicts: [ReproductionProtocol.Verdict]) -> String {
        let command = (["mimic"] + CommandLine.arguments.dropFirst()).joined(separator: " ")
        var lines = [
            "# DeepMimic on \(dataSet.name)",
            "",
            "Command: `\(command)`; seeds \(reports.map { String($0.config.seed) }.joined(separator: ", ")); "
                + "mimic \(MimicVersion.current); \(MachineDescription.current).",
            "",
        ]
        if let split = reports.first?.split {
            lines.append("Split: \(split.labeled) labeled, \(split.unlabeled) unlabeled, \(split.test) test.")
            lines.append("")
        }
        lines.append(summary.table.markdown)
        lines.append("")
        for verdict in verdicts {
            lines.append("- \(verdict.holds ? "Holds" : "**Missed**"): \(verdict.claim): \(verdict.detail).")
        }
        lines.append("- Protocol time per seed: " + reports.map { String(format: "%.0f s", $0.wallTime) }.joined(separator: ", ") + ".")
        return lines.joined(separator: "\n") + "\n"
    }
}

/// The processor and core count, for results that say where they were measured.
enum MachineDescription {
    static var current: String {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model = cpuinfo.split(separator: "\n")
            .first { $0.hasPrefix("model name") }?
            .split(separator: ":", maxSplits: 1).last?
            .trimmingCharacters(in: .whitespaces) ?? "unknown processor"
        return "\(model), \(ProcessInfo.processInfo.activeProcessorCount) cores"
    }
}
