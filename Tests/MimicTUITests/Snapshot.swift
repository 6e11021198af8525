import Foundation
import Testing

/// Compares text with a file under Snapshots/. A missing file, or a run with
/// MIMIC_RECORD_SNAPSHOTS=1, writes the file and fails, so a new snapshot is always
/// looked at before it is trusted.
enum Snapshot {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Snapshots")

    static func check(_ text: String, named name: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let file = folder.appendingPathComponent(name + ".txt")
        let recording = ProcessInfo.processInfo.environment["MIMIC_RECORD_SNAPSHOTS"] == "1"
        guard !recording, let expected = try? String(contentsOf: file, encoding: .utf8) else {
            try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try? (text + "\n").write(to: file, atomically: true, encoding: .utf8)
            Issue.record("Recorded snapshot \(name); check Snapshots/\(name).txt and run again.", sourceLocation: sourceLocation)
            return
        }
        #expect(expected == text + "\n", "snapshot \(name) differs:\n\(text)", sourceLocation: sourceLocation)
    }
}
