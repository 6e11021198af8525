import Foundation
import MimicBench
import MimicTestSupport
import Testing
@testable import mimic

/// `mimic bench --pytorch`: finding its script and refusing a Python that cannot measure.
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
}
