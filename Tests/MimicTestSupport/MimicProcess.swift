import Foundation
import MimicChildProcess
import MimicEngine

/// The `mimic` binary that `swift test` built, run as a separate process with
/// XDG_DATA_HOME in a temporary folder, so no test ever writes the user's store.
public enum MimicProcess {
    /// The debug binary beside the test bundle, else the release one CI builds first.
    public static let binary: String? = {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidates = [bundle.appendingPathComponent("mimic").path,
                          bundle.deletingLastPathComponent().appendingPathComponent("release/mimic").path]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    public struct Output {
        public let status: Int32
        public let stdout: String
        public let stderr: String
    }

    /// A running mimic whose output goes to files in `folder`.
    public struct Running {
        public let pid: pid_t
        public let stdoutPath: String
        public let stderrPath: String
        private let reaped = Reaped()

        init(pid: pid_t, stdoutPath: String, stderrPath: String) {
            self.pid = pid
            self.stdoutPath = stdoutPath
            self.stderrPath = stderrPath
        }

        /// Waits for it to exit and returns what it printed. Its pid is free from then
        /// on, for any process of the machine to take.
        public func wait() -> Output {
            let status = ChildProcess(pid: pid).wait()
            reaped.set()
            return Output(status: status,
                          stdout: (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "",
                          stderr: (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "")
        }

        /// Sends `signal` to it and, with `descendants`, to every process it started
        /// (`ProcessTree`), unless it was waited for: a watchdog at a test's end must not
        /// kill the unrelated process (a PostgreSQL backend, say) that took its pid since.
        public func signalUnlessWaited(_ signal: Int32, descendants: Bool = false) {
            guard !reaped.isSet else { return }
            if descendants { ProcessTree.signal(pid, signal) } else { kill(pid, signal) }
        }
    }

    /// Whether a process was waited for.
    final class Reaped: @unchecked Sendable {
        private let lock = NSLock()
        private var value = false
        func set() { lock.withLock { value = true } }
        var isSet: Bool { lock.withLock { value } }
    }

    /// Starts `mimic arguments...` without waiting. `input` is the file standard input reads.
    /// `changing` sets (or, with nil, removes) variables of this process's environment.
    public static func start(_ arguments: [String], in folder: TemporaryFolder, input: String = "/dev/null",
                      executable: String? = nil, changing changes: [String: String?] = [:]) throws -> Running {
        let tag = UUID().uuidString.prefix(8)
        let stdoutPath = folder.file("out-\(tag)"), stderrPath = folder.file("err-\(tag)")
        var environment = ProcessInfo.processInfo.environment
        environment["XDG_DATA_HOME"] = folder.file("xdg")
        for (name, value) in changes { environment[name] = value }
        let child = try ChildProcess.start(executable ?? binary!, arguments, input: input,
                                           output: .file(stdoutPath), error: .file(stderrPath),
                                           environment: environment)
        return Running(pid: child.pid, stdoutPath: stdoutPath, stderrPath: stderrPath)
    }

    /// Runs `mimic arguments...` to its end.
    public static func run(_ arguments: [String], in folder: TemporaryFolder, input: String = "/dev/null",
                    changing changes: [String: String?] = [:]) throws -> Output {
        try start(arguments, in: folder, input: input, changing: changes).wait()
    }

    /// A tiny IDX data set on disk (8x8 images, 10 classes).
    public static func makeDataSet(in folder: TemporaryFolder, train: Int = 600) throws -> String {
        let path = folder.file("data")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try IDXWriter.write(SyntheticData.make(train: train, test: 200), to: path, compressed: false)
        return path
    }

    /// Options of a run that trains in about a second.
    public static func quickRun(data: String) -> [String] {
        ["--data", data, "--mentor", "fc32", "--student", "fc16", "--student", "linear", "--labeled", "0.2",
         "--epochs", "3", "--student-epochs", "2", "--batch", "32", "--threads", "1"]
    }
}
