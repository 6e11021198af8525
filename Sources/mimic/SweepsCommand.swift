import ArgumentParser
import Foundation
import MimicEngine
import MimicStore

struct SweepsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweeps",
        abstract: "List the recorded sweeps, newest first, with how many of their trainings are done.")

    @OptionGroup var storeOptions: StoreOptions

    func run() throws {
        let store = try storeOptions.openForReading()
        let sweeps = try store.sweeps()
        guard !sweeps.isEmpty else {
            writeLine("No sweeps yet in \(store.location); 'mimic sweep FILE' records one.")
            return
        }
        var rows: [[String]] = []
        for sweep in sweeps {
            let runs = try store.runs(sweep: sweep.id)
            let done = runs.filter { $0.status == .done }.count
            let running = runs.filter { $0.status == .running }.count
            let cut = runs.filter { [.interrupted, .stopped, .failed].contains($0.status) }.count
            var state = "\(done)/\(sweep.trainings.count) done"
            if running > 0 { state += ", \(running) training" }
            if cut > 0 { state += ", \(cut) to resume" }
            rows.append([String(sweep.id), RunFormatting.time(sweep.createdAt), sweep.name ?? "-", state])
        }
        writeLine(PlainTable(columns: ["id", "created", "name", "trainings"], rows: rows, leftAligned: [1, 2, 3]).text)
    }
}
