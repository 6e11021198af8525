import Foundation
import NIOCore
import NIOPosix
import PostgresNIO

/// What went wrong with a PostgreSQL run store, as one sentence naming the server or
/// database, the problem and the fix. Never the password: sentences are built from
/// the address's description and the server's own words, and postgres-nio's
/// `PSQLError` is read field by field, never printed whole.
struct PostgresProblem {
    let address: PostgresAddress
    let environment: [String: String]

    private var server: String { "the PostgreSQL server at \(address.hostAndPort)" }
    private var capitalizedServer: String { "The PostgreSQL server at \(address.hostAndPort)" }
    private var store: String { "The run store \(address)" }

    /// `error` in a few words: the server's own message, or what happened to the connection.
    func reason(for error: any Error) -> String {
        guard let error = error as? PSQLError else { return "\(error)" }
        switch error.code {
        case .server:
            return "PostgreSQL: " + (error.serverInfo?[.message] ?? "no message")
        case .serverClosedConnection, .clientClosedConnection, .uncleanShutdown:
            return "the connection to \(server) was lost"
        case .connectionError:
            return "\(server) cannot be reached" + (error.underlying.map { ": \($0)" } ?? "")
        default:
            return "PostgreSQL: \(error.code)"
        }
    }
    func sentence(for error: any Error, doing what: String) -> StoreError {
        if let error = error as? StoreError { return error }
        if let error = error as? PSQLError { return sentence(for: error, doing: what) }
        if let error = error as? NIOSSLError {
            return StoreError("\(store) cannot be reached over TLS (\(error)); check the server's certificate, or the sslmode in the URL.")
        }
        return StoreError("\(store) failed while \(what) (\(error)); check that \(server) is running and reachable, then try again.")
    }

    private func sentence(for error: PSQLError, doing what: String) -> StoreError {
        switch error.code {
        case .connectionError:
            return connectionFailure(error.underlying)
        case .serverClosedConnection, .clientClosedConnection, .uncleanShutdown:
            return StoreError("\(store) lost its connection to \(server) while \(what); "
                + "check that the server is running (it may have restarted), then try again.")
        case .sslUnsupported:
            return StoreError("\(capitalizedServer) does not offer TLS, which sslmode=\(address.sslMode.rawValue) "
                + "in \(address) asks for; turn ssl on in the server's postgresql.conf, or use sslmode=prefer.")
        case .failedToAddSSLHandler:
            return StoreError("\(store) cannot be reached over TLS (\(error.underlying.map { "\($0)" } ?? "the handshake failed")); "
                + "check the server's certificate, or the sslmode in the URL.")
        case .authMechanismRequiresPassword:
            return missingPassword()
        case .unsupportedAuthMechanism:
            return StoreError("\(capitalizedServer) asks user \(address.user) to log in a way mimic cannot "
                + "(only passwords: scram-sha-256, md5 or plain); allow one of these for the user in the server's pg_hba.conf.")
        case .server:
            return serverRefusal(error, doing: what)
        default:
            return StoreError("\(store) failed while \(what) (\(error.code)); check that \(server) is running and reachable, then try again.")
        }
    }

    /// Connecting failed before the server said anything.
    private func connectionFailure(_ underlying: (any Error)?) -> StoreError {
        if let error = underlying as? IOError, error.errnoCode == ECONNREFUSED {
            return StoreError("\(capitalizedServer) refused the connection: no server listens there; "
                + "start it (pg_ctlcluster VERSION main start, or systemctl start postgresql), or fix the host and port in \(address).")
        }
        if let error = underlying as? NIOConnectionError {
            if error.dnsAAAAError != nil || error.dnsAError != nil, error.connectionErrors.isEmpty {
                return StoreError("The host \(address.host) in \(address) cannot be found; check its spelling, or use the server's address.")
            }
            if error.connectionErrors.contains(where: { ($0.error as? IOError)?.errnoCode == ECONNREFUSED }) {
                return connectionFailure(IOError(errnoCode: ECONNREFUSED, reason: "connect"))
            }
        }
        if underlying is ChannelError || "\(underlying.map { "\($0)" } ?? "")".contains("connectTimeout") {
            return StoreError("\(capitalizedServer) did not answer within \(PostgresBackend.connectTimeout.nanoseconds / 1_000_000_000) s; "
                + "check that it runs and that a firewall lets port \(address.port) through.")
        }
        let reason = underlying.map { "\($0)" } ?? "no reason given"
        return StoreError("\(capitalizedServer) cannot be reached (\(reason)); "
            + "check that it runs and the host and port in \(address).")
    }

    /// No password was given, and the server wants one.
    private func missingPassword() -> StoreError {
        var sentence = "\(capitalizedServer) asks user \(address.user) for a password and none was given; "
            + "put it in PGPASSWORD, in ~/.pgpass (host:port:database:user:password, mode 0600) or in the URL as \(address.user):PASSWORD@"
        if case .none(let ignored?) = address.password(environment: environment).source {
            sentence += " (\(ignored) was ignored: others can read it; chmod 600 \(ignored))"
        }
        return StoreError(sentence + ".")
    }

    /// The server answered with an error: its SQLSTATE says which.
    private func serverRefusal(_ error: PSQLError, doing what: String) -> StoreError {
        let state = error.serverInfo?[.sqlState] ?? ""
        let message = error.serverInfo?[.message] ?? "no message"
        switch state {
        case "28P01":
            let source = switch address.password(environment: environment).source {
            case .url: "the URL"
            case .environment: "PGPASSWORD"
            case .passwordFile(let file): file
            case .none: "nowhere"
            }
            return StoreError("\(capitalizedServer) refused the password of user \(address.user) "
                + "(it came from \(source)); fix the password there, or the user's on the server (ALTER ROLE \(address.user) PASSWORD ...).")
        case "28000":
            return StoreError("\(capitalizedServer) does not let user \(address.user) in to database "
                + "\(address.database) (\(message)); allow it in the server's pg_hba.conf, or use another user.")
        case "3D000":
            return StoreError("There is no database \(address.database) on \(server); create it (createdb -h \(address.host) -p \(address.port) "
                + "-U \(address.user) \(address.database)), or fix the database in \(address).")
        case "42501":
            return StoreError("\(store) cannot be used by user \(address.user) (\(message)); grant the user the rights on database "
                + "\(address.database) (GRANT CREATE ON SCHEMA public TO \(address.user)), or use the database's owner.")
        case "53100":
            return StoreError("\(store) failed while \(what): the server's disk is full (\(message)); free space on it, then try again.")
        case _ where state.hasPrefix("57") || state.hasPrefix("08"):
            return StoreError("\(store) lost its connection to \(server) while \(what) (\(message)); "
                + "check that the server is running (it may have restarted), then try again.")
        default:
            return StoreError("\(store) failed while \(what) (PostgreSQL: \(message)); check the server's log, then try again.")
        }
    }
}
