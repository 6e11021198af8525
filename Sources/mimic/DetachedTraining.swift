import Foundation
import MimicChildProcess
import MimicEngine
import MimicStore

/// `mimic train --detach`: the same command again, as a new process in a session of
/// its own (no terminal, so closing the terminal or logging out does not stop it),
/// with its output in the run folder, training a run recorded before it starts.
enum DetachedTraining {
    /// The arguments for the background process: the same options, without
    /// --detach, with the store made explicit, the run it is to train and the run
    /// folder's lock it inherits.
    static func childArguments(_ arguments: [String], storePath: String, runID: Int64, lockDescriptor: Int32) -> [String] {
        var kept: [String] = []
        var skipNext = false
        for argument in arguments {
            if skipNext {
                skipNext = false
                continue
            }
            if argument == "--detach" || argument.hasPrefix("--store=") || argument.hasPrefix("--run-id=")
                || argument.hasPrefix("--lock-fd=") { continue }
            if argument == "--store" || argument == "--run-id" || argument == "--lock-fd" {
                skipNext = true
                continue
            }
            kept.append(argument)
        }
        return kept + ["--store", storePath, "--run-id", String(runID), "--lock-fd", String(lockDescriptor)]
    }

    /// This program's own file, whatever path or PATH lookup started it.
    static var executable: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
    }

    /// Starts the background process with its standard output and error appended to
    /// `log`, and returns its process id without waiting for it. Nothing blocked or
    /// ignored here is inherited: Ctrl-C and SIGTERM must reach the trainer's own
    /// handlers (a stop that still records the run). Descriptors left open across exec
    /// (the run folder's lock) are inherited.
    static func spawn(arguments: [String], log: String, store: RunStore) throws -> pid_t {
        try ChildProcess.start(executable, arguments, output: .file(log, append: true), error: .standardOutput,
                               environment: environment(for: store), newSession: true, defaultSignals: true).pid
    }

    /// This process's environment and what a child needs to open `store` (a password
    /// given in its URL, see `StoreAddress.childEnvironment`); nil when that is nothing.
    static func environment(for store: RunStore) -> [String: String]? {
        let added = store.address.childEnvironment
        guard !added.isEmpty else { return nil }
        return ProcessInfo.processInfo.environment.merging(added) { $1 }
    }

    /// What the user sees once the background process runs: how to follow it first.
    static func announce(run id: Int64, pid: pid_t, log: String, verb: String) {
        writeLine("run \(id) is \(verb) in the background (process \(pid)); 'mimic watch \(id)' follows it live")
        writeLine("its output goes to \(log) ('tail -f' it); 'mimic show \(id)' prints it, 'kill \(pid)' stops it")
    }
}
