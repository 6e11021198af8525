import Foundation
import MimicEngine
import Testing
@testable import MimicStore
import MimicTestSupport

/// `mimic sweep` through the real binary: a grid planned and trained as runs tied to
/// the sweep, and a sweep killed with SIGKILL that resumes to the grid of one never killed.
@Suite struct SweepCommandTests {
    static func sweepFile(in folder: TemporaryFolder, data: String) throws -> String {
        let path = folder.file("grid.yaml")
        try """
            name: two fractions
            parameters:
              data: {value: \(data)}
              labeled: {values: [0.1, 0.2]}
              student: [fc16, linear]
              mentor: fc32
              epochs: 4
              student-epochs: 40
              batch: 16
              baselines: true
              threads: 1
            """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The results table, the lines after the last training's output.
    static func grid(_ output: String) -> [String] {
        let lines = output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let header = lines.lastIndex(where: { $0.hasPrefix("training ") && $0.contains("Δ baseline") }) else { return [] }
        return Array(lines[header...].prefix { !$0.isEmpty })
    }

    @Test func aDryRunListsTheSharedTrainingsAndTheirTime() throws {
        let folder = try TemporaryFolder()
        let data = try MimicProcess.makeDataSet(in: folder)
        let output = try MimicProcess.run(["sweep", try Self.sweepFile(in: folder, data: data), "--dry-run", "--store", folder.storePath],
                                          in: folder)
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout.hasPrefix("sweep \"two fractions\": 4 points (labeled 2 x student 2), 2 trainings"), "\(output.stdout)")
        #expect(output.stdout.contains("models trained: 10, against 12 with one run per point (2 fewer"), "\(output.stdout)")
        #expect(output.stdout.contains("estimated time: "), "\(output.stdout)")
        #expect(!FileManager.default.fileExists(atPath: folder.storePath), "a dry run records nothing")
    }

    @Test func aKilledSweepResumesToTheSameGrid() throws {
        let folder = try TemporaryFolder()
        let data = try MimicProcess.makeDataSet(in: folder, train: 2_000)
        let file = try Self.sweepFile(in: folder, data: data)
        let whole = try MimicProcess.run(["sweep", file, "--store", folder.file("whole/runs.sqlite")], in: folder)
        #expect(whole.status == 0, "\(whole.stderr)")
        let expected = Self.grid(whole.stdout)
        #expect(expected.count == 5, "\(whole.stdout)")
        #expect(whole.stdout.contains("this worker trained 2 trainings in "), "\(whole.stdout)")

        let store = folder.file("cut/runs.sqlite")
        let killed = try MimicProcess.start(["sweep", file, "--store", store], in: folder)
        let checkpointed = ResumeCommandTests.waitFor(folder.file("cut/runs/2/student-1.epoch.safetensors"))
        kill(killed.pid, SIGKILL)
        _ = killed.wait()
        try #require(checkpointed, "the second training never wrote a student's epoch checkpoint")

        let reader = try RunStore(path: store)
        #expect(try reader.runs(sweep: 1).map(\.status) == [.interrupted, .done])
        let listed = try MimicProcess.run(["sweeps", "--store", store], in: folder)
        #expect(listed.stdout.contains("two fractions  1/2 done, 1 to resume"), "\(listed.stdout)")
        let partial = try MimicProcess.run(["sweep", "show", "1", "--store", store], in: folder)
        let rows = partial.stdout.split(separator: "\n").map(String.init)
        #expect(rows.contains { $0.hasPrefix("labeled 0.1  student fc16") && $0.contains(" 1/1 ") }, "\(partial.stdout)")
        #expect(rows.contains { $0.hasPrefix("labeled 0.2  student fc16") && $0.contains(" 0/1 ") }, "\(partial.stdout)")

        let resumed = try MimicProcess.run(["sweep", "resume", "1", "--store", store], in: folder)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(!resumed.stdout.contains("== training 1 of 2"), "a training done is not trained again: \(resumed.stdout)")
        #expect(resumed.stdout.contains("== training 2 of 2: labeled 0.2, run 2, resumed"), "\(resumed.stdout)")
        #expect(Self.grid(resumed.stdout) == expected)
        #expect(resumed.stdout.contains("this worker trained 1 training in "), "\(resumed.stdout)")
        #expect(try reader.runs(sweep: 1).map(\.status) == [.done, .done])
        #expect(try reader.runs().count == 2, "nothing trained twice")
        #expect(try reader.run(2).folder == folder.file("cut/runs/2"), "a run killed on this machine goes on in its own folder")
        #expect(!FileManager.default.fileExists(atPath: folder.file("cut/runs/2-claim-2")))
        let shown = try MimicProcess.run(["sweep", "show", "1", "--store", store], in: folder)
        #expect(shown.status == 0 && !shown.stdout.contains(" 0/1 "), "\(shown.stdout)")
        #expect(shown.stdout.contains("2 of 2 trainings done"), "\(shown.stdout)")
        let exported = try MimicProcess.run(["sweep", "export", "1", "--store", store, "--csv", folder.file("grid.csv"),
                                             "--md", folder.file("grid.md")], in: folder)
        #expect(exported.status == 0, "\(exported.stderr)")
        #expect(try String(contentsOfFile: folder.file("grid.md"), encoding: .utf8).contains("| labeled 0.2 | student fc16 |"))
        let csv = try String(contentsOfFile: folder.file("grid.csv"), encoding: .utf8).split(separator: "\n")
        #expect(csv.count == 1 + 2 * 5, "a line per cell and model: \(csv)")
    }

    /// Two workers share the trainings out: each is trained once, by one of them, and
    /// the grid is the one a single worker gives.
    @Test func twoWorkersTrainEachTrainingOnce() throws {
        let folder = try TemporaryFolder()
        let data = try MimicProcess.makeDataSet(in: folder)
        let file = try Self.sweepFile(in: folder, data: data)
        let one = try MimicProcess.run(["sweep", file, "--store", folder.file("one/runs.sqlite")], in: folder)
        let two = try MimicProcess.run(["sweep", file, "--workers", "2", "--store", folder.file("two/runs.sqlite")], in: folder)
        #expect(one.status == 0 && two.status == 0, "\(one.stderr) \(two.stderr)")
        #expect(two.stdout.contains("worker 2 of 2: process "), "\(two.stdout)")
        // Each store's sweep 1 has its workers' logs of its own.
        #expect(two.stdout.contains("its output in \(folder.file("two/sweeps/runs.sqlite-1/worker-2.log"))"), "\(two.stdout)")
        let store = try RunStore(path: folder.file("two/runs.sqlite"))
        let runs = try store.runs(sweep: 1)
        #expect(runs.count == 2 && runs.allSatisfy { $0.status == .done })
        #expect(Set(runs.compactMap { $0.slot?.training }) == [0, 1])
        // The thread count differs (one each), so the numbers may differ in the last digits: the rows' trainings and students match.
        #expect(Self.grid(two.stdout).map { $0.prefix(30) } == Self.grid(one.stdout).map { $0.prefix(30) })
    }

    @Test func badSweepsGetOneSentence() throws {
        let folder = try TemporaryFolder()
        try "parameters:\n  labeled: {values: [0.1, 1.5]}\n".write(toFile: folder.file("bad.yaml"), atomically: true, encoding: .utf8)
        for (arguments, message) in [
            (["sweep", folder.file("bad.yaml")],
             "Sweep file \(folder.file("bad.yaml")), line 2: labeled 1.5 is not a value 'mimic train' takes: Labeled fraction 1.5 is outside (0, 1]"),
            (["sweep", folder.file("none.yaml")], "Sweep file \(folder.file("none.yaml")) does not exist"),
            (["sweep", "--labeled", "0.1,x"], "Option --labeled x is not a value 'mimic train' takes"),
            (["sweep", "resume", "4", "--store", folder.storePath], "There is no run store at \(folder.storePath)"),
        ] {
            let output = try MimicProcess.run(arguments, in: folder)
            #expect(output.status != 0)
            #expect(output.stderr.hasPrefix("mimic: \(message)") || output.stderr.contains(message), "\(output.stderr)")
        }
    }

    /// The grid's words are passed through unparsed: help asked among them is still help.
    @Test func helpIsAnsweredAmongTheGridsWords() throws {
        let folder = try TemporaryFolder()
        for arguments in [["sweep", "run", "--help"], ["sweep", "--labeled", "0.1,0.2", "-h"]] {
            let output = try MimicProcess.run(arguments, in: folder)
            #expect(output.status == 0, "\(arguments): \(output.stderr)")
            #expect(output.stdout.contains("USAGE: mimic sweep run"), "\(arguments): \(output.stdout)")
            #expect(output.stderr.isEmpty, "\(arguments): \(output.stderr)")
        }
    }
}

/// Trainings that end without finishing are ends, not "not complete": one that cannot
/// start fails after its attempts, one that diverges is failed, and the sweep says
/// which and why, exits 1, and a resume has nothing to train.
@Suite(.enabled(if: MimicProcess.binary != nil, "the mimic binary is not built next to the tests (swift build --product mimic)"))
struct SweepEndStateTests {
    @Test func aSweepWhoseDataIsMissingEndsFailedInsteadOfWaiting() throws {
        let folder = try TemporaryFolder()
        let data = try MimicProcess.makeDataSet(in: folder)
        let store = folder.storePath
        // The data folder is named when the sweep is planned, then goes away.
        let recorded = try MimicProcess.run(["sweep", "--store", store, "--record-only", "--data", data, "--labeled", "0.2",
                                             "--mentor", "fc32", "--student", "fc16", "--epochs", "1", "--student-epochs", "1"], in: folder)
        #expect(recorded.status == 0, "\(recorded.stderr)")
        try FileManager.default.moveItem(atPath: data, toPath: folder.file("moved"))
        let resumed = try MimicProcess.run(["sweep", "resume", "1", "--store", store], in: folder)
        #expect(resumed.status == 1)
        #expect(resumed.stdout.contains("training 1 (the one training) failed: it could not start in 3 attempts; the last said: Data folder \(data) does not exist"),
                "\(resumed.stdout)")
        #expect(!resumed.stdout.contains("not complete"), "\(resumed.stdout)")
        let shown = try MimicProcess.run(["sweep", "show", "1", "--store", store], in: folder)
        #expect(shown.stdout.contains("training 1 (the one training) failed: it could not start in 3 attempts"), "\(shown.stdout)")
    }

    @Test func aDivergedTrainingIsAnEndThatAResumeLeavesAsItIs() throws {
        let folder = try TemporaryFolder()
        let data = try MimicProcess.makeDataSet(in: folder)
        let store = folder.storePath
        let grid = ["--store", store, "--data", data, "--labeled", "0.2", "--mentor", "fc64", "--student", "fc32",
                    "--epochs", "2", "--student-epochs", "1", "--lr", "1e9", "--threads", "1"]
        let swept = try MimicProcess.run(["sweep"] + grid, in: folder)
        #expect(swept.status == 1)
        #expect(swept.stdout.contains("training 1 (the one training) failed: Training of mentor (fc64) diverged"), "\(swept.stdout)")
        #expect(!swept.stdout.contains("not complete"), "\(swept.stdout)")
        let resumed = try MimicProcess.run(["sweep", "resume", "1", "--store", store], in: folder)
        #expect(resumed.status == 1)
        #expect(!resumed.stdout.contains("== training"), "nothing is trained again: \(resumed.stdout)")
        #expect(resumed.stdout.contains("training 1 (the one training) failed: Training of mentor (fc64) diverged"), "\(resumed.stdout)")
    }
}

/// SIGTERM and SIGINT to a sweep with workers stop every worker it started: each
/// records its training as stopped, none takes up another's, and the sweep exits
/// 143 or 130; a resume then finishes the grid, point for point as a sweep never
/// stopped (see FaultInjectionTests).
@Suite(.enabled(if: MimicProcess.binary != nil, "the mimic binary is not built next to the tests (swift build --product mimic)"))
struct SweepSignalTests {
    @Test(arguments: [(SIGTERM, Int32(143)), (SIGINT, Int32(130))])
    func aSignalStopsEveryWorker(_ signal: Int32, _ status: Int32) throws {
        let folder = try TemporaryFolder()
        let data = try MimicProcess.makeDataSet(in: folder)
        let store = folder.storePath
        let grid = ["--data", data, "--labeled", "0.1,0.2,0.3,0.4", "--mentor", "fc32", "--student", "fc16", "--epochs", "400",
                    "--student-epochs", "1", "--batch", "16", "--threads", "1"]
        let sweep = try MimicProcess.start(["sweep", "--store", store, "--workers", "2"] + grid, in: folder)
        let reader = try RunStore(path: store, create: true)
        let bothTraining = eventually(120) { ((try? reader.runs()) ?? []).filter { $0.status == .running }.count == 2 }
        kill(sweep.pid, signal)
        let output = sweep.wait()
        try #require(bothTraining, "the two workers never trained at once: \(output.stdout)")
        #expect(output.status == status, "\(output.stderr)")
        let runs = try reader.runs()
        #expect(runs.count == 2, "no training started after the signal: \(runs.map(\.status))")
        #expect(eventually(30) { ((try? reader.runs()) ?? []).allSatisfy { $0.status == .stopped } },
                "every worker stopped its training: \((try? reader.runs())?.map(\.status) ?? [])")

        // The resume trains the rest, and the sweep holds what one never stopped holds.
        let resumed = try MimicProcess.run(["sweep", "resume", "1", "--store", store, "--workers", "2"], in: folder)
        #expect(resumed.status == 0, "\(resumed.stdout)\(resumed.stderr)")
        #expect(try reader.endings(ofSweep: 1) == (0..<4).map { "training \($0): done" })
        let expected = try FaultInjectionTests.uninterrupted(grid, in: folder)
        let points = try reader.points(ofSweep: 1)
        #expect(points == expected, "\(points.count) points against \(expected.count)")
    }
}
