#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whole-file reads, and writes that never leave a half-written file behind, failing
/// with the system's own reason so callers can tell a person what went wrong.
public enum FileBytes {
    public struct Failure: Error {
        /// The file (or a folder on its path) does not exist.
        public let missing: Bool
        /// The system's words ("Permission denied"), or what the path is instead of a file.
        public let reason: String
        /// What the path is when it is not a regular file ("a named pipe (FIFO)"), else nil.
        public var notARegularFile: String? = nil
        /// The errno the system gave, 0 when the failure is not the system's.
        public var code: Int32 = 0

        static func fromErrno(_ code: Int32 = errno) -> Failure {
            Failure(missing: code == ENOENT, reason: String(cString: strerror(code)), code: code)
        }

        /// Whether the system refused for want of permission, which chmod or an owner fixes.
        public var isPermission: Bool { code == EACCES || code == EPERM }

        /// The cause in words that fit in parentheses mid-sentence: the system's own for
        /// most, plainer ones where its words name the mechanism rather than the cause.
        public var words: String {
            switch code {
            case ELOOP: "a loop of symbolic links: a link on its path leads back to itself"
            case EACCES, EPERM: "permission denied"
            case ENOTDIR: "a part of its path is a file, not a folder"
            default: reason
            }
        }
    }

    /// Opens `path` to read, only if it is a regular file. The open does not block:
    /// opening a named pipe to read waits for a writer, so a FIFO given as a data file
    /// or checkpoint would hang mimic before any check could refuse it.
    public static func openRegularFile(_ path: String) throws(Failure) -> Int32 {
        let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else { throw .fromErrno() }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            let failure = Failure.fromErrno()
            close(descriptor)
            throw failure
        }
        let kind = status.st_mode & S_IFMT
        guard kind == S_IFREG else {
            close(descriptor)
            let name = switch kind {
            case S_IFIFO: "a named pipe (FIFO)"
            case S_IFDIR: "a folder"
            case S_IFCHR: "a character device"
            case S_IFBLK: "a block device"
            case S_IFSOCK: "a socket"
            default: "not a file"
            }
            throw Failure(missing: false, reason: "it is \(name), not a regular file", notARegularFile: name)
        }
        // Blocking reads again, as every reader here expects (a regular file never blocks long).
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) & ~O_NONBLOCK)
        return descriptor
    }

    /// Why `path` cannot be looked at (`stat` fails: it is missing, a loop of links, or
    /// a folder on its way may not be searched); nil when it can.
    public static func problemReaching(_ path: String) -> Failure? {
        var status = stat()
        return stat(path, &status) == 0 ? nil : .fromErrno()
    }

    public static func load(_ path: String) throws(Failure) -> [UInt8] {
        let descriptor = try openRegularFile(path)
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw .fromErrno() }
        let size = Int(status.st_size)
        var failure: Failure?
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            while initialized < size {
                let got = read(descriptor, buffer.baseAddress! + initialized, size - initialized)
                if got < 0 && errno == EINTR { continue }
                if got < 0 { failure = .fromErrno(); break }
                if got == 0 { break }  // the file shrank while we read it
                initialized += got
            }
        }
        if let failure { throw failure }
        return bytes
    }

    /// Writes to a hidden temporary file beside `path`, flushes it to disk, then renames it
    /// over `path`: rename within one folder is atomic, so a crash leaves the old file or
    /// the new one, never a mixture. The folder is flushed too, so that after a power cut
    /// the name points at the new file rather than at nothing.
    static func storeAtomically(_ bytes: [UInt8], to path: String) throws(Failure) {
        let slash = path.lastIndex(of: "/")
        let folder = slash.map { String(path[..<$0]) } ?? "."
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        let temporary = "\(folder.isEmpty ? "/" : folder)/.\(name).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp"

        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw .fromErrno() }
        var failure: Failure?
        bytes.withUnsafeBytes { raw in
            var written = 0
            while written < raw.count {
                let put = write(descriptor, raw.baseAddress! + written, raw.count - written)
                if put < 0 && errno == EINTR { continue }
                if put < 0 { failure = .fromErrno(); return }
                written += put
            }
        }
        if failure == nil && fsync(descriptor) != 0 { failure = .fromErrno() }
        if close(descriptor) != 0 && failure == nil { failure = .fromErrno() }
        if failure == nil && rename(temporary, path) != 0 { failure = .fromErrno() }
        if let failure {
            unlink(temporary)
            throw failure
        }
        // Best effort: some file systems refuse to sync a folder, and the file is in place.
        let folderDescriptor = open(folder.isEmpty ? "/" : folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if folderDescriptor >= 0 {
            fsync(folderDescriptor)
            close(folderDescriptor)
        }
    }
}
