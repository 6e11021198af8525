import ArgumentParser
import Foundation
import MimicEngine
import MimicSession
import MimicStore
import MimicSweep

struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Run a grid of DeepMimic experiments: labeled fractions x students x seeds, or any option of 'mimic train'.",
        discussion: """
            The grid comes from a YAML file in the shape of a W&B sweep file, or from
            options with comma-separated values. Points that differ only in their student
            share one training: the mentor is trained once per data set, split, seed and
            mentor settings, and its annotation serves every student; each student's
            baseline is trained once there too. Every training is a run recorded in the
            store and tied to the sweep; 'mimic sweep resume ID' goes on with one that
            was stopped or killed, resuming a training cut short from its epoch
            checkpoints. --dry-run lists the trainings and estimates the time.
            --workers N trains N trainings side by side, in N processes sharing the cores.

            A sweep file:
              name: labeled fractions
              method: grid
              parameters:
                labeled: {values: [0.01, 0.05, 0.1]}
                student: {values: [cnn-s, mlp-64]}
                seed: {values: [1, 2, 3]}
                baselines: {value: true}

            Examples:
              mimic sweep fractions.yaml --dry-run
              mimic sweep fractions.yaml
              mimic sweep fractions.yaml --workers 2
              mimic sweep --labeled 0.01,0.05,0.1 --student cnn-s,mlp-64 --seeds 1,2,3 --baselines
              mimic sweep resume 2
              mimic sweep show 2
              mimic sweep export 2 --csv grid.csv
              mimic watch --sweep 2
            """,
        subcommands: [SweepRunCommand.self, SweepResumeCommand.self, SweepShowCommand.self, SweepExportCommand.self],
        defaultSubcommand: SweepRunCommand.self
    )
}

struct SweepRunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Plan a sweep from a file or options, then train it (the default of 'mimic sweep').")

    @Flag(help: "List the trainings and the estimated time; train nothing.")
    var dryRun = false

    @Flag(help: "Record the sweep and queue its trainings for 'mimic agent'; train nothing here.")
    var recordOnly = false

    @Option(parsing: .unconditional, help: "Processes that train the sweep's trainings side by side on this machine, each with its share of the cores.")
    var workers: Int = 1

    @Flag(help: "Record the sweep and submit it to Slurm as a job array of agents (see --agents), each 'mimic agent SWEEP' on a node; needs a PostgreSQL store.")
    var slurm = false

    // Text, so that a count that is not one gets the same sentence before the grid as after it.
    @Option(help: ArgumentHelp("With --slurm: the agents of the job array, each training the sweep's pending trainings until none is left (default: 1).", valueName: "count"))
    var agents: String?

    @Option(help: "With --slurm: the Slurm partition to run in (sbatch --partition).")
    var partition: String?

    @Option(help: "With --slurm: each agent's time limit (sbatch --time), such as 90 or 2:00:00.")
    var time: String?

    @Option(help: ArgumentHelp("With --slurm: the folder every node shares for checkpoints and the agents' logs (default: the store's run folder).", valueName: "folder"))
    var artifacts: String?

    @OptionGroup var storeOptions: StoreOptions

    @Argument(parsing: .captureForPassthrough, help: ArgumentHelp(
        "A YAML sweep file, or the grid as options of 'mimic train' with comma-separated values (--seeds for --seed).",
        valueName: "file | options"))
    var words: [String] = []

    func run() throws {
        // The grid's words are passed through unparsed, so help asked among them is answered here.
        if words.contains("--help") || words.contains("-h") {
            throw CleanExit.helpRequest(self)
        }
        var words = words
        var dryRun = dryRun
        var storePath = storeOptions.store
        // Options given after the grid reach here among its words.
        if let index = words.firstIndex(of: "--dry-run") {
            dryRun = true
            words.remove(at: index)
        }
        var recordOnly = recordOnly
        if let index = words.firstIndex(of: "--record-only") {
            recordOnly = true
            words.remove(at: index)
        }
        if let index = words.firstIndex(of: "--store"), index + 1 < words.count {
            storePath = words[index + 1]
            words.removeSubrange(index...index + 1)
        }
        var workers = workers
        if let index = words.firstIndex(of: "--workers"), index + 1 < words.count, let count = Int(words[index + 1]) {
            workers = count
            words.removeSubrange(index...index + 1)
        }
        // The Slurm options, given before the grid (parsed) or among its words.
        var slurmWords = slurm ? ["--slurm"] : []
        for (name, value) in [("--agents", agents), ("--partition", partition), ("--time", time), ("--artifacts", artifacts)] {
            if let value { slurmWords += [name, value] }
        }
        words += slurmWords
        let slurmOptions = reportingErrors { try SlurmOptions.take(from: &words) }
        reportingErrors { try SweepRunner.check(workers: workers) }
        let (file, source) = reportingErrors { () throws -> (SweepFile, String) in try Self.grid(from: words) }
        let plan = SweepPlan(points: reportingErrors { try SweepGrid.configs(of: file) })
        // Each worker's share of the cores, kept with each training that does not name
        // its own: a training resumed later computes with the same count, so it ends
        // with the numbers it would have had.
        let share = max(1, ProcessInfo.processInfo.activeProcessorCount / workers)
        let trainings = plan.trainings.map { training in
            var config = training.config
            if config.threads == nil { config.threads = share }
            return config
        }
        var options = storeOptions
        options.store = storePath
        if let slurmOptions {
            return Self.submit(plan, file: file, source: source, trainings: trainings, slurm: slurmOptions,
                               storeOptions: options, dryRun: dryRun)
        }
        if dryRun {
            let store = try? RunStore(options.address, create: false)
            return reportingErrors { try SweepPrinter.printPlan(plan, file: file, store: store) }
        }
        let store = options.open()
        let sweep = reportingErrors { () throws -> SweepRecord in
            try store.createSweep(name: file.name, source: source, trainings: trainings)
        }
        writeLine("sweep \(sweep.id), recorded in \(store.location): \(trainings.count) trainings for \(plan.points.count) points")
        if recordOnly {
            writeLine("its trainings wait in the store's queue: 'mimic agent \(sweep.id) --store URL --artifacts DIR' on each machine trains them")
            return
        }
        try SweepRunner.run(sweep, store: store, workers: workers)
    }

    /// `--slurm`: records the sweep and submits its job array, or, dry, prints the plan and the script.
    static func submit(_ plan: SweepPlan, file: SweepFile, source: String, trainings: [ExperimentConfig],
                       slurm: SlurmOptions, storeOptions: StoreOptions, dryRun: Bool) {
        let address = storeOptions.address
        _ = reportingErrors { try SlurmSubmission.checkStore(address) }
        let artifacts = URL(fileURLWithPath: ((slurm.artifacts ?? address.defaultFolder()) as NSString).expandingTildeInPath).standardizedFileURL.path
        func job(_ sweep: Int64?) -> SlurmJob {
            let logs = (artifacts as NSString).appendingPathComponent("slurm/sweep-\(sweep.map(String.init) ?? "SWEEP_ID")")
            return SlurmJob(mimic: SlurmSubmission.mimicPath, sweep: sweep, store: address.description, artifacts: artifacts,
                            logs: logs, agents: slurm.agents, partition: slurm.partition, time: slurm.time)
        }
        if dryRun {
            reportingErrors { try SweepPrinter.printPlan(plan, file: file, store: nil) }
            writeLine("\nthe sbatch script (the sweep id is given when it is recorded; nothing is recorded or submitted):\n")
            FileHandle.standardOutput.write(Data(job(nil).script.utf8))
            return
        }
        let sbatch = reportingErrors { try SlurmSubmission.sbatch() }
        let store = storeOptions.open()
        let sweep = reportingErrors { () throws -> SweepRecord in
            try store.createSweep(name: file.name, source: source, trainings: trainings)
        }
        writeLine("sweep \(sweep.id), recorded in \(store.location): \(trainings.count) trainings for \(plan.points.count) points")
        let submitted = job(sweep.id)
        let scriptPath = (artifacts as NSString).appendingPathComponent("slurm/sweep-\(sweep.id).sbatch")
        let jobID: String
        do {
            jobID = try SlurmSubmission.submit(submitted, scriptPath: scriptPath, sbatch: sbatch, address: address)
        } catch let problem as SlurmJob.Problem {
            exitWithError(SlurmJob.Problem("Sweep \(sweep.id) is recorded, but " + problem.description))
        } catch {
            exitWithError(SlurmJob.Problem("Sweep \(sweep.id) is recorded, but its Slurm script \(scriptPath) cannot be written or sbatch started (\(error)); "
                + "check that \(artifacts) is a folder you may write, then run 'sbatch \(scriptPath)'."))
        }
        reportingErrors { try store.recordJob(jobID, agents: submitted.agents, sweep: sweep.id) }
        writeLine("Slurm job \(jobID): \(submitted.agents) agent\(submitted.agents == 1 ? "" : "s") train sweep \(sweep.id); "
            + "script \(scriptPath), logs in \(submitted.logs)")
        writeLine("follow it with 'mimic sweep show \(sweep.id)' or 'mimic watch --sweep \(sweep.id)' (with the same --store)")
    }

    /// The sweep file named by the first word, or the grid the options give.
    static func grid(from words: [String]) throws -> (SweepFile, String) {
        guard let first = words.first else {
            throw ValidationError("Give a sweep file, or the grid as options (--labeled 0.01,0.05 --student cnn-s,mlp-64); see 'mimic sweep --help'.")
        }
        if !first.hasPrefix("--") {
            guard words.count == 1 else {
                throw ValidationError("A sweep file holds the whole grid, so '\(words.dropFirst().joined(separator: " "))' cannot go with it; put those options into the file.")
            }
            let file = try SweepFile.load(first)
            return (file, (try? String(contentsOfFile: first, encoding: .utf8)) ?? first)
        }
        var parameters: [SweepFile.Parameter] = []
        var index = 0
        while index < words.count {
            let word = words[index]
            guard word.hasPrefix("--"), word.count > 2 else {
                throw ValidationError("'\(word)' is not an option; give the grid as --option value,value,...")
            }
            var name = String(word.dropFirst(2))
            var value: String?
            if let equals = name.firstIndex(of: "=") {
                value = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            } else if index + 1 < words.count, !words[index + 1].hasPrefix("--") {
                value = words[index + 1]
                index += 1
            }
            if name == "seeds" { name = "seed" }
            let values = value.map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) } ?? ["true"]
            guard !parameters.contains(where: { $0.name == name }) else {
                throw ValidationError("--\(name) is given twice; give it once, with its values separated by commas.")
            }
            parameters.append(SweepFile.Parameter(name: name, values: values, line: 0))
            index += 1
        }
        let file = SweepFile(path: "", name: nil, parameters: parameters)
        return (file, (["mimic", "sweep"] + words).joined(separator: " "))
    }
}

struct SweepResumeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Go on with a sweep that was stopped or killed: what is done is reported, a training cut short resumes, the rest train.")

    @Argument(help: ArgumentHelp("A sweep id from 'mimic sweeps'.", valueName: "sweep"))
    var sweepID: Int64

    @OptionGroup var storeOptions: StoreOptions

    @Option(parsing: .unconditional, help: "Processes that train side by side on this machine.")
    var workers: Int = 1

    /// One of the processes a sweep started beside itself: it trains and leaves the grid to its parent.
    @Flag(help: .hidden)
    var worker = false

    func run() throws {
        let store = storeOptions.open(create: false)
        let sweep = reportingErrors { () throws -> SweepRecord in try store.sweep(sweepID) }
        if worker {
            let pass = SweepRunner.work(sweep, store: store, interrupts: InterruptHandler())
            if let cost = pass.costLine { writeLine("\n" + cost) }
            if pass.problems > 0 { throw ExitCode.failure }
            return
        }
        reportingErrors { try SweepRunner.check(workers: workers) }
        writeLine("sweep \(sweep.id), resumed in \(store.location): \(sweep.trainings.count) trainings")
        try SweepRunner.run(sweep, store: store, workers: workers)
    }
}

struct SweepShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print a sweep's grid: per setting and model, mean ± sd over its seeds of test accuracy and loss, Δ mentor, Δ baseline, time, and progress.")

    @Argument(help: ArgumentHelp("A sweep id from 'mimic sweeps'.", valueName: "sweep"))
    var sweepID: Int64

    @OptionGroup var storeOptions: StoreOptions

    func run() throws {
        let results = Self.results(of: sweepID, in: storeOptions)
        writeLine(SweepGridTable(results).table.text)
        writeLine("\(results.doneCount) of \(results.trainings.count) trainings done")
        let agents = reportingErrors { () throws -> [SweepAgentRecord] in try storeOptions.openForReading().agents(ofSweep: sweepID) }
        if !agents.isEmpty {
            writeLine("")
            writeLine(Self.agentsTable(agents))
        }
        // A store from before Slurm jobs were recorded has no table of them: none to show.
        let jobs = (try? storeOptions.openForReading().jobs(sweep: sweepID)) ?? []
        if !jobs.isEmpty { writeLine("") }
        for job in jobs {
            writeLine("Slurm job \(job.jobID): \(job.agents) agent\(job.agents == 1 ? "" : "s"), submitted \(RunFormatting.time(job.submittedAt))")
        }
    }

    /// What each agent of the sweep did: where it ran, what it finished and gave up, its time.
    static func agentsTable(_ agents: [SweepAgentRecord]) -> String {
        var lines = ["agent  host                  process  slurm job/task  finished  given up  time"]
        for agent in agents {
            let slurm = agent.slurmJob.map { $0 + (agent.slurmTask.map { "/" + $0 } ?? "") } ?? "-"
            let seconds = max(0, agent.seenAt.timeIntervalSince(agent.startedAt))
            func pad(_ text: String, _ width: Int) -> String { text.count >= width ? text : text + String(repeating: " ", count: width - text.count) }
            lines.append(pad(String(agent.id), 7) + pad(agent.host, 22) + pad(String(agent.pid), 9) + pad(slurm, 16)
                         + pad(String(agent.finished), 10) + pad(String(agent.givenUp), 10) + String(format: "%.0fs", seconds))
        }
        return lines.joined(separator: "\n")
    }

    /// Sweep `id`'s grid as the store has it now, read without writing to the store.
    static func results(of id: Int64, in storeOptions: StoreOptions) -> SweepResults {
        let store = storeOptions.openForReading()
        return reportingErrors { () throws -> SweepResults in try SweepResults(sweep: try store.sweep(id), store: store) }
    }
}

struct SweepExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a sweep's grid to a file: CSV (mean and sd of every figure) or a Markdown table.",
        discussion: """
            Examples:
              mimic sweep export 2 --csv grid.csv
              mimic sweep export 2 --md grid.md --csv grid.csv
            """)

    @Argument(help: ArgumentHelp("A sweep id from 'mimic sweeps'.", valueName: "sweep"))
    var sweepID: Int64

    @OptionGroup var storeOptions: StoreOptions

    @Option(help: ArgumentHelp("Write the grid as CSV to this file.", valueName: "file"))
    var csv: String?

    @Option(help: ArgumentHelp("Write the grid as a Markdown table to this file.", valueName: "file"))
    var md: String?

    func validate() throws {
        guard csv != nil || md != nil else {
            throw ValidationError("Say where the grid goes: --csv FILE, --md FILE, or both.")
        }
    }

    func run() throws {
        let results = SweepShowCommand.results(of: sweepID, in: storeOptions)
        let grid = SweepGridTable(results)
        for (path, text) in [(csv, grid.csv), (md, grid.table.markdown + "\n")] {
            guard let path else { continue }
            reportingErrors { () throws in try FileProblem.write(text, to: path, naming: "Sweep \(sweepID)'s grid") }
        }
    }
}

/// A sweep's points as configurations, each value checked as 'mimic train' checks it,
/// with the file and line of a value it refuses.
enum SweepGrid {
    static func configs(of file: SweepFile) throws -> [ExperimentConfig] {
        for parameter in file.parameters {
            for value in parameter.values {
                let point = SweepPoint(values: [(parameter.name, value)])
                do {
                    _ = try ExperimentOptions.config(from: point.arguments(flags: ExperimentOptions.flagNames))
                } catch {
                    let place = file.path.isEmpty ? "Option --\(parameter.name) \(value)"
                        : "Sweep file \(file.path), line \(parameter.line): \(parameter.name) \(value)"
                    throw UsageError("\(place) is not a value 'mimic train' takes: \(error.description)")
                }
            }
        }
        return try file.points.map { point in
            do {
                return try ExperimentOptions.config(from: point.arguments(flags: ExperimentOptions.flagNames)).withAbsolutePaths()
            } catch {
                throw UsageError("The sweep's point \(point.description) is not a run 'mimic train' would start: \(error)")
            }
        }
    }
}
