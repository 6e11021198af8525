import Foundation
import MimicEngine

/// The one place that checks and writes a file a person named for mimic's output
/// (an export, a sweep's grid, a reproduction's results). Such a path must never be
/// the run store, one of its companion files, or a file inside a run folder: a write
/// there replaces the store or a run's checkpoints, and every run it held is gone.
public struct OutputFile {
    /// The store's files and folders that no output may replace.
    public let guarded: GuardedPaths

    public init(guarding store: RunStore) throws(StoreError) {
        guarded = try GuardedPaths(store)
    }

    public init(guarded: GuardedPaths) {
        self.guarded = guarded
    }

    /// Writes `text` to `path` (an export of `what`, such as "Run 12") and returns only
    /// once every byte is written; one sentence when the path is guarded or the write
    /// fails. A regular file is written whole or not at all (a new file moved into
    /// place); a device or a pipe (/dev/stdout, /dev/full) is written through, since
    /// moving a file over it would replace it.
    public func write(_ text: String, to path: String, naming what: String) throws(OutputFileError) {
        if let problem = guarded.problem(writing: path) {
            throw OutputFileError("\(what) cannot be written to \(path): \(problem); pass another file.")
        }
        do {
            if Self.isSpecialFile(path) {
                guard let handle = FileHandle(forWritingAtPath: path) else {
                    throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EACCES)
                }
                defer { try? handle.close() }
                try handle.write(contentsOf: Data(text.utf8))
            } else {
                try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
            }
        } catch {
            throw OutputFileError("\(what) cannot be written to \(path) (\(Self.describe(error, writing: path))); "
                + "pass a file in a folder you can write to.")
        }
    }

    /// Checks that two or more outputs of one command are distinct files: written one
    /// after the other, the second would replace the first.
    public static func checkDistinct(_ outputs: [(option: String, path: String)]) throws(OutputFileError) {
        var seen: [String: String] = [:]
        for output in outputs {
            let key = GuardedPaths.resolved(output.path)
            if let earlier = seen[key] {
                throw OutputFileError("\(earlier) and \(output.option) both name \(output.path), so the second would replace the first; give each its own file.")
            }
            seen[key] = output.option
        }
    }

    static func isSpecialFile(_ path: String) -> Bool {
        var info = stat()
        guard stat(path, &info) == 0 else { return false }
        return (info.st_mode & S_IFMT) != S_IFREG && (info.st_mode & S_IFMT) != S_IFDIR
    }

    /// Why writing `path` failed, in words that fit mid-sentence. Foundation's own text
    /// names neither the file nor the problem on Linux.
    public static func describe(_ error: any Error, writing path: String) -> String {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
            return "\(path) is a folder"
        }
        if let folderProblem = folderProblem(of: path) { return folderProblem }
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

    /// Why a file cannot be made at `path` when its folder is the reason; nil when the
    /// folder looks fine.
    public static func folderProblem(of path: String) -> String? {
        let folder = (path as NSString).deletingLastPathComponent
        guard !folder.isEmpty else { return nil }
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder) else {
            return "folder \(folder) does not exist"
        }
        guard isFolder.boolValue else { return "\(folder) is a file, not a folder" }
        return FileManager.default.isWritableFile(atPath: folder) ? nil : "folder \(folder) is not writable"
    }
}

/// A refused or failed output, as one sentence.
public struct OutputFileError: ReportableError, Equatable {
    public let message: String
    public var description: String { message }
    public init(_ message: String) { self.message = message }
}

/// The files of a run store and every run folder it records: what no output of mimic
/// may replace. Paths are compared after resolving symbolic links, and existing files
/// also by device and inode, so a link or a second name of the store is caught too.
public struct GuardedPaths: Sendable {
    /// The store's own files: the SQLite file and its journal, WAL and shared memory.
    let storeFiles: [String]
    /// Folders whose files belong to runs: the store's `runs/` and each run's own.
    let folders: [String]

    public init(_ store: RunStore) throws(StoreError) {
        var files: [String] = []
        if case .sqlite(let path) = store.address {
            files = ["", "-wal", "-shm", "-journal"].map { Self.resolved(path + $0) }
        }
        let runFolders = try store.runs().compactMap(\.folder)
        self.init(storeFiles: files, folders: [(store.folder as NSString).appendingPathComponent("runs")] + runFolders)
    }

    /// Nothing guarded: a command that runs without a store.
    public static let none = GuardedPaths(storeFiles: [], folders: [])

    init(storeFiles: [String], folders: [String]) {
        self.storeFiles = storeFiles
        self.folders = Array(Set(folders.map(Self.resolved))).sorted()
    }

    /// What is wrong with writing a file at `path`, mid-sentence; nil when it is free.
    public func problem(writing path: String) -> String? {
        let target = Self.resolved(path)
        if storeFiles.contains(target) || Self.sameFile(target, asAnyOf: storeFiles) {
            return "it is the run store's own file, and writing it would destroy every recorded run"
        }
        // The innermost folder names the run: runs/12 rather than runs.
        if let folder = folders.filter({ target == $0 || target.hasPrefix($0 + "/") }).max(by: { $0.count < $1.count }) {
            return "it is inside \(folder), which holds runs' checkpoints and logs"
        }
        return nil
    }

    /// `path` made absolute, with every symbolic link in it resolved; the part that
    /// does not exist yet is appended as given.
    public static func resolved(_ path: String) -> String {
        let absolute = URL(fileURLWithPath: (path as NSString).expandingTildeInPath).standardizedFileURL.path
        var existing = absolute
        var rest: [String] = []
        while !existing.isEmpty, existing != "/" {
            if let real = realpath(existing, nil) {
                defer { free(real) }
                existing = String(cString: real)
                break
            }
            rest.insert((existing as NSString).lastPathComponent, at: 0)
            existing = (existing as NSString).deletingLastPathComponent
        }
        return rest.reduce(existing) { ($0 as NSString).appendingPathComponent($1) }
    }

    static func sameFile(_ path: String, asAnyOf others: [String]) -> Bool {
        var info = stat()
        guard stat(path, &info) == 0 else { return false }
        return others.contains { other in
            var otherInfo = stat()
            return stat(other, &otherInfo) == 0 && otherInfo.st_dev == info.st_dev && otherInfo.st_ino == info.st_ino
        }
    }
}
