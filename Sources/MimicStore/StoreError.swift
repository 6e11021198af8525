import Foundation
import GRDB
import MimicEngine

/// Why the run store cannot do what was asked, as one sentence for a person: the
/// thing, the problem and the fix.
public struct StoreError: ReportableError, Equatable {
    public let message: String
    public var description: String { message }

    /// True when the write was refused because the run's claim went to another agent
    /// (`ClaimLost`): the caller stops that training and takes the next.
    public private(set) var lostClaim = false

    public init(_ message: String) { self.message = message }

    static func claimLost(_ lost: ClaimLost) -> StoreError {
        var error = StoreError("Run \(lost.runID) was given to another agent while this one could not reach the store for longer than the grace period; "
            + "this agent leaves it to that one and takes the next training.")
        error.lostClaim = true
        return error
    }

    /// `location` is a path, or a PostgreSQL URL without its password: the two differ
    /// in what to pass instead.
    static func missing(_ location: String) -> StoreError {
        if PostgresAddress.looksLikeURL(location) {
            return StoreError("There is no run store in the database \(location) yet: it holds no tables; "
                + "'mimic train --store \(location)' creates it with the first run, or pass --store with the URL of an existing one.")
        }
        return StoreError("There is no run store at \(location) yet; 'mimic train' creates it with the first run, or pass --store with the path of an existing one.")
    }

    static func notADatabase(_ path: String) -> StoreError {
        StoreError("\(path) is not a SQLite database, so it cannot be a run store; pass --store with another file, or move this one away.")
    }

    static func notAStore(_ location: String) -> StoreError {
        if PostgresAddress.looksLikeURL(location) {
            return StoreError("The PostgreSQL database \(location) holds another program's tables, not a mimic run store; "
                + "create a database for mimic (createdb mimic) and pass --store with its URL.")
        }
        return StoreError("\(location) is a SQLite database but not a mimic run store; pass --store with another file.")
    }

    static func newer(_ location: String, unknown: [String]) -> StoreError {
        StoreError("The run store \(location) was written by a newer mimic (schema \(unknown.joined(separator: ", ")) is unknown to this one); "
            + "run that newer mimic, or pass --store with another " + (PostgresAddress.looksLikeURL(location) ? "database." : "file."))
    }

    static func unwritable(_ path: String, reason: String) -> StoreError {
        StoreError("The run store \(path) cannot be opened for writing (\(reason)); pass --store with a path in a folder you can write to.")
    }

    /// The store's file, or a folder on its path, cannot be read: `reason` fits in parentheses.
    static func unreadable(_ path: String, reason: String, permission: Bool) -> StoreError {
        StoreError("The run store \(path) cannot be read (\(reason)); "
            + (permission ? "ask for read and write permission on it and its folder, or pass --store with another file."
                : "pass --store with the path of the store file itself."))
    }

    static func notAFile(_ path: String, kind: String) -> StoreError {
        StoreError("The run store \(path) is \(kind), not a file; pass --store with the path of a SQLite file.")
    }

    static func unknownRun(_ id: Int64, store location: String) -> StoreError {
        StoreError("There is no run \(id) in \(location); 'mimic runs' lists the runs there.")
    }

    static func unreadableConfig(ofRun id: Int64, reason: String) -> StoreError {
        StoreError("Run \(id)'s stored configuration cannot be read (\(reason)); another version of mimic wrote it, "
            + "or it was edited: 'mimic delete \(id)' removes the run.")
    }

    static func badRunID(_ text: String) -> StoreError {
        StoreError("\"\(text)\" is not a run id; pass the number that 'mimic runs' shows, or 'last' for the newest run.")
    }

    /// A file or folder operation's failure in the system's words ("Permission denied"),
    /// rather than Foundation's ("NSCocoaErrorDomain error 512").
    public static func fileReason(_ error: any Error) -> String {
        if let error = error as? CocoaError, let underlying = error.underlying as? POSIXError {
            return String(cString: strerror(underlying.code.rawValue))
        }
        return error.localizedDescription
    }

    /// SQLite found the file inconsistent: cut short, or overwritten in part.
    static func damaged(_ path: String, reason: String) -> StoreError {
        StoreError("The run store \(path) is damaged (\(reason)): it was cut short or overwritten; "
            + "restore it from a backup, or move it away and pass --store with another file.")
    }

    static func failed(_ path: String, doing what: String, _ error: any Error) -> StoreError {
        if let damage = damage(error) { return damaged(path, reason: damage) }
        return StoreError("The run store \(path) failed while \(what) (\(error)); check the disk, or pass --store with another file.")
    }

    /// SQLite's words when `error` says the file is damaged, else nil: no retry, other
    /// folder or permission helps then, so it gets a sentence of its own.
    static func damage(_ error: Error) -> String? {
        guard let error = error as? DatabaseError, error.resultCode == .SQLITE_CORRUPT else { return nil }
        return error.message ?? "SQLite error \(error.resultCode.rawValue)"
    }
}
