import Foundation
import Glibc
import MimicChildProcess
import Testing

/// A PostgreSQL server of the test's own, which it may stop and start: a cluster made
/// with initdb in the test's temporary folder, run as the postgres user on a free port,
/// trusting local connections. The shared test server (MIMIC_TEST_POSTGRES) is never
/// stopped: other tests use it at the same time.
public final class OwnPostgresServer {
    /// The newest installed server's programs (Debian's layout), when this process may run them as postgres.
    public static let binaries: String? = {
        guard getuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/sbin/runuser") || FileManager.default.isExecutableFile(atPath: "/sbin/runuser"),
              let versions = try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql") else { return nil }
        return versions.sorted { $0.compare($1, options: .numeric) == .orderedAscending }.reversed().lazy
            .map { "/usr/lib/postgresql/\($0)/bin" }
            .first { FileManager.default.isExecutableFile(atPath: $0 + "/initdb") && FileManager.default.isExecutableFile(atPath: $0 + "/pg_ctl") }
    }()

    /// Why a server of the test's own cannot be made here, or nil when it can.
    public static var unavailable: String? {
        if binaries == nil {
            return getuid() == 0 ? "no PostgreSQL server programs in /usr/lib/postgresql/*/bin (apt-get install postgresql)"
                                 : "a PostgreSQL server of the test's own needs root (to run initdb as postgres)"
        }
        return nil
    }

    public let data: String
    public let port: Int
    private let bin: String

    public init(in folder: TemporaryFolder) throws {
        bin = try #require(Self.binaries, "the test needs root and a PostgreSQL server's programs (apt-get install postgresql); CI has both")
        data = folder.file("pgdata")
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        try FileManager.default.setAttributes([.ownerAccountName: "postgres", .posixPermissions: 0o700], ofItemAtPath: data)
        try Self.asPostgres(bin + "/initdb", ["--pgdata", data, "--auth", "trust", "--username", "postgres", "--no-sync"])
        port = try unusedPort()
        try start()
    }

    deinit { try? Self.asPostgres(bin + "/pg_ctl", ["--pgdata", data, "--mode", "immediate", "--wait", "stop"]) }

    /// The server's URL: its own database, its superuser, no password (trust).
    public var url: String { "postgres://postgres@127.0.0.1:\(port)/postgres" }

    public func start() throws {
        try Self.asPostgres(bin + "/pg_ctl", [
            "--pgdata", data, "--wait", "--timeout", "60", "--log", data + "/server.log",
            "-o", "-p \(port) -k \(data) -c listen_addresses=127.0.0.1 -c fsync=off", "start"])
    }

    /// Stops it as `pg_ctl stop -m fast` does: every session is ended at once.
    public func stop() throws {
        try Self.asPostgres(bin + "/pg_ctl", ["--pgdata", data, "--mode", "fast", "--wait", "--timeout", "60", "stop"])
    }

    /// Runs `program` as the postgres user, in a session of its own (the server it
    /// starts outlives it), its output discarded; fails the test when it fails.
    private static func asPostgres(_ program: String, _ arguments: [String]) throws {
        let runuser = FileManager.default.isExecutableFile(atPath: "/usr/sbin/runuser") ? "/usr/sbin/runuser" : "/sbin/runuser"
        let status = try ChildProcess.start(runuser, ["-u", "postgres", "--", program] + arguments,
                                            output: .discarded, error: .discarded, newSession: true).wait()
        try #require(status == 0, "\(program) \(arguments.joined(separator: " ")) failed (\(status))")
    }
}

/// A port no server listens on: one bound and closed again, which the kernel does not hand out again at once.
public func unusedPort() throws -> Int {
    let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    try #require(socket >= 0)
    defer { close(socket) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0 }
    }
    try #require(bound)
    return Int(UInt16(bigEndian: address.sin_port))
}
