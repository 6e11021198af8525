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
                                         threads: 1, seconds: 0.1, rounds: 1)
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

    @Test func aFailedRoundEndsPyTorchsRoundsAndDropsItsFigures() {
        let rounds = PyTorchRounds(python: "/bin/false", script: "/nonexistent/torch_bench.py",
                                   cases: Array(Benchmark.networkCases.prefix(1)), threads: 1, seconds: 0.1)
        rounds.measureRound()
        rounds.measureRound()
        #expect(rounds.best == nil)
        #expect((rounds.failure as? UsageError)?.description.contains("did not measure PyTorch (exit 1)") == true)
    }
}
