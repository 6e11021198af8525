import Foundation
import MimicEngine

/// Opening a store only to read it (runs, show, export, compare, sweeps), also where
/// nothing can be written: on a full disk, on read-only media, without write permission.
/// `RunStore.init` writes as it opens (the journal's index file, the schema, runs whose
/// trainer died marked interrupted), so there it fails although the store is intact.
extension RunStore {
    /// Opens the store as `init(_:create: false)` does; when that fails for a SQLite
    /// file, opens it read-only instead, leaving the schema and the runs as they are (a
    /// run whose trainer died still reads "running"). Any other failure (no store, not a
    /// store, a newer one, a server that cannot be reached) is reported as `init` reports it.
    public static func openForReading(_ address: StoreAddress) throws(StoreError) -> RunStore {
        do {
            return try RunStore(address, create: false)
        } catch let failure {
            // Only a file that can be read: SQLite would wait forever opening a named pipe.
            guard case .sqlite(let path) = address, let descriptor = try? FileBytes.openRegularFile(path) else { throw failure }
            close(descriptor)
            guard let backend = try? SQLiteBackend(readingOnly: path) else { throw failure }
            return RunStore(address: address, backend: backend)
        }
    }

    public static func openForReading(path: String) throws(StoreError) -> RunStore {
        try openForReading(.sqlite(path: StoreAddress.absolute(path)))
    }
}
