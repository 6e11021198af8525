import Foundation
import MimicChildProcess
import MimicStore

/// A PostgreSQL server of one test's own, to stop and start again at will (the shared
/// test server, `TestPostgres`, must never be stopped): `initdb` into a temporary
/// folder and `pg_ctl` on a free port of 127.0.0.1, as the `postgres` user, with
/// trust authentication for that loopback port only. Needs Debian's server binaries
/// (/usr/lib/postgresql/*/bin) and root to become `postgres`.
public final class OwnPostgresCluster {
    public let port: Int
    private let bin: String
    private let folder: String
    private var data: String { folder + "/data" }

    /// Why a cluster cannot be made here, or nil when it can.
    public static var unavailable: String? {
        if binaries == nil { return "no PostgreSQL server binaries in /usr/lib/postgresql/*/bin (apt-get install postgresql)" }
        if getuid() != 0 { return "making a PostgreSQL cluster of its own needs root (to run initdb as postgres)" }
        if getpwnam("postgres") == nil { return "there is no postgres user" }
        return nil
    }

    /// The newest version's bin folder.
    static let binaries: String? = {
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        return versions.compactMap(Int.init).sorted().last.map { "/usr/lib/postgresql/\($0)/bin" }
            .flatMap { FileManager.default.isExecutableFile(atPath: $0 + "/initdb") ? $0 : nil }
    }()

    /// Makes the cluster and starts it.
    public init() throws {
        guard let bin = Self.binaries else { throw ClusterError(message: Self.unavailable ?? "no binaries") }
        self.bin = bin
        folder = "/tmp/mimic-pg-\(UUID().uuidString.prefix(8))"
        port = try Self.freePort()
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let user = getpwnam("postgres")!.pointee
        chown(folder, user.pw_uid, user.pw_gid)
        // --no-sync and fsync=off: a throwaway cluster, made in seconds.
        try asPostgres("initdb", ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"])
        try start()
    }

    deinit {
        _ = try? asPostgres("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"])
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// The store's address on this server (database `postgres`, no password).
    public var address: StoreAddress {
        get throws { try StoreAddress(parsing: "postgres://postgres@127.0.0.1:\(port)/postgres") }
    }

    public func start() throws {
        try asPostgres("pg_ctl", ["-D", data, "-l", folder + "/log", "-w", "-t", "30", "start", "-o",
                                  "-p \(port) -k \(folder) -c listen_addresses=127.0.0.1 -c fsync=off"])
    }

    /// Stops the server at once, closing every connection (`-m fast`), as a server that
    /// is shut down or restarted does.
    public func stop() throws {
        try asPostgres("pg_ctl", ["-D", data, "-m", "fast", "-w", "-t", "30", "stop"])
    }

    @discardableResult
    private func asPostgres(_ program: String, _ arguments: [String]) throws -> Int32 {
        let output = folder + "/\(program)-\(UUID().uuidString.prefix(8)).out"
        let status = try ChildProcess.start("/usr/sbin/runuser", ["-u", "postgres", "--", bin + "/" + program] + arguments,
                                            output: .file(output), error: .standardOutput).wait()
        guard status == 0 else {
            let said = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
            throw ClusterError(message: "\(program) \(arguments.joined(separator: " ")) failed (\(status)): \(said)")
        }
        return status
    }

    /// A port nothing listens on now: the kernel's pick for a socket bound to port 0.
    private static func freePort() throws -> Int {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw ClusterError(message: "no socket") }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                bind(socket, generic, length) == 0 && getsockname(socket, generic, &length) == 0
            }
        }
        guard bound else { throw ClusterError(message: "no free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    public struct ClusterError: Error, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }
}
