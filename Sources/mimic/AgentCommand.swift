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
        let address = storeOptions.address
        let folder = artifacts.map { URL(fileURLWithPath: ($0 as NSString).expandingTildeInPath).standardizedFileURL.path }
        if let folder { reportingErrors { try Self.checkWritable(folder) } }
        let store = reportingErrors { () throws -> RunStore in try RunStore(address, create: false, folder: folder) }
        let sweep = reportingErrors { () throws -> SweepRecord in try store.sweep(sweepID) }
        let agent = reportingErrors { () throws -> Int64 in try store.registerAgent(sweep: sweep.id) }
        writeLine("agent \(agent) of sweep \(sweep.id) (\(sweep.trainings.count) trainings), process \(ProcessIdentity.pid) on \(ProcessIdentity.host), "
                  + "store \(store.location), artifacts \(store.folder)")
        let outcome = Self.work(sweep, agent: agent, store: store, grace: grace, interrupts: InterruptHandler())
        writeLine(outcome.summary(agent: agent))
        if outcome.interrupted { throw ExitCode(130) }
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

    struct Outcome {
        var finished = 0
        var givenUp = 0
        var problems = 0
        var interrupted = false
        var seconds = 0.0
        var claimMilliseconds: [Double] = []

        func summary(agent: Int64) -> String {
            let sorted = claimMilliseconds.sorted()
            let median = sorted.isEmpty ? 0 : sorted[sorted.count / 2]
            return String(format: "agent %lld: %d training%@ finished, %d given up, in %.1fs; %d claims, median %.1f ms, longest %.1f ms",
                          agent, finished, finished == 1 ? "" : "s", givenUp, seconds, sorted.count, median, sorted.last ?? 0)
        }
    }

    /// Claims and trains until nothing is left; waits while trainings are held by
    /// other agents, since one of them may die and give its training back.
    static func work(_ sweep: SweepRecord, agent: Int64, store: RunStore, grace: Double, interrupts: InterruptHandler) -> Outcome {
        let printer = ProgressPrinter()
        var dataSets: [String: DataSet] = [:]
        var outcome = Outcome()
        var unreachable = false
        let started = ContinuousClock.now
        let wait = min(2.0, max(0.5, grace / 4))
        while !interrupts.interrupted && outcome.problems < 3 {
            let claim: SweepClaim?
            do {
                let before = ContinuousClock.now
                claim = try store.claimSweepTraining(sweep: sweep.id, agent: agent, grace: grace)
                outcome.claimMilliseconds.append((ContinuousClock.now - before).seconds * 1000)
                if unreachable { writeLine("the store answers again") }
                unreachable = false
                if claim == nil {
                    guard try store.sweepHasUnfinishedTrainings(sweep.id) else { break }
                    Thread.sleep(forTimeInterval: wait)
                    continue
                }
            } catch {
                // The store is away (a cut link, a restarting server): keep asking.
                if !unreachable { FileHandle.standardError.write(Data("mimic: \(error); asking again every \(Int(wait)) s.\n".utf8)) }
                unreachable = true
                Thread.sleep(forTimeInterval: wait)
                continue
            }
            guard let claim else { continue }
            let k = claim.slot.training
            let config = sweep.trainings[k]
            do {
                if dataSets[config.dataDirectory] == nil { dataSets[config.dataDirectory] = try DataSet.load(from: config.dataDirectory) }
                let dataSet = dataSets[config.dataDirectory]!
                let session = try claim.runID == nil
                    ? RunSession.start(config, dataSet: dataSet, store: store, programVersion: MimicVersion.current, claim: claim)
                    : RunSession.takeOver(claim, store: store, dataSet: dataSet)
                writeLine("== training \(k + 1) of \(sweep.trainings.count): \(SweepField.describe(config, among: sweep.trainings)), "
                          + "run \(session.runID!), claim \(claim.generation)" + (claim.runID == nil ? "" : ", taken up from its last epoch checkpoint"))
                interrupts.stops(session.control)
                let report = session.run { printer.print($0) }
                let ended = !session.claimLost && (report.allFinished || report.results.contains {
                    if case .diverged = $0.status { true } else { false }
                })
                if session.claimLost {
                    writeLine("training \(k + 1) went to another agent while this one could not reach the store for over \(Int(grace)) s; "
                              + "this agent stopped it, wrote nothing more into it, and takes the next")
                }
                if ended { outcome.finished += 1 } else { outcome.givenUp += 1 }
                try? store.agentEnded(agent, training: ended)
            } catch let error as StoreError where error.lostClaim {
                writeLine("training \(k + 1): \(error.message)")
                outcome.givenUp += 1
                try? store.agentEnded(agent, training: false)
            } catch {
                outcome.problems += 1
                FileHandle.standardError.write(Data("mimic: training \(k + 1) of sweep \(sweep.id) did not start: \(error)\n".utf8))
                try? store.agentEnded(agent, training: false)
            }
        }
        outcome.interrupted = interrupts.interrupted
        outcome.seconds = (ContinuousClock.now - started).seconds
        return outcome
    }
}
