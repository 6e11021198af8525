import Foundation
import MimicEngine
import MimicTestSupport

/// The `mimic` binary that `swift test` built, run as a separate process with
/// XDG_DATA_HOME in a temporary folder, so no test ever writes the user's store.
enum MimicProcess {
    /// The debug binary beside the test bundle, else the release one CI builds first.
    static let binary: String? = {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidates = [bundle.appendingPathComponent("mimic").path,
                          bundle.deletingLastPathComponent().appendingPathComponent("release/mimic").path]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    struct Output {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// A running mimic whose output goes to files in `folder`.
    struct Running {
        let pid: pid_t
        let stdoutPath: String
        let stderrPath: String

        /// Waits for it to exit and returns what it printed.
        func wait() -> Output {
            var status: Int32 = 0
            while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
            // WIFEXITED / WEXITSTATUS, which Swift does not import as macros.
            let exited = status & 0x7f == 0
            return Output(status: exited ? (status >> 8) & 0xff : 128 + (status & 0x7f),
                          stdout: (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "",
                          stderr: (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "")
        }
    }

    /// Starts `mimic arguments...` without waiting. `input` is the file standard input reads.
    static func start(_ arguments: [String], in folder: TemporaryFolder, input: String = "/dev/null",
                      executable: String? = nil) throws -> Running {
        let tag = UUID().uuidString.prefix(8)
        let running = Running(pid: 0, stdoutPath: folder.file("out-\(tag)"), stderrPath: folder.file("err-\(tag)"))
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, input, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, running.stdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, running.stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))

        let program = executable ?? binary!
        var environment = ProcessInfo.processInfo.environment
        environment["XDG_DATA_HOME"] = folder.file("xdg")
        let argv = ([program] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, program, &actions, &attributes, argv, envp)
        guard result == 0 else { throw POSIXError(POSIXErrorCode(rawValue: result) ?? .EIO) }
        return Running(pid: pid, stdoutPath: running.stdoutPath, stderrPath: running.stderrPath)
    }

    /// Runs `mimic arguments...` to its end.
    static func run(_ arguments: [String], in folder: TemporaryFolder, input: String = "/dev/null") throws -> Output {
        try start(arguments, in: folder, input: input).wait()
    }

    /// A tiny IDX data set on disk (8x8 images, 10 classes).
    static func makeDataSet(in folder: TemporaryFolder, train: Int = 600) throws -> String {
        let path = folder.file("data")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try IDXWriter.write(SyntheticData.make(train: train, test: 200), to: path, compressed: false)
        return path
    }

    /// Options of a run that trains in about a second.
    static func quickRun(data: String) -> [String] {
        ["--data", data, "--mentor", "fc32", "--student", "fc16", "--student", "linear", "--labeled", "0.2",
         "--epochs", "3", "--student-epochs", "2", "--batch", "32", "--threads", "1"]
    }
}
