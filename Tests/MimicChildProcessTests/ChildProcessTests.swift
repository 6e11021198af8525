import Foundation
import MimicChildProcess
import Testing
import MimicTestSupport

/// Starting programs: streams, environment, status, and the signal state a child
/// inherits, which is why the helper exists.
@Suite struct ChildProcessTests {
    private func run(_ script: String, output: ChildProcess.Stream, error: ChildProcess.Stream = .discarded,
                     environment: [String: String]? = nil, defaultSignals: Bool = false) throws -> Int32 {
        try ChildProcess.start("/bin/sh", ["-c", script], output: output, error: error,
                               environment: environment, defaultSignals: defaultSignals).wait()
    }

    private func text(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }

    @Test func reportsExitCodesAndSignalsAsAShellDoes() throws {
        #expect(try run("exit 0", output: .discarded) == 0)
        #expect(try run("exit 3", output: .discarded) == 3)
        #expect(try run("kill -TERM $$", output: .discarded) == 128 + SIGTERM)
    }

    @Test func writesTruncatesAppendsAndMergesStreams() throws {
        let folder = try TemporaryFolder()
        let log = folder.file("log")
        _ = try run("echo one", output: .file(log))
        _ = try run("echo two", output: .file(log))
        #expect(text(log) == "two\n", "a file is emptied first unless appended to")
        _ = try run("echo three; echo four >&2", output: .file(log, append: true), error: .standardOutput)
        #expect(text(log) == "two\nthree\nfour\n")
        _ = try run("echo out; echo err >&2", output: .file(folder.file("out")), error: .file(folder.file("err")))
        #expect(text(folder.file("out")) == "out\n" && text(folder.file("err")) == "err\n")
    }

    @Test func passesTheEnvironmentItIsGiven() throws {
        let folder = try TemporaryFolder()
        _ = try run("echo \"[$MIMIC_CHILD_TEST]\"", output: .file(folder.file("out")), environment: ["MIMIC_CHILD_TEST": "given"])
        #expect(text(folder.file("out")) == "[given]\n")
    }

    /// The child starts with no blocked signals even when the parent blocks some (as
    /// the dashboard's signal thread does), and with SIGHUP back at its default action
    /// when asked, even if ignored here. (SIGHUP, not Ctrl-C's SIGINT: the disposition
    /// is the whole test process's, and other tests send SIGINT to their children;
    /// nothing else here uses SIGHUP, and unlike SIGQUIT it dumps no core.)
    @Test func inheritsNoBlockedSignals() throws {
        let folder = try TemporaryFolder()
        var blocked = sigset_t(), previous = sigset_t()
        sigemptyset(&blocked)
        sigaddset(&blocked, SIGTERM)
        pthread_sigmask(SIG_BLOCK, &blocked, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        _ = try run("grep SigBlk /proc/self/status", output: .file(folder.file("mask")))
        #expect(text(folder.file("mask")).hasSuffix("0000000000000000\n"), "mask: \(text(folder.file("mask")))")

        let ignored = signal(SIGHUP, SIG_IGN)
        defer { signal(SIGHUP, ignored) }
        #expect(try run("kill -HUP $$; exit 0", output: .discarded) == 0, "an ignored signal stays ignored by default")
        #expect(try run("kill -HUP $$; exit 0", output: .discarded, defaultSignals: true) == 128 + SIGHUP)
    }

    @Test func aChildWaitedForTwiceIsNotReportedAsSucceeding() throws {
        let child = try ChildProcess.start("/bin/sh", ["-c", "exit 0"])
        #expect(child.wait() == 0)
        #expect(child.wait() == -1)
    }

    @Test func namesAProgramThatCannotStart() {
        #expect(throws: POSIXError.self) { try ChildProcess.start("/nonexistent/program", []) }
    }
}
