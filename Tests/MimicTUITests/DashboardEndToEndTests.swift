import Foundation
import MimicChildProcess
import MimicEngine
import MimicTestSupport
import MimicStore
import Testing

/// The real binary in a real terminal: tmux runs `mimic dashboard` on a tiny data set
/// made here, keys go in with send-keys, the screen comes back with capture-pane.
@Suite(.serialized) struct DashboardEndToEndTests {
    static let tmux = ["/usr/bin/tmux", "/usr/local/bin/tmux", "/bin/tmux"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// The debug binary beside the test bundle (what `swift test` just built), else the
    /// release one CI builds first.
    static let binary: String? = {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidates = [bundle.appendingPathComponent("mimic").path,
                          bundle.deletingLastPathComponent().appendingPathComponent("release/mimic").path]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    /// One tmux server of our own, so the test never touches the user's sessions.
    final class Terminal {
        let socket = "mimic-e2e-\(UUID().uuidString.prefix(8))"
        let tmux: String

        init(tmux: String, width: Int, height: Int, command: String) throws {
            self.tmux = tmux
            try run(["new-session", "-d", "-s", "e2e", "-x", String(width), "-y", String(height), command])
        }

        deinit { try? run(["kill-server"]) }

        /// Runs tmux and waits for it (`ChildProcess`: Foundation's Process left the
        /// exited client unreaped here, and its mask of blocked signals reached the
        /// program under test through the tmux server).
        @discardableResult
        func run(_ arguments: [String]) throws -> String {
            let outputPath = NSTemporaryDirectory() + "mimic-e2e-out-\(UUID().uuidString)"
            defer { unlink(outputPath) }
            // -u: the pane holds UTF-8 whatever locale CI runs with.
            try ChildProcess.start(tmux, ["-u", "-L", socket, "-f", "/dev/null"] + arguments,
                                   output: .file(outputPath), error: .discarded).wait()
            return (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        }

        func screen() -> String { (try? run(["capture-pane", "-p", "-t", "e2e"])) ?? "" }

        func press(_ keys: String...) throws { try run(["send-keys", "-t", "e2e"] + keys) }

        /// Polls the screen until `condition` holds; returns the last screen either way.
        func wait(seconds: Double, until condition: (String) -> Bool) -> (Bool, String) {
            let deadline = Date().addingTimeInterval(seconds)
            var last = ""
            while Date() < deadline {
                last = screen()
                if condition(last) { return (true, last) }
                Thread.sleep(forTimeInterval: 0.2)
            }
            return (false, last)
        }
    }

    static func makeDataSet() throws -> String {
        let folder = NSTemporaryDirectory() + "mimic-e2e-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try IDXWriter.write(SyntheticData.make(train: 1_000, test: 300, classes: 10), to: folder, compressed: true)
        return folder
    }

    /// What the shell prints once mimic is gone: its status and the terminal modes
    /// that a dashboard left in raw mode would have turned off, on one line.
    static let afterExit = "status=$?; echo \"EXITED=$status $(stty -a | tr ' ;' '\\n\\n' | grep -E '^-?(icanon|echo)$' | tr '\\n' ' ')END\"; sleep 60"

    static func shellQuoted(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    @Test(.enabled(if: tmux != nil, "tmux is not installed (apt-get install tmux)"),
          .enabled(if: binary != nil, "the mimic binary is not built next to the tests (swift build --product mimic)"))
    func runCompletesAndTheTableFills() throws {
        let data = try Self.makeDataSet()
        defer { try? FileManager.default.removeItem(atPath: data) }
        // The run store goes into the data folder, never the user's.
        let command = "env LANG=C.UTF-8 XDG_DATA_HOME=\(Self.shellQuoted(data)) \(Self.shellQuoted(Self.binary!)) dashboard --data \(Self.shellQuoted(data)) "
            + "--mentor fc32 --student fc16 --student linear --labeled 0.2 --epochs 2 --student-epochs 1 --batch 32 --threads 1; "
            + Self.afterExit
        let terminal = try Terminal(tmux: Self.tmux!, width: 120, height: 40, command: command)

        let (ready, idle) = terminal.wait(seconds: 30) { $0.contains("idle, Space starts") }
        #expect(ready, "the data set never loaded:\n\(idle)")
        #expect(idle.contains("Comparison") && idle.contains("Architectures") && idle.contains("Data split"))

        try terminal.press("Space")
        let (done, finished) = terminal.wait(seconds: 60) { screen in
            screen.contains(" done ") && screen.components(separatedBy: "finished").count - 1 >= 3
        }
        #expect(done, "the run did not finish:\n\(finished)")
        #expect(finished.contains("student 1  fc16"))
        #expect(finished.contains("%"), "the table has test accuracies")

        try terminal.press("q")
        let (exited, after) = terminal.wait(seconds: 15) { $0.contains("END") }
        #expect(exited, "mimic did not quit:\n\(after)")
        #expect(after.contains("EXITED=0"))
        #expect(after.contains("icanon") && !after.contains("-icanon") && !after.contains("-echo"),
                "the terminal was not restored:\n\(after)")
        #expect(!after.contains("Comparison"), "the dashboard is still on screen:\n\(after)")

        let store = try RunStore(path: data + "/mimic/runs.sqlite", create: false)
        let runs = try store.runs()
        #expect(runs.map(\.status) == [.done], "the dashboard recorded its run")
        #expect(try store.models(ofRun: 1).map(\.spec) == ["fc32", "fc16", "linear"])
        #expect(try store.metrics(ofRun: 1).contains { $0.name == "test_accuracy" })
    }

    /// `mimic watch` on a `train --detach`: it shows the run, Space pauses and resumes
    /// the training process, q leaves it paused and says how to resume it, Space in a
    /// second watcher resumes it, and S there stops it.
    @Test(.enabled(if: tmux != nil, "tmux is not installed (apt-get install tmux)"),
          .enabled(if: binary != nil, "the mimic binary is not built next to the tests (swift build --product mimic)"))
    func watchFollowsADetachedTrainingAndControlsIt() throws {
        let data = try Self.makeDataSet()
        defer { try? FileManager.default.removeItem(atPath: data) }
        let storePath = data + "/store/runs.sqlite"
        let mimic = "env LANG=C.UTF-8 \(Self.shellQuoted(Self.binary!))"
        let store = "--store \(Self.shellQuoted(storePath))"
        let command = "\(mimic) train --detach \(store) --data \(Self.shellQuoted(data)) --mentor fc32 --student fc16 "
            + "--labeled 0.2 --epochs 5000 --student-epochs 1 --batch 8 --threads 1 > /dev/null && "
            + "\(mimic) watch \(store); echo \"FIRST=$?\"; sleep 2; \(mimic) watch \(store); " + Self.afterExit
        let terminal = try Terminal(tmux: Self.tmux!, width: 80, height: 24, command: command)
        var trainer: Int32?
        defer {
            // Whatever failed above, no trainer outlives the test.
            if let trainer, ProcessInfoCheck.isAlive(trainer) { kill(trainer, SIGKILL) }
        }

        let (following, screen) = terminal.wait(seconds: 30) { $0.contains("watching run 1 (read-only)") && $0.contains("epoch ") }
        #expect(following, "watch did not follow the run:\n\(screen)")
        #expect(screen.contains("mentor") && screen.contains("fc32") && screen.contains("student 1"), "the models show:\n\(screen)")
        let reader = try RunStore(path: storePath, create: false)
        trainer = try reader.run(1).pid

        try terminal.press("Space")
        let (paused, pausedScreen) = terminal.wait(seconds: 10) { $0.contains("paused (mentor)") }
        #expect(paused, "the pause did not show:\n\(pausedScreen)")
        #expect(try reader.run(1).pausedAt != nil, "the trainer recorded its pause")
        let whilePaused = try reader.metrics(ofRun: 1).count
        Thread.sleep(forTimeInterval: 0.6)
        #expect(try reader.metrics(ofRun: 1).count == whilePaused, "the trainer is paused")

        try terminal.press("Space")
        let (resumed, _) = terminal.wait(seconds: 10) { !$0.contains("paused") && $0.contains("mentor") }
        let resumedAt = try reader.run(1).pausedAt
        #expect(resumed && resumedAt == nil, "the trainer did not resume")

        // Paused again and left: the run stays paused, and the terminal says what resumes it.
        try terminal.press("Space")
        let (pausedAgain, pausedAgainScreen) = terminal.wait(seconds: 10) { $0.contains("paused (mentor)") }
        #expect(pausedAgain, "the second pause did not show:\n\(pausedAgainScreen)")
        try terminal.press("q")
        let (first, firstScreen) = terminal.wait(seconds: 15) { $0.contains("FIRST=0") }
        #expect(first, "watch did not quit:\n\(firstScreen)")
        #expect(firstScreen.contains("Run 1 stays paused; resume it with 'mimic watch 1' and Space"),
                "no word on the paused run:\n\(firstScreen)")
        let stillPaused = try reader.metrics(ofRun: 1).count
        Thread.sleep(forTimeInterval: 0.6)
        #expect(try reader.metrics(ofRun: 1).count == stillPaused && reader.run(1).pausedAt != nil, "quitting left it paused")
        let (second, secondScreen) = terminal.wait(seconds: 15) { $0.contains("watching run 1") && $0.contains("paused") }
        #expect(second, "the second watch did not show the paused run:\n\(secondScreen)")
        try terminal.press("Space")
        let (resumedAgain, _) = terminal.wait(seconds: 10) { !$0.contains("paused") && $0.contains("mentor") }
        #expect(resumedAgain, "the second watcher did not resume the run")
        let afterQuit = try reader.metrics(ofRun: 1).count
        let goesOn = terminal.wait(seconds: 10) { _ in ((try? reader.metrics(ofRun: 1).count) ?? 0) > afterQuit }.0
        let statusAfterQuit = try reader.run(1).status
        #expect(goesOn && statusAfterQuit == .running, "the training did not go on")

        try terminal.press("S")
        let (stopped, stoppedScreen) = terminal.wait(seconds: 20) { $0.contains("looking back at run 1") && $0.contains("stopped") }
        #expect(stopped, "the stop did not show:\n\(stoppedScreen)")
        #expect(try reader.run(1).status == .stopped)
        let (exited, _) = terminal.wait(seconds: 10) { _ in trainer.map { !ProcessInfoCheck.isAlive($0) } ?? true }
        #expect(exited, "the training process did not end")

        try terminal.press("q")
        let (done, after) = terminal.wait(seconds: 15) { $0.contains("END") }
        #expect(done && after.contains("EXITED=0"), "the second watch did not quit:\n\(after)")
        #expect(after.contains("FIRST=0"), "the first watch did not quit cleanly:\n\(after)")
        #expect(after.contains("icanon") && !after.contains("-icanon"), "the terminal was not restored:\n\(after)")
    }

    @Test(.enabled(if: tmux != nil, "tmux is not installed (apt-get install tmux)"),
          .enabled(if: binary != nil, "the mimic binary is not built next to the tests (swift build --product mimic)"))
    func ctrlCWhileTrainingRestoresTheTerminal() throws {
        let data = try Self.makeDataSet()
        defer { try? FileManager.default.removeItem(atPath: data) }
        let command = "env LANG=C XDG_DATA_HOME=\(Self.shellQuoted(data)) \(Self.shellQuoted(Self.binary!)) --data \(Self.shellQuoted(data)) "
            + "--mentor fc32 --student fc16 --labeled 0.2 --epochs 500 --batch 8 --threads 1; "
            + Self.afterExit
        let terminal = try Terminal(tmux: Self.tmux!, width: 80, height: 24, command: command)
        let (ready, idle) = terminal.wait(seconds: 30) { $0.contains("idle, Space starts") }
        #expect(ready, "the data set never loaded:\n\(idle)")
        #expect(idle.unicodeScalars.allSatisfy { $0.isASCII }, "LANG=C draws ASCII only:\n\(idle)")
        try terminal.press("Space")
        let (training, screen) = terminal.wait(seconds: 30) { $0.contains("epoch ") }
        #expect(training, "training did not start:\n\(screen)")
        try terminal.press("C-c")
        let (exited, after) = terminal.wait(seconds: 15) { $0.contains("END") }
        #expect(exited, "Ctrl-C did not quit:\n\(after)")
        #expect(after.contains("EXITED=130"))
        #expect(after.contains("icanon") && !after.contains("-icanon"), "the terminal was not restored:\n\(after)")
        let store = try RunStore(path: data + "/mimic/runs.sqlite", create: false)
        #expect(try store.runs().map(\.status) == [.stopped], "the run ends recorded as stopped")
    }
}

/// Whether a process exists, without reaping it (it is not our child).
enum ProcessInfoCheck {
    static func isAlive(_ pid: Int32) -> Bool {
        kill(pid, 0) == 0 || errno == EPERM
    }
}
