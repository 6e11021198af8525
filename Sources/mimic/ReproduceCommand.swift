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
            """)

    @Option(help: "Folder with the four IDX files or the CIFAR-10 binary batches.")
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
        let seedList = reportingErrors { try ReproductionProtocol.parseSeeds(seeds) }
        let configs = seedList.map { seed in
            var config = ReproductionProtocol.config(dataDirectory: data, seed: seed, labeledFraction: labeled,
                                                     loss: loss, temperature: temperature, augmentation: augment)
            config.threads = threads
            return config.withAbsolutePaths()
        }
        reportingErrors { try configs.forEach { try $0.validate() } }
        let loaded = ContinuousClock.now
        let dataSet = reportingErrors { try DataSet.load(from: data) }
        let loadSeconds = (ContinuousClock.now - loaded).seconds
        reportingErrors { try ResultsFolder.prepare(out) }
        let store = noStore ? nil : storeOptions.open()
        // Every seed's earlier run is looked up before anything trains, so that one
        // still training elsewhere stops the command at once, not after an hour.
        let (sweep, earlierRuns) = reportingErrors { () throws -> (SweepRecord?, [RunRecord?]) in
            guard let store else { return (nil, configs.map { _ in nil }) }
            return try Self.recordedSweep(of: configs, in: store, resuming: resume)
        }
        if let sweep, let store { writeLine("sweep \(sweep.id) \"\(ReproductionProtocol.runGroup)\" in \(store.location)") }

        let interrupts = InterruptHandler()
        let printer = ProgressPrinter()
        var reports: [ExperimentReport] = []
        var wallTimes: [Double] = []
        var failure: (any Error)?
        for (k, (config, earlier)) in zip(configs, earlierRuns).enumerated() where !interrupts.interrupted {
            let session: RunSession
            do {
                session = try self.session(for: config, earlier: earlier, dataSet: dataSet, store: store,
                                           slot: sweep.map { SweepSlot(sweep: $0.id, training: k) })
            } catch {
                // The seeds done so far still make their table and files.
                failure = error
                break
            }
            let what = session.runID.map { id in
                earlier.map { $0.status == .done ? "run \(id), done before" : "run \(id), resumed" } ?? "run \(id)"
            }
            writeLine("== seed \(config.seed) (\(k + 1) of \(configs.count))" + (what.map { ", \($0)" } ?? ""))
            // One Ctrl-C stops the seed in training and every seed after it.
            interrupts.stops(session.control)
            let report = session.run { printer.print($0) }
            reports.append(report)
            wallTimes.append(earlier?.status == .done ? earlier?.wallSeconds ?? report.wallTime : session.wallSeconds(of: report))
        }

        if let failure, reports.isEmpty { exitWithError(failure) }
        let summary = SeedSummary(reports)
        let verdicts = ReproductionProtocol.verdicts(for: reports)
        writeLine("")
        writeLine(summary.table.text)
        writeLine("")
        for verdict in verdicts {
            writeLine("\(verdict.holds ? "holds " : "MISSED") \(verdict.claim): \(verdict.detail)")
        }
        let times = wallTimes
        writeLine(String(format: "protocol time per seed: %@ (data loading %.1fs not included)",
                         times.map { String(format: "%.0fs", $0) }.joined(separator: ", "), loadSeconds))

        let markdown = resultsMarkdown(dataSet: dataSet, reports: reports, wallTimes: wallTimes, summary: summary, verdicts: verdicts)
        let csv = ReportTable.csvHeader + "\n" + reports.flatMap { ReportTable($0).csvLines }.joined(separator: "\n") + "\n"
        let markdownPath = (out as NSString).appendingPathComponent("results.md")
        let csvPath = (out as NSString).appendingPathComponent("results.csv")
        reportingErrors {
            for (path, text) in [(markdownPath, markdown), (csvPath, csv)] {
                do {
                    try text.write(toFile: path, atomically: true, encoding: .utf8)
                } catch {
                    throw UsageError("Results cannot be written into \(out) (\(FileProblem.describe(error, writing: path))); pass --out with a folder you can write to.")
                }
            }
        }
        writeLine("wrote \(markdownPath) and \(csvPath)")
        if let store, reports.count < configs.count || reports.contains(where: { !$0.allFinished }) {
            writeLine("the runs are in \(store.location); the same command with --resume goes on where this one stopped")
        }
        if let failure { exitWithError(failure) }
        if interrupts.interrupted { throw ExitCode(130) }
        if reports.contains(where: { !$0.allFinished }) { throw ExitCode.failure }
    }

    /// The session that gives this seed's report: a new recorded run, or with --resume
    /// the earlier run of the same settings, reported as it ended or resumed.
    private func session(for config: ExperimentConfig, earlier: RunRecord?, dataSet: DataSet,
                         store: RunStore?, slot: SweepSlot?) throws -> RunSession {
        guard let earlier, let store else {
            return try RunSession.start(config, dataSet: dataSet, store: store, programVersion: MimicVersion.current,
                                        partOf: ReproductionProtocol.runGroup, slot: slot)
        }
        if earlier.status == .done { return try RunSession.review(earlier.id, store: store, dataSet: dataSet) }
        return try RunSession.resume(earlier.id, store: store, threads: threads, dataSet: dataSet)
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
    static func prepare(_ path: String) throws(UsageError) {
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
                let reason = FileProblem.describe(error, writing: path)
                throw UsageError("Results folder \(path) cannot be made (\(reason)); pass --out with a folder you can write to.")
            }
        }
        guard FileManager.default.isWritableFile(atPath: path) else {
            throw UsageError("Results folder \(path) is not writable; pass --out with a folder you can write to.")
        }
    }
}
