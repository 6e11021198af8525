import Foundation

/// Another program started with posix_spawn, for the few places that run one: the
/// detached trainer, tmux for the benchmark's first-frame timing, and the tests that
/// drive `mimic` and tmux as a user would.
///
/// Foundation's `Process` is not used: it left exited children unreaped here, and
/// the child inherited this process's mask of blocked signals, so a Ctrl-C or SIGTERM
/// sent to it (directly, or through a tmux server it started) never reached its
/// handlers. A child started here inherits no blocked signals.
public struct ChildProcess: Sendable {
    /// Where one of the child's standard streams goes.
    public enum Stream: Sendable {
        /// This process's own stream.
        case inherited
        /// /dev/null.
        case discarded
        /// A file, created if missing (mode 0600: logs and captured output are the
        /// user's own), emptied first unless `append`.
        case file(String, append: Bool = false)
        /// Standard error only: wherever standard output goes.
        case standardOutput
    }

    public let pid: pid_t

    /// A child already started (by `start`), to wait for.
    public init(pid: pid_t) { self.pid = pid }

    /// Starts `program` (a path) with `arguments`, reading standard input from `input`.
    /// `environment` nil passes this process's own. `newSession` puts the child in a
    /// session of its own, with no controlling terminal; `defaultSignals` resets
    /// Ctrl-C, SIGTERM, SIGHUP, SIGPIPE and SIGQUIT to their default actions even if
    /// ignored here. Returns once the child is started, without waiting for it.
    public static func start(_ program: String, _ arguments: [String], input: String = "/dev/null",
                             output: Stream = .inherited, error: Stream = .inherited,
                             environment: [String: String]? = nil,
                             newSession: Bool = false, defaultSignals: Bool = false) throws(POSIXError) -> ChildProcess {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if case .standardOutput = output { preconditionFailure("standard output cannot go where standard output goes") }
        posix_spawn_file_actions_addopen(&actions, 0, input, O_RDONLY, 0)
        for (descriptor, stream) in [(Int32(1), output), (Int32(2), error)] {
            switch stream {
            case .inherited: break
            case .discarded: posix_spawn_file_actions_addopen(&actions, descriptor, "/dev/null", O_WRONLY, 0)
            case .file(let path, let append):
                posix_spawn_file_actions_addopen(&actions, descriptor, path, O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC), 0o600)
            case .standardOutput: posix_spawn_file_actions_adddup2(&actions, 1, descriptor)
            }
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var flags = Int32(POSIX_SPAWN_SETSIGMASK)
        if defaultSignals {
            var defaults = sigset_t()
            sigemptyset(&defaults)
            for signal in [SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGQUIT] { sigaddset(&defaults, signal) }
            posix_spawnattr_setsigdefault(&attributes, &defaults)
            flags |= Int32(POSIX_SPAWN_SETSIGDEF)
        }
        #if os(Linux)
        // glibc's POSIX_SPAWN_SETSID, which Swift does not see (it sits behind _GNU_SOURCE).
        let setSession: Int32 = 0x80
        #else
        let setSession = Int32(POSIX_SPAWN_SETSID)
        #endif
        if newSession { flags |= setSession }
        posix_spawnattr_setflags(&attributes, Int16(flags))

        let argv = ([program] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { $0.map { strdup("\($0.key)=\($0.value)") } + [nil] }
        defer { (argv + (envp ?? [])).forEach { free($0) } }
        var pid: pid_t = 0
        let result = envp.map { posix_spawn(&pid, program, &actions, &attributes, argv, $0) }
            ?? posix_spawn(&pid, program, &actions, &attributes, argv, environ)
        guard result == 0 else { throw POSIXError(POSIXErrorCode(rawValue: result) ?? .EIO) }
        return ChildProcess(pid: pid)
    }

    /// Waits for the child to end and returns its status as a shell reports it: the
    /// exit code, or 128 plus the signal that killed it; -1 if it cannot be waited for
    /// (already reaped elsewhere).
    @discardableResult
    public func wait() -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 {
            if errno != EINTR { return -1 }
        }
        // WIFEXITED / WEXITSTATUS / WTERMSIG, which Swift does not import as macros.
        return status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }
}
