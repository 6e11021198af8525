import Foundation

/// A PostgreSQL run store's address, `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=MODE]`,
/// read the way libpq reads it where mimic takes the same thing: a part the URL leaves
/// out comes from `PGHOST`, `PGPORT`, `PGUSER`, `PGDATABASE` and `PGSSLMODE`, else
/// libpq's default (localhost, 5432, the user running mimic, a database named after
/// the user, prefer), so `postgres:///runs` works where psql would; the password from
/// the URL, else `PGPASSWORD`, else `~/.pgpass` (or `PGPASSFILE`).
public struct PostgresAddress: Sendable, Equatable, CustomStringConvertible {
    public var user: String
    public var host: String
    public var port: Int
    public var database: String
    public var sslMode: SSLMode
    /// Only the URL's; `password(environment:)` looks further. Never in `description`.
    var urlPassword: String?

    /// libpq's `sslmode` values. `prefer` (the default) and `allow` take TLS when the
    /// server offers it; `require` insists on it; neither checks the certificate.
    /// `verify-ca` checks it against the system's trusted roots, `verify-full` also
    /// checks that it names the host.
    public enum SSLMode: String, Sendable, CaseIterable {
        case disable, allow, prefer, require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    public static let defaultPort = 5432

    static func looksLikeURL(_ text: String) -> Bool {
        let lowered = text.lowercased()
        return lowered.hasPrefix("postgres://") || lowered.hasPrefix("postgresql://") || lowered.hasPrefix("postgres:")
            || lowered.hasPrefix("postgresql:")
    }

    /// Parses `text`, taking what it leaves out from `environment` as libpq does; one
    /// sentence naming what is wrong otherwise, with the URL shown without its password.
    public init(parsing text: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws(StoreError) {
        // A URL of thousands of characters is shown by its ends, not whole.
        var shown = Self.withoutPassword(text)
        if shown.count > 200 { shown = "\(shown.prefix(100))...\(shown.suffix(40)) (\(shown.count) characters)" }
        func refuse(_ problem: String) -> StoreError {
            StoreError("The run store URL \(shown) \(problem); write it as postgres://USER@HOST:PORT/DATABASE "
                + "(the password in PGPASSWORD or ~/.pgpass, or as USER:PASSWORD@).")
        }
        func setting(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        let lowered = text.lowercased()
        guard lowered.hasPrefix("postgres://") || lowered.hasPrefix("postgresql://") else {
            throw refuse("does not start with postgres://")
        }
        guard let url = URLComponents(string: text) else { throw refuse("is not a valid URL (a space, or a character to write as %XX)") }
        // Each part the URL gives is read from the URL's own text, never from what
        // URLComponents decodes: it answers nil for a part it cannot decode (a host of
        // more than 2048 characters, a %FF), and nil would fall back to PGHOST, PGUSER or
        // the default, so that a long host name silently became localhost.
        let written = Self.writtenParts(of: text)
        func decoded(_ part: Substring, _ name: String) throws(StoreError) -> String {
            guard let text = part.removingPercentEncoding else {
                throw refuse("has a \(name) whose %XX escapes are not UTF-8 text")
            }
            guard !text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
                throw refuse("has a control character (such as %00) in its \(name), which PostgreSQL cannot take")
            }
            return text
        }
        var writtenHost = written.host
        if writtenHost.hasPrefix("[") && writtenHost.hasSuffix("]") {
            // An IPv6 address, [::1]: the brackets only mark it in the URL.
            writtenHost = writtenHost.dropFirst().dropLast()
        }
        let urlHost = try decoded(writtenHost, "host name")
        guard urlHost.utf8.count <= Self.longestHostName else {
            throw refuse("has a host name of \(urlHost.utf8.count) characters, longer than the \(Self.longestHostName) a host name can have")
        }
        var urlPort: Int?
        if let portText = written.port, !portText.isEmpty {
            guard portText.allSatisfy({ $0.isASCII && $0.isNumber }), let given = Int(portText), (1...65535).contains(given) else {
                throw refuse("has port \(portText), which is not between 1 and 65535")
            }
            urlPort = given
        }
        let urlUser = try decoded(Substring(url.percentEncodedUser ?? ""), "user name")
        let urlPassword = try decoded(Substring(url.percentEncodedPassword ?? ""), "password")
        let encodedPath = Substring(url.percentEncodedPath)
        let path = try decoded(encodedPath.hasPrefix("/") ? encodedPath.dropFirst() : encodedPath, "database name")
        guard !path.contains("/") else { throw refuse("has a database name with a / in it") }
        guard url.fragment == nil else { throw refuse("has a # part, which means nothing here") }
        var sslModeText: String?
        for item in url.queryItems ?? [] {
            guard item.name == "sslmode" else {
                throw refuse("has the parameter \(item.name), which mimic does not know (sslmode is the one it takes)")
            }
            sslModeText = item.value ?? ""
        }

        let host = urlHost.isEmpty ? setting("PGHOST") ?? "localhost" : urlHost
        guard !host.hasPrefix("/") else {
            throw StoreError("PGHOST=\(host) is a folder of Unix sockets, and mimic reaches PostgreSQL over TCP only; "
                + "name the server's host in the run store URL (postgres://USER@HOST/DATABASE) or in PGHOST.")
        }
        guard !host.contains(",") else {
            if !urlHost.isEmpty { throw refuse("names several hosts (\(host)), and mimic connects to one") }
            throw StoreError("PGHOST=\(host) names several hosts, and mimic connects to one; name it in the run store URL or in PGHOST.")
        }
        var port = Self.defaultPort
        if let given = urlPort {
            port = given
        } else if let text = setting("PGPORT") {
            guard let given = Int(text), (1...65535).contains(given) else {
                throw StoreError("PGPORT=\(text) is not a port between 1 and 65535; set it to the server's port (5432 by default) or unset it.")
            }
            port = given
        }
        guard let user = urlUser.isEmpty ? setting("PGUSER") ?? Self.systemUserName() : urlUser else {
            throw refuse("names no user, and neither PGUSER nor this process's user gives one")
        }
        var sslMode = SSLMode.prefer
        if let text = sslModeText {
            guard let mode = SSLMode(rawValue: text) else {
                throw refuse("has sslmode=\(text), which is not one of " + SSLMode.allCases.map(\.rawValue).joined(separator: ", "))
            }
            sslMode = mode
        } else if let text = setting("PGSSLMODE") {
            guard let mode = SSLMode(rawValue: text) else {
                throw StoreError("PGSSLMODE=\(text) is not one of \(SSLMode.allCases.map(\.rawValue).joined(separator: ", ")); "
                    + "set it to one of them or unset it.")
            }
            sslMode = mode
        }
        self.user = user
        self.host = host
        self.port = port
        self.database = path.isEmpty ? setting("PGDATABASE") ?? user : path
        self.sslMode = sslMode
        self.urlPassword = urlPassword.isEmpty ? nil : urlPassword
    }

    /// The name of the user this process runs as, libpq's default user.
    static func systemUserName() -> String? {
        guard let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name else { return nil }
        let text = String(cString: name)
        return text.isEmpty ? nil : text
    }

    /// A DNS name's limit; longer is a mistake, and no resolver would find it.
    static let longestHostName = 253

    /// The host (brackets and all) and port of `text` as written, still %-encoded: the
    /// authority after `://` up to the path, after its last `@`.
    static func writtenParts(of text: String) -> (host: Substring, port: Substring?) {
        guard let scheme = text.range(of: "://") else { return ("", nil) }
        let authority = text[scheme.upperBound...].prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        let hostAndPort = authority.lastIndex(of: "@").map { authority[authority.index(after: $0)...] } ?? authority
        let hostEnd = hostAndPort.hasPrefix("[") ? hostAndPort.firstIndex(of: "]").map(hostAndPort.index(after:))
            : hostAndPort.firstIndex(of: ":")
        guard let hostEnd else { return (hostAndPort, nil) }
        let rest = hostAndPort[hostEnd...]
        return (hostAndPort[..<hostEnd], rest.hasPrefix(":") ? rest.dropFirst() : nil)
    }

    /// Whether `host` is an IPv6 address, with at most a zone of letters, digits and
    /// `-._~` after a `%` (fe80::1%eth0).
    static func isIPv6Address(_ host: String) -> Bool {
        // inet_pton would read only up to a NUL.
        guard !host.utf8.contains(0) else { return false }
        let parts = host.split(separator: "%", maxSplits: 1, omittingEmptySubsequences: false)
        if parts.count == 2 {
            guard !parts[1].isEmpty, parts[1].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-._~".contains($0)) }) else {
                return false
            }
        }
        var address = in6_addr()
        return inet_pton(AF_INET6, String(parts[0]), &address) == 1
    }

    /// `host:port` as a sentence names the server: an IPv6 address in brackets, `[::1]:5432`.
    public var hostAndPort: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// The URL as messages show it: no password, the port always, sslmode when not the default.
    public var description: String {
        var components = URLComponents()
        components.scheme = "postgres"
        components.user = user
        // An IPv6 address goes back into brackets, its zone's % escaped. Any other host
        // with a colon (PGHOST may hold anything) is written out below: URLComponents
        // stops the program when given a bracketed host it does not take.
        if host.contains(":") {
            guard Self.isIPv6Address(host) else { return "postgres://\(user)@[\(host)]:\(port)/\(database)" }
            components.percentEncodedHost = "[" + host.replacingOccurrences(of: "%", with: "%25") + "]"
        } else {
            components.host = host
        }
        components.port = port
        components.path = "/" + database
        if sslMode != .prefer { components.queryItems = [URLQueryItem(name: "sslmode", value: sslMode.rawValue)] }
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return components.string ?? "postgres://\(user)@\(shownHost):\(port)/\(database)"
    }

    /// `text` with whatever stands where a password would replaced by `***`: after the
    /// scheme, between the first `:` before the last `@` and that `@`. For messages about
    /// a URL that may not even parse; it hides too much rather than too little.
    static func withoutPassword(_ text: String) -> String {
        guard let scheme = text.firstIndex(of: ":") else { return text }
        let rest = text[text.index(after: scheme)...].drop { $0 == "/" }
        guard let at = rest.lastIndex(of: "@"), let colon = rest[..<at].firstIndex(of: ":") else { return text }
        return String(text[...colon]) + "***" + String(text[at...])
    }

    // MARK: - The password

    /// Where the password came from, for the sentence when the server refuses it.
    enum PasswordSource: Equatable {
        case url, environment
        case passwordFile(String)
        /// None found; `ignoredFile` is a password file skipped because others can read it.
        case none(ignoredFile: String?)
    }

    /// The password to log in with, looked up as libpq does.
    func password(environment: [String: String] = ProcessInfo.processInfo.environment) -> (password: String?, source: PasswordSource) {
        if let urlPassword { return (urlPassword, .url) }
        if let password = environment["PGPASSWORD"], !password.isEmpty { return (password, .environment) }
        let file = Self.passwordFilePath(environment: environment)
        guard let file, FileManager.default.fileExists(atPath: file) else { return (nil, .none(ignoredFile: nil)) }
        // libpq ignores a password file that its group or others can read, and so does mimic.
        var status = stat()
        guard stat(file, &status) == 0 else { return (nil, .none(ignoredFile: nil)) }
        if status.st_mode & 0o077 != 0 { return (nil, .none(ignoredFile: file)) }
        // Only a regular file: a FIFO or a device there would hold mimic forever.
        guard status.st_mode & S_IFMT == S_IFREG, let handle = FileHandle(forReadingAtPath: file),
              let bytes = try? handle.readToEnd() else { return (nil, .none(ignoredFile: nil)) }
        try? handle.close()
        let text = String(decoding: bytes, as: UTF8.self)
        for line in text.split(whereSeparator: \.isNewline) where !line.hasPrefix("#") {
            let fields = Self.passwordFileFields(String(line))
            guard fields.count >= 5 else { continue }
            let wanted = [host, String(port), database, user]
            if zip(fields.prefix(4), wanted).allSatisfy({ $0 == "*" || $0 == $1 }) {
                return (fields[4], .passwordFile(file))
            }
        }
        return (nil, .none(ignoredFile: nil))
    }

    /// `PGPASSFILE`, else `~/.pgpass` (HOME from the environment, so tests can move it).
    static func passwordFilePath(environment: [String: String]) -> String? {
        if let file = environment["PGPASSFILE"], !file.isEmpty { return file }
        guard let home = environment["HOME"], !home.isEmpty else { return nil }
        return (home as NSString).appendingPathComponent(".pgpass")
    }

    /// A `.pgpass` line's fields, `host:port:database:user:password`, where `\:` is a
    /// colon and `\\` a backslash. The password, the last field, takes the rest of the line.
    static func passwordFileFields(_ line: String) -> [String] {
        var fields: [String] = []
        var field = ""
        var escaped = false
        for character in line {
            if escaped {
                field.append(character)
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == ":" && fields.count < 4 {
                fields.append(field)
                field = ""
            } else {
                field.append(character)
            }
        }
        fields.append(field)
        return fields
    }
}
