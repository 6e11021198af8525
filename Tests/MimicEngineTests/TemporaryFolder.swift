import Foundation

/// A fresh folder per test, so tests running in parallel never share files. It is
/// removed when the last reference goes away.
final class TemporaryFolder {
    let path: String

    init(_ name: String = "data") throws {
        path = (NSTemporaryDirectory() as NSString)
            .appendingPathComponent("mimic-tests-\(UUID().uuidString)/\(name)")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { remove() }

    func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    func names() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: path).sorted()
    }

    func write(_ bytes: [UInt8], to name: String) throws {
        let target = file(name)
        try FileManager.default.createDirectory(
            atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: target))
    }

    func read(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: file(name))))
    }

    func remove() { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
}
