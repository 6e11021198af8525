import Foundation
import MimicEngine
import Testing
@testable import MimicStore
import MimicTestSupport

/// `mimic agent` through the real binary: two agents share a sweep's trainings with the
/// grid of one local worker, and bad input gets one sentence.
@Suite struct AgentCommandTests {
    @Test func twoAgentsTrainASweepToTheGridOfOneWorker() throws {
        let folder = try TemporaryFolder()
        let data = try MimicProcess.makeDataSet(in: folder)
        let file = try SweepCommandTests.sweepFile(in: folder, data: data)
        let whole = try MimicProcess.run(["sweep", file, "--store", folder.file("whole/runs.sqlite")], in: folder)
        #expect(whole.status == 0, "\(whole.stderr)")

        let store = folder.file("agents/runs.sqlite")
        let recorded = try MimicProcess.run(["sweep", file, "--record-only", "--store", store], in: folder)
        #expect(recorded.status == 0 && recorded.stdout.contains("mimic agent 1"), "\(recorded.stdout)\(recorded.stderr)")
        let artifacts = folder.file("shared")
        let agents = try (0..<2).map { _ in
            try MimicProcess.start(["agent", "1", "--store", store, "--artifacts", artifacts, "--grace", "30"], in: folder)
        }
        let outputs = agents.map { $0.wait() }
        for output in outputs { #expect(output.status == 0, "\(output.stdout)\(output.stderr)") }
        #expect(outputs.map { $0.stdout.contains("trainings finished") || $0.stdout.contains("training finished") } == [true, true])

        let reference = try MimicProcess.run(["sweep", "show", "1", "--store", folder.file("whole/runs.sqlite")], in: folder)
        let shown = try MimicProcess.run(["sweep", "show", "1", "--store", store], in: folder)
        func grid(_ text: String) -> [String] {
            text.split(separator: "\n").map(String.init).prefix { !$0.hasPrefix("agent ") && !$0.isEmpty }
                .map { $0.replacingOccurrences(of: #" +[0-9.]+±[0-9.]+s$"#, with: "", options: .regularExpression) }
        }
        #expect(grid(shown.stdout) == grid(reference.stdout), "\(shown.stdout)")
        #expect(shown.stdout.contains("2 of 2 trainings done"), "\(shown.stdout)")
        #expect(shown.stdout.contains("agent  host"), "the agents are listed: \(shown.stdout)")
        let opened = try RunStore(path: store, create: false)
        #expect(try opened.runs(sweep: 1).allSatisfy { $0.status == .done && $0.folder?.hasPrefix(artifacts) == true })
        #expect(try opened.agents(ofSweep: 1).map(\.finished).reduce(0, +) == 2)
    }

    /// A local worker takes its trainings from the same queue as agents: the two train
    /// one sweep together, each training once, and both are listed with what they did.
    @Test func anAgentAndALocalWorkerShareASweep() throws {
        let folder = try TemporaryFolder()
        let data = try MimicProcess.makeDataSet(in: folder)
        let file = try SweepCommandTests.sweepFile(in: folder, data: data)
        let store = folder.file("runs.sqlite")
        let recorded = try MimicProcess.run(["sweep", file, "--record-only", "--store", store], in: folder)
        #expect(recorded.status == 0, "\(recorded.stderr)")
        let agent = try MimicProcess.start(["agent", "1", "--store", store, "--grace", "30"], in: folder)
        let local = try MimicProcess.run(["sweep", "resume", "1", "--store", store], in: folder)
        let agentOutput = agent.wait()
        #expect(local.status == 0 && agentOutput.status == 0, "\(local.stderr)\(agentOutput.stderr)")
        let opened = try RunStore(path: store, create: false)
        let runs = try opened.runs(sweep: 1)
        #expect(runs.count == 2 && runs.allSatisfy { $0.status == .done })
        #expect(Set(runs.compactMap { $0.slot?.training }) == [0, 1])
        let agents = try opened.agents(ofSweep: 1)
        #expect(agents.count == 2 && agents.map(\.finished).reduce(0, +) == 2, "\(agents)")
        #expect(try opened.backend.read { db in try db.value("SELECT max(generation) FROM sweep_queue", as: Int64.self) } == 1,
                "no training was claimed twice")
    }

    @Test func badInputGetsOneSentence() throws {
        let folder = try TemporaryFolder()
        let data = try MimicProcess.makeDataSet(in: folder)
        let store = folder.file("runs.sqlite")
        _ = try MimicProcess.run(["sweep", try SweepCommandTests.sweepFile(in: folder, data: data), "--record-only", "--store", store],
                                 in: folder)
        let unknown = try MimicProcess.run(["agent", "7", "--store", store], in: folder)
        #expect(unknown.status != 0 && unknown.stderr.contains("There is no sweep 7"), "\(unknown.stderr)")
        let aFile = folder.file("not-a-folder")
        _ = FileManager.default.createFile(atPath: aFile, contents: Data("x".utf8))
        let artifacts = try MimicProcess.run(["agent", "1", "--store", store, "--artifacts", aFile + "/sub"], in: folder)
        #expect(artifacts.status != 0 && artifacts.stderr.contains("The artifacts folder \(aFile)/sub cannot be made"), "\(artifacts.stderr)")
        let grace = try MimicProcess.run(["agent", "1", "--store", store, "--grace", "0"], in: folder)
        #expect(grace.status != 0 && grace.stderr.contains("--grace 0.0 is too short"), "\(grace.stderr)")
        #expect(try RunStore(path: store, create: false).runs(sweep: 1).isEmpty, "nothing was claimed")
    }
}
