import Foundation
import MimicStore

/// `mimic train --detach`: the same command again, as a new process in a session of
/// its own (no terminal, so closing the terminal or logging out does not stop it),
/// with its output in the run folder, training a run recorded before it starts.
enum DetachedTraining {
    /// The arguments for the background process: the same options, without
    /// --detach, with the store made explicit and the run it is to train.
    static func childArguments(_ arguments: [String], storePath: String, runID: Int64) -> [String] {
        var kept: [String] = []
        var skipNext = false
        for argument in arguments {
            if skipNext {
                skipNext = false
                continue
            }
            if argument == "--detach" || argument.hasPrefix("--store=") || argument.hasPrefix("--run-id=") { continue }
            if argument == "--store" || argument == "--run-id" {
                skipNext = true
                continue
            }
            kept.append(argument)
        }
        return kept + ["--store", storePath, "--run-id", String(runID)]
    }

    /// This program's own file, whatever path or PATH lookup started it.
    static var executable: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
    }

    /// Starts the background process with its standard output and error appended to
    /// `log`, and returns its process id without waiting for it.
    static func spawn(arguments: [String], log: String) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Nothing blocked or ignored is inherited: Ctrl-C and SIGTERM must reach the
        // trainer's own handlers (a stop that still records the run).
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGQUIT] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        // glibc's POSIX_SPAWN_SETSID, which Swift does not see (it sits behind _GNU_SOURCE).
        let setSession: Int32 = 0x80
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | setSession))

        let path = executable
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, path, &actions, &attributes, argv, environ)
        guard result == 0 else { throw POSIXError(POSIXErrorCode(rawValue: result) ?? .EIO) }
        return pid
    }
}
