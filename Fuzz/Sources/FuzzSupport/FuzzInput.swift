import Foundation

/// What libFuzzer hands `LLVMFuzzerTestOneInput`, as the types the parsers take.
public enum FuzzInput {
    public static func bytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
        guard let data, size > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: size))
    }

    /// The text the program would read from a file of these bytes (theme and sweep files
    /// are read as UTF-8 through Foundation); nil where it refuses them before parsing.
    public static func text(_ data: UnsafePointer<UInt8>?, _ size: Int) -> String? {
        String(data: Data(bytes(data, size)), encoding: .utf8)
    }
}
