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

    // The options above are parsed wherever they stand; every other word is the grid's.
    @Argument(parsing: .allUnrecognized, help: ArgumentHelp(
        "A YAML sweep file, or the grid as options of 'mimic train' with comma-separated values (--seeds for --seed).",
        valueName: "file | options"))
    var words: [String] = []

    func run() throws {
        try LocalSweep.check(workers: workers)
        let slurmOptions = try self.slurmOptions()
        let (file, source) = try Self.grid(from: words)
        let plan = try SweepGrid.plan(of: file)
        // Each worker's share of the cores, kept with each training that does not name
        // its own: a training resumed later computes with the same count, so it ends
        // with the numbers it would have had.
        let share = max(1, ProcessInfo.processInfo.activeProcessorCount / workers)
        let trainings = plan.trainings.map { training in
            var config = training.config
            if config.threads == nil { config.threads = share }
            return config
        }
        if let slurmOptions {
            return try submit(plan, file: file, source: source, trainings: trainings, options: slurmOptions)
        }
        if dryRun {
            return try SweepPrinter.printPlan(plan, file: file, store: try? RunStore(storeOptions.address(), create: false))
        }
        let store = try storeOptions.open()
        let sweep = try store.createSweep(name: file.name, source: source, trainings: trainings)
        writeLine("sweep \(sweep.id), recorded in \(store.location): \(trainings.count) trainings for \(plan.points.count) points")
        if recordOnly {
            writeLine("its trainings wait in the store's queue: 'mimic agent \(sweep.id) --store URL --artifacts DIR' on each machine trains them")
            return
        }
        try SweepResumeCommand.train(sweep, store: store, workers: workers)
    }

    /// The Slurm options, checked; nil without --slurm, where giving them is a mistake.
    private func slurmOptions() throws -> SlurmOptions? {
        guard slurm else {
            try SlurmOptions.refuseWithoutSlurm([("--agents", agents), ("--partition", partition), ("--time", time),
                                                 ("--artifacts", artifacts)])
            return nil
        }
        return try SlurmOptions(agents: agents, partition: partition, time: time, artifacts: artifacts)
    }

    /// `--slurm`: records the sweep and submits its job array, or, dry, prints the plan and the script.
    private func submit(_ plan: SweepPlan, file: SweepFile, source: String, trainings: [ExperimentConfig],
                        options: SlurmOptions) throws {
        let submission = try SlurmSubmission(address: storeOptions.address(), options: options)
        if dryRun {
            try SweepPrinter.printPlan(plan, file: file, store: nil)
            writeLine("\nthe sbatch script (the sweep id is given when it is recorded; nothing is recorded or submitted):\n")
            FileHandle.standardOutput.write(Data(submission.job(sweep: nil).script.utf8))
            return
        }
        let submitted = try submission.submit(name: file.name, source: source, trainings: trainings)
        let sweep = submitted.sweep.id
        writeLine("sweep \(sweep), recorded in \(submission.address): \(trainings.count) trainings for \(plan.points.count) points")
        writeLine("Slurm job \(submitted.jobID): \(submitted.job.agents) agent\(submitted.job.agents == 1 ? "" : "s") train sweep \(sweep); "
            + "script \(submitted.scriptPath), logs in \(submitted.job.logs)")
        writeLine("follow it with 'mimic sweep show \(sweep)' or 'mimic watch --sweep \(sweep)' (with the same --store)")
    }

    /// The sweep file named by the only word, or the grid the options give, with the
    /// text it is recorded with.
    static func grid(from words: [String]) throws -> (SweepFile, String) {
        guard let first = words.first else {
            throw ValidationError("Give a sweep file, or the grid as options (--labeled 0.01,0.05 --student cnn-s,mlp-64); see 'mimic sweep --help'.")
        }
        guard first.hasPrefix("--") else {
            guard words.count == 1 else {
                throw ValidationError("A sweep file holds the whole grid, so '\(words.dropFirst().joined(separator: " "))' cannot go with it; put those options into the file.")
            }
            // Read once: a second read could find another file, or wait on a pipe.
            let text = try SweepFile.text(at: first)
            return (try SweepFile.parse(text, path: first), text)
        }
        return (try SweepFile.fromOptions(words), (["mimic", "sweep"] + words).joined(separator: " "))
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
        let store = try storeOptions.open(create: false)
        let sweep = try store.sweep(sweepID)
        if worker {
            let pass = LocalSweep.work(sweep, store: store, programVersion: MimicVersion.current, reporter: ConsoleSweepReporter(),
                                       stops: InterruptHandler())
            if let cost = pass.costLine { writeLine("\n" + cost) }
            if pass.problems > 0 { throw ExitCode.failure }
            return
        }
        try LocalSweep.check(workers: workers)
        writeLine("sweep \(sweep.id), resumed in \(store.location): \(sweep.trainings.count) trainings")
        try Self.train(sweep, store: store, workers: workers)
    }

    /// Trains what is left of `sweep` with `workers` processes, then prints its grid.
    /// Exits 130 after Ctrl-C and 1 when a training is not done.
    static func train(_ sweep: SweepRecord, store: RunStore, workers: Int) throws {
        let interrupts = InterruptHandler()
        let local = LocalSweep(sweep: sweep, store: store, workers: workers, executable: DetachedTraining.executable,
                               programVersion: MimicVersion.current, reporter: ConsoleSweepReporter())
        let outcome = try local.train(stops: interrupts)
        writeLine("")
        if let standing = outcome.standing {
            writeLine(try SweepPrinter.results(of: sweep, runs: standing.runs, store: store).text)
            if !standing.failureLines.isEmpty { writeLine("") }
            for line in standing.failureLines { writeLine(line) }
            if standing.openCount > 0 {
                writeLine("\nsweep \(sweep.id) is not complete; 'mimic sweep resume \(sweep.id)' goes on where it stopped")
            }
        } else {
            writeErrorLine("mimic: the run store \(store.location) cannot be read now, so the grid is not shown; "
                + "'mimic sweep show \(sweep.id)' shows it once it answers, and 'mimic sweep resume \(sweep.id)' goes on.")
        }
        if let cost = outcome.pass.costLine { writeLine("\n" + cost) }
        if interrupts.interrupted { throw ExitCode(interrupts.exitCode) }
        let complete = outcome.standing.map { $0.openCount == 0 && $0.failureLines.isEmpty } ?? false
        if outcome.pass.problems > 0 || !complete { throw ExitCode.failure }
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
        let store = try storeOptions.openForReading()
        let results = try SweepResults(sweep: try store.sweep(sweepID), store: store)
        writeLine(SweepGridTable(results).table.text)
        writeLine("\(results.doneCount) of \(results.trainings.count) trainings done")
        let standing = try SweepStanding(try store.sweep(sweepID), store: store)
        for line in standing.failureLines { writeLine(line) }
        let agents = try store.agents(ofSweep: sweepID)
        if !agents.isEmpty {
            writeLine("")
            writeLine(Self.agentsTable(agents))
        }
        // A store from before Slurm jobs were recorded has no table of them: none to show.
        let jobs = (try? store.jobs(sweep: sweepID)) ?? []
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
        let outputs = [("--csv", csv), ("--md", md)].compactMap { option, path in path.map { (option: option, path: $0) } }
        try OutputFile.checkDistinct(outputs)
        let store = try storeOptions.openForReading()
        let results = try SweepResults(sweep: try store.sweep(sweepID), store: store)
        let output = try OutputFile(guarding: store)
        let grid = SweepGridTable(results)
        for (path, text) in [(csv, grid.csv), (md, grid.table.markdown + "\n")] {
            guard let path else { continue }
            try output.write(text, to: path, naming: "Sweep \(sweepID)'s grid")
            writeErrorLine("wrote sweep \(sweepID)'s grid to \(path)")
        }
    }
}
