import Foundation

/// Which run store `--store` (or `MIMIC_STORE`) names: a SQLite file, the default, or
/// a PostgreSQL database given as `postgres://USER@HOST:PORT/DATABASE`.
public enum StoreAddress: Sendable, Equatable, CustomStringConvertible {
    /// An absolute path: run folders and checkpoint paths are recorded from it and read from anywhere.
    case sqlite(path: String)
    case postgres(PostgresAddress)

    /// `text` as a person gave it: a URL starting with `postgres://` or `postgresql://`
    /// (what it leaves out taken from `environment`, see `PostgresAddress`), else a file
    /// path. A broken URL gets one sentence, which never holds its password.
    public init(parsing text: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws(StoreError) {
        if PostgresAddress.looksLikeURL(text) {
            self = .postgres(try PostgresAddress(parsing: text, environment: environment))
        } else if let scheme = text.range(of: "://"), !text[..<scheme.lowerBound].contains("/") {
            // A mistyped scheme (postgress://, mysql://) would otherwise make folders named after it.
            throw StoreError("The run store \(PostgresAddress.withoutPassword(text)) is a URL mimic does not know: "
                + "it takes postgres://USER@HOST:PORT/DATABASE, or the path of a SQLite file.")
        } else {
            self = .sqlite(path: Self.absolute(text))
        }
    }

    /// The store as messages name it, and as a child process is given it with
    /// `--store`: the path, or the URL without its password (see `childEnvironment`).
    public var description: String {
        switch self {
        case .sqlite(let path): path
        case .postgres(let address): address.description
        }
    }

    /// What a child process opening this store needs in its environment beyond this
    /// process's own: a password given in the URL goes as PGPASSWORD, which other users
    /// cannot read, rather than on the command line, which `ps` shows to everyone.
    public var childEnvironment: [String: String] {
        guard case .postgres(let address) = self, let password = address.urlPassword else { return [:] }
        return ["PGPASSWORD": password]
    }

    /// Where run folders go: beside a SQLite file; for a PostgreSQL store, which has no
    /// folder, under the data folder, one folder per server and database.
    public func defaultFolder(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        switch self {
        case .sqlite(let path):
            return (path as NSString).deletingLastPathComponent
        case .postgres(let address):
            let data = (StoreLocation.defaultPath(environment: environment) as NSString).deletingLastPathComponent
            let name = "\(address.host)-\(address.port)-\(address.database)".map { $0 == "/" ? "_" : $0 }
            return ((data as NSString).appendingPathComponent("postgres") as NSString).appendingPathComponent(String(name))
        }
    }

    static func absolute(_ path: String) -> String {
        URL(fileURLWithPath: (path as NSString).expandingTildeInPath).standardizedFileURL.path
    }
}
