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
}
