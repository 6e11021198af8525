import Foundation
import GRDB

/// Opening a store only to read it (runs, show, export, compare, sweeps), also where
/// nothing can be written: on a full disk, on read-only media, without write permission.
/// `RunStore.init` writes as it opens (the journal's index file, the schema, runs whose
/// trainer died marked interrupted), so there it fails although the store is intact.
extension RunStore {
    /// Opens the store as `init(path:create: false)` does; when that fails, opens the
    /// file read-only instead, leaving the schema and the runs as they are (a run whose
    /// trainer died still reads "running"). Any other failure (no store, not a store, a
    /// newer one) is reported as `init` reports it.
    public static func openForReading(path: String) throws(StoreError) -> RunStore {
        do {
            return try RunStore(path: path, create: false)
        } catch let failure {
            if let store = try? RunStore(readingOnly: absolute(path)) { return store }
            throw failure
        }
    }

    /// Read-only, with SQLite's shared index of the journal (the -shm file) when there is
    /// one or it can be made; else, when no journal is waiting to be copied into the file
    /// (no -wal, or an empty one), as an immutable file, which SQLite reads with no index
    /// and no lock. Nothing can write the file then anyway: the disk or medium refuses.
    private convenience init(readingOnly path: String) throws {
        do {
            try self.init(path: path, pool: Self.readOnlyPool(path, immutable: false))
        } catch {
            let journal = (try? FileManager.default.attributesOfItem(atPath: path + "-wal"))?[.size] as? Int ?? 0
            guard journal == 0 else { throw error }
            try self.init(path: path, pool: Self.readOnlyPool(path, immutable: true))
        }
    }

    private static func readOnlyPool(_ path: String, immutable: Bool) throws -> DatabasePool {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(busyTimeout)
        configuration.label = "mimic run store (read-only)"
        let target = immutable ? URL(fileURLWithPath: path).absoluteString + "?immutable=1" : path
        let pool = try DatabasePool(path: target, configuration: configuration)
        // Only a store of this mimic's schema, read now so that a failure shows here.
        let applied = try pool.read { db in try StoreSchema.migrator.appliedIdentifiers(db) }
        guard applied == Set(StoreSchema.allIdentifiers) else { throw StoreError.notAStore(path) }
        return pool
    }
}
