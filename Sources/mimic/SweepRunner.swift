import ArgumentParser
import Foundation
import MimicEngine
import MimicSession
import MimicStore
import MimicSweep

/// Trains a sweep's trainings one after the other, each a run tied to the sweep:
/// one done before is reported as it ended, one cut short resumes, one still training
/// elsewhere is left to its process, the rest start. A training that fails to start
/// is said and the sweep goes on; one whose model diverges is recorded as failed.
enum SweepRunner {
    static func run(_ sweep: SweepRecord, store: RunStore) throws {
        let interrupts = InterruptHandler()
        let printer = ProgressPrinter()
        var dataSets: [String: DataSet] = [:]
        var outcomes: [(config: ExperimentConfig, report: ExperimentReport?)] = []
        var problems = 0
        for (k, config) in sweep.trainings.enumerated() where !interrupts.interrupted {
            let title = "== training \(k + 1) of \(sweep.trainings.count): \(SweepPrinter.describe(config, among: sweep.trainings))"
            do {
                let earlier = try store.runs(sweep: sweep.id).first { $0.config.sameExperiment(as: config) }
                if let earlier, earlier.status == .running {
                    writeLine(title + ", run \(earlier.id), training in another process")
                    outcomes.append((config, nil))
                    continue
                }
                if dataSets[config.dataDirectory] == nil { dataSets[config.dataDirectory] = try DataSet.load(from: config.dataDirectory) }
                let dataSet = dataSets[config.dataDirectory]!
                let session: RunSession
                switch earlier?.status {
                case nil:
                    session = try RunSession.start(config, dataSet: dataSet, store: store, programVersion: MimicVersion.current,
                                                   sweep: sweep.id)
                case .done?:
                    session = try RunSession.review(earlier!.id, store: store, dataSet: dataSet)
                default:
                    session = try RunSession.resume(earlier!.id, store: store, threads: config.threads, dataSet: dataSet)
                }
                let how = earlier.map { $0.status == .done ? "done before" : "resumed" }
                writeLine(title + ", run \(session.runID!)" + (how.map { ", \($0)" } ?? ""))
                interrupts.stops(session.control)
                outcomes.append((config, session.run { printer.print($0) }))
            } catch {
                problems += 1
                FileHandle.standardError.write(Data("mimic: training \(k + 1) of sweep \(sweep.id) did not start: \(error)\n".utf8))
                outcomes.append((config, nil))
            }
        }
        writeLine("")
        writeLine(SweepPrinter.results(outcomes, trainings: sweep.trainings).text)
        let unfinished = outcomes.count < sweep.trainings.count || outcomes.contains { $0.report?.allFinished != true }
        if unfinished {
            writeLine("\nsweep \(sweep.id) is not complete; 'mimic sweep resume \(sweep.id)' goes on where it stopped")
        }
        if interrupts.interrupted { throw ExitCode(130) }
        if problems > 0 || unfinished { throw ExitCode.failure }
    }
}
