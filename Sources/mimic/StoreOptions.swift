import ArgumentParser
import Foundation
import MimicStore

/// `--store PATH|URL`, shared by every command that records or reads runs: a SQLite
/// file, or a PostgreSQL database (`postgres://USER@HOST:PORT/DATABASE`). Without it,
/// `MIMIC_STORE`, then the default file.
struct StoreOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "The run store: a SQLite file (default: $XDG_DATA_HOME/mimic/runs.sqlite, else ~/.local/share/mimic/runs.sqlite), "
            + "or a PostgreSQL database as postgres://USER@HOST:PORT/DATABASE (password in PGPASSWORD or ~/.pgpass). "
            + "MIMIC_STORE sets it for every command.",
        valueName: "path | url"))
    var store: String?

    /// The store as given: --store, else MIMIC_STORE (when set and not empty), else the default file.
    var given: String {
        if let store { return store }
        if let environment = ProcessInfo.processInfo.environment["MIMIC_STORE"],
           !environment.trimmingCharacters(in: .whitespaces).isEmpty {
            return environment
        }
        return StoreLocation.defaultPath()
    }

    /// Where the store is; one sentence when the URL cannot be one.
    func address() throws -> StoreAddress {
        try StoreAddress(parsing: given)
    }

    /// An empty --store (an unset shell variable) would stand for the current folder.
    func validate() throws {
        if store?.trimmingCharacters(in: .whitespaces).isEmpty == true {
            throw ValidationError("--store is empty; pass the path of a run store file, such as \(StoreLocation.defaultPath()), "
                + "or a postgres:// URL, or leave --store out.")
        }
    }

    /// Opens the store. Commands that only read pass `create: false`, so that a
    /// mistyped --store does not leave an empty file behind; `mimic watch` passes
    /// `markingInterrupted: false` too, as it writes nothing it is not asked to.
    func open(create: Bool = true, markingInterrupted: Bool = true) throws -> RunStore {
        try RunStore(address(), create: create, markingInterrupted: markingInterrupted)
    }

    /// Opens an existing store only to read it, also on a full disk or read-only media.
    func openForReading() throws -> RunStore {
        try RunStore.openForReading(address())
    }

    /// The run a person named (a number, or `last`), with the store it is in; read-only
    /// when `reading`, for commands that never write.
    func openRun(_ text: String, reading: Bool = false) throws -> (RunStore, Int64) {
        let store = try reading ? openForReading() : open(create: false)
        return (store, try store.resolveRunID(text))
    }
}
