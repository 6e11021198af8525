import Foundation
import MimicEngine
#if canImport(Glibc)
import Glibc
#endif

/// A run folder this process trains in: the engine's view of its files (`RunFolder`)
/// and the folder's lock, a file `lock` in it held with flock for as long as the run
/// lives. Two processes training in one folder would overwrite each other's
/// checkpoints, and a lock nobody holds tells that no process trains the run
/// (`isLocked(path:)`, which `TrainerLiveness` asks). The kernel drops the lock when
/// the process ends, however it ends.
public final class HeldRunFolder {
    public static let lockName = "lock"

    public let files: RunFolder
    private var descriptor: Int32

    private init(files: RunFolder, descriptor: Int32) {
        self.files = files
        self.descriptor = descriptor
    }

    deinit { release() }

    public var path: String { files.path }

    /// Locks `path` for a new run, making it if missing; it must hold no run yet.
    public static func create(at path: String) throws(ConfigError) -> HeldRunFolder {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw ConfigError(message: "Run folder \(path) cannot be created (\(error.localizedDescription)); choose a folder you can write to.")
        }
        let descriptor = try lock(path)
        do {
            return HeldRunFolder(files: try RunFolder.create(at: path), descriptor: descriptor)
        } catch {
            close(descriptor)
            throw error
        }
    }

    /// Locks the folder of a run started before, to take it up again where it stopped.
    public static func reopen(at path: String) throws(ConfigError) -> HeldRunFolder {
        _ = try RunFolder.storedConfig(at: path)
        let descriptor = try lock(path)
        do {
            return HeldRunFolder(files: try RunFolder.reopen(at: path), descriptor: descriptor)
        } catch {
            close(descriptor)
            throw error
        }
    }

    /// Takes over the folder's lock that the parent process holds and handed down
    /// (`handingDownLock`) as descriptor `lockDescriptor`, so that the run is never
    /// without a process that holds it. The descriptor must be that folder's lock.
    public static func adopt(at path: String, lockDescriptor descriptor: Int32) throws(ConfigError) -> HeldRunFolder {
        var held = stat(), file = stat()
        let lockPath = (path as NSString).appendingPathComponent(lockName)
        guard fstat(descriptor, &held) == 0, stat(lockPath, &file) == 0,
              held.st_dev == file.st_dev, held.st_ino == file.st_ino else {
            throw ConfigError(message: "Descriptor \(descriptor) is not the lock of run folder \(path); start the run with 'mimic train --detach' rather than by hand.")
        }
        _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
        return HeldRunFolder(files: RunFolder.handedDown(at: path), descriptor: descriptor)
    }

    /// Lets go of the lock: the run has ended, and another process may take it up (a
    /// resume of a stopped run).
    public func release() {
        guard descriptor >= 0 else { return }
        close(descriptor)
        descriptor = -1
    }

    /// Calls `start` with the lock's descriptor left open across `exec`, so that the
    /// child process it starts inherits the lock and can `adopt` the folder; other
    /// children started later do not.
    public func handingDownLock<T>(_ start: (Int32) throws -> T) rethrows -> T {
        _ = fcntl(descriptor, F_SETFD, 0)
        defer { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
        return try start(descriptor)
    }

    /// Whether some process (any, on this machine or, on a file system that shares
    /// locks, another) holds the lock of the run folder at `path`; nil when the folder
    /// has no lock file to ask. Asking takes the lock for an instant when nobody holds
    /// it, which is why `lock` tries a few times.
    public static func isLocked(path: String) -> Bool? {
        let descriptor = open((path as NSString).appendingPathComponent(lockName), O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        if flock(descriptor, LOCK_EX | LOCK_NB) == 0 { return false }
        return errno == EWOULDBLOCK ? true : nil
    }

    /// Takes the folder's lock. A few tries, a few milliseconds apart: `isLocked` holds
    /// it for an instant.
    private static func lock(_ path: String) throws(ConfigError) -> Int32 {
        let lockPath = (path as NSString).appendingPathComponent(lockName)
        let descriptor = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw ConfigError(message: "Run folder \(path) is not writable (\(String(cString: strerror(errno)))); choose a folder you can write to.")
        }
        for attempt in 0..<20 {
            if flock(descriptor, LOCK_EX | LOCK_NB) == 0 { return descriptor }
            if errno != EWOULDBLOCK || attempt == 19 { break }
            usleep(5_000)
        }
        close(descriptor)
        throw ConfigError(message: "Run folder \(path) is in use by another mimic process; wait for it to end, or stop it first.")
    }
}
