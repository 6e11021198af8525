import Foundation
import MimicBench
import MimicTestSupport
import Testing
@testable import mimic

/// `mimic bench --pytorch`: finding its script, refusing a Python that cannot measure, and
/// keeping the best of its rounds.
/// (The timings themselves are `mimic bench`'s to show, never a test's.)
struct PyTorchBenchTests {
    @Test func theScriptIsFoundFromTheBinarysRepository() throws {
        let binary = try #require(MimicProcess.binary)
        let script = try #require(PyTorchBench.script(executable: binary))
        #expect(script.hasSuffix("/scripts/torch_bench.py") && FileManager.default.fileExists(atPath: script))
    }

    @Test func aPythonThatCannotMeasureIsOneSentence() throws {
        let cases = Array(Benchmark.networkCases.prefix(1))
        #expect(cases[0].torchName == "resnet-20:1x28x28:train:128" && cases[0].key == "resnet_20_1x28x28_train")
        for (python, words) in [("/nonexistent/python", "cannot be run"), ("/bin/false", "did not measure PyTorch (exit 1)")] {
            let error = #expect(throws: UsageError.self) {
                try PyTorchBench.measure(python: python, script: "/nonexistent/torch_bench.py", cases: cases,
                                         threads: 1, seconds: 0.1)
            }
            #expect(error?.description.contains(words) == true, "\(error?.description ?? "")")
            #expect(error?.description.hasSuffix(".") == true)
        }
    }

    @Test func roundsKeepEachFiguresFasterRate() {
        let first = PyTorchBench(version: "2.15", rates: ["a": 100, "b": 50])
        let second = PyTorchBench(version: "2.15", rates: ["a": 90, "b": 60])
        #expect(first.keepingFaster(second).rates == ["a": 100, "b": 60])
    }

    /// A stand-in for Python that counts its runs: 5 samples/s, then 3, then a failure.
    @Test func roundsKeepTheBestUntilOneFailsThenStop() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mimic-fake-python-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let counter = folder.appendingPathComponent("runs").path, python = folder.appendingPathComponent("python").path
        try """
            #!/bin/sh
            n=$(cat '\(counter)' 2>/dev/null || echo 0); n=$((n + 1)); echo $n > '\(counter)'
            case $n in
            1) echo '{"version": "fake", "threads": 1, "samples_per_s": {"resnet-20:1x28x28:train:128": 5}}' ;;
            2) echo '{"version": "fake", "threads": 1, "samples_per_s": {"resnet-20:1x28x28:train:128": 3}}' ;;
            *) echo 'no torch here' >&2; exit 1 ;;
            esac
            """.write(toFile: python, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: python)
        let cases = Array(Benchmark.networkCases.prefix(1))
        let rounds = PyTorchRounds(python: python, script: "/nonexistent/torch_bench.py", cases: cases, threads: 1,
                                   seconds: 0.1)
        func runs() -> String { ((try? String(contentsOfFile: counter, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines) }
        rounds.measureRound()
        rounds.measureRound()
        #expect(rounds.best?.rate(of: cases[0]) == 5 && rounds.failure == nil)
        rounds.measureRound()
        #expect(rounds.best == nil)
        #expect((rounds.failure as? UsageError)?.description.contains("(exit 1: no torch here)") == true)
        rounds.measureRound()
        #expect(runs() == "3")
    }
}
