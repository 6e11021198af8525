import Foundation

/// A fresh folder per test for the children's output files, removed when the test
/// lets go of it. The engine's and the store's test targets have fuller ones; this
/// target depends on nothing but the child-process library, so it keeps its own.
final class TemporaryFolder {
    let path: String

    init() throws {
        path = (NSTemporaryDirectory() as NSString).appendingPathComponent("mimic-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }
}
