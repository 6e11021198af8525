import Foundation
import Synchronization
import Testing
@testable import MimicStore
import MimicTestSupport

/// Reading `--store postgres://...` and finding its password as libpq does, without a
/// server: every broken URL gets its sentence, and no sentence holds the password.
@Suite struct PostgresAddressTests {
    static let password = "s3cr3t-Pw"

    @Test func aURLGivesEveryPartAndShowsNoPassword() throws {
        let address = try PostgresAddress(parsing: "postgres://mimic:\(Self.password)@db.example.org:6543/runs?sslmode=require")
        #expect(address.user == "mimic" && address.host == "db.example.org" && address.port == 6543 && address.database == "runs")
        #expect(address.sslMode == .require && address.urlPassword == Self.password)
        #expect(address.description == "postgres://mimic@db.example.org:6543/runs?sslmode=require")

        let plain = try PostgresAddress(parsing: "postgresql://ana@localhost/mimic")
        #expect(plain.port == 5432 && plain.sslMode == .prefer && plain.urlPassword == nil)
        #expect(plain.description == "postgres://ana@localhost:5432/mimic")
        #expect(try PostgresAddress(parsing: "postgres://ana:p%40ss%3Aw@127.0.0.1:5432/m").urlPassword == "p@ss:w", "percent-encoded")
        #expect(try PostgresAddress(parsing: "postgres://ana@[::1]:5433/m").host.contains("::1"))
        for mode in PostgresAddress.SSLMode.allCases {
            #expect(try PostgresAddress(parsing: "postgres://a@h/d?sslmode=\(mode.rawValue)").sslMode == mode)
        }

        #expect(throws: StoreError("The run store postgress://mimic:***@db/runs is a URL mimic does not know: "
            + "it takes postgres://USER@HOST:PORT/DATABASE, or the path of a SQLite file.")) {
            try StoreAddress(parsing: "postgress://mimic:\(Self.password)@db/runs")
        }
        #expect(throws: StoreError.self) { try StoreAddress(parsing: "mysql://root@db/runs") }
        let store = try StoreAddress(parsing: "postgres://mimic:\(Self.password)@db:5432/runs")
        #expect(store.description == "postgres://mimic@db:5432/runs")
        #expect(store.childEnvironment == ["PGPASSWORD": Self.password], "a child gets the password in its environment, not its arguments")
        #expect(try StoreAddress(parsing: "postgres://mimic@db:5432/runs").childEnvironment.isEmpty)
        #expect(try StoreAddress(parsing: "runs.sqlite") == .sqlite(path: FileManager.default.currentDirectoryPath + "/runs.sqlite"))
        #expect(try StoreAddress(parsing: "/x/postgres.sqlite") == .sqlite(path: "/x/postgres.sqlite"), "a file path that mentions postgres")
    }

    @Test func eachBrokenURLIsNamedInOneSentenceWithoutItsPassword() {
        let p = Self.password
        let cases: [(String, String)] = [
            ("postgres://mimic:\(p)@db/a/b", "has a database name with a / in it"),
            ("postgres://mimic:\(p)@db:99999/runs", "has port 99999, which is not between 1 and 65535"),
            ("postgres://mimic:\(p)@db:port/runs", "is not a valid URL (a space, or a character to write as %XX)"),
            ("postgres://mimic:\(p)@my db/runs", "is not a valid URL (a space, or a character to write as %XX)"),
            ("postgres://mimic:\(p)@db/runs?sslmode=sometimes",
             "has sslmode=sometimes, which is not one of disable, allow, prefer, require, verify-ca, verify-full"),
            ("postgres://mimic:\(p)@db/runs?connect_timeout=3",
             "has the parameter connect_timeout, which mimic does not know (sslmode is the one it takes)"),
            ("postgres://mimic:\(p)@db/runs#top", "has a # part, which means nothing here"),
            ("postgres:mimic:\(p)@db/runs", "does not start with postgres://"),
        ]
        for (text, problem) in cases {
            let shown = PostgresAddress.withoutPassword(text)
            #expect(throws: StoreError("The run store URL \(shown) \(problem); write it as postgres://USER@HOST:PORT/DATABASE "
                + "(the password in PGPASSWORD or ~/.pgpass, or as USER:PASSWORD@).")) {
                try StoreAddress(parsing: text, environment: [:])
            }
            #expect(!shown.contains(p), "\(shown)")
        }
    }

    /// URLComponents answers nil for a part it cannot decode: a host past 2048
    /// characters, a %FF, a port past Int's range. Each nil fell back to PGHOST,
    /// PGUSER, PGDATABASE or the default, so such a URL silently named localhost, or
    /// another user's or database's store. A part the URL gives is used or refused.
    @Test func aPartTheURLGivesButCannotBeUsedIsRefusedNeverReplaced() throws {
        let cluster = ["PGHOST": "db.cluster", "PGPORT": "6000", "PGUSER": "ana", "PGDATABASE": "lab"]
        let longHost = String(repeating: "a", count: 3000)
        let cases: [(String, String)] = [
            ("postgres://mimic@\(longHost):5432/runs", "has a host name of 3000 characters, longer than the 253 a host name can have"),
            ("postgres://mimic@\(String(repeating: "a.", count: 1100))x/runs",
             "has a host name of 2201 characters, longer than the 253 a host name can have"),
            ("postgres://mimic@%FF/runs", "has a host name whose %XX escapes are not UTF-8 text"),
            ("postgres://%FF@db/runs", "has a user name whose %XX escapes are not UTF-8 text"),
            ("postgres://mimic:%FF@db/runs", "has a password whose %XX escapes are not UTF-8 text"),
            ("postgres://mimic@db/%FF", "has a database name whose %XX escapes are not UTF-8 text"),
            ("postgres://mimic@db:99999999999999999999/runs", "has port 99999999999999999999, which is not between 1 and 65535"),
            ("postgres://mimic@db/ru%00ns", "has a control character (such as %00) in its database name, which PostgreSQL cannot take"),
            ("postgres://mi%00mic@db/runs", "has a control character (such as %00) in its user name, which PostgreSQL cannot take"),
            ("postgres://mimic@d%0Ab/runs", "has a control character (such as %00) in its host name, which PostgreSQL cannot take"),
            ("postgres://mimic@a,b/runs", "names several hosts (a,b), and mimic connects to one"),
        ]
        for (text, problem) in cases {
            var shown = PostgresAddress.withoutPassword(text)
            if shown.count > 200 { shown = "\(shown.prefix(100))...\(shown.suffix(40)) (\(shown.count) characters)" }
            #expect(throws: StoreError("The run store URL \(shown) \(problem); write it as postgres://USER@HOST:PORT/DATABASE "
                + "(the password in PGPASSWORD or ~/.pgpass, or as USER:PASSWORD@).")) {
                try StoreAddress(parsing: text, environment: cluster)
            }
        }
        // A host of 253 characters is as long as DNS allows, and is kept.
        let longest = String(repeating: "a", count: 253)
        #expect(try PostgresAddress(parsing: "postgres://mimic@\(longest)/runs", environment: cluster).host == longest)
    }

    /// `[::1]` was kept with its brackets, which no resolver takes: the IPv6 loopback
    /// could not be reached. The brackets only mark the address in the URL.
    @Test func anIPv6AddressLosesItsBracketsAndGetsThemBackWhenShown() throws {
        let loopback = try PostgresAddress(parsing: "postgres://mimic@[::1]:5433/runs", environment: [:])
        #expect(loopback.host == "::1" && loopback.port == 5433)
        #expect(loopback.description == "postgres://mimic@[::1]:5433/runs")
        let zoned = try PostgresAddress(parsing: "postgres://mimic@[fe80::1%25eth0]/runs", environment: [:])
        #expect(zoned.host == "fe80::1%eth0")
        #expect(zoned.description == "postgres://mimic@[fe80::1%25eth0]:5432/runs")
        #expect(try PostgresAddress(parsing: "postgres://mimic@[::1]/runs", environment: [:]).port == 5432)
        // A PGHOST with a colon that is no IPv6 address is shown as given: URLComponents
        // traps on such a bracketed host (found by FuzzStoreURL).
        let odd = try PostgresAddress(parsing: "postgres:///runs", environment: ["PGHOST": "2var/run/post\u{FFFD}:pgresql", "PGUSER": "ana"])
        #expect(odd.description == "postgres://ana@[2var/run/post\u{FFFD}:pgresql]:5432/runs")
        #expect(!PostgresAddress.isIPv6Address("0:0::0\u{0}x"), "inet_pton reads up to the NUL only")
        #expect(PostgresAddress.isIPv6Address("fe80::1%eth0") && !PostgresAddress.isIPv6Address("fe80::1%"))
    }

    /// What the URL leaves out comes from libpq's variables, then libpq's defaults, so
    /// a cluster's PGHOST and PGUSER work as they do for psql. They were ignored, and
    /// postgres:///runs was refused for naming no host.
    @Test func thePartsTheURLLeavesOutComeFromPGHOSTAndTheOthersAsInLibpq() throws {
        let cluster = ["PGHOST": "db.cluster", "PGPORT": "6000", "PGUSER": "ana", "PGDATABASE": "lab", "PGSSLMODE": "require"]
        let bare = try PostgresAddress(parsing: "postgres://", environment: cluster)
        #expect(bare.description == "postgres://ana@db.cluster:6000/lab?sslmode=require")
        let named = try PostgresAddress(parsing: "postgres:///runs", environment: cluster)
        #expect(named.description == "postgres://ana@db.cluster:6000/runs?sslmode=require", "the URL's database wins")
        let whole = try PostgresAddress(parsing: "postgres://bo@other:7000/x?sslmode=disable", environment: cluster)
        #expect(whole.description == "postgres://bo@other:7000/x?sslmode=disable", "every part the URL gives wins")
        let password = try PostgresAddress(parsing: "postgres://:\(Self.password)@/runs", environment: cluster)
        #expect(password.user == "ana" && password.host == "db.cluster" && password.urlPassword == Self.password)

        let defaults = try PostgresAddress(parsing: "postgres://", environment: ["PGUSER": "ana"])
        #expect(defaults.description == "postgres://ana@localhost:5432/ana", "libpq's defaults: localhost, 5432, the user's name")
        // The user running the tests, whoever that is; a process whose uid has no name
        // (a container's arbitrary uid) has no default user, as with libpq.
        if let name = PostgresAddress.systemUserName() {
            let system = try PostgresAddress(parsing: "postgres:///runs", environment: [:])
            #expect(system.user == name && system.host == "localhost")
        } else {
            #expect(throws: StoreError.self) { try PostgresAddress(parsing: "postgres:///runs", environment: [:]) }
        }

        let refusals: [([String: String], String)] = [
            (["PGPORT": "70000"], "PGPORT=70000 is not a port between 1 and 65535; set it to the server's port (5432 by default) or unset it."),
            (["PGPORT": "five"], "PGPORT=five is not a port between 1 and 65535; set it to the server's port (5432 by default) or unset it."),
            (["PGSSLMODE": "always"], "PGSSLMODE=always is not one of disable, allow, prefer, require, verify-ca, verify-full; "
                + "set it to one of them or unset it."),
            (["PGHOST": "/var/run/postgresql"], "PGHOST=/var/run/postgresql is a folder of Unix sockets, and mimic reaches "
                + "PostgreSQL over TCP only; name the server's host in the run store URL (postgres://USER@HOST/DATABASE) or in PGHOST."),
            (["PGHOST": "a,b"], "PGHOST=a,b names several hosts, and mimic connects to one; name it in the run store URL or in PGHOST."),
        ]
        for (environment, sentence) in refusals {
            #expect(throws: StoreError(sentence)) { try PostgresAddress(parsing: "postgres:///runs", environment: environment) }
        }
        #expect(try PostgresAddress(parsing: "postgres://h:1/r", environment: ["PGPORT": "five"]).port == 1, "a bad PGPORT the URL overrides is not read")
    }

    /// Thousands of URLs broken anywhere but in their user and password: whatever the
    /// outcome, neither a sentence nor a parsed URL's description holds the password.
    @Test func noBrokenURLShowsItsPassword() {
        let good = "postgres://mimic:\(Self.password)@db.example.org:5432/runs?sslmode=prefer"
        let prefix = "postgres://mimic:\(Self.password)@"
        let tail = Array(good.dropFirst(prefix.count))
        let alphabet = Array(":/@?#=&%[] .x9-")
        var generator = SeededGenerator(seed: 15)
        var refused = 0
        for _ in 0..<3000 {
            var mutated = tail
            for _ in 0..<Int.random(in: 1...3, using: &generator) {
                let position = Int.random(in: 0...mutated.count, using: &generator)
                switch Int.random(in: 0..<3, using: &generator) {
                case 0 where position < mutated.count: mutated.remove(at: position)
                case 1 where position < mutated.count: mutated[position] = alphabet.randomElement(using: &generator)!
                default: mutated.insert(alphabet.randomElement(using: &generator)!, at: position)
                }
            }
            for scheme in ["", "postgresql", "POSTGRES", "postgres:/"] {
                var text = prefix + String(mutated)
                if !scheme.isEmpty { text = scheme + text.drop { $0 != ":" } }
                do {
                    let address = try StoreAddress(parsing: text)
                    #expect(!address.description.contains(Self.password), "\(text) -> \(address)")
                } catch {
                    refused += 1
                    #expect(!error.message.contains(Self.password), "\(text) -> \(error.message)")
                }
            }
        }
        #expect(refused > 1000, "most mutations break the URL: \(refused)")
    }

    // MARK: - The password

    @Test func thePasswordComesFromTheURLThenPGPASSWORDThenThePasswordFile() throws {
        let home = try TemporaryFolder()
        let file = home.file(".pgpass")
        try """
            # host:port:database:user:password
            other:5432:runs:mimic:not-this-one
            db:*:runs:mimic:from\\:file\\\\x
            *:*:*:*:anyone
            """.write(toFile: file, atomically: true, encoding: .utf8)
        chmod(file, 0o600)
        let environment = ["HOME": home.path]
        let address = try PostgresAddress(parsing: "postgres://mimic@db:6000/runs")

        #expect(address.password(environment: environment) == ("from:file\\x", .passwordFile(file)), "escapes \\: and \\\\")
        #expect(address.password(environment: environment.merging(["PGPASSWORD": "from-env"]) { $1 }) == ("from-env", .environment))
        let withURL = try PostgresAddress(parsing: "postgres://mimic:from-url@db:6000/runs")
        #expect(withURL.password(environment: environment.merging(["PGPASSWORD": "from-env"]) { $1 }) == ("from-url", .url))
        #expect(try PostgresAddress(parsing: "postgres://ana@elsewhere/x").password(environment: environment) == ("anyone", .passwordFile(file)))

        // libpq ignores a password file others can read; so does mimic, and says so.
        chmod(file, 0o644)
        #expect(address.password(environment: environment) == (nil, .none(ignoredFile: file)))
        chmod(file, 0o600)
        let moved = home.file("elsewhere.pgpass")
        try FileManager.default.moveItem(atPath: file, toPath: moved)
        #expect(address.password(environment: environment) == (nil, .none(ignoredFile: nil)))
        #expect(address.password(environment: environment.merging(["PGPASSFILE": moved]) { $1 }).password == "from:file\\x")
    }

    /// A FIFO where the password file should be is passed over, not read: reading it
    /// would hold mimic until something writes to it.
    @Test func aPasswordFileThatIsNoRegularFileIsPassedOver() throws {
        let home = try TemporaryFolder()
        let fifo = home.file(".pgpass")
        #expect(mkfifo(fifo, 0o600) == 0)
        let address = try PostgresAddress(parsing: "postgres://mimic@db:6000/runs")
        let answered = DispatchSemaphore(value: 0)
        let found = Mutex<String??>(nil)
        let environment = ["HOME": home.path]
        Thread.detachNewThread {
            let password = address.password(environment: environment).password
            found.withLock { $0 = .some(password) }
            answered.signal()
        }
        let inTime = answered.wait(timeout: .now() + 10) == .success
        if !inTime {
            // Let the stuck reader go: a writer that closes at once gives it an end.
            let writer = open(fifo, O_WRONLY)
            close(writer)
            _ = answered.wait(timeout: .now() + 10)
        }
        #expect(inTime, "the password lookup waited on a FIFO")
        #expect(found.withLock { $0 } == .some(nil))
    }
}

/// A small seeded generator (SplitMix64), so that a failing mutation can be found again.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
