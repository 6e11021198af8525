import Foundation
import MimicEngine
import Testing
@testable import MimicStore
import MimicTestSupport

/// `mimic resume` through the real binary: a training process killed with SIGKILL
/// goes on in the same run, to the results of a run that never stopped.
@Suite(.enabled(if: MimicProcess.binary != nil, "the mimic binary is not built next to the tests (swift build --product mimic)"))
struct ResumeCommandTests {
    /// Students big enough that training them takes a few seconds on one thread, so
    /// the kill lands while they train.
    static func options(data: String) -> [String] {
        ["--data", data, "--mentor", "fc32", "--student", "fc384-fc384", "--student", "fc256-fc256", "--student", "fc16",
         "--labeled", "0.2", "--epochs", "3", "--student-epochs", "4", "--batch", "16", "--threads", "1"]
    }

    /// Waits until `path` exists; false after `seconds`.
    static func waitFor(_ path: String, seconds: Double = 180) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while !FileManager.default.fileExists(atPath: path) {
            guard Date() < deadline else { return false }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return true
    }

    /// The final table's rows without the training time column, which is the clock's.
    static func results(_ store: RunStore, run id: Int64) throws -> [String] {
        try store.models(ofRun: id).map { model in
            "\(model.modelID) \(model.status) \(model.epochsCompleted) epochs, accuracy \(model.test?.accuracy ?? -1), "
                + "loss \(model.test?.loss ?? -1), agreement \(String(describing: model.test?.agreement))"
        }
    }

    /// Run 1's points without what depends on the clock, model by model.
    static func series(_ store: RunStore) throws -> [String] {
        let models = try store.models(ofRun: 1)
        return try store.metrics(ofRun: 1).filter { $0.name != "samples_per_second" }.map { point in
            let model = models.first { $0.id == point.modelID }!.modelID
            return "\(model.name) step \(point.step) epoch \(point.epoch) seen \(point.samplesSeen) \(point.name) \(point.value)"
        }
    }

    @Test func aKilledRunResumesToTheResultsOfARunThatNeverStopped() throws {
        let folder = try TemporaryFolder()
        let data = try MimicProcess.makeDataSet(in: folder, train: 2_000)
        let store = folder.storePath
        let trainer = try MimicProcess.start(["train", "--store", store] + Self.options(data: data), in: folder)
        let checkpoint = folder.file("store/runs/1/student-1.epoch.safetensors")
        let checkpointed = Self.waitFor(checkpoint)
        // While it trains, it cannot be resumed.
        let refused = try MimicProcess.run(["resume", "1", "--store", store], in: folder)
        kill(trainer.pid, SIGKILL)
        #expect(trainer.wait().status == 128 + SIGKILL)
        try #require(checkpointed, "student 1 never wrote an epoch checkpoint")
        #expect(refused.status != 0 && refused.stdout.isEmpty)
        #expect(refused.stderr.hasPrefix("mimic: Run 1 is still training (process \(trainer.pid) on "), "\(refused.stderr)")
        #expect(refused.stderr.split(separator: "\n").count == 1)

        let runs = try MimicProcess.run(["runs", "--store", store], in: folder)
        #expect(runs.status == 0 && runs.stdout.contains(" interrupted "), "\(runs.stdout)")
        let reader = try RunStore(path: store)
        #expect(try reader.run(1).status == .interrupted)

        let resumed = try MimicProcess.run(["resume", "last", "--store", store], in: folder)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stderr.isEmpty, "\(resumed.stderr)")
        #expect(resumed.stdout.hasPrefix("run 1, resumed in \(store): mentor 3/3 epochs, student 1 "), "\(resumed.stdout)")
        #expect(resumed.stdout.contains("\nrecorded as run 1 (writing it took "))
        #expect(try reader.run(1).status == .done)
        #expect(try reader.runs().count == 1, "no new run")

        // The metric series: one point per step and name, every epoch's end, no gap.
        let models = try reader.models(ofRun: 1)
        let metrics = try reader.metrics(ofRun: 1)
        for model in models {
            let points = metrics.filter { $0.modelID == model.id }
            for name in Set(points.map(\.name)) {
                let steps = points.filter { $0.name == name }.map(\.step)
                #expect(zip(steps, steps.dropFirst()).allSatisfy { $0 < $1 }, "\(model.modelID) \(name): steps rise strictly")
            }
            let epochs = points.filter { $0.name == "test_accuracy" }.map(\.epoch)
            #expect(epochs == Array(1...model.epochs), "\(model.modelID) has every epoch's end")
        }

        // The same run, never stopped, into another store.
        let otherStore = folder.file("other/runs.sqlite")
        let whole = try MimicProcess.run(["train", "--store", otherStore] + Self.options(data: data), in: folder)
        #expect(whole.status == 0)
        let expected = try Self.results(RunStore(path: otherStore), run: 1)
        #expect(try Self.results(reader, run: 1) == expected)
        // Point for point, every step of every epoch, with the same values.
        let series = try Self.series(reader), wholeSeries = try Self.series(RunStore(path: otherStore))
        #expect(series == wholeSeries, "\(series.difference(from: wholeSeries).prefix(10))")
        #expect(resumed.stdout.contains("\n\nrole "), "the final table")

        // Done now: nothing left to resume.
        let again = try MimicProcess.run(["resume", "1", "--store", store], in: folder)
        #expect(again.status != 0 && again.stdout.isEmpty)
        #expect(again.stderr == "mimic: Run 1 is done: every model trained to its last epoch, so there is nothing to resume; 'mimic show 1' prints its table.\n")
    }

    @Test func resumeRefusesWhatItCannotResumeInOneSentence() throws {
        let folder = try TemporaryFolder()
        let data = try MimicProcess.makeDataSet(in: folder)
        let store = folder.storePath
        #expect(try MimicProcess.run(["train", "--store", store] + MimicProcess.quickRun(data: data), in: folder).status == 0)
        for (arguments, message) in [
            (["resume", "7", "--store", store], "There is no run 7 in \(store); 'mimic runs' lists the runs there."),
            (["resume", "seven", "--store", store], "\"seven\" is not a run id; pass the number that 'mimic runs' shows, or 'last' for the newest run."),
            (["resume", "1", "--store", folder.file("nowhere.sqlite")],
             "There is no run store at \(folder.file("nowhere.sqlite")) yet; 'mimic train' creates it with the first run, or pass --store with the path of an existing one."),
        ] {
            let output = try MimicProcess.run(arguments, in: folder)
            #expect(output.status == 1 && output.stdout.isEmpty)
            #expect(output.stderr == "mimic: \(message)\n")
        }
        #expect(!FileManager.default.fileExists(atPath: folder.file("nowhere.sqlite")))
    }

    @Test func detachedResumeFinishesTheRunInTheBackground() throws {
        let folder = try TemporaryFolder()
        let data = try MimicProcess.makeDataSet(in: folder, train: 2_000)
        let store = folder.storePath
        let trainer = try MimicProcess.start(["train", "--store", store] + Self.options(data: data), in: folder)
        let checkpointed = Self.waitFor(folder.file("store/runs/1/mentor.epoch.safetensors"))
        kill(trainer.pid, SIGKILL)
        _ = trainer.wait()
        try #require(checkpointed, "the mentor never wrote an epoch checkpoint")

        let started = try MimicProcess.run(["resume", "1", "--detach", "--store", store], in: folder)
        #expect(started.status == 0, "\(started.stderr)")
        #expect(started.stdout.hasPrefix("run 1 is resuming in the background (process "), "\(started.stdout)")
        let pidText = started.stdout.split(separator: "(process ").dropFirst().first?.prefix { $0.isNumber } ?? ""
        let pid = try #require(Int32(pidText))
        let reader = try RunStore(path: store)
        var run = try reader.run(1)
        #expect(run.status == .running || run.status == .done, "claimed for the background process at once")
        let deadline = Date().addingTimeInterval(180)
        while run.status == .running && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.1)
            run = try reader.run(1)
        }
        // The run's end is recorded before its last line is printed: wait for that line.
        var log = ""
        repeat {
            log = (try? String(contentsOfFile: run.logPath!, encoding: .utf8)) ?? "no log"
            if log.contains("recorded as run 1") { break }
            Thread.sleep(forTimeInterval: 0.1)
        } while Date() < deadline
        #expect(run.status == .done, "\(log)")
        #expect(run.pid == pid)
        #expect(log.contains("run 1, resumed in \(store): mentor "), "\(log)")
        #expect(log.contains("recorded as run 1"), "\(log)")
    }
}
