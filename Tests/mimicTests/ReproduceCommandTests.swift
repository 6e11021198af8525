import Foundation
import MimicEngine
import Testing
@testable import MimicStore
import MimicTestSupport

/// `mimic reproduce` through the real binary: every seed is a recorded run, and a
/// reproduction killed with SIGKILL goes on with --resume to the numbers of one that
/// never stopped.
@Suite struct ReproduceCommandTests {
    static func arguments(data: String, store: String, out: String) -> [String] {
        ["reproduce", "--data", data, "--seeds", "1,2", "--threads", "1", "--store", store, "--out", out]
    }

    /// The results without the columns that measure time.
    static func results(_ out: String) throws -> [String] {
        let lines = try String(contentsOfFile: (out as NSString).appendingPathComponent("results.csv"), encoding: .utf8)
            .split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let header = try #require(lines.first)
        let timed = Set(["train_seconds", "parity_seconds"].compactMap { header.firstIndex(of: $0) })
        return lines.map { $0.enumerated().filter { !timed.contains($0.offset) }.map(\.element).joined(separator: ",") }
    }

    @Test func aKilledReproductionResumesToTheSameResults() throws {
        let folder = try TemporaryFolder()
        let data = try MimicProcess.makeDataSet(in: folder, train: 2_000)
        let whole = try MimicProcess.run(Self.arguments(data: data, store: folder.file("whole.sqlite"), out: folder.file("whole")),
                                         in: folder)
        #expect(whole.status == 0, "\(whole.stderr)")

        let store = folder.file("cut/runs.sqlite")
        let arguments = Self.arguments(data: data, store: store, out: folder.file("cut-out"))
        let killed = try MimicProcess.start(arguments, in: folder)
        // Killed in the second seed, once one of its students has an epoch checkpoint.
        let checkpointed = ResumeCommandTests.waitFor(folder.file("cut/runs/2/student-1.epoch.safetensors"))
        kill(killed.pid, SIGKILL)
        _ = killed.wait()
        try #require(checkpointed, "the second seed never wrote a student's epoch checkpoint")

        let reader = try RunStore(path: store)
        #expect(try reader.runs(partOf: "reproduce").map(\.status) == [.interrupted, .done], "each seed is a recorded run")
        #expect(try reader.sweeps().map(\.name) == ["reproduce"], "a reproduction is a sweep")
        #expect(try reader.runs(sweep: 1).compactMap(\.slot?.training) == [1, 0], "each seed a training of it")

        let resumed = try MimicProcess.run(arguments + ["--resume"], in: folder)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stdout.contains("\nseed 1: run 1, done before\nseed 2: run 2, resumed\n"), "\(resumed.stdout)")
        #expect(resumed.stdout.contains("== training 2 of 2: seed 2, run 2, resumed"), "\(resumed.stdout)")
        #expect(!resumed.stdout.contains("== training 1 of 2"), "a seed done is not trained again: \(resumed.stdout)")
        #expect(try reader.runs(partOf: "reproduce").map(\.status) == [.done, .done])
        #expect(try reader.runs().count == 2, "nothing trained twice")
        #expect(try Self.results(folder.file("cut-out")) == Self.results(folder.file("whole")))
        #expect(try reader.sweeps().count == 1, "--resume goes on with the same sweep")
        let shown = try MimicProcess.run(["sweep", "show", "1", "--store", store], in: folder)
        #expect(shown.stdout.contains("2 of 2 trainings done") && shown.stdout.contains("student cnn-s"), "\(shown.stdout)")
    }

    /// A seed still training elsewhere is named before anything trains, not taken up.
    @Test func resumeRefusesASeedStillTraining() throws {
        let folder = try TemporaryFolder()
        let data = try MimicProcess.makeDataSet(in: folder)
        let store = try RunStore(path: folder.storePath)
        let config = ReproductionProtocol.config(dataDirectory: data, seed: 1)
        let (run, runFolder) = try store.startRun(config: config, programVersion: "test", partOf: ReproductionProtocol.runGroup)
        let output = try MimicProcess.run(Self.arguments(data: data, store: folder.storePath, out: folder.file("out")) + ["--resume"],
                                          in: folder)
        #expect(output.status == 1)
        #expect(output.stderr.hasPrefix("mimic: Run \(run.id), seed 1 of this reproduction, is still training (process "), "\(output.stderr)")
        #expect(try store.runs().count == 1, "nothing started")
        #expect(try store.sweeps().isEmpty, "a reproduction that cannot go on leaves no sweep")
        withExtendedLifetime(runFolder) {}
    }

    @Test func resumeNeedsTheStore() throws {
        let folder = try TemporaryFolder()
        let output = try MimicProcess.run(["reproduce", "--resume", "--no-store"], in: folder)
        #expect(output.status != 0)
        #expect(output.stderr.contains("--resume takes up the runs recorded in the store, so it cannot go with --no-store"), "\(output.stderr)")
    }
}
