import Foundation
import MimicChildProcess
import MimicEngine
import MimicTUI

/// Times `mimic dashboard` from launch to its first frame in a real terminal, tmux's.
///
/// A tmux server of its own starts idle, 120x40. Each launch reads CLOCK_MONOTONIC,
/// asks tmux for a window running the dashboard with MIMIC_FIRST_FRAME_FILE set, and
/// waits for the dashboard to write there the time its first frame reached the
/// terminal; then it presses q and waits for the window to close. A figure so
/// includes the tmux client, the shell tmux starts the command with, process start
/// and dynamic linking, argument parsing, the terminal's setup and the first frame;
/// the data set loads behind that frame and is not waited for.
struct FirstFrameTiming {
    let tmux: String
    let executable: String
    let dataDirectory: String
    private let socket = "mimic-bench-\(UUID().uuidString.prefix(8))"

    /// nil when tmux is not installed.
    init?(executable: String, dataDirectory: String) {
        guard let tmux = ["/usr/bin/tmux", "/usr/local/bin/tmux", "/bin/tmux"]
            .first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else { return nil }
        self.tmux = tmux
        self.executable = executable
        self.dataDirectory = dataDirectory
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Milliseconds from launch to first frame, one per launch, after one launch that
    /// warms the page cache.
    func measure(launches: Int) throws -> [Double] {
        _ = try tmuxCommand(["new-session", "-d", "-s", "bench", "-x", "120", "-y", "40"])
        defer { _ = try? tmuxCommand(["kill-server"]) }
        var times: [Double] = []
        for launch in 0...launches {
            let time = try launchOnce()
            if launch > 0 { times.append(time) }
        }
        return times
    }

    private func launchOnce() throws -> Double {
        let record = NSTemporaryDirectory() + "mimic-first-frame-\(UUID().uuidString)"
        defer { unlink(record) }
        let command = "env \(FirstFrameRecord.variable)=\(quoted(record)) LANG=C.UTF-8 "
            + "\(quoted(executable)) dashboard --data \(quoted(dataDirectory))"
        let start = FirstFrameRecord.monotonicNanoseconds()
        let window = try tmuxCommand(["new-window", "-P", "-F", "#{window_id}", "-t", "bench:", command])
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let deadline = Date().addingTimeInterval(10)
        var drawn: UInt64?
        while drawn == nil && Date() < deadline {
            usleep(2_000)
            drawn = FirstFrameRecord.read(from: record)
        }
        guard let drawn else {
            let screen = (try? tmuxCommand(["capture-pane", "-p", "-t", window])) ?? ""
            _ = try? tmuxCommand(["kill-window", "-t", window])
            throw Failure(description: "The dashboard drew no frame within 10 seconds of its launch in tmux; its screen was:\n\(screen)")
        }
        _ = try tmuxCommand(["send-keys", "-t", window, "q"])
        let closing = Date().addingTimeInterval(10)
        while Date() < closing, (try tmuxCommand(["list-windows", "-t", "bench", "-F", "#{window_id}"])).contains(window) {
            usleep(10_000)
        }
        return Double(drawn &- start) / 1e6
    }

    private func quoted(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    /// Runs tmux on the private socket and returns what it printed. A mask of blocked
    /// signals inherited from here would reach the dashboard through the tmux server;
    /// `ChildProcess` passes none.
    private func tmuxCommand(_ arguments: [String]) throws -> String {
        let outputPath = NSTemporaryDirectory() + "mimic-bench-tmux-\(UUID().uuidString)"
        defer { unlink(outputPath) }
        do {
            try ChildProcess.start(tmux, ["-u", "-L", socket, "-f", "/dev/null"] + arguments,
                                   output: .file(outputPath), error: .discarded).wait()
        } catch {
            throw Failure(description: "tmux could not be started (\(String(cString: strerror(error.code.rawValue)))).")
        }
        return (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
    }
}
