import ArgumentParser
import Foundation
import MimicStore

/// `--store PATH`, shared by every command that records or reads runs.
struct StoreOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "The run store, a SQLite file (default: $XDG_DATA_HOME/mimic/runs.sqlite, else ~/.local/share/mimic/runs.sqlite).",
        valueName: "path"))
    var store: String?

    var path: String { store ?? StoreLocation.defaultPath() }

    /// An empty --store (an unset shell variable) would stand for the current folder.
    func validate() throws {
        if store?.trimmingCharacters(in: .whitespaces).isEmpty == true {
            throw ValidationError("--store is empty; pass the path of a run store file, such as \(StoreLocation.defaultPath()), or leave --store out.")
        }
    }

    /// Opens the store or exits with its one sentence. Commands that only read pass
    /// `create: false`, so that a mistyped --store does not leave an empty file behind.
    func open(create: Bool = true) -> RunStore {
        reportingErrors { () throws -> RunStore in try RunStore(path: path, create: create) }
    }

    /// Opens an existing store only to read it, also on a full disk or read-only media.
    func openForReading() -> RunStore {
        reportingErrors { () throws -> RunStore in try RunStore.openForReading(path: path) }
    }

    /// The run a person named (a number, or `last`), with the store it is in; read-only
    /// when `reading`, for commands that never write.
    func openRun(_ text: String, reading: Bool = false) -> (RunStore, Int64) {
        let store = reading ? openForReading() : open(create: false)
        return (store, reportingErrors { () throws -> Int64 in try store.resolveRunID(text) })
    }
}
