import Foundation
import MimicBench
import MimicChildProcess

/// PyTorch timing the same residual networks as `mimic bench`, on the same inputs,
/// batches and threads, in the same run: `scripts/torch_bench.py` run by the Python the
/// user names (one with torch installed).
struct PyTorchBench {
    let version: String
    /// Samples per second by `NetworkCase.torchName`.
    let rates: [String: Double]

    func rate(of item: NetworkCase) -> Double? { rates[item.torchName] }

    /// Where torch_bench.py is: in scripts/ of the repository this binary was built in
    /// (its folder's ancestors), or of the current folder.
    static func script(executable: String) -> String? {
        var folder = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
        var candidates = [URL(fileURLWithPath: FileManager.default.currentDirectoryPath)]
        while folder.path != "/" {
            candidates.append(folder)
            folder.deleteLastPathComponent()
        }
        return candidates.map { $0.appendingPathComponent("scripts/torch_bench.py").path }
            .first { FileManager.default.fileExists(atPath: $0) }
    }

    /// Each figure's faster rate of the two.
    func keepingFaster(_ other: PyTorchBench) -> PyTorchBench {
        PyTorchBench(version: version, rates: rates.merging(other.rates, uniquingKeysWith: max))
    }

    /// Runs the script with `python` for one round; throws a sentence when it cannot.
    static func measure(python: String, script: String, cases: [NetworkCase], threads: Int,
                        seconds: Double) throws -> PyTorchBench {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mimic-torch-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let output = folder.appendingPathComponent("out").path, errors = folder.appendingPathComponent("err").path
        let arguments = [script, String(threads), String(seconds), "1"] + cases.map(\.torchName)
        let status: Int32
        do {
            status = try ChildProcess.start(python, arguments, output: .file(output), error: .file(errors)).wait()
        } catch {
            throw UsageError("--pytorch \(python) cannot be run (\(error.code)); name a Python with torch installed, e.g. --pytorch ~/torch-venv/bin/python.")
        }
        let printed = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        guard status == 0, let object = try? JSONSerialization.jsonObject(with: Data(printed.utf8)) as? [String: Any],
              let version = object["version"] as? String, let rates = object["samples_per_s"] as? [String: Double]
        else {
            let said = ((try? String(contentsOfFile: errors, encoding: .utf8)) ?? "").split(separator: "\n").last.map(String.init) ?? ""
            throw UsageError("--pytorch \(python) did not measure PyTorch (exit \(status)\(said.isEmpty ? "" : ": \(said)")); name a Python with torch installed.")
        }
        return PyTorchBench(version: version, rates: rates)
    }
}

/// PyTorch's rounds of the residual networks, one after each of mimic's own
/// (`Benchmark.run`'s `afterNetworkRound`): on a shared machine either side's speed drifts
/// over a run, and a ratio of two bests taken minutes apart says more about the
/// drift than about the engines. Each round is a run of the script; each figure keeps
/// its best round, as mimic's do. A round that fails ends them, and the rounds before
/// it are dropped too: the failure is reported instead of fewer rounds than mimic's.
final class PyTorchRounds {
    private let python: String, script: String
    private let cases: [NetworkCase]
    private let threads: Int
    private let seconds: Double
    private(set) var best: PyTorchBench?
    private(set) var failure: Error?

    init(python: String, script: String, cases: [NetworkCase], threads: Int, seconds: Double) {
        (self.python, self.script, self.cases, self.threads, self.seconds) = (python, script, cases, threads, seconds)
    }

    func measureRound() {
        guard failure == nil else { return }
        do {
            let round = try PyTorchBench.measure(python: python, script: script, cases: cases, threads: threads,
                                                 seconds: seconds)
            best = best?.keepingFaster(round) ?? round
        } catch {
            failure = error
            best = nil
        }
    }
}
