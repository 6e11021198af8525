import ArgumentParser
import Foundation
import MimicEngine
import MimicSession
import MimicStore
import MimicSweep

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

            A reproduction is a sweep named "reproduce" in the run store, each seed one
            of its trainings and a recorded run ('mimic sweeps', 'mimic sweep show ID'
            and 'mimic watch --sweep ID' show it). Stopped with Ctrl-C or killed, the
            same command with --resume goes on with it: seeds done are reported as
            they ended, a seed cut short resumes from its last epoch checkpoints, the
            rest train.

            Examples:
              mimic reproduce
              mimic reproduce --seeds 1,2,3 --out results/fashion
              mimic reproduce --seeds 1,2,3 --out results/fashion --resume
              mimic reproduce --loss mse
              mimic reproduce --augment none
              mimic reproduce --data ~/mnist --labeled 0.05
              mimic reproduce --mentor resnet-20 --student resnet-8 --student cnn-s --student mlp-256
            """)

    @Option(help: "Folder with the four IDX files, the CIFAR-10 binary batches, or image folders train/<class>/ and test/<class>/.")
    var data: String = DataSet.defaultDirectory

    @Option(parsing: .unconditional, help: "Fraction of the training set that keeps its labels.")
    var labeled: Double = ReproductionProtocol.labeledFraction

    @Option(help: "How students learn from the mentor: \(MimicLoss.allCases.map(\.rawValue).joined(separator: ", ")).")
    var loss: MimicLoss = .kd

    @Option(parsing: .unconditional, help: "Softening temperature T of the kd loss.")
    var temperature: Float = 4

    @Option(help: ArgumentHelp(
        "How the mentor and the baselines see the labeled images: shiftN, flip, shiftN-flip or none.",
        valueName: "spec"), transform: { text in try Augmentation.parse(text) })
    var augment: Augmentation = ReproductionProtocol.augmentation

    @Option(help: ArgumentHelp("The mentor's architecture, instead of the protocol's cnn-l.", valueName: "spec"))
    var mentor: String = ReproductionProtocol.mentor

    @Option(name: .customLong("student"),
            help: ArgumentHelp("A student's architecture, instead of the protocol's cnn-s, mlp-256 and mlp-64; repeat for several. The first is held to the mentor's level.",
                               valueName: "spec"))
    var students: [String] = []

    @Option(help: ArgumentHelp("Seeds to run, comma-separated; each is a whole protocol run.", valueName: "n,n,..."))
    var seeds: String = "1"

    @Option(help: ArgumentHelp("Folder for results.md and results.csv.", valueName: "dir"))
    var out: String = "mimic-results"

    @Option(parsing: .unconditional, help: "OpenBLAS threads (default: OpenBLAS's own choice).")
    var threads: Int?

    @OptionGroup var storeOptions: StoreOptions

    @Flag(help: "Do not record the runs in the run store (a reproduction cut short then cannot be resumed).")
    var noStore = false

    @Flag(help: "Go on with the newest reproduction of the same settings in the store: seeds done are reported as they ended, a seed cut short resumes, the rest train.")
    var resume = false

    func validate() throws {
        if noStore && resume {
            throw ValidationError("--resume takes up the runs recorded in the store, so it cannot go with --no-store; drop one of them.")
        }
    }

    func run() throws {
        let seedList = try ReproductionProtocol.parseSeeds(seeds)
        let configs = seedList.map { seed in
            var config = ReproductionProtocol.config(dataDirectory: data, seed: seed, labeledFraction: labeled,
                                                     loss: loss, temperature: temperature, augmentation: augment,
                                                     mentor: mentor,
                                                     students: students.isEmpty ? ReproductionProtocol.students : students)
            config.threads = threads
            return config.withAbsolutePaths()
        }
        try configs.forEach { try $0.validate() }
        let loaded = ContinuousClock.now
        let dataSet = try DataSet.load(from: data)
        let loadSeconds = (ContinuousClock.now - loaded).seconds
        // A reproduction trains through a sweep's queue like any sweep; without a store
        // of the person's, that queue lives in a store of its own, deleted at the end.
        let scratch = noStore ? try ScratchStore() : nil
        defer { scratch?.remove() }
        let store = try scratch?.store ?? storeOptions.open()
        let output = noStore ? OutputFile(guarded: .none) : try OutputFile(guarding: store)
        try ResultsFolder.prepare(out, guarded: output.guarded)
        // Every seed's earlier run is looked up before anything trains, so that one
        // still training elsewhere stops the command at once, not after an hour.
        let (sweep, earlierRuns) = try Self.recordedSweep(of: configs, in: store, resuming: resume)
        if !noStore { writeLine("sweep \(sweep.id) \"\(ReproductionProtocol.runGroup)\" in \(store.location)") }
        for (config, earlier) in zip(configs, earlierRuns) {
            guard let earlier else { continue }
            writeLine("seed \(config.seed): run \(earlier.id), " + (earlier.status == .done ? "done before" : "resumed"))
        }

        let interrupts = InterruptHandler()
        let local = LocalSweep(sweep: sweep, store: store, workers: 1, executable: DetachedTraining.executable,
                               programVersion: MimicVersion.current, reporter: ConsoleSweepReporter())
        let outcome = try local.train(stops: interrupts)
        let runs = try outcome.standing?.runs ?? store.runs(sweep: sweep.id)
        let (reports, wallTimes) = try Self.reports(of: sweep, runs: runs, store: store, dataSet: dataSet)
        guard !reports.isEmpty else {
            if interrupts.interrupted { throw ExitCode(interrupts.exitCode) }
            throw UsageError("No seed of the reproduction ended, so there is no table; "
                + (noStore ? "the messages above say why." : "the messages above say why, and 'mimic reproduce --resume' goes on."))
        }
        try writeResults(reports, wallTimes: wallTimes, loadSeconds: loadSeconds, dataSet: dataSet, output: output)
        if !noStore, reports.count < configs.count {
            writeLine("the runs are in \(store.location); the same command with --resume goes on where this one stopped")
        }
        if interrupts.interrupted { throw ExitCode(interrupts.exitCode) }
        if reports.count < configs.count || outcome.pass.problems > 0 { throw ExitCode.failure }
    }

    /// Each done seed's report, as its run ended, and its wall time, in the order of the seeds.
    static func reports(of sweep: SweepRecord, runs: [RunRecord], store: RunStore,
                        dataSet: DataSet) throws -> ([ExperimentReport], [Double]) {
        var reports: [ExperimentReport] = []
        var wallTimes: [Double] = []
        for k in sweep.trainings.indices {
            guard let run = runs.first(where: { $0.slot?.training == k }), run.status == .done else { continue }
            reports.append(try RunSession.review(run.id, store: store, dataSet: dataSet).run { _ in })
            wallTimes.append(run.wallSeconds ?? 0)
        }
        return (reports, wallTimes)
    }

    /// Prints the comparison table and the verdicts, and writes results.md and results.csv.
    private func writeResults(_ reports: [ExperimentReport], wallTimes: [Double], loadSeconds: Double, dataSet: DataSet,
                              output: OutputFile) throws {
        let summary = SeedSummary(reports)
        let verdicts = ReproductionProtocol.verdicts(for: reports)
        writeLine("")
        writeLine(summary.table.text)
        writeLine("")
        for verdict in verdicts {
            writeLine("\(verdict.holds ? "holds " : "MISSED") \(verdict.claim): \(verdict.detail)")
        }
        writeLine(String(format: "protocol time per seed: %@ (data loading %.1fs not included)",
                         wallTimes.map { String(format: "%.0fs", $0) }.joined(separator: ", "), loadSeconds))
        let markdown = resultsMarkdown(dataSet: dataSet, reports: reports, wallTimes: wallTimes, summary: summary, verdicts: verdicts)
        let csv = ReportTable.csvHeader + "\n" + reports.flatMap { ReportTable($0).csvLines }.joined(separator: "\n") + "\n"
        let markdownPath = (out as NSString).appendingPathComponent("results.md")
        let csvPath = (out as NSString).appendingPathComponent("results.csv")
        for (path, text) in [(markdownPath, markdown), (csvPath, csv)] {
            try output.write(text, to: path, naming: "The results")
        }
        writeLine("wrote \(markdownPath) and \(csvPath)")
    }

    /// The sweep this reproduction is recorded as, and each seed's earlier run. With
    /// `resuming`, the newest reproduction of the same seeds and settings goes on, and
    /// a seed it lacks takes up the newest run of its settings outside any sweep (one
    /// the dashboard's R trained); otherwise a new sweep starts with no earlier runs.
    static func recordedSweep(of configs: [ExperimentConfig], in store: RunStore,
                              resuming: Bool) throws -> (SweepRecord, [RunRecord?]) {
        let sameSettings = { (sweep: SweepRecord) in
            sweep.name == ReproductionProtocol.runGroup && sweep.trainings.count == configs.count
                && zip(sweep.trainings, configs).allSatisfy { $0.sameExperiment(as: $1) }
        }
        let earlier = resuming ? try store.sweeps().first(where: sameSettings) : nil
        let sweepRuns = try earlier.map { try store.runs(sweep: $0.id) } ?? []
        var earlierRuns: [RunRecord?] = []
        var outside: [(training: Int, run: Int64)] = []
        for (k, config) in configs.enumerated() {
            guard resuming else {
                earlierRuns.append(nil)
                continue
            }
            if let run = sweepRuns.first(where: { $0.slot?.training == k }) {
                earlierRuns.append(try refuseIfTraining(run, seed: config.seed))
            } else if let run = try store.runs(partOf: ReproductionProtocol.runGroup)
                .first(where: { $0.slot == nil && $0.config.sameExperiment(as: config) }) {
                earlierRuns.append(try refuseIfTraining(run, seed: config.seed))
                outside.append((k, run.id))
            } else {
                earlierRuns.append(nil)
            }
        }
        // Recorded only once nothing refused: a reproduction that cannot go on leaves no sweep.
        let sweep = try earlier ?? store.createSweep(name: ReproductionProtocol.runGroup,
                                                     source: (["mimic"] + CommandLine.arguments.dropFirst()).joined(separator: " "),
                                                     trainings: configs)
        for (training, run) in outside { try store.join(run: run, to: SweepSlot(sweep: sweep.id, training: training)) }
        return (sweep, earlierRuns)
    }

    /// A seed's earlier run, unless it is still training elsewhere: then a sentence.
    static func refuseIfTraining(_ run: RunRecord, seed: UInt64) throws -> RunRecord {
        if run.status == .running {
            let process = run.pid.map { " (process \($0))" } ?? ""
            throw UsageError("Run \(run.id), seed \(seed) of this reproduction, is still training\(process); "
                + "wait for it to end, or stop it ('mimic watch \(run.id)', then S), and run this again.")
        }
        return run
    }

    private func resultsMarkdown(dataSet: DataSet, reports: [ExperimentReport], wallTimes: [Double], summary: SeedSummary,
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
        lines.append("- Protocol time per seed: " + wallTimes.map { String(format: "%.0f s", $0) }.joined(separator: ", ") + ".")
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

/// The folder `mimic reproduce` writes its results into.
enum ResultsFolder {
    /// Makes `path` if missing; one sentence when it cannot be a folder of results.
    static func prepare(_ path: String, guarded: GuardedPaths) throws(UsageError) {
        if let problem = guarded.problem(writing: path) {
            throw UsageError("Results folder \(path) cannot hold the results: \(problem); pass --out with another folder.")
        }
        var isFolder: ObjCBool = false
        // "file/" is not found as a file (a trailing slash asks for a folder), so look
        // the name up without it.
        if FileManager.default.fileExists(atPath: (path as NSString).standardizingPath, isDirectory: &isFolder) {
            guard isFolder.boolValue else {
                throw UsageError("Results folder \(path) is a file; pass --out with a folder.")
            }
        } else {
            do {
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            } catch {
                let reason = OutputFile.describe(error, writing: path)
                throw UsageError("Results folder \(path) cannot be made (\(reason)); pass --out with a folder you can write to.")
            }
        }
        guard FileManager.default.isWritableFile(atPath: path) else {
            throw UsageError("Results folder \(path) is not writable; pass --out with a folder you can write to.")
        }
    }
}

/// A run store of its own in a temporary folder, for `mimic reproduce --no-store`: its
/// seeds train through a sweep's queue like any sweep's, and nothing is kept.
struct ScratchStore {
    let folder: String
    let store: RunStore

    init() throws {
        folder = NSTemporaryDirectory() + "mimic-reproduce-\(getpid())-\(UUID().uuidString.prefix(8))"
        store = try RunStore(path: (folder as NSString).appendingPathComponent("runs.sqlite"))
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: folder)
    }
}
