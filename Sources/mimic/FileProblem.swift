import Foundation

/// Why writing `path` failed, in words that fit mid-sentence. Foundation's own text is
/// "The operation could not be completed. (NSCocoaErrorDomain error 512.)" on Linux,
/// which names neither the file nor the problem.
enum FileProblem {
    static func describe(_ error: Error, writing path: String) -> String {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
            return "\(path) is a folder"
        }
        if let folderProblem = ExportCommand.folderProblem(of: path) { return folderProblem }
        if let cocoa = error as? CocoaError {
            if let posix = cocoa.underlying as? POSIXError { return String(cString: strerror(posix.code.rawValue)) }
            switch cocoa.code {
            case .fileWriteOutOfSpace: return "the disk is full"
            case .fileWriteVolumeReadOnly: return "the disk is read-only"
            case .fileWriteNoPermission: return "permission denied"
            case .fileWriteFileExists: return "a file is in the way"
            default: break
            }
        }
        if let posix = error as? POSIXError { return String(cString: strerror(posix.code.rawValue)) }
        return "it cannot be written"
    }

    /// Writes `text` to the file `path` (an export of `what`, "Run 12"), then says so on
    /// standard error; a file that cannot be written is one sentence saying why.
    static func write(_ text: String, to path: String, naming what: String) throws(UsageError) {
        do {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw UsageError("\(what) cannot be written to \(path) (\(describe(error, writing: path))); pass a file in a folder you can write to.")
        }
        FileHandle.standardError.write(Data("wrote \(what.prefix(1).lowercased() + what.dropFirst()) to \(path)\n".utf8))
    }
}
