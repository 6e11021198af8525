import Foundation
import MimicEngine
import MimicTestSupport
import Testing

/// Paths and addresses whose sentence named the wrong cause (issue 26, items 8 and 15),
/// through the real `mimic` binary: a named pipe, a loop of symbolic links, a file or
/// folder that may not be read, a host name too long to use. Each gets the sentence
/// of its own cause, on standard error, and a non-zero exit; none hangs.
///
/// Tests run as root in CI, and root reads a file whatever its mode, so a "permission
/// denied" case made with chmod runs only for another user (`unlessRoot`); the pipes
/// and loops work for root too, and are what CI checks.
@Suite(.enabled(if: MimicProcess.binary != nil, "the mimic binary is not built next to the tests (swift build --product mimic)"))
struct WrongCauseCommandTests {
    /// Root ignores file modes, so chmod cannot make a file unreadable to it.
    private static let unlessRoot = geteuid() != 0

    /// Two links that lead to each other: following either never ends (ELOOP).
    private func makeLoop(_ path: String, in folder: TemporaryFolder) throws {
        let other = path + ".other"
        try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: other)
        try FileManager.default.createSymbolicLink(atPath: other, withDestinationPath: path)
    }

    private static let loop = "a loop of symbolic links: a link on its path leads back to itself"

    /// A named pipe was opened and waited on, and any unreadable file "cannot be read as
    /// UTF-8 text"; a loop of links "does not exist".
    @Test func aSweepFileThatIsAPipeALoopOrNotUTF8SaysWhich() throws {
        let folder = try TemporaryFolder()
        let pipe = try NamedPipe(at: folder.file("sweep.yaml"))
        try expectRefusal(["sweep", pipe.path, "--dry-run"], in: folder,
                          startsWith: "Sweep file \(pipe.path) is a named pipe (FIFO), not a file; pass the path of a YAML sweep file")
        let looping = folder.file("loop.yaml")
        try makeLoop(looping, in: folder)
        try expectRefusal(["sweep", looping, "--dry-run"], in: folder,
                          startsWith: "Sweep file \(looping) cannot be read (\(Self.loop)); pass the path of a YAML sweep file")
        let latin1 = folder.file("latin1.yaml")
        try Data([0x6E, 0x61, 0x6D, 0x65, 0x3A, 0x20, 0xE9, 0x0A]).write(to: URL(fileURLWithPath: latin1))
        try expectRefusal(["sweep", latin1, "--dry-run"], in: folder,
                          startsWith: "Sweep file \(latin1) is not UTF-8 text; save it as UTF-8")
    }

    @Test(.enabled(if: unlessRoot, "root reads a file whatever its mode"))
    func anUnreadableSweepFileSaysPermissionDenied() throws {
        let folder = try TemporaryFolder()
        let file = folder.file("sweep.yaml")
        try Data("parameters: {seed: [1, 2]}\n".utf8).write(to: URL(fileURLWithPath: file))
        chmod(file, 0)
        try expectRefusal(["sweep", file, "--dry-run"], in: folder,
                          startsWith: "Sweep file \(file) cannot be read (permission denied)")
    }

    /// A data folder that was a loop "does not exist"; a data file that was a loop made
    /// the folder lack it, or hold "neither the IDX files nor the CIFAR-10 batches".
    @Test func aDataFolderOrFileThatLoopsNamesTheLoop() throws {
        let folder = try TemporaryFolder()
        let looping = folder.file("looping-data")
        try makeLoop(looping, in: folder)
        try expectRefusal(["train", "--no-store"] + MimicProcess.quickRun(data: looping), in: folder,
                          startsWith: "Data folder \(looping) cannot be read (\(Self.loop)); name the data set's folder itself with --data DIR.")
        try expectRefusal(["train", "--detach"] + MimicProcess.quickRun(data: looping) + ["--store", folder.storePath], in: folder,
                          startsWith: "Data folder \(looping) cannot be read (\(Self.loop))")

        let data = try MimicProcess.makeDataSet(in: folder)
        let images = data + "/train-images-idx3-ubyte"
        try FileManager.default.removeItem(atPath: images)
        try makeLoop(images, in: folder)
        try expectRefusal(["train", "--no-store"] + MimicProcess.quickRun(data: data), in: folder,
                          startsWith: "File \(images) cannot be opened (\(Self.loop))")
    }

    /// A folder that may not be searched hid its files, so it "holds neither the IDX
    /// files ... nor the CIFAR-10 batches".
    @Test(.enabled(if: unlessRoot, "root reads a folder whatever its mode"))
    func anUnreadableDataFolderSaysPermissionDenied() throws {
        let folder = try TemporaryFolder()
        let data = try MimicProcess.makeDataSet(in: folder)
        chmod(data, 0)
        defer { chmod(data, 0o755) }
        try expectRefusal(["train", "--no-store"] + MimicProcess.quickRun(data: data), in: folder,
                          startsWith: "Data folder \(data) cannot be read (permission denied); ask for read and search permission on it")
    }

    /// A store that was a named pipe hung every command; a loop of links was "no run
    /// store ... yet" to readers and "cannot be opened for writing" to 'train'.
    @Test func aStoreThatIsAPipeOrALoopSaysWhich() throws {
        let folder = try TemporaryFolder()
        let data = try MimicProcess.makeDataSet(in: folder)
        let pipe = try NamedPipe(at: folder.file("pipe.sqlite"))
        for arguments in [["runs"], ["train"] + MimicProcess.quickRun(data: data)] {
            try expectRefusal(arguments + ["--store", pipe.path], in: folder,
                              startsWith: "The run store \(pipe.path) is a named pipe (FIFO), not a file; pass --store with the path of a SQLite file.")
        }
        let looping = folder.file("loop.sqlite")
        try makeLoop(looping, in: folder)
        for arguments in [["runs"], ["train"] + MimicProcess.quickRun(data: data)] {
            try expectRefusal(arguments + ["--store", looping], in: folder,
                              startsWith: "The run store \(looping) cannot be read (\(Self.loop)); pass --store with the path of the store file itself.")
        }
    }

    /// An unreadable store was "cannot be opened for writing (it cannot be read)", with
    /// the advice to pick a folder one can write to, also for commands that only read.
    @Test(.enabled(if: unlessRoot, "root reads a file whatever its mode"))
    func anUnreadableStoreSaysPermissionDenied() throws {
        let folder = try TemporaryFolder()
        let data = try MimicProcess.makeDataSet(in: folder)
        let store = folder.storePath
        #expect(try MimicProcess.run(["train", "--store", store] + MimicProcess.quickRun(data: data), in: folder).status == 0)
        chmod(store, 0)
        try expectRefusal(["runs", "--store", store], in: folder,
                          startsWith: "The run store \(store) cannot be read (permission denied); ask for read and write permission on it")
    }

    /// A checkpoint that was a loop "cannot be read (Too many levels of symbolic links)".
    @Test func aCheckpointThatLoopsNamesTheLoop() throws {
        let folder = try TemporaryFolder()
        let data = try MimicProcess.makeDataSet(in: folder)
        let checkpoint = folder.file("mentor.safetensors")
        try makeLoop(checkpoint, in: folder)
        try expectRefusal(["eval", "--model", checkpoint, "--data", data], in: folder,
                          startsWith: "The checkpoint \(checkpoint) cannot be read (\(Self.loop))")
    }

    /// A host name past 2048 characters was dropped by Foundation's URL parsing, and
    /// the store became the local server's database of the same name.
    @Test func aHostNameTooLongIsRefusedNotTakenForLocalhost() throws {
        let folder = try TemporaryFolder()
        let host = String(repeating: "a", count: 3000)
        let output = try MimicProcess.run(["runs", "--store", "postgres://mimic@\(host):5432/runs"], in: folder,
                                          changing: ["PGHOST": nil, "PGCONNECT_TIMEOUT": "1"])
        #expect(output.status == 1, "\(output.stderr)")
        #expect(output.stderr.contains("has a host name of 3000 characters, longer than the 253 a host name can have"), "\(output.stderr)")
        #expect(!output.stderr.contains("localhost"), "\(output.stderr)")
    }

    /// `[::1]` kept its brackets, and no resolver finds "[::1]": the IPv6 loopback could
    /// not be used ("The host [::1] ... cannot be found"). A listener of this test on ::1
    /// (no PostgreSQL server: it closes each connection) sees mimic arrive now.
    @Test(.enabled(if: IPv6Listener.loopbackWorks, "this machine has no IPv6 loopback"))
    func theIPv6LoopbackIsReachedByItsBracketedAddress() throws {
        let folder = try TemporaryFolder()
        let listener = try #require(IPv6Listener())
        let output = try MimicProcess.run(["runs", "--store", "postgres://mimic@[::1]:\(listener.port)/runs?sslmode=disable"], in: folder,
                                          changing: ["PGPASSWORD": "unused", "PGHOST": nil])
        #expect(output.status == 1, "the listener is no server: \(output.stderr)")
        #expect(listener.accepted(), "mimic never connected to [::1]:\(listener.port): \(output.stderr)")
        #expect(!output.stderr.contains("cannot be found"), "\(output.stderr)")
        #expect(output.stderr.contains("[::1]:\(listener.port)"), "the server is named as a URL names it: \(output.stderr)")
    }
}

/// A TCP listener on [::1] at a free port that accepts connections and closes them at
/// once, counting them: proof that a client reached the IPv6 loopback.
final class IPv6Listener: Sendable {
    let port: Int
    private let socket: Int32
    private let connections = Connections()

    private final class Connections: @unchecked Sendable {
        // @unchecked: `count` is touched only under `lock`.
        private let lock = NSLock()
        private var count = 0
        func add() { lock.withLock { count += 1 } }
        var any: Bool { lock.withLock { count > 0 } }
    }

    static let loopbackWorks: Bool = {
        guard let (descriptor, _) = listening() else { return false }
        close(descriptor)
        return true
    }()

    /// A socket listening on [::1] at a port the system chose, and that port.
    private static func listening() -> (Int32, Int)? {
        let descriptor = Glibc.socket(AF_INET6, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return nil }
        var address = sockaddr_in6()
        address.sin6_family = sa_family_t(AF_INET6)
        address.sin6_addr = in6addr_loopback
        var length = socklen_t(MemoryLayout<sockaddr_in6>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                bind(descriptor, address, length) == 0 && listen(descriptor, 8) == 0 && getsockname(descriptor, address, &length) == 0
            }
        }
        guard bound else {
            close(descriptor)
            return nil
        }
        return (descriptor, Int(UInt16(bigEndian: address.sin6_port)))
    }

    init?() {
        guard let (descriptor, port) = Self.listening() else { return nil }
        socket = descriptor
        self.port = port
        Thread.detachNewThread { [connections] in
            // Until deinit shuts the socket down, which makes accept fail.
            while true {
                let client = accept(descriptor, nil, nil)
                if client < 0 { return }
                close(client)
                connections.add()
            }
        }
    }

    func accepted() -> Bool { connections.any }

    deinit {
        shutdown(socket, Int32(SHUT_RDWR))
        close(socket)
    }
}
