import ArgumentParser
import Foundation
import MimicEngine
import MimicSession
import MimicStore
import MimicSweep

/// `mimic agent SWEEP`: one of many processes, on any machines, that share a sweep's
/// trainings through the store's queue (`RunStore.claimSweepTraining`).
struct AgentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "Train a sweep's trainings one after the other, taking each from the store's queue, beside other agents on any machines.",
        discussion: """
            The agent claims the next training of the sweep that no live agent holds,
            trains it (a training is one run: its mentor, then its students and
            baselines, so no two agents ever train the same mentor), records it, and
            takes the next, until every training is done or failed. It beats a
            heartbeat into the store every 5 s; a training whose agent stopped beating
            for --grace seconds is given to another agent, which takes it up from its
            last epoch checkpoint. An agent that lost its training that way (its link
            to the store was cut) says so, writes nothing more into it, and takes the
            next. Checkpoints go to --artifacts, which every agent must reach at the
            same path (a shared file system on a cluster); the database holds none.
            A SQLite store works for agents on one machine (or on a file system with
            working locks); for many machines use PostgreSQL.

            Examples:
              mimic sweep grid.yaml --dry-run --store postgres://mimic@db/mimic   # records nothing; plan first
              mimic agent 3 --store postgres://mimic@db/mimic --artifacts /shared/mimic
              mimic sweep show 3 --store postgres://mimic@db/mimic                 # the grid, and what each agent did
            """)

    @Argument(help: ArgumentHelp("A sweep id from 'mimic sweeps'.", valueName: "sweep"))
    var sweepID: Int64

    @OptionGroup var storeOptions: StoreOptions

    @Option(help: ArgumentHelp("The folder for run folders and checkpoints, the same path on every agent (default: beside the store).",
                               valueName: "dir"))
    var artifacts: String?

    @Option(help: ArgumentHelp("Seconds without a heartbeat after which another agent takes a training over.", valueName: "seconds"))
    var grace: Double = 60

    func validate() throws {
        guard grace.isFinite, grace >= 1 else {
            throw ValidationError("--grace \(grace) is too short; pass at least 1 second (the heartbeat comes every 5 s, so 15 or more keeps live agents' trainings).")
        }
    }

    func run() throws {
        let address = try storeOptions.address()
        let folder = artifacts.map { URL(fileURLWithPath: ($0 as NSString).expandingTildeInPath).standardizedFileURL.path }
        if let folder { try Self.checkWritable(folder) }
        let store = try RunStore(address, create: false, folder: folder)
        let sweep = try store.sweep(sweepID)
        let agent = try store.registerAgent(sweep: sweep.id)
        writeLine("agent \(agent) of sweep \(sweep.id) (\(sweep.trainings.count) trainings), process \(ProcessIdentity.pid) on \(ProcessIdentity.host), "
                  + "store \(store.location), artifacts \(store.folder)")
        let worker = SweepQueueWorker(sweep: sweep, store: store, agent: agent, grace: grace, takesUpDeadRunsHere: false,
                                      programVersion: MimicVersion.current, reporter: ConsoleSweepReporter())
        let interrupts = InterruptHandler()
        let outcome = worker.work(interrupts: interrupts)
        writeLine(outcome.summary(agent: agent))
        if outcome.interrupted { throw ExitCode(interrupts.exitCode) }
        if outcome.problems > 0 { throw ExitCode.failure }
    }

    /// Refuses an artifacts folder this process cannot write, before anything is claimed.
    static func checkWritable(_ folder: String) throws(UsageError) {
        let files = FileManager.default
        do {
            try files.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw UsageError("The artifacts folder \(folder) cannot be made (\(StoreError.fileReason(error))); pass --artifacts with a folder this user may write, on a file system every agent reaches.")
        }
        let probe = (folder as NSString).appendingPathComponent(".mimic-agent-\(ProcessIdentity.pid)")
        guard files.createFile(atPath: probe, contents: Data()) else {
            throw UsageError("The artifacts folder \(folder) is not writable for this user; pass --artifacts with a folder it may write, on a file system every agent reaches.")
        }
        try? files.removeItem(atPath: probe)
    }
}
