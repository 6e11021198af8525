import Foundation

/// A fresh folder per test, so tests running in parallel never share files: the
/// folder `name` (for data sets whose folder name matters, "fashion-small") inside a
/// folder of its own, removed with everything in it when the last reference goes away.
public final class TemporaryFolder {
    public let path: String
    private let root: String

    public init(_ name: String = "data") throws {
        root = (NSTemporaryDirectory() as NSString).appendingPathComponent("mimic-tests-\(UUID().uuidString)")
        path = (root as NSString).appendingPathComponent(name)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { remove() }

    public func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    /// Where a test's run store goes: `store/runs.sqlite`, its run folders beside it.
    public var storePath: String { file("store/runs.sqlite") }

    public func names() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: path).sorted()
    }

    public func write(_ bytes: [UInt8], to name: String) throws {
        let target = file(name)
        try FileManager.default.createDirectory(
            atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: target))
    }

    public func read(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: file(name))))
    }

    public func remove() { try? FileManager.default.removeItem(atPath: root) }
}
