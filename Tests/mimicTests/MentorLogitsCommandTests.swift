import Foundation
import MimicEngine
import MimicTestSupport
import Testing

/// A mentor known only by its outputs, through the commands a user runs: `mimic data
/// list` gives the order, `mimic data logits` writes a model's logits in it, and
/// `mimic train --mentor-logits` teaches the same students as the model itself.
@Suite(.enabled(if: MimicProcess.binary != nil, "the mimic binary is not built next to the tests (swift build --product mimic)"))
struct MentorLogitsCommandTests {
    @Test func logitsTeachWhatTheCheckpointTeaches() throws {
        let folder = try TemporaryFolder()
        let data = try MimicProcess.makeDataSet(in: folder)
        let split = ["--data", data, "--labeled", "0.2", "--seed", "1"]
        let saved = try MimicProcess.run(["train", "--no-store", "--save", folder.file("first")] + MimicProcess.quickRun(data: data),
                                         in: folder)
        #expect(saved.status == 0, "\(saved.stderr)")
        let mentor = folder.file("first/mentor-fc32.safetensors")

        let list = try MimicProcess.run(["data", "list"] + split, in: folder)
        #expect(list.status == 0, "\(list.stderr)")
        let lines = list.stdout.split(separator: "\n")
        #expect(lines.first == "# part\trow\ttable\tindex\tfile")
        #expect(lines.filter { $0.hasPrefix("pool\t") }.count == 480 && lines.filter { $0.hasPrefix("test\t") }.count == 200)
        #expect(lines[1].hasPrefix("pool\t0\ttrain\t"), "an IDX set's images are named by table and index")

        let logits = folder.file("mentor-logits.safetensors")
        let written = try MimicProcess.run(["data", "logits", "--model", mentor, "--out", logits, "--threads", "1"] + split,
                                           in: folder)
        #expect(written.status == 0, "\(written.stderr)")
        #expect(written.stdout.contains("logits of 480 pool and 200 test images, 10 classes"))

        var tables: [String] = []
        for source in [["--mentor-checkpoint", mentor], ["--mentor-logits", logits]] {
            let run = try MimicProcess.run(["train", "--no-store"] + source + MimicProcess.quickRun(data: data), in: folder)
            #expect(run.status == 0, "\(run.stderr)")
            tables.append(run.stdout.split(separator: "\n").filter { $0.hasPrefix("student") }
                .map { $0.replacingOccurrences(of: #" +[0-9.]+s( |$)"#, with: " ", options: .regularExpression)
                    .replacingOccurrences(of: #"[0-9]+ samples/s"#, with: "", options: .regularExpression) }
                .joined(separator: "\n"))
        }
        #expect(!tables[0].isEmpty && tables[0] == tables[1], "the students' lines, times aside, are the same")

        try expectRefusal(["train", "--no-store", "--mentor-logits", logits, "--seed", "2"] + MimicProcess.quickRun(data: data),
                          in: folder, startsWith: "Mentor logits file \(logits) was written for the split of --seed 1 --labeled 0.2")
        try expectRefusal(["data", "logits", "--model", mentor, "--out", mentor] + split, in: folder,
                          startsWith: "--out \(mentor) is the model itself")
    }
}
